"""Run by tests/test_faults.py in a subprocess: build CORPUS into INDEX with the fake encoder,
with ROLEQA_TEST_FAULT-style fault injection at STEP (the process kills itself there)."""

import sys
from pathlib import Path

from roleqa.build import ensure_index
from roleqa.config import Settings

from .fakes import FakeEncoder

corpus, index, step = sys.argv[1:4]
ensure_index(Settings(corpus_dir=Path(corpus), index_dir=Path(index), test_fault=step), FakeEncoder(), force=True)
print("finished")
