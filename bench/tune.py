"""Choose the generic fusion weights on dev questions of several corpora at once (the real documents).

    .venv/bin/python bench/tune.py [--split dev] [--corpora ripgrep,pyhowto,debref,pyprog,article]

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
from sets import CORPORA, TUNED, WORK, index_of, questions_file

from roleqa.answer import Answerer, calibration_for, normalize_question
from roleqa.build import ensure_index
from roleqa.config import GENERIC_CALIBRATION, Settings
from roleqa.evaluate import features, fit_logistic, fit_threshold, heading_key, is_relevant, load_labelled
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


FEATURES = (
    "score",
    "words",
    "missing",
    "lead",
)  # the curve's candidate inputs (evaluate.features, score less the bank)


def fit_weighted(rows: dict, names: list[str], columns: list[int]) -> np.ndarray:
    """One logistic over these corpora's rows at once, each corpus weighing the same (rows repeated
    in proportion to their weight): the weights of `columns`, then the offset."""
    weight = np.concatenate([np.full(len(rows[n][1]), 1.0 / len(rows[n][1])) for n in names])
    x = np.vstack([rows[n][0][:, columns] for n in names])
    y = np.concatenate([rows[n][1] for n in names])
    reps = np.maximum(1, np.round(weight / weight.min())).astype(int)
    return np.array(fit_logistic(np.repeat(x, reps, axis=0), np.repeat(y, reps)))


def _separation(inside: np.ndarray, outside: np.ndarray) -> str:
    auc = float(np.mean((inside[:, None] > outside[None, :]) + 0.5 * (inside[:, None] == outside[None, :])))
    return f"AUC {auc:.3f}, rejected at 5% false {float(np.mean(outside < np.quantile(inside, 0.05))):.2f}"


def cross_check(rows: dict) -> None:
    """Which inputs tell in-scope from out-of-scope questions on a corpus the curve never saw (the
    generic curve's case): fitted on all corpora but one, scored on that one; pooled AUC and the
    share of out-of-scope questions rejected at the threshold that falsely rejects 5% of in-scope ones."""
    for columns in ([0], [0, 1], [0, 2], [0, 1, 2], [0, 2, 3], [0, 1, 2, 3]):
        inside, outside = [], []
        for held in rows:
            w = fit_weighted(rows, [n for n in rows if n != held], columns)
            z = rows[held][0][:, columns] @ w[:-1] + w[-1]
            inside += list(z[rows[held][2]])
            outside += list(z[~rows[held][2]])
        name = " + ".join(FEATURES[c] for c in columns)
        print(f"unseen corpus, {name:24s} {_separation(np.array(inside), np.array(outside))}")


def labelled_check(rows: dict, tests: dict) -> None:
    """The same on each corpus's test split, with the curve and threshold fitted on its own dev
    split (`roleqa eval --calibrate`'s case): out-of-scope rejected and in-scope falsely rejected."""
    for columns in ([0], [0, 1], [0, 2], [0, 2, 3]):
        counts = np.zeros(4, dtype=int)
        for name, (x, right, _) in rows.items():
            w = np.array(fit_logistic(x[:, columns], right))
            chance = _curve(w, columns)
            inside = rows[name][2]
            threshold = fit_threshold(chance(x)[inside], chance(x)[~inside])
            tx, _, tin = tests[name]
            conf = chance(tx)
            counts += [np.sum(conf[~tin] < threshold), np.sum(~tin), np.sum(conf[tin] < threshold), np.sum(tin)]
        name = " + ".join(FEATURES[c] for c in columns)
        print(f"own labels, {name:20s} rejected {counts[0]}/{counts[1]}, falsely rejected {counts[2]}/{counts[3]}")


def family_check(rows: dict, names: list[str]) -> None:
    """The generic case end to end: the curve and its threshold (evaluate.fit_threshold) fitted on
    every corpus but one set and its single documents, then that set's out-of-scope questions
    rejected and in-scope ones falsely rejected, as a whole and as single documents."""
    for columns in ([0], [0, 1], [0, 2], [0, 1, 2], [0, 2, 3], [0, 1, 2, 3]):
        whole, single = np.zeros(4, dtype=int), np.zeros(4, dtype=int)
        for held in names:
            others = [k for k in rows if k.split("/")[0] != held]
            chance = _curve(fit_weighted(rows, others, columns), columns)
            conf = {k: (chance(x)[inside], chance(x)[~inside]) for k, (x, _, inside) in rows.items()}
            threshold = fit_threshold(*(np.concatenate([conf[k][side] for k in others]) for side in (0, 1)))
            for k in rows:
                if k.split("/")[0] == held:
                    inside, outside = conf[k]
                    counts = [np.sum(outside < threshold), len(outside), np.sum(inside < threshold), len(inside)]
                    (single if "/" in k else whole)[:] += counts
        name = " + ".join(FEATURES[c] for c in columns)
        print(
            f"unseen set, {name:24s} rejected {whole[0]}/{whole[1]}, falsely rejected {whole[2]}/{whole[3]};"
            f" its single documents: {single[0]}/{single[1]}, {single[2]}/{single[3]}"
        )


def _curve(w: np.ndarray, columns: list[int]):
    return lambda m: 1 / (1 + np.exp(-(m[:, columns] @ w[:-1] + w[-1])))


def _rows(name: str, split: str, index=None, encoder=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A corpus's questions of `split` as (score less the bank, words, missing, lead), right, in scope. With
    `index` (one document of the set, _small_corpora): only the questions its sections answer, and
    the set's out-of-scope ones."""
    whole = index is None
    if whole:
        index, encoder = index_of(name)
    answerer = Answerer(index, encoder, GENERIC_CALIBRATION)
    items = load_labelled(questions_file(name), split)
    if not whole:
        keys = {heading_key(part) for _, path in index.sections for part in path.split(" > ")}
        items = [i for i in items if not i.in_scope or (i.section and heading_key(i.section) in keys)]
    results = answerer.ask_many([i.question for i in items], 3, 0.0)
    raw, words, missing, lead = features(results)
    right = np.array([i.in_scope and is_relevant(i, r.hits[0]) for i, r in zip(items, results)], dtype=float)
    return (
        np.column_stack([raw - calibration_for(index).bank, words, missing, lead]),
        right,
        np.array([i.in_scope for i in items]),
    )


SMALL = 150  # a document with fewer passages is also a corpus of its own in the generic fit


def _small_corpora(names: list[str], split: str) -> dict:
    """Each document of these sets that has fewer than SMALL passages, indexed on its own: the
    generic curve must also serve a corpus of a few dozen passages (which lacks more of any
    question's words than a large one)."""
    rows = {}
    for name in names:
        folder = CORPORA[name]
        files = sorted(p for p in folder.iterdir() if p.is_file())
        index, _ = index_of(name)
        sizes = {f.name: sum(1 for p in index.passages if p.document == f.name) for f in files}
        for f in files:
            if len(files) < 2 or not 0 < sizes[f.name] < SMALL:
                continue
            one = WORK / "small" / f"{name}-{f.name}"
            (one / "corpus").mkdir(parents=True, exist_ok=True)
            (one / "corpus" / f.name).write_bytes(f.read_bytes())
            small, encoder = ensure_index(Settings(corpus_dir=one / "corpus", index_dir=one / "index"))
            rows[f"{name}/{f.name}"] = _rows(name, split, small, encoder)
    return rows


def fit_generic_calibration(names: list[str], split: str, cross: bool) -> None:
    """The generic confidence curve: one logistic over (score - the corpus's off-topic score, share
    of the question's words no passage has, the best answer's lead over the fifth) fitted on every
    corpus's dev questions at once, each corpus weighing the same; then the answer rate and
    out-of-scope rejection of each corpus per threshold, to choose from. With `cross`, first which
    inputs carry over to a corpus not fitted on, and which serve a curve fitted on a corpus's own
    labels (dev, then scored on test)."""
    rows = {name: _rows(name, split) for name in names}
    if cross:
        cross_check(rows)
        labelled_check(rows, {name: _rows(name, "test") for name in names})
    rows |= _small_corpora(names, split)
    if cross:
        family_check(rows, names)
    slope, unknown, gap, offset = fit_weighted(rows, list(rows), [0, 2, 3])
    fitted = replace(
        GENERIC_CALIBRATION,
        slope=round(slope, 3),
        lexical=0.0,
        unknown=round(unknown, 3),
        gap=round(gap, 3),
        offset=round(offset, 3),
    )

    def chance(x: np.ndarray) -> np.ndarray:
        return confidence(x[:, 0], x[:, 1], replace(fitted, bank=0.0), x[:, 2], x[:, 3])

    inside = np.concatenate([chance(x)[i] for x, _, i in rows.values()])
    outside = np.concatenate([chance(x)[~i] for x, _, i in rows.values()])
    grid = np.round(np.arange(0.0, 1.0, 0.005), 3)
    good = np.array([np.sum(inside >= t) + np.sum(outside < t) for t in grid])
    near = grid[good >= good.max() - 1]  # within one question of the best count
    print(
        f"generic calibration: slope={slope:.3f}, unknown={unknown:.3f}, gap={gap:.3f}, offset={offset:.3f},"
        f" threshold={fit_threshold(inside, outside):.3f} (evaluate.fit_threshold over all the corpora);"
        f" within one question of its count up to {near.max():.3f}, which the generic curve takes"
        f" ({np.sum(inside < near.max())} of {len(inside)} in scope rejected, {np.sum(outside < near.max())} of"
        f" {len(outside)} out of scope)"
    )
    print("threshold  " + "  ".join(f"{n[:22]:>22}" for n in rows) + "   (in-scope answered / out-of-scope rejected)")
    for t in np.arange(0.1, 0.75, 0.05):
        cells = []
        for x, _, inside in rows.values():
            conf = chance(x)
            cells.append(f"{np.mean(conf[inside] >= t):.2f} / {np.mean(conf[~inside] < t):.2f}")
        print(f"{t:9.2f}  " + "  ".join(f"{c:>22}" for c in cells))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", default="dev")
    parser.add_argument("--corpora", default=",".join(n for n in TUNED if n != "article"))
    parser.add_argument("--calibrate", action="store_true", help="fit the generic confidence curve instead")
    parser.add_argument("--cross", action="store_true", help="with --calibrate: inputs on unseen corpora")
    args = parser.parse_args()
    if args.calibrate:
        fit_generic_calibration(args.corpora.split(","), args.split, args.cross)
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
