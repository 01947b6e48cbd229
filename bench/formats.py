"""Documents as they ship against the same documents converted to Markdown: recall per format.

    .venv/bin/python bench/formats.py [--split dev|test] [--sets ripgrep,pyhowto,debref,pyprog]

The real documents and their labelled questions are in tests/data/real/ (see
SOURCES.md there). Each format folder is indexed with the real model and asked
its set's questions; the Markdown conversion of the same documents is made
with pandoc (Debian's `pandoc` package must be installed) from the reST
sources or the HTML pages. Prints one table: passages, recall@1, recall@3,
and answers of three words or fewer / without a letter or digit (never
allowed), for each format.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT / "tests" / "data" / "real"
sys.path.insert(0, str(ROOT / "src"))

from roleqa.answer import Answerer  # noqa: E402
from roleqa.build import ensure_index  # noqa: E402
from roleqa.chunking import is_fragment  # noqa: E402
from roleqa.config import Settings  # noqa: E402
from roleqa.evaluate import DEPTH, evaluate, load_labelled  # noqa: E402

# set -> [(format, folder as shipped, pandoc input format or None)]
SETS = {
    "ripgrep": [("markdown", "md", None)],
    "pyhowto": [("reST (Sphinx sources)", "rst", "rst"), ("HTML", "html", "html")],
    "debref": [("PDF", "pdf", None), ("plain text", "txt", None), ("HTML", "html", "html")],
    "pyprog": [("reST (Sphinx sources)", "rst", "rst"), ("HTML", "html", "html")],
    # Held out (--split test only): pandoc reads no AsciiDoc, so gitfaq's conversion is from its HTML page.
    "pyfaq": [("reST (Sphinx source)", "rst", "rst"), ("HTML", "html", "html")],
    "gitfaq": [("plain text (AsciiDoc source)", "txt", None), ("HTML (AsciiDoc)", "html", "html")],
    # Held out since session 14 (--split test only): an FAQ DocBook prints as tables.
    "vgfaq": [("HTML (DocBook)", "html", "html")],
    "xzfaq": [("plain text, gzipped", "txt", None)],
    "dfaq": [("plain text", "txt", None), ("HTML pages", "html", "html"), ("PDF", "pdf", None)],
    # Since session 15: GNU info manuals (pandoc reads no info, so there is no conversion).
    "grepinfo": [("GNU info, gzipped", "info", None)],
    "sedinfo": [("GNU info, gzipped", "info", None)],
    # Since session 15: manual pages (roff, man and mdoc macros; pandoc reads man but not mdoc).
    "manpages": [("man pages (roff), gzipped", "man", None)],
}


# The same files under another name, for a reader their shipped name does not reach: gitfaq's
# source is AsciiDoc, named .txt up to git 2.48 and .adoc since (session 15's AsciiDoc reader).
RENAMED = {"gitfaq": [("AsciiDoc (its .txt source named .adoc)", "txt", ".adoc")]}


def renamed(src: Path, suffix: str, dest: Path) -> Path:
    """The files of `src` copied to `dest` with their last suffix replaced by `suffix`."""
    dest.mkdir(parents=True, exist_ok=True)
    for path in sorted(src.iterdir()):
        shutil.copyfile(path, dest / (path.stem + suffix))
    return dest


def convert(src: Path, reader: str, dest: Path) -> Path:
    """The same documents as Markdown, converted with pandoc (GitHub-flavoured Markdown out)."""
    dest.mkdir(parents=True, exist_ok=True)
    for path in sorted(src.iterdir()):
        out = dest / (path.name.split(".")[0] + ".md")
        subprocess.run(["pandoc", "-f", reader, "-t", "gfm", "--wrap=none", "-o", str(out), str(path)], check=True)
    return dest


def measure(corpus: Path, questions: Path, split: str, work: Path) -> dict:
    settings = Settings(corpus_dir=corpus, index_dir=work / "ix" / corpus.name / str(abs(hash(str(corpus)))))
    index, encoder = ensure_index(settings, notify=lambda m: print("  " + m, file=sys.stderr))
    answerer = Answerer(index, encoder)
    items = load_labelled(questions, split)
    results = answerer.ask_many([i.question for i in items], DEPTH, answerer.calibration.threshold)
    metrics = evaluate(items, results)
    shown = [h for r in results for h in r.hits[:3]]
    return {
        "passages": len(index.passages),
        "recall@1": metrics.recall_at_1,
        "recall@3": metrics.recall_at_3,
        "fragments": sum(1 for h in shown if is_fragment(h.passage.text)),
        "in scope": metrics.in_scope,
        "results": (items, results),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="dev")
    parser.add_argument(
        "--sets", default="ripgrep,pyhowto,debref,pyprog,dfaq", help="held out: pyfaq,gitfaq,vgfaq,xzfaq"
    )
    parser.add_argument("--misses", action="store_true", help="list the questions missed at rank 1")
    args = parser.parse_args()
    if not shutil.which("pandoc"):
        sys.exit("pandoc is needed for the Markdown conversions: apt-get install pandoc")
    work = Path(tempfile.mkdtemp(prefix="roleqa-formats-"))
    rows = []
    for name in args.sets.split(","):
        questions = REAL / name / "questions.jsonl"
        conversions = []
        for label, folder, reader in SETS[name]:
            rows.append((name, f"{label}, as shipped", measure(REAL / name / folder, questions, args.split, work)))
            if reader and not conversions:
                conversions.append(convert(REAL / name / folder, reader, work / name / f"md-from-{folder}"))
                source = f"Markdown (pandoc from {label})"
        for converted in conversions:
            rows.append((name, source, measure(converted, questions, args.split, work)))
        for label, folder, suffix in RENAMED.get(name, []):
            copy = renamed(REAL / name / folder, suffix, work / name / f"renamed-{folder}")
            rows.append((name, label, measure(copy, questions, args.split, work)))
    print(f"split: {args.split}")
    print(f"{'set':8} {'format':38} {'passages':>8} {'questions':>9} {'recall@1':>9} {'recall@3':>9} {'fragments':>9}")
    for name, label, m in rows:
        print(
            f"{name:8} {label:38} {m['passages']:8d} {m['in scope']:9d} {m['recall@1']:9.3f} {m['recall@3']:9.3f} "
            f"{m['fragments']:9d}"
        )
    if args.misses:
        from roleqa.evaluate import found_at

        for name, label, m in rows:
            items, results = m["results"]
            print(f"\n{name} / {label}")
            for item, result in zip(items, results):
                if item.in_scope and found_at(item, result) != 1:
                    top = result.hits[0].passage
                    rank = found_at(item, result)
                    print(f"  {item.question!r}  want [{item.section}]  got [{top.section}] rank {rank}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
