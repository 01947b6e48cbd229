"""Corpus -> chunks -> embeddings -> a new index version, and keeping the index fresh.

This module decides what to embed; store.py owns the folder it is written to,
and index.py the files of a version. Texts already embedded in the live
version with the same model are reused, so a rebuild after a small edit
embeds only what changed.
"""

from __future__ import annotations

import hashlib
import os
import signal
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np

from roleqa import store
from roleqa.alternates import matched, pointed
from roleqa.assemble import assemble, subjects
from roleqa.chunking import chunk_document
from roleqa.config import GENERIC_CALIBRATION, Settings
from roleqa.embedding import Encoder, SentenceTransformerEncoder
from roleqa.errors import Interrupted, RoleqaError
from roleqa.index import Index, in_memory, load, read_index, save
from roleqa.ingest import parse_sources
from roleqa.onnx_encoder import EncoderUnavailable, encoder_folder, export_to_cache, load_onnx_encoder
from roleqa.passage import Passage
from roleqa.sources import (  # noqa: F401 - callers' names
    Sources,
    chunking_settings,
    recorded_weights,
    resolve_sources,
    stale_reason,
)

BATCH_SIZE = 64
_STARTER = ThreadPoolExecutor(max_workers=1)
Notify = Callable[[str], None]
# Called with the number of texts to embed; returns a per-batch advance callback.
Progress = Callable[[int], Callable[[int], None]]


def fault_injection(spec: str | None) -> store.Checkpoint:
    """For the crash tests only: `[SIGNAL@]STEP` makes the process send itself SIGNAL (KILL by
    default) when the build reaches STEP (a store.py step, or "embedding" after the first batch)."""
    if not spec:
        return lambda _step: None
    name, _, step = spec.rpartition("@")
    sig = getattr(signal, f"SIG{name or 'KILL'}")

    def checkpoint(reached: str) -> None:
        if reached == step:
            os.kill(os.getpid(), sig)

    return checkpoint


def build_index(
    sources: Sources,
    encoder: Encoder,
    writer: store.Writer,
    progress: Progress | None = None,
    notify: Notify = lambda _: None,
) -> Index:
    """Parse, chunk and embed the corpus and write it as the index's new version.

    Each passage's text (under its heading) and each distinct heading is
    embedded once; section vectors are made from the passages' vectors.
    Texts the live version embedded with the same model are not embedded
    again. When the folder cannot be written (read-only, disk full), the index
    is kept in memory for this process, with a notice.
    """
    embedded = _previous(writer, sources.model_fingerprint)  # its vectors are reused by text
    # Its passages and term counts only under the same chunking (they are derived by this code).
    previous = embedded if embedded is not None and embedded.manifest.get("chunking") == chunking_settings() else None
    passages, documents, links = _passages(sources, previous, notify)
    if not passages:
        raise RoleqaError(f"the documents in {sources.corpus_dir} hold no text to answer from; add some text")
    found, notices, _ = sources.alternates
    pointers, hidden = pointed(passages)
    alternates, alternate_rows, unknown = matched(found + pointers, [p.id for p in passages], sources.corpus_dir)
    for notice in notices + unknown:
        notify(notice)
    texts = [p.embed_text for p in passages] + [p.heading_text for p in passages] + [a.question for a in alternates]
    texts = list(dict.fromkeys(texts))
    known = _known_vectors(embedded)
    todo = [t for t in texts if t not in known]
    advance = progress(len(todo)) if progress and todo else (lambda _n: None)
    reused = len(known)
    for start in range(0, len(todo), BATCH_SIZE * 4):
        batch = todo[start : start + BATCH_SIZE * 4]
        known.update(zip(batch, encoder.embed_batch(batch)))
        advance(len(batch))
        writer.checkpoint("embedding")
    if todo and reused and len(known[todo[0]]) != len(next(iter(known.values()))):
        # Another encoder than the one recorded (a test's): nothing old can be reused.
        known = dict(zip(texts, encoder.embed_batch(texts)))
    built = assemble(passages, known, previous, sources.profile)
    # The alternates' vectors follow the headings' (answer.py matches questions to both).
    first = len(built.heading_vectors)
    built.heading_vectors = np.vstack([built.heading_vectors, *([known[a.question]] for a in alternates)])
    entries = [
        {"question": a.question, "row": row, "heading": first + i}
        for i, (a, row) in enumerate(zip(alternates, alternate_rows))
    ]
    manifest = {
        "model": {
            "name": sources.model_dir.name,
            "path": str(sources.model_dir),
            "fingerprint": sources.model_fingerprint,
        },
        "corpus": {
            "path": str(sources.corpus_dir),
            "fingerprint": sources.corpus_fingerprint,
            "stamp": sources.stamp,
            "documents": documents,
            "links": links,
            "warnings": sources.warnings,
        },
        "chunking": chunking_settings(),
        "profile": sources.profile.to_json(),
        "subjects": sorted(subjects(passages, sources.profile)),
        "alternatives": _alternatives(passages),
        "embedded": {"texts": len(todo), "reused": len(texts) - len(todo)},
        # `hidden`: FAQ entries that only point elsewhere; their questions are alternates of where they point.
        "alternates": {"digest": sources.alternates[2], "entries": entries, "hidden": hidden},
    }
    # The off-topic score moves with the corpus as a whole: a small edit keeps the previous one
    # (unless the ranking weights it was measured with changed).
    was = (previous.manifest.get("calibration") or {}) if previous is not None else {}
    before = was.get("bank") if recorded_weights(was) == sources.weights else None
    small_edit = before is not None and len(todo) <= max(10, len(texts) // 100)
    bank = before if small_edit else off_topic_score(in_memory(built, manifest, writer.folder), encoder)
    manifest["calibration"] = {"bank": bank, "weights": sources.weights}
    try:
        return save(writer, built, manifest)
    except OSError as e:
        notify(
            f"cannot write the index to {writer.folder} ({e.strerror or type(e).__name__}); answering from memory "
            "this time. Free some disk space or make the folder writable, or pass --index DIR"
        )
        return in_memory(built, manifest, writer.folder)


def off_topic_score(index: Index, encoder: Encoder) -> float:
    """How high a question about nothing in this corpus scores here: the median best ranking score
    of roleqa's bank of off-topic questions (data/offtopic.txt). Confidence is measured from it."""
    from roleqa.answer import Answerer

    lines = (Path(__file__).parent / "data" / "offtopic.txt").read_text(encoding="utf-8").splitlines()
    bank = [line for line in lines if line.strip() and not line.startswith("#")]
    answerer = Answerer(index, encoder, GENERIC_CALIBRATION)
    return round(float(np.median([r.hits[0].raw for r in answerer.ask_many(bank, 1, 1.0) if r.hits])), 4)


def _previous(writer: store.Writer, model: str | None) -> Index | None:
    """The live version, if a build can reuse what it holds: the same model.

    Its vectors are keyed by the exact text embedded, so they serve under any
    chunking; its passages are derived from the files by this code, so the
    caller keeps them only under the same chunking version.
    """
    version = writer.current()
    if version is None or version.manifest.get("model", {}).get("fingerprint") != model:
        return None
    try:
        return load(version)
    except store.IndexUnusable:
        return None


def _passages(
    sources: Sources, previous: Index | None, notify: Notify
) -> tuple[list[Passage], dict[str, str], dict[str, dict]]:
    """The passages of every document, in order, each document's content hash, and the reST labels
    and references of the documents that have them (the manifest's corpus "links").

    A document whose content the previous version already indexed keeps its
    passages; only new and changed files are parsed, and those that refer to a
    label of one of them (a :ref: shows the title of the section it names).
    """
    corpus = previous.manifest.get("corpus", {}) if previous is not None else {}
    before = corpus.get("documents", {})
    links_before = corpus.get("links") or {}
    digests = {s.name: hashlib.sha256(s.data).hexdigest() for s in sources.docs}
    changed = [s for s in sources.docs if not isinstance(before, dict) or before.get(s.name) != digests[s.name]]
    changed_names = {s.name for s in changed}
    kept: dict[str, list[Passage]] = {}
    if previous is not None and len(changed) < len(sources.docs):
        for p in previous.passages:
            kept.setdefault(p.document, []).append(p)
    labels = {
        label: title
        for name, link in links_before.items()
        if name in digests and name not in changed_names
        for label, title in link.get("labels", {}).items()
    }
    docs, skipped = parse_sources(changed, labels)
    if kept:
        # A kept document that refers to a label a changed one gives, or gave, is read again.
        moved = {label for name in changed_names for label in links_before.get(name, {}).get("labels", {})}
        moved |= {label for d in docs for label in d.labels}
        again = [
            s
            for s in sources.docs
            if s.name not in changed_names and moved & set(links_before.get(s.name, {}).get("references", []))
        ]
        if again:
            redone, more = parse_sources(again, labels | {label: t for d in docs for label, t in d.labels.items()})
            docs, skipped = docs + redone, skipped + more
            changed_names |= {d.name for d in redone}
    for warning in skipped:
        notify(warning)
    fresh = {d.name: chunk_document(d) for d in docs}
    links = {n: link for n, link in links_before.items() if n in digests and n not in changed_names}
    links |= {d.name: {"labels": d.labels, "references": sorted(d.references)} for d in docs if d.labels}
    passages: list[Passage] = []
    documents: dict[str, str] = {}
    for source in sources.docs:
        found = fresh.get(source.name) if source.name in changed_names else kept.get(source.name)
        if found is not None:
            passages.extend(found)
            documents[source.name] = digests[source.name]
    return passages, documents, {n: links[n] for n in documents if n in links}


def _known_vectors(previous: Index | None) -> dict[str, np.ndarray]:
    """Every text the previous version embedded, with its vector."""
    if previous is None:
        return {}
    passages = previous.passages
    known = dict(zip((p.embed_text for p in passages), previous.vectors(np.arange(previous.size))))
    heading_rows = previous.layout["heading"].tolist()
    known.update((p.heading_text, previous.heading_vectors[h]) for p, h in zip(passages, heading_rows))
    entries = (previous.manifest.get("alternates") or {}).get("entries", [])
    known.update((e["question"], previous.heading_vectors[e["heading"]]) for e in entries)
    return known


def build_encoder(sources: Sources, cache_dir: Path, notify: Notify) -> Encoder:
    """The encoder a build embeds with: the model's exported copy in the cache (exported now,
    once per model, if missing), else sentence-transformers itself."""
    assert sources.model_fingerprint is not None
    folder = encoder_folder(cache_dir, sources.model_fingerprint)
    try:
        return load_onnx_encoder(folder)
    except EncoderUnavailable as e:
        reference = SentenceTransformerEncoder(sources.model_dir)
        notify(f"exporting the model for fast embedding (once per model; {e})")
        try:
            export_to_cache(reference.load(), cache_dir, sources.model_fingerprint)
            return load_onnx_encoder(folder)
        except Exception as e:  # noqa: BLE001 - any export failure leaves the torch path working
            notify(f"could not export the model ({type(e).__name__}: {e}); embedding with sentence-transformers")
            return reference


def query_encoder(
    index: Index,
    sources: Sources,
    cache_dir: Path,
    notify: Notify,
    early: Future | None = None,
    prepack: bool = True,
) -> Encoder:
    """The encoder for questions: the cached export of the index's model, else sentence-transformers.
    `early`: that export already being loaded, for the model `sources` names. `prepack`: see
    onnx_encoder.load_onnx_encoder."""
    fingerprint = index.model_fingerprint or ""
    dimension = index.manifest.get("dimension")
    try:
        if early is not None and fingerprint == sources.model_fingerprint:
            encoder = early.result()
            if dimension is not None and encoder.dimension != dimension:
                raise EncoderUnavailable("its output dimension differs from the index")
            return encoder
        return load_onnx_encoder(encoder_folder(cache_dir, fingerprint), dimension, prepack=prepack)
    except EncoderUnavailable as e:
        if sources.model_problem:
            raise RoleqaError(sources.model_problem) from None
        notify(f"the fast query encoder is unusable ({e}); using sentence-transformers. `roleqa build` repairs it")
        return SentenceTransformerEncoder(sources.model_dir)


def _alternatives(passages: list[Passage]) -> list[list[str]]:
    # Imported here: only a build needs it, and a one-shot `ask` would pay 7 ms to import it.
    from roleqa.followup import sibling_alternatives

    return sibling_alternatives([p.section for p in passages])


def ensure_index(
    settings: Settings,
    encoder: Encoder | None = None,
    notify: Notify = lambda _: None,
    progress: Progress | None = None,
    force: bool = False,
    status: Notify = lambda _: None,
    one_shot: bool = False,
) -> tuple[Index, Encoder]:
    """The index for `settings`, built first if missing, damaged or stale.

    Returns the index and the encoder to embed questions with: the same model
    the index was built with, as its torch-free export when that is usable.
    An `encoder` passed in is used for both. `status` hears what a build is
    doing before its progress bar starts. `one_shot`: the encoder will embed a few questions
    and exit, so it starts without prepacking its weights (onnx_encoder.py). Builds of one folder are
    serialized across processes; a reader waits only for the instant of a
    switch (store.py).
    """
    dest = settings.index_path
    store.check_owned(dest)  # before reading or embedding anything
    sources = resolve_sources(settings)
    cache = settings.cache_dir
    early = None
    if encoder is None and sources.model_fingerprint is not None:
        # Starting ONNX Runtime takes as long as reading a large index, and mostly without
        # holding the GIL: the two at once (bench/scale.py). A rebuild embeds with it too.
        folder = encoder_folder(cache, sources.model_fingerprint)
        early = _STARTER.submit(load_onnx_encoder, folder, prepack=not one_shot)
    found = "a rebuild was asked for" if force else _load_fresh(dest, sources, encoder, cache, notify, early, one_shot)
    if not isinstance(found, str):
        for warning in sources.skipped(found[0].manifest):
            notify(warning)
        store.clear_leftovers(dest)
        return found
    for warning in sources.warnings:
        notify(warning)
    if sources.model_problem:
        raise RoleqaError(sources.model_problem)
    checkpoint = fault_injection(settings.test_fault)
    before = store.live_version(dest)
    try:
        with store.writing(dest, sources.mode, checkpoint, notify) as writer:
            if not force:  # another process may have built it while this one waited
                found = _load_fresh(dest, sources, encoder, cache, notify, early, one_shot)
                if not isinstance(found, str):
                    return found
            notify(f"building the index in {dest} ({found})")
            if encoder is None:
                status("loading the model ...")
                # The early start, unless it skipped prepacking for a one-shot question: a build embeds much.
                started = None if one_shot else _started(early)
                encoder = started or build_encoder(sources, settings.cache_dir, notify)
            return build_index(sources, encoder, writer, progress, notify), encoder
    except KeyboardInterrupt:
        if store.live_version(dest) != before:
            raise Interrupted(f"interrupted after the new index was in place in {dest}") from None
        kept = "the previous index is unchanged" if before else "no index was written"
        raise Interrupted(f"the build was interrupted; {kept} ({dest})") from None


def _started(early: Future | None) -> Encoder | None:
    """The encoder started early, if it started (else the build loads or exports one)."""
    try:
        return early.result() if early is not None else None
    except EncoderUnavailable:
        return None


def _load_fresh(
    dest: Path,
    sources: Sources,
    encoder: Encoder | None,
    cache_dir: Path,
    notify: Notify,
    early: Future | None = None,
    one_shot: bool = False,
) -> tuple[Index, Encoder] | str:
    """The index at `dest` and its query encoder if it is usable and fresh, else why not.
    `early`: the encoder for `sources`' model, being started."""
    try:
        index = read_index(dest)
    except store.IndexUnusable as e:
        return str(e)
    seen = store.noted_stamp(index.version_dir)
    reason = stale_reason(index.manifest, sources, seen)
    if reason:
        return reason
    if index.version_dir and sources.stamp and sources.stamp not in (seen, index.manifest["corpus"].get("stamp")):
        # Fresh by content, and no file is racy any more: later commands need not read the files.
        store.note_stamp(index.version_dir, sources.stamp)
    if encoder:
        return index, encoder
    fast = query_encoder(index, sources, cache_dir, notify, early, prepack=not one_shot)
    if sources.model_problem:
        notify(f"{sources.model_problem.split(';')[0]}; answering with the cached copy of the model")
    return index, fast
