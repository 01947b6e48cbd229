"""Retrieval quality on the shipped labelled set, with the real bundled model."""

import pytest

from roleqa.config import DEFAULT_THRESHOLD
from roleqa.evaluate import best_scores, evaluate, fit_threshold, load_labelled

from .conftest import DATA

ITEMS = load_labelled(DATA / "eval.jsonl")
# Floors at what roleqa measures today (README, "Quality"). Issue 2 asks for
# recall@1 >= 0.9, recall@3 >= 0.97 and at most 1 false rejection: not reached yet.
RECALL_AT_1 = 0.85
RECALL_AT_3 = 0.93
FALSE_REJECTIONS = 2


@pytest.fixture(scope="module")
def results(answerer):
    return answerer.ask_many([i.question for i in ITEMS], 3, DEFAULT_THRESHOLD)


def test_the_labelled_set_is_big_enough_and_points_at_real_passages(answerer):
    ids = {p.id for p in answerer.index.passages}
    inside = [i for i in ITEMS if i.in_scope]
    assert len(inside) >= 40 and len(ITEMS) - len(inside) >= 12
    for item in inside:
        assert item.relevant and set(item.relevant) <= ids, item.question
    assert len({i.question.lower() for i in ITEMS}) == len(ITEMS)


def test_quality_targets(results):
    m = evaluate(ITEMS, results)
    print(m)
    assert m.recall_at_1 >= RECALL_AT_1
    assert m.recall_at_3 >= RECALL_AT_3
    assert m.out_of_scope_rejected >= 0.9
    assert m.false_rejections <= FALSE_REJECTIONS


def test_the_default_threshold_is_the_fitted_one(results):
    inside, outside = best_scores(ITEMS, results)
    assert abs(fit_threshold(inside, outside) - DEFAULT_THRESHOLD) < 0.02
