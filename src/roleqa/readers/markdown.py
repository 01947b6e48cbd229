"""Markdown with markdown-it-py: ATX and setext headings, lists, fenced and indented code,
tables, and HTML blocks (a heading written as <h3> counts as a heading); with its plugins
(mdit-py-plugins), YAML front matter (its `title:` titles the document), definition lists
("Term" / ": definition"), and MyST, Sphinx's Markdown: a ```{directive} or :::{directive}
block is read as Sphinx reads it (readers/sphinx.py: code, dropped, or prose), {role}`text`
shows its text, and ```{eval-rst} is reStructuredText."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from roleqa.document import (
    ANSWER_MARK,
    CODE,
    LIST,
    PARAGRAPH,
    QUESTION_MARK,
    TABLE,
    Block,
    Document,
    Item,
    Outline,
    asks_questions,
    pointer_target,
    term_and_definition,
)
from roleqa.readers import default_title
from roleqa.readers.sphinx import CODE_DIRECTIVES, DROPPED_DIRECTIVES, looks_like_code, prose_arguments, role_text

_DIRECTIVE = re.compile(r"^\{([\w:.-]+)\}\s*(.*)$")
_OPTION = re.compile(r"^:[\w-]+:")  # a MyST directive's option line, ":linenos:"
# Only the title is read from front matter: one `title:` line, quotes off (no YAML parser needed).
_TITLE = re.compile(r"^title:\s*(.+?)\s*$", re.M)
_parser: MarkdownIt | None = None


def read(name: str, text: str) -> Document:
    outline = Outline()
    title = ""
    for node in _parse(text):
        if node.type == "front_matter":
            found = _TITLE.search(node.content)
            title = found.group(1).strip("'\"") if found else ""
        else:
            _block(node, outline)
    return outline.document(name, title or default_title(name))


def _parse(text: str) -> list[SyntaxTreeNode]:
    global _parser
    if _parser is None:
        from mdit_py_plugins.colon_fence import colon_fence_plugin
        from mdit_py_plugins.deflist import deflist_plugin
        from mdit_py_plugins.front_matter import front_matter_plugin
        from mdit_py_plugins.myst_role import myst_role_plugin

        _parser = MarkdownIt("commonmark", {"html": True}).enable("table")
        for plugin in (front_matter_plugin, colon_fence_plugin, myst_role_plugin, deflist_plugin):
            _parser.use(plugin)
    return SyntaxTreeNode(_parser.parse(text)).children


def _block(node: SyntaxTreeNode, out: Outline) -> None:
    kind = node.type
    if kind == "heading":
        out.heading(int(node.tag[1]), inline_text(node))
    elif kind == "paragraph" and (line := _question_line(node)):
        question, rest = line
        out.entry(question)
        if rest:
            out.add(Block(PARAGRAPH, ANSWER_MARK.sub("", rest, count=1)))
    elif kind == "paragraph":
        text = inline_text(node)
        if out.awaits_answer():  # "A: You can ...", after a "Q: ..." question
            text = ANSWER_MARK.sub("", text, count=1)
        links = [n for n in node.walk() if n.type == "link"]
        target = str(links[0].attrs.get("href", "")) if len(links) == 1 else ""
        out.add(Block(PARAGRAPH, text, target=pointer_target(text, inline_text(links[0]) if links else "", target)))
    elif kind in ("bullet_list", "ordered_list"):
        if not _is_table_of_contents(node):
            out.add(Block(LIST, items=[_item(li) for li in node.children]))
    elif kind in ("fence", "colon_fence") and (directive := _DIRECTIVE.match(node.info.strip())):
        _directive(directive.group(1), directive.group(2), node.content, out)
    elif kind == "colon_fence":  # ::: with no directive: a container of Markdown
        for child in _parse(node.content):
            _block(child, out)
    elif kind in ("fence", "code_block"):
        out.add(Block(CODE, node.content.rstrip("\n")))
    elif kind == "dl":
        _definitions(node, out)
    elif kind == "table":
        out.add(Block(TABLE, "\n".join(_rows(node))))
    elif kind == "html_block":
        from roleqa.readers.html import fragment

        for level, heading, block in fragment(node.content):
            if heading:
                out.heading(level, heading)
            elif block:
                out.add(block)
    elif kind == "blockquote":
        for child in node.children:
            _block(child, out)


def _directive(name: str, arguments: str, body: str, out: Outline) -> None:
    """A MyST directive, as the reST reader reads it: code, nothing, reST, or prose in Markdown."""
    lines = body.split("\n")
    if lines and lines[0].strip() == "---":  # options as a YAML block
        end = next((i for i, ln in enumerate(lines[1:], 1) if ln.strip() == "---"), 0)
        lines = lines[end + 1 :]
    while lines and _OPTION.match(lines[0]):
        lines.pop(0)
    body = "\n".join(lines).strip("\n")
    if name in DROPPED_DIRECTIVES:
        return
    if name in CODE_DIRECTIVES or looks_like_code(body):
        out.add(Block(CODE, body))
        return
    if name == "eval-rst":
        from roleqa.readers.rst import read as read_rst

        for section in read_rst("eval-rst", body).sections:
            for block in section.blocks:
                out.add(block)
        return
    if arguments and prose_arguments(name):
        for child in _parse(arguments):
            _block(child, out)
    elif arguments:
        out.add(Block(PARAGRAPH, arguments))
    for child in _parse(body):
        _block(child, out)


def _definitions(dl: SyntaxTreeNode, out: Outline) -> None:
    """A definition list: a run of FAQ entries when its terms are mostly questions (each a heading
    one level down, its definition under it, as the HTML and reST readers), else items "term: ..."."""
    terms = [inline_text(c) for c in dl.children if c.type == "dt"]
    if asks_questions(terms):
        with out.run_of_entries() as level:
            for child in dl.children:
                if child.type == "dt":
                    out.heading(level, inline_text(child))
                else:
                    for part in child.children:
                        _block(part, out)
        return
    items: list[Item] = []
    for child in dl.children:
        if child.type == "dt":
            items.append(Item(inline_text(child)))
        elif items:
            items[-1].text = term_and_definition(items[-1].text, _item(child).text)
    out.add(Block(LIST, items=[i for i in items if i.text]))


def inline_text(*nodes: SyntaxTreeNode) -> str:
    """The plain text of nodes' inline content: markup, link targets and inline HTML dropped."""
    parts: list[str] = []

    def walk(n: SyntaxTreeNode) -> None:
        if n.type in ("text", "code_inline"):
            parts.append(n.content)
        elif n.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif n.type == "image":
            parts.append(n.content)
        elif n.type == "myst_role":  # {func}`attr.s <attrs.define>` shows "attr.s"
            parts.append(role_text(n.content)[0])
        elif n.type != "html_inline":
            for child in n.children:
                walk(child)

    for node in nodes:
        walk(node)
    return " ".join("".join(parts).split())


def _question_line(paragraph: SyntaxTreeNode) -> tuple[str, str] | None:
    """A paragraph that opens with a question standing as a heading: all bold ("**How do I ...?**"),
    or ended by a hard line break (how pandoc writes a definition list's term), with the answer
    after it or in the next paragraphs. The question and the rest of the paragraph, or None."""
    inline = paragraph.children[0].children if paragraph.children else []
    cut = next((i for i, n in enumerate(inline) if n.type in ("softbreak", "hardbreak")), len(inline))
    first = [n for n in inline[:cut] if not (n.type == "text" and not n.content.strip())]
    if not first:
        return None
    question = inline_text(*first)
    bold = len(first) == 1 and first[0].type == "strong"
    hard = cut < len(inline) and inline[cut].type == "hardbreak"
    marked = QUESTION_MARK.match(question)  # "Q: How do I ...?", its lines up to an "A:" one
    if marked:
        lines = _lines(inline)
        end = next((k for k, text in enumerate(lines) if k and ANSWER_MARK.match(text)), len(lines))
        return " ".join(lines[:end])[marked.end() :], " ".join(lines[end:])
    if not question.endswith("?") or len(question.split()) > 30 or not (bold or hard):
        return None
    return question, inline_text(*inline[cut + 1 :])


def _lines(inline: list[SyntaxTreeNode]) -> list[str]:
    """A paragraph's inline content as the text of each of its lines."""
    lines: list[list[SyntaxTreeNode]] = [[]]
    for n in inline:
        if n.type in ("softbreak", "hardbreak"):
            lines.append([])
        else:
            lines[-1].append(n)
    return [t for t in (inline_text(*line) for line in lines) if t]


def _item(li: SyntaxTreeNode) -> Item:
    """A list item: its own paragraphs as its text, nested lists as sub-items (deeper ones folded in)."""
    item = Item("")
    own: list[str] = []
    for child in li.children:
        if child.type in ("bullet_list", "ordered_list"):
            for sub in child.children:
                nested = _item(sub)
                item.subs.append(" ".join([nested.text, *nested.subs]).strip())
        elif child.type in ("fence", "code_block"):
            own.append(child.content.strip())
        else:
            own.append(inline_text(child))
    item.text = " ".join(t for t in own if t)
    return item


def _is_table_of_contents(node: SyntaxTreeNode) -> bool:
    """A list whose every item is only a link into the same document: navigation, not content."""

    def only_anchor_link(li: SyntaxTreeNode) -> bool:
        paragraphs = [c for c in li.children if c.type == "paragraph"]
        if len(paragraphs) != 1 or len(li.children) > 2:
            return False
        inline = paragraphs[0].children[0].children if paragraphs[0].children else []
        links = [c for c in inline if c.type != "softbreak"]
        return len(links) == 1 and links[0].type == "link" and str(links[0].attrs.get("href", "")).startswith("#")

    return bool(node.children) and all(only_anchor_link(li) for li in node.children)


def _rows(table: SyntaxTreeNode) -> list[str]:
    rows = []
    for part in table.children:  # thead, tbody
        for tr in part.children:
            cells = [inline_text(cell) for cell in tr.children]
            if any(cells):
                rows.append(" | ".join(cells))
    return rows
