"""Follow-ups in the chat, on labelled conversations over the shipped article and real documents.

    .venv/bin/python bench/conversations.py [--split dev|test] [--sets article,ripgrep,pyhowto,debref,pyprog]

Each conversation is played in a fresh chat session with the real model, as
`roleqa chat` plays it. Printed per set: follow-ups answered right at rank 1
(all, and those that cannot be understood without the previous turn),
follow-ups read as follow-ups, self-contained turns rewritten (should be 0),
out-of-scope turns after a topic declined.
"""

from __future__ import annotations

import argparse
import json

from sets import TUNED, conversations_file, index_of

from roleqa import answer
from roleqa.answer import Answerer
from roleqa.config import DEFAULT_TOP_K
from roleqa.evaluate import Labelled, is_relevant
from roleqa.render import JsonRenderer
from roleqa.repl import ChatSession


def turns_of(row: dict) -> list[dict]:
    """The turns of a conversation in one shape: question, label, in scope, follow-up, needs previous."""
    out = []
    for i, t in enumerate(row["turns"]):
        if "kind" in t:  # the real documents' sets
            label = Labelled(
                t["question"],
                [t["phrase"]] if t.get("phrase") else [],
                t["kind"] != "out_of_scope",
                section=t.get("section"),
            )
            follow = t["kind"] == "followup"
            out.append({"label": label, "follow_up": follow, "needs": bool(t.get("needs_previous")), "first": i == 0})
        else:  # the article's set
            label = Labelled(t["question"], t["relevant"], t["in_scope"])
            out.append({"label": label, "follow_up": t["follow_up"], "needs": t["follow_up"], "first": i == 0})
    return out


def answerer_for(name: str) -> tuple[Answerer, float]:
    index, encoder = index_of(name)
    answerer = Answerer(index, encoder)
    return answerer, answerer.calibration.threshold


def play(answerer: Answerer, threshold: float, rows: list[dict]) -> list[tuple[dict, object]]:
    played = []
    for row in rows:
        session = ChatSession(
            lambda q, k, topic, context: answerer.ask(q, k, threshold, topic, context),
            JsonRenderer(),
            DEFAULT_TOP_K,
            profile=answerer.profile,
            alternatives=answerer.index.manifest.get("alternatives", []),
        )
        for turn in turns_of(row):
            session.handle(turn["label"].question)
            played.append((turn, session.last))
    return played


def summary(played) -> dict:
    def right(turn, result) -> bool:
        return bool(result.answered and result.hits and is_relevant(turn["label"], result.hits[0]))

    follow = [(t, r) for t, r in played if t["follow_up"]]
    needs = [(t, r) for t, r in follow if t["needs"]]
    alone = [(t, r) for t, r in played if not t["follow_up"] and not t["first"] and t["label"].in_scope]
    outside = [(t, r) for t, r in played if not t["label"].in_scope]
    return {
        "follow-ups right": f"{sum(right(t, r) for t, r in follow)}/{len(follow)}",
        "needing the previous turn, right": f"{sum(right(t, r) for t, r in needs)}/{len(needs)}",
        "read as follow-ups": f"{sum(r.interpreted_as is not None for _, r in follow)}/{len(follow)}",
        "self-contained rewritten": f"{sum(r.interpreted_as is not None for _, r in alone)}/{len(alone)}",
        "out of scope declined": f"{sum(not r.answered for _, r in outside)}/{len(outside)}",
    }


def print_misses(played) -> None:
    """Each turn answered wrong: how it was read, what came first and what was wanted."""
    for turn, result in played:
        label = turn["label"]
        if result is None:  # the chat took the line as something else than a question
            print(f"  [no answer] {label.question!r}")
            continue
        top = result.hits[0] if result.answered and result.hits else None
        if (top is not None and is_relevant(label, top)) if label.in_scope else not result.answered:
            continue
        kind = "first" if turn["first"] else "follow-up" if turn["follow_up"] else "alone"
        got = top.passage.section if top else "declined"
        print(f"  [{kind}] {label.question!r} read as {result.interpreted_as!r}")
        print(f"      want [{label.section}]  got [{got}]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="dev")
    parser.add_argument("--sets", default=",".join(TUNED), help="also pyfaq,gitfaq: held out, --split test")
    parser.add_argument("--context-weight", type=float, default=None)
    parser.add_argument("--topic-bonus", type=float, default=None)
    parser.add_argument("--threshold", type=float, default=None, help="instead of the index's own")
    parser.add_argument("--misses", action="store_true", help="list the turns answered wrong")
    args = parser.parse_args()
    if args.context_weight is not None:
        answer.CONTEXT_WEIGHT = args.context_weight
    if args.topic_bonus is not None:
        answer.TOPIC_BONUS = args.topic_bonus
    for name in args.sets.split(","):
        answerer, threshold = answerer_for(name)
        threshold = threshold if args.threshold is None else args.threshold
        rows = [json.loads(line) for line in conversations_file(name).read_text().splitlines() if line.strip()]
        rows = [r for r in rows if r.get("split") == args.split]
        played = play(answerer, threshold, rows)
        print(name, args.split, json.dumps(summary(played)))
        if args.misses:
            print_misses(played)


if __name__ == "__main__":
    main()
