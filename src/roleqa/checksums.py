"""Files checked against their sha256, without hashing them again while they are untouched.

Hashing every file of an index (and the 90 MB of the exported model) on every
command took a third of a one-shot answer at 10 MB of text. So after a full
check passes, each file's identity (size, modification and change times,
inode) is recorded in `.verified` beside the files; while every file still has
the identity recorded, it is the file that was hashed. Writing to a file,
truncating or replacing it changes its change time (ctime), which no user
command can set back. What this cannot see is a disk flipping bits behind the
file system's back. Where `.verified` cannot be written (a read-only folder),
every check hashes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path

MARKER = ".verified"


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def mismatch(folder: Path, files: dict[str, str]) -> str | None:
    """Why the files in `folder` do not match their sha256 in `files`, or None.

    Only files whose identity changed since the last check that passed are hashed.
    """
    identities = {}
    for name in files:
        try:
            st = os.stat(folder / name)
        except OSError as e:
            return f"{name} is unreadable ({e.strerror or type(e).__name__})"
        identities[name] = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
    record = {"files": files, "identities": identities}
    try:
        if json.loads((folder / MARKER).read_text(encoding="utf-8")) == record:
            return None
    except (OSError, ValueError):
        pass
    for name, digest in files.items():
        try:
            if sha256_file(folder / name) != digest:
                return f"{name} does not match its checksum"
        except OSError as e:
            return f"{name} is unreadable ({e.strerror or type(e).__name__})"
    replace_text(folder / MARKER, json.dumps(record))
    return None


def replace_text(path: Path, text: str) -> bool:
    """Write a small file whole (a temporary file, then renamed: a reader never sees half of it);
    False where it cannot be written, which a caller may ignore (a read-only folder)."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
        return True
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        return False
