"""`flock` locks on a file, with a bounded wait that says what it waits for.

The kernel drops a `flock` lock when its process dies, even by SIGKILL, so a
killed build never leaves a stale lock behind. Only store.py uses this: it
decides which lock files exist and where (inside the index folder). Where
`fcntl` does not exist (Windows), locking is skipped.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from roleqa.errors import RoleqaError

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Linux or macOS
    fcntl = None


@contextmanager
def locked(
    path: Path,
    exclusive: bool,
    wait: float,
    busy: str,
    waiting: str | None = None,
    notify: Callable[[str], None] = lambda _: None,
    mode: int = 0o644,
) -> Iterator[None]:
    """Hold the lock on file `path` for the block, waiting at most `wait` seconds.

    `busy` ends the error raised when the wait runs out ("another roleqa has
    been <busy> for over N s"); `waiting`, if given, is notified once when the
    lock is not free at once. Where the lock file cannot be made (a read-only
    place), nothing can be written there either, so there is nothing to guard.
    """
    if fcntl is None:
        yield
        return
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, mode)
    except OSError:
        yield
        return
    how = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
    deadline = time.monotonic() + wait
    told = False
    try:
        while True:
            try:
                fcntl.flock(fd, how | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise RoleqaError(
                        f"another roleqa has been {busy} for over {wait:.0f} s; try again when it is done"
                    ) from None
                if waiting and not told:
                    notify(waiting)
                    told = True
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def try_lock(path: Path) -> int | None:
    """An exclusive lock on `path` if it is free right now (a descriptor to close), else None."""
    if fcntl is None:
        return None
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd
