"""Choose the fusion weights on dev questions of several corpora at once (the article and real documents).

    .venv/bin/python bench/tune.py [--split dev]

Every part of the ranking score is computed once per question; each point of
a grid of weights is then scored by recall@1 on each corpus, and the point
with the best mean (each corpus counting the same) is printed with its
neighbours. Only dev questions are used: the test questions stay unseen.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from roleqa.answer import Answerer, Hit, normalize_question  # noqa: E402
from roleqa.build import ensure_index  # noqa: E402
from roleqa.config import SHIPPED_CORPUS, Settings  # noqa: E402
from roleqa.evaluate import is_relevant, load_labelled  # noqa: E402
from roleqa.retrieve import WEIGHTS, choose_units, expand_abbreviations, names_another_job, wants_list  # noqa: E402

REAL = ROOT / "tests" / "data" / "real"
CORPORA = {
    "article": (SHIPPED_CORPUS, ROOT / "tests" / "data" / "eval.jsonl"),
    "ripgrep": (REAL / "ripgrep" / "md", REAL / "ripgrep" / "questions.jsonl"),
    "pyhowto": (REAL / "pyhowto" / "rst", REAL / "pyhowto" / "questions.jsonl"),
    "debref": (REAL / "debref" / "txt", REAL / "debref" / "questions.jsonl"),
}
WORK = Path.home() / ".cache" / "roleqa-bench" / "tune"


def prepare(name: str, split: str):
    corpus, labels = CORPORA[name]
    index, encoder = ensure_index(Settings(corpus_dir=corpus, index_dir=WORK / name), notify=print)
    answerer = Answerer(index, encoder)
    items = [i for i in load_labelled(labels, split) if i.in_scope]
    questions = [normalize_question(i.question) for i in items]
    expanded = [expand_abbreviations(q) for q in questions]
    vectors = encoder.embed_batch(expanded)
    parts = [answerer.scores(x, v) for x, v in zip(expanded, vectors)]
    other = [names_another_job(x, answerer.subjects) for x in expanded]
    return answerer, items, questions, parts, other


def recall_at_1(answerer, items, questions, parts, other, w) -> float:
    right = 0
    for item, question, p, job in zip(items, questions, parts, other):
        ranking = (
            p["dense"] + w.heading * p["heading"] + w.section * p["section"] + w.lexical * p["lexical"]
            + w.role * p["role"] - (w.other_job if job else 0.0)
        )
        (unit, _), *_ = choose_units(ranking, answerer.parent, answerer.children, 1, wants_list(question),
                                     alone=answerer.alone)
        hit = Hit(1, answerer.index.passage(unit), 0.0, covers=answerer._ids(unit))
        right += is_relevant(item, hit)
    return right / len(items)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", default="dev")
    parser.add_argument("--corpora", default=",".join(CORPORA))
    args = parser.parse_args()
    data = {name: prepare(name, args.split) for name in args.corpora.split(",")}
    grid = {
        "heading": [0.1, 0.2, 0.3, 0.4, 0.6],
        "section": [0.0, 0.1, 0.2, 0.4, 0.6, 0.8],
        "lexical": [0.2, 0.3, 0.4, 0.5, 0.6, 0.8],
    }
    rows = []
    for values in itertools.product(*grid.values()):
        w = replace(WEIGHTS, **dict(zip(grid, values)))
        scores = {name: recall_at_1(*d, w) for name, d in data.items()}
        rows.append((float(np.mean(list(scores.values()))), values, scores))
    rows.sort(key=lambda r: -r[0])
    now = {name: recall_at_1(*d, WEIGHTS) for name, d in data.items()}
    print("current", WEIGHTS, {k: round(v, 3) for k, v in now.items()}, round(float(np.mean(list(now.values()))), 3))
    for mean, values, scores in rows[:15]:
        print(round(mean, 3), dict(zip(grid, values)), {k: round(v, 3) for k, v in scores.items()})


if __name__ == "__main__":
    main()
