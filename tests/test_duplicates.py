"""One document in several formats, or a file and its copy, in one corpus: each answer once.
The end-to-end test uses the real bundled model."""

from roleqa.chunking import chunk_document
from roleqa.config import Settings
from roleqa.ingest import parse_sources, read_corpus
from roleqa.passage import same_text

from .conftest import CACHE, DATA

REAL = DATA / "real"


def _passages(folder):
    docs, _ = parse_sources(read_corpus(folder)[0])
    return [p for d in docs for p in chunk_document(d)]


def test_the_same_entry_in_text_and_html_is_the_same_answer():
    # The Debian FAQ as Debian ships it: debian-faq.en.txt and its HTML pages, cut into passages
    # each its own way (quotes, list marks, numbering differ). Of the 79 entries that are one
    # passage in both, 78 are the same answer (one differs by two words of twelve).
    text = _passages(REAL / "dfaq" / "txt")
    html = _passages(REAL / "dfaq" / "html")
    question = "Does Debian just do GNU/Linux?"
    (plain,) = [p for p in text if p.question == question]
    (page,) = [p for p in html if p.question == question]
    assert plain.text != page.text and same_text(plain, page)
    # Another entry, and two passages of one file, are not the same answer.
    (other,) = [p for p in html if p.question == "What is this FAQ?"]
    assert not same_text(plain, other)
    steps = [p for p in _passages(REAL / "debref" / "txt") if "mounted with" in p.text and "atime" in p.text]
    assert len(steps) >= 2 and not any(same_text(a, b) for a in steps for b in steps if a is not b)


def test_a_faq_in_two_formats_answers_each_question_once(tmp_path):
    from roleqa.answer import Answerer
    from roleqa.build import ensure_index

    corpus = tmp_path / "gitfaq"
    corpus.mkdir()
    for source in (REAL / "gitfaq" / "txt" / "gitfaq.txt", REAL / "gitfaq" / "html" / "gitfaq.html"):
        (corpus / source.name).write_bytes(source.read_bytes())
    index, encoder = ensure_index(Settings(corpus_dir=corpus, index_dir=tmp_path / "ix", cache_dir=CACHE))
    answerer = Answerer(index, encoder)
    questions = ["how do I change the editor git uses?", "how can I undo a bad commit on main?", "what is a pull?"]
    for result in answerer.ask_many(questions, 3, answerer.calibration.threshold):
        hits = [h.passage for h in result.hits]
        assert len(hits) == 3 and not any(same_text(a, b) for a in hits for b in hits if a is not b)
    # Without it, the first two answers were one entry twice, from each file.
    answerer._same = lambda row, other: False
    twice = answerer.ask("how do I change the editor git uses?", 3, 0.0).hits
    assert same_text(twice[0].passage, twice[1].passage)
