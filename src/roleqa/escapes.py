"""Text for a terminal: control and escape characters made visible, never sent raw.

Kept apart from render.py so the command line can use it without loading numpy.
"""

from __future__ import annotations

import re

# C0/C1 control characters except newline and tab: never sent to a terminal raw,
# so a document or a question cannot move the cursor or change colours.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def safe(text: str) -> str:
    """Text with control and escape characters shown as visible escapes (ESC as \\x1b)."""
    return _CONTROL_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
