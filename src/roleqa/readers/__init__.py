"""Readers: a file of a known kind in, a `document.Document` out.

Each format is read by a well-kept parsing library, imported only when a
build reads a file of that kind:

    .md .markdown       markdown.py   markdown-it-py (CommonMark, with tables; MyST by its plugins)
    .rst, .rst.txt      rst.py        docutils (Sphinx's own sources included)
    .html .htm          html.py       Beautiful Soup (main content only)
    .pdf                pdf.py        pypdfium2 (PDFium: text with font sizes)
    .adoc .asciidoc     asciidoc.py   AsciiDoc's line rules (no well-kept Python library reads it)
    .info, .info-N      info.py       GNU info manuals: nodes, titles, tables of terms (texinfo's output)
    .1 ... .9, .3pm...  man.py        manual pages: roff in the man macros, or mdoc (mdoc.py)
    .txt                text.py       the conventions of plain text (no library parses them),
                                      also FAQ, README and the like without an extension
Each may be gzipped (Debian's "FAQ.gz"): ingest.py decompresses it.

A reader that cannot make sense of a file raises ReaderError with the reason;
the build skips that file with the reason and indexes the rest.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from importlib import import_module
from pathlib import PurePosixPath

from roleqa.document import Document

# Longest suffix first: a Sphinx source "x.rst.txt" is reStructuredText, not text.
KINDS = {
    ".rst.txt": "rst",
    ".md": "markdown",
    ".markdown": "markdown",
    ".rst": "rst",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".adoc": "asciidoc",
    ".asciidoc": "asciidoc",
    ".txt": "text",
}
# Formats read as text (UTF-8); the others are read from bytes by their library.
TEXT_KINDS = frozenset({"markdown", "rst", "asciidoc", "info", "man", "text"})
# A GNU info manual, or a part of one split in several files ("find.info-1").
_INFO = re.compile(r"\.info(?:-\d+)?$")
# A manual page: "ls.1", "ssh_config.5", "Carp.3perl", "openssl.1ssl" (a section digit, a short suffix).
_MAN = re.compile(r"\.[1-9][a-z]{0,6}$")
_ROFF = re.compile(r"^[.'](?:TH|SH|Dd|Dt|Sh|so|\\\")", re.M)
# Files named for what they are, not their format, are plain text: "FAQ", "README", and Debian's
# "README.Debian" or "README.source". Any kind may come gzipped, as Debian ships its docs ("FAQ.gz").
TEXT_NAMES = frozenset("readme faq install usage hacking tutorial guide manual notes howto troubleshooting".split())
GZIP = ".gz"


class ReaderError(Exception):
    """A file its reader cannot parse; the message says why."""


def kind_of(name: str) -> str | None:
    """The format of a file, from its name; None for a kind roleqa does not read."""
    lower = PurePosixPath(name).name.lower().removesuffix(GZIP)
    for suffix, kind in KINDS.items():
        if lower.endswith(suffix):
            return kind
    if _INFO.search(lower):
        return "info"
    if _MAN.search(lower):
        return "man"
    stem, dot, _ = lower.partition(".")
    if stem in TEXT_NAMES and (not dot or stem == "readme"):
        return "text"
    return None


def base_name(name: str) -> str:
    """A file's name without its folder, its ".gz" and its kind's suffix: "doc/FAQ.txt.gz" -> "FAQ"."""
    stem = PurePosixPath(name).name
    stem = stem[: -len(GZIP)] if stem.lower().endswith(GZIP) else stem
    for suffix in KINDS:
        if stem.lower().endswith(suffix):
            return stem[: -len(suffix)]
    return _MAN.sub("", _INFO.sub("", stem))


def default_title(name: str) -> str:
    """A title from the file name, for a document that has none: "notes/on-call_guide.md" -> "on call guide"."""
    return base_name(name).replace("-", " ").replace("_", " ")


def parse(name: str, kind: str, data: bytes | str, labels: Mapping[str, str] | None = None) -> Document:
    """The document in `data` (text for the text kinds, bytes for html and pdf); `labels`: the
    sections other reST files of the corpus label (Document.labels), for a reST file's references."""
    if kind == "man" and isinstance(data, str) and not _ROFF.search(data[:20_000]):
        kind = "text"  # named like a manual page ("notes.1"), but no roff in it
    if kind == "text" and isinstance(data, str):
        from roleqa.readers.asciidoc import looks_like_asciidoc

        kind = "asciidoc" if looks_like_asciidoc(data) else kind  # git's manuals, .txt up to 2.48
    reader = import_module(f"roleqa.readers.{kind}")
    try:
        return reader.read(name, data, labels) if labels and kind == "rst" else reader.read(name, data)
    except ReaderError:
        raise
    except Exception as e:  # noqa: BLE001 - a library's failure on one file must not stop the build
        raise ReaderError(f"{kind} reader failed ({type(e).__name__}: {str(e)[:80]})") from None
