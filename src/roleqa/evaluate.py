"""Retrieval quality on a labelled question set, and fitting the answer threshold.

A labelled set is JSON Lines, one question per line:
    {"question": str, "relevant": [passage id, ...], "in_scope": bool}
An in-scope question counts as found at rank k when any of its relevant ids is
among the first k answers; an out-of-scope one has `"relevant": []` and should
come back with `"answered": false`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from roleqa.answer import Result
from roleqa.errors import RoleqaError


@dataclass(frozen=True)
class Labelled:
    question: str
    relevant: list[str]
    in_scope: bool


@dataclass(frozen=True)
class Metrics:
    in_scope: int
    out_of_scope: int
    recall_at_1: float
    recall_at_3: float
    out_of_scope_rejected: float
    false_rejections: int


def load_labelled(path: Path) -> list[Labelled]:
    """Read a labelled set; a malformed line is an error naming the line."""
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            items.append(Labelled(str(row["question"]), list(row["relevant"]), bool(row["in_scope"])))
        except (ValueError, KeyError, TypeError):
            raise RoleqaError(f"{path}:{n}: expected {{question, relevant, in_scope}}") from None
    return items


def found_at(item: Labelled, result: Result) -> int | None:
    """The rank of the first relevant answer, or None."""
    for hit in result.hits:
        if hit.passage.id in item.relevant:
            return hit.rank
    return None


def evaluate(items: list[Labelled], results: list[Result]) -> Metrics:
    """Recall@1/@3 over in-scope questions, rejection rate over out-of-scope ones."""
    inside = [(i, r) for i, r in zip(items, results) if i.in_scope]
    outside = [r for i, r in zip(items, results) if not i.in_scope]
    ranks = [found_at(i, r) for i, r in inside]
    n_in = max(1, len(inside))
    return Metrics(
        in_scope=len(inside),
        out_of_scope=len(outside),
        recall_at_1=sum(1 for k in ranks if k == 1) / n_in,
        recall_at_3=sum(1 for k in ranks if k is not None and k <= 3) / n_in,
        out_of_scope_rejected=sum(1 for r in outside if not r.answered) / max(1, len(outside)),
        false_rejections=sum(1 for _, r in inside if not r.answered),
    )


def best_scores(items: list[Labelled], results: list[Result]) -> tuple[np.ndarray, np.ndarray]:
    """Each question's best confidence, split into (in scope, out of scope): what `fit_threshold` takes."""
    inside = np.array([r.hits[0].score for i, r in zip(items, results) if i.in_scope])
    outside = np.array([r.hits[0].score for i, r in zip(items, results) if not i.in_scope])
    return inside, outside


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
