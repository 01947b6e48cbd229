"""What is particular to one corpus, as data: its profile (roleqa.toml in the corpus folder).

roleqa's engine knows no corpus. A profile tells it, for one corpus, what a
generic engine cannot guess (all parts optional; see README "Corpus profile"):

    [entities.NAME]     things the documents compare, e.g. the two roles of the
      pattern = "..."   shipped article: a regular expression that finds the entity
      plural = "..."    in text, and how to write it in a rewritten follow-up
    [abbreviations]     "ML" = "machine learning": spelled out in questions
                        (whole words, case as written) before they are embedded
    [lists]             cues = ["skills", ...]: words that ask for a whole list,
                        added to the generic ones ("list", "all", ...)
    [other_jobs]        enabled = true, occupations = [...]: a question naming a
                        job title that no heading names is about someone else and
                        is declined (the shipped article's out-of-scope rule)
    [weights]           heading, section, lexical: how much each part of the
                        ranking score counts (retrieve.Weights; the generic
                        defaults otherwise)
    [calibration]       slope, lexical, offset, threshold (unknown, gap): how confident answers
                        are, fitted on the corpus's own labelled questions
                        (`roleqa eval --calibrate` prints them)
    [review]            log = true: keep the question log for `roleqa review`
                        (questionlog.py); off by default

A folder without roleqa.toml gets the empty profile: no entity, no
abbreviation, no other-job rule. The profile used for an index is recorded in
its manifest, so a changed profile rebuilds the index and answering needs
only the manifest.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path

from roleqa.config import curve_of
from roleqa.errors import RoleqaError

FILE = "roleqa.toml"
# Words that ask for a whole list in any corpus ("list all...", "every step").
GENERIC_LIST_CUES = ("list", "all", "every", "each", "steps")
WEIGHT_KEYS = ("heading", "section", "lexical")


@dataclass(frozen=True)
class Entity:
    name: str
    pattern: str
    plural: str


@dataclass(frozen=True)
class Profile:
    """A corpus's own knowledge; the empty profile is the generic engine."""

    entities: tuple[Entity, ...] = ()
    abbreviations: tuple[tuple[str, str], ...] = ()
    list_cues: tuple[str, ...] = ()
    other_jobs: bool = False
    occupations: tuple[str, ...] = ()
    calibration: dict | None = None  # {"slope", "lexical", "offset", "threshold", "unknown", "gap"}
    weights: dict | None = None  # any of {"heading", "section", "lexical"}
    source: str = field(default="", compare=False)  # where it was read from, for messages
    # [review] log = true: keep the question log (questionlog.py). Not part of the index: turning it
    # on or off rebuilds nothing.
    log_questions: bool = field(default=False, compare=False)

    def to_json(self) -> dict:
        data = asdict(self)
        data.pop("source")
        data.pop("log_questions")
        return data

    @classmethod
    def from_json(cls, data: dict | None) -> Profile:
        if not data:
            return cls()
        return cls(
            tuple(Entity(**e) for e in data.get("entities", [])),
            tuple(tuple(a) for a in data.get("abbreviations", [])),
            tuple(data.get("list_cues", [])),
            bool(data.get("other_jobs", False)),
            tuple(data.get("occupations", [])),
            data.get("calibration"),
            data.get("weights"),
        )

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(self.to_json(), sort_keys=True).encode()).hexdigest()[:16]

    @cached_property
    def _entity_res(self) -> list[tuple[str, re.Pattern]]:
        return [(e.name, re.compile(e.pattern, re.IGNORECASE)) for e in self.entities]

    @cached_property
    def _abbreviation_res(self) -> list[tuple[re.Pattern, str]]:
        return [(re.compile(rf"\b{re.escape(short)}\b"), full) for short, full in self.abbreviations]

    @cached_property
    def _list_re(self) -> re.Pattern:
        words = sorted({*GENERIC_LIST_CUES, *self.list_cues}, key=len, reverse=True)
        return re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + r")\b", re.IGNORECASE)

    def entities_in(self, text: str) -> frozenset[str]:
        """The names of the profile's entities that `text` names."""
        return frozenset(name for name, pattern in self._entity_res if pattern.search(text))

    def expand(self, question: str) -> str:
        """The question with the profile's abbreviations spelled out."""
        for pattern, full in self._abbreviation_res:
            question = pattern.sub(full, question)
        return question

    def wants_list(self, question: str) -> bool:
        """Does the question ask for a whole list ("list all...", or one of the profile's cue words)?"""
        return bool(self._list_re.search(question))

    def plural(self, entity: str) -> str:
        return next((e.plural for e in self.entities if e.name == entity), entity)


def load_profile(corpus_dir: Path) -> Profile:
    """The profile in `corpus_dir`/roleqa.toml, or the empty one; a broken file is a clear error."""
    path = corpus_dir / FILE
    if not path.is_file():
        return Profile()
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise RoleqaError(f'{path}: {e}; fix it or remove it (see README, "Corpus profile")') from None
    try:
        entities = []
        for name, entry in (data.get("entities") or {}).items():
            re.compile(entry["pattern"])
            entities.append(Entity(str(name), str(entry["pattern"]), str(entry.get("plural", name))))
        abbreviations = tuple((str(k), str(v)) for k, v in (data.get("abbreviations") or {}).items())
        lists = data.get("lists") or {}
        jobs = data.get("other_jobs") or {}
        calibration = data.get("calibration")
        if calibration is not None:
            calibration = curve_of(calibration)
        weights = data.get("weights")
        if weights is not None:
            unknown = set(weights) - set(WEIGHT_KEYS)
            if unknown:
                raise ValueError(f"[weights] has {', '.join(sorted(unknown))}; it may set {', '.join(WEIGHT_KEYS)}")
            weights = {key: float(value) for key, value in weights.items()}
        return Profile(
            tuple(entities),
            abbreviations,
            tuple(str(c) for c in lists.get("cues", [])),
            bool(jobs.get("enabled", False)),
            tuple(str(o) for o in jobs.get("occupations", [])),
            calibration,
            weights,
            str(path),
            bool((data.get("review") or {}).get("log", False)),
        )
    except (KeyError, TypeError, ValueError, AttributeError, re.error) as e:
        raise RoleqaError(f'{path}: {type(e).__name__} {e}; see README, "Corpus profile"') from None
