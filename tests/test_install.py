"""A regular install: the wheel, installed into a fresh virtualenv, answers from any folder."""

from __future__ import annotations

import os
import site
import subprocess
import sys
from pathlib import Path

from .conftest import CACHE, ROOT, SALARY, clean_env


def test_the_wheel_installed_in_a_fresh_venv_answers_from_another_folder(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (wheel,) = wheels.glob("roleqa-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    # The dependencies (torch, FAISS, ...) come from this test run's environment, so the test
    # does not download gigabytes; roleqa itself comes only from the wheel.
    (target,) = venv.glob("lib/python*/site-packages")
    (target / "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index"]
    subprocess.run([*pip, str(wheel)], check=True, capture_output=True, timeout=300)

    home = tmp_path / "home"
    (home / "cache" / "roleqa").mkdir(parents=True)
    os.symlink(CACHE / "encoders", home / "cache" / "roleqa" / "encoders")  # the model, exported once per run
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = clean_env(NO_COLOR="1", HOME=str(home), XDG_CACHE_HOME=str(home / "cache"))
    roleqa = str(venv / "bin" / "roleqa")
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import roleqa.config as c; print(c.PACKAGE_DIR, c.SHIPPED_CORPUS)"],
        capture_output=True,
        text=True,
        env=env,
        cwd=elsewhere,
    )
    package, corpus = map(Path, where.stdout.split())
    assert package.is_relative_to(target) and corpus == package / "corpus"  # not this checkout's

    proc = subprocess.run([roleqa, "ask", SALARY], capture_output=True, text=True, env=env, cwd=elsewhere)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Machine learning engineers: Due to the technical expertise"), proc.stdout
    # The index went to the user's cache; nothing was written into the installed package or here.
    assert list((home / "cache" / "roleqa" / "indexes").glob("corpus-*/CURRENT"))
    assert not list(package.rglob("CURRENT")) and list(elsewhere.iterdir()) == []

    clean = subprocess.run([roleqa, "clean"], capture_output=True, text=True, env=env, cwd=elsewhere)
    assert clean.returncode == 0, clean.stderr
    assert clean.stdout == (ROOT / "corpus" / "data-science-vs-machine-learning-engineer.md").read_text()
