"""Scoring and ranking: pure functions over arrays, testable with random vectors.

A passage is scored three ways and the scores are summed with fixed weights
(chosen on tests/data/eval.jsonl, see README "How it works"):
  - dense: cosine of the question to the passage (with its heading path),
  - heading: cosine of the question to the passage's heading, which for a FAQ
    entry is its question (question-to-question matching),
  - lexical: BM25 over stemmed words, which rescues exact terms (SQL, A/B,
    PhD) that a small embedding model blurs.
Confidence uses only the two cosines, so it stays in [0, 1] and comparable
across questions.
"""

from __future__ import annotations

import math
import re
from collections import Counter

import faiss
import numpy as np

HEADING_WEIGHT = 0.3
LEXICAL_WEIGHT = 0.02

# Abbreviations the model knows poorly, spelled out before embedding.
ABBREVIATIONS = {r"\bML\b": "machine learning", r"\bml\b": "machine learning"}

_STOPWORDS = frozenset(
    "a an the of to in on for and or is are was were be been do does did what which who whom how "
    "why when where can could should would i me my you your we our it its that this these those "
    "about from at into more than most as by with they them their there so any some all".split()
)
_WORD_RE = re.compile(r"[a-z0-9][a-z0-9+#/]*")


def expand_abbreviations(question: str) -> str:
    for pattern, full in ABBREVIATIONS.items():
        question = re.sub(pattern, full, question)
    return question


def tokenize(text: str) -> list[str]:
    """Lower-case word stems without stopwords: a light stemmer, enough for BM25 here."""
    out = []
    for word in _WORD_RE.findall(text.lower()):
        if word in _STOPWORDS:
            continue
        for suffix in ("ing", "ers", "er", "es", "s"):
            if len(word) > 4 and word.endswith(suffix):
                word = word[: -len(suffix)]
                break
        out.append(word)
    return out


class Bm25:
    """Okapi BM25 over a fixed list of tokenized documents.

    IDF is log(1 + (N - df + 0.5) / (df + 0.5)), which stays positive even for
    a word found in most of a few dozen passages (plain BM25 IDF goes negative).
    """

    def __init__(self, docs: list[list[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.tfs = [Counter(d) for d in docs]
        self.lengths = np.array([len(d) for d in docs], dtype=np.float32)
        self.avg = float(self.lengths.mean()) if len(docs) and self.lengths.sum() else 1.0
        df = Counter(w for d in docs for w in set(d))
        n = len(docs)
        self.idf = {w: math.log(1 + (n - c + 0.5) / (c + 0.5)) for w, c in df.items()}

    def scores(self, query: list[str]) -> np.ndarray:
        out = np.zeros(len(self.tfs), dtype=np.float32)
        norm = self.k1 * (1 - self.b + self.b * self.lengths / self.avg)
        for word in set(query):
            idf = self.idf.get(word)
            if idf is None:
                continue
            tf = np.array([t.get(word, 0) for t in self.tfs], dtype=np.float32)
            out += idf * tf * (self.k1 + 1) / (tf + norm)
        return out


def all_similarities(index: faiss.Index, query: np.ndarray) -> np.ndarray:
    """Cosine similarity of `query` (one normalized row) to every row of `index`, in row order."""
    n = index.ntotal
    out = np.full(n, -1.0, dtype=np.float32)
    if n == 0:
        return out
    sims, rows = index.search(np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1), n)
    valid = rows[0] >= 0
    out[rows[0][valid]] = sims[0][valid]
    return out


def fuse(
    dense: np.ndarray,
    heading: np.ndarray,
    lexical: np.ndarray,
    heading_weight: float = HEADING_WEIGHT,
    lexical_weight: float = LEXICAL_WEIGHT,
) -> np.ndarray:
    """The ranking score: a weighted sum of the three per-passage scores."""
    return dense + heading_weight * heading + lexical_weight * lexical


def confidence(dense: np.ndarray, heading: np.ndarray, heading_weight: float = HEADING_WEIGHT) -> np.ndarray:
    """Weighted mean of the two cosines, clipped to [0, 1]: how close the meaning is."""
    return np.clip((dense + heading_weight * heading) / (1 + heading_weight), 0.0, 1.0)


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Row numbers of the k highest scores, best first; ties keep document order."""
    order = np.argsort(-scores, kind="stable")
    return order[: max(0, k)]
