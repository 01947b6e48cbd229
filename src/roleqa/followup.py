"""Follow-up questions in a chat, read against the previous turn, on any corpus, without a language model.

Readings, tried in order:

  - reversal: "and the other way round?" (the reverse, vice versa...) after
    a question with a direction ("how do I convert a string to a number?")
    is that question the other way: "how do I convert a number to a string?";
  - swap: a short question that opens like a follow-up and names another
    member of a set of alternatives than the previous question did ("and on
    Windows?" after "how do I install it on Linux?"; "and ML engineers?" after
    "What tools do data scientists use?") is the previous question with that
    member swapped in. The alternatives come from the corpus: terms that
    stand in the same place in sibling headings ("Installing on Linux",
    "Installing on Windows"), and the entities of its profile (the shipped
    article's two roles);
  - entity pronoun (profile entities only): a question with they / them /
    their and no entity gets the previous turn's entity in their place
    ("what skills do they need?" -> "what skills do data scientists need?");
  - entity carry-over: "and ..." / "what about ..." with a short phrase and no
    question word ("and the tools?") is asked about the previous entity;
  - context: any other question that leans on the previous one by its form
    (an opening such as "and", "so", "ok", "got it", "what if" followed by a
    phrase rather than a question of its own, or by a question with a
    pointing word such as "that", "it", "one", "then"; a pronoun subject
    among the first words, "will those...?"; a "that" ending a clause,
    "...for that?"; a pronoun or "that", "one", "too", "then" in a short
    question; three words or fewer) is answered with the previous question
    as context: retrieval blends the question with the previous one and
    keeps to the previous answer's sections (answer.py).

Anything else is self-contained and is never rewritten, in scope or not.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from roleqa.direction import reversed_question
from roleqa.profile import Profile

_OPENING_RE = re.compile(
    r"^\s*(?:and what about|and how about|what about|how about|same for|what of|and for|and|also|for)\b[\s,]*",
    re.IGNORECASE,
)
_CARRY_OPENING_RE = re.compile(r"^\s*(?:and what about|and how about|what about|how about|what of|and)\b[\s,]*", re.I)
# Openings may come in a row ("ok and how do I...?"): what follows all of them decides.
_LEAN_OPENING_RE = re.compile(
    r"^\s*(?:(?:and|so|also|but|then|ok(?:ay)?|or|what about|how about|what if|instead|got it|i see|thanks|"
    r"thank you|cool|alright|hmm+|oh)\b[\s,.!]*)+",
    re.IGNORECASE,
)
_QUESTION_WORD_RE = re.compile(
    r"\b(what|how|why|who|whom|which|when|where|is|are|do|does|did|can|could|should)\b", re.I
)
_STARTS_A_QUESTION_RE = re.compile(
    r"^(what|how|why|who|whom|which|when|where|is|are|do|does|did|can|could|should|will|would)\b", re.I
)
_ANAPHOR_RE = re.compile(
    r"\b(it|its|that|this|those|these|them|they|their|there|then|one|ones|such|too|either|instead(?!\s+of\b)|"
    r"the same|the other|the opposite|the reverse)\b",
    re.IGNORECASE,
)
# "it" that points at nothing: the subject of "is it safe to use...?", "how long does it take to...?",
# "does it make sense to...?" (one to three words, then "to" and a verb). Not "force it to treat it
# as text?": there "it" is the object, and points back.
_EXPLETIVE_RE = re.compile(r"\bit(?=(?:\s+[\w'-]+){1,3}\s+to\s+\w)", re.IGNORECASE)
# A subject pronoun among a question's first three words ("will those bump...?", "does it work on
# arm64...?") points back at any length: it has nothing else to be about.
_SUBJECT_RE = re.compile(r"^\W*(?:[\w']+\s+){0,2}(?:it|they|those|these)\b", re.IGNORECASE)
# A demonstrative that ends a clause ("...for that?", "how do I change that and send..."): a
# pronoun, which points back at any length (a determiner would have its noun after it). Not "it",
# which in a longer question mostly points inside it ("...without installing it").
_CLOSING_POINTER_RE = re.compile(
    r"\b(?:that|this|those|these)(?=\s*(?:[?!.,;:](?!\w)|$)|\s+(?:and|or|but|too|again|instead)\b)",
    re.IGNORECASE,
)
# A word that points back after an opening ("so how would I use that?"; "it" and "then" too: "ok, how
# do I switch to it then?").
_POINTING_RE = re.compile(
    r"\b(that|this|those|these|them|they|their|one|ones|such|the same|the other|the opposite|it|its|then)\b",
    re.IGNORECASE,
)
_PRONOUN_RE = re.compile(r"\b(they|them|their|theirs|those people|these people)\b", re.IGNORECASE)
_CARRY_MAX_WORDS = 4
_SWAP_EXTRA_WORDS = 2
_LEAN_MAX_WORDS = 9  # a pronoun in a longer question most likely points inside it
_FILLER = frozenset("the a an for of as well too then instead what how about and also same on in with".split())
_REVERSAL_RE = re.compile(
    r"\b(?:(?:the )?other way(?: round| around)?|the reverse|in reverse|the opposite(?: way| direction)?|"
    r"vice versa|backwards?|(?:do|go|going) it back)\b",
    re.IGNORECASE,
)
_ASKING = frozenset("go going do does it can could i you we ok okay so now please is there".split())


@dataclass(frozen=True)
class Turn:
    """What a follow-up can lean on: the question as understood, the profile entity it is about (if
    one), and the sections its answers came from (the topic), each with its answer's confidence over
    the best answer's (1 for the best: a follow-up stays nearest the answer most likely right)."""

    question: str
    entity: str | None = None
    sections: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Reading:
    """A follow-up as understood: the question to ask (and to show); whether it keeps the previous
    topic (its sections get a bonus); and, for a follow-up read by its form only, the previous
    question, which retrieval blends in (`context`)."""

    question: str
    same_topic: bool
    context: str = ""


def turn_entity(question: str, profile: Profile, answer_about: frozenset[str] = frozenset()) -> str | None:
    """The single profile entity a turn is about: named in its question, else its answer's; None if not one."""
    named = profile.entities_in(profile.expand(question))
    if len(named) == 1:
        return next(iter(named))
    if not named and len(answer_about) == 1:
        return next(iter(answer_about))
    return None


def interpret(
    question: str, previous: Turn | None, profile: Profile = Profile(), alternatives: list[list[str]] = ()
) -> Reading | None:
    """The question as a follow-up of `previous`, or None to take it as it is."""
    if previous is None:
        return None
    text = question.strip()
    turned = _reverse(text, previous.question)
    if turned:
        return Reading(turned, same_topic=False)  # the other direction is another answer than the last
    swapped = _swap(text, previous, profile, alternatives)
    if swapped is not False:
        return swapped
    named = profile.entities_in(profile.expand(text))
    if previous.entity and not named:
        if _PRONOUN_RE.search(text):
            plural = profile.plural(previous.entity)
            return Reading(_PRONOUN_RE.sub(lambda m: _pronoun(m.group(1), plural), text), same_topic=False)
        carry = _CARRY_OPENING_RE.match(text)
        if carry:
            rest = text[carry.end() :].rstrip(" ?.!")
            if rest and len(rest.split()) <= _CARRY_MAX_WORDS and not _QUESTION_WORD_RE.search(rest):
                return Reading(f"What about {rest} for {profile.plural(previous.entity)}?", same_topic=False)
    if named:
        return None  # names an entity itself: self-contained
    if leans_on_previous(text):
        return Reading(f"{text} (following: {previous.question})", same_topic=True, context=previous.question)
    return None


def leans_on_previous(text: str) -> bool:
    """Does the question's form say it cannot stand alone (see the module docstring)?"""
    words = re.findall(r"[\w'.-]+", text)
    if len(words) <= 3:
        return True
    opening = _LEAN_OPENING_RE.match(text)
    if opening:
        rest = text[opening.end() :]
        # "and what is a DUNS number?" is a question of its own; "and without a password?" is not,
        # nor is "so how would I use that?": an opening and a pointing word lean at any length
        # (an "it" that points at nothing does not: "and how long does it take to learn...?").
        if not _STARTS_A_QUESTION_RE.match(rest) or _POINTING_RE.search(_EXPLETIVE_RE.sub(" ", rest)):
            return True
    plain = _EXPLETIVE_RE.sub(" ", text)
    if _SUBJECT_RE.match(plain) or _CLOSING_POINTER_RE.search(plain):
        return True
    return len(words) <= _LEAN_MAX_WORDS and bool(_ANAPHOR_RE.search(plain))


def _reverse(text: str, previous: str) -> str:
    """ "and the other way round?" after "how do I convert a string to a number?": the previous
    question the other way (direction.py); "" if the question asks for no reversal (or more than
    one: "and the other way round for floats?" is read in context) or the previous one has no
    direction."""
    if not _REVERSAL_RE.search(text) or _content_words(_REVERSAL_RE.sub(" ", text)):
        return ""
    return reversed_question(previous)


def _content_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z']+", text.lower()) if w not in _FILLER and w not in _ASKING]


def _swap(text: str, previous: Turn, profile: Profile, alternatives) -> Reading | None | bool:
    """A swap reading, None when the question is self-contained, False when no swap applies."""
    opening = _OPENING_RE.match(text)
    named = profile.entities_in(profile.expand(text))
    if named and opening and len(named) == 1:
        entity = next(iter(named))
        rest = _strip_entities(profile.expand(text[opening.end() :]), profile)
        extra = [w for w in re.findall(r"[a-z']+", rest.lower()) if w not in _FILLER]
        if previous.entity and entity != previous.entity and len(extra) <= _SWAP_EXTRA_WORDS:
            return Reading(_swap_entity(previous.question, previous.entity, entity, profile), same_topic=True)
        return None
    if named:
        return False
    if not opening:
        return False
    rest_words = re.findall(r"[\w'.+-]+", text[opening.end() :].lower())
    for group in alternatives:
        members = {m.lower() for m in group}
        new = [w for w in rest_words if w in members]
        old = [m for m in group if re.search(rf"\b{re.escape(m)}\b", previous.question, re.IGNORECASE)]
        extra = [w for w in rest_words if w not in members and w not in _FILLER]
        if len(new) == 1 and old and new[0] != old[0].lower() and len(extra) <= _SWAP_EXTRA_WORDS:
            replaced = re.sub(rf"\b{re.escape(old[0])}\b", _as_written(new[0], group), previous.question, flags=re.I)
            return Reading(replaced, same_topic=True)
    return False


def _as_written(word: str, group: list[str]) -> str:
    return next((m for m in group if m.lower() == word), word)


def _strip_entities(text: str, profile: Profile) -> str:
    for entity in profile.entities:
        text = re.sub(entity.pattern + r"\w*", " ", text, flags=re.IGNORECASE)
    return text


def _swap_entity(question: str, old: str, new: str, profile: Profile) -> str:
    """`question` with entity `old` replaced by entity `new`, keeping singular or plural."""
    pattern = next(e.pattern for e in profile.entities if e.name == old)

    def replace(m: re.Match) -> str:
        return profile.plural(new) if m.group(0).lower().endswith("s") else new

    expanded = profile.expand(question)
    swapped = re.sub(rf"(?:{pattern})\w*", replace, expanded, flags=re.IGNORECASE)
    if swapped == expanded:  # the entity came from the answer, not the words: say it
        return f"{question.rstrip(' ?.!')} (for {profile.plural(new)})?"
    return swapped


def _pronoun(pronoun: str, plural: str) -> str:
    return plural + "'" if pronoun.lower() in ("their", "theirs") else plural


def sibling_alternatives(sections: list[str], limit: int = 200) -> list[list[str]]:
    """Terms that stand in the same place in sibling headings, grouped: from "Installing on Linux" and
    "Installing on Windows" (under one parent), ["Linux", "Windows"]. Only one word may differ."""
    # Siblings differing only at word k share the key (parent, length, k, the other words): one pass
    # over the headings, not a comparison of every pair (thousands of siblings in API references).
    slots: dict[tuple, list[str]] = {}
    for path in dict.fromkeys(sections):
        parent, _, leaf = path.rpartition(" > ")
        words = re.findall(r"[\w'.+-]+", leaf)
        if len(words) < 2:
            continue
        lower = [w.lower() for w in words]
        for k, word in enumerate(words):
            if len(word) > 2:
                slots.setdefault((parent, len(words), k, *lower[:k], *lower[k + 1 :]), []).append(word)
    parent_of: dict[str, str] = {}

    def root(word: str) -> str:
        while parent_of[word] != word:
            parent_of[word] = parent_of[parent_of[word]]
            word = parent_of[word]
        return word

    for words in slots.values():
        if len({w.lower() for w in words}) < 2:
            continue
        for word in words:
            parent_of.setdefault(word, word)
        first = root(words[0])
        for word in words[1:]:
            parent_of[root(word)] = first
    groups: dict[str, set[str]] = {}
    for word in parent_of:  # in the order the words were first seen
        groups.setdefault(root(word), set()).add(word)
    return [sorted(g) for g in groups.values()][:limit]
