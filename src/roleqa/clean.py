"""Turn the raw scraped article page into readable markdown.

The shipped source (`sources/000_cafb6aafcb78b802.txt`) is a scraped web page:
the article is in ALL CAPS, carries markdown escapes and bold markers, has two
paragraphs broken in the middle of a sentence, two headings at the wrong level,
and ends in unrelated junk. `clean_page` fixes all of that deterministically, so
`corpus/` is reproducible from the raw source (`roleqa clean`).
"""

from __future__ import annotations

import re

# Everything from the first line starting with one of these is scraper junk
# (link farms, bioRxiv boilerplate, Windows folder names, "Back to Home").
CUT_MARKERS = ("Find other PDF article",)

# Names and acronyms as they are normally written. Keys are lower case and are
# matched on whole words after the text has been lower-cased.
TERMS = {
    "google ai platform": "Google AI Platform",
    "google cloud": "Google Cloud",
    "power bi": "Power BI",
    "scikit-learn": "scikit-learn",
    "tensorflow": "TensorFlow",
    "pytorch": "PyTorch",
    "keras": "Keras",
    "python": "Python",
    "java": "Java",
    "c++": "C++",
    "sql": "SQL",
    "r": "R",
    "pandas": "pandas",
    "numpy": "NumPy",
    "matplotlib": "Matplotlib",
    "jupyter": "Jupyter",
    "tableau": "Tableau",
    "docker": "Docker",
    "kubernetes": "Kubernetes",
    "aws": "AWS",
    "azure": "Azure",
    "sagemaker": "SageMaker",
    "eda": "EDA",
    "apis": "APIs",
    "api": "API",
    "a/b": "A/B",
    "ph.d.": "Ph.D.",
    "ai": "AI",
    "ml": "ML",
}

_TERM_RE = re.compile(
    r"(?<![\w/+.-])(" + "|".join(re.escape(k) for k in sorted(TERMS, key=len, reverse=True)) + r")(?![\w/+-])"
)
_ESCAPE_RE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!$<>|])")
_HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
_LIST_RE = re.compile(r"^(\s*)([-*+]|\d+[.)])\s+(.*)$")
_NUMBERED_HEADING_RE = re.compile(r"^(\d+)\.\s")
_FAQ_RE = re.compile(r"frequently asked questions|\bfaqs?\b", re.IGNORECASE)


def clean_page(raw: str) -> str:
    """Return the article and FAQ of a raw scraped page as clean markdown."""
    text = _cut_junk(raw.replace("\r\n", "\n").replace("\r", "\n"))
    text = _ESCAPE_RE.sub(r"\1", text).replace("**", "")
    blocks = _join_broken_paragraphs(_blocks(text))
    blocks = _fix_heading_levels(blocks)
    blocks = ["\n".join(_recase_line(line) for line in b.split("\n")) for b in blocks]
    return "\n\n".join(blocks) + "\n"


def _cut_junk(text: str) -> str:
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.strip().startswith(CUT_MARKERS):
            return "\n".join(lines[:i])
    return text


def _blocks(text: str) -> list[str]:
    """Split into blank-line separated blocks, trailing spaces removed."""
    blocks, current = [], []
    for line in text.split("\n"):
        line = line.rstrip()
        if line:
            current.append(line)
        elif current:
            blocks.append("\n".join(current))
            current = []
    if current:
        blocks.append("\n".join(current))
    return blocks


def _is_plain_paragraph(block: str) -> bool:
    first = block.split("\n", 1)[0]
    return not _HEADING_RE.match(first) and not _LIST_RE.match(first)


def _join_broken_paragraphs(blocks: list[str]) -> list[str]:
    """Join a block that stops mid-sentence with the paragraph that continues it.

    The source has page breaks inside sentences ("... WITH A" / "FOCUS ON ...").
    A block whose last line ends without closing punctuation, followed by a plain
    paragraph, is one sentence split in two.
    """
    out: list[str] = []
    for block in blocks:
        if (
            out
            and _is_plain_paragraph(block)
            and not _HEADING_RE.match(out[-1].split("\n")[-1])
            and not re.search(r"[.!?:;)\]]$", out[-1])
        ):
            out[-1] = out[-1] + " " + block.replace("\n", " ")
        else:
            out.append(block)
    return out


def _fix_heading_levels(blocks: list[str]) -> list[str]:
    """Put headings that the page promoted by mistake back at their level.

    "## 4. TOOLS" following "### 3. EDUCATION" is the fourth sibling, and a
    "## QUESTION?" inside the FAQ section is one more FAQ entry.
    """
    out: list[str] = []
    prev_level, prev_number, in_faq, faq_level = 0, None, False, 0
    for block in blocks:
        m = _HEADING_RE.match(block)
        if not m:
            out.append(block)
            continue
        level, title = len(m.group(1)), m.group(2)
        num = _NUMBERED_HEADING_RE.match(title)
        number = int(num.group(1)) if num else None
        if number is not None and prev_number is not None and number == prev_number + 1:
            level = prev_level
        elif in_faq and title.endswith("?") and level <= faq_level:
            level = faq_level + 1
        if _FAQ_RE.search(title):
            in_faq, faq_level = True, level
        elif in_faq and level <= faq_level:
            in_faq = False
        prev_level, prev_number = level, number
        out.append("#" * level + " " + title)
    return out


def _is_shouting(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 2 and sum(c.isupper() for c in letters) / len(letters) > 0.8


def _recase_line(line: str) -> str:
    """Sentence-case an ALL CAPS markdown line, keeping its markup."""
    if not _is_shouting(line):
        return line
    m = _HEADING_RE.match(line)
    if m:
        return m.group(1) + " " + sentence_case(m.group(2))
    m = _LIST_RE.match(line)
    if m:
        return f"{m.group(1)}{m.group(2)} {sentence_case(m.group(3), label=True)}"
    return sentence_case(line)


def sentence_case(text: str, label: bool = False) -> str:
    """Lower-case `text`, then capitalize sentence starts and known names.

    With `label`, a short "Label: text" prefix (as in list items) also starts a
    sentence after its colon.
    """
    s = _TERM_RE.sub(lambda m: TERMS[m.group(1)], text.lower())
    starts = [0] + [m.end() for m in re.finditer(r"[.!?]\s+", s)]
    if label:
        colon = re.match(r"[^:]{1,40}:\s+", s)
        if colon:
            starts.append(colon.end())
    chars = list(s)
    for start in starts:
        for i in range(start, len(chars)):
            if chars[i].isalpha():
                if not _inside_term(s, i):
                    chars[i] = chars[i].upper()
                break
            if not chars[i].isspace() and chars[i] not in "\"'(":
                break
    return "".join(chars)


def _inside_term(s: str, i: int) -> bool:
    """True when position i starts a name written in lower case (pandas, scikit-learn)."""
    return any(s.startswith(t, i) for t in ("pandas", "scikit-learn"))
