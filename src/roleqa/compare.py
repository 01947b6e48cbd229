"""Comparison answers: a question that compares the corpus's entities gets, for each entity, its
part of the best-matching comparative section, side by side.

The entities come from the corpus profile (the two roles for the shipped article); a corpus
without at least two gets no comparisons. A *comparative section* is one that has a passage about
each of two or more entities (the article's "Salary expectations": one item on data scientists,
one on machine learning engineers). Sections under the same parent heading form a *group*
("Key differences ..."): a comparative question with no topic of its own ("what sets them
apart?") gets its group as a whole, every section's sides, not the group's lead-in line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from roleqa.lexical import tokenize
from roleqa.passage import Passage
from roleqa.profile import Profile

# Words that make a question naming one entity a comparison ("X compared to ...", "X vs ...").
STRONG_CUES = frozenset(
    "vs versus compare compared comparing comparison differ differs difference differences different apart than".split()
)
# Words that make a question naming two entities a comparison ("X or Y", "better paid, X or Y").
WEAK_CUES = frozenset("or between better more both".split())
# Words that say nothing about what to compare on: left alone, a question is a general comparison.
TOPICLESS = frozenset(
    """should would become becoming choose pick path career role roles job title sets set key main one
    each better""".split()
)
_NUMBERED = re.compile(r"^\s*(\d+[.)]|[ivx]+\.|[a-z][.)])\s+", re.IGNORECASE)


@dataclass(frozen=True)
class Side:
    """One entity's part of one section: its passages there."""

    entity: str
    passages: tuple[Passage, ...]

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.passages)


@dataclass(frozen=True)
class Part:
    """One comparative section: each entity's side of it."""

    topic: str  # the section's heading, without its number
    section: str  # its heading path, as passages give it
    sides: tuple[Side, ...]


@dataclass(frozen=True)
class Comparison:
    """The entities side by side on one topic (one part), or on a group of them (several)."""

    topic: str
    section: str
    parts: tuple[Part, ...]
    document: str = ""
    # What it shows as rows of the index's sections (with a group's lead-in section).
    section_rows: tuple[int, ...] = field(default=(), compare=False)

    @property
    def entities(self) -> list[str]:
        return list(dict.fromkeys(side.entity for part in self.parts for side in part.sides))

    def to_json(self) -> dict:
        """`{"topic", "section", "sides": [{"entity", "answer", "ids"}]}`; for a group, each side's answer
        has one paragraph per section, led by its topic."""
        sides = []
        for entity in self.entities:
            mine = [(part.topic, side) for part in self.parts for side in part.sides if side.entity == entity]
            texts = [side.text if len(self.parts) == 1 else f"{topic}: {side.text}" for topic, side in mine]
            ids = [p.id for _, side in mine for p in side.passages]
            sides.append({"entity": entity, "answer": "\n\n".join(texts), "ids": ids})
        return {"topic": self.topic, "section": self.section, "sides": sides}

    def covers(self, section: str) -> bool:
        """Is a passage of `section` part of this comparison (or its group's lead-in)?"""
        return section == self.section or any(section == part.section for part in self.parts)


def topic_name(section: str) -> str:
    """The last heading of a path, without its numbering ("2. Salary expectations" -> "Salary expectations")."""
    return _NUMBERED.sub("", section.split(" > ")[-1]).strip()


def is_comparative(question: str, profile: Profile) -> bool:
    """Does the question compare the profile's entities? Both named with a comparison word ("or",
    "vs", "difference"...), or one named with a strong one ("compared to", "vs", "than")."""
    if len(profile.entities) < 2:
        return False
    named = len(profile.entities_in(question))
    words = set(re.findall(r"[a-z]+", question.lower()))
    if named >= 2:
        return bool(words & (STRONG_CUES | WEAK_CUES))
    return named == 1 and bool(words & STRONG_CUES)


def topic_words(question: str, profile: Profile) -> list[str]:
    """What the question compares on: its words less the entities, comparison and generic words."""
    for entity in profile.entities:
        question = re.sub(rf"\w*(?:{entity.pattern})\w*", " ", question, flags=re.IGNORECASE)
    question = re.sub(r"['’]s\b", "", question)  # "what's" is "what"
    return [w for w in tokenize(question) if w not in _ignored()]


@lru_cache(maxsize=1)
def _ignored() -> frozenset[str]:
    """The comparison and generic words as the tokenizer gives them (stemmed)."""
    return frozenset(tokenize(" ".join(STRONG_CUES | WEAK_CUES | TOPICLESS)))


class Comparer:
    """The comparative sections and groups of one index, and how to pick one for a question."""

    def __init__(self, passage, layout: dict[str, np.ndarray], sections: list[tuple[str, str]], names: list[str]):
        self.passage = passage  # row -> Passage, read on demand
        self.names = names
        about, parent, section_of = layout["about"], layout["parent"], layout["section"]
        # A side's passage: about an entity, and not inside a passage about the same one.
        top = (about >= 0) & ((parent < 0) | (about[np.maximum(parent, 0)] != about))
        by_section: dict[int, dict[int, list[int]]] = {}
        for row in np.flatnonzero(top).tolist():
            by_section.setdefault(int(section_of[row]), {}).setdefault(int(about[row]), []).append(row)
        self.sections = sections
        self.section_of = section_of
        self.sides = {s: sides for s, sides in by_section.items() if len(sides) >= 2}
        self.groups: dict[tuple[str, str], list[int]] = {}  # (document, parent heading path) -> sections
        for s in sorted(self.sides):
            document, path = sections[s]
            if " > " in path:
                self.groups.setdefault((document, path.rsplit(" > ", 1)[0]), []).append(s)
        self.groups = {g: members for g, members in self.groups.items() if len(members) >= 2}
        # A group's own section, when its heading has passages of its own (a lead-in line).
        row_of = {tuple(section): i for i, section in enumerate(sections)}
        self.lead_in = {g: row_of[g] for g in self.groups if g in row_of}
        # Only these passages can decide a choice: the rest of a large corpus is not looked at.
        deciding = [*self.sides, *self.lead_in.values()]
        self.deciding = np.flatnonzero(np.isin(section_of, deciding)) if deciding else np.zeros(0, dtype=np.int64)

    def topics(self) -> list[str]:
        """Every topic the entities can be compared on, in document order."""
        return list(dict.fromkeys(topic_name(self.sections[s][1]) for s in sorted(self.sides)))

    def choose(self, ranking: np.ndarray, general: bool) -> Comparison | None:
        """The comparison for a question whose passages scored `ranking`: its best comparative
        section, or for a general question (no topic words) its best group of them."""
        if not self.sides:
            return None
        best_of = np.full(len(self.sections), -np.inf)
        np.maximum.at(best_of, self.section_of[self.deciding], ranking[self.deciding])
        if general and self.groups:
            # A group scores by its best section, and by its parent's own passages (the lead-in).

            def group_score(key: tuple[str, str]) -> float:
                own = self.lead_in.get(key)
                scores = [best_of[s] for s in self.groups[key]] + ([best_of[own]] if own is not None else [])
                return max(scores)

            key = max(self.groups, key=lambda g: (group_score(g), len(self.groups[g])))
            return self._group(key)
        return self._section(max(self.sides, key=lambda s: best_of[s]))

    def _part(self, s: int) -> Part:
        path = self.sections[s][1]
        sides = (Side(self.names[e], tuple(self.passage(r) for r in rows)) for e, rows in sorted(self.sides[s].items()))
        return Part(topic_name(path), path, tuple(sides))

    def _section(self, s: int) -> Comparison:
        part = self._part(s)
        return Comparison(part.topic, part.section, (part,), self.sections[s][0], (s,))

    def _group(self, key: tuple[str, str]) -> Comparison:
        document, path = key
        members = self.groups[key]
        section_rows = (*members, self.lead_in[key]) if key in self.lead_in else tuple(members)
        return Comparison(topic_name(path), path, tuple(self._part(s) for s in members), document, section_rows)
