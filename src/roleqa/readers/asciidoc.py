"""AsciiDoc (.adoc, .asciidoc): AsciiDoc's own line rules, read into the document model.

No well-kept Python library reads AsciiDoc into a tree: asciidoc-py converts
to HTML, running shell filters on source blocks (their code is lost when the
filter is missing) and refusing Asciidoctor's syntax, and the pure-Python
parsers are alpha. AsciiDoc's blocks are line by line, so these are its
rules, as Asciidoctor reads them:
  - the header "= Title" (or a title over "===="), author and revision lines;
    attribute entries (":name: value", anywhere) replace "{name}";
  - section titles "== Title" to "====== Title", or over a line of - ~ ^ +;
  - "----" listing, "...." literal and "```" blocks are code; "====",
    "****", "____" and "--" blocks hold blocks; "|===" is a table; "////"
    comments and "++++" raw output are dropped;
  - lists ("*", "**", "-", ".", "1."), a "+" line attaching the next block
    to the item; labelled lists ("term::") are FAQ entries one level below
    their section when their terms are mostly questions (git's FAQ), else
    items "term: definition"; an indented paragraph is code;
  - comments, block attribute lines ("[source,ruby]", "[[id]]"),
    conditionals and includes are dropped: nothing outside the file is
    read, and every branch of a conditional is kept.
Inline: links and cross-references show their text, images their alt text,
"linkgit:git-config[1]" reads "git-config(1)", and the marks of bold,
italic, monospace and highlight are dropped.
"""

from __future__ import annotations

import re

from roleqa.document import CODE, LIST, PARAGRAPH, TABLE, Block, Document, Item, Outline, asks_questions
from roleqa.readers import default_title

_SECTION = re.compile(r"^(={1,6}|#{1,6})\s+(\S.*?)(?:\s+=+)?\s*$")
_ATTRIBUTE = re.compile(r"^:(!?[\w][\w-]*!?):(?:\s+(.*))?$")
_PREPROCESSOR = re.compile(r"^(?:ifn?def|ifeval|endif|include)::.*\[.*\]\s*$")
_COMMENT = re.compile(r"^(?://(?!/)|'{3,}\s*$|<{3}\s*$)")  # a comment line, a thematic or page break
_VERBATIM = re.compile(r"^(-{4,}|\.{4,}|\+{4,}|`{3}[\w+-]*)\s*$")
_BLOCK_ATTRIBUTES = re.compile(r"^\[(?:\[[^\]]*\]|[^\[\]]*)\]\s*$")
# A block macro: an image shows its alt text; audio, video and a table of contents have no text.
_BLOCK_MACRO = re.compile(r"^(image|video|audio|toc)::([^\[\s]*)\[([^\]]*)\]\s*$")
_BLOCK_TITLE = re.compile(r"^\.(?![.\s])(\S.*)$")
_DELIMITER = re.compile(r"^(-{4,}|\.{4,}|={4,}|\*{4,}|_{4,}|\+{4,}|/{4,}|\|={3,}|--|`{3}[\w+-]*)\s*$")
_ITEM = re.compile(r"^\s*(\*{1,5}|-|\.{1,5}|\d{1,3}\.|[a-z]\.|<\d{1,2}>|<\.>)\s+(\S.*)$")
_TERM = re.compile(r"^(?!\s)(\S.*?)(:{2,4}|;;)(?:\s+(\S.*))?$")
_VERBATIM_STYLES = ("source", "listing", "literal")
_ADMONITION = re.compile(r"^(NOTE|TIP|IMPORTANT|WARNING|CAUTION):\s+")
_CALLOUT = re.compile(r"\s*(?:(?://|#|--|;;)\s*)?<(?:\d+|\.)>\s*$")
_CELL_SPEC = re.compile(r"(?:^|(?<=\s))(?:\d+\*|\d*(?:\.\d+)?\+)?[<^>]?(?:\.[<^>])?[adehlmsv]?$")

# Inline markup, in the order it is undone.
_INLINE = [
    (re.compile(r"\(\(\([^)]*\)\)\)|\[\[\[?[\w.:-]+(?:,[^\]]*)?\]\]\]?|indexterm2?:\[[^\]]*\]"), lambda m: ""),
    (re.compile(r"\(\(([^)]+)\)\)"), lambda m: m.group(1)),
    (re.compile(r"footnote(?:ref)?:(?:[\w-]*)\[([^\]]*)\]"), lambda m: f" ({m.group(1)})" if m.group(1) else ""),
    (re.compile(r"<<([^,>]+?)(?:,\s*([^>]+))?>>"), lambda m: m.group(2) or _id_words(m.group(1))),
    (re.compile(r"image::?[^\s\[]*\[([^\],]*)[^\]]*\]"), lambda m: m.group(1)),
    (re.compile(r"(?:kbd|btn|pass|stem|latexmath|asciimath):\[([^\]]*)\]"), lambda m: m.group(1)),
    (re.compile(r"menu:([^\[\s]+)\[([^\]]*)\]"), lambda m: " > ".join([m.group(1), *m.group(2).split(">")])),
    # A link or any other macro shows its text; a manual page's section number goes with its name.
    (re.compile(r"\b[a-z][\w-]*:([^\s\[]+)\[(\d\w?)\]"), lambda m: f"{m.group(1)}({m.group(2)})"),
    (
        re.compile(r"(?:(?=\b(?:https?|ftp|irc)://)|\b[a-z][\w-]*:)([^\s\[]+)\[([^\]]*)\]"),
        lambda m: _link_text(m.group(1), m.group(2)),
    ),
    (re.compile(r"\[[\w.#%=\"' -]*\]#([^#]+)#"), lambda m: m.group(1)),  # [.role]#text#
    (re.compile(r"(\*\*|__|``|\+\+|##)(.+?)\1"), lambda m: m.group(2)),  # unconstrained marks
    (re.compile(r"(?<![\w*_`+#])([*_`+#])(?=\S)(.*?\S)\1(?![\w*_`+#])"), lambda m: m.group(2)),
    (re.compile(r"\\([*_`+#{\[<])"), lambda m: m.group(1)),
    (re.compile(r"(?<= )--(?= )"), lambda m: "—"),  # a spaced double dash is an em dash
]


def read(name: str, text: str) -> Document:
    lines = [ln.rstrip() for ln in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    reader = _Reader()
    title, body = reader.header(lines)
    reader.blocks(body, top=True)
    return reader.outline.document(name, title or default_title(name))


# What only AsciiDoc writes: preprocessor lines, anchors, block styles, its inline macros, attribute
# entries, a "= Title" first line, labelled-list terms over "----" blocks.
_SIGNS = (
    re.compile(r"^(?:include|ifn?def|endif)::\S*\[.*\]$", re.M),
    re.compile(r"^\[\[[\w:.-]+\]\]$", re.M),
    re.compile(r"^\[(?:verse|source|listing|literal|quote|NOTE|TIP|WARNING|IMPORTANT|CAUTION)(?:,[^\]]*)?\]$", re.M),
    re.compile(r"\b(?:link|linkgit|xref|kbd|footnote|image)::?[^\s\[]*\[[^\]\n]*\]"),
    re.compile(r"^:[\w-]+:(?: .*)?$", re.M),
    re.compile(r"\A\s*= \S"),
    re.compile(r"^\S[^\n]*::\n(?:[^\n]*\n)*?[+]?\n?-{4,}\n", re.M),
)


def looks_like_asciidoc(text: str) -> bool:
    """Is a text file AsciiDoc (git's manuals are .txt up to 2.48): two or more kinds of what only
    AsciiDoc writes, in its first 100,000 characters?"""
    head = text[:100_000]
    return sum(1 for sign in _SIGNS if sign.search(head)) >= 2


def _id_words(ref: str) -> str:
    """A cross-reference without text shows its target: "#gem-install" or "_gem_install" -> "gem install"."""
    ref = ref.split("#")[-1].strip()
    return " ".join(re.split(r"[_\-]+", ref)).strip()


def _link_text(target: str, text: str) -> str:
    text = text.split(",")[0].strip().rstrip("^") if "=" not in text.split(",")[0] else ""
    return text or target


# The attributes every document has: characters written as attributes ("{vbar}", "{cpp}").
_BUILT_IN = {
    "vbar": "|", "startsb": "[", "endsb": "]", "caret": "^", "asterisk": "*", "tilde": "~", "backslash": "\\",
    "backtick": "`", "two-colons": "::", "two-semicolons": ";;", "plus": "+", "amp": "&", "lt": "<", "gt": ">",
    "apos": "'", "quot": '"', "lsquo": "\u2018", "rsquo": "\u2019", "ldquo": "\u201c", "rdquo": "\u201d",
    "nbsp": " ", "sp": " ", "empty": "", "zwsp": "", "wj": "", "deg": "\u00b0", "brvbar": "\u00a6",
    "cpp": "C++", "pp": "++",
}  # fmt: skip


class _Reader:
    def __init__(self) -> None:
        self.outline = Outline()
        self.attributes: dict[str, str] = dict(_BUILT_IN)

    def header(self, lines: list[str]) -> tuple[str, list[str]]:
        """The document's title (or "") and the lines of its body, the header's attributes read."""
        kept = _without_comments(lines)
        start = next((k for k, ln in enumerate(kept) if ln.strip()), len(kept))
        title = ""
        m = _SECTION.match(kept[start]) if start < len(kept) else None
        underlined = _underlined(kept, start)
        if m and len(m.group(1)) == 1 or underlined and underlined[0] == 0:
            title = self.inline(m.group(2) if m else kept[start])
            start += 1 if m else 2
            while start < len(kept) and kept[start].strip():  # author, revision, attributes
                self.attribute(kept[start])
                start += 1
        return title, kept[start:]

    def attribute(self, line: str) -> bool:
        m = _ATTRIBUTE.match(line)
        if m and "!" in m.group(1):  # ":name!:" unsets it
            self.attributes.pop(m.group(1).strip("!").lower(), None)
        elif m:
            self.attributes[m.group(1).lower()] = self.substitute(m.group(2) or "")
        return bool(m)

    def substitute(self, text: str) -> str:
        return re.sub(r"\{([\w-]+)\}", lambda m: self.attributes.get(m.group(1).lower(), m.group(0)), text)

    def inline(self, text: str) -> str:
        """Text with its attributes replaced and its inline markup undone, on one line."""
        text = self.substitute(self.substitute(text))
        for pattern, replace in _INLINE:
            text = pattern.sub(replace, text)
        return " ".join(text.split())

    def joined(self, lines: list[str]) -> str:
        """A paragraph's lines as one line of text (a hard line break's " +" dropped)."""
        return self.inline(" ".join(ln.strip().removesuffix(" +") for ln in lines))

    def blocks(self, lines: list[str], top: bool = False) -> None:
        """Read a run of lines into the outline: the body of the file, or a compound block's content."""
        i, style, substituted = 0, "", False
        while i < len(lines):
            line = lines[i]
            stripped = line.strip()
            if not stripped or self.attribute(line):
                i += 1
                continue
            section = _SECTION.match(line) if top else None
            if section:
                self.outline.heading(max(1, len(section.group(1)) - 1), self.inline(section.group(2)))
                i, style = i + 1, ""
                continue
            underlined = _underlined(lines, i) if top else None
            if underlined:  # the older two-line title: "NAME" over "----", its character its level
                self.outline.heading(max(1, underlined[0]), self.inline(underlined[1]))
                i, style = i + 2, ""
                continue
            if _BLOCK_ATTRIBUTES.match(stripped):
                if not stripped.startswith("[["):  # "[[id]]" names the next block; "[source,ruby]" styles it
                    style, substituted = stripped[1:-1].split(",")[0].strip().lower(), "attributes" in stripped
                i += 1
                continue
            delimiter = _DELIMITER.match(line)
            if delimiter:
                end = _closing(lines, i + 1, stripped[:3] if stripped.startswith("```") else stripped)
                content = lines[i + 1 : end]
                self.delimited(stripped, [self.substitute(ln) for ln in content] if substituted else content, style)
                i, style, substituted = end + 1, "", False
                continue
            macro = _BLOCK_MACRO.match(stripped)
            if macro:
                alt = macro.group(3).split(",")[0].strip() if macro.group(1) == "image" else ""
                if alt and "=" not in alt:
                    self.outline.add(Block(PARAGRAPH, self.inline(alt)))
                i, style = i + 1, ""
                continue
            title = _BLOCK_TITLE.match(line)
            if title:
                self.outline.add(Block(PARAGRAPH, self.inline(title.group(1))))
                i += 1
                continue
            if _TERM.match(line) and not _ITEM.match(line):
                i = self.labelled_list(lines, i)
            elif _ITEM.match(line):
                i = self.list(lines, i)
            elif line[:1].isspace() and style not in ("normal", "verse", "quote") or style in _VERBATIM_STYLES:
                end = _paragraph_end(lines, i)
                self.code(lines[i:end])  # a literal paragraph: indented, its lines kept
                i = end
            else:
                end = _paragraph_end(lines, i)
                self.paragraph(lines[i:end], style)
                i = end
            style, substituted = "", False

    def delimited(self, delimiter: str, content: list[str], style: str) -> None:
        kind = delimiter[0]
        if kind in "-.`" and delimiter != "--" or style in _VERBATIM_STYLES:
            self.code(content)
        elif kind == "|":
            rows = _table_rows(content)
            if rows:
                self.outline.add(Block(TABLE, "\n".join(self.inline(r) for r in rows)))
        elif kind in "=*_" or delimiter == "--":
            self.blocks(content)
        # "////" a comment, "++++" raw output for one backend: nothing to read

    def code(self, content: list[str]) -> None:
        indent = min((len(ln) - len(ln.lstrip()) for ln in content if ln.strip()), default=0)
        text = "\n".join(_CALLOUT.sub("", ln[indent:]) for ln in content).strip("\n")
        if text.strip():
            self.outline.add(Block(CODE, text))

    def paragraph(self, lines: list[str], style: str = "") -> None:
        text = self.joined(lines)
        admonition = _ADMONITION.match(text)
        if admonition:
            text = f"{admonition.group(1).title()}: {text[admonition.end() :]}"
        elif style.upper() in ("NOTE", "TIP", "IMPORTANT", "WARNING", "CAUTION"):
            text = f"{style.title()}: {text}"
        if any(c.isalnum() for c in text):
            self.outline.add(Block(PARAGRAPH, text))

    def list(self, lines: list[str], i: int) -> int:
        """A list from line i: items by their marker's depth ("*" then "**"), lines and "+"-attached
        blocks joined to their item; it ends at a paragraph that is no item after a blank line."""
        items: list[Item] = []
        top = _ITEM.match(lines[i]).group(1)
        while i < len(lines):
            m = _ITEM.match(lines[i])
            if m:
                text = self.inline(m.group(2))
                if m.group(1) == top or not items:
                    items.append(Item(text))
                else:
                    items[-1].subs.append(text)
                i += 1
            elif lines[i].strip() == "+":
                i, attached = self.attached(lines, i + 1)
                _extend(items[-1], attached.text)
            elif lines[i].strip() and not _DELIMITER.match(lines[i]) and not _BLOCK_ATTRIBUTES.match(lines[i].strip()):
                _extend(items[-1], self.inline(lines[i]))
                i += 1
            elif not lines[i].strip() and i + 1 < len(lines) and _ITEM.match(lines[i + 1]):
                i += 1  # items apart by a blank line: still one list
            else:
                break
        self.outline.add(Block(LIST, items=[it for it in items if it.text]))
        return i

    def attached(self, lines: list[str], i: int) -> tuple[int, Block]:
        """The block a "+" line attaches to a list item or a term, and the line after it."""
        while i < len(lines) and _BLOCK_ATTRIBUTES.match(lines[i].strip()):
            i += 1
        if i < len(lines) and _DELIMITER.match(lines[i]):
            end = _closing(lines, i + 1, lines[i].strip())
            inner = lines[i + 1 : end]
            if lines[i][0] in "-." and lines[i].strip() != "--":
                return end + 1, Block(CODE, "\n".join(inner).strip("\n"))
            return end + 1, Block(PARAGRAPH, self.joined([ln for ln in inner if not _DELIMITER.match(ln)]))
        end = _paragraph_end(lines, i)
        return end, Block(PARAGRAPH, self.joined(lines[i:end]))

    def labelled_list(self, lines: list[str], i: int) -> int:
        """A labelled list from line i: entries "term::" with their definitions (on the term's line,
        on the lines under it, and in blocks attached by "+"); FAQ entries when the terms ask."""
        entries: list[tuple[str, list[Block]]] = []
        while i < len(lines):
            line = lines[i]
            term = _TERM.match(line) if not _ITEM.match(line) else None
            if term:
                entries.append((self.inline(term.group(1)), []))
                if term.group(3):
                    entries[-1][1].append(Block(PARAGRAPH, self.inline(term.group(3))))
                i += 1
            elif not entries:
                break
            elif line.strip() == "+":
                i, attached = self.attached(lines, i + 1)
                if attached.text:
                    entries[-1][1].append(attached)
            elif _BLOCK_ATTRIBUTES.match(line.strip()) or not line.strip():
                nxt = next((ln for ln in lines[i + 1 :] if ln.strip()), "")
                if not (nxt[:1].isspace() or nxt.strip() == "+" or _TERM.match(nxt) or _BLOCK_ATTRIBUTES.match(nxt)):
                    break
                i += 1
            elif line[:1].isspace() or not entries[-1][1] or _ITEM.match(line):
                end = _paragraph_end(lines, i)
                entries[-1][1].append(Block(PARAGRAPH, self.joined(lines[i:end])))
                i = end
            else:
                break
        self._entries(entries)
        return i

    def _entries(self, entries: list[tuple[str, list[Block]]]) -> None:
        if asks_questions([term for term, _ in entries]):
            with self.outline.run_of_entries() as level:
                for term, blocks in entries:
                    self.outline.heading(level, term)
                    for block in blocks:
                        self.outline.add(block)
            return
        items = []
        for term, blocks in entries:
            definition = " ".join(b.text for b in blocks)
            items.append(Item(f"{term.rstrip(':')}: {definition}" if definition else term))
        self.outline.add(Block(LIST, items=items))


def _without_comments(lines: list[str]) -> list[str]:
    """The lines without conditionals and includes (anywhere: they are the preprocessor's), and
    without comments ("//" lines, "////" blocks) outside verbatim blocks, where code keeps its own."""
    kept: list[str] = []
    verbatim = ""  # the delimiter of the listing, literal or raw block we are in
    i = 0
    while i < len(lines):
        line = lines[i]
        if _PREPROCESSOR.match(line):
            pass
        elif verbatim:
            verbatim = "" if line.strip() == verbatim[: 3 if verbatim.startswith("```") else None] else verbatim
            kept.append(line)
        elif re.match(r"^/{4,}\s*$", line):
            i = _closing(lines, i + 1, line.strip())
        elif not _COMMENT.match(line):
            if _VERBATIM.match(line):
                verbatim = line.strip()
            kept.append(line)
        i += 1
    return kept


def _underlined(lines: list[str], i: int) -> tuple[int, str] | None:
    """A two-line section title at line i: text over a line of one of = - ~ ^ + as long as it (give or
    take two), the character giving the level (0 to 4); its level and text, or None."""
    line = lines[i] if i + 1 < len(lines) else ""
    if not re.match(r"^[\w`'\"*_(]", line) or _ITEM.match(line) or _TERM.match(line) or _BLOCK_TITLE.match(line):
        return None
    under = re.match(r"^([=\-~^+])\1+$", lines[i + 1])
    if not under or abs(len(lines[i + 1]) - len(lines[i].strip())) > 2:
        return None
    return "=-~^+".index(under.group(1)), lines[i].strip()


def _closing(lines: list[str], start: int, delimiter: str) -> int:
    """The line that closes a delimited block opened before `start` (the end, if none does)."""
    return next((k for k in range(start, len(lines)) if lines[k].strip() == delimiter), len(lines))


def _paragraph_end(lines: list[str], i: int) -> int:
    """Where the paragraph from line i ends: a blank line, a delimiter, a "+" or block attributes."""
    k = i + 1
    while k < len(lines) and lines[k].strip() and lines[k].strip() != "+":
        if _DELIMITER.match(lines[k]) or _BLOCK_ATTRIBUTES.match(lines[k].strip()) or _SECTION.match(lines[k]):
            break
        k += 1
    return k


def _extend(item: Item, text: str) -> None:
    if text:
        if item.subs:
            item.subs[-1] = f"{item.subs[-1]} {text}"
        else:
            item.text = f"{item.text} {text}".strip()


def _table_rows(content: list[str]) -> list[str]:
    """A table's rows: its cells, each opened by an unescaped "|" (a spec before it, "2+|", "a|",
    dropped), as many to a row as the first line has, or up to the first blank line if it has one."""
    width, cells = 0, []
    for line in content:
        if not line.strip():
            width = width or len(cells)
            continue
        parts = re.split(r"(?<!\\)\|", line.strip())
        if len(parts) == 1:
            if cells:
                cells[-1] = f"{cells[-1]} {line.strip()}"
            continue
        for k in range(len(parts) - 1):  # the text before each "|" may end with that cell's spec
            spec = _CELL_SPEC.search(parts[k])
            if spec and (k == 0 and spec.start() == 0 or re.search(r"[\d+*<^>]", spec.group(0))):
                parts[k] = parts[k][: spec.start()]
        if parts[0].strip() and cells:
            cells[-1] = f"{cells[-1]} {parts[0].strip()}"
        if not cells and len(parts) > 2:
            width = len(parts) - 1
        cells.extend(p.strip().replace("\\|", "|") for p in parts[1:])
    width = width or len(cells) or 1
    rows = [cells[k : k + width] for k in range(0, len(cells), width)]
    return [" | ".join(r) for r in rows if any(r)]
