"""Alternate questions a FAQ owner attached to answers (`roleqa review`), as data beside the corpus.

The file is `roleqa-alternates.jsonl` in the corpus folder: one JSON object per line, for a person
to read, edit and commit with the documents:

    {"question": "what do ml folks earn", "answer": "data-science-vs-...#salary-expectations-2"}
    {"question": "what is a duns number", "out_of_scope": true}

`answer` is a passage id (`roleqa ask --json` shows them). Blank lines and lines starting with
`#` are ignored. A line that is not valid, or names a passage the documents no longer have, is
left out with a one-line notice naming it; every other line still counts. roleqa only ever
appends to the file.

An index holds the alternates' vectors after its headings' (a rebuild embeds only new ones);
a question close to an alternate scores its passage as if the passage said the question
(question-to-question matching, like a FAQ entry), and one close to an out-of-scope wording
is declined.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from roleqa.document import file_stem
from roleqa.errors import RoleqaError
from roleqa.passage import Passage

FILE = "roleqa-alternates.jsonl"


@dataclass(frozen=True)
class Alternate:
    """A wording of a question: for the passage `answer`, or out of scope (`answer` None)."""

    question: str
    answer: str | None
    line: int = 0  # where it stands in the file, for messages

    def to_json(self) -> dict:
        if self.answer is None:
            return {"question": self.question, "out_of_scope": True}
        return {"question": self.question, "answer": self.answer}


def read_alternates(corpus_dir: Path) -> tuple[list[Alternate], list[str], str | None]:
    """The file's alternates, one notice per line left out, and a digest of the file (None: no file)."""
    path = corpus_dir / FILE
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return [], [], None
    except OSError as e:
        return [], [f"cannot read {path} ({e.strerror}); answering without its alternates"], None
    found, notices = [], []
    for number, raw in enumerate(data.decode("utf-8", errors="replace").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            entry = json.loads(line)
            question = entry["question"]
            out = entry.get("out_of_scope", False) is True
            answer = None if out else entry["answer"]
            if not isinstance(question, str) or not question.strip() or not (out or isinstance(answer, str)):
                raise TypeError
        except json.JSONDecodeError as e:
            notices.append(f"{path} line {number}: not valid JSON ({e.msg}); that line is left out")
            continue
        except (KeyError, TypeError, AttributeError):
            notices.append(
                f'{path} line {number}: needs "question" and "answer" (a passage id) or "out_of_scope": true; '
                "that line is left out"
            )
            continue
        found.append(Alternate(" ".join(question.split()), answer, number))
    return found, notices, hashlib.sha256(data).hexdigest()


def check_writable(corpus_dir: Path) -> None:
    """Before a review: fail now, not after the walk, if the alternates cannot be saved."""
    path = corpus_dir / FILE
    try:
        if path.exists():
            open(path, "a").close()  # noqa: SIM115 - opened only to see that it can be
        else:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL))
            os.unlink(path)
    except OSError as e:
        raise RoleqaError(_cannot_write(path, e.strerror or type(e).__name__)) from None


def _cannot_write(path: Path, why: str) -> str:
    return (
        f"cannot write {path} ({why}); make the corpus folder writable, or copy the documents to a folder of "
        "yours and pass --corpus DIR"
    )


def append_alternates(corpus_dir: Path, alternates: list[Alternate]) -> Path:
    """Add alternates at the end of the file (made if missing); what is in it already stays as it is."""
    path = corpus_dir / FILE
    text = "".join(json.dumps(a.to_json(), ensure_ascii=False) + "\n" for a in alternates)
    try:
        with open(path, "a+", encoding="utf-8") as f:
            f.seek(0, os.SEEK_END)
            if f.tell():
                f.seek(f.tell() - 1)
                if f.read(1) != "\n":
                    text = "\n" + text  # a hand edit left no newline at the end
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
    except OSError as e:
        raise RoleqaError(_cannot_write(path, e.strerror or type(e).__name__)) from None
    return path


def matched(found: list[Alternate], ids: list[str], corpus_dir: Path) -> tuple[list[Alternate], list[int], list[str]]:
    """The alternates that name a passage of `ids` (or are out of scope), each one's passage row
    (-1: out of scope), and a notice naming the line of each one left out."""
    row_of = {pid: i for i, pid in enumerate(ids)}
    kept, rows, notices = [], [], []
    for a in found:
        if a.answer is not None and a.answer not in row_of:
            notices.append(
                f"{corpus_dir / FILE} line {a.line}: no passage has the id {a.answer!r} (the documents changed?); "
                "that line is left out"
            )
            continue
        kept.append(a)
        rows.append(row_of[a.answer] if a.answer is not None else -1)
    return kept, rows, notices


def pointed(passages: list[Passage]) -> tuple[list[Alternate], list[int]]:
    """FAQ entries whose answer only points to another section (`Passage.refers`, "See the guide's
    section on file encoding"): each one's question as an alternate wording of the first passage
    of the section it points to, and the rows of those entries, which are never answers
    themselves. A pointer to a section no passage has stays an ordinary answer."""
    pointers = [(row, p) for row, p in enumerate(passages) if p.refers]
    if not pointers:
        return [], []  # (the usual case: no section's slug is computed)
    first: dict[tuple[str, str], str] = {}
    for p in passages:
        first.setdefault((file_stem(p.document), _anchor(p.leaf)), p.id)
    found, rows = [], []
    for row, p in pointers:
        file, _, anchor = p.refers.partition("#")
        target = first.get((file_stem(file or p.document), _anchor(anchor)))
        if target is not None and target != p.id:
            found.append(Alternate(p.question_or_heading, target))
            rows.append(row)
    return found, rows


def _anchor(text: str) -> str:
    """A heading or a link's anchor reduced to its letters and digits: "File encoding",
    "#file-encoding" and GitHub's "arent" for "aren't" compare equal."""
    return re.sub(r"[\W_]+", "", text.lower())
