"""Read a corpus folder: every .md and .txt file in it, as text documents."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from roleqa.errors import RoleqaError

SUFFIXES = (".md", ".markdown", ".txt")
# A bigger file is skipped: embedding it would take many minutes on a laptop,
# and a note that size is almost always an export or a log, not prose.
MAX_DOCUMENT_BYTES = 2_000_000


@dataclass(frozen=True)
class Document:
    """One corpus file: its path relative to the corpus folder, and its text."""

    name: str
    text: str


def read_corpus(corpus_dir: Path) -> tuple[list[Document], list[str]]:
    """Documents of `corpus_dir` (sorted by name) and one warning per skipped file.

    Hidden files and folders are ignored, and symlinked folders are not
    followed (no loops); unreadable, binary, non-UTF-8, empty or oversized
    files are skipped with a warning instead of stopping the build.
    """
    if not corpus_dir.is_dir():
        raise RoleqaError(f"corpus folder {corpus_dir} does not exist; pass --corpus DIR with your .md/.txt files")
    docs: list[Document] = []
    warnings: list[str] = []
    for root, dirs, files in os.walk(corpus_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for fname in sorted(files):
            if fname.startswith(".") or not fname.lower().endswith(SUFFIXES):
                continue
            path = Path(root) / fname
            name = path.relative_to(corpus_dir).as_posix()
            try:
                size = path.stat().st_size
                if size > MAX_DOCUMENT_BYTES:
                    limit = MAX_DOCUMENT_BYTES / 1e6
                    warnings.append(f"skipped {name}: {size / 1e6:.1f} MB, over the {limit:.0f} MB limit")
                    continue
                data = path.read_bytes()
            except OSError as e:
                warnings.append(f"skipped {name}: cannot read it ({e.strerror})")
                continue
            if b"\x00" in data:
                warnings.append(f"skipped {name}: looks binary")
                continue
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                warnings.append(f"skipped {name}: not UTF-8 text")
                continue
            if text.strip():
                docs.append(Document(name, text))
            else:
                warnings.append(f"skipped {name}: empty")
    if not docs:
        raise RoleqaError(f"no .md or .txt documents with text in {corpus_dir}; add some or pass another --corpus")
    docs.sort(key=lambda d: d.name)
    return docs, warnings


def corpus_fingerprint(docs: list[Document]) -> str:
    """A hash of every document's name and text: it changes when the corpus does."""
    h = hashlib.sha256()
    for doc in docs:
        h.update(doc.name.encode() + b"\0" + doc.text.encode() + b"\0")
    return h.hexdigest()
