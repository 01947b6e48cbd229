"""Every command has help text and is documented in the README."""

import pytest
from typer.testing import CliRunner

from roleqa.cli import app

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = ["ask", "chat", "eval", "review", "build", "clean"]


def test_the_command_list_is_complete():
    r = CliRunner().invoke(app, ["--help"], env={"NO_COLOR": "1", "COLUMNS": "200"})
    assert r.exit_code == 0
    listed = [c for c in COMMANDS if f" {c} " in r.output]
    assert listed == COMMANDS
    from typer.main import get_command

    assert sorted(get_command(app).commands) == sorted(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_command_has_help_and_is_in_the_readme(command):
    r = CliRunner().invoke(app, [command, "--help"], env={"NO_COLOR": "1", "COLUMNS": "200"})
    assert r.exit_code == 0
    assert "Usage:" in r.output and len(r.output) > 200
    assert f"`roleqa {command}" in README
