"""The chat loop: a prompt around an injected answer function.

Input and output are injected too, so the loop is tested with an exact
transcript and the CLI decides about readline, colour and JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from roleqa.errors import RoleqaError

HELP = """Ask a question in your own words, e.g. "How much do ML engineers earn?".
Commands:
  /help   show this help
  /quit   leave the chat (also: exit, quit, Ctrl-D)
Ctrl-C clears the line you are typing."""

QUIT = {"/quit", "/exit", "exit", "quit", ":q"}


def run_chat(
    answer: Callable[[str], str],
    read_line: Callable[[str], str],
    write: Callable[[str], None],
    prompt: str = "roleqa> ",
    welcome: str = "",
) -> int:
    """Read questions until /quit or end of input, writing each answer. Returns an exit code.

    `read_line(prompt)` behaves like `input`: EOFError ends the chat and
    KeyboardInterrupt abandons the current line.
    """
    if welcome:
        write(welcome)
    while True:
        try:
            line = read_line(prompt).strip()
        except EOFError:
            write("")
            return 0
        except KeyboardInterrupt:
            write("")
            continue
        if not line:
            continue
        if line.lower() in QUIT:
            return 0
        if line.lower() in {"/help", "help", "?"}:
            write(HELP)
            continue
        if line.startswith("/"):
            write(f"Unknown command {line.split()[0]}; type /help for the commands.")
            continue
        try:
            write(answer(line))
        except RoleqaError as e:
            write(f"Error: {e}")
        except KeyboardInterrupt:
            write("(cancelled)")


def answer_lines(lines: Iterable[str], answer: Callable[[str], str], write: Callable[[str], None]) -> int:
    """Piped chat: one question per non-empty line, each answered in turn."""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if line.lower() in QUIT:
            break
        write(answer(line))
    return 0
