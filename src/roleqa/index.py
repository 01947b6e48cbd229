"""What an index is: passages and their vectors, as the files of one version (see store.py).

    passages.jsonl    one passage per line (chunking.Passage), in row order
    passages.faiss    FAISS IndexFlatIP, row i = embedding of passage i's
                      `embed_text` (heading, list lead-in and text)
    headings.faiss    FAISS IndexFlatIP, row i = embedding of passage i's
                      `heading_text` (its FAQ question, or heading and label)
    sections.faiss    FAISS IndexFlatIP, row i = embedding of the whole
                      section passage i is in (`section_texts`)
    sentences.faiss   FAISS IndexFlatIP, one row per sentence of each passage
                      (`sentence_spans`), passage after passage: for highlights

Vectors are L2-normalized, so FAISS's inner product is cosine similarity.
No pickle anywhere: JSON and FAISS's own format only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from roleqa import __version__
from roleqa.chunking import Passage, sentence_spans
from roleqa.store import Content, IndexUnusable, Version, Writer, reading

PASSAGES = "passages.jsonl"
# Which file holds which kind of vector.
VECTOR_FILES = {
    "passages": "passages.faiss",
    "headings": "headings.faiss",
    "sections": "sections.faiss",
    "sentences": "sentences.faiss",
}


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


@dataclass
class Index:
    """A loaded index: passages and their vectors (FAISS indexes, and the sentence rows as an array).

    `path` is the index folder (where its calibration lives); `manifest` says
    what it was built from.
    """

    path: Path
    manifest: dict
    passages: list[Passage]
    passage_vectors: faiss.Index
    heading_vectors: faiss.Index
    section_vectors: faiss.Index
    sentence_vectors: np.ndarray
    sentence_rows: list[range]  # passage i's sentences are rows sentence_rows[i] of sentence_vectors
    sentence_spans: list[list[tuple[int, int]]]  # and those sentences' offsets in passage i's text

    @property
    def model_fingerprint(self) -> str | None:
        return self.manifest.get("model", {}).get("fingerprint")


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


def save(writer: Writer, passages: list[Passage], vectors: Vectors, manifest: dict) -> Index:
    """Write passages and vectors as the index folder's new live version; returns it loaded."""
    n = len(passages)
    if not len(vectors.passages) == len(vectors.headings) == len(vectors.sections) == n:
        raise ValueError("one passage, heading and section vector per passage expected")
    if len(vectors.sentences) != sum(len(r) for r in sentence_layout(passages)[0]):
        raise ValueError("one vector per sentence expected")
    dimension = int(vectors.passages.shape[1])
    rows = "".join(json.dumps(p.to_dict(), ensure_ascii=False) + "\n" for p in passages)
    files: dict[str, Content] = {PASSAGES: rows.encode("utf-8")}
    for kind, name in VECTOR_FILES.items():
        files[name] = faiss.serialize_index(flat_index(getattr(vectors, kind), dimension)).tobytes()
    manifest = {**manifest, "roleqa_version": __version__, "dimension": dimension, "passages": n}
    return load(writer.commit(files, manifest))


def load(version: Version) -> Index:
    """The index in a verified version folder; raises IndexUnusable when its files disagree."""
    path, manifest = version.path, version.manifest
    if set(manifest["files"]) != {PASSAGES, *VECTOR_FILES.values()}:
        raise IndexUnusable("its manifest does not list its files")
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
    return Index(version.folder, manifest, passages, pv, hv, sv, sentences, rows, spans)


def read_index(folder: Path) -> Index:
    """The live version of the index folder, loaded and verified; raises IndexUnusable saying why not."""
    with reading(folder) as version:
        return load(version)


def in_memory(passages: list[Passage], vectors: Vectors, manifest: dict, path: Path) -> Index:
    """An index that lives only in this process: for when its folder cannot be written."""
    dimension = int(vectors.passages.shape[1])
    indexes = [flat_index(getattr(vectors, kind), dimension) for kind in ("passages", "headings", "sections")]
    manifest = {**manifest, "dimension": dimension, "passages": len(passages)}
    sentences = np.ascontiguousarray(vectors.sentences, dtype=np.float32)
    return Index(path, manifest, passages, *indexes, sentences, *sentence_layout(passages))
