"""The question log: what people asked and how it went, kept only when the user turns it on.

Off unless asked for (`--log`, ROLEQA_LOG=1, or `[review] log = true` in the corpus profile).
It never leaves the machine: one JSON Lines file per corpus in the user's data folder,
`~/.local/share/roleqa/log/<corpus folder name>-<hash of its path>.jsonl`. Each line is one event:

    {"time": "...", "question": "...", "answered": true, "answer": "<passage id>", "confidence": 0.91}
    {"time": "...", "question": "...", "feedback": "bad", "answer": "<passage id>"}     (/good, /bad)
    {"time": "...", "question": "...", "review": "skipped"}                            (roleqa review)

`roleqa review` reads it back (review.py).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from roleqa.result import Result


def log_path(data_dir: Path, corpus_dir: Path) -> Path:
    corpus = corpus_dir.resolve()
    digest = hashlib.sha256(str(corpus).encode()).hexdigest()[:10]
    return data_dir / "log" / f"{corpus.name or 'root'}-{digest}.jsonl"


@dataclass
class QuestionLog:
    """Appends events to one corpus's log file; a log that is off writes nothing."""

    path: Path
    on: bool = False
    notify: Callable[[str], None] = lambda _: None  # told once if the log cannot be written
    failed: bool = field(default=False, init=False)

    def asked(self, result: Result) -> None:
        best = result.hits[0] if result.hits else None
        self._write(
            {
                "question": result.question,
                "answered": result.answered,
                "answer": best.passage.id if best else None,
                "confidence": best.score if best else None,
            }
        )

    def feedback(self, result: Result, verdict: str) -> None:
        best = result.hits[0] if result.hits else None
        self._write({"question": result.question, "feedback": verdict, "answer": best.passage.id if best else None})

    def reviewed(self, question: str, outcome: str) -> None:
        self._write({"question": question, "review": outcome})

    def _write(self, event: dict) -> None:
        if not self.on:
            return
        event = {"time": datetime.now(timezone.utc).isoformat(timespec="seconds"), **event}
        try:
            # The questions are the user's own: readable by them alone, like a shell history.
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with open(fd, "a", encoding="utf-8") as f:
                f.write(json.dumps(event, ensure_ascii=False) + "\n")
        except OSError as e:  # answering goes on without the log
            if not self.failed:
                self.failed = True
                self.notify(f"cannot write the question log {self.path} ({e.strerror}); questions are not logged")


def read_log(path: Path) -> list[dict]:
    """The events of a log, oldest first; a line that is not a JSON object is passed over."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return []
    events = []
    for line in lines:
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(event, dict) and isinstance(event.get("question"), str):
            events.append(event)
    return events
