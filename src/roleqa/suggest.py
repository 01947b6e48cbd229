"""What to ask instead of a declined question, and what to start with: questions, never headings
as they are ("Ask about: Salary expectations", never "Introduction", never the same one twice)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from roleqa.index import Index
from roleqa.passage import INTRODUCTION, Passage
from roleqa.retrieve import top_k


def examples(index: Index, faq_rows: np.ndarray, n: int) -> list[str]:
    """Questions to start with: the first FAQ questions, else the first headings."""
    rows: Sequence[int] = faq_rows[: n * 4] if len(faq_rows) else range(min(index.size, 200))
    found: list[str] = []
    for row in rows:
        text = index.passage(int(row)).question_or_heading
        if text not in found and text != INTRODUCTION:
            found.append(text)
        if len(found) == n:
            break
    return found


def suggestions_for(index: Index, faq_rows: np.ndarray, heading: np.ndarray, n: int) -> list[str]:
    """Questions to ask instead, by `heading` (the question's cosine to each passage's heading): the
    closest FAQ questions and question headings first, then the closest other headings as "Ask
    about: ..."."""
    questions: list[str] = []
    seen: set[str] = set()
    # Few records are read: the best FAQ rows, then only as many headings as are missing.
    for row in faq_rows[top_k(heading[faq_rows], 4 * n)].tolist() if len(faq_rows) else []:
        text = index.passage(row).question
        if text.lower() not in seen:
            seen.add(text.lower())
            questions.append(text)
        if len(questions) >= n:
            return questions
    for row in top_k(heading, 200).tolist():
        text = _as_suggestion(index.passage(int(row)))
        if text and text.lower() not in seen:
            seen.add(text.lower())
            questions.append(text)
        if len(questions) >= n:
            break
    return questions


def _as_suggestion(p: Passage) -> str:
    """A passage's heading as something to ask: a question heading as it is (an FAQ answer made of
    lists is passages without the question as theirs), another as "Ask about: ..."; "" for an FAQ
    entry (suggested by its question) or an introduction."""
    if p.question or p.leaf == INTRODUCTION:
        return ""
    return p.leaf if p.leaf.endswith("?") else f"Ask about: {p.leaf}"
