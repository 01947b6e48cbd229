"""The index folder: roleqa's own, and the only module that touches it.

An index folder X holds nothing but what roleqa put there:

    CURRENT            the name of the live version, one line, replaced atomically
    v-<stamp>-<id>/    a complete version: manifest.json (format, what it was
                       built from, the sha256 of every other file) and its files;
                       .verified once a reader has checked them (checksums.py);
                       .stamp-seen, a corpus stamp noted by a reader (note_stamp)
    calibration.json   optional, from `roleqa eval --calibrate`; outlives versions
    .build.lock        `flock`, held by a build for its whole run: one builder at a time
    .swap.lock         `flock`, held shared by a reader while it loads the live
                       version, exclusive while CURRENT switches and old versions go
    tmp-<random>/      a version being written; left behind only by a killed build

Writing a new version goes through named steps; `Checkpoint` is called with
each name, so the crash tests can kill the process at every one of them:

    folder-made             tmp-<random>/ exists
    file-written:<name>     each file, written and fsynced
    manifest-written        manifest.json with every file's sha256, fsynced
    synced                  the folder's entries fsynced
    version-renamed         tmp-<random>/ renamed to v-<stamp>-<id>/
    current-switched        CURRENT names the new version (write, fsync, rename)
    cleaned                 the previous version and any leftovers deleted

Until `current-switched` the previous version is live; from it on, the new
one. Both are complete at every step, so a build killed anywhere leaves a
usable index, and the next build or ask deletes what it left (`recover`).
Locks and temporary folders live inside X, never beside it.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO

from roleqa.checksums import mismatch, replace_text, sha256_file
from roleqa.config import curve_of
from roleqa.errors import RoleqaError
from roleqa.locking import locked, try_lock

FORMAT = "roleqa-index"
FORMAT_VERSION = 9
CURRENT = "CURRENT"
MANIFEST = "manifest.json"
CALIBRATION = "calibration.json"
BUILD_LOCK = ".build.lock"
SWAP_LOCK = ".swap.lock"
STAMP_SEEN = ".stamp-seen"
BUILD_WAIT = 600.0  # seconds a second builder waits for the first
SWAP_WAIT = 30.0  # seconds a reader waits for a switch (which takes milliseconds)
# An index folder written by roleqa 0.1 (format 2) kept its files at the top;
# such a folder is still roleqa's, and a build replaces those files.
LEGACY_FILES = (
    "manifest.json passages.jsonl passages.faiss headings.faiss sections.faiss sentences.faiss "
    "encoder.onnx encoder.onnx.data tokenizer.json"
).split()

Checkpoint = Callable[[str], None]
# A file's content: bytes, or a function that writes it to an open binary file.
Content = bytes | Callable[[BinaryIO], None]


class IndexUnusable(Exception):
    """The folder holds no usable index (missing, damaged, foreign); says why."""


@dataclass(frozen=True)
class Version:
    """A version of an index folder: its files are in `path`.

    Its files are checked against their sha256 in a second thread while the
    caller reads them (hashlib releases the GIL); `verified` waits for that
    check and raises IndexUnusable if a file does not match.
    """

    folder: Path
    path: Path
    manifest: dict
    check: Future | None = None

    def verified(self) -> None:
        problem = self.check.result() if self.check is not None else None
        if problem:
            raise IndexUnusable(problem)


def check_owned(folder: Path) -> None:
    """Refuse, before any work, a path that is not an index folder roleqa may write."""
    if not folder.exists():
        return
    if not folder.is_dir():
        raise RoleqaError(f"index path {folder} is a file; pass --index with a folder path")
    if (folder / CURRENT).is_file() or _is_legacy(folder):
        return
    # Only roleqa's own lock files and unfinished versions: a first build that never finished.
    if any(not p.name.startswith((BUILD_LOCK, SWAP_LOCK, "tmp-")) for p in folder.iterdir()):
        raise RoleqaError(f"{folder} is not empty and holds no roleqa index; pass --index with an empty or new folder")


@contextmanager
def reading(folder: Path) -> Iterator[Version]:
    """The live version of `folder`, verified; no build switches versions until the block ends.

    Raises IndexUnusable saying why there is no usable index.
    """
    with locked(
        folder / SWAP_LOCK, exclusive=False, wait=SWAP_WAIT, busy=f"updating {folder}", mode=_file_mode(folder)
    ):
        yield _current(folder)


def _current(folder: Path) -> Version:
    try:
        name = (folder / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        if _is_legacy(folder):
            raise IndexUnusable("it was written by an older roleqa") from None
        raise IndexUnusable("there is no index yet") from None
    except OSError:
        raise IndexUnusable("its CURRENT file is unreadable") from None
    path = folder / name
    if not name.startswith("v-") or "/" in name or not path.is_dir():
        raise IndexUnusable("its CURRENT file names no version")
    manifest = read_manifest(path)
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        raise IndexUnusable("its manifest does not list its files")
    for file in files:
        if not (path / file).is_file():
            raise IndexUnusable(f"{file} is missing")
    return Version(folder, path, manifest, _CHECKER.submit(mismatch, path, files))


_CHECKER = ThreadPoolExecutor(max_workers=1)


def read_manifest(path: Path) -> dict:
    """The manifest in version folder `path`, checked for format and version."""
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexUnusable("its manifest is missing") from None
    except (OSError, ValueError):
        raise IndexUnusable("its manifest is unreadable") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise IndexUnusable("its manifest is not a roleqa manifest")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexUnusable(f"it has format version {manifest.get('format_version')}, not {FORMAT_VERSION}")
    return manifest


class Writer:
    """Writes new versions of one index folder; made by `writing`, which holds the build lock."""

    def __init__(self, folder: Path, mode: int, checkpoint: Checkpoint) -> None:
        self.folder = folder
        self.dir_mode = mode
        self.file_mode = mode & 0o666
        self.checkpoint = checkpoint

    def current(self) -> Version | None:
        """The live version, verified, or None (to reuse what it already holds)."""
        try:
            version = _current(self.folder)
            version.verified()
            return version
        except IndexUnusable:
            return None

    def commit(self, files: dict[str, Content], manifest: dict) -> Version:
        """Write `files` and the manifest as a new version and make it the live one (module docstring)."""
        step = self.checkpoint
        tmp = Path(tempfile.mkdtemp(prefix="tmp-", dir=self.folder))
        try:
            os.chmod(tmp, self.dir_mode)
            step("folder-made")
            for name, content in files.items():
                self._write(tmp / name, content)
                step(f"file-written:{name}")
            manifest = {
                **manifest,
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "files": {name: sha256_file(tmp / name) for name in files},
            }
            self._write(tmp / MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode())
            step("manifest-written")
            _fsync_dir(tmp)
            step("synced")
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
            version = self.folder / f"v-{stamp}-{secrets.token_hex(3)}"
            os.rename(tmp, version)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        _fsync_dir(self.folder)
        step("version-renamed")
        swap = self.folder / SWAP_LOCK
        with locked(swap, exclusive=True, wait=SWAP_WAIT, busy=f"reading {self.folder}", mode=self.file_mode):
            self._write(self.folder / f"{CURRENT}.tmp", (version.name + "\n").encode())
            os.replace(self.folder / f"{CURRENT}.tmp", self.folder / CURRENT)
            _fsync_dir(self.folder)
            step("current-switched")
            recover(self.folder)
        step("cleaned")
        return Version(self.folder, version, manifest)

    def _write(self, path: Path, content: Content) -> None:
        # Written by Python and fsynced, so a full disk is an OSError like any
        # other and the file is on disk before anything points at it.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, self.file_mode)
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), self.file_mode)
            if isinstance(content, bytes):
                f.write(content)
            else:
                content(f)
            f.flush()
            os.fsync(f.fileno())


@contextmanager
def writing(
    folder: Path, mode: int = 0o755, checkpoint: Checkpoint = lambda _: None, notify: Callable[[str], None] = print
) -> Iterator[Writer]:
    """Hold `folder`'s build lock for the block, after refusing a foreign folder and recovering a killed build.

    `mode` is the permission of the folders (files get it without the x
    bits), less the user's umask: an index is as private as its corpus.
    """
    check_owned(folder)
    mode &= ~_umask() & 0o777
    new = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    if new:
        os.chmod(folder, mode)
    with locked(
        folder / BUILD_LOCK,
        exclusive=True,
        wait=BUILD_WAIT,
        busy=f"building {folder}",
        waiting=f"waiting for another roleqa to finish building {folder}",
        notify=notify,
        mode=mode & 0o666,
    ):
        recover(folder)
        yield Writer(folder, mode, checkpoint)


def live_version(folder: Path) -> str | None:
    """The name of the live version of `folder` (what CURRENT says), or None."""
    try:
        return (folder / CURRENT).read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def leftovers(folder: Path) -> list[Path]:
    """What killed builds left in `folder`: unfinished or replaced versions, a half-written CURRENT."""
    if not folder.is_dir():
        return []
    live = live_version(folder)
    found = [p for p in folder.iterdir() if p.name.startswith(("tmp-", "v-")) and p.name != live]
    found += [folder / f"{CURRENT}.tmp"] if (folder / f"{CURRENT}.tmp").exists() else []
    if live is not None:  # a folder switched to this layout drops the old one's files
        found += [folder / name for name in LEGACY_FILES if (folder / name).is_file()]
    return sorted(found)


def recover(folder: Path) -> None:
    """Delete what killed builds left (call with the build lock held, or the swap lock exclusive)."""
    for path in leftovers(folder):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def clear_leftovers(folder: Path) -> None:
    """Delete what killed builds left in `folder`, unless a build is running now."""
    if not leftovers(folder):
        return
    fd = try_lock(folder / BUILD_LOCK)
    if fd is not None:
        try:
            recover(folder)
        finally:
            os.close(fd)


def noted_stamp(version_dir: Path | None) -> str | None:
    """The corpus stamp a command noted in a version folder (see note_stamp), or None."""
    try:
        return (version_dir / STAMP_SEEN).read_text(encoding="utf-8").strip() if version_dir else None
    except OSError:
        return None


def note_stamp(version_dir: Path, stamp: str) -> None:
    """Note in a version folder a corpus stamp found with its build's contents, for a build that
    could not record one (a file saved seconds before it): later commands need not read the files."""
    replace_text(version_dir / STAMP_SEEN, stamp + "\n")


def read_calibration(folder: Path, model_fingerprint: str | None) -> dict | None:
    """The confidence curve and threshold `roleqa eval --calibrate` fitted in `folder`, for this model.

    A dict with float "slope", "lexical", "offset", "threshold" (and "unknown", "gap"), or None.
    """
    try:
        saved = json.loads((folder / CALIBRATION).read_text(encoding="utf-8"))
        fitted = curve_of(saved)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    # Scores differ between models: a calibration fitted on another is meaningless.
    if saved.get("model_fingerprint") != model_fingerprint:
        return None
    return fitted if 0.0 <= fitted["threshold"] <= 1.0 and fitted["slope"] > 0 else None


def write_calibration(folder: Path, model_fingerprint: str | None, fitted: dict, fitted_on: dict) -> Path:
    """Save a fitted calibration (config.CURVE_KEYS and "unknown") in `folder`; it outlives rebuilds."""
    path = folder / CALIBRATION
    saved = {
        **fitted,
        "model_fingerprint": model_fingerprint,
        "fitted_on": fitted_on,
        "fitted_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(saved, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def _is_legacy(folder: Path) -> bool:
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8")).get("format") == FORMAT
    except (OSError, ValueError, AttributeError):
        return False


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. Windows cannot open folders
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some file systems refuse fsync on folders
        pass
    finally:
        os.close(fd)


def _file_mode(folder: Path) -> int:
    """Files in `folder` are as readable as the folder itself."""
    try:
        return folder.stat().st_mode & 0o666
    except OSError:
        return 0o644


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
