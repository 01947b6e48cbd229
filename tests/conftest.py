"""Shared fixtures: the real bundled model (for answers) and a fake one (for plumbing)."""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from roleqa.config import SHIPPED_CORPUS, Settings

from .fakes import FakeEncoder

# The whole run, and every roleqa it starts, uses a cache of its own (indexes
# of test corpora, the exported model), never the user's ~/.cache/roleqa.
CACHE_HOME = Path(tempfile.mkdtemp(prefix="roleqa-test-cache-"))
atexit.register(shutil.rmtree, CACHE_HOME, True)
os.environ["XDG_CACHE_HOME"] = str(CACHE_HOME)
CACHE = CACHE_HOME / "roleqa"

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
# The installed console script, and the question most end-to-end tests ask.
EXE = str(Path(sys.executable).with_name("roleqa"))
SALARY = "How much do machine learning engineers earn?"
SALARY_ID = "data-science-vs-machine-learning-engineer#salary-expectations-2"


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without ROLEQA_* settings, plus `extra`: for subprocesses."""
    return {k: v for k, v in os.environ.items() if not k.startswith("ROLEQA_")} | extra


@pytest.fixture
def fake_encoder():
    return FakeEncoder()


@pytest.fixture(scope="session")
def shipped_index_dir(tmp_path_factory) -> Path:
    """The shipped corpus indexed once per test session with the real bundled model."""
    from roleqa.build import ensure_index

    dest = tmp_path_factory.mktemp("index") / "shipped"
    ensure_index(Settings(corpus_dir=SHIPPED_CORPUS, index_dir=dest, cache_dir=CACHE))
    return dest


@pytest.fixture(scope="session")
def answerer(shipped_index_dir):
    """Answers from the shipped corpus with the real model, loaded once."""
    from roleqa.answer import Answerer
    from roleqa.build import ensure_index

    index, encoder = ensure_index(Settings(corpus_dir=SHIPPED_CORPUS, index_dir=shipped_index_dir, cache_dir=CACHE))
    return Answerer(index, encoder)
