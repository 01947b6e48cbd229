"""What an index is: passages, their vectors and their words, as the files of one version (store.py).

    passages.jsonl    one passage per line (chunking.Passage), in row order;
                      read only for the rows a question returns (offsets.npy)
    offsets.npy       byte offset of each line of passages.jsonl (and its end)
    layout.npz        one value per passage row: `parent` (its list's row, or
                      -1), `alone` (may stand alone as an answer), `heading`
                      and `section` (rows in headings.npy / sections.json),
                      `faq` (a FAQ entry), `about` (which of the corpus's
                      entities it is about, -1 for none)
    vectors.npy       the passage vectors (each passage's text under its
                      heading), searched exactly with NumPy: no FAISS import
                      on the answer path
    passages.faiss    instead of vectors.npy from HNSW_FROM passages on: a
                      FAISS HNSW index of the same vectors (approximate)
    headings.npy      one vector per distinct heading text (a FAQ question, or
                      a heading and an item's label), then one per alternate
                      question (alternates.py; the manifest says which)
    sections.npy      one vector per section: the normalised mean of its
                      passages' vectors (nothing is embedded twice)
    sections.json     each section's document and heading path, in row order
    bm25-*.npy        BM25 weights, passages x terms, by term (lexical.py)
    counts.npz        term counts, passages x terms: a rebuild reuses them
    vocabulary.txt    the terms, sorted, one per line (term i is column i)

Vectors are L2-normalised float32, so inner product is cosine similarity.
No pickle anywhere: JSON, NumPy's .npy/.npz and FAISS's own format.
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from roleqa import __version__
from roleqa.lexical import WEIGHT_FILES, Lexical, npy_bytes, npz_bytes
from roleqa.passage import Passage
from roleqa.store import Content, IndexUnusable, Version, Writer, reading

FILES = (
    "passages.jsonl",
    "offsets.npy",
    "layout.npz",
    "vectors.npy",
    "headings.npy",
    "sections.npy",
    "sections.json",
    *WEIGHT_FILES,
    "counts.npz",
    "vocabulary.txt",
)
# From HNSW_FROM passages on, the vectors live inside the approximate index instead.
HNSW_FILES = tuple("passages.faiss" if name == "vectors.npy" else name for name in FILES)
LAYOUT = ("parent", "alone", "heading", "section", "faq", "about")
# Above this many passages the dense search is approximate (HNSW): chosen by
# bench/scale.py, where exact search stops fitting the answer-time budget.
HNSW_FROM = 200_000
# Graph links per node, candidates kept while building and while searching: on 126,009 real passage
# vectors (a third of them unique), recall@10 against exact search went from 0.961 (32, 80, 128) to
# 0.994 (48, 200, 512), at 0.8 ms a question (bench/scale.py).
HNSW_NEIGHBOURS = 48
HNSW_BUILD = 200
HNSW_SEARCH = 512


@dataclass
class Built:
    """What a build hands to `save`: passages, their vectors, and one value per row for the layout."""

    passages: list[Passage]
    vectors: np.ndarray  # one row per passage
    heading_vectors: np.ndarray  # one row per distinct heading text
    section_vectors: np.ndarray  # one row per section
    sections: list[tuple[str, str]]  # (document, heading path) per section row
    layout: dict[str, np.ndarray]
    lexical: Lexical
    lines: list[bytes | None] | None = None  # passages.jsonl lines a rebuild kept as they were, by row


@dataclass
class Index:
    """A loaded index. Passage records are read from disk only for the rows asked for."""

    path: Path
    manifest: dict
    layout: dict[str, np.ndarray]
    # Exact search: the vectors, searched with one matrix product (inner product on
    # normalised rows is cosine). From HNSW_FROM passages: None, and `approximate` holds them.
    dense_vectors: np.ndarray | None
    approximate: object | None  # faiss.IndexHNSWFlat (faiss is imported only where it is needed)
    heading_vectors: np.ndarray
    section_vectors: np.ndarray
    sections: list[tuple[str, str]]
    lexical: Lexical
    _records: PassageRecords = field(repr=False, default=None)
    version_dir: Path | None = None  # the version folder it was read from (None: in memory)

    @property
    def model_fingerprint(self) -> str | None:
        return self.manifest.get("model", {}).get("fingerprint")

    @property
    def size(self) -> int:
        return len(self.layout["parent"])

    def passage(self, row: int) -> Passage:
        return self._records[row]

    def passage_line(self, row: int) -> bytes:
        """Passage `row` as stored in passages.jsonl."""
        return self._records.line(row)

    @property
    def passages(self) -> list[Passage]:
        """Every passage (reads them all: for rebuilds, tools and tests, not for answering)."""
        return self._records.all()

    def vectors(self, rows: np.ndarray | slice) -> np.ndarray:
        """The passage vectors of `rows` (for an exact index, a view: no copy)."""
        if self.dense_vectors is not None:
            return self.dense_vectors[rows]
        index = self.approximate
        wanted = np.arange(self.size)[rows]
        return np.vstack([index.reconstruct(int(r)) for r in wanted]) if len(wanted) else np.zeros((0, index.d))


class PassageRecords:
    """Passage records by row, read from passages.jsonl at their offsets and kept once read.

    The file stays open: a build may delete this version after the reader's
    lock is released, and an open file can still be read (POSIX).
    """

    def __init__(self, data: bytes | Path, offsets: np.ndarray) -> None:
        self.data = data if isinstance(data, bytes) else open(data, "rb")  # noqa: SIM115 - kept open, see above
        self.offsets = offsets
        self.cache: dict[int, Passage] = {}
        self.everything: list[Passage] | None = None
        self.lines: list[bytes] = []

    def __getitem__(self, row: int) -> Passage:
        row = int(row)
        if self.everything is not None:
            return self.everything[row]
        if row not in self.cache:
            start, stop = int(self.offsets[row]), int(self.offsets[row + 1])
            if isinstance(self.data, bytes):
                line = self.data[start:stop]
            else:
                line = os.pread(self.data.fileno(), stop - start, start)
            self.cache[row] = Passage.from_dict(json.loads(line))
        return self.cache[row]

    def all(self) -> list[Passage]:
        """Every record, read in one pass (one JSON parse of the whole file, not one per line)."""
        if self.everything is None:
            n = len(self.offsets) - 1
            if isinstance(self.data, bytes):
                data = self.data
            else:
                data = os.pread(self.data.fileno(), int(self.offsets[-1]), 0)
            self.lines = data.splitlines(keepends=True)
            rows = json.loads(b"[" + b",".join(self.lines) + b"]") if n else []
            if len(rows) != n:
                raise ValueError("passages.jsonl does not have one line per passage")
            self.everything = [self.cache.get(i) or Passage.from_dict(row) for i, row in enumerate(rows)]
        return self.everything

    def line(self, row: int) -> bytes:
        """The stored line of a record (for a rebuild that keeps it as it is)."""
        self.all()
        return self.lines[row]


def approximate_index(vectors: np.ndarray):
    """The HNSW index (inner product: cosine on normalised rows) a corpus of HNSW_FROM passages or more
    is searched with; None below that, where one matrix product is exact and fast enough."""
    if len(vectors) < HNSW_FROM:
        return None
    import faiss

    index = faiss.IndexHNSWFlat(vectors.shape[1], HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = HNSW_BUILD
    index.hnsw.efSearch = HNSW_SEARCH
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def _dense_files(vectors: np.ndarray) -> dict[str, bytes]:
    approximate = approximate_index(vectors)
    if approximate is None:
        return {"vectors.npy": npy_bytes(np.ascontiguousarray(vectors, dtype=np.float32))}
    import faiss

    return {"passages.faiss": faiss.serialize_index(approximate).tobytes()}


def save(writer: Writer, built: Built, manifest: dict) -> Index:
    """Write a build as the index folder's new live version; returns it loaded."""
    files = files_of(built)
    manifest = {
        **manifest,
        "roleqa_version": __version__,
        "dimension": int(built.vectors.shape[1]),
        "passages": len(built.passages),
        "dense_search": "hnsw" if len(built.passages) >= HNSW_FROM else "exact",
    }
    return load(writer.commit(files, manifest))


def files_of(built: Built) -> dict[str, Content]:
    n = len(built.passages)
    if not len(built.vectors) == n or any(len(built.layout[k]) != n for k in LAYOUT):
        raise ValueError("one vector and one layout value per passage expected")
    kept = built.lines or [None] * n
    lines = [
        line or (json.dumps(p.to_dict(), ensure_ascii=False) + "\n").encode() for p, line in zip(built.passages, kept)
    ]
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum([len(line) for line in lines], out=offsets[1:])
    return {
        "passages.jsonl": b"".join(lines),
        "offsets.npy": npy_bytes(offsets),
        "layout.npz": npz_bytes({k: built.layout[k] for k in LAYOUT}),
        **_dense_files(built.vectors),
        "headings.npy": npy_bytes(np.asarray(built.heading_vectors, dtype=np.float32)),
        "sections.npy": npy_bytes(np.asarray(built.section_vectors, dtype=np.float32)),
        "sections.json": json.dumps(built.sections, ensure_ascii=False).encode("utf-8"),
        **built.lexical.to_files(),
    }


def load(version: Version) -> Index:
    """The index in a verified version folder; raises IndexUnusable when its files disagree."""
    path, manifest = version.path, version.manifest
    hnsw = manifest.get("dense_search") == "hnsw"
    if set(manifest["files"]) != set(HNSW_FILES if hnsw else FILES):
        raise IndexUnusable("its manifest does not list its files")
    try:
        offsets = np.load(path / "offsets.npy")
        with np.load(path / "layout.npz") as z:
            layout = {k: z[k] for k in LAYOUT}
        # Memory-mapped: a version's files are never changed once written (a build writes a new
        # version), and mapping pages already in the page cache beat copying them into fresh memory:
        # 126,009 vectors mapped and searched in 0.02-0.03 s, against 0.07-0.4 s to np.load them.
        dense, approximate = None, None
        if hnsw:
            import faiss

            approximate = faiss.read_index(str(path / "passages.faiss"))
            approximate.hnsw.efSearch = HNSW_SEARCH
        else:
            dense = _mapped(path / "vectors.npy")
        headings = _mapped(path / "headings.npy")
        sections_v = _mapped(path / "sections.npy")
        sections = [tuple(s) for s in json.loads((path / "sections.json").read_text(encoding="utf-8"))]
        lexical = Lexical.from_files(
            len(offsets) - 1,
            lambda name: _mapped(path / name),
            str(path / "counts.npz"),
            (path / "vocabulary.txt").read_bytes(),
        )
    except Exception as e:  # noqa: BLE001 - whatever a damaged file makes a library raise
        version.verified()  # a damaged file says so, rather than how it failed to parse
        raise IndexUnusable(f"cannot read it ({type(e).__name__})") from None
    version.verified()
    n = len(offsets) - 1
    dim = manifest.get("dimension")
    rows, columns = dense.shape if dense is not None else (approximate.ntotal, approximate.d)
    if not (rows == n == lexical.n and all(len(layout[k]) == n for k in LAYOUT)):
        raise IndexUnusable("its files disagree with each other")
    if (
        columns != dim
        or headings.shape[1:] != (dim,)
        or sections_v.shape[1:] != (dim,)
        or len(sections_v) != len(sections)
    ):
        raise IndexUnusable("its files disagree with each other")
    records = PassageRecords(path / "passages.jsonl", offsets)
    return Index(
        version.folder, manifest, layout, dense, approximate, headings, sections_v, sections, lexical, records, path
    )


def _mapped(path: Path) -> np.ndarray:
    """A .npy file memory-mapped, as a plain array: indexing an np.memmap makes a memmap object
    each time (22,766 of them, 0.2 s, for 500 questions at 126,009 passages)."""
    return np.load(path, mmap_mode="r").view(np.ndarray)


def read_index(folder: Path) -> Index:
    """The live version of the index folder, loaded and verified; raises IndexUnusable saying why not."""
    with reading(folder) as version:
        return load(version)


def in_memory(built: Built, manifest: dict, path: Path) -> Index:
    """An index that lives only in this process: for when its folder cannot be written."""
    files = files_of(built)
    offsets = np.load(io.BytesIO(files["offsets.npy"]))
    return Index(
        path,
        {**manifest, "dimension": int(built.vectors.shape[1]), "passages": len(built.passages)},
        built.layout,
        *_dense_search(files),
        np.asarray(built.heading_vectors, dtype=np.float32),
        np.asarray(built.section_vectors, dtype=np.float32),
        built.sections,
        built.lexical,
        PassageRecords(files["passages.jsonl"], offsets),
    )


def _dense_search(files: dict[str, Content]) -> tuple[np.ndarray | None, object | None]:
    """(vectors, None) or (None, HNSW index), from the files `files_of` made."""
    if "vectors.npy" in files:
        return np.load(io.BytesIO(files["vectors.npy"])), None
    import faiss

    return None, faiss.deserialize_index(np.frombuffer(files["passages.faiss"], dtype=np.uint8))
