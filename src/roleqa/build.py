"""Corpus -> chunks -> embeddings -> index folder, and keeping that folder fresh."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from roleqa.chunking import CHUNKING_VERSION, MAX_WORDS, chunk_documents, section_texts, sentence_spans
from roleqa.config import Settings
from roleqa.embedding import Encoder, SentenceTransformerEncoder, default_model_path, model_fingerprint
from roleqa.errors import RoleqaError
from roleqa.index import Index, IndexUnusable, Vectors, read_index, write_index
from roleqa.ingest import corpus_fingerprint, read_corpus
from roleqa.onnx_encoder import FILES, EncoderUnavailable, load_onnx_encoder

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
    model_fingerprint: str
    docs: list
    warnings: list[str]


def resolve_sources(settings: Settings) -> Sources:
    """Read the corpus and locate the model named by `settings`."""
    docs, warnings = read_corpus(settings.corpus_dir)
    model_dir = settings.model_path or default_model_path()
    return Sources(
        settings.corpus_dir,
        model_dir,
        corpus_fingerprint(docs),
        model_fingerprint(model_dir),
        docs,
        warnings,
    )


def chunking_settings() -> dict:
    return {"version": CHUNKING_VERSION, "max_words": MAX_WORDS}


def stale_reason(manifest: dict, sources: Sources) -> str | None:
    """Why an index with this manifest must be rebuilt for `sources`, or None."""
    if manifest.get("model", {}).get("fingerprint") != sources.model_fingerprint:
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
) -> Index:
    """Chunk and embed the corpus and write the index folder at `dest`.

    `exporter`, if given, writes the query encoder into the new folder.
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
    return write_index(dest, passages, bundle, manifest, exporter)


def onnx_exporter(reference: SentenceTransformerEncoder, notify: Notify) -> Callable[[Path], dict | None]:
    """Exports the reference model next to the index; a failure costs speed, not the build."""

    def export(folder: Path) -> dict | None:
        try:
            return reference.export_onnx(folder)
        except Exception as e:  # noqa: BLE001 - any export failure leaves the torch path working
            for path in folder.glob("encoder.onnx*"):
                path.unlink()
            (folder / FILES[-1]).unlink(missing_ok=True)
            notify(f"could not export the fast query encoder ({type(e).__name__}: {e}); queries will be slower")
            return None

    return export


def query_encoder(index: Index, fallback: Encoder, notify: Notify) -> Encoder:
    """The index's exported encoder, or `fallback` (sentence-transformers) with a notice why."""
    try:
        return load_onnx_encoder(index.path, index.manifest.get("encoder"), index.passage_vectors.d)
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
    An `encoder` passed in is used for both and nothing is exported.
    """
    sources = resolve_sources(settings)
    for warning in sources.warnings:
        notify(warning)
    reference = SentenceTransformerEncoder(sources.model_dir)
    dest = settings.index_path
    reason = "a rebuild was asked for" if force else None
    if not force:
        try:
            index = read_index(dest)
            reason = stale_reason(index.manifest, sources)
            if reason is None:
                return index, encoder or query_encoder(index, reference, notify)
        except IndexUnusable as e:
            reason = str(e)
    notify(f"building the index in {dest} ({reason})")
    exporter = None if encoder else onnx_exporter(reference, notify)
    # Right after a build the reference model is loaded already: use it.
    return build_index(sources, encoder or reference, dest, progress, exporter), encoder or reference
