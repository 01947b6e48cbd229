"""Manual pages in the mdoc macros (BSD's, OpenSSH's): lists, displays and the macros within a
line, read into man.py's Page."""

from __future__ import annotations

from roleqa.readers.man import PARAGRAPH_MACROS, Page, inline, request

_MDOC_QUOTES = {
    "Dq": ("“", "”"), "Sq": ("‘", "’"), "Ql": ("‘", "’"), "Qq": ('"', '"'), "Pq": ("(", ")"), "Bq": ("[", "]"),
    "Brq": ("{", "}"), "Aq": ("⟨", "⟩"),
}  # fmt: skip
_MDOC_NAMES = {"Ux": "UNIX", "Bx": "BSD", "Ox": "OpenBSD", "Nx": "NetBSD", "Fx": "FreeBSD", "At": "AT&T UNIX"}
_MDOC_DROPPED = {"Sm", "Os", "Dd", "Bk", "Ek", "Rs", "Re", "Tg"}
_CLOSING = {",", ".", ":", ";", ")", "]", "?", "!"}


class Mdoc(Page):
    """The mdoc macros (BSD pages, OpenSSH's)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = ""  # the page's name (.Nm), which a bare .Nm repeats
        self.depth = 0  # lists inside lists: their items are folded into the outer item
        self.extending = False  # an item's tag goes on over the lines up to ".Xc"
        self.tag_start = ""
        self.spacing = True  # ".Sm off": no spaces between words

    def line(self, line: str) -> None:
        parsed = request(line)
        if parsed is None:
            self.text(inline(line))
            return
        macro, args, rest = parsed
        if macro == "Dt":
            self.title = f"{args[0].lower()}({args[1]})" if len(args) > 1 else rest.lower()
        elif macro in ("Sh", "Ss"):
            self.heading(1 if macro == "Sh" else 2, self.words_in(args))
        elif macro in PARAGRAPH_MACROS:
            self.code_end()
            self.paragraph_end()
            self.continuing = bool(self.depth and self.items)  # in a list: more of the last item
            if not self.depth:
                self.list_end()
        elif macro == "Bl":
            self.code_end()
            if self.depth and (self.tag is not None or self.continuing):
                self.depth += 1  # a list inside an item: its items stay in that item's text
                return
            self.paragraph_end()
            self.list_end()
            self.depth = 1
        elif macro == "It":
            self.code_end()
            if self.depth > 1:
                self.text(self.words_in(args))
                return
            self.paragraph_end()
            self.continuing = False
            self.tag = self.tag_start = self.words_in(args)
            self.extending = "Xo" in args  # the tag goes on over the next lines, up to ".Xc"
        elif macro == "Sm":
            self.spacing = args[:1] != ["off"]
        elif self.extending:
            # (Spacing off glues the lines, but not the first to the item's own words: "-D [addr:]port".)
            words = self.words_in([macro, *args])
            glued = not self.spacing and self.tag != self.tag_start
            self.tag = self.tag + words if glued else f"{self.tag} {words}".strip()
            self.extending = macro != "Xc"
        elif macro == "El":
            self.code_end()
            if self.depth > 1:
                self.depth -= 1
                return
            self.paragraph_end()
            self.list_end()
            self.depth = 0
        elif macro == "Bd":
            if "-literal" in args or "-unfilled" in args:
                self.code_start()
        elif macro == "Ed":
            self.code_end()
        elif macro in ("Dl", "D1"):
            self.code_start()
            self.text(self.words_in(args))
            self.code_end()
        elif macro == "Nm" and not self.name and args:
            self.name = args[0]
            self.text(self.words_in(args))
        elif macro not in _MDOC_DROPPED and not macro.startswith("%"):
            self.text(self.words_in([macro, *args]))

    def words_in(self, args: list[str]) -> str:
        """A line of mdoc macros and words as the text it prints."""
        pieces: list[tuple[str, bool]] = []  # (text, glued to what comes before)
        closers: list[str] = []
        glue = False
        k = 0
        while k < len(args):
            word = args[k]
            k += 1
            if word == "Ns":
                glue = True
                continue
            glue = glue or not self.spacing and bool(pieces)
            if word == "Fl":
                flag = args[k] if k < len(args) and not _is_macro(args[k]) else ""
                k += 1 if flag else 0
                pieces.append(("-" + inline(flag), glue))
            elif word == "Xr" and k + 1 < len(args):
                pieces.append((f"{inline(args[k])}({args[k + 1]})", glue))
                k += 2
            elif word == "Nm" and (k >= len(args) or _is_macro(args[k])):
                pieces.append((self.name, glue))
            elif word in ("Op", "Oo") or word in _MDOC_QUOTES:
                opening, closing = ("[", "]") if word in ("Op", "Oo") else _MDOC_QUOTES[word]
                pieces.append((opening, glue))
                glue = True
                closers.append("" if word == "Oo" else closing)  # (".Oo" is closed by ".Oc")
                continue
            elif word == "Oc":
                pieces.append(("]", True))
            elif word in _MDOC_NAMES:
                pieces.append((_MDOC_NAMES[word], glue))
            elif word == "Nd":
                pieces.append(("—", glue))
            elif _is_macro(word):
                continue  # a macro that only sets a font (Ar, Cm, Pa...): its words follow
            else:
                text = inline(word)
                if text in _CLOSING and closers and all(a in _CLOSING for a in args[k:]):
                    # Punctuation ending the line goes after the brackets and quotes.
                    pieces.extend((c, True) for c in reversed(closers) if c)
                    closers = []
                pieces.append((text, glue or text in _CLOSING))
            glue = False
        for closing in reversed(closers):
            if closing:
                pieces.append((closing, True))
        out = ""
        for text, glued in pieces:
            out = out + text if glued or not out or out.endswith(("[", "(", "“", "‘")) else f"{out} {text}"
        return out


# The macros that may stand among a line's words (mdoc(7)'s "callable" ones).
_CALLABLE = frozenset(
    "Ac Ad An Ao Ap Aq Ar At Bc Bo Bq Brc Bro Brq Bsx Bx Cd Cm Dc Do Dq Dv Dx Ec Em Eo Er Ev Fa Fc Fl Fn Fo "
    "Fr Ft Fx Ic In Li Lk Ms Mt Nm No Ns Nx Oc Oo Op Ox Pa Pc Pf Po Pq Qc Ql Qo Qq Sc So Sq St Sx Sy Tn Ux "
    "Va Vt Xc Xo Xr".split()
)


def _is_macro(word: str) -> bool:
    """A callable mdoc macro's name among a line's words ("Ar", "Cm", "Pa"...)."""
    return word in _CALLABLE
