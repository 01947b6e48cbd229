"""PDF with pypdfium2 (Google's PDFium): text lines with their font size, weight and position.

- the body font size is the size most characters have; a short line in a
  larger font is a heading, its level given by its size (largest first),
  or by its numbering ("1.2.3 Title") when it has one;
- a line that comes back on most pages once its digits are ignored (a
  running header or footer, "Debian Reference 3 / 233") and a line that is
  only a page number are dropped, and so are table-of-contents lines
  (dot leaders ending in a page number) and whole sections titled Contents,
  List of Tables (or Figures, Examples) or Index;
- lines join into paragraphs until a larger gap than usual, a change to or
  from a monospaced font (code), or a bullet; a word hyphenated at a line
  end is joined again, unless the document's own words say it is a compound
  ("Debian-specific");
- a heading that wraps onto a second line is one heading, and so is a
  "Chapter 3" label with the title under it; a printed web page's permalink
  mark (¶) is dropped from it;
- a short line ending in "?" with its answer indented under it (a
  definition list, as a printed HTML FAQ shows it) is an FAQ entry's
  heading, one level below the section that holds it;
- the title is the document's metadata title, else its largest heading.
"""

from __future__ import annotations

import ctypes
import re
from collections import Counter
from dataclasses import dataclass

from roleqa.document import CODE, LIST, PARAGRAPH, Block, Document, Item, Outline
from roleqa.readers import ReaderError, default_title

_LEADERS = re.compile(r"(\.\s?){4,}\s*\d+\s*$")
_PAGE_NUMBER = re.compile(r"^\s*(page\s*)?\d+(\s*(/|of)\s*\d+)?\s*$", re.I)
_NUMBERING = re.compile(r"^((?:\d+|[A-Z])(?:\.\d+)*)\.?\s+\S")
_BULLET = re.compile(r"^([•◦▪‣∙·\-–*o])\s+(.*)$")
_MONO = re.compile(r"mono|courier|code|consol", re.I)
_LABEL = re.compile(r"^(chapter|appendix|part)\s+[\dA-Z]+\.?$", re.I)  # its title follows on the next line
_PERMALINK = re.compile(r"\s*¶\s*$")  # a printed web page's heading anchor
_NAVIGATION = re.compile(r"^(?:table of contents|contents|list of (?:tables|figures|examples)|index(?: [a-z])?)$", re.I)
_SOFT = "\u00ad"
# A combining grave accent on no letter is a typeset opening quote: LaTeX's `stable' comes out of
# PDFium as " \u0300stable\u2019".
_LONE_GRAVE = re.compile(r"(?<![^\W\d_])\u0300(?:\s*\u0300)*")
# A footnote opens with its number set against its text ("1When the..."); in the text, its mark is
# a line of its own, the number in a smaller font.
_NOTE_MARK = re.compile(r"^(\d{1,2})(?=[^\s\d.,)])")
_NOTE_SIZE = 0.85  # of the body text's size, at most
_HYPHENATED = re.compile(rf"([^\W\d_]+){_SOFT}([^\W\d_]+)")
_WORD = re.compile(rf"(?<![\w{_SOFT}-])[^\W\d_]+(?:-[^\W\d_]+)*(?![\w{_SOFT}-])")


@dataclass
class _Line:
    text: str
    size: float
    bold: bool
    mono: bool
    baseline: float  # y of the first character's origin (PDF points, upwards)
    left: float
    page: int
    pitch: float = 0.0  # the usual distance between two lines of this size on this page


def read(name: str, data: bytes) -> Document:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        raise ReaderError(f"not a readable PDF ({e})") from None
    try:
        lines = [line for i in range(len(pdf)) for line in _page_lines(pdf[i], i)]
        title = (pdf.get_metadata_dict().get("Title") or "").strip()
    finally:
        pdf.close()
    if not lines:
        raise ReaderError("no text in it (a scanned PDF needs OCR first)")
    lines = _drop_furniture(lines, pages=lines[-1].page + 1)
    _dehyphenate(lines)
    body = Counter(round(ln.size) for ln in lines for _ in range(len(ln.text))).most_common(1)[0][0]
    lines, notes = _without_footnotes(lines, body)
    sizes = sorted({round(ln.size) for ln in lines if _is_heading(ln, body)}, reverse=True)
    outline = Outline()
    run: list[_Line] = []
    heading: list[_Line] = []  # a heading's lines, joined when it wraps

    def flush(section_ends: bool = False) -> None:
        if heading:
            text = _PERMALINK.sub("", " ".join(ln.text for ln in heading)).strip()
            numbered = _NUMBERING.match(text)
            largest = max(round(ln.size) for ln in heading)  # a "Chapter 3" label is smaller than its title
            level = numbered.group(1).count(".") + 1 if numbered else sizes.index(largest) + 1
            if any(c.isalnum() for c in text):
                outline.heading(level, text)
            heading.clear()
        if run:
            outline.add(_block(run))
            run.clear()
        # A page's footnotes go at the end of the section they were printed in, out of its text.
        while section_ends and due:
            outline.add(Block(PARAGRAPH, due.pop(0)))

    due: list[str] = []
    for i, ln in enumerate(lines):
        if i and ln.page != lines[i - 1].page:
            due += notes.get(lines[i - 1].page, [])
        if _is_heading(ln, body):
            if not (heading and _wraps(heading, ln)):
                flush(section_ends=True)
            heading.append(ln)
            continue
        if heading or (run and _breaks(run, ln)):
            flush()
        if _asks(ln, lines[i + 1] if i + 1 < len(lines) else None) and (not run or _first_line(run, ln)):
            # A question with its answer indented below it (a definition list, as an HTML FAQ
            # prints): an FAQ entry, one level below the section that holds it.
            outline.entry(" ".join(r.text for r in [*run, ln]))
            run.clear()
            continue
        run.append(ln)
    due += notes.get(lines[-1].page, []) if lines else []
    flush(section_ends=True)
    doc = outline.document(name, title or default_title(name))
    # A table of contents, a list of tables or figures, a back-of-book index: page numbers and
    # titles found elsewhere, not text (their lines have no dot leaders in every PDF).
    doc.sections = [s for s in doc.sections if not (s.path and _NAVIGATION.match(s.path[0]))]
    if not title and sizes:
        largest = next((ln.text for ln in lines if round(ln.size) == sizes[0] and _is_heading(ln, body)), "")
        doc.title = largest or doc.title
    return doc


def _page_lines(page, number: int) -> list[_Line]:
    """The page's text lines, each with the size and weight of most of its characters and its box."""
    import pypdfium2.raw as raw

    textpage = page.get_textpage()
    text = textpage.get_text_range()
    handle = textpage.raw
    lines: list[_Line] = []
    chars: list[int] = []
    for index, ch in enumerate(text + "\n"):
        if ch not in "\r\n":
            chars.append(index)
            continue
        # PDFium marks a word hyphenated at a line end with U+FFFE (and joins the halves); a soft
        # hyphen (U+00AD) is the same thing written into the PDF. Kept as a soft hyphen until the
        # whole document's words say whether the halves are one word or a compound (_dehyphenate).
        shown = _LONE_GRAVE.sub("\u2018", "".join(text[i] for i in chars).replace("\ufffe", _SOFT)).strip()
        if shown:
            visible = [i for i in chars if not text[i].isspace()]
            sizes = Counter(round(raw.FPDFText_GetFontSize(handle, i), 1) for i in visible)
            weights = [raw.FPDFText_GetFontWeight(handle, i) for i in visible]
            fonts = Counter(_font(handle, i) for i in visible)
            x, y = ctypes.c_double(), ctypes.c_double()
            raw.FPDFText_GetCharOrigin(handle, visible[0], ctypes.byref(x), ctypes.byref(y))
            lines.append(
                _Line(
                    " ".join(shown.split()),
                    sizes.most_common(1)[0][0],
                    sum(w >= 600 for w in weights) > len(weights) / 2,
                    bool(_MONO.search(fonts.most_common(1)[0][0])),
                    y.value,
                    x.value,
                    number,
                )
            )
        chars = []
    textpage.close()
    # The usual line pitch of each font size on this page: a paragraph's lines are that far apart.
    steps: dict[float, list[float]] = {}
    for a, b in zip(lines, lines[1:]):
        if a.size == b.size and 0 < a.baseline - b.baseline < a.size * 3:
            steps.setdefault(a.size, []).append(a.baseline - b.baseline)
    for line in lines:
        found = sorted(steps.get(line.size, []))
        line.pitch = found[len(found) // 2] if found else line.size * 1.2
    return lines


def _dehyphenate(lines: list[_Line]) -> None:
    """Each word hyphenated at a line end, as the rest of the document writes it: "manage-ment" is
    "management", but "Debian-specific" keeps its hyphen when the document writes it so elsewhere,
    or when it never writes "debianspecific" and both halves are words of its own (of three letters
    or more: "re-", "un-" are prefixes)."""
    if not any(_SOFT in ln.text for ln in lines):
        return
    words: set[str] = set()
    for ln in lines:
        for word in _WORD.findall(ln.text.lower()):
            words.add(word)
            words.update(word.split("-"))

    def rejoin(m: re.Match) -> str:
        left, right = m.group(1), m.group(2)
        joined, compound = f"{left}{right}".lower(), f"{left}-{right}".lower()
        halves = min(len(left), len(right)) > 2 and left.lower() in words and right.lower() in words
        if compound in words or (halves and joined not in words):
            return f"{left}-{right}"
        return left + right

    for ln in lines:
        if _SOFT in ln.text:
            ln.text = _HYPHENATED.sub(rejoin, ln.text).replace(_SOFT, "")


def _font(handle, index: int) -> str:
    import pypdfium2.raw as raw

    buffer = ctypes.create_string_buffer(96)
    raw.FPDFText_GetFontInfo(handle, index, buffer, 96, None)
    return buffer.value.decode("latin-1")


def _drop_furniture(lines: list[_Line], pages: int) -> list[_Line]:
    """Without running headers and footers, page numbers and table-of-contents lines."""
    seen: Counter[str] = Counter()
    for page in range(pages):
        seen.update({_shape(ln.text) for ln in lines if ln.page == page})
    repeated = {s for s, n in seen.items() if pages >= 4 and n >= pages * 0.3} - {""}
    # A running header that names the page's chapter and section ("CHAPTER 6. THE DEBIAN ARCHIVES
    # 6.5. WHAT DOES...") changes from page to page: it is the first line of most pages, at one height,
    # opening with the same word.
    first = {}
    for ln in lines:
        first.setdefault(ln.page, ln)
    place = Counter(_place(ln) for ln in first.values())
    running = {p for p, n in place.items() if pages >= 4 and n >= pages * 0.5}
    return [
        ln
        for ln in lines
        if _shape(ln.text) not in repeated
        and not (first[ln.page] is ln and _place(ln) in running)
        and not _PAGE_NUMBER.match(ln.text)
        and not _LEADERS.search(ln.text)
    ]


def _without_footnotes(lines: list[_Line], body: int) -> tuple[list[_Line], dict[int, list[str]]]:
    """The lines without footnotes and their marks, and each page's footnotes as text.

    A page's footnotes are the lines in a smaller font at its foot, from the highest that opens with
    a number set against its text ("1When the present-day sid..."); a mark is a line holding only
    one of those numbers, in a smaller font. Left in the text, a footnote splits the paragraph or
    the list it was printed under."""
    small = body * _NOTE_SIZE
    pages: dict[int, list[_Line]] = {}
    for ln in lines:
        pages.setdefault(ln.page, []).append(ln)
    notes: dict[int, list[str]] = {}
    dropped: set[int] = set()
    for page, on_page in pages.items():
        foot = []
        for ln in sorted(on_page, key=lambda ln: ln.baseline):  # from the bottom up
            if ln.size > small:
                break
            foot.append(ln)
        opening = [i for i, ln in enumerate(foot) if _NOTE_MARK.match(ln.text)]
        if not opening:
            continue
        foot = foot[: opening[-1] + 1][::-1]  # top down, from the highest footnote
        texts: list[str] = []
        numbers: set[str] = set()
        for ln in foot:
            mark = _NOTE_MARK.match(ln.text)
            if mark:
                texts.append(ln.text[mark.end() :])
                numbers.add(mark.group(1))
            else:
                texts[-1] = _join(texts[-1], ln.text)
        dropped |= {id(ln) for ln in foot}
        dropped |= {id(ln) for ln in on_page if ln.size <= small and ln.text.strip() in numbers}
        notes[page] = texts
    return [ln for ln in lines if id(ln) not in dropped], notes


def _place(ln: _Line) -> tuple[int, float, str]:
    """Where a line stands on its page and what it opens with: the same for a running header."""
    return round(ln.baseline), ln.size, ln.text.split(maxsplit=1)[0].lower() if ln.text.split() else ""


def _shape(text: str) -> str:
    return re.sub(r"\d+|[ivxlc]+$", "#", text.lower()).strip()


def _is_heading(ln: _Line, body: int) -> bool:
    words = ln.text.split()
    numbered = _NUMBERING.match(ln.text)
    if numbered and round(ln.size) > body:  # a numbered line in a large font: a heading, however long, wrapped or not
        return len(words) <= 40
    if numbered:  # a deep one ("8.1.6.1 dpkg-deb") may be set in bold at the body's size
        return ln.bold and numbered.group(1).count(".") >= 2 and len(words) <= 16
    return round(ln.size) > body and len(words) <= 16 and not ln.text.endswith((",", ";"))


def _wraps(heading: list[_Line], ln: _Line) -> bool:
    """Is `ln` the next line of `heading` (a heading too long for one line, or the title after a
    "Chapter 3" label)?"""
    prev = heading[-1]
    ended = prev.text.endswith((".", "?", "!", ":"))
    # A numbered line starts a heading of its own, but "I make sure..." after "...How do" is no
    # appendix "I": a single letter continues a heading that has not ended.
    numbered = _NUMBERING.match(ln.text)
    if numbered and (ended or any(c.isdigit() for c in numbered.group(1))):
        return False
    if ln.page != prev.page or prev.baseline <= ln.baseline:
        return False
    if len(heading) == 1 and _LABEL.match(prev.text):
        return prev.baseline - ln.baseline <= prev.size * 4
    # A line PDFium gave as one may hold two (a word hyphenated across them): farther down allowed,
    # unless the heading so far ends a sentence.
    reach = 1.25 if ended else 2.5
    return round(ln.size) == round(prev.size) and prev.baseline - ln.baseline <= prev.pitch * reach


def _asks(ln: _Line, after: _Line | None) -> bool:
    """Is `ln` a question standing alone with its answer indented under it?"""
    return (
        after is not None
        and ln.text.endswith("?")
        and len(ln.text.split()) <= 16
        and not ln.mono
        and not after.mono
        and after.page == ln.page
        and after.left > ln.left + ln.size
        and not _BULLET.match(ln.text)
    )


def _first_line(run: list[_Line], ln: _Line) -> bool:
    """Is `run` the first line of a question that ends with `ln`?"""
    (first,) = run if len(run) == 1 else (None,)
    return (
        first is not None
        and abs(first.left - ln.left) < 1
        and not first.mono
        and 0 < first.baseline - ln.baseline <= first.pitch * 1.25
        and not first.text.endswith((".", ":", "?"))
        and len(first.text.split()) + len(ln.text.split()) <= 24
    )


def _breaks(run: list[_Line], ln: _Line) -> bool:
    """Does `ln` start a new block after the lines of `run`?"""
    prev = run[-1]
    if ln.mono != prev.mono:
        return True
    if _BULLET.match(ln.text):
        return not _BULLET.match(run[0].text)  # a list goes on; a paragraph ends
    if ln.page != prev.page:
        return False  # a paragraph goes on over the page break
    # Farther apart than two lines of a paragraph usually are: a new block.
    return prev.baseline - ln.baseline > max(prev.pitch, ln.pitch) * 1.25


def _block(run: list[_Line]) -> Block:
    if run[0].mono:
        return Block(CODE, "\n".join(ln.text for ln in run))
    if _BULLET.match(run[0].text):
        items: list[Item] = []
        first = run[0].text[0]
        for ln in run:
            m = _BULLET.match(ln.text)
            if m and (m.group(1) == first or not items):
                items.append(Item(m.group(2)))
            elif m:  # another bullet: a sub-item ("–" under "•")
                items[-1].subs.append(m.group(2))
            elif items[-1].subs:
                items[-1].subs[-1] = _join(items[-1].subs[-1], ln.text)
            else:
                items[-1].text = _join(items[-1].text, ln.text)
        return Block(LIST, items=items)
    text = ""
    for ln in run:
        text = _join(text, ln.text)
    return Block(PARAGRAPH, text)


def _join(text: str, line: str) -> str:
    """Two lines of a paragraph: a word hyphenated at the line end is joined again."""
    if not text:
        return line
    if text.endswith("-") and text[-2:-1].isalpha() and line[:1].islower():
        return text[:-1] + line
    if text.endswith("-") and text[-2:-1].isdigit() and line[:1].isalnum():
        return text + line  # a compound broken after its hyphen: "32-" / "bit PCs"
    return f"{text} {line}"
