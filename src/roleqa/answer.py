"""Questions in, ranked and sourced answers out, or an honest "no good answer"."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from roleqa.chunking import Passage
from roleqa.embedding import Encoder
from roleqa.index import Index
from roleqa.retrieve import (
    Bm25,
    all_similarities,
    confidence,
    expand_abbreviations,
    fuse,
    tokenize,
    top_k,
)

SUGGESTIONS = 3


@dataclass(frozen=True)
class Hit:
    """One ranked passage with its confidence in [0, 1]."""

    rank: int
    passage: Passage
    score: float

    def to_json(self) -> dict:
        p = self.passage
        return {
            "rank": self.rank,
            "id": p.id,
            "text": p.text,
            "score": self.score,
            "source": {"document": p.document, "section": p.section, "kind": p.kind},
        }


@dataclass(frozen=True)
class Result:
    """The answer to one question: ranked hits, and whether the best one is good enough."""

    question: str
    answered: bool
    hits: list[Hit]
    suggestions: list[str]

    def to_json(self) -> dict:
        """The JSON Lines contract of `roleqa ask --json` (see README)."""
        return {
            "question": self.question,
            "answered": self.answered,
            "answers": [h.to_json() for h in self.hits],
            "suggestions": self.suggestions,
        }


def normalize_question(text: str) -> str:
    """Collapse whitespace and drop control characters; what is embedded and echoed."""
    text = "".join(ch if ch.isprintable() or ch in " \t" else " " for ch in text)
    return re.sub(r"\s+", " ", text).strip()


class Answerer:
    """Answers questions from one index with the encoder it was built with."""

    def __init__(self, index: Index, encoder: Encoder) -> None:
        self.index = index
        self.encoder = encoder
        self.bm25 = Bm25([tokenize(p.embed_text) for p in index.passages])
        self.faq_rows = np.array([i for i, p in enumerate(index.passages) if p.question], dtype=np.int64)

    def ask(self, question: str, k: int, threshold: float) -> Result:
        """The top-k passages for `question`; answered when the best reaches `threshold`."""
        return self.ask_many([question], k, threshold)[0]

    def ask_many(self, questions: Sequence[str], k: int, threshold: float) -> list[Result]:
        """Like `ask` for several questions, embedded in one batch."""
        cleaned = [normalize_question(q) for q in questions]
        if not cleaned:
            return []
        expanded = [expand_abbreviations(q) for q in cleaned]
        vectors = self.encoder.embed_batch(expanded)
        return [self._result(q, x, v, k, threshold) for q, x, v in zip(cleaned, expanded, vectors)]

    def _result(self, question: str, expanded: str, vector: np.ndarray, k: int, threshold: float) -> Result:
        dense = all_similarities(self.index.passage_vectors, vector)
        heading = all_similarities(self.index.heading_vectors, vector)
        ranking = fuse(dense, heading, self.bm25.scores(tokenize(expanded)))
        conf = confidence(dense, heading)
        passages = self.index.passages
        hits = [
            Hit(rank, passages[row], round(float(conf[row]), 4)) for rank, row in enumerate(top_k(ranking, k), start=1)
        ]
        answered = bool(hits) and hits[0].score >= threshold
        suggestions = [] if answered else self._suggest(heading, hits)
        return Result(question, answered, hits, suggestions)

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
