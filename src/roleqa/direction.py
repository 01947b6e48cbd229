"""Which way a question goes: the "X to Y" of "how do I convert a string to a number?".

The embedding model barely tells "a string to a number" from "a number to a
string" (cosine 0.996 between the two headings of Python's programming FAQ),
and word counts cannot: both have the same words. So the direction is read
from the words' places: X is what stands before "to" or "into" (from "from",
else from its determiner, else the one word, after a verb that moves
something: convert, turn, map, migrate...), Y what follows it up to a
preposition or a clause. A follow-up "and the other way round?" swaps them
(followup.py); a heading that goes the other way than the question gets a
penalty in the ranking, one that goes the same way a bonus (answer.py).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from roleqa.lexical import tokenize
from roleqa.retrieve import top_k

# Added to (or taken from) the ranking score of a passage whose heading goes the same way as the
# question (or the other way): more than the 0.115 by which "How do I convert a number to a
# string?" outranked "... a string to a number?" for that very question in Python's FAQ; on the
# dev questions, 0.3 cost two right answers, 0.15 none. Only the best CANDIDATES can move.
DIRECTION_BONUS = 0.15
CANDIDATES = 50

_DETERMINERS = frozenset("a an the my your our their this that these those some any one".split())
# Where the "Y" of "X to Y" ends: a preposition or clause that is not part of it ("to a number in Python?").
_PHRASE_ENDS = frozenset("in on with without using for so when if because while by via".split())
_ARROWS = ("to", "into")
# Verbs whose "X to Y" has a direction ("convert a string to a number"); a "to" after any other
# word is most often an infinitive ("which method to call"), with none. Stems (lexical.tokenize).
_MOVING = frozenset(
    tokenize(
        "convert turn change cast transform translate map encode decode migrate move switch port upgrade "
        "downgrade copy export import send redirect pipe write save dump load add append attach link rename "
        "compile serialize deserialize parse format round coerce"
    )
)


def _span(words: list[str]) -> tuple[int, int, int] | None:
    """(start of X, the "to", end of Y) in `words`, for the last "to" or "into" with words on both
    sides; None if there is none."""
    lower = [w.lower() for w in words]
    for i in range(len(words) - 2, 0, -1):
        if lower[i] not in _ARROWS:
            continue
        start = next((j + 1 for j in range(i - 1, -1, -1) if lower[j] == "from"), None)
        if start is None:  # "X" from its determiner (within a few words), else the one word before
            start = next((j for j in range(i - 1, max(-1, i - 6), -1) if lower[j] in _DETERMINERS), i - 1)
            if start == 0 or not _MOVING.intersection(tokenize(words[start - 1])):
                continue  # no verb that moves something before it: "which method to call"
        end = next((j for j in range(i + 1, len(words)) if lower[j] in _PHRASE_ENDS), len(words))
        if start < i and end > i + 1:
            return start, i, end
    return None


def _parts(text: str) -> tuple[list[str], list[str], str, list[str], list[str]] | None:
    """`text` cut at its direction: the words before X, X, the "to", Y, the words after; or None."""
    words = text.strip().rstrip("?.! ").split()
    found = _span(words)
    if found is None:
        return None
    start, i, end = found
    return words[:start], words[start:i], words[i], words[i + 1 : end], words[end:]


def reversed_question(question: str) -> str:
    """`question` the other way: "how do I convert a number to a string?"; "" if it has no direction."""
    parts = _parts(question)
    if parts is None:
        return ""
    before, x, arrow, y, after = parts
    return " ".join([*before, *y, arrow, *x, *after]) + "?"


def ends(text: str) -> tuple[frozenset[str], frozenset[str]] | None:
    """The stemmed words of X and of Y in `text`'s "X to Y", or None if it has no direction."""
    parts = _parts(text)
    if parts is None:
        return None
    return frozenset(tokenize(" ".join(parts[1]))), frozenset(tokenize(" ".join(parts[3])))


def agreement(question: tuple[frozenset[str], frozenset[str]], heading: str) -> int:
    """+1 if `heading` goes the same way as the question's ends (more of their words on the same
    sides than crossed), -1 if the other way, 0 if it has no direction or shares no word of them."""
    other = ends(heading)
    if other is None:
        return 0
    same = len(question[0] & other[0]) + len(question[1] & other[1])
    crossed = len(question[0] & other[1]) + len(question[1] & other[0])
    return (same > crossed) - (crossed > same)


def direction_agreement(question: str, ranking: np.ndarray, heading_of: Callable[[int], str]) -> np.ndarray:
    """`agreement` of each of the CANDIDATES best-ranked passages' heading (`heading_of(row)`) with
    the question's direction; 0 elsewhere, and everywhere when the question has none."""
    out = np.zeros(len(ranking), dtype=np.float32)
    asked = ends(question)
    if asked is None or not (asked[0] and asked[1]):
        return out
    for row in top_k(ranking, CANDIDATES).tolist():
        out[row] = agreement(asked, heading_of(row))
    return out
