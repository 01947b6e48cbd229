"""Questions in, ranked and sourced answers out, or an honest "no good answer"."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from roleqa.chunking import Passage
from roleqa.config import CONFIDENCE_OFFSET, CONFIDENCE_SLOPE
from roleqa.embedding import Encoder
from roleqa.index import Index
from roleqa.retrieve import (
    WEIGHTS,
    Bm25,
    Weights,
    all_similarities,
    choose_units,
    confidence,
    expand_abbreviations,
    fuse,
    job_titles,
    names_another_job,
    role_agreement,
    roles_in,
    structure,
    tokenize,
    top_k,
    wants_list,
)

SUGGESTIONS = 3
# Sentences scoring within this much of the best one are highlighted too (at most two in all).
HIGHLIGHT_MARGIN = 0.03
# Added to the ranking score of passages in the sections a chat follow-up stays on
# ("and ML engineers?" after an answer from "Salary expectations").
TOPIC_BONUS = 0.3
# Two best answers from different sections this close in ranking score: ask which was meant.
DID_YOU_MEAN_GAP = 0.02
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


@dataclass(frozen=True)
class Hit:
    """One ranked passage with its confidence in [0, 1] (`score`) and its ranking score (`raw`)."""

    rank: int
    passage: Passage
    score: float
    raw: float = 0.0
    # Ids this answer stands for: its own, its items' (for a list) and its
    # lists' (for an item). A labelled relevant id among them counts as found.
    covers: frozenset[str] = frozenset()
    # (start, end) character offsets in passage.text of the sentences that best match the question.
    highlight: tuple[tuple[int, int], ...] = ()
    # How the passage that ranked this answer was scored (`/why` in the chat): each part before weighting.
    parts: tuple[tuple[str, float], ...] = ()

    def to_json(self) -> dict:
        p = self.passage
        return {
            "rank": self.rank,
            "id": p.id,
            "text": p.text,
            "score": self.score,
            "source": {"document": p.document, "section": p.section, "kind": p.kind},
            "highlight": [list(span) for span in self.highlight],
        }


@dataclass(frozen=True)
class Result:
    """The answer to one question: ranked hits, and whether the best one is good enough."""

    question: str
    answered: bool
    hits: list[Hit]
    suggestions: list[str]
    # When the two best answers are about equally good and from different
    # sections: their headings, to ask which one was meant. Else empty.
    did_you_mean: list[str] = field(default_factory=list)
    # In a chat, the question as read against the previous turn; None when taken as it is.
    interpreted_as: str | None = None

    def to_json(self) -> dict:
        """The JSON Lines contract of `roleqa ask --json` (see README)."""
        return {
            "question": self.question,
            "interpreted_as": self.interpreted_as,
            "answered": self.answered,
            "answers": [h.to_json() for h in self.hits],
            "suggestions": self.suggestions,
            "did_you_mean": self.did_you_mean,
        }


def did_you_mean(hits: list[Hit]) -> list[str]:
    """The two best answers' headings when they are about as good and from different sections."""
    if len(hits) < 2:
        return []
    first, second = hits[0].passage, hits[1].passage
    if hits[0].raw - hits[1].raw > DID_YOU_MEAN_GAP or first.section == second.section:
        return []
    return [first.heading_text, second.heading_text]


def normalize_question(text: str) -> str:
    """Collapse whitespace and drop control characters; what is embedded and echoed."""
    text = "".join(ch if ch.isprintable() or ch in " \t" else " " for ch in text)
    return re.sub(r"\s+", " ", text).strip()


def passage_about(p: Passage) -> str:
    """The part of a passage that says whom it is about: its question; else its heading and lead-in
    when they name one role (an item of "The responsibilities of a machine learning engineer
    include:" is about them, whoever it mentions); else those with its first sentence (all of it
    for a list, which may cover both roles)."""
    if p.question:
        return p.question
    heading = f"{p.leaf} {p.context}"
    if len(roles_in(heading)) == 1:
        return heading
    opening = p.text if p.members else _SENTENCE_END.split(p.text, maxsplit=1)[0]
    return f"{heading} {opening}"


class Answerer:
    """Answers questions from one index with the encoder it was built with."""

    def __init__(
        self,
        index: Index,
        encoder: Encoder,
        slope: float = CONFIDENCE_SLOPE,
        offset: float = CONFIDENCE_OFFSET,
        weights: Weights = WEIGHTS,
    ) -> None:
        self.index = index
        self.encoder = encoder
        self.slope, self.offset = slope, offset
        self.weights = weights
        self.bm25 = Bm25([tokenize(p.embed_text) for p in index.passages])
        self.faq_rows = np.array([i for i, p in enumerate(index.passages) if p.question], dtype=np.int64)
        passages = index.passages
        self.roles = [roles_in(passage_about(p)) for p in passages]
        self.subjects = set().union(*(job_titles(f"{p.title} {p.section} {p.question or ''}") for p in passages))
        self.parent, self.covers = structure(
            [p.group for p in passages], [p.members for p in passages], [p.id for p in passages]
        )

    def ask(self, question: str, k: int, threshold: float, topic: frozenset[str] = frozenset()) -> Result:
        """The top-k passages for `question`; answered when the best reaches `threshold`.

        `topic`: sections a chat follow-up stays on; their passages get a bonus.
        """
        return self.ask_many([question], k, threshold, topic)[0]

    def ask_many(
        self, questions: Sequence[str], k: int, threshold: float, topic: frozenset[str] = frozenset()
    ) -> list[Result]:
        """Like `ask` for several questions, embedded in one batch."""
        cleaned = [normalize_question(q) for q in questions]
        if not cleaned:
            return []
        expanded = [expand_abbreviations(q) for q in cleaned]
        vectors = self.encoder.embed_batch(expanded)
        return [self._result(q, x, v, k, threshold, topic) for q, x, v in zip(cleaned, expanded, vectors)]

    def _result(
        self, question: str, expanded: str, vector: np.ndarray, k: int, threshold: float, topic: frozenset[str]
    ) -> Result:
        dense = all_similarities(self.index.passage_vectors, vector)
        heading = all_similarities(self.index.heading_vectors, vector)
        section = all_similarities(self.index.section_vectors, vector)
        role = role_agreement(roles_in(expanded), self.roles)
        lexical = self.bm25.scores(tokenize(expanded))
        other_job = names_another_job(expanded, self.subjects)
        ranking = fuse(dense, heading, lexical, section, role, other_job, self.weights)
        passages = self.index.passages
        # Same topic, but not the other role: "and ML engineers?" wants the ML engineers' part.
        on_topic = np.array([p.section in topic for p in passages], dtype=np.float32) * (role >= 0)
        ranking = ranking + TOPIC_BONUS * on_topic
        chosen = choose_units(ranking, self.parent, self.covers, k, wants_list(question))
        # An answer resized from the passage that ranked it keeps that passage's score.
        raw = [float(max(ranking[unit], ranking[row])) for unit, row in chosen]
        conf = confidence(np.array(raw), self.slope, self.offset)
        parts = {
            "dense": dense,
            "heading": heading,
            "section": section,
            "lexical": lexical,
            "role": role,
            "topic": on_topic,
        }

        def why(row: int) -> tuple[tuple[str, float], ...]:
            scored = tuple((name, round(float(values[row]), 4)) for name, values in parts.items())
            return (*scored, ("other_job", 1.0 if other_job else 0.0))

        hits = [
            Hit(
                rank,
                passages[unit],
                round(float(c), 4),
                round(r, 4),
                self._ids(unit),
                self._highlight(unit, vector),
                why(unit if ranking[unit] >= ranking[row] else row),
            )
            for rank, ((unit, row), r, c) in enumerate(zip(chosen, raw, conf), start=1)
        ]
        answered = bool(hits) and hits[0].score >= threshold
        suggestions = [] if answered else self._suggest(heading, hits)
        return Result(question, answered, hits, suggestions, did_you_mean(hits) if answered else [])

    def _highlight(self, row: int, vector: np.ndarray) -> tuple[tuple[int, int], ...]:
        """The best-matching sentence of passage `row` (and a second one if nearly as good)."""
        spans = self.index.sentence_spans[row]
        rows = self.index.sentence_rows[row]
        if len(spans) <= 1:
            return tuple(spans)
        sims = self.index.sentence_vectors[rows.start : rows.stop] @ vector
        order = np.argsort(-sims, kind="stable")
        keep = [int(i) for i in order[:2] if sims[i] >= sims[order[0]] - HIGHLIGHT_MARGIN]
        return tuple(spans[i] for i in sorted(keep))

    def _ids(self, row: int) -> frozenset[str]:
        rows = set(self.covers[row])
        up = self.parent[row]
        while up >= 0:
            rows.add(up)
            up = self.parent[up]
        return frozenset(self.index.passages[r].id for r in rows)

    def _suggest(self, heading: np.ndarray, hits: list[Hit]) -> list[str]:
        """The closest FAQ questions; for a corpus without a FAQ, the closest sections."""
        if len(self.faq_rows):
            rows = self.faq_rows[top_k(heading[self.faq_rows], SUGGESTIONS)]
            return [self.index.passages[r].question or "" for r in rows]
        sections: list[str] = []
        for h in hits:
            if h.passage.leaf not in sections:
                sections.append(h.passage.leaf)
        return sections[:SUGGESTIONS]
