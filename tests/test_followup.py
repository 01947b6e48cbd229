"""Reading follow-up questions against the previous turn (pure, no model)."""

import pytest

from roleqa.config import SHIPPED_CORPUS
from roleqa.followup import Turn, interpret, leans_on_previous, sibling_alternatives, turn_entity
from roleqa.profile import Profile, load_profile

ROLES = load_profile(SHIPPED_CORPUS)
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
    got = interpret(question, previous, ROLES)
    assert got is not None and got.question == reading and got.same_topic == same_topic and not got.context


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
        "ok and how do I sort a pandas DataFrame by a column?",  # openings in a row, then a question
        "What skills are needed?",  # no pronoun, no follow-up opening
    ],
)
def test_self_contained_questions_are_never_rewritten(question):
    assert interpret(question, DS, ROLES) is None
    assert interpret(question, MLE, ROLES) is None


def test_nothing_to_lean_on():
    assert interpret("and ML engineers?", None, ROLES) is None


def test_the_entity_of_a_turn():
    assert turn_entity("What do data scientists earn?", ROLES) == "data scientist"
    assert turn_entity("How much do ML engineers earn?", ROLES) == "machine learning engineer"
    assert turn_entity("data scientists vs ML engineers", ROLES) is None
    assert turn_entity("what pays best?", ROLES, frozenset({"data scientist"})) == "data scientist"
    assert turn_entity("what pays best?", ROLES, frozenset({"data scientist", "machine learning engineer"})) is None
    assert turn_entity("What do data scientists earn?", Profile()) is None  # no profile, no entities


LINUX = Turn("How do I install the agent on Linux?", None)
SIBLINGS = sibling_alternatives(["Setup > Installing on Linux", "Setup > Installing on Windows", "Setup > Upgrading"])


def test_terms_in_the_same_place_of_sibling_headings_are_alternatives():
    assert SIBLINGS == [["Linux", "Windows"]]


@pytest.mark.parametrize(
    ("previous", "question", "reading", "context"),
    [
        (LINUX, "and on Windows?", "How do I install the agent on Windows?", ""),  # swap from sibling headings
        (LINUX, "and what about windows then?", "How do I install the agent on Windows?", ""),
        (LINUX, "is it slow?", "is it slow? (following: How do I install the agent on Linux?)", LINUX.question),
        (
            LINUX,
            "can I force it to restart?",
            "can I force it to restart? (following: How do I install the agent on Linux?)",
            LINUX.question,
        ),
        (
            LINUX,
            "can I use apt instead?",
            "can I use apt instead? (following: How do I install the agent on Linux?)",
            LINUX.question,
        ),
        (
            LINUX,
            "and the other way round?",
            "and the other way round? (following: How do I install the agent on Linux?)",
            LINUX.question,
        ),
        (
            LINUX,
            "and without root?",
            "and without root? (following: How do I install the agent on Linux?)",
            LINUX.question,
        ),
        # A reversal of a question with a direction is that question the other way (no context: the
        # previous answer is the wrong direction); one that asks more is read in context.
        (
            Turn("How do I convert a string to a number?"),
            "and the other way round?",
            "How do I convert a number to a string?",
            "",
        ),
        (Turn("how do i turn a str into bytes?"), "ok, and vice versa?", "how do i turn bytes into a str?", ""),
        (
            Turn("how do I migrate from MySQL to PostgreSQL?"),
            "the opposite?",
            "how do I migrate from PostgreSQL to MySQL?",
            "",
        ),
        (
            Turn("How do I convert a string to a number?"),
            "and the other way round for floats?",
            "and the other way round for floats? (following: How do I convert a string to a number?)",
            "How do I convert a string to a number?",
        ),
        (
            Turn("who is the landlord?"),
            "and their phone number?",
            "and their phone number? (following: who is the landlord?)",
            "who is the landlord?",
        ),
    ],
)
def test_follow_ups_on_any_corpus(previous, question, reading, context):
    got = interpret(question, previous, Profile(), SIBLINGS)
    assert got is not None and got.question == reading and got.context == context


@pytest.mark.parametrize(
    "question",
    [
        "How do I install the agent on macOS?",
        "And what is the default port of the agent?",
        "What does the configuration file look like?",
        "How do I list the files the agent would scan without scanning them?",  # "them" points inside it
        "Is it safe to delete the cache folder?",  # "it ... to delete": it points at nothing
        "How long does it take to scan a disk?",
        "Should I use the CLI instead of the API?",  # "instead of X" is no "instead?"
        "how many ml of milk go into a pancake?",
        "thanks, what is the default port of the agent?",
        "and how long does it take to learn the agent's configuration language?",
        "what is this thing called an agent and who wrote it in the first place",
        "keep the agent from starting at boot without uninstalling it",  # "it" points inside
        "the cache folder is huge, can I delete those .tmp files safely?",
    ],
)
def test_self_contained_questions_on_any_corpus_are_taken_as_they_are(question):
    assert not leans_on_previous(question) or question.startswith("How do I list")
    assert interpret(question, LINUX, Profile(), SIBLINGS) is None


@pytest.mark.parametrize(
    "question",
    [
        "so how would I use that to sort by two keys in different directions?",
        "so do I need handlers on every one of them?",
        "and how do I generate a hashed one for a script?",
        "ok, how would i move over to it later on?",  # after an opening, "it" points back
        "got it. and how do i turn that into an installable .deb?",
        "ok, how do i switch to the real thing then?",
        "will those bump the program to a newer upstream version?",  # a subject that points back
        "does it still work when the machine has no network at all?",
        "is there something faster than writing a lambda for that?",  # a demonstrative that ends a clause
        "how do I change that and send everything to a file?",
    ],
)
def test_an_opening_and_a_pronoun_lean_on_the_previous_turn_at_any_length(question):
    assert leans_on_previous(question)
    reading = interpret(question, LINUX, Profile(), SIBLINGS)
    assert reading.context == LINUX.question and reading.same_topic


def test_the_article_profile_changes_nothing_without_it():
    # "ml" is spelled out only by the shipped article's profile.
    assert ROLES.expand("how many ml of milk?") == "how many machine learning of milk?"
    assert Profile().expand("how many ml of milk?") == "how many ml of milk?"


def notes_answerer(tmp_path, name: str, text: str):
    """An Answerer over one note, indexed with the fake encoder (plumbing, not answer quality)."""
    from roleqa.answer import Answerer
    from roleqa.build import ensure_index
    from roleqa.config import Settings

    from .conftest import CACHE
    from .fakes import FakeEncoder

    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / name).write_text(text)
    settings = Settings(corpus_dir=notes, index_dir=tmp_path / "ix", cache_dir=CACHE)
    return Answerer(*ensure_index(settings, FakeEncoder()))


def test_a_follow_up_read_by_its_form_is_answered_with_the_previous_question_as_context(tmp_path):
    answerer = notes_answerer(
        tmp_path,
        "agent.md",
        "# Agent\n\n## Installing the agent\n\nRun the installer script as root, then restart the agent service.\n\n"
        "## Uninstalling the agent\n\nStop the agent service, then delete its folder and its cron entry.\n\n"
        "## Backups\n\nCopy the data folder to the shared drive every night, then restart the service.\n",
    )
    alone = answerer.ask("and then restart it?", 1, 0.0)
    previous = "how do I install the agent as root?"
    reading = interpret("and then restart it?", Turn(previous), Profile(), [])
    assert reading is not None and reading.context == previous
    together = answerer.ask("and then restart it?", 1, 0.0, context=reading.context)
    assert alone.hits[0].passage.leaf == "Backups"  # its own words alone point elsewhere
    assert together.hits[0].passage.leaf == "Installing the agent"


def test_suggestions_are_questions_then_headings_never_introduction(tmp_path):
    answerer = notes_answerer(
        tmp_path,
        "agent.md",
        "# Agent\n\nThe agent collects metrics on every host of the cluster.\n\n"
        "## Installing the agent\n\nRun the installer script as root, then restart the agent service.\n\n"
        "## Why is the agent slow?\n\n- It scans every disk at start.\n- It waits for the network to be up.\n"
        "- It compresses old logs.\n",
    )
    result = answerer.ask("what is the capital of Peru?", 3, 1.0)
    assert not result.answered
    # The question heading (its answer is a list: passages without a question of their own) is
    # suggested as the question it is; the other heading as what to ask about; nothing twice.
    assert set(result.suggestions) == {"Why is the agent slow?", "Ask about: Installing the agent"}


def test_what_a_small_corpus_lacks_counts_in_proportion_to_its_size(tmp_path):
    from roleqa.answer import MISSING_FULL
    from roleqa.lexical import tokenize

    answerer = notes_answerer(tmp_path, "bikes.md", "# Bikes\n\nPump the bicycle tyres to four bar every two weeks.\n")
    index = answerer.index
    question = "how do I patch a puncture in the tyres?"
    lacking = index.lexical.unknown_share(index.lexical.idf_of_terms(set(tokenize(question))))
    hit = answerer.ask(question, 1, 0.0).hits[0]
    assert 0.5 < lacking < 1 and index.size < MISSING_FULL
    assert dict(hit.parts)["unknown"] == pytest.approx(lacking * index.size / MISSING_FULL, abs=1e-3)
