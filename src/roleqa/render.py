"""Results as text for people (optionally coloured) or as JSON Lines for scripts."""

from __future__ import annotations

import json
import re
import textwrap

import click

from roleqa.answer import Result

# C0/C1 control characters except newline and tab: never sent to a terminal raw,
# so a document or a question cannot move the cursor or change colours.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def safe(text: str) -> str:
    """Text with control and escape characters shown as visible escapes."""
    return _CONTROL_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def render_json(result: Result) -> str:
    """One JSON line, the `--json` contract."""
    return json.dumps(result.to_json(), ensure_ascii=False)


def render_text(result: Result, threshold: float, color: bool = False, width: int = 88) -> str:
    """A readable answer: the best passage in full with its source, then other matches."""

    def style(text: str, **kw) -> str:
        return click.style(text, **kw) if color else text

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
    p = best.passage
    for para in safe(p.text).split("\n"):
        lines.append(textwrap.fill(para, width=width, subsequent_indent="  " if para.startswith("- ") else ""))
    source = f"— {safe(p.section)} ({p.kind}, {safe(p.document)})"
    conf = f"confidence {best.score:.2f}"
    wrapped = textwrap.wrap(source, width=width, subsequent_indent="  ", break_on_hyphens=False)
    if len(wrapped[-1]) + 1 + len(conf) > width:
        wrapped.append("  ")
    lines.append(style("\n".join(wrapped), dim=True) + " " + style(conf, fg="green"))
    related = [h for h in others if h.score >= threshold]
    if related:
        lines.append(style("Also relevant:", bold=True))
        for h in related:
            tag = f"[{safe(h.passage.leaf)}, {h.score:.2f}]"
            room = max(20, width - len(tag) - 6)
            snippet = textwrap.shorten(safe(h.passage.text).replace("\n", " "), room, placeholder=" …")
            lines.append(f"  {h.rank}. {snippet} " + style(tag, dim=True))
    return "\n".join(lines)
