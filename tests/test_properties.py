"""Property tests (hypothesis): cleaning and chunking lose nothing but junk; any question gives a valid JSON line."""

from __future__ import annotations

import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roleqa.answer import normalize_question
from roleqa.chunking import chunk_document
from roleqa.clean import clean_page
from roleqa.readers import parse
from roleqa.render import render_json

# Words start with a letter: "0. text" at the start of a line is a numbered list in markdown.
WORD = st.tuples(
    st.sampled_from("abcdefghijklmnopqrstuvwxyzéüß"),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", max_size=8),
).map("".join)
CAPS = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=9)


def words(n=12, alphabet=WORD):
    return st.lists(alphabet, min_size=1, max_size=n).map(" ".join)


sentence = words().map(lambda s: s + ".")
paragraph = st.lists(sentence, min_size=1, max_size=4).map(" ".join)
item = st.tuples(words(6), st.lists(words(5), max_size=3))
heading = st.tuples(st.integers(1, 4), words(5))
block = st.one_of(
    heading.map(lambda h: ("h", h)),
    paragraph.map(lambda p: ("p", p)),
    st.lists(item, min_size=1, max_size=5).map(lambda items: ("l", items)),
)


def markdown(blocks) -> str:
    out = []
    for kind, value in blocks:
        if kind == "h":
            out.append("#" * value[0] + " " + value[1])
        elif kind == "p":
            out.append(value)
        else:
            out.append("\n".join(f"- {head}" + "".join(f"\n  - {s}" for s in subs) for head, subs in value))
    return "\n\n".join(out) + "\n"


def body_words(blocks) -> set[str]:
    """The words of paragraphs and list items: what must survive chunking (all but a section whose
    whole text is three words or fewer, which has nothing to stand on)."""
    sections, found = [[]], set()
    for kind, value in blocks:
        if kind == "h":
            sections.append([])
        else:
            sections[-1].append((kind, value))
    for section in sections:
        words = _words(section)
        if len(words) > 3:
            found |= set(words)
    return found


def _words(blocks) -> list[str]:
    found = []
    for kind, value in blocks:
        if kind == "p":
            found += re.findall(r"\w+", value)
        elif kind == "l":
            for head, subs in value:
                found += re.findall(r"\w+", " ".join([head, *subs]))
    return found


@settings(max_examples=150, deadline=None)
@given(st.lists(block, min_size=1, max_size=12))
def test_chunking_keeps_every_word_with_stable_unique_ids_and_no_empty_passage(blocks):
    doc = parse("notes/random.md", "markdown", markdown(blocks))
    passages = chunk_document(doc, max_words=40)
    assert all(p.text.strip() for p in passages)
    ids = [p.id for p in passages]
    assert len(set(ids)) == len(ids)
    assert ids == [p.id for p in chunk_document(doc, max_words=40)]
    kept = set(re.findall(r"\w+", " ".join(f"{p.context} {p.text}" for p in passages)))
    assert body_words(blocks) <= kept
    by_id = {p.id: p for p in passages}
    for p in passages:
        assert all(by_id[m].group == p.id for m in p.members)


shouting_line = words(10, CAPS)
junk_line = st.sampled_from(["BIORXIV PREPRINT", "CAppdata\\Roaming\\WeChat", "DUNS 123", "Back to Home", "NVIDIA"])


@settings(max_examples=150, deadline=None)
@given(st.lists(shouting_line, min_size=1, max_size=8), st.lists(junk_line, max_size=5))
def test_cleaning_keeps_the_article_words_and_cuts_everything_after_the_marker(article, junk):
    raw = "\n\n".join(f"\\*\\*{line}\\*\\*" if i % 3 == 0 else line for i, line in enumerate(article))
    raw += "\n\nFind other PDF article\n" + "\n".join(junk)
    cleaned = clean_page(raw)
    assert "Find other PDF" not in cleaned and "**" not in cleaned and "\\" not in cleaned
    for j in junk:
        if j.lower() not in " ".join(article).lower():
            assert j.lower() not in cleaned.lower()
    assert re.findall(r"\w+", " ".join(article).lower()) == re.findall(r"\w+", cleaned.lower())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300))
def test_any_question_gives_one_valid_json_line(answerer, question):
    result = answerer.ask(question, 3, answerer.calibration.threshold)
    line = render_json(result)
    assert "\n" not in line and not re.search(r"[\x00-\x1f\x7f]", line)
    row = json.loads(line)
    assert row["question"] == normalize_question(question)
    assert set(row) == {*"question interpreted_as answered answers suggestions did_you_mean comparison".split()}
    assert len(row["answers"]) == 3 and all(0.0 <= a["score"] <= 1.0 for a in row["answers"])
    assert row["answered"] or row["suggestions"]
