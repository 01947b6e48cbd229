import io

import numpy as np
import pytest

from roleqa.answer import passage_about
from roleqa.config import SHIPPED_CORPUS
from roleqa.evaluate import fit_logistic, fit_threshold
from roleqa.lexical import Lexical, tokenize
from roleqa.passage import Passage
from roleqa.profile import Profile, load_profile
from roleqa.retrieve import (
    Weights,
    children_of,
    choose_units,
    confidence,
    fuse,
    job_titles,
    names_another_job,
    role_agreement,
    top_k,
)

ARTICLE = load_profile(SHIPPED_CORPUS)
JOBS = ARTICLE.occupations
roles_in = ARTICLE.entities_in


def test_fuse_weights_each_part():
    dense, heading, lexical = np.array([0.5, 0.4]), np.array([0.1, 0.9]), np.array([0.0, 10.0])
    section, role = np.array([0.2, 0.0]), np.array([1.0, -1.0])
    none = Weights(heading=0, section=0, lexical=0, role=0, other_job=0)
    assert np.allclose(fuse(dense, heading, lexical, section, role, weights=none), dense)
    w = Weights(heading=0.5, section=0.5, lexical=0.1, role=0.1, other_job=2.0)
    assert np.allclose(fuse(dense, heading, lexical, section, role, weights=w), [0.75, 1.75])
    assert np.allclose(fuse(dense, heading, lexical, section, role, other_job=True, weights=w), [-1.25, -0.25])
    # No role scores (a corpus without entities): the same as adding zeros.
    zero = np.zeros(2)
    assert np.allclose(fuse(dense, heading, lexical, section, zero, weights=w), [0.65, 1.85])


def test_confidence_is_a_rising_curve_in_the_unit_interval():
    from roleqa.config import Calibration

    curve = Calibration(slope=4.5, lexical=2.0, offset=-4.7, threshold=0.3, bank=0.2)
    scores = np.linspace(-5, 10, 1000)
    c = confidence(scores, np.zeros(1000), curve)
    assert c.min() >= 0.0 and c.max() <= 1.0
    assert np.all(np.diff(c) >= 0)
    assert confidence(np.array([4.7 / 4.5 + 0.2]), np.array([0.0]), curve)[0] == pytest.approx(0.5)
    assert (
        confidence(np.array([0.5]), np.array([0.5]), curve)[0] > confidence(np.array([0.5]), np.array([0.0]), curve)[0]
    )
    assert confidence(np.array([1e9]), np.array([0.0]), curve)[0] == 1.0  # no overflow
    # A question whose words the corpus lacks is less likely answered right, when the curve says so.
    lacking = Calibration(slope=4.5, lexical=0.0, offset=-4.7, threshold=0.3, bank=0.2, unknown=-3.0)
    assert (
        confidence(np.array([1.5]), np.array([0.0]), lacking, 0.5)[0]
        < confidence(np.array([1.5]), np.array([0.0]), lacking, 0.0)[0]
    )
    assert (
        confidence(np.array([1.5]), np.array([0.0]), curve, 0.5)[0]
        == confidence(np.array([1.5]), np.array([0.0]), curve)[0]
    )  # a curve without the input ignores it


def test_the_missing_share_weighs_the_words_no_passage_has_by_rarity():
    bm = Lexical.build(["water the tomatoes every morning", "wash aphids off with soap", "water the roses"])
    share = lambda q: bm.unknown_share(bm.idf_of_terms(set(tokenize(q))))  # noqa: E731
    assert share("water the tomatoes") == 0.0
    assert share("kubernetes cluster") == 1.0
    assert share("") == 0.0
    half = share("tomatoes kubernetes")
    assert 0.0 < half < 1.0
    # A word no passage has counts as the rarest possible: more than a common one it replaces.
    assert share("water kubernetes") > half


def test_top_k_is_best_first_and_stable_on_ties():
    assert top_k(np.array([0.1, 0.9, 0.5, 0.9]), 3).tolist() == [1, 3, 2]
    assert top_k(np.array([0.1, 0.2]), 5).tolist() == [1, 0]


@pytest.mark.parametrize("n, k", [(100, 3), (5_000, 110), (126_009, 110), (126_009, 1), (40_000, 9_000)])
def test_top_k_on_large_arrays_is_the_full_sort(n, k):
    rng = np.random.default_rng(n + k)
    # Rounded, so that many scores tie: the first k of a stable full sort are the answer.
    scores = np.round(rng.random(n, dtype=np.float32), 3)
    assert top_k(scores, k).tolist() == np.argsort(-scores, kind="stable")[:k].tolist()
    # Scores that all sit below the sample's best (the best rows between sampled ones) still win.
    scores[1::8] += 2.0
    assert top_k(scores, k).tolist() == np.argsort(-scores, kind="stable")[:k].tolist()


def test_bm25_idf_stays_positive_and_ranks_the_matching_document():
    bm = Lexical.build(["data scientists use SQL", "data engineers build pipelines", "data data data"])
    assert (bm.idf > 0).all()  # "data" is in every document, yet positive
    scores = bm.scores("Which scientist uses SQL?")
    assert int(np.argmax(scores)) == 0
    assert bm.scores("nothing matches").tolist() == [0.0, 0.0, 0.0]


def test_bm25_is_normalised_so_it_means_the_same_on_any_corpus():
    small = Lexical.build(["water the tomatoes every morning", "wash aphids off with soap"])
    big = Lexical.build(["water the tomatoes every morning"] + [f"note {i} about other things" for i in range(500)])
    for lexical in (small, big):
        scores = lexical.scores("water tomatoes")
        assert 0.0 < scores.max() <= 1.0
    # An unknown word lowers the share of the question a passage covers.
    assert small.scores("water tomatoes zucchini").max() < small.scores("water tomatoes").max()


def test_a_misspelt_word_of_six_letters_or_more_is_read_as_the_word_passages_have():
    bm = Lexical.build(["install python with the installer", "pythons are snakes", "grep and ripgrep search text"])
    assert bm.scores("pyhton installer").tolist() == bm.scores("python installer").tolist()
    assert bm.spelled({"pyhton", "python", "serch"}) == {"python", "serch"}  # five letters: left alone
    assert bm.spelled({"ugrep", "zucchini"}) == {"ugrep", "zucchini"}  # too short to guess; nothing near
    assert bm.scores("pyhton").max() > 0 and bm.scores("zucchini").max() == 0
    assert bm.spelled({"a" * 100_000}) == {"a" * 100_000}  # no word: not looked for (its candidates: gigabytes)


def test_bm25_survives_a_round_trip_through_its_files():
    bm = Lexical.build(["data scientists use SQL", "data engineers build pipelines"])
    files = bm.to_files()
    read = lambda name: np.load(io.BytesIO(files[name]))  # noqa: E731
    again = Lexical.from_files(2, read, files["counts.npz"], files["vocabulary.txt"])
    assert np.allclose(again.scores("SQL data"), bm.scores("SQL data"))
    # Loaded, each IDF comes from its column's length, only when asked: the same as built.
    assert again.idf is None
    assert [again.idf_of(t) for t in ("sql", "data", "pipelin", "absent")] == [
        bm.idf_of(t) for t in ("sql", "data", "pipelin", "absent")
    ]
    assert bm.idf_of("sql") > bm.idf_of("data") > 0 and bm.idf_of("absent") == 0
    assert again.idf_of_terms({"sql", "data", "absent"}) == {t: bm.idf_of(t) for t in ("sql", "data", "absent")}


def test_a_rebuild_reuses_the_counts_of_unchanged_passages():
    texts = ["data scientists use SQL", "data engineers build pipelines", "nothing else here"]
    first = Lexical.build(texts)
    edited = ["data engineers build pipelines", "a new passage about SQL", "data scientists use SQL"]
    again = Lexical.build(edited, previous=first, old_rows=[1, -1, 0])
    fresh = Lexical.build(edited)
    for question in ("SQL", "pipelines for data", "new passage"):
        assert np.allclose(again.scores(question), fresh.scores(question))


def test_tokenize_is_unicode_and_stems_with_snowball():
    assert tokenize("What are the Engineers building?") == ["engin", "build"]
    assert tokenize("C++ and A/B testing") == ["c++", "a/b", "test"]
    assert tokenize("Résumé tips for users") == ["résumé", "tip", "user"]  # not "r", "sum"; not "us"
    assert tokenize("数据科学") == ["数", "据", "科", "学"]  # CJK is kept, one character at a time


def test_a_joined_name_is_matched_whole_and_by_its_words():
    # "logging.ERROR" is a token of its own, and its words too: a table of levels writes "ERROR" alone.
    assert tokenize("what number is logging.ERROR") == ["number", "logging.error", "log", "error"]
    assert tokenize("/usr/bin/convert") == ["usr/bin/convert", "usr", "bin", "convert"]
    # No part without a letter, and none of one letter.
    assert tokenize("python3.11 e.g. 1.2.3") == ["python3.11", "python3", "e.g", "1.2.3"]
    bm = Lexical.build(["Level | Numeric value\nERROR | 40\nWARNING | 30", "Logging to a file is easy"])
    assert bm.scores("what number is logging.ERROR")[0] > bm.scores("what number is logging.ERROR")[1]


def test_contracted_function_words_are_left_out_like_the_words_they_contract():
    # "what's" is "what", "shouldn't" and "dont" are "should" and "do": none is a word the
    # question needs the passages to have (a missing one lowers the confidence).
    assert tokenize("what's the difference, and why shouldn't I?") == ["differ"]
    assert tokenize("whats ripgrep vs grep, dont know, isnt it the same") == ["ripgrep", "grep", "know", "same"]
    # A possessive of a content word keeps the word.
    assert tokenize("python's sort") == ["python", "sort"]


def test_abbreviations_are_spelled_out_by_the_profile_only():
    assert ARTICLE.expand("do ML engineers earn more") == "do machine learning engineers earn more"
    assert ARTICLE.expand("HTML") == "HTML"
    assert Profile().expand("do ML engineers earn more") == "do ML engineers earn more"


def test_fit_threshold_separates_and_centres():
    t = fit_threshold(np.array([0.6, 0.7, 0.8]), np.array([0.2, 0.3]))
    assert 0.3 < t <= 0.6
    assert abs(t - 0.45) < 0.01


def test_role_agreement():
    names = ["data scientist", "machine learning engineer"]
    about = np.array([0, 1, -1, -1])  # a passage about both, or neither, is about none
    assert role_agreement(roles_in("What do data scientists earn?"), about, names).tolist() == [1, -1, 0, 0]
    assert role_agreement(roles_in("and machine learning engineers?"), about, names).tolist() == [-1, 1, 0, 0]
    assert role_agreement(roles_in("data scientists vs machine learning engineers"), about, names).tolist() == [0] * 4
    assert role_agreement(roles_in("how to bake bread"), about, names).tolist() == [0] * 4


def test_a_passage_is_about_the_role_its_heading_and_lead_in_name():
    def item(section: str, context: str, text: str) -> Passage:
        return Passage("d#x-1-7", "d.md", "T", section, "article", text, context=context, group="d#x-list-1")

    lead_in = "The responsibilities of a machine learning engineer include:"
    collaboration = "Collaboration: Working closely with data scientists and software engineers."
    about = roles_in(passage_about(item("What is a machine learning engineer?", lead_in, collaboration), ARTICLE))
    assert about == {"machine learning engineer"}  # not the people it works with
    # With no role in the heading or lead-in, the first sentence says whom it is about.
    about = roles_in(
        passage_about(item("1. Focus and objectives", "", "Data scientists: they inform decisions."), ARTICLE)
    )
    assert about == {"data scientist"}
    faq = Passage("d#q-1", "d.md", "T", "FAQ > Q", "faq", "Data scientists use R.", question="What do ML engineers do?")
    assert passage_about(faq, ARTICLE) == "What do ML engineers do?"


# A list (row 4) of items 0, 1, 2; item 2 is itself a list of sub-items 5 and 6; row 3 stands alone.
PARENT = np.array([4, 4, 4, -1, -1, 2, 2])


def covers_of(children, row):
    return {row}.union(*(covers_of(children, c) for c in children.get(row, ())))


def test_children_of_lists_members_in_order():
    assert children_of(PARENT) == {4: [0, 1, 2], 2: [5, 6]}


def test_choose_units_sizes_the_answer_to_the_question():
    parent, children = PARENT, children_of(PARENT)
    covers = {r: covers_of(children, r) for r in range(7)}
    one_item = np.array([0.9, 0.5, 0.4, 0.6, 0.7, 0.3, 0.3])
    # One item clearly best: answer with it; the list it is in is not offered again.
    assert choose_units(one_item, parent, children, 3, whole_list=False) == [(0, 0), (3, 3), (1, 1)]
    # Asked for the whole list: the item grows into it.
    assert choose_units(one_item, parent, children, 3, whole_list=True)[0] == (4, 0)
    # Two items close together: both matter, so the list.
    two_items = np.array([0.9, 0.88, 0.4, 0.6, 0.7, 0.3, 0.3])
    assert choose_units(two_items, parent, children, 2, whole_list=False)[0] == (4, 0)
    # The list ranks first but one item leads: shrink to the item.
    list_first = np.array([0.6, 0.5, 0.4, 0.3, 0.95, 0.3, 0.3])
    assert choose_units(list_first, parent, children, 1, whole_list=False) == [(0, 4)]
    # Answers never overlap, and k is respected.
    chosen = choose_units(np.random.default_rng(1).random(7), parent, children, 7, whole_list=False)
    rows = [covers[u] for u, _ in chosen]
    assert all(not (a & b) for i, a in enumerate(rows) for b in rows[i + 1 :])
    # An item too short to stand alone is answered by its list.
    alone = np.array([False, True, True, True, True, True, True])
    assert choose_units(one_item, parent, children, 1, whole_list=False, alone=alone) == [(4, 0)]
    # ... and never alone, even when its list overlaps an answer already given.
    sub_first = np.array([0.1, 0.2, 0.3, 0.0, 0.0, 0.9, 0.8])
    alone = np.array([True, True, True, True, True, True, False])
    chosen = choose_units(sub_first, parent, children, 7, whole_list=False, alone=alone)
    assert 6 not in [unit for unit, _ in chosen]


def test_choose_units_leaves_out_an_answer_that_duplicates_one_chosen():
    # Rows 0-2 a list and its two items, rows 5-7 the same list in another file: the copy is left
    # out with its items, and the answers go on below it.
    parent = np.array([2, 2, -1, -1, -1, -1, 5, 5])
    children = children_of(parent)
    ranking = np.array([0.2, 0.2, 0.9, 0.5, 0.3, 0.8, 0.4, 0.4])
    copies = {frozenset({2, 5})}
    chosen = choose_units(ranking, parent, children, 3, False, duplicate=lambda a, b: frozenset({a, b}) in copies)
    assert [unit for unit, _ in chosen] == [2, 3, 4]
    assert [unit for unit, _ in choose_units(ranking, parent, children, 3, False)] == [2, 5, 3]


def test_choose_units_looks_only_at_the_best_rows_of_a_large_corpus():
    rng = np.random.default_rng(2)
    n = 200_000
    parent = np.full(n, -1)
    parent[:1000] = 1000 + np.arange(1000) // 10  # 100 lists of 10 items
    ranking = rng.random(n)
    chosen = choose_units(ranking, parent, children_of(parent), 5, whole_list=False)
    assert len(chosen) == 5 and chosen[0][1] == int(np.argmax(ranking))


def test_wants_list():
    assert ARTICLE.wants_list("What skills does a data scientist need?")
    assert ARTICLE.wants_list("what are the main duties of an ML engineer")
    assert not ARTICLE.wants_list("Does an ML engineer need Java?")
    assert not ARTICLE.wants_list("How much do data scientists earn?")
    # The article's cue words are its own; "list all" asks for a list anywhere.
    assert not Profile().wants_list("What skills does a plumber need?")
    assert Profile().wants_list("list all the steps of the release")


def test_fit_logistic_recovers_a_known_curve():
    rng = np.random.default_rng(5)
    x = rng.uniform(0, 3, 20000)
    y = rng.random(20000) < 1 / (1 + np.exp(-(3.0 * x - 4.0)))
    slope, offset = fit_logistic(x, y)
    assert abs(slope - 3.0) < 0.15 and abs(offset + 4.0) < 0.2
    x2 = rng.uniform(0, 1, 20000)
    y2 = rng.random(20000) < 1 / (1 + np.exp(-(3.0 * x + 2.0 * x2 - 5.0)))
    a, b, c = fit_logistic(np.column_stack([x, x2]), y2)
    assert abs(a - 3.0) < 0.2 and abs(b - 2.0) < 0.3 and abs(c + 5.0) < 0.3
    slope, _ = fit_logistic(np.array([0.1, 0.2, 0.8, 0.9]), np.array([0, 0, 1, 1]))  # separable: finite
    assert 0 < slope < 1e4


def test_job_titles_and_questions_about_another_job():
    subjects = job_titles(
        "Data Science Vs Machine Learning Engineer What skills are essential for a data scientist?", JOBS
    )
    assert subjects == {"machine learning engineer", "data scientist"}
    assert job_titles("How much do software developers make?", JOBS) == {"software developer"}
    assert names_another_job("What does a data analyst earn?", subjects, JOBS)
    assert names_another_job("What does a statistician earn?", subjects, JOBS)
    assert names_another_job("What degree does a software tester need?", subjects, JOBS)
    assert names_another_job("Which tools do game programmers use?", subjects, JOBS)
    assert not names_another_job("how much does a senior data scientist earn", subjects, JOBS)
    assert not names_another_job("do machine learning engineers work alongside software engineers", subjects, JOBS)
    assert not names_another_job("wat do machine lerning engineers use", subjects, JOBS)  # a typo, not another job
    assert not names_another_job("what does an engineer do", subjects, JOBS)  # too vague to call
    assert not names_another_job("What is a DUNS number?", subjects, JOBS)  # no job at all: left to the threshold
    assert not names_another_job("What does a data analyst earn?", set(), JOBS)  # documents name no job
    assert job_titles("vim and nano as the default editor", ()) == set()  # no profile: no job nouns at all
