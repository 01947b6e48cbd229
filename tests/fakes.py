"""Stand-ins for plumbing tests (answers are always tested with the real model)."""

from __future__ import annotations

import hashlib
import re

import numpy as np


class FakeEncoder:
    """Bag of hashed words: deterministic and instant, for tests of plumbing only."""

    dimension = 64

    def embed_batch(self, texts):
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[i, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dimension] += 1
            out[i, 0] += 1e-3  # never an all-zero row
        return out / np.linalg.norm(out, axis=1, keepdims=True)
