"""Results as text for people (optionally coloured) or as JSON Lines for scripts."""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass

import typer

from roleqa.compare import Comparison
from roleqa.escapes import safe
from roleqa.passage import Passage
from roleqa.result import Hit, Result


def render_json(result: Result) -> str:
    """One JSON line, the `--json` contract."""
    return json.dumps(result.to_json(), ensure_ascii=False)


@dataclass(frozen=True)
class TextRenderer:
    """Answers for people: wrapped to `width`, in colour on a terminal (the chat and `ask`)."""

    threshold: float
    color: bool = False
    width: int = 88
    columns: bool = False  # comparisons side by side (on a terminal wide enough), else one side after the other

    def result(self, result: Result) -> str:
        return render_text(result, self.threshold, self.color, self.width, self.columns)

    def comparison(self, comparison: Comparison) -> str:
        """Each entity's part of a topic, side by side or stacked (`/compare` and comparative questions)."""
        return "\n".join(render_comparison(comparison, _styler(self.color), self.width, self.columns))

    def answers(self, hits: list[Hit]) -> str:
        """More answers in full (`/more`): each wrapped, lists kept, with its source and confidence."""
        style = _styler(self.color)
        blocks = []
        for h in hits:
            block = _answer_block(h, style, self.color, self.width - 3)
            blocks.append("\n".join([f"{h.rank}. {block[0]}", *(f"   {line}" for line in block[1:])]))
        return "\n".join(blocks)

    def sources(self, hits: list[Hit]) -> str:
        """Where each answer comes from (`/sources`): confidence, id, then its source, wrapped."""
        lines = []
        for h in hits:
            p = h.passage
            lines.append(textwrap.fill(f"{h.rank}. {h.score:.2f}  {safe(p.id)}", self.width, subsequent_indent="   "))
            where = f"{safe(p.section)} ({p.kind}, {safe(p.document)})"
            lines.append(textwrap.fill(where, self.width, initial_indent="   ", subsequent_indent="   "))
        return "\n".join(lines)


class JsonRenderer:
    """Answers for scripts: one JSON line per result; commands print nothing."""

    def result(self, result: Result) -> str:
        return render_json(result)

    def answers(self, hits: list[Hit]) -> str:
        return ""

    def sources(self, hits: list[Hit]) -> str:
        return ""

    def comparison(self, comparison: Comparison) -> str:
        return json.dumps({"comparison": comparison.to_json()}, ensure_ascii=False)


def _styler(color: bool):
    def style(text: str, **kw) -> str:
        return typer.style(text, **kw) if color else text

    return style


def render_text(result: Result, threshold: float, color: bool = False, width: int = 88, columns: bool = False) -> str:
    """A readable answer: the best passage in full with its source, then other matches."""
    style = _styler(color)
    lines: list[str] = []
    if not result.hits:
        return style("No passages to search.", fg="yellow")
    if not result.answered:
        best = result.hits[0].score
        lines.append(
            style("I don't have a good answer to that", fg="yellow", bold=True)
            + f" (best match {best:.2f}, needs {threshold:.2f})."
        )
        if result.suggestions:
            lines.append("Questions I can answer include:")
            lines.extend(f"  - {safe(s)}" for s in result.suggestions)
        return "\n".join(lines)
    best, *others = result.hits
    if result.comparison:
        lines.extend(render_comparison(result.comparison, style, width, columns))
        others = [h for h in result.hits if not result.comparison.covers(h.passage.section)]
    else:
        lines.extend(_answer_block(best, style, color, width))
    if result.did_you_mean and others:
        first, second = (safe(h) for h in result.did_you_mean)
        lines.append(style("Did you mean", bold=True) + f' "{first}" (above) or "{second}" (below)?')
        lines.extend(_answer_block(others.pop(0), style, color, width))
    related = [h for h in others if h.score >= threshold]
    if related:
        lines.append(style("Also relevant:", bold=True))
        for h in related:
            # The heading gives way on a terminal narrower than 80 columns, so the line fits its width.
            heading = textwrap.shorten(safe(h.passage.leaf), max(10, min(40, width - 40)), placeholder="…")
            tag = f"[{heading}, {h.score:.2f}]"
            room = max(12, width - len(tag) - 6)
            flat = safe(h.passage.text).removeprefix("- ").replace("\n", " ")
            snippet = textwrap.shorten(flat, room, placeholder=" …")
            lines.append(f"  {h.rank}. {snippet} " + style(tag, dim=True))
    return "\n".join(lines)


# Two columns need at least this many characters each; else the sides are stacked.
MIN_COLUMN = 30


def render_comparison(comparison: Comparison, style, width: int, columns: bool) -> list[str]:
    """Lines that show each entity's part of a comparison: two columns when asked for and wide enough."""
    lines = [style(f"Compared on {safe(comparison.topic)}:", bold=True)]
    column = (width - 3) // 2
    entities = comparison.entities
    side_by_side = columns and len(entities) == 2 and column >= MIN_COLUMN
    if side_by_side:
        left, right = (safe(e).capitalize() for e in entities)
        lines.append(style(left.ljust(column), bold=True) + " │ " + style(right, bold=True))
    for part in comparison.parts:
        if len(comparison.parts) > 1:
            lines.append(style(safe(part.topic), bold=True, underline=True))
        texts = {side.entity: side.text for side in part.sides}
        if side_by_side:
            left, right = (_side_lines(texts.get(e, ""), column) for e in entities)
            rows = max(len(left), len(right))
            left += [""] * (rows - len(left))
            right += [""] * (rows - len(right))
            lines.extend(f"{a.ljust(column)} │ {b}".rstrip() for a, b in zip(left, right))
            continue
        for entity in entities:
            if entity in texts:
                lines.append(style(f"{safe(entity).capitalize()}:", bold=True))
                lines.extend(f"  {line}" if line else "" for line in _side_lines(texts[entity], width - 2))
    where = f"— {safe(comparison.section)} ({safe(comparison.document)})"
    lines.append(style(textwrap.shorten(where, width, placeholder="…"), dim=True))
    return lines


def _side_lines(text: str, width: int) -> list[str]:
    out: list[str] = []
    for para in safe(text).split("\n"):
        if not para.strip():
            out.append("")
            continue
        indent = len(para) - len(para.lstrip())
        bullet = para.lstrip().startswith("- ")
        out.extend(
            textwrap.wrap(para, width, initial_indent="", subsequent_indent=" " * (indent + (2 if bullet else 0)))
            or [""]
        )
    return out


def source_line(p: Passage, width: int) -> str:
    """Where a passage comes from, on one line of at most `width` characters.

    The full form is "— Section > Sub-section (kind, document)"; when it is
    too long, the middle headings, then the document, then the end of the
    heading give way.
    """
    heads = [safe(h) for h in p.section.split(" > ")]
    forms = [heads]
    if len(heads) > 2:
        forms.append([heads[0], "…", heads[-1]])
    if len(heads) > 1:
        forms.append(["…", heads[-1]])
    for form in forms:
        line = f"— {' > '.join(form)} ({p.kind}, {safe(p.document)})"
        if len(line) <= width:
            return line
    for form in forms:
        line = f"— {' > '.join(form)} ({p.kind})"
        if len(line) <= width:
            return line
    return textwrap.shorten(f"— {heads[-1]} ({p.kind})", max(10, width), placeholder="…")


# Private-use characters mark highlight boundaries through wrapping; then they
# become bold on/off, or nothing in plain output.
_ON, _OFF = "\ue000", "\ue001"


def _answer_block(hit: Hit, style, color: bool, width: int) -> list[str]:
    """A passage in full, wrapped, its highlight in bold (on colour), then its source and confidence."""
    p = hit.passage
    text = p.text.replace(_ON, " ").replace(_OFF, " ")
    for start, end in sorted(hit.highlight, reverse=True):
        text = text[:start] + _ON + text[start:end] + _OFF + text[end:]
    on, off = ("\x1b[1m", "\x1b[22m") if color else ("", "")
    # A list item alone needs the line that introduced it ("ML engineers often have skills such as:").
    lines = [style(textwrap.fill(safe(p.context), width=width), dim=True)] if p.context else []
    for para in safe(text).split("\n"):
        wrapped = textwrap.fill(para, width=width, subsequent_indent="  " if para.startswith("- ") else "")
        lines.append(wrapped.replace(_ON, on).replace(_OFF, off))
    conf = f"confidence {hit.score:.2f}"
    source = source_line(p, width - len(conf) - 1)
    lines.append(style(source, dim=True) + " " + style(conf, fg="green"))
    return lines


_METRIC_LABELS = {
    "in_scope": "in-scope questions",
    "out_of_scope": "out-of-scope questions",
    "recall_at_1": "recall@1",
    "recall_at_3": "recall@3",
    "recall_at_5": "recall@5",
    "mrr_at_10": "MRR@10",
    "ndcg_at_10": "nDCG@10",
    "out_of_scope_precision": "out-of-scope precision",
    "out_of_scope_recall": "out-of-scope recall (rejected)",
    "false_rejections": "false rejections",
    "median_top_words": "median words, top answer",
}


def render_report(report: dict, items: list, results: list[Result], misses: bool = False) -> str:
    """`roleqa eval` as text: the sweep (if calibrated), the metrics, and optionally the misses."""
    from roleqa.evaluate import found_at

    lines = [f"{safe(report['file'])}" + (f" (split {safe(report['split'])})" if report.get("split") else "")]
    if "sweep" in report:
        lines.append("threshold  in-scope answered  accuracy of answers  out-of-scope rejected")
        for row in report["sweep"]:
            lines.append(
                f"{row['threshold']:9.2f}  {row['answered']:17.0%}  {row['accuracy']:19.0%}  {row['rejected']:21.0%}"
            )
        fitted = report["fitted"]
        lines.append(
            f"fitted: slope {fitted['slope']:.3f}, unknown {fitted.get('unknown', 0.0):.3f}, "
            f"offset {fitted['offset']:.3f}, "
            f"threshold {fitted['threshold']:.3f}; saved to {safe(report['saved_to'])}"
        )
    lines.append(f"{'threshold':32} {report['threshold']:.3f}")
    for key, value in report["metrics"].items():
        shown = f"{value:.3f}" if isinstance(value, float) and key != "median_top_words" else f"{value:g}"
        lines.append(f"{_METRIC_LABELS.get(key, key):32} {shown}")
    if misses:
        lines.append("misses:")
        for item, result in zip(items, results):
            top = result.hits[0].passage.id if result.hits else "-"
            rank = found_at(item, result)
            if item.in_scope and (rank != 1 or not result.answered):
                lines.append(f"  in scope, relevant at rank {rank}, answered={result.answered}: {safe(item.question)}")
                lines.append(f"    top: {safe(top)}")
            elif not item.in_scope and result.answered:
                lines.append(f"  out of scope but answered: {safe(item.question)}")
                lines.append(f"    top: {safe(top)}")
    return "\n".join(lines)
