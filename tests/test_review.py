"""The review loop with the real model: the question log, /good and /bad, `roleqa review`, and
alternate questions that survive rebuilds (questionlog.py, review.py, alternates.py)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from typer.testing import CliRunner

from roleqa.alternates import FILE, Alternate, append_alternates, read_alternates
from roleqa.cli import app
from roleqa.config import SHIPPED_CORPUS, Settings
from roleqa.errors import RoleqaError
from roleqa.profile import load_profile
from roleqa.review import group, pending

# Missed on the labelled dev split: declined though its answer ranks first, and answered from
# the skills FAQ though the education FAQ is the answer.
DECLINED = "who keeps an eye on models once they are deployed"
MONITORING = "data-science-vs-machine-learning-engineer#what-is-a-machine-learning-engineer-6"
WRONG = "Do data scientists need a PhD?"
EDUCATION = "data-science-vs-machine-learning-engineer#what-educational-background-is-typical-for-data-1"
# Out of scope, but answered on the dev split; and a rewording of it.
LAPTOP, LAPTOP_AGAIN = "What's a good laptop for data science?", "what laptop is best for data science"


@pytest.fixture
def own(shipped_index_dir, tmp_path):
    """A writable copy of the shipped corpus with a copy of its index, and a data folder of its own."""
    corpus, index = tmp_path / "corpus", tmp_path / "ix"
    shutil.copytree(SHIPPED_CORPUS, corpus)
    shutil.copytree(shipped_index_dir, index)
    env = {"XDG_DATA_HOME": str(tmp_path / "data"), "NO_COLOR": "1"}

    def run(*args: str, input: str | None = None):
        result = CliRunner().invoke(app, [*args, "--corpus", str(corpus), "--index", str(index)], input=input, env=env)
        assert result.exit_code == 0, result.output
        return result.output

    run.corpus, run.index, run.data = corpus, index, tmp_path / "data"
    return run


def top(output: str) -> list[tuple[bool, str]]:
    rows = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    return [(r["answered"], r["answers"][0]["id"]) for r in rows]


def test_a_missed_question_attached_in_review_is_answered_right_next_time_and_after_a_full_rebuild(own):
    before = top(own("ask", "--json", "--log", DECLINED, WRONG, LAPTOP, LAPTOP_AGAIN))
    assert before[0] == (False, MONITORING) and before[1][1] != EDUCATION and before[2][0] and before[3][0]
    out = own("chat", "--log", input=f"{WRONG}\n/bad\n{LAPTOP}\n/bad\n{LAPTOP_AGAIN}\n/bad\n")
    assert out.count("Noted as bad") == 3

    listed = [json.loads(line) for line in own("review", "--json").splitlines()]
    assert [g["questions"] for g in listed] == [[DECLINED], [WRONG], [LAPTOP, LAPTOP_AGAIN]]  # rewordings grouped
    assert [g["reasons"][0] for g in listed] == ["declined", "marked bad", "marked bad"]
    keys = [
        str(1 + [c["id"] for c in g["closest"]].index(want)) for g, want in zip(listed[:2], [MONITORING, EDUCATION])
    ]

    out = own("review", input=f"{keys[0]}\n{keys[1]}\no\n")
    assert "[1/3] 1 question (declined):" in out and "[3/3] 2 questions (marked bad):" in out
    assert "Saved 2 alternate questions and 2 out of scope" in out
    manifest = json.loads(next(own.index.glob("v-*/manifest.json")).read_text())
    assert manifest["embedded"]["texts"] == 4  # only the new alternates were embedded

    expected = [(True, MONITORING), (True, EDUCATION)]
    assert top(own("ask", "--json", DECLINED, WRONG)) == expected
    # A rewording of an attached question finds it too; a rewording of an out-of-scope one is declined.
    assert top(own("ask", "--json", "do I need a PhD to be a data scientist"))[0] == (True, EDUCATION)
    assert [a for a, _ in top(own("ask", "--json", LAPTOP, "which laptop should I buy for data science"))] == [
        False,
        False,
    ]
    assert top(own("ask", "--json", "What tools do data scientists use?"))[0][0]  # its neighbour still answered

    shutil.rmtree(own.index)  # a full rebuild reads the alternates from the corpus folder again
    assert top(own("ask", "--json", DECLINED, WRONG, LAPTOP)) == [
        *expected,
        (False, top(own("ask", "--json", LAPTOP))[0][1]),
    ]
    assert "Nothing to review" in own("review")


def test_with_the_log_off_nothing_is_written(own):
    own("ask", DECLINED, WRONG)
    out = own("chat", input=f"{WRONG}\n/bad\n/good\n")
    assert "The question log is off" in out
    assert not own.data.exists() or not any(own.data.rglob("*.jsonl"))
    assert "No questions logged" in own("review")
    assert not (own.corpus / FILE).exists()


def test_the_log_is_turned_on_by_the_environment_or_the_profile(own, tmp_path):
    assert Settings.from_env({"ROLEQA_LOG": "1"}).log_questions is True
    assert Settings.from_env({"ROLEQA_LOG": "off"}).log_questions is False
    with pytest.raises(RoleqaError, match="ROLEQA_LOG"):
        Settings.from_env({"ROLEQA_LOG": "maybe"})
    profile = own.corpus / "roleqa.toml"
    profile.write_text(profile.read_text() + "\n[review]\nlog = true\n", encoding="utf-8")
    assert load_profile(own.corpus).log_questions and load_profile(own.corpus) == load_profile(SHIPPED_CORPUS)
    own("ask", WRONG)  # and turning it on rebuilt nothing: the profile that answers is the same
    logs = list(own.data.rglob("*.jsonl"))
    logged = [json.loads(line) for f in logs for line in f.read_text().splitlines()]
    assert [e["question"] for e in logged] == [WRONG]
    assert [f.stat().st_mode & 0o777 for f in logs] == [0o600]  # the user's questions, for the user alone


def test_a_hand_edited_alternates_file_names_each_bad_line_and_keeps_the_rest(own):
    good = {"question": "who keeps watch over deployed models", "answer": MONITORING}
    (own.corpus / FILE).write_text(
        "# alternates, edited by hand\n"
        '{"question": "broken\n'
        + json.dumps(good)
        + "\n"
        + '{"question": "gone", "answer": "no-such-passage"}\n'
        + '{"answer": "x"}\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        app,
        [
            "ask",
            "--json",
            "--corpus",
            str(own.corpus),
            "--index",
            str(own.index),
            "who keeps watch over deployed models",
        ],
    )
    assert result.exit_code == 0, result.output
    notices = [line for line in result.output.splitlines() if line.startswith("roleqa:") and FILE in line]
    said = "\n".join(notices)
    assert len(notices) == 3 and "line 2: not valid JSON" in said and 'line 5: needs "question"' in said
    assert "line 4: no passage has the id 'no-such-passage'" in said
    assert top(result.output)[0] == (True, MONITORING)
    assert (own.corpus / FILE).read_text().startswith("# alternates, edited by hand\n")  # nothing rewritten


def test_a_review_whose_alternates_cannot_be_saved_stops_before_asking_anything(own):
    own("ask", "--log", DECLINED)
    (own.corpus / FILE).mkdir()  # not a file: cannot be written, even by root
    args = ["review", "--corpus", str(own.corpus), "--index", str(own.index)]
    result = CliRunner().invoke(app, args, input="1\n", env={"XDG_DATA_HOME": str(own.data)})
    assert result.exit_code == 1, result.output
    assert f"Error: cannot write {own.corpus / FILE}" in result.output and "Attach to" not in result.output


def test_alternates_are_appended_never_rewritten(tmp_path):
    (tmp_path / FILE).write_text('{"question": "a", "answer": "x"}', encoding="utf-8")  # no newline at the end
    append_alternates(tmp_path, [Alternate("b", None), Alternate("c", "y")])
    found, notices, digest = read_alternates(tmp_path)
    assert [(a.question, a.answer, a.line) for a in found] == [("a", "x", 1), ("b", None, 2), ("c", "y", 3)]
    assert not notices and digest


def test_the_alternates_file_is_not_a_document(own):
    (own.corpus / FILE).write_text(json.dumps({"question": "q", "out_of_scope": True}) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["build", "--corpus", str(own.corpus), "--index", str(own.index)])
    assert result.exit_code == 0 and "skipped" not in result.output, result.output


def test_what_needs_review():
    events = [
        {"question": "a", "answered": False, "confidence": 0.1},
        {"question": "b", "answered": True, "confidence": 0.9},
        {"question": "c", "answered": True, "confidence": 0.3},
        {"question": "b", "feedback": "bad"},
        {"question": "b", "answered": True, "confidence": 0.9},  # asked again: still marked bad
        {"question": "d", "answered": False, "confidence": 0.1},
        {"question": "d", "review": "skipped"},
        {"question": "E", "answered": False, "confidence": 0.1},
    ]
    assert pending(events, 0.25, known={"e"}) == [
        ("a", "declined"),
        ("b", "marked bad"),
        ("c", "low confidence (0.30)"),
    ]


def test_near_duplicates_are_grouped_and_others_are_not():
    v = np.array([[1.0, 0.0], [0.99, 0.141], [0.0, 1.0]], dtype=np.float32)
    groups = group([("x", "declined"), ("x again", "marked bad"), ("y", "declined")], v)
    assert [g.questions for g in groups] == [["x", "x again"], ["y"]]
