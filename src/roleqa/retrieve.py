"""Scoring and ranking: pure functions over arrays, testable with random vectors.

A passage is scored five ways and the scores are summed with fixed weights
(chosen on the dev split of tests/data/eval.jsonl, see README "How it works"):
  - dense: cosine of the question to the passage (with its heading path),
  - heading: cosine of the question to the passage's heading, which for a FAQ
    entry is its question (question-to-question matching),
  - section: cosine of the question to the whole section the passage is in,
    which places a one-line item in its context,
  - lexical: BM25 over stemmed words, normalised to [0, 1] (lexical.py),
    which rescues exact terms (SQL, A/B, PhD) that a small embedding model
    blurs,
  - role: +1 when the question names one of the corpus profile's entities
    (the shipped article's two roles) and the passage is about that entity,
    -1 when it is about another one, 0 otherwise (always, without a profile).
The ranking score is also what confidence is made of: a logistic curve maps
it to an estimated chance of being right (`confidence`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from functools import lru_cache

import numpy as np


@dataclass(frozen=True)
class Weights:
    """How much each score counts in the ranking (the dense cosine counts 1).

    The defaults are the generic engine's, chosen with bench/tune.py on the dev
    questions of the five tuned sets of real documents (tests/data/real/): recall@1
    was flat near these values. A corpus profile may set its own ([weights]):
    the shipped article keeps those chosen on its own dev split.
    `other_job` is subtracted when the question is about another job.
    """

    heading: float = 0.15
    section: float = 0.3
    lexical: float = 0.8
    role: float = 0.05
    other_job: float = 1.0


WEIGHTS = Weights()
# The defaults before a profile could set weights: an index whose manifest names no weights was built
# with these (its off-topic score was measured with them).
FORMER_WEIGHTS = Weights(heading=0.3, section=0.6, lexical=0.4)


def weights_of(overrides: dict | None) -> Weights:
    """The ranking weights with a profile's [weights] over the defaults."""
    return replace(WEIGHTS, **overrides) if overrides else WEIGHTS


def fuse(
    dense: np.ndarray,
    heading: np.ndarray,
    lexical: np.ndarray,
    section: np.ndarray,
    role: np.ndarray,
    other_job: bool = False,
    weights: Weights = WEIGHTS,
) -> np.ndarray:
    """The ranking score: a weighted sum of the per-passage scores, less a penalty for another job."""
    # In place, into one new array and one scratch array: on a large corpus each temporary is a
    # pass over memory. A corpus without entities has no role scores: nothing to add.
    out = np.multiply(heading, weights.heading, dtype=np.float32)
    out += dense
    scratch = np.empty_like(out)
    for part, weight in ((section, weights.section), (lexical, weights.lexical), (role, weights.role)):
        if part is not role or role.any():
            out += np.multiply(part, weight, out=scratch, dtype=np.float32)
    if other_job:
        out -= weights.other_job
    return out


_NOT_MODIFIERS = frozenset(
    "a an the of to for do does is are what which who how much many as and or our your between alongside with "
    "from into vs versus become becoming like than".split()
)


@lru_cache(maxsize=4)
def _title_re(occupations: tuple[str, ...]) -> re.Pattern:
    # A job title: an occupation noun with up to two words before it ("data
    # scientist", "machine learning engineer", "senior software developer").
    return re.compile(r"\b((?:[a-z]+\s+){0,2}?(?:" + "|".join(map(re.escape, occupations)) + r"))s?\b", re.IGNORECASE)


def job_titles(text: str, occupations: tuple[str, ...]) -> set[str]:
    """Job titles a text names (an occupation noun of the corpus profile, with up to two qualifying
    words before it), lower-case and singular."""
    if not occupations:
        return set()
    titles = set()
    for m in _title_re(tuple(occupations)).finditer(text):
        words = m.group(1).lower().split()
        while len(words) > 1 and words[0] in _NOT_MODIFIERS:
            words = words[1:]
        titles.add(" ".join(words))
    return titles


def names_another_job(question: str, subjects: set[str], occupations: tuple[str, ...]) -> bool:
    """Does the question ask about a job the documents are not about?

    `subjects` are the job titles in the documents' headings and FAQ
    questions. A question naming some title, none of which is a subject (or
    a qualified form of one, like "senior data scientist"), asks about
    someone else: "What does a data analyst earn?" of an article on data
    scientists. With no titles in the headings there is nothing to go on.
    This is the shipped article's rule, switched on by its profile; the
    occupation nouns are the profile's too.
    """
    asked = job_titles(question, occupations)
    return bool(asked) and len(_uncovered(asked, subjects)) == len(asked)


def other_jobs_named(question: str, subjects: set[str], occupations: tuple[str, ...]) -> set[str]:
    """The job titles a question names that no subject covers (none when the headings name no title)."""
    return _uncovered(job_titles(question, occupations), subjects)


def _uncovered(titles: set[str], subjects: set[str]) -> set[str]:
    if not subjects:
        return set()

    def covered(title: str) -> bool:
        for s in subjects:
            if title == s or title.endswith(" " + s) or s.endswith(" " + title):
                return True
            # A typo ("machine lerning engineer") is still the same job.
            if title.split()[-1] == s.split()[-1] and SequenceMatcher(None, title, s).ratio() >= 0.85:
                return True
        return False

    return {t for t in titles if not covered(t)}


def role_agreement(question_roles: frozenset[str], about: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """+1 / -1 / 0 per passage: same single entity of the corpus profile as the question (the
    shipped article's roles), another single entity, or no call. `about` holds each passage's
    entity as an index into `names`, -1 for none or several."""
    if len(question_roles) != 1:
        return np.zeros(len(about), dtype=np.float32)
    (role,) = question_roles
    asked = names.index(role) if role in names else -2
    return np.where(about < 0, 0.0, np.where(about == asked, 1.0, -1.0)).astype(np.float32)


def confidence(
    ranking: np.ndarray,
    words: np.ndarray,
    calibration,
    missing: float | np.ndarray = 0.0,
    lead: float | np.ndarray = 0.0,
) -> np.ndarray:
    """The estimated chance that answers with these ranking scores and shares of the question's
    words are right, for a question with this share of words the corpus lacks (`missing`) and
    whose best answer leads its fifth by `lead`: a logistic curve (config.Calibration), in [0, 1]."""
    c = calibration
    z = c.slope * (np.asarray(ranking, dtype=np.float64) - c.bank) + c.lexical * np.asarray(words) + c.offset
    z = z + c.unknown * np.asarray(missing, dtype=np.float64) + c.gap * np.asarray(lead, dtype=np.float64)
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50.0, 50.0)))


SAMPLE = 8


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Row numbers of the k highest scores, best first; ties keep document order."""
    k = max(0, min(k, len(scores)))
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    if k < len(scores) // 4:  # only the best few: no need to sort them all
        # The k-th best of every SAMPLE-th score is at most the k-th best of all, so every row at
        # or above it is a candidate: one pass over the scores instead of a partition of them all
        # (0.16 ms instead of 0.37 at 126,009 passages, many times a second in a batch).
        sample = scores[::SAMPLE] if len(scores) >= SAMPLE * k * 4 else scores
        cut = np.partition(sample, len(sample) - k)[len(sample) - k]
        part = np.flatnonzero(scores >= cut)
        return part[np.argsort(-scores[part], kind="stable")][:k]
    order = np.argsort(-scores, kind="stable")
    return order[:k]


def children_of(parent: np.ndarray) -> dict[int, list[int]]:
    """Each row that has members (a list, an item with sub-items), with its member rows in order."""
    children: dict[int, list[int]] = {}
    for row in np.flatnonzero(parent >= 0).tolist():
        children.setdefault(int(parent[row]), []).append(row)
    return children


def choose_units(
    ranking: np.ndarray,
    parent: np.ndarray,
    children: dict[int, list[int]],
    k: int,
    whole_list: bool,
    margin: float = 0.05,
    alone: np.ndarray | None = None,
    duplicate: Callable[[int, int], bool] | None = None,
) -> list[tuple[int, int]]:
    """Up to k answers that never overlap, best first, as (answer row, row that ranked it).

    Small-to-big: a list and its items are all ranked; the answer is then sized
    to the question. An item grows into its list when the question asks for a
    whole list, or when a sibling scores within `margin` of it (several items
    match); a list shrinks to its best item when that item leads the others by
    more than `margin` (one item matches). A row that cannot stand `alone`
    (an item of three words or fewer) is always answered by its list. Only the
    best rows are looked at, so this costs the same on any corpus size. An answer that is a
    `duplicate` of one already chosen (the same text in another file) is left out, with its items.
    """
    alone = alone if alone is not None else np.ones(len(parent), dtype=bool)
    covered: dict[int, frozenset[int]] = {}
    best_of: dict[int, float] = {}

    def covers(row: int) -> frozenset[int]:
        if row not in covered:
            covered[row] = frozenset([row]).union(*(covers(c) for c in children.get(row, ())))
        return covered[row]

    def best(row: int) -> float:
        if row not in best_of:
            best_of[row] = max(float(ranking[j]) for j in covers(row))
        return best_of[row]

    def settle(unit: int) -> int:
        while not whole_list and unit in children:
            kids = sorted(children[unit], key=lambda j: -best(j))
            if len(kids) > 1 and best(kids[0]) - best(kids[1]) <= margin or not alone[kids[0]]:
                break
            unit = kids[0]
        while not alone[unit] and parent[unit] >= 0:
            unit = int(parent[unit])
        grow = whole_list
        while parent[unit] >= 0:
            siblings = [j for j in children[int(parent[unit])] if j != unit]
            if not grow and not any(best(j) >= best(unit) - margin for j in siblings):
                break
            unit, grow = int(parent[unit]), False
        return unit

    chosen: list[tuple[int, int]] = []
    taken: set[int] = set()
    window = 50 + 20 * k
    order = top_k(ranking, window)
    while True:
        for row in order.tolist():
            if len(chosen) >= k:
                return chosen
            if covers(row) & taken:
                continue
            unit = settle(row)
            if covers(unit) & taken:
                if not alone[row]:
                    continue  # its list overlaps an answer already given; alone it is no answer
                unit = row
            if duplicate is None or not any(duplicate(unit, other) for other, _ in chosen):
                chosen.append((unit, row))
            taken |= covers(unit)
        if len(order) >= len(ranking):
            return chosen
        # Every row of the window overlapped what was taken: look further down.
        window *= 4
        order = top_k(ranking, window)
        chosen, taken = [], set()
