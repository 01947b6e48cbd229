"""Print retrieval quality on the labelled set and the threshold fitted on it.

    .venv/bin/python bench/eval.py [tests/data/eval.jsonl]

Uses the shipped corpus and its index (built if missing) with the real model.
"""

from __future__ import annotations

import sys
from pathlib import Path

from roleqa.answer import Answerer
from roleqa.build import ensure_index
from roleqa.config import DEFAULT_THRESHOLD, Settings
from roleqa.evaluate import best_scores, evaluate, fit_threshold, found_at, load_labelled


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parents[1] / "tests/data/eval.jsonl"
    items = load_labelled(path)
    answerer = Answerer(*ensure_index(Settings(), notify=lambda m: print(m, file=sys.stderr)))
    results = answerer.ask_many([i.question for i in items], 3, DEFAULT_THRESHOLD)
    inside, outside = best_scores(items, results)
    m = evaluate(items, results)
    print(f"labelled set        {path.name}: {m.in_scope} in scope, {m.out_of_scope} out of scope")
    print(f"recall@1            {m.recall_at_1:.3f}")
    print(f"recall@3            {m.recall_at_3:.3f}")
    print(f"out-of-scope reject {m.out_of_scope_rejected:.3f}")
    print(f"false rejections    {m.false_rejections}")
    print(f"threshold           {DEFAULT_THRESHOLD} (fitted here: {fit_threshold(inside, outside)})")
    print(f"best score          in scope min {inside.min():.3f}, out of scope max {outside.max():.3f}")
    print("misses (rank of the first relevant answer):")
    for item, result in zip(items, results):
        rank = found_at(item, result)
        if item.in_scope and (rank != 1 or not result.answered):
            print(f"  rank {rank}  answered={result.answered}  {item.question!r} -> {result.hits[0].passage.id}")
        if not item.in_scope and result.answered:
            print(f"  out of scope answered  {item.question!r} -> {result.hits[0].passage.id}")


if __name__ == "__main__":
    main()
