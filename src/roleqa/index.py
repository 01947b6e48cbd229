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
    sections.faiss    FAISS IndexFlatIP, row i = embedding of the whole
                      section passage i is in (`section_texts`)
    sentences.faiss   FAISS IndexFlatIP, one row per sentence of each passage
                      (`sentence_spans`), passage after passage: for highlights
    encoder.onnx      optional: the encoder exported for torch-free queries,
    tokenizer.json    with its tokenizer; described (with their sha256) in
                      the manifest's "encoder" entry, see onnx_encoder.py
    calibration.json  optional: the answer threshold fitted by
                      `roleqa eval --calibrate`, for this model

Vectors are L2-normalized, so FAISS's inner product is cosine similarity.
No pickle anywhere: JSON and FAISS's own format only.
"""

from __future__ import annotations

import ctypes
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
from roleqa.chunking import Passage, sentence_spans
from roleqa.errors import RoleqaError
from roleqa.locking import SWAP_WAIT, locked

FORMAT = "roleqa-index"
FORMAT_VERSION = 2
MANIFEST = "manifest.json"
PASSAGES = "passages.jsonl"
PASSAGE_VECTORS = "passages.faiss"
HEADING_VECTORS = "headings.faiss"
SECTION_VECTORS = "sections.faiss"
SENTENCE_VECTORS = "sentences.faiss"
# Written by `roleqa eval --calibrate`; kept across rebuilds with the same model.
CALIBRATION = "calibration.json"


class IndexUnusable(Exception):
    """The folder holds no usable index (missing, damaged, foreign); says why."""


@dataclass
class Vectors:
    """The embeddings an index stores, as L2-normalized float32 rows.

    passages, headings, sections: one row per passage, in passage order.
    sentences: one row per sentence (`chunking.sentence_spans`), passage after passage.
    """

    passages: np.ndarray
    headings: np.ndarray
    sections: np.ndarray
    sentences: np.ndarray


# Which file holds which kind of vector.
VECTOR_FILES = {
    "passages": PASSAGE_VECTORS,
    "headings": HEADING_VECTORS,
    "sections": SECTION_VECTORS,
    "sentences": SENTENCE_VECTORS,
}


@dataclass
class Index:
    """A loaded index: passages and their vectors (FAISS indexes, and the sentence rows as an array)."""

    path: Path
    manifest: dict
    passages: list[Passage]
    passage_vectors: faiss.Index
    heading_vectors: faiss.Index
    section_vectors: faiss.Index
    sentence_vectors: np.ndarray
    sentence_rows: list[range]  # passage i's sentences are rows sentence_rows[i] of sentence_vectors
    sentence_spans: list[list[tuple[int, int]]]  # and those sentences' offsets in passage i's text


def flat_index(vectors: np.ndarray, dimension: int) -> faiss.Index:
    """An exact inner-product index; on normalized rows that is cosine similarity."""
    index = faiss.IndexFlatIP(dimension)
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def sentence_layout(passages: list[Passage]) -> tuple[list[range], list[list[tuple[int, int]]]]:
    """Each passage's sentence spans, and the rows of their vectors among all sentence vectors."""
    spans = [sentence_spans(p.text) for p in passages]
    rows, start = [], 0
    for found in spans:
        rows.append(range(start, start + len(found)))
        start += len(found)
    return rows, spans


def write_index(
    dest: Path,
    passages: list[Passage],
    vectors: Vectors,
    manifest: dict,
    extras: Callable[[Path], dict | None] | None = None,
) -> Index:
    """Write the index folder at `dest`, replacing any previous index there.

    Files go to a temporary sibling folder that is renamed into place only when
    complete, so an interrupted build never leaves a half-written index.
    `extras`, if given, writes optional files into that folder (the exported
    encoder) and returns their manifest entry, stored as "encoder".
    """
    n = len(passages)
    if not len(vectors.passages) == len(vectors.headings) == len(vectors.sections) == n:
        raise ValueError("one passage, heading and section vector per passage expected")
    if len(vectors.sentences) != sum(len(r) for r in sentence_layout(passages)[0]):
        raise ValueError("one vector per sentence expected")
    dimension = int(vectors.passages.shape[1])
    _refuse_foreign(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.tmp-", dir=dest.parent))
    try:
        with (tmp / PASSAGES).open("w", encoding="utf-8") as f:
            for p in passages:
                f.write(json.dumps(p.to_dict(), ensure_ascii=False) + "\n")
        for kind, name in VECTOR_FILES.items():
            # Serialized here and written by Python, so a full disk is an OSError like any other.
            _write_bytes(tmp / name, faiss.serialize_index(flat_index(getattr(vectors, kind), dimension)).tobytes())
        encoder = extras(tmp) if extras else None
        manifest = {
            **manifest,
            "encoder": encoder,
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "roleqa_version": __version__,
            "dimension": dimension,
            "passages": n,
            "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "files": {name: sha256_file(tmp / name) for name in (PASSAGES, *VECTOR_FILES.values())},
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        if (dest / CALIBRATION).is_file():
            shutil.copy2(dest / CALIBRATION, tmp / CALIBRATION)
        # mkdtemp (and onnx) make private files; an index is as readable as any build output.
        os.chmod(tmp, 0o755)
        for path in tmp.iterdir():
            os.chmod(path, 0o644)
        _swap_into_place(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return read_index(dest)


def read_index(path: Path) -> Index:
    """Load and verify an index folder, or raise IndexUnusable saying why."""
    manifest = read_manifest(path)
    files = manifest.get("files")
    if not isinstance(files, dict) or set(files) != {PASSAGES, *VECTOR_FILES.values()}:
        raise IndexUnusable("its manifest does not list its files")
    for name, digest in files.items():
        if not (path / name).is_file():
            raise IndexUnusable(f"{name} is missing")
        if sha256_file(path / name) != digest:
            raise IndexUnusable(f"{name} does not match its checksum")
    try:
        lines = (path / PASSAGES).read_text(encoding="utf-8").splitlines()
        passages = [Passage.from_dict(json.loads(line)) for line in lines if line.strip()]
        pv, hv, sv, tv = (faiss.read_index(str(path / name)) for name in VECTOR_FILES.values())
    except (OSError, ValueError, TypeError, RuntimeError) as e:
        raise IndexUnusable(f"cannot read it ({type(e).__name__})") from None
    dim = manifest.get("dimension")
    rows, spans = sentence_layout(passages)
    if not pv.ntotal == hv.ntotal == sv.ntotal == len(passages) or not pv.d == hv.d == sv.d == tv.d == dim:
        raise IndexUnusable("its files disagree with each other")
    if tv.ntotal != (rows[-1].stop if rows else 0):
        raise IndexUnusable("its sentence vectors disagree with its passages")
    sentences = tv.reconstruct_n(0, tv.ntotal) if tv.ntotal else np.zeros((0, dim), dtype=np.float32)
    return Index(path, manifest, passages, pv, hv, sv, sentences, rows, spans)


def read_calibration(index: Index) -> dict | None:
    """The confidence curve and threshold `roleqa eval --calibrate` fitted for this index's model.

    A dict with float "slope", "offset" and "threshold", or None.
    """
    try:
        saved = json.loads((index.path / CALIBRATION).read_text(encoding="utf-8"))
        fitted = {key: float(saved[key]) for key in ("slope", "offset", "threshold")}
    except (OSError, ValueError, KeyError, TypeError):
        return None
    # Scores differ between models: a calibration fitted on another is meaningless.
    if saved.get("model_fingerprint") != index.manifest.get("model", {}).get("fingerprint"):
        return None
    return fitted if 0.0 <= fitted["threshold"] <= 1.0 and fitted["slope"] > 0 else None


def write_calibration(index: Index, fitted: dict, fitted_on: dict) -> Path:
    """Save a fitted calibration ({"slope", "offset", "threshold"}) next to the index."""
    path = index.path / CALIBRATION
    saved = {
        **fitted,
        "model_fingerprint": index.manifest.get("model", {}).get("fingerprint"),
        "fitted_on": fitted_on,
        "fitted_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(saved, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


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
    """Put the finished folder `tmp` at `dest` in one step, while no reader is loading `dest`.

    Where the kernel can exchange two paths atomically (Linux renameat2), `dest`
    is never missing; elsewhere the old folder is moved aside first, and
    `recover` puts it back if the process dies between the two renames.
    """
    with locked(dest, "swap", exclusive=True, wait=SWAP_WAIT):
        if not dest.exists():
            os.rename(tmp, dest)
            return
        if _exchange(tmp, dest):
            shutil.rmtree(tmp, ignore_errors=True)  # now holds the previous index
            return
        old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.old-", dir=dest.parent))
        os.rename(dest, old / "index")
        os.rename(tmp, dest)
    shutil.rmtree(old, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths with renameat2(RENAME_EXCHANGE); False where that is unavailable."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def leftovers(dest: Path) -> list[Path]:
    """Temporary folders of builds of `dest` that were killed before they finished."""
    if not dest.parent.is_dir():
        return []
    return sorted(dest.parent.glob(f".{dest.name}.tmp-*")) + sorted(dest.parent.glob(f".{dest.name}.old-*"))


def recover(dest: Path) -> None:
    """Under the build lock: put back an index moved aside by a swap that never finished,
    then delete what killed builds left behind."""
    for old in sorted(dest.parent.glob(f".{dest.name}.old-*")) if dest.parent.is_dir() else []:
        if not dest.exists() and (old / "index" / MANIFEST).is_file():
            os.rename(old / "index", dest)
    for path in leftovers(dest):
        shutil.rmtree(path, ignore_errors=True)


def in_memory(passages: list[Passage], vectors: Vectors, manifest: dict, path: Path) -> Index:
    """An index that lives only in this process: for when its folder cannot be written."""
    dimension = int(vectors.passages.shape[1])
    indexes = [flat_index(getattr(vectors, kind), dimension) for kind in ("passages", "headings", "sections")]
    manifest = {**manifest, "encoder": None, "dimension": dimension, "passages": len(passages)}
    sentences = np.ascontiguousarray(vectors.sentences, dtype=np.float32)
    return Index(path, manifest, passages, *indexes, sentences, *sentence_layout(passages))


def _write_bytes(path: Path, data: bytes) -> None:
    with path.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())  # on disk before the folder is swapped in


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
