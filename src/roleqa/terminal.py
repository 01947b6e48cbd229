"""The terminal: line editing for the chat (history kept across sessions, Ctrl-R, Tab
completion), questions read from stdin as they arrive, and a build's status and progress on stderr.

Python's readline module (GNU readline or libedit) gives `input()` all of
this; here it only gets a history file and a completer for the commands.
"""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from roleqa.escapes import safe

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


def stdin_lines() -> Iterator[str]:
    """Lines of stdin as they arrive, decoded leniently: a bad byte must not lose the batch."""
    stream = sys.stdin.buffer if hasattr(sys.stdin, "buffer") else None
    if stream is None:
        yield from sys.stdin
        return
    for raw in iter(stream.readline, b""):
        yield raw.decode("utf-8", errors="replace")


def stdin_batches(size: int = 128) -> Iterator[list[str]]:
    """Questions from stdin in batches: each batch is what has arrived, so the first answer never
    waits for more input, and a fast producer still gets answers embedded many at a time. Up to
    128 at a time: each batch reads every passage vector once, so at 126,009 passages a question
    costs 1.0 ms of search in a batch of 128 and 1.2 ms in one of 64."""
    lines: queue.Queue = queue.Queue()

    def read() -> None:
        for line in stdin_lines():
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    done = False
    while not done:
        batch = [lines.get()]
        while len(batch) < size and not lines.empty():
            batch.append(lines.get())
        done = batch[-1] is None
        questions = [q for q in batch if q is not None and q.strip()]
        if questions:
            yield questions


def notice(message: str) -> None:
    """A line for the user on stderr: a notice, a warning, what a build is doing."""
    typer.echo(f"roleqa: {safe(message)}", err=True)


def status_line(message: str) -> None:
    """What a build is doing before its progress bar starts: shown on a terminal only."""
    if sys.stderr.isatty():
        notice(message)


def progress_bar(total: int) -> Callable[[int], None]:
    """A progress bar on a terminal, counting the texts actually embedded; silent otherwise."""
    if not sys.stderr.isatty():
        return lambda _n: None
    bar = typer.progressbar(length=total, label=f"embedding {total} texts", file=sys.stderr)
    bar.__enter__()
    done = [0]

    def advance(n: int) -> None:
        bar.update(n)
        done[0] += n
        if done[0] >= total:
            bar.__exit__(None, None, None)

    return advance


def end_progress_line() -> None:
    """A progress bar stops mid-line; the shell's prompt must not be glued to it."""
    if sys.stderr.isatty():
        typer.echo("", err=True)
