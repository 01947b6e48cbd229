"""Follow-up questions in a chat, read against the previous turn, without a language model.

"What tools do data scientists use?" then "and ML engineers?" means "What
tools do machine learning engineers use?". Three readings, tried in order:

  - role swap: a short question that names the other role and little else
    ("and ML engineers?", "how about data scientists?") is the previous
    question with its role swapped;
  - pronoun: a question that names no role but says they / them / their
    ("what skills do they need?", "what about their salary?") gets the
    previous role in place of the pronoun;
  - carry-over: "and ...", "what about ..." or "how about ..." followed by a
    short phrase with no question word and no role ("and the tools?", "what
    about salary?") is asked about the previous role.

Anything else is self-contained and is never rewritten: a question that
names a role without opening like a follow-up, or one with no pronoun and no
follow-up opening, in scope or not. The role of a turn is the one its
(interpreted) question names, else the one its answer is about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from roleqa.retrieve import ROLES, expand_abbreviations, roles_in

# How each role is written in a question, singular and plural.
_ROLE_FORMS = {
    "data scientist": re.compile(r"\bdata scien\w*", re.IGNORECASE),
    "machine learning engineer": re.compile(r"\b(?:machine learning|ml) engineer(?:s|ing)?\b", re.IGNORECASE),
}
_PLURAL = {"data scientist": "data scientists", "machine learning engineer": "machine learning engineers"}
# Openings of a role swap ("and for ML engineers?") and of a carry-over ("what about the tools?").
_OPENING_RE = re.compile(
    r"^\s*(?:and what about|and how about|what about|how about|same for|what of|and for|and|also|for)\b[\s,]*",
    re.IGNORECASE,
)
_CARRY_OPENING_RE = re.compile(r"^\s*(?:and what about|and how about|what about|how about|what of|and)\b[\s,]*", re.I)
# A carried-over topic is a short noun phrase; anything with a question word is a question of its own.
_QUESTION_WORD_RE = re.compile(
    r"\b(what|how|why|who|whom|which|when|where|is|are|do|does|did|can|could|should)\b", re.I
)
_CARRY_MAX_WORDS = 4
_PRONOUN_RE = re.compile(r"\b(they|them|their|theirs|those people|these people)\b", re.IGNORECASE)
# A role swap is short: the opening, the role, and at most this many other words.
_SWAP_EXTRA_WORDS = 2
_FILLER = frozenset("the a an for of as well too then instead what how about and also same".split())


@dataclass(frozen=True)
class Turn:
    """What a follow-up can lean on: the question as understood, its role (if one), and
    the sections its answers came from (the topic)."""

    question: str
    role: str | None
    sections: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Reading:
    """A follow-up as understood: the question to ask, and whether it keeps the previous topic
    (a role swap asks the same thing of the other role, so the same sections are likely)."""

    question: str
    same_topic: bool


def turn_role(question: str, answer_about: frozenset[str] = frozenset()) -> str | None:
    """The single role a turn is about: named in its question, else its answer's; None if not one."""
    named = roles_in(expand_abbreviations(question))
    if len(named) == 1:
        return next(iter(named))
    if not named and len(answer_about) == 1:
        return next(iter(answer_about))
    return None


def interpret(question: str, previous: Turn | None) -> Reading | None:
    """The question as a follow-up of `previous`, or None to take it as it is."""
    if previous is None or previous.role is None:
        return None
    text = question.strip()
    opening = _OPENING_RE.match(text)
    named = roles_in(expand_abbreviations(text))
    if opening and len(named) == 1:
        role = next(iter(named))
        rest = [w for w in re.findall(r"[a-z']+", _strip_roles(text[opening.end() :]).lower()) if w not in _FILLER]
        if role != previous.role and len(rest) <= _SWAP_EXTRA_WORDS:
            return Reading(_swap_role(previous.question, previous.role, role), same_topic=True)
        return None
    if named:
        return None  # names a role itself: self-contained
    if _PRONOUN_RE.search(text):
        return Reading(_PRONOUN_RE.sub(lambda m: _pronoun_for(m.group(1), previous.role), text), same_topic=False)
    carry = _CARRY_OPENING_RE.match(text)
    if carry:
        rest = text[carry.end() :].rstrip(" ?.!")
        if rest and len(rest.split()) <= _CARRY_MAX_WORDS and not _QUESTION_WORD_RE.search(rest):
            return Reading(f"What about {rest} for {_PLURAL[previous.role]}?", same_topic=False)
    return None


def _strip_roles(text: str) -> str:
    for pattern in _ROLE_FORMS.values():
        text = pattern.sub(" ", text)
    return text


def _swap_role(question: str, old: str, new: str) -> str:
    """`question` with every mention of role `old` replaced by role `new`, keeping singular or plural."""

    def replace(m: re.Match) -> str:
        plural = m.group(0).lower().endswith("s")
        return _PLURAL[new] if plural else new

    swapped = _ROLE_FORMS[old].sub(replace, question)
    if swapped == question:  # the role came from the answer, not the words: say it
        return f"{question.rstrip(' ?.!')} (for {_PLURAL[new]})?"
    return swapped


def _pronoun_for(pronoun: str, role: str) -> str:
    if pronoun.lower() in ("their", "theirs"):
        return _PLURAL[role] + "'"
    return _PLURAL[role]


assert set(_ROLE_FORMS) == set(ROLES)  # one spelling table per role retrieval knows
