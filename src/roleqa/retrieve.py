"""Scoring and ranking: pure functions over arrays, testable with random vectors.

A passage is scored five ways and the scores are summed with fixed weights
(chosen on the dev split of tests/data/eval.jsonl, see README "How it works"):
  - dense: cosine of the question to the passage (with its heading path),
  - heading: cosine of the question to the passage's heading, which for a FAQ
    entry is its question (question-to-question matching),
  - section: cosine of the question to the whole section the passage is in,
    which places a one-line item in its context,
  - lexical: BM25 over stemmed words, which rescues exact terms (SQL, A/B,
    PhD) that a small embedding model blurs,
  - role: +1 when the question names one role and the passage is about that
    role, -1 when it is about the other one, 0 otherwise.
The ranking score is also what confidence is made of: a logistic curve maps
it to an estimated chance of being right (`confidence`).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher

import faiss
import numpy as np


@dataclass(frozen=True)
class Weights:
    """How much each score counts in the ranking (the dense cosine counts 1).

    Chosen on the dev split; bench/quality.py switches parts off one by one.
    `other_job` is subtracted when the question is about another job.
    """

    heading: float = 0.4
    section: float = 0.8
    lexical: float = 0.03
    role: float = 0.05
    other_job: float = 1.0


WEIGHTS = Weights()

# The two roles the shipped article compares. A user's own documents rarely
# name them, and then the role score is 0 everywhere.
ROLES = {
    "data scientist": re.compile(r"data scien", re.IGNORECASE),
    "machine learning engineer": re.compile(r"machine learning engineer|\bml engineer", re.IGNORECASE),
}

# Abbreviations the model knows poorly, spelled out before embedding.
ABBREVIATIONS = {r"\bML\b": "machine learning", r"\bml\b": "machine learning"}

_STOPWORDS = frozenset(
    "a an the of to in on for and or is are was were be been do does did what which who whom how "
    "why when where can could should would i me my you your we our it its that this these those "
    "about from at into more than most as by with they them their there so any some all".split()
)
_WORD_RE = re.compile(r"[a-z0-9][a-z0-9+#/]*")


def expand_abbreviations(question: str) -> str:
    for pattern, full in ABBREVIATIONS.items():
        question = re.sub(pattern, full, question)
    return question


def tokenize(text: str) -> list[str]:
    """Lower-case word stems without stopwords: a light stemmer, enough for BM25 here."""
    out = []
    for word in _WORD_RE.findall(text.lower()):
        if word in _STOPWORDS:
            continue
        for suffix in ("ing", "ers", "er", "es", "s"):
            if len(word) > 4 and word.endswith(suffix):
                word = word[: -len(suffix)]
                break
        out.append(word)
    return out


class Bm25:
    """Okapi BM25 over a fixed list of tokenized documents.

    IDF is log(1 + (N - df + 0.5) / (df + 0.5)), which stays positive even for
    a word found in most of a few dozen passages (plain BM25 IDF goes negative).
    """

    def __init__(self, docs: list[list[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.tfs = [Counter(d) for d in docs]
        self.lengths = np.array([len(d) for d in docs], dtype=np.float32)
        self.avg = float(self.lengths.mean()) if len(docs) and self.lengths.sum() else 1.0
        df = Counter(w for d in docs for w in set(d))
        n = len(docs)
        self.idf = {w: math.log(1 + (n - c + 0.5) / (c + 0.5)) for w, c in df.items()}

    def scores(self, query: list[str]) -> np.ndarray:
        out = np.zeros(len(self.tfs), dtype=np.float32)
        norm = self.k1 * (1 - self.b + self.b * self.lengths / self.avg)
        for word in set(query):
            idf = self.idf.get(word)
            if idf is None:
                continue
            tf = np.array([t.get(word, 0) for t in self.tfs], dtype=np.float32)
            out += idf * tf * (self.k1 + 1) / (tf + norm)
        return out


def all_similarities(index: faiss.Index, query: np.ndarray) -> np.ndarray:
    """Cosine similarity of `query` (one normalized row) to every row of `index`, in row order."""
    n = index.ntotal
    out = np.full(n, -1.0, dtype=np.float32)
    if n == 0:
        return out
    sims, rows = index.search(np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1), n)
    valid = rows[0] >= 0
    out[rows[0][valid]] = sims[0][valid]
    return out


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
    return (
        dense
        + weights.heading * heading
        + weights.section * section
        + weights.lexical * lexical
        + weights.role * role
        - (weights.other_job if other_job else 0.0)
    )


# Occupation nouns: the last word of most job titles, in tech and elsewhere.
_OCCUPATIONS = (
    "engineer analyst manager administrator designer developer architect scientist consultant researcher "
    "statistician nurse dentist teacher doctor lawyer accountant actuary tester programmer technician "
    "specialist officer coordinator director writer editor pilot physician pharmacist therapist auditor "
    "economist mathematician physicist chemist biologist journalist recruiter mechanic electrician plumber "
    "surgeon"
).split()
# A job title: an occupation noun with up to two words before it ("data
# scientist", "machine learning engineer", "senior software developer").
_TITLE_RE = re.compile(
    r"\b((?:[a-z]+\s+){0,2}?(?:" + "|".join(_OCCUPATIONS) + r"))s?\b",
    re.IGNORECASE,
)
_NOT_MODIFIERS = frozenset(
    "a an the of to for do does is are what which who how much many as and or our your between alongside with "
    "from into vs versus become becoming like than".split()
)


def job_titles(text: str) -> set[str]:
    """Job titles a text names, lower-case and singular, with their qualifying words."""
    titles = set()
    for m in _TITLE_RE.finditer(text):
        words = m.group(1).lower().split()
        while len(words) > 1 and words[0] in _NOT_MODIFIERS:
            words = words[1:]
        titles.add(" ".join(words))
    return titles


def names_another_job(question: str, subjects: set[str]) -> bool:
    """Does the question ask about a job the documents are not about?

    `subjects` are the job titles in the documents' headings and FAQ
    questions. A question naming some title, none of which is a subject (or
    a qualified form of one, like "senior data scientist"), asks about
    someone else: "What does a data analyst earn?" of an article on data
    scientists. With no titles in the headings there is nothing to go on.
    """
    asked = job_titles(question)
    if not subjects or not asked:
        return False

    def covered(title: str) -> bool:
        for s in subjects:
            if title == s or title.endswith(" " + s) or s.endswith(" " + title):
                return True
            # A typo ("machine lerning engineer") is still the same job.
            if title.split()[-1] == s.split()[-1] and SequenceMatcher(None, title, s).ratio() >= 0.85:
                return True
        return False

    return not any(covered(t) for t in asked)


def roles_in(text: str) -> frozenset[str]:
    """Which of the two ROLES a text names."""
    return frozenset(name for name, pattern in ROLES.items() if pattern.search(text))


def role_agreement(question_roles: frozenset[str], passage_roles: list[frozenset[str]]) -> np.ndarray:
    """+1 / -1 / 0 per passage: same single role as the question, the other single role, or no call."""
    out = np.zeros(len(passage_roles), dtype=np.float32)
    if len(question_roles) != 1:
        return out
    for i, roles in enumerate(passage_roles):
        if len(roles) == 1:
            out[i] = 1.0 if roles == question_roles else -1.0
    return out


def confidence(ranking: np.ndarray, slope: float, offset: float) -> np.ndarray:
    """The estimated chance that an answer with this ranking score is right: a logistic curve.

    `slope` and `offset` are fitted on labelled questions (right top answers
    against wrong or out-of-scope ones), so the score is in [0, 1], rises with
    the ranking score, and means what it says on questions like those.
    """
    z = np.clip(slope * np.asarray(ranking, dtype=np.float64) + offset, -50.0, 50.0)
    return 1.0 / (1.0 + np.exp(-z))


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Row numbers of the k highest scores, best first; ties keep document order."""
    order = np.argsort(-scores, kind="stable")
    return order[: max(0, k)]


# Words that ask for a whole list rather than one item of it ("which skills...").
_LIST_CUE_RE = re.compile(
    r"\b(list|all|responsibilities|duties|tasks|steps|components|skills|tools|technologies|languages|"
    r"frameworks|libraries|platforms|involve[sd]?|do all day)\b",
    re.IGNORECASE,
)


def wants_list(question: str) -> bool:
    """Does the question ask for a whole list ("which skills...", "what are the duties...")?"""
    return bool(_LIST_CUE_RE.search(question))


def structure(groups: list[str], members: list[tuple[str, ...]], ids: list[str]) -> tuple[list[int], list[frozenset]]:
    """Each row's parent row (-1 for none) and the rows it covers: itself and its members, recursively."""
    row = {pid: i for i, pid in enumerate(ids)}
    parent = [row.get(g, -1) if g else -1 for g in groups]

    def covered(i: int) -> frozenset:
        return frozenset([i]).union(*(covered(row[m]) for m in members[i] if m in row))

    return parent, [covered(i) for i in range(len(ids))]


def choose_units(
    ranking: np.ndarray,
    parent: list[int],
    covers: list[frozenset],
    k: int,
    whole_list: bool,
    margin: float = 0.05,
) -> list[tuple[int, int]]:
    """Up to k answers that never overlap, best first, as (answer row, row that ranked it).

    Small-to-big: a list and its items are all ranked; the answer is then sized
    to the question. An item grows into its list when the question asks for a
    whole list, or when a sibling scores within `margin` of it (several items
    match); a list shrinks to its best item when that item leads the others by
    more than `margin` (one item matches).
    """
    best = np.array([max(ranking[j] for j in c) for c in covers]) if covers else np.zeros(0)
    children: dict[int, list[int]] = {}
    for i, p in enumerate(parent):
        if p >= 0:
            children.setdefault(p, []).append(i)

    def settle(unit: int) -> int:
        while not whole_list and unit in children:
            kids = sorted(children[unit], key=lambda j: -best[j])
            if len(kids) > 1 and best[kids[0]] - best[kids[1]] <= margin:
                break
            unit = kids[0]
        grow = whole_list
        while parent[unit] >= 0:
            siblings = [j for j in children[parent[unit]] if j != unit]
            if not grow and not any(best[j] >= best[unit] - margin for j in siblings):
                break
            unit, grow = parent[unit], False
        return unit

    chosen: list[tuple[int, int]] = []
    taken: set[int] = set()
    for row in top_k(ranking, len(ranking)):
        if len(chosen) >= k:
            break
        if covers[row] & taken:
            continue
        unit = settle(int(row))
        if covers[unit] & taken:
            unit = int(row)
        chosen.append((unit, int(row)))
        taken |= covers[unit]
    return chosen
