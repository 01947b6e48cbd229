from roleqa.chunking import chunk_document, chunk_documents, sentence_spans
from roleqa.config import SHIPPED_CORPUS
from roleqa.ingest import parse_sources, read_corpus
from roleqa.passage import slugify
from roleqa.readers import kind_of, parse


def shipped():
    sources, warnings = read_corpus(SHIPPED_CORPUS)
    assert warnings == []
    return chunk_documents(parse_sources(sources)[0])


def Document(name: str, text: str):  # noqa: N802 - reads like the document it makes
    return parse(name, kind_of(name), text)


def test_every_passage_is_non_empty_with_a_unique_id():
    passages = shipped()
    assert len(passages) >= 30
    assert all(p.text.strip() for p in passages)
    assert len({p.id for p in passages}) == len(passages)


def test_ids_are_stable_across_rebuilds():
    assert [p.id for p in shipped()] == [p.id for p in shipped()]


def test_faq_entries_are_one_passage_each_with_their_question():
    faq = [p for p in shipped() if p.kind == "faq"]
    assert len(faq) == 10
    assert all(p.question and p.question.endswith("?") for p in faq)
    assert faq[-1].question == "What tools and technologies do data scientists commonly use?"
    assert faq[-1].text.startswith("Data scientists commonly use tools such as Jupyter notebooks")


def test_comparisons_are_split_by_role():
    by_section = {}
    for p in shipped():
        if p.group.endswith("-list-1"):  # the items of a section's first list: one per role
            by_section.setdefault(p.leaf, []).append(p)
    for leaf in [
        "Focus and objectives",
        "Skill sets",
        "Educational background",
        "Tools and technologies",
        "Job growth",
        "Salary expectations",
    ]:
        first, second = by_section[leaf]
        assert first.text.startswith("Data scientists"), leaf
        assert second.text.startswith("Machine learning engineers"), leaf


def test_lists_are_indexed_as_items_and_as_a_whole():
    by_id = {p.id: p for p in shipped()}
    doc = "data-science-vs-machine-learning-engineer#"
    whole = by_id[doc + "what-is-a-machine-learning-engineer-list-1"]
    assert whole.members == tuple(f"{doc}what-is-a-machine-learning-engineer-{n}" for n in range(2, 8))
    assert whole.text.startswith("The responsibilities of a machine learning engineer include:\n- Model development:")
    assert whole.text.count("\n- ") == 6
    for member in whole.members:
        assert by_id[member].group == whole.id
        assert by_id[member].text in whole.text


def test_list_items_keep_their_lead_in_and_heading_path():
    items = [p for p in shipped() if p.text.startswith("Collaboration:")]
    assert len(items) == 1
    p = items[0]
    assert p.context == "The responsibilities of a machine learning engineer include:"
    assert p.section == "Understanding the roles > What is a machine learning engineer?"
    assert p.embed_text.startswith(
        "Data Science Vs Machine Learning Engineer: What is a machine learning engineer?. The responsibilities"
    )
    assert p.heading_text == "What is a machine learning engineer?: Collaboration"


def test_sub_items_are_passages_and_their_item_is_their_list():
    by_id = {p.id: p for p in shipped()}
    doc = "data-science-vs-machine-learning-engineer#"
    skills = by_id[doc + "skill-sets-1"]
    assert skills.text.startswith("Data scientists typically possess the following skills:\n- Strong statistical")
    assert skills.text.count("\n- ") == 6
    assert skills.group == doc + "skill-sets-list-1"
    first = by_id[skills.members[0]]
    assert first.id == doc + "skill-sets-1-1"
    assert first.text == "Strong statistical knowledge"
    assert first.context == "Data scientists typically possess the following skills:"
    assert first.heading_text == "Skill sets: Data scientists typically possess the following skills"


def test_plain_text_without_headings_is_split_into_paragraphs():
    doc = Document("notes/plain.txt", "The first paragraph is here.\n\nThe second one is longer.\n")
    passages = chunk_document(doc)
    assert [p.text for p in passages] == ["The first paragraph is here.", "The second one is longer."]
    assert passages[0].id == "notes-plain#introduction-1"
    assert passages[0].title == "plain"
    assert all(p.kind == "article" for p in passages)


def test_long_paragraphs_are_split_at_sentences():
    text = " ".join(f"Sentence number {i} has exactly seven words." for i in range(60))
    passages = chunk_document(Document("long.md", text), max_words=50)
    assert len(passages) > 1
    assert all(len(p.text.split()) <= 50 for p in passages)
    assert " ".join(p.text for p in passages) == text


def test_a_long_faq_entry_is_split_between_blocks_and_its_code_keeps_its_lines():
    # As Python's programming FAQ, "Why do lambdas defined in a loop ... all return the same result?".
    prose = " ".join(f"Sentence number {i} has exactly seven words." for i in range(5))
    code = ">>> squares = []\n>>> for x in range(5):\n...     squares.append(lambda: x**2)"
    entry = f"{prose} For example:\n\n```\n{code}\n```\n\n"
    text = "# Programming FAQ\n\n## Why do lambdas all return 16?\n\n" + entry * 3
    passages = chunk_document(Document("faq.md", text), max_words=50)
    assert len(passages) == 3 and all(p.kind == "faq" for p in passages)
    assert all(p.text == f"{prose} For example:\n\n{code}" for p in passages)


def test_short_code_between_short_lines_stays_in_reading_order():
    # The Debian FAQ's "How do I put a package on hold?": two one-line screens, each after a lead-in.
    text = (
        "# Hold\n\nEdit the line of the package you wish to hold, from this:\n\n```\nlibc6    install\n```\n\n"
        "to this:\n\n```\nlibc6    hold\n```\n\nSave the file, and reload it into the dpkg database.\n"
    )
    texts = [p.text for p in chunk_document(Document("hold.md", text))]
    assert texts == [
        "Edit the line of the package you wish to hold, from this: libc6    install to this: libc6    hold",
        "Save the file, and reload it into the dpkg database.",
    ]


def test_repeated_headings_get_distinct_ids():
    one, two = "The first one is here.", "The second one is here."
    doc = Document("a.md", f"# T\n\n## Overview\n\n{one}\n\n## Other\n\n### Overview\n\n{two}\n")
    assert [p.id for p in chunk_document(doc)] == ["a#overview-1", "a#overview--2-1"]
    # Not even with a list: item 2-1 of the first "Overview" is not passage 1 of the second.
    doc = Document("a.md", f"# T\n\n## Overview\n\n{one}\n\n- an item\n  - a sub item\n\n## Overview\n\n{two}\n")
    ids = [p.id for p in chunk_document(doc)]
    assert len(set(ids)) == len(ids) and "a#overview--2-1" in ids and "a#overview-2-1" in ids


def test_slugify():
    assert slugify("2. Skill sets") == "2-skill-sets"
    assert len(slugify("word " * 40)) <= 48


def test_sentence_spans_cover_sentences_and_list_lines():
    text = "Typically hold a Ph.D. or a master's. Many also code!\n- First item\n  - sub item, e.g. this"
    spans = sentence_spans(text)
    assert [text[a:b] for a, b in spans] == [
        "Typically hold a Ph.D. or a master's.",
        "Many also code!",
        "First item",
        "sub item, e.g. this",
    ]
    assert sentence_spans("") == []


def test_a_question_heading_that_goes_on_from_its_parent_is_asked_whole():
    """Sphinx's own FAQ: "How do I..." > "... get section numbers?" is asked as one question; the
    heading's numbering is never part of it."""
    from roleqa.document import PARAGRAPH, Block, Document, Section

    answer = [Block(PARAGRAPH, "They are automatic in LaTeX output; for HTML, use the numbered option.")]
    doc = Document(
        "faq.rst",
        "Sphinx FAQ",
        [Section(["How do I...", "... get section numbers?"], answer), Section(["1.5. What is Debian?"], answer)],
    )
    assert [p.question for p in chunk_document(doc)] == ["How do I get section numbers?", "What is Debian?"]


def test_pointers_resolve_to_the_section_their_anchor_names():
    """alternates.pointed: GitHub's anchors drop punctuation ("aren't" -> "arent") and are never cut
    short; a link to a section no passage has leaves the entry an ordinary answer."""
    from roleqa.alternates import pointed
    from roleqa.passage import Passage

    def passage(pid, document, section, refers="", question=None):
        return Passage(pid, document, "T", section, "faq" if question else "article", "text", question, refers=refers)

    long_heading = "How do I search files that aren't UTF-8 when the encoding is not known in advance"
    passages = [
        passage(
            "faq#q-1",
            "FAQ.md",
            "Why?",
            "GUIDE.md#how-do-i-search-files-that-arent-utf-8-when-the-encoding-is-not-known-in-advance",
            "Why?",
        ),
        passage("faq#r-1", "FAQ.md", "Where?", "GUIDE.md#nowhere", "Where?"),
        passage("guide#x-1", "GUIDE.md", long_heading),
        passage("guide#x-2", "GUIDE.md", long_heading),
    ]
    found, rows = pointed(passages)
    assert [(a.question, a.answer) for a in found] == [("Why?", "guide#x-1")] and rows == [0]
