"""The `roleqa` command: parse options, call one core function, print.

User errors (RoleqaError) become a one-line message and exit code 1; bad
options are reported by typer with exit code 2. Nothing prints a traceback.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated

import click
import typer
from typer.core import TyperGroup

from roleqa import __version__
from roleqa.config import DEFAULT_THRESHOLD, DEFAULT_TOP_K, Settings, environ
from roleqa.errors import RoleqaError
from roleqa.escapes import safe


class _Group(TyperGroup):
    """Turns RoleqaError into one plain "Error: ..." line on stderr and exit code 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except RoleqaError as e:
            click.echo(f"Error: {safe(str(e))}", err=True)
            ctx.exit(1)


app = typer.Typer(
    cls=_Group,
    help="roleqa: answers about data scientist vs machine learning engineer roles, "
    "from a local FAISS index (or from your own documents).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

CorpusOpt = Annotated[
    Path | None,
    typer.Option(
        "--corpus",
        help="Folder of .md/.txt documents to answer from (env ROLEQA_CORPUS; default: the shipped article).",
    ),
]
IndexOpt = Annotated[
    Path | None,
    typer.Option(
        "--index",
        help="Index folder (env ROLEQA_INDEX; default: index/default for the shipped corpus, "
        "a cache folder for others).",
    ),
]
ModelOpt = Annotated[
    Path | None,
    typer.Option(
        "--model",
        help="Local sentence-transformers model folder (env ROLEQA_MODEL; default: bundled all-MiniLM-L6-v2).",
    ),
]
TopKOpt = Annotated[
    int | None,
    typer.Option("--top-k", "-k", help=f"How many passages to return (env ROLEQA_TOP_K; default {DEFAULT_TOP_K})."),
]
ThresholdOpt = Annotated[
    float | None,
    typer.Option(
        "--threshold",
        help="Minimum confidence (0-1) to count as answered (env ROLEQA_THRESHOLD; default: the one "
        f"`roleqa eval --calibrate` fitted for the index, else {DEFAULT_THRESHOLD}).",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON Lines, one object per question.")]


def _settings(**options: object) -> Settings:
    return Settings.from_env(environ()).override(**options)


def _notify(message: str) -> None:
    typer.echo(f"roleqa: {safe(message)}", err=True)


def _progress(total: int) -> Callable[[int], None]:
    """A progress bar on a terminal; silent otherwise."""
    if not sys.stderr.isatty():
        return lambda _n: None
    bar = typer.progressbar(length=total, label="embedding", file=sys.stderr)
    bar.__enter__()
    done = [0]

    def advance(n: int) -> None:
        bar.update(n)
        done[0] += n
        if done[0] >= total:
            bar.__exit__(None, None, None)

    return advance


def _answerer(settings: Settings):
    """The answerer for `settings`, and its threshold: the option, else the index's calibration, else the default."""
    from roleqa.answer import Answerer
    from roleqa.build import ensure_index
    from roleqa.index import read_calibration

    index, encoder = ensure_index(settings, notify=_notify, progress=_progress)
    fitted = read_calibration(index) or {}
    threshold = settings.threshold if settings.threshold is not None else fitted.get("threshold", DEFAULT_THRESHOLD)
    if "slope" in fitted:
        return Answerer(index, encoder, fitted["slope"], fitted["offset"]), threshold
    return Answerer(index, encoder), threshold


def _use_color() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in environ()


def _formatter(threshold: float, as_json: bool) -> Callable:
    from roleqa.render import render_json, render_text

    if as_json:
        return render_json
    color, width = _use_color(), min(100, os.get_terminal_size().columns if sys.stdout.isatty() else 88)
    return lambda result: render_text(result, threshold, color=color, width=width)


def _stdin_lines() -> Iterator[str]:
    """Lines of stdin, decoded leniently: a bad byte must not lose the batch."""
    stream = sys.stdin.buffer if hasattr(sys.stdin, "buffer") else None
    if stream is None:
        yield from sys.stdin
        return
    for raw in stream:
        yield raw.decode("utf-8", errors="replace")


@app.command()
def ask(
    questions: Annotated[
        list[str] | None, typer.Argument(help="Questions; if none are given, one per line is read from stdin.")
    ] = None,
    top_k: TopKOpt = None,
    threshold: ThresholdOpt = None,
    corpus: CorpusOpt = None,
    index: IndexOpt = None,
    model: ModelOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Answer questions once and exit (for scripts: --json gives JSON Lines)."""
    settings = _settings(corpus_dir=corpus, index_dir=index, model_path=model, top_k=top_k, threshold=threshold)
    if not questions:
        if sys.stdin.isatty():
            raise RoleqaError(
                'give a question, e.g. roleqa ask "What do data scientists do?", or pipe questions on stdin'
            )
        questions = [q for q in _stdin_lines() if q.strip()]
    elif any(not q.strip() for q in questions):
        raise RoleqaError("a question is empty; give some words to search for")
    answerer, threshold = _answerer(settings)
    fmt = _formatter(threshold, as_json)
    color = _use_color()
    many = len(questions) > 1 and not as_json
    for start in range(0, len(questions), 64):
        batch = questions[start : start + 64]
        for result in answerer.ask_many(batch, settings.top_k, threshold):
            if many:
                typer.echo(typer.style(f"» {result.question}", bold=True) if color else f"» {result.question}")
            typer.echo(fmt(result), color=color or None)
            if many:
                typer.echo("")


@app.command()
def chat(
    top_k: TopKOpt = None,
    threshold: ThresholdOpt = None,
    corpus: CorpusOpt = None,
    index: IndexOpt = None,
    model: ModelOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Chat in the terminal, follow-ups included; with piped input, answer one question per line."""
    from roleqa.repl import COMMANDS, ChatSession, answer_lines, run_chat
    from roleqa.terminal import line_editing

    settings = _settings(corpus_dir=corpus, index_dir=index, model_path=model, top_k=top_k, threshold=threshold)
    answerer, threshold = _answerer(settings)
    color = _use_color()
    session = ChatSession(
        lambda question, k, topic: answerer.ask(question, k, threshold, topic),
        _formatter(threshold, as_json),
        settings.top_k,
        as_json,
    )

    def write(text: str) -> None:
        typer.echo(text, color=color or None)

    if not sys.stdin.isatty():
        raise typer.Exit(answer_lines(_stdin_lines(), session, write, lambda text: typer.echo(safe(text), err=True)))
    with line_editing(settings.data_dir / "history", COMMANDS):
        raise typer.Exit(run_chat(session, input, write, welcome=_welcome(answerer, color)))


def _welcome(answerer, color: bool) -> str:
    """Who is answering, and three questions to start with, taken from the FAQ (or the headings)."""
    passages = answerer.index.passages
    examples = [p.question for p in passages if p.question][:3] or list(dict.fromkeys(p.leaf for p in passages))[:3]
    docs = ", ".join(answerer.index.manifest.get("corpus", {}).get("documents", []))
    title = f"roleqa {__version__} · {len(passages)} passages from {safe(docs)}"
    lines = [typer.style(title, bold=True) if color else title, "Try for instance:"]
    lines += [f"  {safe(q)}" for q in examples]
    lines.append('Follow-ups work ("and ML engineers?"). /help for commands, /quit or Ctrl-D to leave.')
    return "\n".join(lines) + "\n"


@app.command("eval")
def eval_(
    file: Annotated[Path, typer.Argument(help='Labelled questions, JSON Lines (see README, "Evaluating").')],
    split: Annotated[
        str | None, typer.Option("--split", help='Only the questions with this "split" (e.g. dev, test).')
    ] = None,
    calibrate: Annotated[
        bool,
        typer.Option("--calibrate", help="Fit the confidence curve and threshold on FILE; save them for ask and chat."),
    ] = False,
    misses: Annotated[bool, typer.Option("--misses", help="List the questions answered wrongly.")] = False,
    threshold: ThresholdOpt = None,
    corpus: CorpusOpt = None,
    index: IndexOpt = None,
    model: ModelOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as one JSON object.")] = False,
) -> None:
    """Measure answer quality on labelled questions: recall, MRR, nDCG, rejections, answer length."""
    from dataclasses import asdict

    from roleqa.answer import Answerer
    from roleqa.evaluate import DEPTH, evaluate, load_labelled, sweep
    from roleqa.evaluate import calibrate as calibrate_answers
    from roleqa.index import write_calibration
    from roleqa.render import render_report

    settings = _settings(corpus_dir=corpus, index_dir=index, model_path=model, threshold=threshold)
    items = load_labelled(file, split)
    answerer, threshold = _answerer(settings)
    questions = [i.question for i in items]
    results = answerer.ask_many(questions, DEPTH, threshold)
    report: dict = {"file": str(file), "split": split}
    if calibrate:
        fitted = asdict(calibrate_answers(items, results))
        saved = write_calibration(answerer.index, fitted, {"file": str(file), "split": split, "count": len(items)})
        answerer = Answerer(answerer.index, answerer.encoder, fitted["slope"], fitted["offset"])
        threshold = fitted["threshold"]
        results = answerer.ask_many(questions, DEPTH, threshold)
        trade_off = [asdict(o) for o in sweep(items, results)]
        report |= {"sweep": trade_off, "fitted": fitted, "saved_to": str(saved)}
    report |= {"threshold": threshold, "metrics": evaluate(items, results).to_json()}
    typer.echo(json.dumps(report, ensure_ascii=False) if as_json else render_report(report, items, results, misses))


@app.command()
def build(
    corpus: CorpusOpt = None,
    index: IndexOpt = None,
    model: ModelOpt = None,
) -> None:
    """Build (or rebuild) the index for a corpus."""
    from roleqa.build import ensure_index

    settings = _settings(corpus_dir=corpus, index_dir=index, model_path=model)
    built, _ = ensure_index(settings, notify=_notify, progress=_progress, force=True)
    typer.echo(f"indexed {len(built.passages)} passages into {built.path}")


@app.command()
def clean(
    source: Annotated[Path, typer.Argument(help="The raw scraped page, e.g. sources/000_cafb6aafcb78b802.txt.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the markdown here instead of stdout.")
    ] = None,
) -> None:
    """Clean a raw scraped article page into corpus markdown."""
    from roleqa.clean import clean_page

    try:
        raw = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise RoleqaError(f"cannot read {source}: {getattr(e, 'strerror', None) or e}") from None
    text = clean_page(raw)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output}", err=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"roleqa {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """roleqa: answers about data scientist vs machine learning engineer roles."""


def main() -> None:
    """Console entry point: even an unexpected error is one line, not a traceback."""
    try:
        app()
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        if isinstance(e.code, str):
            typer.echo(e.code, err=True)
    except Exception as e:  # noqa: BLE001 - click already handled user and usage errors
        typer.echo(f"Error: unexpected {type(e).__name__}: {e} (please report this)", err=True)
        code = 1
    # Everything is written and every index write has been renamed into place;
    # tearing down ONNX Runtime, FAISS and the module graph would add ~70 ms to
    # every one-shot answer, so leave straight away.
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        code = code or 1
    os._exit(code)
