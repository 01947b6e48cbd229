"""End to end through the CLI, with the real bundled model."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from roleqa.cli import app

from .conftest import CACHE, DATA, EXE, ROOT, SALARY, SALARY_ID, clean_env
from .test_clean import JUNK

runner = CliRunner()


@pytest.fixture
def ix(shipped_index_dir):
    return ["--index", str(shipped_index_dir)]


def run(args, input=None):
    return runner.invoke(app, args, input=input, env={"NO_COLOR": "1"})


def test_ask_answers_the_salary_question_in_sentence_case(ix):
    r = run(["ask", "How much do machine learning engineers earn?", *ix])
    assert r.exit_code == 0, r.output
    first = r.output.splitlines()[0]
    assert first.startswith("Machine learning engineers: Due to the technical expertise required")
    assert "$100,000" in r.output and "$160,000" in r.output
    assert "Salary expectations" in r.output and "confidence" in r.output


def test_json_lines_follow_the_contract(ix):
    questions = ["How much do machine learning engineers earn?", "What is a DUNS number?"]
    r = run(["ask", "--json", "-k", "4", *ix], input="\n".join(questions) + "\n\n")
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in r.output.splitlines()]
    assert [row["question"] for row in rows] == questions
    for row in rows:
        assert set(row) == {*"question interpreted_as answered answers suggestions did_you_mean comparison".split()}
        assert row["interpreted_as"] is None  # ask takes every question as it is
        assert [a["rank"] for a in row["answers"]] == [1, 2, 3, 4]
        scores = [a["score"] for a in row["answers"]]
        assert all(0.0 <= s <= 1.0 for s in scores)
        assert scores == sorted(scores, reverse=True)  # confidence follows the ranking
        for a in row["answers"]:
            assert set(a) == {"rank", "id", "text", "score", "source", "highlight"}
            assert a["highlight"] and all(0 <= s < e <= len(a["text"]) for s, e in a["highlight"])
            assert set(a["source"]) == {"document", "section", "kind"}
            assert a["source"]["kind"] in {"faq", "article"}
            assert a["source"]["document"] == "data-science-vs-machine-learning-engineer.md"
        assert all(isinstance(s, str) for s in row["suggestions"])
    inside, outside = rows
    assert inside["answered"] is True and inside["answers"][0]["id"] == SALARY_ID
    top = inside["answers"][0]
    assert [top["text"][s:e] for s, e in top["highlight"]] == [top["text"]]  # a one-sentence passage
    assert inside["suggestions"] == []
    assert outside["answered"] is False
    assert len(outside["suggestions"]) == 3 and all(s.endswith("?") for s in outside["suggestions"])


def test_out_of_scope_says_so_plainly(ix):
    r = run(["ask", "How do I bake sourdough bread?", *ix])
    assert r.exit_code == 0
    assert r.output.startswith("I don't have a good answer to that")
    assert "Questions I can answer include:" in r.output


def test_no_junk_ever_appears_in_an_answer(ix):
    questions = [line for line in (ROOT / "tests/data/eval.jsonl").read_text().splitlines()]
    questions = [json.loads(q)["question"] for q in questions] + [f"tell me about {j}" for j in JUNK]
    r = run(["ask", "--json", "-k", "41", *ix], input="\n".join(questions))
    assert r.exit_code == 0
    for line in r.output.splitlines():
        for a in json.loads(line)["answers"]:
            for junk in JUNK:
                assert junk.lower() not in a["text"].lower()


def test_several_questions_as_arguments_are_answered_in_order(ix):
    r = run(["ask", "what do data scientists earn", "what is a DUNS number", *ix])
    assert r.exit_code == 0
    heads = [line for line in r.output.splitlines() if line.startswith("» ")]
    assert heads == ["» what do data scientists earn", "» what is a DUNS number"]


def test_threshold_and_top_k_options(ix):
    r = run(["ask", "--json", "--threshold", "1", "-k", "1", "How much do data scientists earn?", *ix])
    row = json.loads(r.output)
    assert row["answered"] is False and len(row["answers"]) == 1


@pytest.mark.parametrize(
    "args, message",
    [
        (["ask", "-k", "0", "q"], "top-k must be at least 1"),
        (["ask", "--threshold", "2", "q"], "threshold must be between 0 and 1"),
        (["ask", "  "], "question is empty"),
        (["ask", "--corpus", "/nonexistent/folder", "q"], "does not exist"),
    ],
)
def test_user_errors_are_one_line(args, message):
    r = run(args)
    assert r.exit_code == 1
    assert "Traceback" not in r.output
    assert message in r.output
    assert len(r.output.strip().splitlines()) == 1


def test_an_empty_corpus_is_a_clear_error(tmp_path):
    (tmp_path / "image.png").write_bytes(b"\x89PNG\x00")
    r = run(["ask", "--corpus", str(tmp_path), "--index", str(tmp_path / "ix"), "q"])
    assert r.exit_code == 1
    assert "no documents with text in" in r.output and ".pdf" in r.output


def test_bad_option_is_a_usage_error():
    r = run(["ask", "--top-k", "many", "q"])
    assert r.exit_code == 2
    assert "Traceback" not in r.output


def test_your_own_documents(tmp_path):
    notes = tmp_path / "notes"
    (notes / "sub").mkdir(parents=True)
    (notes / "garden.md").write_text(
        "# Garden\n\n## Watering\n\nWater the tomatoes every morning before nine.\n\n"
        "## Pests\n\nAphids on the roses are washed off with soapy water.\n"
    )
    (notes / "sub" / "bikes.txt").write_text("Pump the bicycle tyres to four bar every two weeks.\n")
    (notes / "broken.txt").write_bytes(b"\xff\xfe\x00binary")
    env_index = tmp_path / "cache"
    (env_index / "roleqa").mkdir(parents=True)
    os.symlink(CACHE / "encoders", env_index / "roleqa" / "encoders")  # the model exported once per test run
    r = runner.invoke(
        app,
        [
            "ask",
            "--json",
            "--corpus",
            str(notes),
            "how often should I water tomatoes?",
            "what pressure for my bike tyres?",
            "what is the capital of France?",
        ],
        env={"NO_COLOR": "1", "XDG_CACHE_HOME": str(env_index)},
    )
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in r.output.splitlines() if line.startswith("{")]
    assert rows[0]["answers"][0]["text"].startswith("Water the tomatoes")
    assert rows[0]["answers"][0]["source"] == {"document": "garden.md", "section": "Watering", "kind": "article"}
    assert rows[1]["answers"][0]["source"]["document"] == "sub/bikes.txt"
    # The generic confidence curve on three passages: what the notes say is answered, the rest is not
    # (a corpus this small lacks most words of any question: that counts less, answer.MISSING_FULL).
    assert [row["answered"] for row in rows] == [True, True, False]
    assert "skipped broken.txt" in r.output
    assert list(env_index.glob("roleqa/indexes/notes-*/CURRENT"))


def test_corpus_from_environment_and_rebuild_on_change(tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text("Llamas eat grass and hay.\n")
    env = {"ROLEQA_CORPUS": str(notes), "ROLEQA_INDEX": str(tmp_path / "ix"), "NO_COLOR": "1"}
    r = runner.invoke(app, ["ask", "--json", "what do llamas eat"], env=env)
    assert json.loads(r.output.splitlines()[-1])["answers"][0]["text"] == "Llamas eat grass and hay."
    (notes / "a.md").write_text("Alpacas eat grass too.\n")
    r = runner.invoke(app, ["ask", "--json", "what do alpacas eat"], env=env)
    assert "the corpus changed" in r.output
    assert json.loads(r.output.splitlines()[-1])["answers"][0]["text"] == "Alpacas eat grass too."


def test_chat_with_piped_input(ix):
    r = run(["chat", "--json", *ix], input="How much do machine learning engineers earn?\n\nWhat is a DUNS number?\n")
    assert r.exit_code == 0
    rows = [json.loads(line) for line in r.output.splitlines()]
    assert [row["answered"] for row in rows] == [True, False]
    assert rows[0]["answers"][0]["id"] == SALARY_ID
    r = run(["chat", *ix], input="what do data scientists earn?\n")
    assert r.output.startswith("Data scientists: According to industry reports")


def test_build_command(tmp_path):
    notes = tmp_path / "n"
    notes.mkdir()
    (notes / "x.md").write_text("# X\n\nSome text about the letter X.\n")
    r = run(["build", "--corpus", str(notes), "--index", str(tmp_path / "ix")])
    assert r.exit_code == 0, r.output
    assert "indexed 1 passages" in r.output
    assert (tmp_path / "ix" / "CURRENT").is_file()


def test_clean_command_reproduces_the_corpus(tmp_path):
    out = tmp_path / "out.md"
    r = run(["clean", str(ROOT / "sources/000_cafb6aafcb78b802.txt"), "-o", str(out)])
    assert r.exit_code == 0
    assert out.read_text() == (ROOT / "corpus/data-science-vs-machine-learning-engineer.md").read_text()


def test_installed_console_script(shipped_index_dir):
    assert Path(EXE).exists(), "roleqa is not installed in this environment; run `make setup`"
    proc = subprocess.run(
        [EXE, "ask", "--index", str(shipped_index_dir), SALARY],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Machine learning engineers: Due to the technical expertise")
    assert not re.search(r"\x1b\[", proc.stdout)  # piped: no colour
    assert proc.stderr == ""
    proc = subprocess.run([sys.executable, "-m", "roleqa", "--version"], capture_output=True, text=True)
    assert proc.stdout.startswith("roleqa ")


def test_near_misses_about_other_jobs_are_declined_not_bluffed(ix):
    questions = [
        "How much does a data analyst earn?",
        "What does a DevOps engineer do?",
        "What do data scientists earn?",
    ]
    rows = [json.loads(line) for line in run(["ask", "--json", *ix, *questions]).output.splitlines()]
    assert [row["answered"] for row in rows] == [False, False, True]


def test_a_list_question_gets_the_list_and_an_item_question_the_item(ix):
    doc = "data-science-vs-machine-learning-engineer#"
    questions = ["what are the duties of a machine learning engineer, all of them?", "do ML engineers use Keras?"]
    duties, keras = (json.loads(line) for line in run(["ask", "--json", *ix, *questions]).output.splitlines())
    ids = [a["id"] for a in duties["answers"]]
    assert doc + "what-is-a-machine-learning-engineer-list-1" in ids  # the whole list, once
    items = {f"{doc}what-is-a-machine-learning-engineer-{n}" for n in range(2, 8)}
    assert not items & set(ids)  # and none of its items beside it
    top = keras["answers"][0]
    assert top["id"] == doc + "tools-and-technologies-2-1" and "Keras" in top["text"]


def test_eval_reports_and_calibrates_for_your_own_documents(tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "garden.md").write_text(
        "# Garden\n\n## Watering\n\nWater the tomatoes every morning before nine.\n\n"
        "## Pests\n\nAphids on the roses are washed off with soapy water.\n\n"
        "## Tools\n\n- A hoe for weeds\n- Shears for the hedge\n- A rake for leaves\n"
    )
    labelled = tmp_path / "garden.jsonl"
    rows = [
        ("when do I water the tomatoes", ["garden#watering-1"], True),
        ("how to get rid of aphids", ["soapy water"], True),  # a phrase, not an id
        ("what do I cut the hedge with", ["garden#tools-2"], True),
        ("who won the world cup", [], False),
        ("how do I reset my router", [], False),
    ]
    labelled.write_text("".join(json.dumps({"question": q, "relevant": r, "in_scope": s}) + "\n" for q, r, s in rows))
    ix = ["--corpus", str(notes), "--index", str(tmp_path / "ix")]
    r = run(["eval", str(labelled), "--json", *ix])
    assert r.exit_code == 0, r.output
    report = json.loads(r.output.splitlines()[-1])
    assert report["metrics"]["in_scope"] == 3 and report["metrics"]["out_of_scope"] == 2
    assert report["metrics"]["recall_at_1"] == 1.0
    r = run(["eval", str(labelled), "--calibrate", *ix])
    assert r.exit_code == 0, r.output
    assert "in-scope answered" in r.output and "saved to" in r.output
    saved = json.loads((tmp_path / "ix" / "calibration.json").read_text())
    r = run(["ask", "--json", *ix, "when do I water the tomatoes"])
    answer = json.loads(r.output.splitlines()[-1])
    assert answer["answered"] is True
    # ask now uses the saved threshold: shown when a question is not answered.
    r = run(["ask", *ix, "who won the world cup"])
    assert f"needs {saved['threshold']:.2f}" in r.output


def test_eval_errors_are_one_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "q"}\n')
    for args, message in [
        (["eval", str(tmp_path / "missing.jsonl")], "cannot read"),
        (["eval", str(bad)], "bad.jsonl:1: expected"),
        (["eval", str(DATA / "eval.jsonl"), "--split", "nope"], "no labelled questions in split 'nope'"),
    ]:
        r = run(args)
        assert r.exit_code == 1 and message in r.output and "Traceback" not in r.output, r.output


def test_a_folder_that_is_not_an_index_is_refused_before_any_work(tmp_path, monkeypatch):
    from roleqa import build

    monkeypatch.setattr(build, "resolve_sources", lambda _s: pytest.fail("the corpus was read"))
    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "cat.jpg").write_bytes(b"meow")
    for command in (["build"], ["ask", "q"]):
        r = run([*command, "--index", str(foreign)])
        assert r.exit_code == 1
        assert r.output.startswith(f"Error: {foreign} is not empty and holds no roleqa index")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photos"]  # no lock file beside it
    assert [p.name for p in foreign.iterdir()] == ["cat.jpg"]  # nor in it


def test_help_is_plain_and_describes_the_tool():
    r = runner.invoke(app, ["--help"], env={"NO_COLOR": "1", "COLUMNS": "100"})
    assert "answers questions from documents" in r.output and "Data Science Vs Machine Learning Engineer" in r.output
    for command in ("ask", "chat", "eval"):
        out = runner.invoke(app, [command, "--help"], env={"NO_COLOR": "1", "COLUMNS": "100"}).output
        assert re.search(r"^  --json\s+Print", out, re.MULTILINE), out  # a flag, not `--json <bool>`
        assert "<bool>" not in out
    assert "<bool>" not in r.output and re.search(r"^  --version\s+Show", r.output, re.MULTILINE)
    assert runner.invoke(app, []).exit_code == 2  # bare `roleqa`: the help, as a usage error


def test_ask_answers_each_line_of_stdin_as_it_arrives(shipped_index_dir):
    import select

    proc = subprocess.Popen(
        [EXE, "ask", "--json", "--index", str(shipped_index_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env(NO_COLOR="1"),
    )
    try:
        for question in (SALARY, "What is a DUNS number?"):
            proc.stdin.write(question + "\n")
            proc.stdin.flush()
            # The answer comes while stdin is still open (the wait is only a safety net).
            ready, _, _ = select.select([proc.stdout], [], [], 120)
            assert ready, "no answer before the end of input"
            assert json.loads(proc.stdout.readline())["question"] == question
        proc.stdin.close()
        assert proc.wait(timeout=60) == 0
    finally:
        proc.kill()


def test_an_index_is_as_private_as_its_corpus(tmp_path):
    import stat

    notes = tmp_path / "private"
    notes.mkdir(mode=0o700)
    (notes / "diary.md").write_text("# Diary\n\nThe spare key is under the blue pot.\n")
    r = run(["build", "--corpus", str(notes), "--index", str(tmp_path / "ix")])
    assert r.exit_code == 0, r.output
    paths = [tmp_path / "ix", *(tmp_path / "ix").rglob("*")]
    assert {stat.S_IMODE(p.stat().st_mode) for p in paths if p.is_dir()} == {0o700}
    assert {stat.S_IMODE(p.stat().st_mode) for p in paths if p.is_file()} == {0o600}


def test_index_gitignore_names_only_what_exists():
    lines = (ROOT / "index" / ".gitignore").read_text().splitlines()
    for kept in (line[1:] for line in lines if line.startswith("!")):
        assert (ROOT / "index" / kept).exists(), kept


def test_a_faq_entry_that_only_points_elsewhere_is_answered_from_where_it_points(tmp_path):
    """ripgrep's FAQ answers "How do I search files that aren't UTF-8?" with "See the guide's section
    on file encoding." (a link): the question is answered from that section, never by the pointer."""
    notes = tmp_path / "docs"
    notes.mkdir()
    (notes / "FAQ.md").write_text(
        "# FAQ\n\n## How do I search files that aren't UTF-8?\n\n"
        "See the [guide's section on file encoding](GUIDE.md#file-encoding).\n\n"
        "## Can it read compressed files?\n\nYes: pass `-z` to search inside gzip and xz archives.\n"
    )
    (notes / "GUIDE.md").write_text(
        "# Guide\n\n## File encoding\n\nFiles in UTF-16 are transcoded to UTF-8 before searching, "
        "found by their byte order mark; pass `-E latin1` for any other encoding.\n\n"
        "## Colors\n\nColors are on when printing to a terminal and off in a pipe.\n"
    )
    r = run(
        [
            "ask",
            "--json",
            "--corpus",
            str(notes),
            "--index",
            str(tmp_path / "ix"),
            "-k",
            "3",
            "How do I search files that aren't UTF-8?",
        ]
    )
    assert r.exit_code == 0, r.output
    answer = json.loads(r.output.splitlines()[-1])
    ids = [a["id"] for a in answer["answers"]]
    assert ids[0].startswith("guide#file-encoding")
    assert not [i for i in ids if i.startswith("faq#how-do-i-search")]  # the pointer is never an answer
    manifest = json.loads(next((tmp_path / "ix").glob("v-*/manifest.json")).read_text())
    assert manifest["alternates"]["entries"][0]["question"] == "How do I search files that aren't UTF-8?"
