"""Follow-up questions in the chat, on labelled conversations, with the real bundled model."""

import json

import pytest

from roleqa.config import DEFAULT_TOP_K
from roleqa.evaluate import Labelled, is_relevant
from roleqa.render import JsonRenderer
from roleqa.repl import ChatSession

from .conftest import DATA

ROWS = [json.loads(line) for line in (DATA / "conversations.jsonl").read_text().splitlines()]
CONVERSATIONS = [row["turns"] for row in ROWS]


@pytest.fixture(scope="module")
def played(answerer):
    """Each conversation played in a fresh chat: (turn, result) pairs."""
    out = []
    for row in ROWS:
        session = ChatSession(
            lambda q, k, topic, context: answerer.ask(q, k, answerer.calibration.threshold, topic, context),
            JsonRenderer(),
            DEFAULT_TOP_K,
            profile=answerer.profile,
            alternatives=answerer.index.manifest.get("alternatives", []),
        )
        for turn in row["turns"]:
            session.handle(turn["question"])
            out.append(({**turn, "split": row["split"]}, session.last))
    return out


def test_the_set_has_enough_conversations_of_each_kind():
    assert len(CONVERSATIONS) >= 20
    assert {row["split"] for row in ROWS} == {"dev", "test"}
    assert all(2 <= len(turns) <= 4 for turns in CONVERSATIONS)
    follow_ups = [t for turns in CONVERSATIONS for t in turns if t["follow_up"]]
    assert len(follow_ups) >= 20
    after_topic = [t for turns in CONVERSATIONS for t in turns[1:]]
    assert sum(1 for t in after_topic if not t["in_scope"]) >= 4
    assert sum(1 for t in after_topic if t["in_scope"] and not t["follow_up"]) >= 4


def right(turn, result):
    item = Labelled(turn["question"], turn["relevant"], turn["in_scope"])
    return result.answered and is_relevant(item, result.hits[0])


# Issue 5 asks for 0.9. Measured: dev 19 of 20, test (held out, run once) 10 of 11.
FOLLOW_UPS_RIGHT = {"dev": 0.9, "test": 0.9}


@pytest.mark.parametrize("split", FOLLOW_UPS_RIGHT)
def test_follow_ups_are_answered_with_the_right_passage(played, split):
    follow_ups = [(t, r) for t, r in played if t["follow_up"] and t["split"] == split]
    misses = [(t["question"], r.interpreted_as, r.hits[0].passage.id) for t, r in follow_ups if not right(t, r)]
    print(split, len(follow_ups) - len(misses), "of", len(follow_ups), misses)
    assert all(r.interpreted_as for t, r in follow_ups)
    assert 1 - len(misses) / len(follow_ups) >= FOLLOW_UPS_RIGHT[split]


def test_self_contained_questions_are_never_rewritten(played):
    rewritten = [t["question"] for t, r in played if not t["follow_up"] and r.interpreted_as is not None]
    assert rewritten == []


def test_out_of_scope_after_a_topic_is_still_rejected(played):
    assert [r.answered for t, r in played if not t["in_scope"]] == [False] * sum(
        1 for t, _ in played if not t["in_scope"]
    )


def test_self_contained_in_scope_questions_are_answered(played):
    firsts = [(t, r) for t, r in played if t["in_scope"] and not t["follow_up"]]
    assert sum(1 for t, r in firsts if right(t, r)) / len(firsts) >= 0.9
