"""Locks around an index folder, so builds and readers in several processes never collide.

Two lock files sit next to the index folder `X`:
  .X.build.lock   held exclusively for a whole build: one builder at a time;
  .X.swap.lock    held shared while a reader loads the folder's files, and
                  exclusively for the instant a build swaps the new folder in:
                  a reader never sees half of one index and half of another.
Both are `flock` locks: the kernel drops them when their process dies, even
by SIGKILL, so a killed build never leaves a lock behind. Every wait is
bounded and says what it is waiting for. Where `fcntl` does not exist
(Windows), locking is skipped.
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

BUILD_WAIT = 600.0  # seconds a second builder waits for the first (a build takes ~10 s here)
SWAP_WAIT = 30.0  # seconds a reader waits for a swap (which takes milliseconds)


def lock_path(index_dir: Path, kind: str) -> Path:
    return index_dir.parent / f".{index_dir.name}.{kind}.lock"


@contextmanager
def locked(
    index_dir: Path,
    kind: str,
    exclusive: bool,
    wait: float,
    notify: Callable[[str], None] = lambda _: None,
) -> Iterator[None]:
    """Hold the `kind` lock of `index_dir` ("build" or "swap") for the block, waiting at most `wait` s."""
    if fcntl is None:
        yield
        return
    path = lock_path(index_dir, kind)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        # A read-only place: nobody can build there either, so there is nothing to guard.
        yield
        return
    mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
    deadline = time.monotonic() + wait
    told = False
    try:
        while True:
            try:
                fcntl.flock(fd, mode | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise RoleqaError(
                        f"another roleqa has been {'building' if kind == 'build' else 'updating'} {index_dir} "
                        f"for over {wait:.0f} s; try again when it is done"
                    ) from None
                if not told and kind == "build":
                    notify(f"waiting for another roleqa to finish building {index_dir}")
                    told = True
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def try_build_lock(index_dir: Path) -> int | None:
    """The build lock if it is free right now (a descriptor to close), else None."""
    if fcntl is None:
        return None
    try:
        fd = os.open(lock_path(index_dir, "build"), os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd
