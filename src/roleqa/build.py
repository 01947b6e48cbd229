"""Corpus -> chunks -> embeddings -> index folder, and keeping that folder fresh."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from roleqa.chunking import CHUNKING_VERSION, MAX_WORDS, chunk_documents, section_texts, sentence_spans
from roleqa.config import Settings
from roleqa.embedding import Encoder, SentenceTransformerEncoder, default_model_path, model_fingerprint
from roleqa.errors import RoleqaError
from roleqa.index import (
    Index,
    IndexUnusable,
    Vectors,
    in_memory,
    leftovers,
    read_index,
    recover,
    write_index,
)
from roleqa.ingest import corpus_fingerprint, read_corpus
from roleqa.locking import BUILD_WAIT, SWAP_WAIT, locked, try_build_lock
from roleqa.onnx_encoder import EncoderUnavailable, OnnxEncoder, load_onnx_encoder

BATCH_SIZE = 16
Notify = Callable[[str], None]
# Called with the number of texts to embed; returns a per-batch advance callback.
Progress = Callable[[int], Callable[[int], None]]


@dataclass(frozen=True)
class Sources:
    """What an index is built from, with the fingerprints that identify it."""

    corpus_dir: Path
    model_dir: Path
    corpus_fingerprint: str
    model_fingerprint: str | None  # None when the model cannot be found: see model_problem
    docs: list
    warnings: list[str]
    model_problem: str | None = None


def resolve_sources(settings: Settings) -> Sources:
    """Read the corpus and locate the model named by `settings`.

    A missing model is not an error yet: a fresh index can still answer with
    its own exported copy of the model. Building needs the model.
    """
    docs, warnings = read_corpus(settings.corpus_dir)
    try:
        model_dir = settings.model_path or default_model_path()
        fingerprint, problem = model_fingerprint(model_dir), None
    except RoleqaError as e:
        model_dir, fingerprint, problem = settings.model_path or Path("."), None, str(e)
    return Sources(settings.corpus_dir, model_dir, corpus_fingerprint(docs), fingerprint, docs, warnings, problem)


def chunking_settings() -> dict:
    return {"version": CHUNKING_VERSION, "max_words": MAX_WORDS}


def stale_reason(manifest: dict, sources: Sources) -> str | None:
    """Why an index with this manifest must be rebuilt for `sources`, or None."""
    model = manifest.get("model", {}).get("fingerprint")
    if sources.model_fingerprint is not None and model != sources.model_fingerprint:
        return "the model changed"
    if manifest.get("corpus", {}).get("fingerprint") != sources.corpus_fingerprint:
        return "the corpus changed"
    if manifest.get("chunking") != chunking_settings():
        return "the chunking settings changed"
    return None


def build_index(
    sources: Sources,
    encoder: Encoder,
    dest: Path,
    progress: Progress | None = None,
    exporter: Callable[[Path], dict | None] | None = None,
    notify: Notify = lambda _: None,
) -> Index:
    """Chunk and embed the corpus and write the index folder at `dest`.

    `exporter`, if given, writes the query encoder into the new folder. When
    the folder cannot be written (read-only, disk full), the index is kept in
    memory for this process, with a notice.
    """
    passages = chunk_documents(sources.docs)
    if not passages:
        raise RoleqaError(f"the documents in {sources.corpus_dir} hold only headings; add some text")
    sections = section_texts(passages)
    unique = list(dict.fromkeys(sections))
    sentences = [p.text[a:b] for p in passages for a, b in sentence_spans(p.text)]
    texts = [p.embed_text for p in passages] + [p.heading_text for p in passages] + unique + sentences
    advance = progress(len(texts)) if progress else (lambda _n: None)
    batches = []
    for start in range(0, len(texts), BATCH_SIZE):
        batches.append(encoder.embed_batch(texts[start : start + BATCH_SIZE]))
        advance(len(batches[-1]))
    vectors = np.vstack(batches) if batches else np.zeros((0, 1), dtype=np.float32)
    manifest = {
        "model": {
            "name": sources.model_dir.name,
            "path": str(sources.model_dir),
            "fingerprint": sources.model_fingerprint,
        },
        "corpus": {
            "path": str(sources.corpus_dir),
            "fingerprint": sources.corpus_fingerprint,
            "documents": [d.name for d in sources.docs],
        },
        "chunking": chunking_settings(),
    }
    n, u = len(passages), len(unique)
    bundle = Vectors(
        passages=vectors[:n],
        headings=vectors[n : 2 * n],
        sections=vectors[2 * n : 2 * n + u][[unique.index(t) for t in sections]],
        sentences=vectors[2 * n + u :],
    )
    try:
        return write_index(dest, passages, bundle, manifest, exporter)
    except OSError as e:
        notify(
            f"cannot write the index to {dest} ({e.strerror or type(e).__name__}); answering from memory this "
            "time. Free some disk space or make the folder writable, or pass --index DIR"
        )
        return in_memory(passages, bundle, manifest, dest)


def onnx_exporter(reference: SentenceTransformerEncoder, notify: Notify) -> Callable[[Path], dict | None]:
    """Exports the reference model next to the index; a failure costs speed, not the build."""

    def export(folder: Path) -> dict | None:
        try:
            return reference.export_onnx(folder)
        except Exception as e:  # noqa: BLE001 - any export failure leaves the torch path working
            notify(f"could not export the fast query encoder ({type(e).__name__}: {e}); queries will be slower")
            return None

    return export


def exported_encoder(index: Index) -> OnnxEncoder:
    """The index's own exported encoder; raises EncoderUnavailable saying why not."""
    return load_onnx_encoder(index.path, index.manifest.get("encoder"), index.passage_vectors.d)


def query_encoder(index: Index, fallback: Encoder, notify: Notify) -> Encoder:
    """The index's exported encoder, or `fallback` (sentence-transformers) with a notice why."""
    try:
        return exported_encoder(index)
    except EncoderUnavailable as e:
        notify(f"the fast query encoder is unusable ({e}); using sentence-transformers. `roleqa build` repairs it")
        return fallback


def ensure_index(
    settings: Settings,
    encoder: Encoder | None = None,
    notify: Notify = lambda _: None,
    progress: Progress | None = None,
    force: bool = False,
) -> tuple[Index, Encoder]:
    """The index for `settings`, built first if missing, damaged or stale.

    Returns the index and the encoder to embed questions with: the same model
    the index was built with, as its torch-free export when that is usable.
    An `encoder` passed in is used for both and nothing is exported. Builds of
    one folder are serialized across processes; a reader waits only for the
    instant of a swap (locking.py).
    """
    sources = resolve_sources(settings)
    for warning in sources.warnings:
        notify(warning)
    dest = settings.index_path
    found = "a rebuild was asked for" if force else _load_fresh(dest, sources, encoder, notify)
    if not isinstance(found, str):
        _clear_leftovers(dest)
        return found
    if sources.model_problem:
        raise RoleqaError(sources.model_problem)
    with locked(dest, "build", exclusive=True, wait=BUILD_WAIT, notify=notify):
        recover(dest)
        if not force:  # another process may have built it while this one waited
            found = _load_fresh(dest, sources, encoder, notify)
            if not isinstance(found, str):
                return found
        notify(f"building the index in {dest} ({found})")
        reference = SentenceTransformerEncoder(sources.model_dir)
        exporter = None if encoder else onnx_exporter(reference, notify)
        built = build_index(sources, encoder or reference, dest, progress, exporter, notify)
        # Right after a build the reference model is loaded already: use it.
        return built, encoder or reference


def _load_fresh(dest: Path, sources: Sources, encoder: Encoder | None, notify: Notify) -> tuple[Index, Encoder] | str:
    """The index at `dest` and its query encoder if it is usable and fresh, else why not."""
    with locked(dest, "swap", exclusive=False, wait=SWAP_WAIT):
        try:
            index = read_index(dest)
        except IndexUnusable as e:
            return str(e)
        reason = stale_reason(index.manifest, sources)
        if reason:
            return reason
        if encoder:
            return index, encoder
        if sources.model_problem:
            try:
                fast = exported_encoder(index)
            except EncoderUnavailable:
                raise RoleqaError(sources.model_problem) from None
            notify(f"{sources.model_problem.split(';')[0]}; answering with the index's own copy of the model")
            return index, fast
        return index, query_encoder(index, SentenceTransformerEncoder(sources.model_dir), notify)


def _clear_leftovers(dest: Path) -> None:
    """Delete what killed builds left next to `dest`, if no build is running now."""
    if not leftovers(dest):
        return
    fd = try_build_lock(dest)
    if fd is not None:
        try:
            recover(dest)
        finally:
            os.close(fd)
