"""HTML with Beautiful Soup: h1-h6 as the heading tree, the main content only.

Clear rules rather than guesses: the main content is <main>, role="main",
<article> or Sphinx's div.body when there is one, else <body>; navigation,
headers, footers, sidebars, tables of contents, scripts and styles are
dropped wherever they are (by tag, ARIA role, or a class/id such as "nav",
"sidebar", "toc", "related", "footer", "headerlink"; a link only when it is a
heading's permalink). A heading inside an admonition (DocBook's div.note) is
its label, not a section. A definition list of questions is a run of FAQ
entries, each question a heading. A table with headings in it lays out the
page (DocBook's FAQs): its cells are read in order, a "question" row as an
FAQ entry's question.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, NavigableString, Tag

from roleqa.document import (
    CODE,
    LIST,
    PARAGRAPH,
    TABLE,
    Block,
    Document,
    Item,
    Outline,
    asks_questions,
    pointer_target,
    term_and_definition,
)
from roleqa.passage import slugify
from roleqa.readers import default_title

_DROP_TAGS = {"script", "style", "noscript", "nav", "header", "footer", "aside", "form", "button", "svg", "template"}
_DROP_ROLES = {"navigation", "banner", "contentinfo", "search", "complementary"}
_DROP_CLASS = re.compile(
    r"(^|[-_])(nav|navbar|navigation|navheader|navfooter|sidebar|sphinxsidebar\w*|related|breadcrumbs?|toc|"
    r"footer|headerlink|menu|skip|searchbox|list-of-\w+)([-_]|$)",
    re.IGNORECASE,
)
# Classes whose whole name says navigation though no pattern above can (texinfo's node header:
# "Next: Introduction, Previous: (dir), Up: (dir) [Contents]" before each node).
_DROP_EXACT = {"header"}
_ADMONITION = re.compile(r"^(note|warning|tip|caution|important|admonition|hint|attention|danger|error)$", re.I)
_HEADING = re.compile(r"^h([1-6])$")
# DocBook sets a title page's author, editor and other credits as headings: they are lines of text.
_CREDIT = re.compile(r"(^|\s)(author|corpauthor|editor|othercredit)(\s|$)")
# texinfo sets the manual's title, then its Top node's name, as headings above its chapters.
_TEXINFO_TOP = re.compile(r"(^|\s)(settitle|top)(\s|$)")
_ENTRY_NUMBER = re.compile(r"(?:^|\s)(?:\d+\.)*\d+\.?(?=\s)")
_BLOCKS = {"p", "ul", "ol", "dl", "pre", "table", "blockquote", "div", "section", "article", "main", "figure", "center"}


def read(name: str, data: bytes | str) -> Document:
    soup = BeautifulSoup(data, "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    main = _main(soup)
    _prune(main)
    outline = Outline()
    _walk(main, outline, in_admonition=False)
    doc = outline.document(name, title or default_title(name))
    # <title> often repeats the first heading with the site's name: the first heading wins.
    return doc


def fragment(html: str) -> list[tuple[int, str, Block | None]]:
    """An HTML block inside Markdown, as (level, heading, None) and (0, "", block) entries."""
    soup = BeautifulSoup(html, "html.parser")
    _prune(soup)
    outline = Outline()
    _walk(soup, outline, in_admonition=False)
    out: list[tuple[int, str, Block | None]] = []
    for section in outline.sections:
        if section.path:
            out.append((len(section.path), section.path[-1], None))
        out.extend((0, "", block) for block in section.blocks)
    return out


def _main(soup: BeautifulSoup) -> Tag:
    for found in (
        soup.find("main"),
        soup.find(attrs={"role": "main"}),
        soup.find("article"),
        soup.find("div", class_="body"),
        soup.body,
    ):
        if isinstance(found, Tag):
            return found
    return soup


def _prune(root: Tag) -> None:
    for tag in list(root.find_all(True)):
        if tag.decomposed:
            continue
        classes = " ".join(tag.get("class") or [])
        if tag.name == "a" and _permalink_mark(tag):
            tag.decompose()
            continue
        if tag.name == "a" and "headerlink" not in classes:
            # A link is text of what holds it: docutils wraps every heading of a page with a
            # table of contents in a link back to it (class "toc-backref"), its only text.
            continue
        ident = str(tag.get("id") or "")
        if (
            tag.name in _DROP_TAGS
            or tag.get("role") in _DROP_ROLES
            or any(_DROP_CLASS.search(c) or c in _DROP_EXACT for c in classes.split())
            or (_DROP_CLASS.search(ident) and not _names_its_heading(tag, ident))
        ):
            tag.decompose()


def _permalink_mark(link: Tag) -> bool:
    """A link to a place in the page whose text is a mark, not a word: "#", "¶", "§" after a heading
    (Node.js's pages mark every heading with "#")."""
    text = link.get_text().strip()
    return str(link.get("href") or "").startswith("#") and 0 < len(text) <= 2 and not any(c.isalnum() for c in text)


def _code(pre: Tag) -> str:
    """A <pre>'s code; several <code> in one (Node.js's CommonJS and ES module versions of an
    example, one shown at a time) are apart by a blank line, not run together."""
    parts = pre.find_all("code", recursive=False)
    if len(parts) > 1 and not pre.find(string=lambda t: t.strip(), recursive=False):
        return "\n\n".join(part.get_text().strip("\n") for part in parts)
    return pre.get_text().strip("\n")


def _names_its_heading(tag: Tag, ident: str) -> bool:
    """Is `ident` the slug of the heading `tag` opens with? Sphinx names each section after its
    heading: "related-work", "...-parameter-list-of-a-function-mean" are content, not navigation."""
    heading = tag.find(_HEADING)
    return heading is not None and slugify(heading.get_text(" "), None) == slugify(ident, None)


def text_of(tag: Tag | NavigableString) -> str:
    """Text as it reads: inline markup adds no space ("<code>rg</code>," stays "rg,")."""
    if isinstance(tag, NavigableString):
        return " ".join(str(tag).split())
    for block in tag.find_all(["p", "div", "br", "li", "dd", "dt", "pre", "td", "th", "tr"]):
        block.insert_after(" ")  # but blocks inside it are still apart
    return " ".join(tag.get_text().split())


def _walk(node: Tag, out: Outline, in_admonition: bool) -> None:
    loose: list[str] = []  # text directly inside a container, between blocks

    def flush() -> None:
        if loose:
            out.add(Block(PARAGRAPH, " ".join("".join(loose).split())))
            loose.clear()

    for child in node.children:
        if isinstance(child, NavigableString):
            if child.__class__.__name__ in ("Comment", "Doctype", "Declaration", "ProcessingInstruction"):
                continue
            if str(child).strip():
                loose.append(str(child))
            continue
        if not isinstance(child, Tag):
            continue
        heading = _HEADING.match(child.name or "")
        classes = " ".join(child.get("class") or [])
        if heading and (_TEXINFO_TOP.search(classes) or "node-heading" in classes and text_of(child) == "Top"):
            flush()  # texinfo's title and its Top node's heading: the <title> names the manual
        elif heading and not in_admonition and not _CREDIT.search(classes):
            flush()
            out.heading(int(heading.group(1)), text_of(child))
        elif heading or (child.name == "p" and "admonition-title" in classes):
            flush()
            out.add(Block(PARAGRAPH, text_of(child)))
        elif child.name == "p" and child.find(_BLOCK_OR_HEADING) is None:
            # (A <p> never closed holds the blocks after it, as Python's parser reads old HTML
            # such as the zsh FAQ's: walked as a container below, its headings stay headings.)
            flush()
            links = child.find_all("a", href=True)
            text = text_of(child)
            href = str(links[0]["href"]) if len(links) == 1 else ""
            out.add(Block(PARAGRAPH, text, target=pointer_target(text, text_of(links[0]) if links else "", href)))
        elif child.name in ("ul", "ol", "dl") and _only_links(child):
            flush()  # a navigation bar or a table of contents: "Previous Chapter", "Next Chapter"
        elif child.name in ("ul", "ol"):
            flush()
            out.add(Block(LIST, items=[_item(li) for li in child.find_all("li", recursive=False)]))
        elif child.name == "dl" and asks_questions([text_of(dt) for dt in child.find_all("dt", recursive=False)]):
            flush()
            _entries(child, out, in_admonition)
        elif child.name == "dl":
            flush()
            out.add(Block(LIST, items=_definitions(child)))
        elif child.name == "pre":
            flush()
            out.add(Block(CODE, _code(child)))
        elif child.name == "table" and child.find([_HEADING, _question_row]) is not None:
            flush()  # a table that lays out a page, not data: its cells are read as the page's blocks
            _layout(child, out, in_admonition)
        elif child.name == "table":
            flush()
            rows = _rows(child)
            if rows:
                out.add(Block(TABLE, "\n".join(rows)))
        elif child.name in _BLOCKS or child.find(_BLOCK_OR_HEADING):
            flush()
            admonition = any(_ADMONITION.match(c) for c in child.get("class") or [])
            _walk(child, out, in_admonition or admonition)
        else:  # inline markup: part of the surrounding text
            loose.append(child.get_text())
    flush()


def _question_row(tag: Tag) -> bool:
    return tag.name == "tr" and "question" in (tag.get("class") or [])


def _layout(table: Tag, out: Outline, in_admonition: bool) -> None:
    """A table with headings in it, as DocBook prints an FAQ (valgrind's): each row of class
    "question" is a FAQ entry's question ("1.1. How do you pronounce ...?"), the rows after it its
    answer; any other row is its cells' blocks in reading order."""
    for row in table.find_all("tr"):
        if row.find_parent("table") is not table:
            continue  # a row of a table inside a cell: read with its cell
        if _question_row(row):
            shown = [pre.extract() for pre in row.find_all("pre")]  # the message a question quotes
            out.entry(text_of(row))
            for pre in shown:
                out.add(Block(CODE, _code(pre)))
        else:
            for cell in row.find_all(["td", "th"], recursive=False):
                _walk(cell, out, in_admonition)


def _BLOCK_OR_HEADING(tag: Tag) -> bool:
    return tag.name in _BLOCKS or bool(_HEADING.match(tag.name or ""))


def _only_links(tag: Tag) -> bool:
    """Is `tag` (a list) made only of links, two or more: navigation, not content?"""
    links = tag.find_all("a", href=True)
    linked = sum(len("".join(a.get_text().split())) for a in links)
    # (the numbers of a numbered table of contents, "1.1.", are not text of their own)
    text = _ENTRY_NUMBER.sub("", " ".join(tag.get_text().split()))
    return len(links) >= 2 and linked >= 0.9 * len("".join(text.split()))


def _entries(dl: Tag, out: Outline, in_admonition: bool) -> None:
    """A definition list of questions (AsciiDoc's FAQ entries, as in git's gitfaq.html) is a run of
    FAQ entries: each question a heading one level below the section that holds the list, its
    answer's blocks under it; what follows the list is back in that section."""
    with out.run_of_entries() as level:
        for child in dl.find_all(["dt", "dd"], recursive=False):
            if child.name == "dt":
                out.heading(level, text_of(child))
            else:
                _walk(child, out, in_admonition)


def _item(li: Tag) -> Item:
    nested = li.find_all(["ul", "ol"], recursive=False)
    for lst in nested:
        lst.extract()
    subs = [text_of(sub) for lst in nested for sub in lst.find_all("li", recursive=False)]
    return Item(_text_with_code(li), [s for s in subs if s])


def _text_with_code(tag: Tag) -> str:
    """`text_of` for a list item or a definition, its code blocks keeping their lines."""
    code: list[str] = []
    for pre in tag.find_all("pre"):
        code.append(_code(pre))
        pre.replace_with(NavigableString(f" \x00{len(code) - 1}\x00 "))
    return re.sub("\x00(\\d+)\x00", lambda m: code[int(m.group(1))], text_of(tag))


def _definitions(dl: Tag) -> list[Item]:
    items: list[Item] = []
    for child in dl.find_all(["dt", "dd"], recursive=False):
        if child.name == "dt":
            items.append(Item(text_of(child)))
        elif items:
            items[-1].text = term_and_definition(items[-1].text, _text_with_code(child))
    return [i for i in items if i.text]


def _rows(table: Tag) -> list[str]:
    rows = []
    for tr in table.find_all("tr"):
        cells = [text_of(cell) for cell in tr.find_all(["td", "th"], recursive=False)]
        if any(cells):
            rows.append(" | ".join(cells))
    # A table whose every cell is a link is navigation, not content.
    links = table.find_all("a")
    if links and sum(len(text_of(a)) for a in links) >= 0.9 * sum(len(r) - r.count(" | ") * 3 for r in rows):
        return []
    return rows
