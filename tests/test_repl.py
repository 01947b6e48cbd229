"""The chat loop and session, with exact transcripts through injected input and output."""

import json

from roleqa.errors import RoleqaError
from roleqa.passage import Passage
from roleqa.profile import load_profile
from roleqa.render import JsonRenderer
from roleqa.repl import HELP, ChatSession, answer_lines, run_chat, topic_of
from roleqa.result import Hit, Result

from .conftest import SHIPPED_CORPUS

ROLES = load_profile(SHIPPED_CORPUS)  # the shipped article's two roles, for its follow-ups


def scripted(lines):
    """An input() stand-in that replays lines, raising what it is given."""
    it = iter(lines)

    def read_line(prompt):
        out.append(prompt)
        item = next(it)
        if isinstance(item, BaseException):
            raise item
        return item

    out = []
    return read_line, out


class FakeAsk:
    """Answers "<question> #n" for n = 1..k, recording what it was asked; "boom" is an error."""

    def __init__(self):
        self.asked = []

    def __call__(self, question, k, topic, context=""):
        self.asked.append((question, k, topic))
        if question == "boom":
            raise RoleqaError("index broken")
        section = "Salary" if "earn" in question else "Tools"
        hits = [
            Hit(
                n,
                Passage(f"d#{section.lower()}-{n}", "d.md", "T", section, "article", f"{question} #{n}"),
                0.9 - n / 10,
            )
            for n in range(1, k + 1)
        ]
        hits[0] = Hit(1, hits[0].passage, 0.9, 1.5, parts=(("dense", 0.7), ("role", 1.0), ("other_job", 0.0)))
        answered = "weather" not in question
        return Result(question, answered, hits, [] if answered else ["Try this?"])


class FakeRenderer:
    """The best answer's text; for /more and /sources, what the session handed over."""

    def result(self, result):
        return f"A: {result.hits[0].passage.text}"

    def answers(self, hits):
        return "more: " + ", ".join(f"{h.rank}. {h.passage.text}" for h in hits)

    def sources(self, hits):
        return "sources: " + ", ".join(f"{h.rank}. {h.passage.id}" for h in hits)


def session(k=2, as_json=False):
    ask = FakeAsk()
    return ChatSession(ask, JsonRenderer() if as_json else FakeRenderer(), k, as_json, profile=ROLES), ask


def test_transcript_with_follow_ups_and_commands():
    chat, ask = session()
    read_line, out = scripted(
        [
            "",
            "How much do data scientists earn?",
            "and ML engineers?",
            "/sources",
            "/more",
            "/why",
            "/k 1",
            "/k many",
            "/reset",
            "and ML engineers?",
            "/nope",
            KeyboardInterrupt(),
            "boom",
            "/help",
            "/quit",
        ]
    )
    assert run_chat(chat, read_line, out.append, welcome="hi") == 0
    prompt = "roleqa> "
    assert out == [
        "hi",
        prompt,
        prompt,
        "A: How much do data scientists earn? #1",
        prompt,
        "Taking this as: How much do machine learning engineers earn?\n"
        "A: How much do machine learning engineers earn? #1",
        prompt,
        "sources: 1. d#salary-1, 2. d#salary-2",
        prompt,
        "more: 3. How much do machine learning engineers earn? #3, 4. How much do machine learning engineers earn? #4",
        prompt,
        "\n".join(
            [
                "Best answer: d#salary-1",
                "Read as: How much do machine learning engineers earn?",
                "  dense cosine, question to passage        0.700",
                "  cosine to its heading / FAQ question      0.000  (x 0.3)",
                "  cosine to its section (mean of passages)  0.000  (x 0.6)",
                "  words in common (BM25, 0 to 1)            0.000  (x 0.4)",
                "  role: same +1, the other -1                  +1  (x 0.05)",
                "  on the topic of the previous answer       0.000  (x 0.3)",
                "  heading the question's way: +1, back -1      +0  (x 0.15)",
                "  asks about another job                       no  (-1)",
                "  ranking score                             1.500",
                "  question's words no passage has (share)   0.000",
                "  lead over the fifth best answer           0.000",
                "  confidence (chance it is right)           0.900",
                "  answered",
            ]
        ),
        prompt,
        "Showing 1 answers per question.",
        prompt,
        "Usage: /k N, with N from 1 to 50.",
        prompt,
        "Forgot the conversation; the next question is read on its own.",
        prompt,
        "A: and ML engineers? #1",  # no context any more: taken as it is
        prompt,
        "Unknown command /nope; type /help for the commands.",
        prompt,
        "",
        prompt,
        "Error: index broken",
        prompt,
        HELP,
        prompt,
    ]
    # The role swap kept the topic: the previous answer's sections got the bonus.
    assert ask.asked[1] == ("How much do machine learning engineers earn?", 2, {"Salary": 1.0})


def test_unanswered_questions_do_not_become_the_topic():
    chat, ask = session()
    chat.handle("What tools do data scientists use?")
    chat.handle("what about the weather?")  # read as a follow-up, not answered
    assert chat.last.interpreted_as == "What about the weather for data scientists?"
    chat.handle("and ML engineers?")
    assert ask.asked[-1][0] == "What tools do machine learning engineers use?"


def test_a_first_question_left_unanswered_is_still_what_a_follow_up_leans_on():
    chat, ask = session()
    chat.handle("which weather station logs rain every day?")  # not answered, nothing before it
    chat.handle("is the weather station log kept for a year?")  # not answered either: now the one to lean on
    assert chat.last.interpreted_as is None
    chat.handle("and one that logs wind?")
    assert (
        chat.last.interpreted_as == "and one that logs wind? (following: is the weather station log kept for a year?)"
    )
    assert ask.asked[-1][2] == {}  # no topic to keep to: its answers were not given
    # Once a question is answered, an unanswered one no longer replaces it.
    chat.handle("What tools do data scientists use?")
    chat.handle("what about the weather?")
    chat.handle("and ML engineers?")
    assert ask.asked[-1][0] == "What tools do machine learning engineers use?"


def test_end_of_input_and_exit_words():
    chat, _ = session()
    read_line, out = scripted(["what do data scientists earn", EOFError()])
    assert run_chat(chat, read_line, out.append) == 0
    assert out[-1] == ""
    for word in ("exit", "quit", "/QUIT"):
        read_line, out = scripted([word, "never read"])
        assert run_chat(session()[0], read_line, out.append) == 0


def test_commands_before_any_question():
    chat, _ = session()
    assert chat.handle("/why") == "Ask a question first."
    assert chat.handle("/sources") == "Ask a question first."


def test_piped_json_carries_the_reading_and_commands_stay_silent():
    chat, _ = session(as_json=True)
    out = []
    lines = ["What do data scientists earn?\n", "/help\n", "and ML engineers?\n", "/reset\n", "and ML engineers?\n"]
    answer_lines(lines, chat, out.append)
    rows = [json.loads(line) for line in out]
    assert [r["interpreted_as"] for r in rows] == [None, "What do machine learning engineers earn?", None]
    assert [r["question"] for r in rows] == ["What do data scientists earn?", "and ML engineers?", "and ML engineers?"]


def test_piped_text_separates_answers_and_stops_at_quit():
    chat, _ = session()
    out = []
    answer_lines(
        ["what does a teacher earn\n", "\n", "  what does a pilot earn  \n", "/quit\n", "c\n"], chat, out.append
    )
    assert out == ["A: what does a teacher earn #1", "", "A: what does a pilot earn #1"]


def test_a_failing_line_in_piped_chat_is_reported_and_the_batch_goes_on():
    chat, _ = session()
    out, errors = [], []
    code = answer_lines(
        ["what does a teacher earn\n", "boom\n", "what does a pilot earn\n"], chat, out.append, errors.append
    )
    assert code == 1
    assert out == ["A: what does a teacher earn #1", "", "A: what does a pilot earn #1"]
    assert errors == ["Error: index broken"]


def test_the_topic_weighs_each_section_by_its_answer_confidence_over_the_best():
    def hit(section: str, score: float) -> Hit:
        return Hit(1, Passage(id=section, document="d", title="T", section=section, kind="article", text="x"), score)

    assert topic_of([hit("A", 0.9), hit("B", 0.45), hit("A", 0.3)]) == {"A": 1.0, "B": 0.5}
    assert topic_of([]) == {}
