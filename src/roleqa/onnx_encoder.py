"""The light query engine: the same encoder exported to ONNX, run without torch.

The first `roleqa build` with a model exports it (transformer, mean pooling
and L2 normalization, all inside one ONNX graph), with the exact tokenizer
sentence-transformers uses, into the user's cache: `encoders/<fingerprint>/`,
one copy per model, shared by every index built with it. Builds and queries
then need only ONNX Runtime and `tokenizers`: about 0.2 s to start instead of
seconds for torch, and the same vectors (cosine >= 0.99999, tested).

    encoder.onnx        the graph
    encoder.onnx.data   its weights, as external data (mapped, not copied)
    tokenizer.json      the tokenizer, saved from the one sentence-transformers used
    encoder.json        what the export was: sha256 of the three files, max_seq_length,
                        padding, normalized, opset, torch version, model fingerprint, and
                        the onnxruntime version that optimized the graph at export (a
                        session of that version then starts without optimizing it again)

When the copy is missing, damaged or onnxruntime is not installed,
`load_onnx_encoder` raises EncoderUnavailable and the caller falls back to
sentence-transformers (and a build exports it again).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from roleqa.checksums import mismatch, sha256_file

ENCODER_FILE = "encoder.onnx"
WEIGHTS_FILE = "encoder.onnx.data"
TOKENIZER_FILE = "tokenizer.json"
ENTRY_FILE = "encoder.json"
FILES = (ENCODER_FILE, WEIGHTS_FILE, TOKENIZER_FILE)
TRACED_FILE = f"{ENCODER_FILE}.tmp"  # the exporter's single-file output, before the weights are split off
OPSET = 17
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# Texts up to SHORT_TOKENS tokens (questions, mostly) are embedded SHORT_BATCH at a time.
SHORT_TOKENS = 32
SHORT_BATCH = 32


class EncoderUnavailable(Exception):
    """The exported encoder cannot be used; says why."""


def encoder_folder(cache_dir: Path, model_fingerprint: str) -> Path:
    """Where the exported copy of the model with this fingerprint lives."""
    return cache_dir / "encoders" / model_fingerprint[:32]


def export_to_cache(model, cache_dir: Path, model_fingerprint: str) -> Path:
    """Export a loaded SentenceTransformer into the cache, once per model; returns its folder.

    Written into a temporary folder and renamed into place, so a killed export
    leaves no half copy. A copy already there (damaged, or finished meanwhile by
    another process) is replaced.
    """
    dest = encoder_folder(cache_dir, model_fingerprint)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".export-", dir=dest.parent))
    try:
        entry = _export(model, tmp) | {"model_fingerprint": model_fingerprint}
        (tmp / ENTRY_FILE).write_text(json.dumps(entry, indent=2) + "\n", encoding="utf-8")
        os.chmod(tmp, 0o755)
        for path in tmp.iterdir():
            os.chmod(path, 0o644)  # onnx and mkdtemp make private files; a model copy is not private
        try:
            os.rename(tmp, dest)
        except OSError:
            shutil.rmtree(dest, ignore_errors=True)
            os.rename(tmp, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def _export(model, dest: Path) -> dict:
    import torch

    modules = [type(m).__name__ for m in model]
    pooling = model[1] if len(model) > 1 else None
    # sentence-transformers 3-5 spell mean pooling as a flag, 6 as a mode name.
    mean = getattr(pooling, "pooling_mode", None) == "mean" or getattr(pooling, "pooling_mode_mean_tokens", False)
    if modules[:2] != ["Transformer", "Pooling"] or mean is not True:
        raise EncoderUnavailable(f"only mean-pooled models are exported, this one is {' + '.join(modules)}")
    normalize = "Normalize" in modules

    class Pooled(torch.nn.Module):
        # The pooling is the same arithmetic as sentence-transformers' Pooling
        # (mean over real tokens) and Normalize, so it runs inside the graph.
        def __init__(self, transformer: torch.nn.Module) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids, attention_mask, token_type_ids):
            tokens = self.transformer(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )[0]
            mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
            mean = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2, dim=1) if normalize else mean

    wrapped = Pooled(model[0].auto_model).eval()
    sample = torch.ones(2, 8, dtype=torch.long)
    axes = {name: {0: "batch", 1: "tokens"} for name in INPUTS}
    traced = dest / TRACED_FILE
    with torch.no_grad(), warnings.catch_warnings():
        # The tracer warns about Python branches on shapes in the model code;
        # the parity test (tests/test_onnx.py) is what shows the graph is right.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            wrapped,
            (sample, sample, torch.zeros_like(sample)),
            str(traced),
            input_names=list(INPUTS),
            output_names=["embedding"],
            dynamic_axes={**axes, "embedding": {0: "batch"}},
            opset_version=OPSET,
            dynamo=False,  # the TorchScript exporter: one self-contained file, no onnxscript
        )
    import onnx

    # Weights in a file of their own: ONNX Runtime then maps them instead of
    # parsing and copying 90 MB of protobuf, which halves start-up and memory.
    graph = onnx.load(str(traced))
    onnx.save_model(graph, str(dest / ENCODER_FILE), save_as_external_data=True, location=WEIGHTS_FILE)
    traced.unlink()
    optimized = _optimize(dest)
    tokenizer = model.tokenizer
    # The tokenizer object sentence-transformers itself uses, so any override
    # from tokenizer_config.json is kept; truncation and padding are set at load.
    tokenizer.backend_tokenizer.save(str(dest / TOKENIZER_FILE))
    return {
        "files": {name: sha256_file(dest / name) for name in FILES},
        "max_seq_length": int(model.max_seq_length),
        "pad_token": tokenizer.pad_token,
        "pad_id": int(tokenizer.pad_token_id),
        "normalized": normalize,
        "opset": OPSET,
        "torch": torch.__version__,
        "optimized_by": optimized,
    }


def _optimize(dest: Path) -> str | None:
    """Replace the exported graph by ONNX Runtime's optimization of it (the fusions that hold on
    any CPU: ORT_ENABLE_EXTENDED), so that loading it needs no optimizing: 0.02-0.03 s to start a
    session instead of 0.11-0.15, the same vectors, as fast. Returns the onnxruntime version that
    did it, or None (the graph as exported is kept) if it could not."""
    out = dest / "optimized"
    try:
        import onnxruntime as ort

        out.mkdir()
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
        options.optimized_model_filepath = str(out / ENCODER_FILE)
        options.add_session_config_entry("session.optimized_model_external_initializers_file_name", WEIGHTS_FILE)
        ort.InferenceSession(str(dest / ENCODER_FILE), options, providers=["CPUExecutionProvider"])
        for name in (ENCODER_FILE, WEIGHTS_FILE):
            os.replace(out / name, dest / name)
        return str(ort.__version__)
    except Exception:  # noqa: BLE001 - an unoptimized graph is still a working one
        return None
    finally:
        shutil.rmtree(out, ignore_errors=True)


def _session(ort, folder: Path, entry: dict, threads: int, prepack: bool, starting: threading.Event):
    """The ONNX Runtime session for the encoder in `folder`; `starting` is set as it is about to load."""
    try:
        options = ort.SessionOptions()
        if entry.get("optimized_by") == ort.__version__:
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL  # done at export
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Idle threads sleep instead of spinning: a spinning thread holds a core for a while
        # after each run, and NumPy's matrix products that follow (and their own threads)
        # wait for it. Batch answering at 126,009 passages: 5.2-5.6 s -> 4.6-4.8 s for 500
        # questions; one question alone embeds 0.4 ms slower.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        if not prepack:
            options.add_session_config_entry("session.disable_prepacking", "1")
    finally:
        starting.set()
    return ort.InferenceSession(str(folder / ENCODER_FILE), options, providers=["CPUExecutionProvider"])


class OnnxEncoder:
    """Embeds texts with an exported encoder: ONNX Runtime plus `tokenizers`, no torch."""

    def __init__(
        self, session, tokenizer, dimension: int, normalized: bool, batch_size: int = 8, pad_id: int = 0
    ) -> None:
        self.session = session
        self.tokenizer = tokenizer  # truncating, not padding: embed_batch pads each batch
        self.dimension = dimension
        self.normalized = normalized
        self.batch_size = batch_size
        self.pad_id = pad_id

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Normalized float32 embeddings of `texts`, one row each."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        # Batched by length in tokens: a batch is padded to its longest text, so texts of like
        # length together waste the least work (by length in characters, 500 questions were
        # padded to 1.42 times their tokens; by tokens, 1.16). Rows go back in order.
        # Small batches are faster on a 2-core CPU for passages (8: 20% faster than 32, measured);
        # short texts such as questions go faster in batches of 32 (+17%, bench/scale.py's questions).
        encodings = self.tokenizer.encode_batch(list(texts))
        lengths = [len(e.ids) for e in encodings]
        order = sorted(range(len(texts)), key=lengths.__getitem__)
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        start = 0
        while start < len(order):
            wide = order[start : start + SHORT_BATCH]
            rows = wide if lengths[wide[-1]] <= SHORT_TOKENS else order[start : start + self.batch_size]
            out[rows] = self._embed([encodings[i] for i in rows])
            start += len(rows)
        if not self.normalized:
            out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return np.ascontiguousarray(out, dtype=np.float32)

    def _embed(self, encodings: list) -> np.ndarray:
        # Padded on the right to the batch's longest, masked out: as the tokenizer would pad.
        width = max(len(e.ids) for e in encodings)
        ids = np.full((len(encodings), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        types = np.zeros((len(encodings), width), dtype=np.int64)
        for row, e in enumerate(encodings):
            n = len(e.ids)
            ids[row, :n], mask[row, :n], types[row, :n] = e.ids, e.attention_mask, e.type_ids
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        return self.session.run(None, feed)[0]


def load_onnx_encoder(
    folder: Path, dimension: int | None = None, threads: int = 2, prepack: bool = True
) -> OnnxEncoder:
    """The exported encoder in `folder`, checked against the sha256 its encoder.json records.
    `prepack=False` (for a one-shot `ask`): ONNX Runtime uses the weights as they are instead of
    re-laying them out for its matrix kernels. That takes 0.06-0.08 s off starting the session;
    a question alone then embeds in 10-11 ms instead of 6-7 (batches of 32 as fast as before),
    so the chat, which starts once and embeds one question at a time, keeps prepacking."""
    try:
        entry = json.loads((folder / ENTRY_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EncoderUnavailable("there is no exported copy of the model yet") from None
    except (OSError, ValueError):
        raise EncoderUnavailable(f"{ENTRY_FILE} is unreadable") from None
    files = entry.get("files") if isinstance(entry, dict) else None
    if not isinstance(files, dict) or set(files) != set(FILES):
        raise EncoderUnavailable(f"{ENTRY_FILE} is incomplete")
    try:
        import onnxruntime as ort
        from tokenizers import Tokenizer
    except ImportError as e:
        raise EncoderUnavailable(f"{e.name} is not installed") from None
    # Three things at once: checking the files (hashlib releases the GIL), starting the session
    # (ONNX Runtime releases it) and reading the tokenizer (which holds it): 0.09 s -> 0.06 s.
    # The session is used only if every file matches.
    with ThreadPoolExecutor(max_workers=2) as pool:
        starting = threading.Event()
        started = pool.submit(_session, ort, folder, entry, threads, prepack, starting)
        checked = pool.submit(mismatch, folder, files)
        # The tokenizer holds the GIL for 0.05 s: let the session get past its Python part first.
        starting.wait(timeout=1.0)
        try:
            tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
            tokenizer.enable_truncation(int(entry["max_seq_length"]))
            tokenizer.no_padding()
            session = started.result()
        except Exception as e:  # noqa: BLE001 - any failure here means: use the reference encoder
            problem = checked.result() or f"it does not load ({type(e).__name__})"
            raise EncoderUnavailable(problem) from None
        problem = checked.result()
    if problem:
        raise EncoderUnavailable(problem)
    width = session.get_outputs()[0].shape[-1]
    if dimension is not None and width != dimension:
        raise EncoderUnavailable("its output dimension differs from the index")
    return OnnxEncoder(session, tokenizer, int(width), bool(entry.get("normalized", True)), pad_id=int(entry["pad_id"]))
