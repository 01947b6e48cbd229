"""The labelled sets the benchmarks share: each corpus folder, its labelled files, and one
index per corpus in the benchmarks' cache (built once, reused by every script)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

from roleqa.build import ensure_index  # noqa: E402
from roleqa.config import SHIPPED_CORPUS, Settings  # noqa: E402

DATA = ROOT / "tests" / "data"
REAL = DATA / "real"
CORPORA = {
    "article": SHIPPED_CORPUS,
    "ripgrep": REAL / "ripgrep" / "md",
    "pyhowto": REAL / "pyhowto" / "rst",
    "debref": REAL / "debref" / "txt",
    "pyprog": REAL / "pyprog" / "rst",
    "pyfaq": REAL / "pyfaq" / "rst",
    "gitfaq": REAL / "gitfaq" / "txt",
    "vgfaq": REAL / "vgfaq" / "html",
    "xzfaq": REAL / "xzfaq" / "txt",
    "dfaq": REAL / "dfaq" / "txt",
    "grepinfo": REAL / "grepinfo" / "info",
    "sedinfo": REAL / "sedinfo" / "info",
    "manpages": REAL / "manpages" / "man",
}
# Held out (test split only, see tests/data/real/SOURCES.md): never used to choose anything.
HELDOUT = ("pyfaq", "gitfaq", "vgfaq", "xzfaq")
# Measured only (since session 15, GNU info): their dev split is for finding reading faults, never
# for choosing weights or curves, and they have no conversations.
MEASURED = ("grepinfo", "sedinfo", "manpages")
TUNED = tuple(n for n in CORPORA if n not in HELDOUT + MEASURED)
WORK = Path.home() / ".cache" / "roleqa-bench" / "tune"


def questions_file(name: str) -> Path:
    """The labelled questions of a set (the article's are tests/data/eval.jsonl)."""
    return DATA / "eval.jsonl" if name == "article" else REAL / name / "questions.jsonl"


def conversations_file(name: str) -> Path:
    """The labelled conversations of a set."""
    return DATA / "conversations.jsonl" if name == "article" else REAL / name / "conversations.jsonl"


def index_of(name: str):
    """The index of a set's corpus and its query encoder, built first if missing or stale."""
    return ensure_index(Settings(corpus_dir=CORPORA[name], index_dir=WORK / name), notify=print)
