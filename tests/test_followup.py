"""Reading follow-up questions against the previous turn (pure, no model)."""

import pytest

from roleqa.followup import Turn, interpret, turn_role

DS = Turn("What tools do data scientists use?", "data scientist")
MLE = Turn("How much do ML engineers earn?", "machine learning engineer")


@pytest.mark.parametrize(
    ("previous", "question", "reading", "same_topic"),
    [
        (DS, "and ML engineers?", "What tools do machine learning engineers use?", True),
        (DS, "what about machine learning engineers?", "What tools do machine learning engineers use?", True),
        (DS, "how about for ML engineers then?", "What tools do machine learning engineers use?", True),
        (MLE, "and data scientists?", "How much do data scientists earn?", True),
        (MLE, "and for a data scientist?", "How much do data scientists earn?", True),
        (DS, "what skills do they need?", "what skills do data scientists need?", False),
        (MLE, "what about their salary?", "what about machine learning engineers' salary?", False),
        (DS, "and the tools?", "What about the tools for data scientists?", False),
        (
            Turn("what pays best?", "data scientist"),
            "and ML engineers?",
            "what pays best (for machine learning engineers)?",
            True,
        ),
    ],
)
def test_follow_ups_are_read_against_the_previous_turn(previous, question, reading, same_topic):
    got = interpret(question, previous)
    assert got is not None and got.question == reading and got.same_topic == same_topic


@pytest.mark.parametrize(
    "question",
    [
        "What do data scientists earn?",  # names a role: self-contained
        "and ML engineers, what do they earn?",  # a role and a question of its own
        "What is a DUNS number?",
        "How do I bake sourdough bread?",
        "For a beginner, which role is easier?",
        "And what is a DUNS number?",
        "Also, how do I bake bread?",
        "and how long does it take to learn all the required skills properly?",
        "What skills are needed?",  # no pronoun, no follow-up opening
    ],
)
def test_self_contained_questions_are_never_rewritten(question):
    assert interpret(question, DS) is None
    assert interpret(question, MLE) is None


def test_nothing_to_lean_on():
    assert interpret("and ML engineers?", None) is None
    assert interpret("what skills do they need?", Turn("What is this article about?", None)) is None


def test_the_role_of_a_turn():
    assert turn_role("What do data scientists earn?") == "data scientist"
    assert turn_role("How much do ML engineers earn?") == "machine learning engineer"
    assert turn_role("data scientists vs ML engineers") is None
    assert turn_role("what pays best?", frozenset({"data scientist"})) == "data scientist"
    assert turn_role("what pays best?", frozenset({"data scientist", "machine learning engineer"})) is None
