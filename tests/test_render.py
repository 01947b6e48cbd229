import json

from roleqa.passage import Passage
from roleqa.render import render_json, render_text, safe, source_line
from roleqa.result import Hit, Result


def result(text="Plain text.", answered=True, score=0.8):
    p = Passage("d#s-1", "d.md", "T", "A > B", "article", text)
    return Result("q?", answered, [Hit(1, p, score)], [] if answered else ["Try this?"])


def test_escape_sequences_never_reach_the_terminal():
    evil = "Hi \x1b[2J\x1b]0;pwned\x07 there\x00"
    out = render_text(result(evil), 0.37)
    assert "\x1b" not in out and "\x07" not in out and "\x00" not in out
    assert "\\x1b[2J" in out
    assert safe("tab\tand\nnewline") == "tab\tand\nnewline"


def test_answered_text_shows_source_and_confidence():
    out = render_text(result(), 0.37)
    assert out.splitlines()[0] == "Plain text."
    assert "A > B (article, d.md)" in out and "confidence 0.80" in out


def test_unanswered_text_is_honest_and_suggests():
    out = render_text(result(answered=False, score=0.2), 0.37)
    assert out.startswith("I don't have a good answer to that (best match 0.20, needs 0.37).")
    assert "  - Try this?" in out


def test_colour_only_when_asked():
    assert "\x1b[" not in render_text(result(), 0.37, color=False)
    assert "\x1b[" in render_text(result(), 0.37, color=True)


def test_json_is_one_line_and_keeps_unicode():
    line = render_json(result("Café — ok"))
    assert "\n" not in line and "Café" in line
    assert json.loads(line)["answers"][0]["text"] == "Café — ok"


def test_highlight_is_bold_on_colour_and_invisible_when_plain():
    text = "First sentence here. The salary is high. Last one."
    p = Passage("d#s-1", "d.md", "T", "A > B", "article", text)
    hit = Hit(1, p, 0.9, highlight=((21, 40),))
    coloured = render_text(Result("q?", True, [hit], []), 0.3, color=True)
    assert "\x1b[1mThe salary is high.\x1b[22m" in coloured
    plain = render_text(Result("q?", True, [hit], []), 0.3)
    assert plain.startswith(text) and "\x1b" not in plain and "\ue000" not in plain


def test_did_you_mean_shows_both_answers_in_full():
    a = Hit(1, Passage("d#a-1", "d.md", "T", "Salary", "article", "Pay is high."), 0.8)
    b = Hit(2, Passage("d#b-1", "d.md", "T", "Growth", "article", "Demand grows."), 0.79)
    out = render_text(Result("q?", True, [a, b], [], ["Salary", "Growth"]), 0.3)
    assert 'Did you mean "Salary" (above) or "Growth" (below)?' in out
    assert "Pay is high." in out and "Demand grows." in out and "Also relevant" not in out


def test_the_source_fits_on_one_line():
    long = " > ".join(["Key differences between data scientists and machine learning engineers", "2. Skill sets"])
    p = Passage("d#s-1", "data-science-vs-machine-learning-engineer.md", "T", long, "article", "x")
    assert source_line(p, 200) == f"— {long} (article, data-science-vs-machine-learning-engineer.md)"
    assert source_line(p, 72) == "— … > 2. Skill sets (article)"
    for width in (20, 40, 60, 80):
        assert len(source_line(p, width)) <= width
    out = render_text(Result("q?", True, [Hit(1, p, 0.9)], []), 0.3, width=88)
    assert out.splitlines()[-1] == "— … > 2. Skill sets (article) confidence 0.90"


def test_more_and_sources_are_wrapped_and_keep_lists():
    from roleqa.render import TextRenderer

    long = "A sentence that goes on and on about supercalifragilistic things " * 3
    listed = "Tools include:\n- first tool with a long description that needs wrapping somewhere\n- second"
    section = "A very long section heading > with a sub-section heading that is also long > and more"
    hits = [
        Hit(4, Passage("d#s-4", "d.md", "T", section, "article", long.strip()), 0.5),
        Hit(5, Passage("d#s-5", "d.md", "T", "Tools", "article", listed), 0.4),
    ]
    render = TextRenderer(0.2, color=False, width=40)
    more = render.answers(hits)
    assert all(len(line) <= 40 for line in more.splitlines()), more
    assert "supercalifragilistic" in more and "supercalifragil\n" not in more  # words are never cut
    assert "\n   - first tool" in more and "\n   - second" in more  # a list stays a list
    assert more.startswith("4. A sentence") and "\n5. Tools include:" in more
    sources = render.sources(hits)
    assert all(len(line) <= 40 for line in sources.splitlines()), sources
    assert sources.startswith("4. 0.50  d#s-4\n   A very long section heading")
