"""Split parsed documents (document.py) into focused passages that know where they come from.

Heading-aware: each passage carries its document, title and heading path. A FAQ
entry (a section under a question heading, or any section of a document whose
title says FAQ) is one passage and keeps its question, which retrieval also
matches against the user's question; an entry made mostly of lists is cut like
the rest. Elsewhere each paragraph, code block and table is a passage.

Fragments with no content of their own never stand alone: a paragraph of
three words or fewer ("Note", "For example:") joins the block after it (as
its lead-in when that is a list, code or table), a short code line joins the
paragraph before it, and text with no letter or digit (a rule, a row of
dashes) is dropped. List items that short stay members of their list and are
answered as the list (retrieve.choose_units).

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
from dataclasses import dataclass
from pathlib import PurePosixPath

from roleqa.document import CODE, LIST, PARAGRAPH, TABLE, Block, Document, Item, Section
from roleqa.passage import INTRODUCTION, Passage, slugify, strip_numbering
from roleqa.readers import base_name

# Bumped whenever the passages could change (here or in a reader, or what is embedded); stored in the
# index manifest so an index chunked differently is rebuilt.
CHUNKING_VERSION = 56
MAX_WORDS = 160
# A passage needs more words than this to stand alone as an answer.
FRAGMENT_WORDS = 3

_FAQ_RE = re.compile(r"frequently[- ]asked[- ]questions|\bfaqs?\b", re.IGNORECASE)
_HAS_WORD = re.compile(r"\w")
_LEAD = "lead"  # a block kind of chunking's own: a fragment that introduces the next block
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+")
_BULLET_RE = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
# A sentence: up to and including its end mark (not the dot of "Ph.D." or
# "e.g."), or to the end of the line.
_SENTENCE_SPAN_RE = re.compile(r"\S.*?(?:(?<!Ph\.D)(?<!e\.g)(?<!i\.e)(?<!etc)(?<!vs)[.!?](?=\s|$)|$)")


def chunk_documents(docs: list[Document], max_words: int = MAX_WORDS) -> list[Passage]:
    """All passages of all documents, in document order."""
    return [p for doc in docs for p in chunk_document(doc, max_words)]


def chunk_document(doc: Document, max_words: int = MAX_WORDS) -> list[Passage]:
    """The passages of one parsed document."""
    doc_slug = slugify(_stem(doc.name)) or "document"
    faq_document = bool(_FAQ_RE.search(doc.title) or _FAQ_RE.search(doc.file_title))
    passages: list[Passage] = []
    used_slugs: dict[str, int] = {}
    for sec in doc.sections:
        blocks = _with_examples(_without_fragments(sec.blocks), max_words)
        if not blocks:
            continue
        leaf = sec.path[-1] if sec.path else INTRODUCTION
        slug = slugify(strip_numbering(leaf)) or "section"
        used_slugs[slug] = used_slugs.get(slug, 0) + 1
        if used_slugs[slug] > 1:
            # A double dash never comes out of slugify or a passage key, so
            # "overview--2-1" cannot collide with item 2-1 of "overview".
            slug = f"{slug}--{used_slugs[slug]}"
        entry = bool(sec.path) and (leaf.rstrip().endswith("?") or faq_document or _under_faq(sec))
        whole = entry and not _mostly_lists(blocks)
        units = _entry_units(blocks, max_words) if whole else _units(blocks, max_words)
        refers = blocks[0].target if whole and len(blocks) == 1 and blocks[0].kind == PARAGRAPH else ""
        prefix = f"{doc_slug}#{slug}-"
        for unit in units:
            if is_fragment(unit.text) and not unit.group:
                continue  # nothing to stand on alone, and no list to be answered with
            passages.append(
                Passage(
                    id=prefix + unit.key,
                    document=doc.name,
                    title=doc.title,
                    section=" > ".join(sec.path) or INTRODUCTION,
                    kind="faq" if whole else "article",
                    text=unit.text,
                    question=_question(sec.path) if whole else None,
                    context=unit.context,
                    group=prefix + unit.group if unit.group else "",
                    members=tuple(prefix + m for m in unit.members),
                    refers=refers,
                )
            )
    return passages


def is_fragment(text: str) -> bool:
    """Too little to stand alone as an answer: three words or fewer, or no letter or digit at all."""
    return len(text.split()) <= FRAGMENT_WORDS or not _HAS_WORD.search(text)


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


def _stem(name: str) -> str:
    path = PurePosixPath(name)
    stem = base_name(name)
    return (path.parent / stem).as_posix() if path.parent.as_posix() != "." else stem


_ELLIPSIS, _DOTS = ("...", "\u2026"), ".\u2026 "


def _question(path: list[str]) -> str:
    """A FAQ entry's question: its heading without numbering, and a heading that goes on from its
    parent's ("How do I..." > "... get section numbers?", as Sphinx's FAQ has them) joined to it."""
    leaf = strip_numbering(path[-1])
    parent = strip_numbering(path[-2]) if len(path) > 1 else ""
    if leaf.startswith(_ELLIPSIS) and parent.endswith(_ELLIPSIS):
        return parent.rstrip(_DOTS) + " " + leaf.lstrip(_DOTS)
    return leaf


def _under_faq(sec: Section) -> bool:
    return any(_FAQ_RE.search(h) for h in sec.path[:-1])


def _mostly_lists(blocks: list[Block]) -> bool:
    """An answer made mostly of list items is indexed item by item too (small-to-big)."""
    listed = sum(b.words() for b in blocks if b.kind == LIST and len(b.items) > 1)
    return listed > sum(b.words() for b in blocks) / 2


def _without_fragments(blocks: list[Block]) -> list[Block]:
    """The blocks with fragments folded into their neighbours (module docstring)."""
    out: list[Block] = []
    pending: list[str] = []  # short paragraphs waiting for the next block
    for block in blocks:
        block = _single_item_as_paragraph(block)
        if block.kind != LIST and not _HAS_WORD.search(block.text):
            continue
        if block.kind == PARAGRAPH and is_fragment(block.text):
            pending.append(block.text)
            continue
        if block.kind == CODE and is_fragment(block.text) and out and out[-1].kind == PARAGRAPH:
            # In reading order: "from this: <code> to this: <code>" keeps its "to this:" before the second.
            out[-1] = Block(PARAGRAPH, " ".join([out[-1].text, *pending, block.text]))
            pending = []
            continue
        if pending:
            lead = " ".join(pending)
            pending = []
            if block.kind == PARAGRAPH:
                block = Block(PARAGRAPH, f"{lead} {block.text}")
            else:  # it introduces the list, code or table that follows
                out.append(Block(_LEAD, lead))
        out.append(block)
    if pending:
        tail = " ".join(pending)
        if out and out[-1].kind == PARAGRAPH:
            out[-1] = Block(PARAGRAPH, f"{out[-1].text} {tail}")
        elif out and out[-1].kind == LIST:  # a closing remark goes with the list's last item
            last = out[-1].items[-1]
            out[-1].items[-1] = Item(f"{last.text} {tail}", last.subs)
        else:  # (a fragment on its own is left out when passages are made)
            out.append(Block(PARAGRAPH, tail))
    return out


def _with_examples(blocks: list[Block], max_words: int) -> list[Block]:
    """A code block belongs to the paragraph that introduces it: one passage, when it fits.

    A paragraph that is only one sentence ending in ":" before a list, code or
    table is that block's lead-in, not a passage of its own.
    """
    out: list[Block] = []
    for block in blocks:
        prev = out[-1] if out else None
        if prev and prev.kind == PARAGRAPH and block.kind in (LIST, CODE, TABLE) and _lead_in_only(prev.text):
            out[-1] = Block(_LEAD, prev.text)
            prev = out[-1]
        if block.kind == CODE and prev and prev.kind == PARAGRAPH and prev.words() + block.words() <= max_words:
            out[-1] = Block(PARAGRAPH, f"{prev.text}\n\n{block.text}")
            continue
        out.append(block)
    return out


def _lead_in_only(text: str) -> bool:
    return text.endswith(":") and len(_SENTENCE_RE.split(text)) == 1 and len(text.split()) <= 25


def _single_item_as_paragraph(block: Block) -> Block:
    if block.kind == LIST and len(block.items) == 1 and not block.items[0].subs:
        return Block(PARAGRAPH, block.items[0].text)
    return block


@dataclass
class _Unit:
    """A passage before it has an id: `key` and `group` are id suffixes within the section."""

    key: str
    context: str
    text: str
    group: str = ""
    members: tuple[str, ...] = ()


def _entry_units(blocks: list[Block], max_words: int) -> list[_Unit]:
    """A FAQ entry: its whole answer as one passage, or, when longer than `max_words`, passages
    filled up to it at sentence ends (a list's or a table's lines; a code block whole), each
    block keeping its lines."""
    atoms: list[tuple[str, str]] = []  # (what joins it to the text before, text)
    for block in blocks:
        text = _block_text(block)
        if block.kind == CODE:
            parts, sep = [text], ""
        elif block.kind == PARAGRAPH:
            # (with the code it introduces after a blank line, when _with_examples joined them)
            prose, *code = text.split("\n\n")
            parts, sep = [p for s in _SENTENCE_RE.split(prose) for p in _split_long(s, max_words)], " "
            atoms += [("\n\n" if i == 0 else sep, part) for i, part in enumerate(parts)]
            parts, sep = code, "\n\n"
        else:
            parts, sep = text.split("\n"), "\n"
        atoms += [("\n\n" if i == 0 else sep, part) for i, part in enumerate(parts)]
    pieces: list[str] = []
    size = 0
    for sep, text in atoms:
        words = len(text.split())
        if pieces and size + words <= max_words:
            pieces[-1] += sep + text
            size += words
        else:
            pieces.append(text)
            size = words
    return [_Unit(str(n), "", t) for n, t in enumerate(pieces, start=1)]


def _units(blocks: list[Block], max_words: int) -> list[_Unit]:
    """The passages of one section, in reading order (a list's group comes after its items)."""
    units: list[_Unit] = []
    lead_in = ""
    n = lists = 0
    for block in blocks:
        if block.kind == _LEAD:  # a short line introducing the next block
            lead_in = block.text
            continue
        if block.kind in (PARAGRAPH, CODE, TABLE):
            pieces = [block.text] if block.kind == CODE else _split_long(block.text, max_words, block.kind == TABLE)
            for piece in pieces:
                n += 1
                units.append(_Unit(str(n), lead_in if block.kind != PARAGRAPH else "", piece))
            last = _SENTENCE_RE.split(block.text)[-1] if block.kind == PARAGRAPH else ""
            lead_in = last if last.endswith(":") else ""
            continue
        keys, texts = [], []
        for item in block.items:
            n += 1
            keys.append(str(n))
            texts.append("\n".join([item.text, *(f"- {sub}" for sub in item.subs)]))
        groups = _list_groups(texts, lead_in, max_words) if len(block.items) > 1 else []
        group_of = {}
        for start, stop in groups:
            lists += 1
            for i in range(start, stop):
                group_of[i] = f"list-{lists}"
        for i, (item, key, text) in enumerate(zip(block.items, keys, texts)):
            group = group_of.get(i, "")
            if item.subs:
                sub_keys = tuple(f"{key}-{m}" for m in range(1, len(item.subs) + 1))
                units.extend(_Unit(k, item.text, sub, key) for k, sub in zip(sub_keys, item.subs))
                units.append(_Unit(key, lead_in, text, group, sub_keys))
            else:
                units.append(_Unit(key, lead_in, text, group))
            if i + 1 in {stop for _, stop in groups}:  # this group's items are all out: the group follows
                start = next(s for s, e in groups if e == i + 1)
                rows = [lead_in] if lead_in else []
                rows += ["- " + t.replace("\n- ", "\n  - ") for t in texts[start : i + 1]]
                members = tuple(keys[start : i + 1])
                units.append(_Unit(group, "", "\n".join(rows), "", members))
        lead_in = ""
    return units


def _list_groups(texts: list[str], lead_in: str, max_words: int) -> list[tuple[int, int]]:
    """The whole list as one passage, or runs of consecutive items when it is longer than `max_words`
    (a run is never a single item: that joins the run before it, or after it)."""
    groups: list[tuple[int, int]] = []
    start, words = 0, len(lead_in.split())
    for i, text in enumerate(texts):
        size = len(text.split())
        if i > start and words + size > max_words:
            groups.append((start, i))
            start, words = i, len(lead_in.split())
        words += size
    groups.append((start, len(texts)))
    merged: list[tuple[int, int]] = []
    for a, b in groups:
        if merged and (b - a == 1 or merged[-1][1] - merged[-1][0] == 1):
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


def _block_text(block: Block) -> str:
    if block.kind == LIST:
        return "\n".join("- " + "\n  - ".join([i.text, *i.subs]) for i in block.items)
    return block.text


def _split_long(text: str, max_words: int, by_line: bool = False) -> list[str]:
    """Split text longer than max_words at sentence ends (table rows: at line ends), or, failing that, words."""
    if len(text.split()) <= max_words:
        return [text]
    pieces: list[str] = []
    current: list[str] = []
    sep = "\n" if by_line else " "
    for sentence in text.split("\n") if by_line else _SENTENCE_RE.split(text):
        words = sentence.split()
        while len(words) > max_words:  # one "sentence" longer than a passage
            if current:
                pieces.append(sep.join(current))
                current = []
            pieces.append(" ".join(words[:max_words]))
            words = words[max_words:]
        if current and len(" ".join(current).split()) + len(words) > max_words:
            pieces.append(sep.join(current))
            current = []
        if words:
            current.append(" ".join(words))
    if current:
        pieces.append(sep.join(current))
    return pieces
