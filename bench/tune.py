"""Choose the generic fusion weights on dev questions of several corpora at once (the real documents).

    .venv/bin/python bench/tune.py [--split dev] [--corpora ripgrep,pyhowto,debref,article]

Every part of the ranking score is computed once per question; each point of
a grid of weights is then scored by recall@1 on each corpus, and the points
with the best mean over the corpora without weights of their own (each
counting the same) are printed. The shipped article's profile sets its own
weights: add it to --corpora to see what the generic ones would do to it.
Only dev questions are used: the test questions stay unseen.
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import replace

import numpy as np
from sets import TUNED, index_of, questions_file

from roleqa.answer import Answerer, calibration_for, normalize_question
from roleqa.config import GENERIC_CALIBRATION
from roleqa.evaluate import features, fit_logistic, is_relevant, load_labelled
from roleqa.result import Hit
from roleqa.retrieve import WEIGHTS, choose_units, confidence, names_another_job


def prepare(name: str, split: str):
    index, encoder = index_of(name)
    answerer = Answerer(index, encoder)
    items = [i for i in load_labelled(questions_file(name), split) if i.in_scope]
    questions = [normalize_question(i.question) for i in items]
    profile = answerer.profile
    expanded = [profile.expand(q) for q in questions]
    vectors = encoder.embed_batch(expanded)
    parts = [answerer.scores(x, v) for x, v in zip(expanded, vectors)]
    other = [profile.other_jobs and names_another_job(x, answerer.subjects, profile.occupations) for x in expanded]
    return answerer, items, questions, parts, other


def recall_at_1(answerer, items, questions, parts, other, w) -> float:
    right = 0
    for item, question, p, job in zip(items, questions, parts, other):
        ranking = (
            p["dense"]
            + w.heading * p["heading"]
            + w.section * p["section"]
            + w.lexical * p["lexical"]
            + w.role * p["role"]
            - (w.other_job if job else 0.0)
        )
        whole = answerer.profile.wants_list(question)
        (unit, _), *_ = choose_units(ranking, answerer.parent, answerer.children, 1, whole, alone=answerer.alone)
        hit = Hit(1, answerer.index.passage(unit), 0.0, covers=answerer._ids(unit))
        right += is_relevant(item, hit)
    return right / len(items)


def fit_generic_calibration(names: list[str], split: str) -> None:
    """The generic confidence curve: one logistic over (score - the corpus's off-topic score, share of the
    question's words) fitted on every corpus's dev questions at once, each corpus weighing the same;
    then the answer rate and out-of-scope rejection of each corpus per threshold, to choose from."""
    rows = {}
    for name in names:
        index, encoder = index_of(name)
        answerer = Answerer(index, encoder, GENERIC_CALIBRATION)
        items = load_labelled(questions_file(name), split)
        results = answerer.ask_many([i.question for i in items], 3, 0.0)
        raw, words = features(results)
        right = np.array([i.in_scope and is_relevant(i, r.hits[0]) for i, r in zip(items, results)], dtype=float)
        inside = np.array([i.in_scope for i in items])
        bank = calibration_for(index).bank
        print(f"{name}: off-topic score {bank}")
        rows[name] = (raw - bank, words, right, inside)
    weight = np.concatenate([np.full(len(r[2]), 1.0 / len(r[2])) for r in rows.values()])
    x = np.vstack([np.column_stack(r[:2]) for r in rows.values()])
    y = np.concatenate([r[2] for r in rows.values()])
    # Each corpus counts the same: rows repeated in proportion to their weight.
    reps = np.maximum(1, np.round(weight / weight.min())).astype(int)
    slope, lexical, offset = fit_logistic(np.repeat(x, reps, axis=0), np.repeat(y, reps))
    print(f"generic calibration: slope={slope:.3f}, lexical={lexical:.3f}, offset={offset:.3f}")
    fitted = replace(GENERIC_CALIBRATION, slope=round(slope, 3), lexical=round(lexical, 3), offset=round(offset, 3))
    print("threshold  " + "  ".join(f"{n:>22}" for n in rows) + "   (in-scope answered / out-of-scope rejected)")
    for t in np.arange(0.1, 0.75, 0.05):
        cells = []
        for raw_bank, words, _, inside in rows.values():
            conf = confidence(raw_bank, words, fitted)
            cells.append(f"{np.mean(conf[inside] >= t):.2f} / {np.mean(conf[~inside] < t):.2f}")
        print(f"{t:9.2f}  " + "  ".join(f"{c:>22}" for c in cells))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", default="dev")
    parser.add_argument("--corpora", default=",".join(n for n in TUNED if n != "article"))
    parser.add_argument("--calibrate", action="store_true", help="fit the generic confidence curve instead")
    args = parser.parse_args()
    if args.calibrate:
        fit_generic_calibration(args.corpora.split(","), args.split)
        return
    data = {name: prepare(name, args.split) for name in args.corpora.split(",")}
    generic = [name for name, d in data.items() if not d[0].profile.weights]
    grid = {
        "heading": [0.0, 0.05, 0.1, 0.15, 0.2, 0.3],
        "section": [0.0, 0.1, 0.2, 0.3, 0.4, 0.6],
        "lexical": [0.4, 0.5, 0.6, 0.7, 0.8, 1.0],
    }
    rows = []
    for values in itertools.product(*grid.values()):
        w = replace(WEIGHTS, **dict(zip(grid, values)))
        scores = {name: recall_at_1(*d, w) for name, d in data.items()}
        rows.append((float(np.mean([scores[n] for n in generic])), values, scores))
    rows.sort(key=lambda r: -r[0])
    now = {name: recall_at_1(*d, WEIGHTS) for name, d in data.items()}
    mean = round(float(np.mean([now[n] for n in generic])), 3)
    print("current", WEIGHTS, {k: round(v, 3) for k, v in now.items()}, mean, "(mean of", ", ".join(generic) + ")")
    for mean, values, scores in rows[:15]:
        print(round(mean, 3), dict(zip(grid, values)), {k: round(v, 3) for k, v in scores.items()})


if __name__ == "__main__":
    main()
