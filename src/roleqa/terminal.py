"""Line editing for the chat on a terminal: history kept across sessions, Ctrl-R, Tab completion.

Python's readline module (GNU readline or libedit) gives `input()` all of
this; here it only gets a history file and a completer for the commands.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HISTORY_LENGTH = 1000


@contextmanager
def line_editing(history: Path, commands: list[str]) -> Iterator[None]:
    """Within the block, `input()` edits lines and remembers them in `history` (saved on exit)."""
    try:
        import readline
    except ImportError:  # no readline on this Python: plain input() still works
        yield
        return
    try:
        readline.read_history_file(history)
    except OSError:
        pass  # first session, or an unreadable file: start empty
    readline.set_history_length(HISTORY_LENGTH)

    def complete(text: str, state: int) -> str | None:
        matches = [c for c in commands if c.startswith(text)] if text.startswith("/") else []
        return matches[state] if state < len(matches) else None

    readline.set_completer(complete)
    readline.set_completer_delims(" \t\n")
    # libedit (macOS) and GNU readline spell the Tab binding differently.
    if "libedit" in (readline.__doc__ or ""):
        readline.parse_and_bind("bind ^I rl_complete")
    else:
        readline.parse_and_bind("tab: complete")
    try:
        yield
    finally:
        try:
            history.parent.mkdir(parents=True, exist_ok=True)
            readline.write_history_file(history)
        except OSError:
            pass  # a read-only home must not turn leaving the chat into an error
