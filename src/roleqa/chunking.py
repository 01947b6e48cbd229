"""Split documents into focused passages that know where they come from.

Heading-aware: each passage carries its document, title and heading path. A FAQ
entry (a question heading under a "Frequently asked questions" heading) is one
passage and keeps its question, which retrieval also matches against the
user's question. In the article, each paragraph is a passage, and a list whose
items are substantial (a role's part of a comparison, a responsibility with
its explanation) gives one passage per item, with the sentence that introduced
the list as context. Ids are derived from the heading and position, so they
are stable across rebuilds of the same text.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import PurePosixPath

from roleqa.ingest import Document

# Bumped whenever the passages this module makes could change; stored in the
# index manifest so an index chunked differently is rebuilt.
CHUNKING_VERSION = 1
MAX_WORDS = 160
INTRODUCTION = "Introduction"

_HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LIST_RE = re.compile(r"^(\s*)(?:[-*+]|\d+[.)])\s+(.*)$")
_FAQ_RE = re.compile(r"frequently asked questions|\bfaqs?\b", re.IGNORECASE)
_NUMBERING_RE = re.compile(r"^\d+[.)]\s+")
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+")
_LABEL_RE = re.compile(r"([^:\n]{1,40}):")


@dataclass(frozen=True)
class Passage:
    """A unit of retrieval and of answer."""

    id: str
    document: str
    title: str
    section: str
    kind: str  # "faq" or "article"
    text: str
    question: str | None = None
    context: str = ""

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def leaf(self) -> str:
        """The passage's own heading, without list numbering ("2. Skill sets" -> "Skill sets")."""
        return _NUMBERING_RE.sub("", self.section.split(" > ")[-1])

    @property
    def embed_text(self) -> str:
        """What is embedded: the passage under its heading, with its list lead-in."""
        if self.question:
            return f"{self.question} {self.text}"
        return " ".join(part for part in (self.leaf + ".", self.context, self.text) if part)

    @property
    def heading_text(self) -> str:
        """A short title matched against the question: the FAQ question, else heading and label."""
        if self.question:
            return self.question
        if self.section == INTRODUCTION:
            return f"{INTRODUCTION}: {self.title}"
        label = _LABEL_RE.match(self.text)
        return f"{self.leaf}: {label.group(1)}" if label else self.leaf


@dataclass
class _Section:
    path: list[str]
    lines: list[str]


def chunk_documents(docs: list[Document], max_words: int = MAX_WORDS) -> list[Passage]:
    """All passages of all documents, in document order."""
    return [p for doc in docs for p in chunk_document(doc, max_words)]


def chunk_document(doc: Document, max_words: int = MAX_WORDS) -> list[Passage]:
    """The passages of one document."""
    title, sections = _sections(doc)
    doc_slug = slugify(PurePosixPath(doc.name).with_suffix("").as_posix()) or "document"
    passages: list[Passage] = []
    used_slugs: dict[str, int] = {}
    for sec in sections:
        units = _units(sec, max_words)
        if not units:
            continue
        leaf = sec.path[-1] if sec.path else INTRODUCTION
        slug = slugify(_NUMBERING_RE.sub("", leaf)) or "section"
        used_slugs[slug] = used_slugs.get(slug, 0) + 1
        if used_slugs[slug] > 1:
            slug = f"{slug}-{used_slugs[slug]}"
        is_faq = any(_FAQ_RE.search(h) for h in sec.path)
        question = leaf if is_faq and leaf.endswith("?") else None
        for n, (context, text) in enumerate(units, start=1):
            passages.append(
                Passage(
                    id=f"{doc_slug}#{slug}-{n}",
                    document=doc.name,
                    title=title,
                    section=" > ".join(sec.path) or INTRODUCTION,
                    kind="faq" if is_faq else "article",
                    text=text,
                    question=question,
                    context=context,
                )
            )
    return passages


def slugify(text: str, limit: int = 48) -> str:
    """Lower-case ASCII words joined by dashes, cut at a word end near `limit` characters."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(slug) > limit:
        slug = slug[: limit + 1].rsplit("-", 1)[0] if "-" in slug[:limit] else slug[:limit]
    return slug


def _sections(doc: Document) -> tuple[str, list[_Section]]:
    """The document's title and its sections, each with its heading path.

    A level-1 heading that opens the document is its title, not a section.
    """
    lines = doc.text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    title = PurePosixPath(doc.name).stem.replace("-", " ").replace("_", " ")
    first = next((ln for ln in lines if ln.strip()), "")
    m = _HEADING_RE.match(first)
    if m and len(m.group(1)) == 1:
        title = m.group(2)
        lines = lines[lines.index(first) + 1 :]
    stack: list[tuple[int, str]] = []
    sections = [_Section([], [])]
    for line in lines:
        m = _HEADING_RE.match(line)
        if m:
            level = len(m.group(1))
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, m.group(2)))
            sections.append(_Section([h for _, h in stack], []))
        else:
            sections[-1].lines.append(line)
    return title, sections


def _blocks(lines: list[str]) -> list[tuple[str, list[str]]]:
    """Group lines into ("para", lines) and ("list", lines) blocks."""
    blocks: list[tuple[str, list[str]]] = []
    for line in lines:
        if not line.strip():
            if blocks and blocks[-1][0] == "para":
                blocks.append(("gap", []))
            continue
        kind = "list" if _LIST_RE.match(line) else "para"
        if blocks and blocks[-1][0] == "list" and kind == "para" and line.startswith((" ", "\t")):
            kind = "list"  # an indented continuation line of a list item
        if blocks and blocks[-1][0] == kind:
            blocks[-1][1].append(line)
        else:
            blocks.append((kind, [line]))
    return [b for b in blocks if b[0] != "gap"]


def _units(sec: _Section, max_words: int) -> list[tuple[str, str]]:
    """(context, text) pairs: the passages of one section, before ids are given."""
    blocks = _blocks(sec.lines)
    if not blocks:
        return []
    leaf = sec.path[-1] if sec.path else ""
    if leaf.endswith("?") and any(_FAQ_RE.search(h) for h in sec.path):
        whole = "\n\n".join(_block_text(kind, lines) for kind, lines in blocks)
        return [("", t) for t in _split_long(whole, max_words)]
    units: list[tuple[str, str]] = []
    lead_in = ""
    for kind, lines in blocks:
        if kind == "para":
            text = " ".join(ln.strip() for ln in lines)
            units.extend(("", t) for t in _split_long(text, max_words))
            last = _SENTENCE_RE.split(text)[-1]
            lead_in = last if last.endswith(":") else ""
            continue
        items = _list_items(lines)
        if len(items) > 1 and _substantial(items):
            units.extend((lead_in, item) for item in items)
        else:
            units.append((lead_in, _block_text(kind, lines)))
        lead_in = ""
    return units


def _list_items(lines: list[str]) -> list[str]:
    """Top-level items of a list, each with its sub-items as "- ..." lines."""
    top = len(lines[0]) - len(lines[0].lstrip())
    items: list[list[str]] = []
    for line in lines:
        indent = len(line) - len(line.lstrip())
        m = _LIST_RE.match(line)
        if m and indent <= top:
            items.append([m.group(2).strip()])
        elif items:
            sub = _LIST_RE.match(line)
            items[-1].append(f"- {sub.group(2).strip()}" if sub else line.strip())
    return ["\n".join(i) for i in items]


def _substantial(items: list[str]) -> bool:
    """Items worth a passage each: they have sub-items or say a sentence or more."""
    words = [len(i.split()) for i in items]
    return any("\n" in i for i in items) or sum(words) / len(words) >= 8


def _block_text(kind: str, lines: list[str]) -> str:
    if kind == "para":
        return " ".join(ln.strip() for ln in lines)
    return "\n".join(ln.rstrip() for ln in lines)


def _split_long(text: str, max_words: int) -> list[str]:
    """Split text longer than max_words at sentence ends (or, failing that, words)."""
    if len(text.split()) <= max_words:
        return [text]
    pieces: list[str] = []
    current: list[str] = []
    for sentence in _SENTENCE_RE.split(text):
        words = sentence.split()
        while len(words) > max_words:  # one "sentence" longer than a passage
            if current:
                pieces.append(" ".join(current))
                current = []
            pieces.append(" ".join(words[:max_words]))
            words = words[max_words:]
        if current and len(current) + len(words) > max_words:
            pieces.append(" ".join(current))
            current = []
        current.extend(words)
    if current:
        pieces.append(" ".join(current))
    return pieces
