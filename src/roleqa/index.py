"""The saved index: a self-describing folder, written atomically.

    manifest.json     format and version, model and its fingerprint, dimension,
                      corpus and its fingerprint, chunking settings, roleqa
                      version, build time, sha256 of every other file
    passages.jsonl    one passage per line (id, document, title, section, kind,
                      text, question, context), in row order
    passages.faiss    FAISS IndexFlatIP, row i = embedding of passage i's
                      `embed_text` (heading, list lead-in and text)
    headings.faiss    FAISS IndexFlatIP, row i = embedding of passage i's
                      `heading_text` (its FAQ question, or heading and label)
    encoder.onnx      optional: the encoder exported for torch-free queries,
    tokenizer.json    with its tokenizer; described (with their sha256) in
                      the manifest's "encoder" entry, see onnx_encoder.py

Vectors are L2-normalized, so FAISS's inner product is cosine similarity.
No pickle anywhere: JSON and FAISS's own format only.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import faiss
import numpy as np

from roleqa import __version__
from roleqa.chunking import Passage
from roleqa.errors import RoleqaError

FORMAT = "roleqa-index"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
PASSAGES = "passages.jsonl"
PASSAGE_VECTORS = "passages.faiss"
HEADING_VECTORS = "headings.faiss"


class IndexUnusable(Exception):
    """The folder holds no usable index (missing, damaged, foreign); says why."""


@dataclass
class Index:
    """A loaded index: passages, their vectors, and their heading vectors."""

    path: Path
    manifest: dict
    passages: list[Passage]
    passage_vectors: faiss.Index
    heading_vectors: faiss.Index


def flat_index(vectors: np.ndarray, dimension: int) -> faiss.Index:
    """An exact inner-product index; on normalized rows that is cosine similarity."""
    index = faiss.IndexFlatIP(dimension)
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def write_index(
    dest: Path,
    passages: list[Passage],
    passage_vectors: np.ndarray,
    heading_vectors: np.ndarray,
    manifest: dict,
    extras: Callable[[Path], dict | None] | None = None,
) -> Index:
    """Write the index folder at `dest`, replacing any previous index there.

    Files go to a temporary sibling folder that is renamed into place only when
    complete, so an interrupted build never leaves a half-written index.
    `extras`, if given, writes optional files into that folder (the exported
    encoder) and returns their manifest entry, stored as "encoder".
    """
    if not len(passage_vectors) == len(heading_vectors) == len(passages):
        raise ValueError("one passage vector and one heading vector per passage expected")
    dimension = int(passage_vectors.shape[1])
    _refuse_foreign(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.tmp-", dir=dest.parent))
    try:
        with (tmp / PASSAGES).open("w", encoding="utf-8") as f:
            for p in passages:
                f.write(json.dumps(p.to_dict(), ensure_ascii=False) + "\n")
        faiss.write_index(flat_index(passage_vectors, dimension), str(tmp / PASSAGE_VECTORS))
        faiss.write_index(flat_index(heading_vectors, dimension), str(tmp / HEADING_VECTORS))
        encoder = extras(tmp) if extras else None
        manifest = {
            **manifest,
            "encoder": encoder,
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "roleqa_version": __version__,
            "dimension": dimension,
            "passages": len(passages),
            "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "files": {n: sha256_file(tmp / n) for n in (PASSAGES, PASSAGE_VECTORS, HEADING_VECTORS)},
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        _swap_into_place(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return read_index(dest)


def read_index(path: Path) -> Index:
    """Load and verify an index folder, or raise IndexUnusable saying why."""
    manifest = read_manifest(path)
    for name, digest in manifest.get("files", {}).items():
        if not (path / name).is_file():
            raise IndexUnusable(f"{name} is missing")
        if sha256_file(path / name) != digest:
            raise IndexUnusable(f"{name} does not match its checksum")
    try:
        lines = (path / PASSAGES).read_text(encoding="utf-8").splitlines()
        passages = [Passage(**json.loads(line)) for line in lines if line.strip()]
        pv = faiss.read_index(str(path / PASSAGE_VECTORS))
        hv = faiss.read_index(str(path / HEADING_VECTORS))
    except (OSError, ValueError, TypeError, RuntimeError) as e:
        raise IndexUnusable(f"cannot read it ({type(e).__name__})") from None
    dim = manifest.get("dimension")
    if not pv.ntotal == hv.ntotal == len(passages) or not pv.d == hv.d == dim:
        raise IndexUnusable("its files disagree with each other")
    return Index(path, manifest, passages, pv, hv)


def read_manifest(path: Path) -> dict:
    """The manifest of the index at `path`, checked for format and version."""
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexUnusable("there is no index yet") from None
    except (OSError, ValueError):
        raise IndexUnusable("its manifest is unreadable") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise IndexUnusable("its manifest is not a roleqa manifest")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexUnusable(f"it has format version {manifest.get('format_version')}, not {FORMAT_VERSION}")
    return manifest


def _refuse_foreign(dest: Path) -> None:
    """Never replace a folder that holds something other than a roleqa index."""
    if not dest.exists():
        return
    if not dest.is_dir():
        raise RoleqaError(f"index path {dest} is a file; pass --index with a folder path")
    entries = [e for e in dest.iterdir()]
    if entries and not (dest / MANIFEST).is_file():
        raise RoleqaError(f"{dest} is not empty and holds no roleqa index; pass --index with an empty or new folder")


def _swap_into_place(tmp: Path, dest: Path) -> None:
    if dest.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.old-", dir=dest.parent))
        os.rename(dest, old / "index")
        os.rename(tmp, dest)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(tmp, dest)


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
