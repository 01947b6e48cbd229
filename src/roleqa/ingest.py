"""Read a corpus folder: every file of a kind roleqa reads, then each parsed by its reader.

Every command checks whether the index is fresh: by the files' names, sizes and
times first (corpus_stamp), by their contents when those differ. Parsing them
(readers/) happens only when an index is built.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import re
import time
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from roleqa.alternates import FILE as ALTERNATES_FILE
from roleqa.document import Document
from roleqa.errors import RoleqaError
from roleqa.profile import FILE as PROFILE_FILE
from roleqa.readers import GZIP, TEXT_KINDS, ReaderError, kind_of, parse

# A bigger file is skipped: embedding it would take many minutes on a laptop,
# and a note that size is almost always an export or a log, not prose.
MAX_DOCUMENT_BYTES = 2_000_000
# A corpus with a file modified this recently is checked by content, not by its files' times.
RACY_SECONDS = 2.0
_SPHINX_GENERATED = re.compile(r"^(search|genindex(-\w+)?|\w*-?modindex)\.html$")
FORMATS = (
    ".md, .markdown, .rst, .html, .htm, .pdf, .adoc, .asciidoc, .info, manual pages (.1 to .9), .txt, "
    "README and FAQ files, each also gzipped (.gz)"
)


@dataclass(frozen=True)
class Source:
    """One corpus file: its path relative to the corpus folder, its format and its content."""

    name: str
    kind: str
    data: bytes


def _walk(corpus_dir: Path) -> Iterator[tuple[str, str | None, str]]:
    """(name relative to the folder, reader kind or None, path) of each file, in name order;
    hidden files and folders, the corpus profile and its alternates left out, symlinked folders not followed."""
    top = str(corpus_dir)
    for root, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        # Names built as strings: pathlib per file cost a tenth of a second at 1,500 files.
        prefix = "" if root == top else os.path.relpath(root, top).replace(os.sep, "/") + "/"
        for fname in sorted(files):
            if fname.startswith(".") or (not prefix and fname in (PROFILE_FILE, ALTERNATES_FILE)):
                continue  # hidden, the corpus profile (profile.py) or its alternates: not documents
            yield prefix + fname, kind_of(fname), os.path.join(root, fname)


def _documents(corpus_dir: Path) -> tuple[list[tuple[str, str | None, str]], int]:
    """`_walk`'s files less what a Sphinx build folder holds twice or generates (`sphinx_extras`),
    and how many those were."""
    found = list(_walk(corpus_dir))
    extra = sphinx_extras([name for name, _, _ in found])
    return [f for f in found if f[0] not in extra], len(extra)


def sphinx_extras(names: list[str]) -> set[str]:
    """In a Sphinx build (a folder with `_sources/` beside its .html pages): each page's source,
    `_sources/howto/regex.rst.txt` beside `howto/regex.html` (the same text twice; the page has
    what autodoc generated too), and the pages Sphinx generates, search.html, genindex*.html and
    *modindex.html (links, no prose)."""
    found = set(names)
    extra: set[str] = set()
    roots: set[str] = set()
    for name in names:
        root, mark, rest = name.rpartition("_sources/")
        if mark and (not root or root.endswith("/")):
            page = root + rest.removesuffix(".txt").rsplit(".", 1)[0] + ".html"
            if page in found:
                extra.add(name)
                roots.add(root)
    for name in names:
        root, _, page = name.rpartition("/")
        if (root + "/" if root else "") in roots and _SPHINX_GENERATED.match(page):
            extra.add(name)
    return extra


def read_corpus(corpus_dir: Path) -> tuple[list[Source], list[str]]:
    """Files of `corpus_dir` that roleqa reads (sorted by name), and one warning per file skipped.

    Hidden files and folders are ignored, and symlinked folders are not
    followed (no loops); unreadable, binary, non-UTF-8, empty or oversized
    files are skipped with a warning instead of stopping the build, and files
    of other kinds with one line for all of them.
    """
    if not corpus_dir.is_dir():
        raise RoleqaError(f"corpus folder {corpus_dir} does not exist; pass --corpus DIR with your documents")
    sources: list[Source] = []
    warnings: list[str] = []
    other: dict[str, int] = {}
    found, twice = _documents(corpus_dir)
    for name, kind, where in found:
        path = Path(where)
        if kind is None:
            suffix = path.suffix.lower() or "(no suffix)"
            other[suffix] = other.get(suffix, 0) + 1
            continue
        problem, data = _load(path, kind)
        if problem:
            warnings.append(f"skipped {name}: {problem}")
        else:
            sources.append(Source(name, kind, data))
    if twice:
        warnings.append(f"skipped {twice} files of a Sphinx build: its pages' sources (_sources/), its indexes")
    if other:
        kinds = ", ".join(f"{n} {s}" for s, n in sorted(other.items()))
        warnings.append(f"skipped files of kinds roleqa does not read ({kinds}); it reads {FORMATS}")
    if not sources:
        raise RoleqaError(f"no documents with text in {corpus_dir} ({FORMATS}); add some or pass another --corpus")
    sources.sort(key=lambda s: s.name)
    return sources, warnings


def corpus_stamp(corpus_dir: Path, now: float | None = None) -> str | None:
    """A hash of the name, size and modification time of every file roleqa would read: when it
    matches the index's, the corpus is unchanged without reading a byte of it (as make and git
    decide). None when a file changed in the last RACY_SECONDS: file times move in clock ticks,
    so a second edit that soon, of the same size, could leave the stamp as it was."""
    now = time.time() if now is None else now
    h = hashlib.sha256()
    try:
        for name, kind, path in _documents(corpus_dir)[0]:
            if kind is None:
                continue
            st = os.stat(path)
            if st.st_mtime > now - RACY_SECONDS:
                return None
            h.update(f"{name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    except OSError:
        return None  # unreadable or vanishing files: the contents decide
    return h.hexdigest()


def _load(path: Path, kind: str) -> tuple[str | None, bytes]:
    """The file's bytes, or why it is skipped."""
    try:
        size = path.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            return f"{size / 1e6:.1f} MB, over the {MAX_DOCUMENT_BYTES / 1e6:.0f} MB limit", b""
        data = path.read_bytes()
    except OSError as e:
        return f"cannot read it ({e.strerror})", b""
    if path.name.lower().endswith(GZIP):
        try:  # read no further than the limit: a small file can hold gigabytes of zeros
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as unzipped:
                data = unzipped.read(MAX_DOCUMENT_BYTES + 1)
        except (OSError, EOFError, zlib.error) as e:
            return f"cannot decompress it ({str(e)[:60]})", b""
        if len(data) > MAX_DOCUMENT_BYTES:
            return f"over the {MAX_DOCUMENT_BYTES / 1e6:.0f} MB limit once decompressed", b""
    if not data.strip():
        return "empty", b""
    if kind == "pdf":
        return (None, data) if data.lstrip()[:5] == b"%PDF-" else ("not a PDF file", b"")
    if b"\x00" in data and kind != "info":  # (info marks its index entries with NUL bytes: info.py)
        return "looks binary", b""
    if kind in TEXT_KINDS:
        try:
            data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return "not UTF-8 text", b""
    return None, data


def parse_sources(sources: list[Source], labels: Mapping[str, str] | None = None) -> tuple[list[Document], list[str]]:
    """Each source parsed by its reader; a file its reader cannot parse is skipped with the reason.
    `labels`: the section labels of the corpus's other reST files (Document.labels)."""
    known = dict(labels or {})
    warnings: list[str] = []
    parsed: list[tuple[Source, Document]] = []
    for source in sources:
        try:
            parsed.append((source, parse(source.name, source.kind, _decoded(source), known or None)))
        except ReaderError as e:
            warnings.append(f"skipped {source.name}: {e}")
    # A reST reference to a section of another file (Sphinx's :ref:) shows that section's title: a
    # file that refers to one of these files' labels is read again with them (most files have none).
    new = {label: title for _, doc in parsed for label, title in doc.labels.items() if label not in known}
    docs: list[Document] = []
    for source, doc in parsed:
        if doc.references & new.keys():
            try:
                doc = parse(source.name, source.kind, _decoded(source), known | new)
            except ReaderError:
                pass  # read once already: the first reading stands
        docs.append(doc)
    return docs, warnings


def _decoded(source: Source) -> bytes | str:
    return source.data.decode("utf-8-sig") if source.kind in TEXT_KINDS else source.data


def corpus_fingerprint(sources: list[Source]) -> str:
    """A hash of every file's name and content: it changes when the corpus does."""
    h = hashlib.sha256()
    for source in sources:
        h.update(source.name.encode() + b"\0" + hashlib.sha256(source.data).digest())
    return h.hexdigest()
