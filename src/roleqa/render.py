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
SEE_ALSO_WORDS = 14


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
    lines.append(
        style(f"— {safe(p.section)} ({p.kind}, {safe(p.document)})", dim=True)
        + " "
        + style(f"confidence {best.score:.2f}", fg="green")
    )
    related = [h for h in others if h.score >= threshold]
    if related:
        lines.append(style("Also relevant:", bold=True))
        for h in related:
            words = safe(h.passage.text).replace("\n", " ").split()
            snippet = " ".join(words[:SEE_ALSO_WORDS]) + (" …" if len(words) > SEE_ALSO_WORDS else "")
            lines.append(f"  {h.rank}. {snippet} " + style(f"[{h.passage.leaf}, {h.score:.2f}]", dim=True))
    return "\n".join(lines)
