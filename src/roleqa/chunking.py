"""Split documents into focused passages that know where they come from.

Heading-aware: each passage carries its document, title and heading path. A FAQ
entry (a question heading under a "Frequently asked questions" heading) is one
passage and keeps its question, which retrieval also matches against the
user's question. In the article, each paragraph is a passage.

Lists are indexed at two sizes (small-to-big). Each item is a passage of its
own (a role's part of a comparison, one responsibility, one skill), with the
line that introduced it as context; and the whole list is a passage too, a
"group" whose `members` are the item ids. An item with sub-items is such a
group itself: its sub-items are its members. Retrieval matches both sizes and
answers with the one a reader needs (answer.py). Ids are derived from the
heading and position, so they are stable across rebuilds of the same text:
`doc#section-3` (a paragraph or item), `doc#section-3-2` (a sub-item),
`doc#section-list-1` (a whole list).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import PurePosixPath

from roleqa.ingest import Document

# Bumped whenever the passages this module makes could change; stored in the
# index manifest so an index chunked differently is rebuilt.
CHUNKING_VERSION = 3
MAX_WORDS = 160
INTRODUCTION = "Introduction"

_HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LIST_RE = re.compile(r"^(\s*)(?:[-*+]|\d+[.)])\s+(.*)$")
_FAQ_RE = re.compile(r"frequently asked questions|\bfaqs?\b", re.IGNORECASE)
_NUMBERING_RE = re.compile(r"^\d+[.)]\s+")
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+")
_LABEL_RE = re.compile(r"([^:\n]{1,40}):")
_BULLET_RE = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
# A sentence: up to and including its end mark (not the dot of "Ph.D." or
# "e.g."), or to the end of the line.
_SENTENCE_SPAN_RE = re.compile(r"\S.*?(?:(?<!Ph\.D)(?<!e\.g)(?<!i\.e)(?<!etc)(?<!vs)[.!?](?=\s|$)|$)")


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
    group: str = ""  # for an item: the id of the list it belongs to
    members: tuple[str, ...] = ()  # for a list: the ids of its items, in order

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, row: dict) -> Passage:
        return cls(**{**row, "members": tuple(row.get("members", ()))})

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
        label = None if self.members else _LABEL_RE.match(self.text)
        if label:
            return f"{self.leaf}: {label.group(1)}"
        # A list's first line, or an item's lead-in, says whose list it is.
        intro = self.text.split("\n", 1)[0] if self.members else self.context
        return f"{self.leaf}: {intro[:-1]}" if intro.endswith(":") else self.leaf


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
            # A double dash never comes out of slugify or a passage key, so
            # "overview--2-1" cannot collide with item 2-1 of "overview".
            slug = f"{slug}--{used_slugs[slug]}"
        is_faq = any(_FAQ_RE.search(h) for h in sec.path)
        question = leaf if is_faq and leaf.endswith("?") else None
        prefix = f"{doc_slug}#{slug}-"
        for unit in units:
            passages.append(
                Passage(
                    id=prefix + unit.key,
                    document=doc.name,
                    title=title,
                    section=" > ".join(sec.path) or INTRODUCTION,
                    kind="faq" if is_faq else "article",
                    text=unit.text,
                    question=question,
                    context=unit.context,
                    group=prefix + unit.group if unit.group else "",
                    members=tuple(prefix + m for m in unit.members),
                )
            )
    return passages


def section_texts(passages: list[Passage]) -> list[str]:
    """For each passage, the whole section it is in: heading, then every paragraph and item once.

    Matching the question against the section as well as the passage tells
    which part of the document it is about, which a one-line item alone can't.
    """
    texts: dict[tuple[str, str], list[str]] = {}
    for p in passages:
        parts = texts.setdefault((p.document, p.section), [p.leaf + "."])
        if not p.members:  # a list repeats its items
            parts.append(p.text)
    return [" ".join(texts[(p.document, p.section)]) for p in passages]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) character offsets of each sentence of `text`; a list line counts as one.

    Bullets ("- ") and surrounding spaces are left out of the spans.
    """
    spans = []
    offset = 0
    for line in text.split("\n"):
        body = _BULLET_RE.sub("", line)
        start = offset + len(line) - len(body)
        for m in _SENTENCE_SPAN_RE.finditer(body):
            spans.append((start + m.start(), start + m.end()))
        offset += len(line) + 1
    return spans


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


@dataclass
class _Unit:
    """A passage before it has an id: `key` and `group` are id suffixes within the section."""

    key: str
    context: str
    text: str
    group: str = ""
    members: tuple[str, ...] = ()


def _units(sec: _Section, max_words: int) -> list[_Unit]:
    """The passages of one section, in reading order (a list's group comes after its items)."""
    blocks = _blocks(sec.lines)
    if not blocks:
        return []
    leaf = sec.path[-1] if sec.path else ""
    if leaf.endswith("?") and any(_FAQ_RE.search(h) for h in sec.path):
        whole = "\n\n".join(_block_text(kind, lines) for kind, lines in blocks)
        return [_Unit(str(n), "", t) for n, t in enumerate(_split_long(whole, max_words), start=1)]
    units: list[_Unit] = []
    lead_in = ""
    n = lists = 0
    for kind, lines in blocks:
        if kind == "para":
            text = " ".join(ln.strip() for ln in lines)
            for piece in _split_long(text, max_words):
                n += 1
                units.append(_Unit(str(n), "", piece))
            last = _SENTENCE_RE.split(text)[-1]
            lead_in = last if last.endswith(":") else ""
            continue
        items = _list_items(lines)
        list_key = ""
        if len(items) > 1:
            lists += 1
            list_key = f"list-{lists}"
        keys, texts = [], []
        for head, subs in items:
            n += 1
            text = "\n".join([head, *(f"- {sub}" for sub in subs)])
            keys.append(str(n))
            texts.append(text)
            if subs:
                sub_keys = tuple(f"{n}-{m}" for m in range(1, len(subs) + 1))
                units.extend(_Unit(k, head, sub, str(n)) for k, sub in zip(sub_keys, subs))
                units.append(_Unit(str(n), lead_in, text, list_key, sub_keys))
            else:
                units.append(_Unit(str(n), lead_in, text, list_key))
        if list_key:
            rows = [lead_in] if lead_in else []
            rows += ["- " + text.replace("\n- ", "\n  - ") for text in texts]
            units.append(_Unit(list_key, "", "\n".join(rows), "", tuple(keys)))
        lead_in = ""
    return units


def _list_items(lines: list[str]) -> list[tuple[str, list[str]]]:
    """Top-level items of a list, each with its sub-items."""
    top = len(lines[0]) - len(lines[0].lstrip())
    items: list[tuple[str, list[str]]] = []
    for line in lines:
        indent = len(line) - len(line.lstrip())
        m = _LIST_RE.match(line)
        if m and indent <= top:
            items.append((m.group(2).strip(), []))
        elif items:
            sub = _LIST_RE.match(line)
            if sub:
                items[-1][1].append(sub.group(2).strip())
            elif items[-1][1]:
                items[-1][1][-1] += " " + line.strip()
            else:
                items[-1] = (items[-1][0] + " " + line.strip(), items[-1][1])
    return items


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
