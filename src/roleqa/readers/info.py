"""GNU info manuals (.info and its parts .info-1, .info-2...; Debian's /usr/share/info/*.info.gz).

Info is texinfo's plain-text output, and no Python library reads it, so
these are its rules, each narrow:
  - a node starts after a 0x1f byte with "File: grep.info,  Node: Matching
    Control,  Next: ..."; the preamble, the tag table and a split manual's
    table of parts are no nodes, and are dropped;
  - a node's title is underlined, the character giving its level: "*" a
    chapter (the Top node's is the manual's title), "=" a section, "-" a
    subsection, "." below;
  - menus ("* Menu:" and its "* Node::  description" lines, an index's
    entries) are navigation, dropped; "*Note Node::" reads "see Node";
  - a table of terms, texinfo's @table (an option or its spellings, one to
    a line, over its description indented five more: "'-i'" / "'--ignore-
    case'" / "     Ignore case distinctions..."), is a list of items
    "'-i' '--ignore-case': Ignore case...", its later paragraphs joined to
    the item; a block indented five spaces or more elsewhere is an example,
    code with its lines; bullets ("•", "*", "1.") are list items.
"""

from __future__ import annotations

import re

from roleqa.document import CODE, LIST, PARAGRAPH, Block, Document, Item, Outline
from roleqa.readers import base_name, default_title

# makeinfo's marks for the reader program, between NUL and backspace bytes: "[index]", "[image ...]".
_MARKER = re.compile(r"\x00\x08\[[^\x00]*\x00\x08\]")
_NODE = re.compile(r"^File: ([^,]+),\s+Node: ([^,\t]+)")
_LEVELS = {"*": 1, "=": 2, "-": 3, ".": 4}
_UNDERLINE = re.compile(r"^([*=\-.])\1+$")
_NOTE = re.compile(r"\*[Nn]ote\s+([^:]+?)::|\*[Nn]ote\s+([^:]+?):\s+[^.,:]+([.,])")
_BULLET = re.compile(r"^(\s*)(?:•|\*|\d{1,2}\.)\s+(\S.*)$")
# An item that asks: a question of up to 30 words, and what follows it in the item.
_QUESTION = re.compile(r"^([A-Z][^?]{0,250}\?)(?:\s+(.*))?$")
_FOOTNOTES = re.compile(r"^\s*-+ Footnotes -+\s*$")
EXAMPLE_INDENT = 5  # texinfo indents an example, and a table's description, by five spaces


def read(name: str, text: str) -> Document:
    outline = Outline()
    title = ""
    text = _MARKER.sub("", text.replace("\r\n", "\n"))
    for chunk in text.split("\x1f"):
        lines = chunk.strip("\n").split("\n")
        node = _NODE.match(lines[0])
        if not node:
            continue  # the preamble, the tag table, the table of a split manual's parts
        title = title or base_name(node.group(1).strip())
        body = _without_menus(lines[1:])
        start = next((k for k, ln in enumerate(body) if ln.strip()), len(body))
        heading = _title(body[start : start + 2])
        if heading and node.group(2).strip() == "Top":
            title = heading[1]  # the Top node's title is the manual's
        elif heading:
            outline.heading(*heading)
        start += 2 if heading else 0
        _blocks(body[start:], outline)
    return outline.document(name, title or default_title(name))


def _without_menus(lines: list[str]) -> list[str]:
    """A node's lines without its menu: "* Menu:", its entries and their wrapped descriptions, and
    the lines that head groups of entries ("Invoking grep" over "* Command-line Options::")."""
    kept: list[str] = []
    in_menu = False
    for k, line in enumerate(lines):
        if line.strip() == "* Menu:":
            in_menu = True
        if in_menu:
            nxt = next((ln for ln in lines[k + 1 :] if ln.strip()), "")
            entry = line.startswith("* ") or line.startswith(" " * 10) or not line.strip()
            heads = len(line.split()) <= 8 and nxt.startswith("* ") or "Detailed Node Listing" in line
            if entry or heads:
                continue
            in_menu = False
        kept.append(line)
    return kept


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


class _Node:
    """Reads one node's blank-line-separated groups of lines into the outline, keeping what a group
    goes on from: a table of terms (its descriptions' indent), a list (its items' text column), a
    run of numbered questions (the section stack to resume after it)."""

    def __init__(self, outline: Outline) -> None:
        self.outline = outline
        self.description = -1
        self.item_column = -1
        self.held: list[tuple[int, str]] | None = None
        # The blocks a later group may go on: the table of terms, the bulleted list, the example.
        self.table: Block | None = None
        self.bullets: Block | None = None
        self.code: Block | None = None

    def group(self, group: list[str]) -> None:
        text = _references(group)
        indent = min(_indent(ln) for ln in group)
        blocks = self.outline.sections[-1].blocks
        last = blocks[-1] if blocks else None
        if self.description >= 0 and indent >= self.description and last and last.kind == LIST:
            last.items[-1].text = f"{last.items[-1].text} {_joined(text)}"  # more of the description
            return
        # (An item numbered 10 or more has its text a column further in than its paragraphs.)
        if self.item_column >= 0 and indent >= self.item_column - 1:
            if self.held is not None:  # an answer's paragraph, or its example
                code = indent >= self.item_column + 3
                self.example(text, last) if code else self.outline.add(Block(PARAGRAPH, _joined(text)))
            elif last and last.kind == LIST:
                last.items[-1].text = f"{last.items[-1].text} {_joined(text)}"
            return
        self.description = -1
        if _BULLET.match(group[0]):
            self.items(text)
            return
        self.end_list()
        terms = _terms(group)
        if terms:
            head, described = terms
            item = Item(f"{_joined(_references(head))}: {_joined(_references(described))}")
            if last and last.kind == LIST and last is self.table:
                last.items.append(item)
            else:
                self.table = Block(LIST, items=[item])
                self.outline.add(self.table)
            self.description = _indent(described[0])
        elif indent >= EXAMPLE_INDENT:
            self.example(text, last)
        else:
            self.outline.add(Block(PARAGRAPH, _joined(text)))

    def example(self, lines: list[str], last: Block | None) -> None:
        """An example; one right after another example is more of it (an example's blank lines
        part its groups: "Numerical Sort:    Version Sort:" heads the columns under it)."""
        if last is not None and last.kind == CODE and last is self.code:
            last.text = f"{last.text}\n\n{_dedented(lines)}"
        else:
            self.code = Block(CODE, _dedented(lines))
            self.outline.add(self.code)

    def items(self, lines: list[str]) -> None:
        """Bulleted or numbered items; an item that asks a question ("1. How can I list just the
        names of matching files?", as GNU manuals end with common questions) is a FAQ entry."""
        items = _items(lines)
        self.item_column = _BULLET.match(lines[0]).start(2)
        asked = _QUESTION.match(items[0].text) if len(items) == 1 else None
        if asked and len(asked.group(1).split()) <= 30:
            if self.held is None:
                self.held = list(self.outline.stack)
            self.outline.entry(asked.group(1))
            if asked.group(2):  # "What if a pattern has a leading '-'?  For example:"
                self.outline.add(Block(PARAGRAPH, asked.group(2)))
            return
        self.end_entries()
        blocks = self.outline.sections[-1].blocks
        if blocks and blocks[-1].kind == LIST and blocks[-1] is self.bullets:
            blocks[-1].items.extend(items)  # items apart by blank lines: still one list
        else:
            self.bullets = Block(LIST, items=items)
            self.outline.add(self.bullets)

    def end_list(self) -> None:
        self.item_column = -1
        self.end_entries()

    def end_entries(self) -> None:
        if self.held is not None:
            self.outline.resume(self.held)  # what follows the questions is back under the node
            self.held = None


def _blocks(lines: list[str], outline: Outline) -> None:
    """A node's text into paragraphs, lists, tables of terms, examples and FAQ entries."""
    groups: list[list[str]] = [[]]
    for line in lines:
        if line.strip() and not _FOOTNOTES.match(line):
            groups[-1].append(line.rstrip())
        elif groups[-1]:
            groups.append([])
    groups = [g for g in groups if g]
    node = _Node(outline)
    k = 0
    while k < len(groups):
        group = groups[k]
        title = _title(group)
        if title:  # a heading with no node of its own ("3.8.1 Commands Requiring a newline")
            node.end_list()
            outline.heading(*title)
        elif k + 1 < len(groups) and _only_terms(group) and min(map(_indent, groups[k + 1])) >= _indent(group[0]) + 4:
            node.group(group + groups[k + 1])  # terms, a blank line, then their description
            k += 1
        else:
            node.group(group)
        k += 1
    node.end_list()


def _title(group: list[str]) -> tuple[int, str] | None:
    """A title over its underline: its level and its text, or None."""
    if len(group) != 2 or group[0][:1].isspace():
        return None
    underline = _UNDERLINE.match(group[1])
    if not underline or len(group[1]) < len(group[0].strip()) - 2:
        return None
    return _LEVELS[underline.group(1)], group[0].strip()


def _only_terms(group: list[str]) -> bool:
    """Lines that could be a table's terms: a few short lines at one indent, no sentence among them."""
    top = _indent(group[0])
    short = all(_indent(ln) == top and len(ln.split()) <= 10 for ln in group)
    return short and len(group) <= 4 and not group[-1].rstrip().endswith((".", ":", ";", ","))


def _dedented(lines: list[str]) -> str:
    indent = min(_indent(ln) for ln in lines if ln.strip())
    return "\n".join(ln[indent:] for ln in lines)


def _terms(group: list[str]) -> tuple[list[str], list[str]] | None:
    """A table's entry: term lines at one indent over a description indented five more (the terms
    and the description's lines), or None."""
    top = _indent(group[0])
    cut = next((k for k, ln in enumerate(group) if _indent(ln) >= top + EXAMPLE_INDENT - 1), None)
    if not cut or any(_indent(ln) != top for ln in group[:cut]) or len(group[0].split()) > 12:
        return None
    return group[:cut], group[cut:]


def _items(lines: list[str]) -> list[Item]:
    items: list[Item] = []
    for line in lines:
        bullet = _BULLET.match(line)
        if bullet:
            items.append(Item(bullet.group(2).strip()))
        elif items:
            items[-1].text = f"{items[-1].text} {line.strip()}"
    return items


def _joined(lines: list[str]) -> str:
    """Lines of prose as one line (info puts two spaces after a sentence: one is kept)."""
    return " ".join(" ".join(lines).split())


def _references(lines: list[str]) -> list[str]:
    """The lines with each cross-reference ("*Note Special Backslash Expressions::", "*note Title:
    Node.") read as "see ...", a reference wrapped over two lines included."""
    text = _NOTE.sub(
        lambda m: "see " + " ".join((m.group(1) or m.group(2)).split()) + (m.group(3) or ""), "\n".join(lines)
    )
    return text.split("\n")
