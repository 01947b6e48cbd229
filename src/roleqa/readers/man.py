"""Manual pages (man1/ls.1.gz, ssh.1, ...): roff sources in the man or mdoc macros, read by rules.

No well-kept Python library reads roff, and rendering through groff would
make roleqa depend on a program outside Python, so these are the two macro
sets' rules, each narrow:
  - man: ".TH" names the page, ".SH" / ".SS" are headings (ALL CAPS ones in
    title case), ".PP" and the like part paragraphs, ".TP" (its tag on the
    next line) and ".IP tag" are list items "tag: description", a bullet tag
    a plain item, ".nf"/".fi" and ".EX"/".EE" code with its lines, ".TS" a
    table; font macros (".B", ".BR" ...) give their text;
  - mdoc (BSD pages, OpenSSH's; mdoc.py): ".Dt" names the page, ".Sh" / ".Ss" are
    headings, ".Pp" parts paragraphs, ".Bl"/".It"/".El" are lists, ".Bd
    -literal" and ".Dl" code; the macros within a line give their text
    (".Fl v" reads "-v", ".Xr ssh_config 5" reads "ssh_config(5)", ".Op"
    brackets, ".Dq" quotes, ".Ns" no space);
  - escapes: fonts, sizes and motions dropped, "\\-" a hyphen, named
    characters ("\\(em", "\\[aq]") as their character; comments, macro
    definitions and conditionals dropped; a page that only sources another
    (".so man1/other.1") has no text.
"""

from __future__ import annotations

import re

from roleqa.document import CODE, LIST, PARAGRAPH, TABLE, Block, Document, Item, Outline
from roleqa.readers import base_name

_CHARS = {
    "em": "—", "en": "–", "hy": "-", "mi": "-", "aq": "'", "dq": '"', "lq": "“", "rq": "”", "oq": "‘",
    "cq": "’", "bu": "•", "co": "©", "rg": "®", "tm": "™", "de": "°", "ga": "`", "ti": "~", "ha": "^",
    "ba": "|", "br": "|", "sl": "/", "rs": "\\", "pl": "+", "eq": "=", "lt": "<", "gt": ">", "Fo": "«",
    "Fc": "»", "->": "→", "<-": "←", "mu": "×", "ct": "¢", "ss": "ß", "ae": "æ", "ou": "", "R": "®",
}  # fmt: skip
_ESCAPE = re.compile(
    r"\\(?:\((..)|\[([^\]]*)\]|\*(?:\((..)|\[([^\]]*)\]|(.))|f(?:\(..|\[[^\]]*\]|.)|s[+-]?(?:\d+|\(\d\d|\[\d+\])"
    r"|[hvwoXZDlLbNxSR]'[^']*'|[nmgkMY](?:\(..|\[[^\]]*\]|.)|(.))"
)
# Strings pages use, as man's and pod2man's preambles define them ("\\*(C+" is "C++").
_STRINGS = {
    "lq": "“",
    "rq": "”",
    "R": "®",
    "Tm": "™",
    "C+": "C++",
    'L"': "“",
    'R"': "”",
    "C`": "‘",
    "C'": "’",
    "--": "—",
}
_SIMPLE = {"-": "-", "e": "\\", "\\": "\\", " ": " ", "~": " ", "0": " ", "'": "'", "`": "`", ".": "."}
_BULLETS = {"•", "*", "-", "o", "·", ""}
PARAGRAPH_MACROS = {"PP", "LP", "P", "HP", "Pp", "Lp", "sp"}


def read(name: str, text: str) -> Document:
    lines = _logical_lines(text)
    if any(ln.startswith((".Dd", ".Sh ", ".Dt ")) for ln in lines[:200]):
        from roleqa.readers.mdoc import Mdoc

        page: Page = Mdoc(name)
    else:
        page = _Man(name)
    for line in lines:
        page.line(line)
    page.flush()
    return page.outline.document(name, _with_purpose(page.title or base_name(name), page.outline))


def _with_purpose(title: str, outline: Outline) -> str:
    """The page's name with what its NAME section says it is: "tar(1) — an archiving utility", as
    manual pages are listed (apropos), so every passage of the page carries what it is about."""
    named = next((s for s in outline.sections if s.path == ["Name"] and s.blocks), None)
    line = named.blocks[0].text if named else ""
    purpose = re.split(r"\s+[-—–]\s+", line, maxsplit=1)
    return f"{title} — {purpose[1]}" if len(purpose) == 2 and len(purpose[1].split()) <= 15 else title


def _logical_lines(text: str) -> list[str]:
    """The page's lines: continued lines joined, then comments, macro definitions and conditionals out."""
    joined: list[str] = []
    for raw in text.replace("\r\n", "\n").split("\n"):
        line = "" if raw.startswith(('.\\"', "'\\\"")) else re.sub(r'\\".*$', "", raw)
        if joined and joined[-1].endswith("\\") and not joined[-1].endswith("\\\\"):
            joined[-1] = joined[-1][:-1] + line
        else:
            joined.append(line)
    out: list[str] = []
    skipping = ""  # what ends what is skipped: ".." after ".de", "\\}" after ".if ... \\{"
    for line in joined:
        if skipping:
            if line.strip().startswith(skipping) or skipping == "\\}" and "\\}" in line:
                skipping = ""
            continue
        if re.match(r"^[.']\s*(?:de|ig|am)\b", line):
            skipping = ".."
        elif re.match(r"^[.']\s*(?:if|ie|el)\b", line):
            skipping = "\\}" if "\\{" in line and "\\}" not in line else ""
        elif line.strip() or out:
            out.append(line)
    return out


def inline(text: str) -> str:
    """Roff text with its escapes read: fonts and motions dropped, characters as themselves."""

    def escape(m: re.Match) -> str:
        if m.group(1) or m.group(2) is not None:
            return _CHARS.get(m.group(1) or m.group(2), "")
        if m.group(3) or m.group(4) is not None or m.group(5):
            key = m.group(3) or m.group(4) or m.group(5)
            return _STRINGS.get(key, "")
        return _SIMPLE.get(m.group(6) or "", "")

    return _ESCAPE.sub(escape, text)


def _title_case(heading: str) -> str:
    letters = [c for c in heading if c.isalpha()]
    return heading.title() if letters and all(c.isupper() for c in letters) else heading


def request(line: str) -> tuple[str, list[str], str] | None:
    """A request line's macro, its arguments and their text as written (".BR -a ,"), or None for a
    line of text."""
    if not line.startswith((".", "'")):
        return None
    macro, _, rest = line[1:].strip().partition(" ")
    return macro, arguments(rest), rest


def arguments(rest: str) -> list[str]:
    """A request's arguments: words, or "quoted words" ("" inside a quote is one quote)."""
    words = re.findall(r'"(?:[^"]|"")*"?|(?:\\.|\S)+', rest)  # ("\\ " is a space inside a word)
    return [a[1:-1].replace('""', '"') if a.startswith('"') else a for a in words]


class Page:
    """What both macro sets share: the outline, the paragraph being filled, the list being made."""

    def __init__(self, name: str) -> None:
        self.outline = Outline()
        self.title = ""
        self.words: list[str] = []  # the paragraph (or item description) being filled
        self.code: list[str] | None = None  # lines of a no-fill block, while in one
        self.tag: str | None = None  # the current item's tag (None: not in an item)
        self.items: list[Item] = []
        self.continuing = False  # the text being filled is more of the last item

    def text(self, words: str) -> None:
        if self.code is not None:
            self.code.append(words)
        elif words.strip():
            self.words.append(words.strip())

    def paragraph_end(self) -> None:
        """End the paragraph, or the item's description, being filled."""
        text = " ".join(" ".join(self.words).split())
        self.words = []
        if self.tag is not None:
            tag = " ".join(self.tag.split())
            if text or tag:
                plain = tag in _BULLETS or re.fullmatch(r"\d+[.)]", tag)
                self.items.append(Item(text if plain else f"{tag}: {text}" if text else tag))
            self.tag = None
        elif self.continuing and self.items:
            if text:
                self.items[-1].text = f"{self.items[-1].text} {text}".strip()
        elif text and any(c.isalnum() for c in text):
            self.list_end()
            self.outline.add(Block(PARAGRAPH, text))

    def list_end(self) -> None:
        self.continuing = False
        if self.items:
            self.outline.add(Block(LIST, items=self.items))
            self.items = []

    def flush(self) -> None:
        self.code_end()
        self.paragraph_end()
        self.list_end()

    def heading(self, level: int, text: str) -> None:
        self.flush()
        self.outline.heading(level, _title_case(" ".join(inline(text).split())))

    def code_start(self) -> None:
        if self.tag is None:  # (inside an item, the example is part of its description)
            self.paragraph_end()
        self.code = []

    def code_end(self) -> None:
        if self.code is None:
            return
        lines, self.code = self.code, None
        text = "\n".join(lines).strip("\n")
        if not text.strip():
            return
        if self.tag is not None:
            self.words.append(" ".join(text.split()))  # an example inside an item: part of its text
        else:
            self.list_end()
            self.outline.add(Block(CODE, text))


class _Man(Page):
    """The man macros (most of Linux's pages)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.pending: str | None = None  # a macro waiting for the next line: "SH", "SS", "TP"
        self.table: list[str] | None = None
        self.indents = 0  # ".RS" depth

    def line(self, line: str) -> None:
        if self.table is not None:
            self.table_line(line)
            return
        parsed = request(line)
        if parsed is None:
            self.words_of(inline(line))
            return
        macro, args, rest = parsed
        if macro == "TH":
            self.title = f"{inline(args[0]).lower()}({inline(args[1])})" if len(args) > 1 else inline(rest)
        elif macro in ("SH", "SS"):
            if args:
                self.heading(1 if macro == "SH" else 2, " ".join(args))
            else:
                self.flush()
                self.pending = macro
        elif macro in PARAGRAPH_MACROS:
            self.code_end()
            self.paragraph_end()
            # Inside ".RS" under an item, a paragraph is more of that item; elsewhere it ends the list.
            self.continuing = bool(self.indents and self.items)
            if macro != "sp" and not self.continuing:
                self.list_end()
        elif macro == "RS":
            self.indents += 1
        elif macro == "RE":
            self.indents = max(0, self.indents - 1)
        elif macro in ("TP", "TQ"):
            self.code_end()
            if macro == "TP":
                self.paragraph_end()
                self.tag = ""
            self.pending = "TP"
        elif macro == "IP":
            self.code_end()
            self.paragraph_end()
            tag = inline(args[0]).strip() if args else ""
            if tag:
                self.tag = tag
            else:  # an indented paragraph: more of the last item, if there is one
                self.continuing = bool(self.items)
        elif macro in ("nf", "EX"):
            self.code_start()
        elif macro in ("fi", "EE"):
            self.code_end()
        elif macro == "TS":
            self.flush()
            self.table = []
        elif macro in ("B", "I", "SM", "SB"):
            self.words_of(inline(" ".join(args)))
        elif len(macro) == 2 and set(macro) <= set("BIR"):
            self.words_of("".join(inline(a) for a in args))  # .BR -a , : alternating fonts, no spaces
        elif macro in ("UE", "ME") and args:
            self.words_of(inline(args[0]))  # the punctuation after a link
        # Anything else sets spacing, fonts or indents (".sp", ".in", ".ft"...), or sources another
        # page (".so man1/other.1": such a page has no text of its own): nothing to read.

    def words_of(self, text: str) -> None:
        if self.pending in ("SH", "SS"):
            level, self.pending = (1 if self.pending == "SH" else 2), None
            self.heading(level, text)
        elif self.pending == "TP":
            self.tag = f"{self.tag} {text}".strip() if self.tag else text
            self.pending = None
        else:
            self.text(text)

    def table_line(self, line: str) -> None:
        """A tbl table: its options and format lines (up to one ending in ".") out, rows by tabs."""
        if line.startswith(".TE"):
            rows = [r for r in self.table if r.strip()]
            self.table = None
            if rows:
                self.outline.add(Block(TABLE, "\n".join(rows)))
        elif not self.table and line.rstrip().endswith(".") and not line.startswith("T{"):
            self.table.append("")  # the end of the format: the rows start
        elif self.table and not line.startswith((".", "'")):
            cells = [inline(c).strip() for c in re.split(r"\t|T\{|T\}", line)]
            self.table.append(" | ".join(c for c in cells if c))
