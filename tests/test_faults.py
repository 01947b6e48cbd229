"""Faults from outside: builds killed at random moments, builds and asks running at once.

These drive the installed `roleqa` in subprocesses, with the real model, on a
private index folder. Counts are printed for the README's robustness table.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest

from roleqa.index import leftovers, read_index

from .conftest import EXE, SALARY, SALARY_ID, clean_env

TRIALS = 30


def env() -> dict:
    return clean_env(NO_COLOR="1")


def ask_json(index: Path) -> tuple[subprocess.CompletedProcess, dict | None]:
    proc = subprocess.run(
        [EXE, "ask", "--json", "--index", str(index), SALARY], capture_output=True, text=True, env=env(), timeout=300
    )
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    return proc, rows[0] if rows else None


@pytest.fixture
def built(shipped_index_dir, tmp_path) -> Path:
    """A private copy of the shipped index, complete."""
    import shutil

    dest = tmp_path / "ix"
    shutil.copytree(shipped_index_dir, dest)
    return dest


def test_builds_killed_at_random_moments_never_break_the_index(built):
    # How long a whole build takes here, to spread the kills over all of it.
    start = time.monotonic()
    subprocess.run([EXE, "build", "--index", str(built)], env=env(), check=True, capture_output=True, timeout=300)
    whole = time.monotonic() - start
    rng = random.Random(20261127)
    phases = {"before writing": 0, "while writing": 0, "after it finished": 0}
    for trial in range(TRIALS):
        before = read_index(built).manifest["built_at"]
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        proc = subprocess.Popen([EXE, "build", "--index", str(built)], env=env(), **quiet)
        time.sleep(rng.uniform(0.0, whole * 1.1))
        writing = bool(leftovers(built))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            phases["while writing" if writing else "before writing"] += 1
        else:
            phases["after it finished"] += 1
        proc.wait(timeout=60)
        # The folder holds a complete index, the previous one or the new one: it loads and verifies.
        index = read_index(built)
        assert index.manifest["built_at"] >= before, trial
        result, row = ask_json(built)
        assert result.returncode == 0, result.stderr
        assert "building" not in result.stderr, (trial, result.stderr)  # used as it is, not rebuilt
        assert row["answered"] and row["answers"][0]["id"] == SALARY_ID, trial
        assert leftovers(built) == [], trial  # the ask cleared what the killed build left
    print(f"\n{TRIALS} kills over a {whole:.1f} s build:", phases)
    assert phases["before writing"] >= 5 and phases["while writing"] >= 3


def test_two_builds_and_several_asks_at_once(built):
    build = [EXE, "build", "--index", str(built)]
    pipes = {"stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE, "text": True}
    procs = [subprocess.Popen(build, env=env(), **pipes) for _ in range(2)]
    asks = [
        subprocess.Popen(
            [EXE, "ask", "--json", "--index", str(built), SALARY],
            env=env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    errors = []
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
        errors.append(err)
    assert sum("waiting for another roleqa to finish building" in e for e in errors) == 1  # serialized
    for p in asks:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
        assert "Traceback" not in err
        assert json.loads(out)["answers"][0]["id"] == SALARY_ID
    read_index(built)
    assert leftovers(built) == []
