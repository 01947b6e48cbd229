"""A passage: a unit of retrieval and of answer, with where it comes from (chunking.py makes them).

Also the heading helpers passages and chunking share: a heading without its numbering, and the
slug that passage ids are made of.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

INTRODUCTION = "Introduction"

# "2. ", "1.2.3 ", "A.3. ", "Chapter 4. ": a heading's numbering, left out of its leaf.
_NUMBERING_RE = re.compile(
    r"^(?:(?:[Cc]hapter|[Aa]ppendix|[Ss]ection|[Pp]art)\s+)?"
    r"(?:\d+(?:\.\d+)+[.:]?\s+|\d+[.)]\s+|\d+\s+(?=[A-Z])|[A-Z]\.(?:\d+\.?)*\s+)"
)
_LABEL_RE = re.compile(r"([^:\n]{1,40}):")
_WORDS_RE = re.compile(r"\w+")
# How alike two passages' words must be, in order, to be one answer (same_text): a document in two
# formats differs by its quotes and a few words; two steps of one section ("Type su -l" and "Type
# su") by one word in seven.
SAME_TEXT = 0.95
CONTAINED_FROM = 20  # words: a shorter passage may be one step of a longer one ("Type su" in "Type su -l")


class cached_property:  # noqa: N801 - used as functools' is
    """functools.cached_property without its lock: Python 3.11 takes one on every first read,
    0.3 s of a 10 MB rebuild that reads three of these on each of 37,000 passages."""

    def __init__(self, compute) -> None:
        self.compute = compute
        self.name = compute.__name__
        self.__doc__ = compute.__doc__

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.compute(instance)
        return value


@dataclass(frozen=True)
class Passage:
    """A unit of retrieval and of answer."""

    id: str
    document: str
    title: str
    section: str
    kind: str  # "faq" or "article"
    text: str
    question: str | None = None
    context: str = ""
    group: str = ""  # for an item: the id of the list it belongs to
    members: tuple[str, ...] = ()  # for a list: the ids of its items, in order
    # For a FAQ entry whose answer only points elsewhere ("See the guide's section on file
    # encoding"): the link's target; the build attaches its question to the passage there.
    refers: str = ""

    def to_dict(self) -> dict:
        # By hand: dataclasses.asdict deep-copies every field, seconds on a large corpus.
        extra = {"refers": self.refers} if self.refers else {}
        return extra | {
            "id": self.id,
            "document": self.document,
            "title": self.title,
            "section": self.section,
            "kind": self.kind,
            "text": self.text,
            "question": self.question,
            "context": self.context,
            "group": self.group,
            "members": list(self.members),
        }

    @classmethod
    def from_dict(cls, row: dict) -> Passage:
        return cls(**{**row, "members": tuple(row.get("members", ()))})

    @cached_property
    def leaf(self) -> str:
        """The passage's own heading, without list numbering ("2. Skill sets" -> "Skill sets")."""
        return strip_numbering(self.section.split(" > ")[-1])

    @property
    def question_or_heading(self) -> str:
        """What the passage answers, in a line: its FAQ question, else its own heading."""
        return self.question or self.leaf

    @cached_property
    def gist(self) -> tuple[str, tuple[str, ...]]:
        """Its heading (numbering and punctuation out) and its words, lower-case: what same_text compares."""
        heading = "".join(c for c in strip_numbering(self.question_or_heading).lower() if c.isalnum())
        return heading, tuple(_WORDS_RE.findall(self.text.lower()))

    @cached_property  # computed once per passage: a build asks for it many times
    def embed_text(self) -> str:
        """What is embedded: the passage under its heading, with its list lead-in."""
        if self.question:
            return f"{self.question} {self.text}"
        return " ".join(part for part in (f"{self.title}: {self.leaf}.", self.context, self.text) if part)

    @cached_property
    def heading_text(self) -> str:
        """A short title matched against the question: the FAQ question, else heading and label."""
        if self.question:
            return self.question
        if self.section == INTRODUCTION:
            return f"{INTRODUCTION}: {self.title}"
        label = None if self.members else _LABEL_RE.match(self.text)
        if label:
            return f"{self.leaf}: {label.group(1)}"
        # A list's first line, or an item's lead-in, says whose list it is.
        intro = self.text.split("\n", 1)[0] if self.members else self.context
        return f"{self.leaf}: {intro[:-1]}" if intro.endswith(":") else self.leaf


def same_text(a: Passage, b: Passage) -> bool:
    """Is one passage the other's answer again, from another file: the same heading, and nearly the
    same words, or the words of one (of 20 or more) nearly all in the other? So one document in two
    formats (Debian ships its FAQ in text, HTML and PDF, each cut into passages its own way), or a
    file and its copy, gives one answer. Passages of one file are never the same: its reader made
    them apart ("mounted with strictatime" / "relatime": one word of 21)."""
    (heading, words), (other_heading, other) = a.gist, b.gist
    short, long = sorted((words, other), key=len)
    if a.document == b.document or heading != other_heading or not short:
        return False
    if len(short) < CONTAINED_FROM and len(long) - len(short) > (1 - SAME_TEXT) * len(long) + 1:
        return False
    matcher = SequenceMatcher(None, short, long, autojunk=False)
    if len(short) >= CONTAINED_FROM:
        return sum(m.size for m in matcher.get_matching_blocks()) >= SAME_TEXT * len(short)
    return matcher.quick_ratio() >= SAME_TEXT and matcher.ratio() >= SAME_TEXT


def strip_numbering(heading: str) -> str:
    """A heading without its numbering: "1.2.3. Title", "A.3. Title", "Chapter 4. Title" -> "Title"."""
    return _NUMBERING_RE.sub("", heading)


def slugify(text: str, limit: int | None = 48) -> str:
    """Lower-case ASCII words joined by dashes, cut at a word end near `limit` characters (None: whole)."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if limit is not None and len(slug) > limit:
        slug = slug[: limit + 1].rsplit("-", 1)[0] if "-" in slug[:limit] else slug[:limit]
    return slug
