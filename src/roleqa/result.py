"""What an answer is: ranked hits with their sources and confidences, and the JSON Lines contract."""

from __future__ import annotations

from dataclasses import dataclass, field

from roleqa.compare import Comparison
from roleqa.passage import Passage

# Two best answers from different sections this close in ranking score: ask which was meant.
DID_YOU_MEAN_GAP = 0.02


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
    # For a question comparing the corpus's entities: each one's part of the best topic (compare.py).
    comparison: Comparison | None = None

    def to_json(self) -> dict:
        """The JSON Lines contract of `roleqa ask --json` (see README)."""
        return {
            "question": self.question,
            "interpreted_as": self.interpreted_as,
            "answered": self.answered,
            "answers": [h.to_json() for h in self.hits],
            "suggestions": self.suggestions,
            "did_you_mean": self.did_you_mean,
            "comparison": self.comparison.to_json() if self.comparison else None,
        }


def did_you_mean(hits: list[Hit]) -> list[str]:
    """The two best answers' headings when they are about as good and from different sections."""
    if len(hits) < 2:
        return []
    first, second = hits[0].passage, hits[1].passage
    if hits[0].raw - hits[1].raw > DID_YOU_MEAN_GAP or first.section == second.section:
        return []
    return [first.heading_text, second.heading_text]
