"""One document model for every format: what a reader makes and chunking reads.

A reader (readers/) turns a file into a `Document`: its title and its
sections, each with its heading path and its blocks in reading order.
Chunking (chunking.py) works only on this structure, never on raw text, so a
Sphinx source, an HTML page, a PDF and a text file are cut into passages by
the same rules as Markdown.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

PARAGRAPH, LIST, CODE, TABLE = "paragraph", "list", "code", "table"


@dataclass
class Item:
    """A list item: its own text, and its sub-items (deeper levels are folded into them)."""

    text: str
    subs: list[str] = field(default_factory=list)


@dataclass
class Block:
    """A paragraph, a list, a code block or a table.

    `text` is the paragraph's or the code's text, or the table's rows (one per
    line, cells joined by " | "); `items` are a list's items.
    """

    kind: str
    text: str = ""
    items: list[Item] = field(default_factory=list)
    # A paragraph that only points elsewhere in the documents ("See the guide's section on file
    # encoding", mostly one link): the link's target, "FILE#anchor" or "#anchor".
    target: str = ""

    def words(self) -> int:
        if self.kind == LIST:
            return sum(len(i.text.split()) + sum(len(s.split()) for s in i.subs) for i in self.items)
        return len(self.text.split())


def pointer_target(text: str, link_text: str, href: str) -> str:
    """`href` when a paragraph only points there: short, mostly the text of its one link, and the
    link goes to a heading of these documents (an anchor, not another site); else ""."""
    words = len(text.split())
    inside = "#" in href and "://" not in href and not href.startswith("mailto:")
    return href if inside and words <= 15 and 2 * len(link_text.split()) >= words else ""


def file_stem(name: str) -> str:
    """A file as links and Sphinx's :doc: name it: "GUIDE.md", "../guide.html", "/howto/guide" -> "guide"."""
    return name.replace("\\", "/").rsplit("/", 1)[-1].split(".")[0].lower()


# A FAQ's question and answer marks, in plain text or Markdown: "Q:", "Q1:", "Q." and "A:", "A1:", "A.".
QUESTION_MARK = re.compile(r"^\s*Q\d*[:.]\s+(?=\S)")
ANSWER_MARK = re.compile(r"^\s*A\d*[:.]\s+(?=\S)")


def asks_questions(terms: list[str]) -> bool:
    """Are these definition-list terms mostly questions (at least half)? Then the list is a run of
    FAQ entries, each term a heading (the HTML and reST readers)."""
    return 2 * sum(t.endswith("?") for t in terms) >= len(terms) > 0


def term_and_definition(term: str, definition: str) -> str:
    """A definition-list entry as one item's text: "term: definition" (a term that ends in a colon
    keeps one), or whichever of the two is there."""
    term = term.rstrip().rstrip(":")
    return f"{term}: {definition}" if term and definition else term or definition


@dataclass
class Section:
    """The blocks under one heading; `path` is the heading path below the title ([] before the first)."""

    path: list[str]
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Document:
    """A parsed file: its name in the corpus, its title, and its sections in order."""

    name: str
    title: str
    sections: list[Section]
    # The title the file gives itself (HTML's <title>) when its one top heading became `title`.
    file_title: str = ""
    # reST: the labels it gives its sections (and "doc:<file>" itself), each with the title shown for
    # it; and the labels of other files it refers to (ingest.parse_sources gives it their titles).
    labels: dict[str, str] = field(default_factory=dict)
    references: frozenset[str] = frozenset()


class Outline:
    """Builds a Document's sections as a reader meets headings and blocks."""

    def __init__(self) -> None:
        self.stack: list[tuple[int, str]] = []
        self.sections = [Section([])]
        self._entries: int | None = None  # the level of FAQ entries under the last heading

    def heading(self, level: int, text: str) -> None:
        text = " ".join(text.split())
        if not text:
            return
        self._entries = None
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        self.stack.append((level, text))
        self.sections.append(Section([h for _, h in self.stack]))

    def entry(self, question: str) -> None:
        """A question that stands as a heading without being one (a bold question line, a question
        with its answer indented under it): one level below the last heading, the next beside it."""
        level = self._entries or (self.stack[-1][0] + 1 if self.stack else 1)
        self.heading(level, question)
        self._entries = level

    def awaits_answer(self) -> bool:
        """Is the last section a FAQ entry (or a heading marked "Q:") with nothing under it yet?"""
        asked = self._entries is not None or bool(self.stack and QUESTION_MARK.match(self.stack[-1][1]))
        return asked and not self.sections[-1].blocks

    @contextmanager
    def run_of_entries(self) -> Iterator[int]:
        """A run of FAQ entries (a definition list of questions): yields their level, one below the
        section that holds the run; what follows the run is back in that section."""
        held = list(self.stack)
        yield held[-1][0] + 1 if held else 1
        self.resume(held)

    def resume(self, stack: list[tuple[int, str]]) -> None:
        """Back in the section whose headings were `stack` (an earlier copy of `self.stack`), after a
        run of nested headings that ended without a heading of its own (a list of FAQ entries)."""
        if self.stack != stack:
            self.stack = list(stack)
            self.sections.append(Section([h for _, h in self.stack]))

    def add(self, block: Block) -> None:
        if block.kind == LIST and not block.items:
            return
        if block.kind != LIST and not block.text.strip():
            return
        self.sections[-1].blocks.append(block)

    def document(self, name: str, title: str) -> Document:
        """The document; a first heading that is its only top-level one is its title, not a section."""
        sections = self.sections
        tops = [s for s in sections if len(s.path) == 1]
        if len(tops) == 1 and not sections[0].blocks and sections[1:2] == tops:
            lead = [Section([], tops[0].blocks)]
            sections = lead + [Section(s.path[1:], s.blocks) for s in sections[2:]]
            return Document(name, tops[0].path[0], sections, title)
        return Document(name, title, sections)
