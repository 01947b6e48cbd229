"""Shared fixtures: the real bundled model (for answers) and a fake one (for plumbing)."""

from __future__ import annotations

import hashlib
import os
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from roleqa.config import SHIPPED_CORPUS, Settings

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
# The installed console script, and the question most end-to-end tests ask.
EXE = str(Path(sys.executable).with_name("roleqa"))
SALARY = "How much do machine learning engineers earn?"
SALARY_ID = "data-science-vs-machine-learning-engineer#salary-expectations-2"


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without ROLEQA_* settings, plus `extra`: for subprocesses."""
    return {k: v for k, v in os.environ.items() if not k.startswith("ROLEQA_")} | extra


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


@pytest.fixture
def fake_encoder():
    return FakeEncoder()


@pytest.fixture(scope="session")
def shipped_index_dir(tmp_path_factory) -> Path:
    """The shipped corpus indexed once per test session with the real bundled model."""
    from roleqa.build import ensure_index

    dest = tmp_path_factory.mktemp("index") / "shipped"
    ensure_index(Settings(corpus_dir=SHIPPED_CORPUS, index_dir=dest))
    return dest


@pytest.fixture(scope="session")
def answerer(shipped_index_dir):
    """Answers from the shipped corpus with the real model, loaded once."""
    from roleqa.answer import Answerer
    from roleqa.build import ensure_index

    index, encoder = ensure_index(Settings(corpus_dir=SHIPPED_CORPUS, index_dir=shipped_index_dir))
    return Answerer(index, encoder)
