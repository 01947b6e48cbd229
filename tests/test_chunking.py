from roleqa.chunking import chunk_document, chunk_documents, slugify
from roleqa.config import SHIPPED_CORPUS
from roleqa.ingest import Document, read_corpus


def shipped():
    docs, warnings = read_corpus(SHIPPED_CORPUS)
    assert warnings == []
    return chunk_documents(docs)


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
        by_section.setdefault(p.leaf, []).append(p.text)
    for leaf in [
        "Focus and objectives",
        "Skill sets",
        "Educational background",
        "Tools and technologies",
        "Job growth",
        "Salary expectations",
    ]:
        first, second = by_section[leaf]
        assert first.startswith("Data scientists"), leaf
        assert second.startswith("Machine learning engineers"), leaf


def test_list_items_keep_their_lead_in_and_heading_path():
    items = [p for p in shipped() if p.text.startswith("Collaboration:")]
    assert len(items) == 1
    p = items[0]
    assert p.context == "The responsibilities of a machine learning engineer include:"
    assert p.section == "Understanding the roles > What is a machine learning engineer?"
    assert p.embed_text.startswith("What is a machine learning engineer?. The responsibilities")


def test_sub_items_stay_with_their_item():
    skills = [p for p in shipped() if p.leaf == "Skill sets"]
    assert skills[0].text.count("\n- ") == 6
    assert "- Strong statistical knowledge" in skills[0].text


def test_plain_text_without_headings_is_split_into_paragraphs():
    doc = Document("notes/plain.txt", "First paragraph here.\n\nSecond one, longer.\n")
    passages = chunk_document(doc)
    assert [p.text for p in passages] == ["First paragraph here.", "Second one, longer."]
    assert passages[0].id == "notes-plain#introduction-1"
    assert passages[0].title == "plain"
    assert all(p.kind == "article" for p in passages)


def test_long_paragraphs_are_split_at_sentences():
    text = " ".join(f"Sentence number {i} has exactly seven words." for i in range(60))
    passages = chunk_document(Document("long.md", text), max_words=50)
    assert len(passages) > 1
    assert all(len(p.text.split()) <= 50 for p in passages)
    assert " ".join(p.text for p in passages) == text


def test_repeated_headings_get_distinct_ids():
    doc = Document("a.md", "# T\n\n## Overview\n\nOne.\n\n## Other\n\n### Overview\n\nTwo.\n")
    assert [p.id for p in chunk_document(doc)] == ["a#overview-1", "a#overview-2-1"]


def test_slugify():
    assert slugify("2. Skill sets") == "2-skill-sets"
    assert len(slugify("word " * 40)) <= 48
