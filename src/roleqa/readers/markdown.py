"""Markdown with markdown-it-py: ATX and setext headings, lists, fenced and indented code,
tables, and HTML blocks (a heading written as <h3> counts as a heading)."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from roleqa.document import CODE, LIST, PARAGRAPH, TABLE, Block, Document, Item, Outline, pointer_target
from roleqa.readers import default_title


def read(name: str, text: str) -> Document:
    parser = MarkdownIt("commonmark", {"html": True}).enable("table")
    outline = Outline()
    for node in SyntaxTreeNode(parser.parse(text)).children:
        _block(node, outline)
    return outline.document(name, default_title(name))


def _block(node: SyntaxTreeNode, out: Outline) -> None:
    kind = node.type
    if kind == "heading":
        out.heading(int(node.tag[1]), inline_text(node))
    elif kind == "paragraph" and (line := _question_line(node)):
        question, rest = line
        out.entry(question)
        if rest:
            out.add(Block(PARAGRAPH, rest))
    elif kind == "paragraph":
        text = inline_text(node)
        links = [n for n in node.walk() if n.type == "link"]
        target = str(links[0].attrs.get("href", "")) if len(links) == 1 else ""
        out.add(Block(PARAGRAPH, text, target=pointer_target(text, inline_text(links[0]) if links else "", target)))
    elif kind in ("bullet_list", "ordered_list"):
        if not _is_table_of_contents(node):
            out.add(Block(LIST, items=[_item(li) for li in node.children]))
    elif kind in ("fence", "code_block"):
        out.add(Block(CODE, node.content.rstrip("\n")))
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
    if not question.endswith("?") or len(question.split()) > 30 or not (bold or hard):
        return None
    return question, inline_text(*inline[cut + 1 :])


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
