"""The `roleqa` command: parse options, call one core function, print.

User errors (RoleqaError) become a one-line message and exit code 1; bad
options are reported by typer with exit code 2; Ctrl-C exits with 130.
Nothing prints a traceback.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from roleqa import __version__
from roleqa.config import DEFAULT_THRESHOLD, DEFAULT_TOP_K, Settings, curve_of, environ
from roleqa.errors import Interrupted, RoleqaError
from roleqa.escapes import safe
from roleqa.terminal import end_progress_line, notice, progress_bar, status_line

INTERRUPTED = 130  # the shell's code for a command stopped by Ctrl-C (128 + SIGINT)
HELP = """roleqa answers questions from documents, offline: it finds the passages that
answer best and shows them with their source and a confidence, or says that it
has no good answer. Without --corpus it answers from the article it ships, "Data
Science Vs Machine Learning Engineer"; with --corpus DIR, from your own folder of
Markdown, reStructuredText, HTML, PDF, AsciiDoc, GNU info, manual pages or text files."""


class _Group(TyperGroup):
    """Turns RoleqaError into one plain "Error: ..." line on stderr and exit code 1, Ctrl-C into 130."""

    def invoke(self, ctx: typer.Context):
        try:
            return super().invoke(ctx)
        except Interrupted as e:
            end_progress_line()
            typer.echo(f"roleqa: {safe(str(e))}", err=True)
            ctx.exit(INTERRUPTED)
        except RoleqaError as e:
            typer.echo(f"Error: {safe(str(e))}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            end_progress_line()
            typer.echo("roleqa: interrupted", err=True)
            ctx.exit(INTERRUPTED)


app = typer.Typer(
    cls=_Group,
    help=HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain help, as click writes it: flags show no value (rich's help showed `--json <bool>`).
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

CorpusOpt = Annotated[
    Path | None,
    typer.Option(
        "--corpus",
        help="Folder of documents to answer from: .md, .rst, .html, .pdf, .adoc, .info, .1-.9 (man), .txt "
        "(env ROLEQA_CORPUS; default: the shipped article).",
    ),
]
IndexOpt = Annotated[
    Path | None,
    typer.Option(
        "--index",
        help="Index folder, roleqa's own (env ROLEQA_INDEX; default: a folder in ~/.cache/roleqa/indexes, "
        "or index/default for the shipped article in a source checkout).",
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
        "`roleqa eval --calibrate` fitted for the index, else the corpus profile's, else "
        f"{DEFAULT_THRESHOLD}).",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON Lines, one object per question.")]
LogOpt = Annotated[
    bool,
    typer.Option(
        "--log",
        help="Keep a local log of the questions for `roleqa review` (env ROLEQA_LOG=1; default: off, "
        "or the corpus profile's [review] log).",
    ),
]


def _settings(**options: object) -> Settings:
    return Settings.from_env(environ()).override(**options)


_KEPT: list = []


def _answerer(settings: Settings, one_shot: bool = False):
    """The answerer for `settings`, and its threshold: the option, else the index's calibration, else the default."""
    from roleqa.answer import Answerer
    from roleqa.build import ensure_index

    index, encoder = ensure_index(settings, notify=notice, progress=progress_bar, status=status_line, one_shot=one_shot)
    answerer = Answerer(index, encoder)
    # Kept until main()'s os._exit: freeing a large index's objects when the command returns
    # takes 0.03 s at 10 MB of text, for nothing. (Only the latest: tests run many commands.)
    _KEPT[:] = [answerer]
    threshold = settings.threshold if settings.threshold is not None else answerer.calibration.threshold
    return answerer, threshold


def _question_log(settings: Settings):
    """The corpus's question log, on only if the user turned it on (questionlog.py)."""
    from roleqa.profile import load_profile
    from roleqa.questionlog import QuestionLog, log_path

    on = settings.log_questions
    if on is None:
        on = load_profile(settings.corpus_dir).log_questions
    return QuestionLog(log_path(settings.data_dir, settings.corpus_dir), on, notice)


def _use_color() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in environ()


def _renderer(threshold: float, as_json: bool):
    from roleqa.render import JsonRenderer, TextRenderer

    if as_json:
        return JsonRenderer()
    tty = sys.stdout.isatty()
    width = min(100, os.get_terminal_size().columns if tty else 88)
    return TextRenderer(threshold, _use_color(), width, columns=tty)


@app.command()
def ask(
    questions: Annotated[
        list[str] | None,
        typer.Argument(metavar="[QUESTION]...", help="Questions; if none are given, one per line is read from stdin."),
    ] = None,
    top_k: TopKOpt = None,
    threshold: ThresholdOpt = None,
    corpus: CorpusOpt = None,
    index: IndexOpt = None,
    model: ModelOpt = None,
    as_json: JsonOpt = False,
    log: LogOpt = False,
) -> None:
    """Answer questions once and exit (for scripts: --json gives JSON Lines)."""
    options = {"top_k": top_k, "threshold": threshold, "log_questions": log or None}
    settings = _settings(corpus_dir=corpus, index_dir=index, model_path=model, **options)
    if not questions:
        if sys.stdin.isatty():
            raise RoleqaError(
                'give a question, e.g. roleqa ask "What do data scientists do?", or pipe questions on stdin'
            )
        from roleqa.terminal import stdin_batches

        batches, many = stdin_batches(), not as_json
    elif any(not q.strip() for q in questions):
        raise RoleqaError("a question is empty; give some words to search for")
    else:
        batches, many = iter([questions]), len(questions) > 1 and not as_json
    # Questions on the command line: embedded once, then exit (stdin may bring them one by one).
    answerer, threshold = _answerer(settings, one_shot=bool(questions))
    render = _renderer(threshold, as_json)
    color = _use_color()
    question_log = _question_log(settings)
    for results in answerer.ask_stream(batches, settings.top_k, threshold):
        for result in results:
            question_log.asked(result)
            if many:
                typer.echo(typer.style(f"» {result.question}", bold=True) if color else f"» {result.question}")
            typer.echo(render.result(result), color=color or None)
            if many:
                typer.echo("")
        sys.stdout.flush()  # a script reading answers as they come gets each batch at once


@app.command()
def chat(
    top_k: TopKOpt = None,
    threshold: ThresholdOpt = None,
    corpus: CorpusOpt = None,
    index: IndexOpt = None,
    model: ModelOpt = None,
    as_json: JsonOpt = False,
    log: LogOpt = False,
) -> None:
    """Chat in the terminal, follow-ups included; with piped input, answer one question per line."""
    from roleqa.repl import COMMANDS, ChatSession, answer_lines, run_chat, welcome
    from roleqa.terminal import line_editing, stdin_lines

    options = {"top_k": top_k, "threshold": threshold, "log_questions": log or None}
    settings = _settings(corpus_dir=corpus, index_dir=index, model_path=model, **options)
    answerer, threshold = _answerer(settings)
    color = _use_color()
    question_log = _question_log(settings)
    session = ChatSession(
        lambda question, k, topic, context: answerer.ask(question, k, threshold, topic, context),
        _renderer(threshold, as_json),
        settings.top_k,
        as_json,
        answerer.profile,
        answerer.index.manifest.get("alternatives", []),
        answerer.compare,
        answerer.comparer.topics(),
        question_log.asked,
        question_log.feedback if question_log.on else None,
    )

    def write(text: str) -> None:
        typer.echo(text, color=color or None)

    if not sys.stdin.isatty():
        raise typer.Exit(answer_lines(stdin_lines(), session, write, lambda text: typer.echo(safe(text), err=True)))
    hello = welcome(answerer, lambda text: typer.style(text, bold=True) if color else text)
    with line_editing(settings.data_dir / "history", COMMANDS):
        raise typer.Exit(run_chat(session, input, write, welcome=hello))


@app.command()
def review(
    threshold: ThresholdOpt = None,
    corpus: CorpusOpt = None,
    index: IndexOpt = None,
    model: ModelOpt = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="List the questions to review as JSON Lines, changing nothing.")
    ] = False,
) -> None:
    """Walk the logged questions that were declined, unsure or marked /bad, and attach them to answers."""
    from roleqa.build import ensure_index
    from roleqa.questionlog import read_log
    from roleqa.review import review_log

    settings = _settings(corpus_dir=corpus, index_dir=index, model_path=model, threshold=threshold)
    path = _question_log(settings).path
    events = read_log(path)
    if not events:
        if not as_json:
            typer.echo(f"No questions logged for {safe(str(settings.corpus_dir))} yet: ask or chat with --log (or "
                       "ROLEQA_LOG=1), then review.")  # fmt: skip
        return
    answerer, threshold = _answerer(settings)
    if review_log(events, answerer, threshold, settings.corpus_dir, path, as_json, input, typer.echo, notice):
        ensure_index(settings, notify=notice, progress=progress_bar, status=status_line)


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
    from roleqa.render import render_report
    from roleqa.store import write_calibration

    settings = _settings(corpus_dir=corpus, index_dir=index, model_path=model, threshold=threshold)
    items = load_labelled(file, split)
    answerer, threshold = _answerer(settings)
    questions = [i.question for i in items]
    results = answerer.ask_many(questions, DEPTH, threshold)
    report: dict = {"file": str(file), "split": split}
    if calibrate:
        fitted = calibrate_answers(items, results, answerer.calibration.bank)
        index = answerer.index
        fitted_on = {"file": str(file), "split": split, "count": len(items)}
        curve = curve_of(asdict(fitted))
        saved = write_calibration(index.path, index.model_fingerprint, curve, fitted_on)
        answerer = Answerer(answerer.index, answerer.encoder, fitted)
        threshold = settings.threshold if settings.threshold is not None else fitted.threshold
        fitted = curve
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
    built, _ = ensure_index(settings, notify=notice, progress=progress_bar, force=True, status=status_line)
    typer.echo(f"indexed {built.size} passages into {built.path}")


@app.command()
def clean(
    source: Annotated[
        Path | None,
        typer.Argument(
            metavar="[SOURCE]", help="The raw scraped page (default: the one the shipped article came from)."
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the markdown here instead of stdout.")
    ] = None,
) -> None:
    """Clean a raw scraped article page into corpus markdown."""
    from roleqa.clean import clean_page
    from roleqa.config import SHIPPED_SOURCE

    source = source or SHIPPED_SOURCE
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
    """roleqa answers questions from documents, offline (see roleqa --help)."""


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
