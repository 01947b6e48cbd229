"""Comparison answers (compare.py) with the real model: the shipped article's roles side by side."""

from __future__ import annotations

import json
from dataclasses import replace

import pexpect
import pytest
from typer.testing import CliRunner

from roleqa.answer import Answerer
from roleqa.cli import app
from roleqa.compare import is_comparative, topic_words
from roleqa.profile import Entity, Profile
from roleqa.render import TextRenderer

from .conftest import DATA, EXE, clean_env

COMPARISONS = [json.loads(line) for line in (DATA / "comparisons.jsonl").read_text().splitlines()]
ROLES = ["data scientist", "machine learning engineer"]
TWO = Profile((Entity("cat", "cats?", "cats"), Entity("dog", "dogs?", "dogs")))


def right(answerer, item) -> bool:
    """A comparison on the labelled topic whose sides are the two roles' passages of that section."""
    c = answerer.ask(item["question"], 3, answerer.calibration.threshold).comparison
    if c is None or c.topic != item["topic"] or c.entities != ROLES:
        return False
    for part in c.parts:
        for side, role in zip(part.sides, ROLES):
            about = [answerer.profile.entities_in(p.text.split(":")[0]) for p in side.passages]
            if any(p.section != part.section for p in side.passages) or any(a and role not in a for a in about):
                return False
    return True


@pytest.mark.parametrize("split", ["dev", "test"])
def test_comparative_questions_get_the_right_topic_side_by_side(answerer, split):
    items = [i for i in COMPARISONS if i["split"] == split]
    assert len(items) >= 6
    share = sum(right(answerer, i) for i in items) / len(items)
    assert share >= 0.9, share


def test_a_general_comparison_gets_every_section_of_the_differences_not_the_lead_in(answerer):
    c = answerer.ask("What sets data scientists and ML engineers apart?", 3, 0.0).comparison
    assert c.topic == "Key differences between data scientists and machine learning engineers"
    assert [p.topic for p in c.parts] == ["Focus and objectives", "Skill sets", "Educational background",
                                         "Tools and technologies"]  # fmt: skip
    assert all("set them apart" not in s["answer"] for s in c.to_json()["sides"])


@pytest.mark.parametrize(
    "question",
    ["How much do data scientists earn?", "Can a data scientist become a machine learning engineer?", "vs"],
)
def test_questions_that_do_not_compare_get_no_comparison(answerer, question):
    assert answerer.ask(question, 3, 0.0).comparison is None


def test_a_comparison_with_someone_the_article_is_not_about_is_not_made(answerer):
    r = answerer.ask("data scientist vs plumber: who earns more?", 3, answerer.calibration.threshold)
    assert r.comparison is None


def test_what_counts_as_a_comparison_comes_from_the_profile_alone():
    assert is_comparative("cats or dogs?", TWO) and is_comparative("a cat compared to ...", TWO)
    assert not is_comparative("do cats like dogs?", TWO)  # both named, but nothing compares them
    assert not is_comparative("cats or dogs?", Profile())  # no entities: the generic engine never compares
    assert topic_words("cats vs dogs: which is better?", TWO) == []
    assert topic_words("cats vs dogs: food", TWO) == ["food"]


def test_a_corpus_without_entities_has_nothing_to_compare(tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "pets.md").write_text(
        "# Pets\n\n## Food\n\n- Cats: they eat fish and meat.\n- Dogs: they eat almost anything.\n", encoding="utf-8"
    )
    args = ["--corpus", str(notes), "--index", str(tmp_path / "ix")]
    r = CliRunner().invoke(app, ["ask", "--json", *args, "cats vs dogs food"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output.splitlines()[-1])["comparison"] is None
    r = CliRunner().invoke(app, ["chat", *args], input="/compare food\n")
    assert "Nothing to compare here" in r.output


def test_json_carries_the_comparison_beside_unchanged_answers(shipped_index_dir):
    r = CliRunner().invoke(app, ["ask", "--json", "--index", str(shipped_index_dir), "ML eng vs data scientist pay"])
    row = json.loads(r.output.splitlines()[-1])
    assert set(row["comparison"]) == {"topic", "section", "sides"}
    assert row["comparison"]["topic"] == "Salary expectations"
    assert [s["entity"] for s in row["comparison"]["sides"]] == ROLES
    assert row["comparison"]["sides"][0]["ids"] == ["data-science-vs-machine-learning-engineer#salary-expectations-1"]
    assert "$90,000" in row["comparison"]["sides"][0]["answer"]
    assert "$160,000" in row["comparison"]["sides"][1]["answer"]
    assert set(row["answers"][0]) == {"rank", "id", "text", "score", "source", "highlight"}


def test_piped_chat_compares_plainly_by_transcript(shipped_index_dir):
    lines = "/compare\n/compare salary\n"
    r = CliRunner().invoke(app, ["chat", "--index", str(shipped_index_dir)], input=lines, env={"NO_COLOR": "1"})
    assert r.exit_code == 0, r.output
    assert r.output == (
        "Topics to compare on: Focus and objectives, Skill sets, Educational background, Tools and technologies, "
        "Job growth, Salary expectations.\n"
        "\n"
        "Compared on Salary expectations:\n"
        "Data scientist:\n"
        "  Data scientists: According to industry reports, data scientists command competitive\n"
        "  salaries, often ranging from $90,000 to over $150,000 annually, depending on\n"
        "  experience, education, and location.\n"
        "Machine learning engineer:\n"
        "  Machine learning engineers: Due to the technical expertise required for the role,\n"
        "  machine learning engineers typically earn higher salaries, often starting around\n"
        "  $100,000 and going beyond $160,000 for experienced professionals.\n"
        "— Career opportunities and job market > 2. Salary expectations (data-science-vs-…\n"
    )


def test_json_chat_gives_the_comparison_object_by_transcript(shipped_index_dir):
    args = ["chat", "--json", "--index", str(shipped_index_dir)]
    r = CliRunner().invoke(app, args, input="ML eng vs data scientist pay\n/compare\n/compare education\n")
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in r.output.splitlines()]
    assert len(rows) == 2  # /compare alone lists topics for people only
    assert rows[0]["comparison"] == {
        "topic": "Salary expectations",
        "section": "Career opportunities and job market > 2. Salary expectations",
        "sides": [
            {
                "entity": "data scientist",
                "answer": "Data scientists: According to industry reports, data scientists command competitive "
                "salaries, often ranging from $90,000 to over $150,000 annually, depending on experience, "
                "education, and location.",
                "ids": ["data-science-vs-machine-learning-engineer#salary-expectations-1"],
            },
            {
                "entity": "machine learning engineer",
                "answer": "Machine learning engineers: Due to the technical expertise required for the role, "
                "machine learning engineers typically earn higher salaries, often starting around $100,000 and "
                "going beyond $160,000 for experienced professionals.",
                "ids": ["data-science-vs-machine-learning-engineer#salary-expectations-2"],
            },
        ],
    }
    assert rows[1] == {"comparison": {**rows[1]["comparison"], "topic": "Educational background"}}
    assert [s["ids"] for s in rows[1]["comparison"]["sides"]] == [
        ["data-science-vs-machine-learning-engineer#educational-background-1"],
        ["data-science-vs-machine-learning-engineer#educational-background-2"],
    ]


def test_compare_on_a_topic_the_article_does_not_compare_says_so(shipped_index_dir):
    lines = "/compare weather\n/compare pay\n"
    r = CliRunner().invoke(app, ["chat", "--index", str(shipped_index_dir)], input=lines, env={"NO_COLOR": "1"})
    assert r.output.startswith('Nothing here compares them on "weather". Topics: Focus and objectives, Skill sets')
    assert "Compared on Salary expectations:" in r.output  # a word the article does not use still finds its topic


def test_compare_weighs_the_lead_of_its_best_answer_as_an_answer_does(answerer):
    # The shipped curve gives the lead no weight; a curve fitted on another corpus may. /compare
    # must read it as `ask` does, or the same passage is sure as an answer and unsure here.
    assert answerer.compare("weather") is None and answerer.compare("pay") is not None
    sure = Answerer(answerer.index, answerer.encoder, replace(answerer.calibration, gap=1000.0))
    unsure = Answerer(answerer.index, answerer.encoder, replace(answerer.calibration, gap=-1000.0))
    assert sure.compare("weather") is not None and unsure.compare("pay") is None


def test_two_columns_only_when_asked_and_wide_enough(answerer):
    c = answerer.compare("tools")
    wide = TextRenderer(0.5, width=100, columns=True).comparison(c).splitlines()
    assert wide[1].startswith("Data scientist ") and wide[1].endswith(" │ Machine learning engineer")
    assert all(len(line) <= 100 for line in wide)
    assert any(
        line.startswith("- R and Python for statistical") and "│ - Machine learning libraries" in line for line in wide
    )
    for narrow in (TextRenderer(0.5, width=60, columns=True), TextRenderer(0.5, width=100, columns=False)):
        assert "│" not in narrow.comparison(c)


@pytest.mark.parametrize("columns", [120, 60])
def test_the_chat_on_a_terminal_shows_comparisons_by_its_width(shipped_index_dir, tmp_path, columns):
    env = clean_env(NO_COLOR="1", TERM="xterm", XDG_DATA_HOME=str(tmp_path / "data"))
    child = pexpect.spawn(
        EXE, ["chat", "--index", str(shipped_index_dir)], env=env, encoding="utf-8", timeout=60,
        dimensions=(60, columns),
    )  # fmt: skip
    try:
        child.expect_exact('machine learning engineers: /compare TOPIC (e.g. "/compare salary").')
        child.expect_exact("roleqa> ")
        child.sendline("Should I become a data scientist or a machine learning engineer?")
        child.expect_exact("Compared on Key differences between data scientists and machine learning engineers:")
        child.expect_exact("roleqa> ")
        shown = child.before.replace("\r\n", "\n")
        lines = shown.splitlines()
        if columns >= 100:
            assert any(
                line.startswith("Data scientist ") and line.endswith("│ Machine learning engineer") for line in lines
            )
            assert sum("│" in line for line in lines) > 20
        else:
            assert "│" not in shown
            assert "Data scientist:" in lines and "Machine learning engineer:" in lines
            assert all(len(line) <= columns for line in lines), [line for line in lines if len(line) > columns]
        child.sendline("/compare salary")
        child.expect_exact("Compared on Salary expectations:")
        child.expect_exact("roleqa> ")
        child.sendline("/quit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
