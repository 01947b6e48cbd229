"""The chat as a person uses it: the installed command in a real pseudo-terminal, driven by pexpect."""

import subprocess

import pexpect
import pytest

from .conftest import EXE, clean_env

PROMPT = "roleqa> "
UP = "\x1b[A"


@pytest.fixture
def chat(shipped_index_dir, tmp_path):
    """Start `roleqa chat` on a terminal; yields a function that starts another one."""
    children = []

    def start():
        env = clean_env(NO_COLOR="1", TERM="xterm", XDG_DATA_HOME=str(tmp_path / "data"))
        child = pexpect.spawn(
            EXE,
            ["chat", "--index", str(shipped_index_dir)],
            env=env,
            encoding="utf-8",
            timeout=60,
            dimensions=(50, 100),
        )
        children.append(child)
        return child

    yield start
    for child in children:
        child.close(force=True)


def test_a_session(chat, tmp_path):
    c = chat()
    c.expect("Try for instance:")
    c.expect("What is the primary focus of a data scientist\\?")
    c.expect_exact(PROMPT)

    c.sendline("How much do data scientists earn?")
    c.expect("According to industry reports")
    c.expect_exact(PROMPT)

    c.sendline("and ML engineers?")
    c.expect_exact("Taking this as: How much do machine learning engineers earn?")
    c.expect("earn higher salaries")
    c.expect_exact(PROMPT)

    c.sendline("/sources")
    c.expect("1\\. [01]\\.\\d\\d  data-science-vs-machine-learning-engineer#salary-expectations-2")
    c.expect_exact(PROMPT)

    # Up arrow recalls the last line; Enter runs it again.
    c.send(UP)
    c.expect_exact("/sources")
    c.send("\r")
    c.expect("salary-expectations-2")
    c.expect_exact(PROMPT)

    # Tab completes a command.
    c.send("/wh\t")
    c.expect_exact("/why")
    c.send("\r")
    c.expect("ranking score")
    c.expect_exact(PROMPT)

    # Ctrl-C on a half-typed line drops the line and keeps the session.
    c.send("half typed question")
    c.expect_exact("half typed question")  # readline has it on the line
    c.sendintr()
    c.expect_exact(PROMPT)
    assert "confidence" not in c.before and "good answer" not in c.before  # nothing was asked
    c.sendline("/help")
    c.expect("Commands:")
    c.expect_exact(PROMPT)

    # Ctrl-D on an empty line leaves with status 0.
    c.sendeof()
    c.expect(pexpect.EOF)
    c.close()
    assert c.exitstatus == 0

    history = (tmp_path / "data" / "roleqa" / "history").read_text()
    assert "How much do data scientists earn?" in history and "and ML engineers?" in history
    assert "half typed question" not in history


def test_history_survives_the_session(chat):
    first = chat()
    first.expect_exact(PROMPT)
    first.sendline("What tools do data scientists use?")
    first.expect("Jupyter")
    first.expect_exact(PROMPT)
    first.sendline("/quit")
    first.expect(pexpect.EOF)

    second = chat()
    second.expect_exact(PROMPT)
    second.send(UP)  # the last line of the first session
    second.expect_exact("/quit")
    second.send(UP)  # and the one before
    second.expect_exact("What tools do data scientists use?")
    second.send("\r")
    second.expect("Jupyter")
    second.expect_exact(PROMPT)
    # Ctrl-R searches the history.
    second.send("\x12tools do")
    second.expect_exact("What tools do data scientists use?")
    second.send("\r")
    second.expect("Jupyter")
    second.expect_exact(PROMPT)
    second.sendeof()
    second.expect(pexpect.EOF)


def test_ctrl_c_during_a_build_ends_the_line_and_keeps_the_previous_index(shipped_index_dir, tmp_path):
    from roleqa.index import read_index

    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text("# Notes\n\n" + "\n\n".join(f"Note {i} is about topic {i}." for i in range(140)))
    args = ["--corpus", str(notes), "--index", str(tmp_path / "ix")]
    env = clean_env(NO_COLOR="1", TERM="xterm")
    subprocess.run([EXE, "build", *args], env=env, check=True, capture_output=True, timeout=300)
    before = read_index(tmp_path / "ix").manifest["corpus"]["fingerprint"]
    (notes / "a.md").write_text((notes / "a.md").read_text().replace("topic", "subject"))
    # The build sends itself SIGINT, as Ctrl-C would, once its first batch is embedded.
    child = pexpect.spawn(
        EXE, ["build", *args], env=env | {"ROLEQA_TEST_FAULT": "INT@embedding"}, encoding="utf-8", timeout=300
    )
    child.expect_exact("roleqa: loading the model ...")  # said before the bar, which counts what is embedded
    child.expect("embedding \\d+ texts")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    out = child.before
    assert "\r\nroleqa: the build was interrupted; the previous index is unchanged" in out, out
    assert out.endswith("\r\n")  # the shell's prompt starts on a line of its own
    assert "Traceback" not in out
    assert read_index(tmp_path / "ix").manifest["corpus"]["fingerprint"] == before
