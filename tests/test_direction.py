"""Which way a question goes ("X to Y"): read from the words' places, and used by the ranking and
by the "and the other way round?" follow-up. The end-to-end test uses the real bundled model."""

import pytest

from roleqa.config import Settings
from roleqa.direction import agreement, ends, reversed_question
from roleqa.render import JsonRenderer
from roleqa.repl import ChatSession

from .conftest import CACHE, DATA


@pytest.mark.parametrize(
    ("question", "reversed_"),
    [
        ("How do I convert a string to a number?", "How do I convert a number to a string?"),
        ("how do i turn a str into bytes?", "how do i turn bytes into a str?"),
        ("how do I migrate from MySQL to PostgreSQL?", "how do I migrate from PostgreSQL to MySQL?"),
        ("convert bytes to str in python 3", "convert str to bytes in python 3?"),  # Y ends at "in"
        # No direction: no "to", or a "to" that is an infinitive (no verb that moves something).
        ("How do I install the agent on Linux?", ""),
        ("can I pick which method to call from a value?", ""),
        ("I want to learn python", ""),
    ],
)
def test_a_question_the_other_way(question, reversed_):
    assert reversed_question(question) == reversed_


def test_a_heading_goes_the_same_way_the_other_way_or_neither():
    asked = ends("how do I convert a string to a number?")
    assert asked == (frozenset({"string"}), frozenset({"number"}))
    assert agreement(asked, "How do I convert a string to a number?") == 1
    assert agreement(asked, "How do I convert a number to a string?") == -1
    assert agreement(asked, "What is a number?") == 0  # no direction
    assert agreement(asked, "How do I convert a list to a tuple?") == 0  # none of its words


def test_the_direction_decides_between_two_headings_the_model_barely_tells_apart(tmp_path):
    """Python's programming FAQ: the model ranked "How do I convert a number to a string?" first for
    "How do I convert a string to a number?" (by 0.115); the direction puts each first for its own
    question, and "and the other way round?" goes from one to the other."""
    from roleqa.answer import Answerer
    from roleqa.build import ensure_index

    corpus = tmp_path / "faq"
    corpus.mkdir()
    source = DATA / "real" / "pyprog" / "rst" / "programming.rst.txt"
    (corpus / source.name).write_bytes(source.read_bytes())
    index, encoder = ensure_index(Settings(corpus_dir=corpus, index_dir=tmp_path / "ix", cache_dir=CACHE))
    answerer = Answerer(index, encoder)
    for question in ("How do I convert a string to a number?", "How do I convert a number to a string?"):
        assert answerer.ask(question, 1, 0.0).hits[0].passage.leaf == question
    chat = ChatSession(
        lambda q, k, topic, context: answerer.ask(q, k, answerer.calibration.threshold, topic, context),
        JsonRenderer(),
        3,
    )
    chat.handle("how do I convert a string to a number?")
    chat.handle("and the other way round?")
    assert chat.last.interpreted_as == "how do I convert a number to a string?"
    assert chat.last.answered and chat.last.hits[0].passage.leaf == "How do I convert a number to a string?"
