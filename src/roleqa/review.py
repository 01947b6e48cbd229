"""`roleqa review`: walk the logged questions that went wrong, and teach roleqa their answers.

From the question log (questionlog.py): questions that were declined, answered with low
confidence, or marked /bad, and not reviewed yet, grouped when they are near-duplicates. For
each group the closest passages are shown, and one key attaches the group's wordings to one of
them as alternate questions, skips the group, or marks it out of scope (alternates.py). Input
and output are injected, so the walk is tested with exact transcripts, like the chat.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from roleqa.alternates import Alternate, append_alternates, check_writable, read_alternates
from roleqa.answer import Answerer
from roleqa.escapes import safe
from roleqa.questionlog import QuestionLog
from roleqa.result import Hit

# An answered question below the threshold plus this margin is worth a look.
LOW_MARGIN = 0.2
# Questions at least this close (cosine) to a group's first one join it: rewordings, not neighbours.
GROUP_SIMILARITY = 0.85
CLOSEST = 3


@dataclass
class Group:
    """Near-duplicate questions to review together, and why each one is here."""

    questions: list[str]
    reasons: list[str] = field(default_factory=list)

    def to_json(self, hits: list[Hit]) -> dict:
        closest = [
            {"id": h.passage.id, "score": h.score, "section": h.passage.section, "text": h.passage.text} for h in hits
        ]
        return {"questions": self.questions, "reasons": self.reasons, "closest": closest}


def question_key(question: str) -> str:
    """A question as `pending` compares it: case and spacing do not count."""
    return " ".join(question.lower().split())


def pending(events: list[dict], threshold: float, known: set[str]) -> list[tuple[str, str]]:
    """(question, reason) for each logged question that needs a look, oldest first: declined, low
    confidence or marked bad as last seen, not reviewed, and not already among the alternates
    (`known`: their question_key)."""
    state: dict[str, tuple[str, str | None]] = {}
    for e in events:
        key = question_key(e["question"])
        if not key or key in known:
            continue
        if "review" in e:
            state[key] = (e["question"], None)
        elif e.get("feedback") == "bad":
            state[key] = (e["question"], "marked bad")
        elif e.get("feedback") == "good":
            state[key] = (e["question"], None)
        elif "answered" in e:
            confidence = e.get("confidence") or 0.0
            if not e["answered"]:
                reason = "declined"
            elif confidence < threshold + LOW_MARGIN:
                reason = f"low confidence ({confidence:.2f})"
            else:
                reason = None
            previous = state.get(key)
            if not (previous and previous[1] == "marked bad"):  # asked again: /bad still stands
                state[key] = (e["question"], reason)
    return [(q, reason) for q, reason in state.values() if reason]


def group(items: list[tuple[str, str]], vectors: np.ndarray) -> list[Group]:
    """Near-duplicates together (cosine of normalised vectors), in the order first asked."""
    groups: list[Group] = []
    leaders: list[int] = []
    for i, (question, reason) in enumerate(items):
        for g, leader in zip(groups, leaders):
            if float(vectors[i] @ vectors[leader]) >= GROUP_SIMILARITY:
                g.questions.append(question)
                g.reasons.append(reason)
                break
        else:
            groups.append(Group([question], [reason]))
            leaders.append(i)
    return groups


@dataclass
class Outcome:
    """What a review decided: alternates to add, and the questions skipped."""

    alternates: list[Alternate] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def walk(
    groups: list[Group],
    answerer: Answerer,
    threshold: float,
    read_line: Callable[[str], str],
    write: Callable[[str], None],
) -> Outcome:
    """Show each group with its closest passages and act on one key per group."""
    outcome = Outcome()
    for n, g in enumerate(groups, start=1):
        hits = answerer.ask(g.questions[0], CLOSEST, threshold).hits
        why = ", ".join(dict.fromkeys(g.reasons))
        lines = [f"[{n}/{len(groups)}] {len(g.questions)} question{'s' * (len(g.questions) > 1)} ({why}):"]
        lines += [f'  "{safe(q)}"' for q in g.questions]
        lines.append("Closest answers:")
        for h in hits:
            snippet = safe(h.passage.text).replace("\n", " ")
            snippet = snippet if len(snippet) <= 70 else snippet[:69] + "…"
            lines.append(f"  {h.rank}. {snippet} [{safe(h.passage.leaf)}, {h.score:.2f}]")
        write("\n".join(lines))
        keys = "/".join(str(h.rank) for h in hits)
        prompt = f"Attach to answer {keys}, [s]kip, [o]ut of scope, [q]uit? "
        while True:
            try:
                key = read_line(prompt).strip().lower()
            except EOFError:
                key = "q"
            if key in {str(h.rank) for h in hits}:
                answer = hits[int(key) - 1].passage.id
                outcome.alternates += [Alternate(q, answer) for q in g.questions]
                write(f"Attached to {safe(answer)}.\n")
                break
            if key == "o":
                outcome.alternates += [Alternate(q, None) for q in g.questions]
                write("Marked out of scope.\n")
                break
            if key == "s":
                outcome.skipped += g.questions
                write("Skipped.\n")
                break
            if key == "q":
                return outcome
            write(f"Type one of {keys}, s, o or q.")
    return outcome


def review_log(
    events: list[dict],
    answerer: Answerer,
    threshold: float,
    corpus_dir: Path,
    log: Path,
    as_json: bool,
    read_line: Callable[[str], str],
    write: Callable[[str], None],
    notify: Callable[[str], None],
) -> bool:
    """`roleqa review`: list the groups to review (as JSON), or walk them, save what was decided
    and record it in the log. True when alternates were added (the index is then out of date)."""
    known = {question_key(a.question) for a in read_alternates(corpus_dir)[0]}
    items = pending(events, threshold, known)
    groups = group(items, answerer.encoder.embed_batch([q for q, _ in items])) if items else []
    if as_json:
        for g in groups:
            write(json.dumps(g.to_json(answerer.ask(g.questions[0], CLOSEST, threshold).hits), ensure_ascii=False))
        return False
    if not groups:
        write(f"Nothing to review: every logged question was answered with confidence (log: {safe(str(log))}).")
        return False
    check_writable(corpus_dir)
    outcome = walk(groups, answerer, threshold, read_line, write)
    done = QuestionLog(log, True, notify)
    for question in outcome.skipped:
        done.reviewed(question, "skipped")
    if not outcome.alternates:
        return False
    written = append_alternates(corpus_dir, outcome.alternates)
    for a in outcome.alternates:
        done.reviewed(a.question, "out of scope" if a.answer is None else "attached")
    attached = sum(a.answer is not None for a in outcome.alternates)
    write(
        f"Saved {attached} alternate question{'s' * (attached != 1)} and {len(outcome.alternates) - attached} "
        f"out of scope to {safe(str(written))}; updating the index."
    )
    return True
