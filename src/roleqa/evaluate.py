"""Retrieval quality on a labelled question set, and fitting the answer threshold.

A labelled set is JSON Lines, one question per line:
    {"question": str, "relevant": [str, ...], "in_scope": bool, "split": str}
or, labelled by where the answer is rather than by passage id:
    {"question": str, "section": str, "phrase": str, "in_scope": bool, "split": str}
`relevant` lists passage ids (as in `roleqa ask --json`) or exact phrases; an
answer is relevant when it is one of those passages, a list that contains one
or an item of one (small-to-big), or when its text contains one of the phrases
(case-insensitive, whitespace ignored); `phrase` is one more such phrase.
`section` is the heading of the section that answers (numbering such as
"1.2." and quote marks ignored): an answer from that section, or from a
section inside it, is relevant. Ids change with chunking; a section and a
phrase hold for any format of the same document. An out-of-scope question has
no relevant id, phrase or section and should come back with `"answered":
false`. `split` is optional ("dev" or "test" in the shipped set); `roleqa eval
--split` picks one.
"""

from __future__ import annotations

import json
import math
import re
import statistics
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from roleqa.config import Calibration
from roleqa.errors import RoleqaError
from roleqa.passage import strip_numbering
from roleqa.result import Hit, Result
from roleqa.retrieve import confidence

DEPTH = 10  # answers asked for per question: MRR@10 and nDCG@10 need ten


@dataclass(frozen=True)
class Labelled:
    question: str
    relevant: list[str]
    in_scope: bool
    split: str = ""
    section: str | None = None


@dataclass(frozen=True)
class Metrics:
    in_scope: int
    out_of_scope: int
    recall_at_1: float
    recall_at_3: float
    recall_at_5: float
    mrr_at_10: float
    ndcg_at_10: float
    out_of_scope_precision: float  # of the questions roleqa rejected, the share truly out of scope
    out_of_scope_recall: float  # of the out-of-scope questions, the share rejected
    false_rejections: int  # in-scope questions rejected
    median_top_words: float  # words in the top answer, over in-scope questions

    def to_json(self) -> dict:
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(self).items()}


def load_labelled(path: Path, split: str | None = None) -> list[Labelled]:
    """Read a labelled set (only `split`, if given); a malformed line is an error naming the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise RoleqaError(f"cannot read {path}: {getattr(e, 'strerror', None) or e}") from None
    items = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            relevant = list(row.get("relevant") or []) + ([str(row["phrase"])] if row.get("phrase") else [])
            section = str(row["section"]) if row.get("section") else None
            item = Labelled(str(row["question"]), relevant, bool(row["in_scope"]), row.get("split", ""), section)
        except (ValueError, KeyError, TypeError, AttributeError):
            raise RoleqaError(
                f'{path}:{n}: expected {{"question": ..., "relevant": [...], "in_scope": true/false}}'
            ) from None
        if item.in_scope and not item.relevant and not item.section:
            raise RoleqaError(f"{path}:{n}: an in-scope question needs a relevant id, a phrase or a section")
        if split is None or item.split == split:
            items.append(item)
    if not items:
        raise RoleqaError(f"{path} has no labelled questions" + (f" in split {split!r}" if split else ""))
    return items


def is_relevant(item: Labelled, hit: Hit) -> bool:
    """Whether `hit` answers `item` (see the module docstring)."""
    text = _plain(hit.passage.text)
    if any(r in hit.covers or r == hit.passage.id or _plain(r) in text for r in item.relevant):
        return True
    return bool(item.section) and heading_key(item.section) in map(heading_key, hit.passage.section.split(" > "))


_QUOTES = re.compile("[\"'\u2018\u2019\u201c\u201d\u00b4`]")


def _plain(text: str) -> str:
    return " ".join(text.lower().split())


def heading_key(heading: str) -> str:
    """A heading as labels compare it: no numbering, quote marks, pilcrow or case."""
    return _plain(_QUOTES.sub("", strip_numbering(heading.strip()).rstrip(" \u00b6")))


def found_at(item: Labelled, result: Result) -> int | None:
    """The rank of the first relevant answer, or None."""
    for hit in result.hits:
        if is_relevant(item, hit):
            return hit.rank
    return None


def evaluate(items: list[Labelled], results: list[Result]) -> Metrics:
    """All metrics of `results` (asked with k >= 10) against their labels."""
    inside = [(i, r) for i, r in zip(items, results) if i.in_scope]
    outside = [r for i, r in zip(items, results) if not i.in_scope]
    ranks = [found_at(i, r) for i, r in inside]
    n_in = max(1, len(inside))
    rejected_out = sum(1 for r in outside if not r.answered)
    rejected_in = sum(1 for _, r in inside if not r.answered)

    def recall(k: int) -> float:
        return sum(1 for rank in ranks if rank is not None and rank <= k) / n_in

    def ndcg(item: Labelled, result: Result) -> float:
        gains = [1.0 if is_relevant(item, h) else 0.0 for h in result.hits[:DEPTH]]
        dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
        ideal = sum(1 / math.log2(i + 2) for i in range(min(DEPTH, len(item.relevant), max(1, len(gains)))))
        return min(1.0, dcg / ideal) if ideal else 0.0

    words = [len(r.hits[0].passage.text.split()) for _, r in inside if r.hits]
    return Metrics(
        in_scope=len(inside),
        out_of_scope=len(outside),
        recall_at_1=recall(1),
        recall_at_3=recall(3),
        recall_at_5=recall(5),
        mrr_at_10=sum(1 / rank for rank in ranks if rank is not None and rank <= DEPTH) / n_in,
        ndcg_at_10=sum(ndcg(i, r) for i, r in inside) / n_in,
        out_of_scope_precision=rejected_out / max(1, rejected_out + rejected_in),
        out_of_scope_recall=rejected_out / max(1, len(outside)),
        false_rejections=rejected_in,
        median_top_words=float(statistics.median(words)) if words else 0.0,
    )


def fit_threshold(in_scope_best: np.ndarray, out_of_scope_best: np.ndarray, step: float = 0.005) -> float:
    """The threshold that keeps the most in-scope and rejects the most out-of-scope questions.

    Scores are each question's best confidence. Among equally good thresholds,
    the middle of the widest run is taken, leaving the most margin on both sides.
    """
    grid = np.round(np.arange(0.0, 1.0 + step / 2, step), 6)
    good = np.array([np.sum(in_scope_best >= t) + np.sum(out_of_scope_best < t) for t in grid])
    best = good.max()
    runs, start = [], None
    for i, ok in enumerate(good == best):
        if ok and start is None:
            start = i
        if not ok and start is not None:
            runs.append((start, i - 1))
            start = None
    if start is not None:
        runs.append((start, len(grid) - 1))
    lo, hi = max(runs, key=lambda r: r[1] - r[0])
    return float(round((grid[lo] + grid[hi]) / 2, 3))


@dataclass(frozen=True)
class Operating:
    """What a threshold does on a labelled set."""

    threshold: float
    answered: float  # share of in-scope questions answered
    accuracy: float  # share of answered questions whose top answer is right (out of scope answered = wrong)
    rejected: float  # share of out-of-scope questions rejected


def sweep(items: list[Labelled], results: list[Result], step: float = 0.05) -> list[Operating]:
    """The answer-rate vs accuracy trade-off at thresholds 0, step, ..., 1."""
    rows = []
    inside = [(i, r) for i, r in zip(items, results) if i.in_scope and r.hits]
    outside = [r for i, r in zip(items, results) if not i.in_scope and r.hits]
    for t in np.round(np.arange(0.0, 1.0 + step / 2, step), 6):
        answered_in = [(i, r) for i, r in inside if r.hits[0].score >= t]
        answered_out = sum(1 for r in outside if r.hits[0].score >= t)
        right = sum(1 for i, r in answered_in if is_relevant(i, r.hits[0]))
        n_answered = len(answered_in) + answered_out
        rows.append(
            Operating(
                float(t),
                len(answered_in) / max(1, len(inside)),
                right / n_answered if n_answered else 1.0,
                1 - answered_out / max(1, len(outside)),
            )
        )
    return rows


def fit_logistic(x: np.ndarray, y: np.ndarray, ridge: float = 1e-3) -> tuple[float, ...]:
    """Weights and offset of P(y=1 | x) = 1 / (1 + exp(-(w . x + offset))), by Newton's method.

    `x` is one feature per row (1-D) or several (2-D); returns (w..., offset).
    The small ridge keeps the fit finite when the classes separate perfectly.
    """
    y = np.asarray(y, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64).reshape(len(y), -1)
    X = np.hstack([x, np.ones((len(y), 1))])
    w = np.zeros(X.shape[1])
    w[0] = 1.0
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-np.clip(X @ w, -50, 50)))
        grad = X.T @ (p - y) + ridge * w
        hess = (X.T * (p * (1 - p))) @ X + ridge * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-9:
            break
    return tuple(float(v) for v in w)


def features(results: list[Result]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per result: the best answer's ranking score, its share of the question's words, the
    share of the question's words no passage has, and how far it leads the fifth answer."""
    parts = [dict(r.hits[0].parts) for r in results]
    raw = np.array([r.hits[0].raw for r in results])
    words, missing = np.array([p.get("lexical", 0.0) for p in parts]), np.array([p.get("unknown", 0.0) for p in parts])
    return raw, words, missing, np.array([p.get("lead", 0.0) for p in parts])


def calibrate(items: list[Labelled], results: list[Result], bank: float = 0.0, words: bool = True) -> Calibration:
    """Fit confidence to "the top answer is right" and the threshold that best keeps in-scope
    questions and rejects out-of-scope ones, from results asked with any calibration.

    The curve weighs the ranking score and the share of the question's words no passage has
    (with `words` False, the score alone): fitted on each labelled corpus's dev split and scored
    on its test split, these two rejected the most out-of-scope questions for the fewest false
    rejections; the share of the question the answer has did worse (bench/tune.py --calibrate --cross).
    """
    asked = [(i, r) for i, r in zip(items, results) if r.hits]
    raw, shares, missing, _ = features([r for _, r in asked])
    right = np.array([i.in_scope and is_relevant(i, r.hits[0]) for i, r in asked], dtype=np.float64)
    if words:
        slope, unknown, offset = fit_logistic(np.column_stack([raw - bank, missing]), right)
    else:
        (slope, offset), unknown = fit_logistic(raw - bank, right), 0.0
    fitted = Calibration(round(slope, 4), 0.0, round(offset, 4), 0.5, bank, round(unknown, 4), source="labelled")
    conf = confidence(raw, shares, fitted, missing)
    inside = np.array([c for c, (i, _) in zip(conf, asked) if i.in_scope])
    outside = np.array([c for c, (i, _) in zip(conf, asked) if not i.in_scope])
    return replace(fitted, threshold=fit_threshold(inside, outside))
