"""Plain text: paragraphs, lists and tables, and the heading conventions people use in text.

No library parses these conventions, so they are rules, each narrow:
  - an underlined title: a line followed by a line of one repeated = - ~ * #
    character at least as long as the title, with an overline or not (the
    character's first appearance gives the level, as in reStructuredText);
  - a numbered heading at the left margin: "1.", "1.2.", "A.3." (or without
    the last dot) and a short title with no sentence end, the depth of the
    number giving the level; "Chapter 3. ..." is level 1; in a document whose
    prose is indented, one wrapped over up to three lines at the margin;
  - an ALL CAPS title line, alone between blank lines;
  - in a document whose prose is indented, a short line at the left margin,
    alone between blank lines, with no sentence end ("Preface", "Abstract");
    and a question there (over up to three lines), a FAQ entry's question,
    one level below the heading it is under; so is a paragraph marked "Q:"
    (or "Q1:"), its "A:" mark dropped from the answer;
  - a labelled-list term of AsciiDoc (git's and many manuals' .txt sources):
    a line at the left margin ending in "::" with its text on the next line
    ("How do I configure a different editor?::"), one level below the
    section it is in; the anchor lines ("[[editor]]") and "+" continuation
    lines around it are dropped, and a block attached by "+" and delimited by
    "----" or "...." lines is code.
The first line of the file, alone and short with no sentence end, is the
document's title ("The Debian GNU/Linux FAQ"); without one, the title comes
from the file name. Paragraphs are separated by blank lines; lines starting
with a bullet (* - + o) or a number and ")" / "." are list items (a
paragraph indented to an item's text, after a blank line, is more of that
item, and the list goes on); a block whose first line opens with a shell or
Python prompt ("$ ", root's "# " before a command, ">>> ") is code, its
lines kept; a block of lines drawn with | + - is a table
(a row's cells are joined across the lines of that row); a block that is
mostly numbered titles with page numbers or indentation (a table of
contents) is dropped.
"""

from __future__ import annotations

import re

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
)
from roleqa.readers import default_title

_UNDERLINE = re.compile(r"^([=\-~*#^+])\1{2,}\s*$")
_NUMBERED = re.compile(r"^(?:(chapter|appendix)\s+)?((?:\d+|[A-Z])(?:\.\d+)*)\.?\s+(\S.{0,300})$", re.I)
_BULLET = re.compile(r"^(\s*)(?:[*\-+o•]|\d{1,2}[.)])\s+(\S.*)$")
_TABLE_LINE = re.compile(r"^\s*[|+][-+=|]*[|+]?\s*$|^\s*\|.*\|\s*$")
_SENTENCE_END = re.compile(r"[.!?:;,]$")
_TERM = re.compile(r"^(\S.{0,150}?)::\s*$")
_ANCHOR = re.compile(r"^\[\[[\w.:-]+\]\]\s*$")
_DELIMITER = re.compile(r"^(-{4,}|\.{4,})\s*$")
# A shell or Python prompt opening a block of lines: a user's "$ cmd", root's "# cmd", ">>> expr".
_PROMPT = re.compile(r"^(?:\$|>>>|#(?= [a-z/.]))\s")


def read(name: str, text: str) -> Document:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").split("\n")
    outline = Outline()
    levels: list[str] = []  # underline characters in order of first appearance
    filled = [ln for ln in lines if ln.strip()]
    indented_prose = sum(1 for ln in filled if ln[:1].isspace()) > 0.7 * max(1, len(filled))
    named = ""  # the title the first line gives, if it gives one
    first = next((k for k, ln in enumerate(lines) if ln.strip()), -1)
    i = 0
    paragraph: list[str] = []

    item_indent = -1  # where the text of the last list's items starts (flush() sets it at each list)

    after_q = False  # the last block was a "Q:" question: an "A:" answers it

    def flush() -> None:
        nonlocal item_indent, after_q
        question = QUESTION_MARK.match(paragraph[0]) if paragraph else None
        if question:  # "Q: What do the letters XZ mean?" (the answer may follow on an "A:" line)
            cut = next((k for k, ln in enumerate(paragraph) if k and ANSWER_MARK.match(ln)), len(paragraph))
            outline.entry(" ".join(ln.strip() for ln in [paragraph[0][question.end() :], *paragraph[1:cut]]))
            del paragraph[:cut]
        answer = ANSWER_MARK.match(paragraph[0]) if paragraph and (after_q or question) else None
        if answer:  # "A:  Nothing. They are ...": the prefix out, its place kept as indentation
            paragraph[0] = " " * answer.end() + paragraph[0][answer.end() :]
        after_q = bool(question) or (after_q and not paragraph)
        if paragraph:
            indent = len(paragraph[0]) - len(paragraph[0].lstrip())
            for block in _blocks(paragraph):
                current = outline.sections[-1].blocks
                if block.kind == LIST and current and current[-1].kind == LIST:
                    current[-1].items.extend(block.items)  # items apart by blank lines: still one list
                elif block.kind == PARAGRAPH and current and current[-1].kind == LIST and indent >= item_indent >= 0:
                    # A paragraph indented to the items' text goes on with the last item, and the
                    # list goes on after it ("* free to use: ..." / "  The archives also ..." / "* dynamic: ...").
                    last = current[-1].items[-1]
                    last.text = f"{last.text} {block.text}"
                else:
                    outline.add(block)
                if block.kind == LIST:
                    item_indent = _item_indent(paragraph[0])
            paragraph.clear()

    while i < len(lines):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        prev_blank = i == 0 or not lines[i - 1].strip()
        underline = _UNDERLINE.match(nxt)
        titled = underline and any(c.isalnum() for c in line) and not line[:1].isspace()
        if titled and len(nxt.strip()) >= len(line.strip()) * 0.7:
            flush()
            char = underline.group(1)
            if char not in levels:
                levels.append(char)
            outline.heading(levels.index(char) + 1, line.strip())
            i += 2
            continue
        term = _TERM.match(line) if nxt.strip() else None
        if term and len(term.group(1).split()) <= 30:
            flush()
            outline.heading(len(levels) + 1, term.group(1).replace("`", ""))
            i += 1
            continue
        if _ANCHOR.match(line) or line.strip() == "+":
            flush()  # an anchor, or a list continuation mark between the paragraphs of an answer
            opened = _DELIMITER.match(nxt) if line.strip() == "+" else None
            end = _closing(lines, i + 2, opened.group(1)) if opened else None
            if end is not None:  # "+", then "----": a listing block attached to the answer
                outline.add(Block(CODE, "\n".join(lines[i + 2 : end])))
                i = end
            i += 1
            continue
        if i == first and not nxt.strip() and _margin_title(line.strip()) and not _all_caps_title(line):
            named = line.strip()  # the first line, alone and short: the title ("The Debian GNU/Linux FAQ")
            i += 1
            continue
        wrapped = _wrapped_lines(lines, i) if prev_blank and indented_prose else 1
        if wrapped > 1 and (numbered := _numbered_heading(_unwrap(lines[i : i + wrapped]), 40)):
            # A numbered heading too long for one line, wrapped at the margin ("1.5. What is the
            # difference between Debian GNU/Linux and other Linux" / "distributions? Why ...?").
            flush()
            outline.heading(*numbered)
            i += wrapped
            continue
        alone = i + wrapped >= len(lines) or not lines[i + wrapped].strip()  # a blank line after it
        at_margin = prev_blank and alone and indented_prose and not line[:1].isspace()
        asked = _unwrap(lines[i : i + wrapped]) if at_margin else ""
        if _margin_question(asked):
            # A question at the margin over its indented answer, as plain-text FAQs are written
            # (procps's "Why do ps and top show threads individually?"): a FAQ entry.
            flush()
            outline.entry(asked)
            i += wrapped
            continue
        numbered = _numbered_heading(line) if prev_blank and not nxt.strip() else None
        if numbered:
            flush()
            outline.heading(*numbered)
        elif prev_blank and not nxt.strip() and indented_prose and _margin_title(line):
            flush()
            outline.heading(1, line.strip())
        elif prev_blank and not nxt.strip() and _all_caps_title(line):
            flush()
            # The first line is the document's title (Outline.document), the others its sections.
            outline.heading(1 if i == first else 2, line.strip().title())
        elif _UNDERLINE.match(line) and prev_blank:
            pass  # an overline or a separator rule
        elif not line.strip():
            flush()
        else:
            paragraph.append(line)
        i += 1
    flush()
    return outline.document(name, named or default_title(name))


def _closing(lines: list[str], start: int, delimiter: str) -> int | None:
    """The line that closes a delimited block opened just before `start`, or None."""
    for k in range(start, min(len(lines), start + 500)):
        if lines[k].rstrip() == delimiter:
            return k
    return None


def _wrapped_lines(lines: list[str], i: int) -> int:
    """How many lines from `i` on stand at the left margin, up to three, before a blank line (1 when
    it is not so): in a document whose prose is indented, one heading wrapped over them."""
    k = i
    while k < len(lines) and k - i <= 3 and lines[k].strip() and not lines[k][:1].isspace():
        k += 1
    return k - i if k - i <= 3 and (k == len(lines) or not lines[k].strip()) else 1


def _unwrap(lines: list[str]) -> str:
    """Lines of one wrapped title as one line; a line broken at a slash ("GNU/" "Linux") is rejoined."""
    text = ""
    for ln in lines:
        ln = ln.strip()
        text = text + ln if text.endswith("/") or ln.startswith("/") else f"{text} {ln}".strip()
    return text


def _numbered_heading(line: str, longest: int = 14) -> tuple[int, str] | None:
    if line[:1].isspace():  # (a no-break space indents as much as a space)
        return None
    m = _NUMBERED.match(line.rstrip())
    if not m or _SENTENCE_END.search(m.group(3)) and not m.group(3).endswith(("?", "!")):
        return None
    words = m.group(3).split()
    # "1.2.3. sudo configuration" is a heading; "1. first we..." is a list item of a sentence.
    if len(words) > longest or m.group(3)[0].islower() and "." not in m.group(2):
        return None
    depth = 1 if m.group(1) else m.group(2).count(".") + 1
    return depth, line.strip()


def _margin_title(line: str) -> bool:
    s = line.rstrip()
    if _NUMBERED.match(s) or QUESTION_MARK.match(s) or ANSWER_MARK.match(s):
        return False  # numbered lines are headings by their number's rule, or not at all; "A: ..." answers
    return bool(s) and (s[0].isupper() or s[0].isdigit()) and len(s.split()) <= 8 and not _SENTENCE_END.search(s)


def _margin_question(text: str) -> bool:
    """A question standing as a heading (a capital, a "?", not numbered: a numbered one is a heading)."""
    if QUESTION_MARK.match(text) or not text.endswith("?") or len(text.split()) > 40:
        return False  # ("Q: ...?" is read with its "A:", as a paragraph)
    return text[:1].isupper() and not _numbered_heading(text, 40)


def _all_caps_title(line: str) -> bool:
    s = line.strip()
    letters = [c for c in s if c.isalpha()]
    return 3 <= len(letters) and all(c.isupper() for c in letters) and len(s.split()) <= 10 and not s.endswith(".")


def _blocks(lines: list[str]) -> list[Block]:
    """One blank-line-separated chunk of lines: a table, a table of contents, a list or a paragraph."""
    if sum(1 for ln in lines if _TABLE_LINE.match(ln)) >= max(2, len(lines) * 0.8):
        rows = _table_rows(lines)
        return [Block(TABLE, "\n".join(rows))] if rows else []
    if len(lines) >= 3 and sum(1 for ln in lines if _NUMBERED.match(ln.strip())) >= len(lines) * 0.7:
        return []  # a table of contents (or a list of tables)
    if _PROMPT.match(lines[0].strip()):
        indent = min(len(ln) - len(ln.lstrip()) for ln in lines)
        return [Block(CODE, "\n".join(ln[indent:].rstrip() for ln in lines))]
    if _BULLET.match(lines[0]):
        return [Block(LIST, items=_items(lines))]
    # Lines ending in a hyphen continue their word on the next line.
    text = ""
    for ln in lines:
        ln = ln.strip()
        if text.endswith("-") and ln[:1].islower() and text[-2:-1].isalpha():
            text = text[:-1] + ln
        else:
            text = f"{text} {ln}" if text else ln
    return [Block(PARAGRAPH, text)]


def _items(lines: list[str]) -> list[Item]:
    items: list[Item] = []
    top = len(lines[0]) - len(lines[0].lstrip())  # str.lstrip drops no-break spaces too
    for ln in lines:
        m = _BULLET.match(ln)
        indent = len(ln) - len(ln.lstrip())
        if m and indent <= top:
            items.append(Item(m.group(2).strip()))
        elif m and items:
            items[-1].subs.append(m.group(2).strip())
        elif items and items[-1].subs:
            items[-1].subs[-1] += " " + ln.strip()
        elif items:
            items[-1].text += " " + ln.strip()
    return items


def _item_indent(line: str) -> int:
    """The column where a list item's text starts, after its bullet (-1 if the line is no item)."""
    m = _BULLET.match(line)
    return m.start(2) if m else -1


def _table_rows(lines: list[str]) -> list[str]:
    """Rows of an ASCII table; a row drawn over several lines has its cells joined."""
    rows: list[list[str]] = []
    current: list[str] | None = None
    for ln in lines:
        s = ln.strip()
        if not s.startswith("|") or re.fullmatch(r"[|+\-=]+", s):
            if current:
                rows.append(current)
            current = None
            continue
        cells = [c.strip() for c in s.strip("|").split("|")]
        if current is None or len(cells) != len(current):
            if current:
                rows.append(current)
            current = cells
        else:
            current = [f"{a} {b}".strip() for a, b in zip(current, cells)]
    if current:
        rows.append(current)
    return [" | ".join(r) for r in rows if any(r)]
