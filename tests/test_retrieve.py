import numpy as np

from roleqa.answer import passage_about
from roleqa.chunking import Passage
from roleqa.evaluate import fit_logistic, fit_threshold
from roleqa.index import flat_index
from roleqa.retrieve import (
    Bm25,
    Weights,
    all_similarities,
    choose_units,
    confidence,
    expand_abbreviations,
    fuse,
    job_titles,
    names_another_job,
    role_agreement,
    roles_in,
    structure,
    tokenize,
    top_k,
    wants_list,
)


def test_all_similarities_is_cosine_in_row_order():
    rng = np.random.default_rng(3)
    rows = rng.normal(size=(20, 16)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    q = rows[7] + 0.1 * rng.normal(size=16).astype(np.float32)
    q /= np.linalg.norm(q)
    sims = all_similarities(flat_index(rows, 16), q)
    assert np.allclose(sims, rows @ q, atol=1e-5)
    assert int(np.argmax(sims)) == 7


def test_all_similarities_of_an_empty_index():
    assert all_similarities(flat_index(np.zeros((0, 4), np.float32), 4), np.ones(4)).shape == (0,)


def test_fuse_weights_each_part():
    dense, heading, lexical = np.array([0.5, 0.4]), np.array([0.1, 0.9]), np.array([0.0, 10.0])
    section, role = np.array([0.2, 0.0]), np.array([1.0, -1.0])
    none = Weights(heading=0, section=0, lexical=0, role=0, other_job=0)
    assert np.allclose(fuse(dense, heading, lexical, section, role, weights=none), dense)
    w = Weights(heading=0.5, section=0.5, lexical=0.1, role=0.1, other_job=2.0)
    assert np.allclose(fuse(dense, heading, lexical, section, role, weights=w), [0.75, 1.75])
    assert np.allclose(fuse(dense, heading, lexical, section, role, other_job=True, weights=w), [-1.25, -0.25])


def test_confidence_is_a_rising_curve_in_the_unit_interval():
    scores = np.linspace(-5, 10, 1000)
    c = confidence(scores, 4.5, -4.7)
    assert c.min() >= 0.0 and c.max() <= 1.0
    assert np.all(np.diff(c) >= 0)
    assert confidence(np.array([4.7 / 4.5]), 4.5, -4.7)[0] == 0.5
    assert confidence(np.array([1e9]), 4.5, -4.7)[0] == 1.0  # no overflow


def test_top_k_is_best_first_and_stable_on_ties():
    assert top_k(np.array([0.1, 0.9, 0.5, 0.9]), 3).tolist() == [1, 3, 2]
    assert top_k(np.array([0.1, 0.2]), 5).tolist() == [1, 0]


def test_bm25_idf_stays_positive_and_ranks_the_matching_document():
    docs = [tokenize(t) for t in ["data scientists use SQL", "data engineers build pipelines", "data data data"]]
    bm = Bm25(docs)
    assert all(v > 0 for v in bm.idf.values())  # "data" is in every document, yet positive
    scores = bm.scores(tokenize("Which scientist uses SQL?"))
    assert int(np.argmax(scores)) == 0
    assert bm.scores(tokenize("nothing matches")).tolist() == [0.0, 0.0, 0.0]


def test_tokenize_stems_and_drops_stopwords():
    assert tokenize("What are the Engineers building?") == ["engine", "build"]
    assert tokenize("C++ and A/B testing") == ["c++", "a/b", "test"]


def test_abbreviations_are_spelled_out():
    assert expand_abbreviations("do ML engineers earn more") == "do machine learning engineers earn more"
    assert expand_abbreviations("HTML") == "HTML"


def test_fit_threshold_separates_and_centres():
    t = fit_threshold(np.array([0.6, 0.7, 0.8]), np.array([0.2, 0.3]))
    assert 0.3 < t <= 0.6
    assert abs(t - 0.45) < 0.01


def test_role_agreement():
    ds, ml = frozenset({"data scientist"}), frozenset({"machine learning engineer"})
    passages = [ds, ml, ds | ml, frozenset()]
    assert role_agreement(roles_in("What do data scientists earn?"), passages).tolist() == [1, -1, 0, 0]
    assert role_agreement(roles_in("and machine learning engineers?"), passages).tolist() == [-1, 1, 0, 0]
    assert role_agreement(roles_in("data scientists vs machine learning engineers"), passages).tolist() == [0] * 4
    assert role_agreement(roles_in("how to bake bread"), passages).tolist() == [0] * 4


def test_a_passage_is_about_the_role_its_heading_and_lead_in_name():
    def item(section: str, context: str, text: str) -> Passage:
        return Passage("d#x-1-7", "d.md", "T", section, "article", text, context=context, group="d#x-list-1")

    lead_in = "The responsibilities of a machine learning engineer include:"
    collaboration = "Collaboration: Working closely with data scientists and software engineers."
    about = roles_in(passage_about(item("What is a machine learning engineer?", lead_in, collaboration)))
    assert about == {"machine learning engineer"}  # not the people it works with
    # With no role in the heading or lead-in, the first sentence says whom it is about.
    about = roles_in(passage_about(item("1. Focus and objectives", "", "Data scientists: they inform decisions.")))
    assert about == {"data scientist"}
    faq = Passage("d#q-1", "d.md", "T", "FAQ > Q", "faq", "Data scientists use R.", question="What do ML engineers do?")
    assert passage_about(faq) == "What do ML engineers do?"


# A list L (row 4) of items 0, 1, 2; item 2 is itself a list of sub-items 5 and 6; row 3 stands alone.
GROUPS = ["L", "L", "L", "", "", "I2", "I2"]
MEMBERS = [(), (), ("I5", "I6"), (), ("I0", "I1", "I2"), (), ()]
IDS = ["I0", "I1", "I2", "I3", "L", "I5", "I6"]


def test_structure_gives_parents_and_transitive_cover():
    parent, covers = structure(GROUPS, MEMBERS, IDS)
    assert parent == [4, 4, 4, -1, -1, 2, 2]
    assert covers[4] == {0, 1, 2, 4, 5, 6}
    assert covers[2] == {2, 5, 6}
    assert covers[3] == {3}


def test_choose_units_sizes_the_answer_to_the_question():
    parent, covers = structure(GROUPS, MEMBERS, IDS)
    one_item = np.array([0.9, 0.5, 0.4, 0.6, 0.7, 0.3, 0.3])
    # One item clearly best: answer with it; the list it is in is not offered again.
    assert choose_units(one_item, parent, covers, 3, whole_list=False) == [(0, 0), (3, 3), (1, 1)]
    # Asked for the whole list: the item grows into it.
    assert choose_units(one_item, parent, covers, 3, whole_list=True)[0] == (4, 0)
    # Two items close together: both matter, so the list.
    two_items = np.array([0.9, 0.88, 0.4, 0.6, 0.7, 0.3, 0.3])
    assert choose_units(two_items, parent, covers, 2, whole_list=False)[0] == (4, 0)
    # The list ranks first but one item leads: shrink to the item.
    list_first = np.array([0.6, 0.5, 0.4, 0.3, 0.95, 0.3, 0.3])
    assert choose_units(list_first, parent, covers, 1, whole_list=False) == [(0, 4)]
    # Answers never overlap, and k is respected.
    chosen = choose_units(np.random.default_rng(1).random(7), parent, covers, 7, whole_list=False)
    rows = [covers[u] for u, _ in chosen]
    assert all(not (a & b) for i, a in enumerate(rows) for b in rows[i + 1 :])


def test_wants_list():
    assert wants_list("What skills does a data scientist need?")
    assert wants_list("what are the main duties of an ML engineer")
    assert not wants_list("Does an ML engineer need Java?")
    assert not wants_list("How much do data scientists earn?")


def test_fit_logistic_recovers_a_known_curve():
    rng = np.random.default_rng(5)
    x = rng.uniform(0, 3, 20000)
    y = rng.random(20000) < 1 / (1 + np.exp(-(3.0 * x - 4.0)))
    slope, offset = fit_logistic(x, y)
    assert abs(slope - 3.0) < 0.15 and abs(offset + 4.0) < 0.2
    slope, _ = fit_logistic(np.array([0.1, 0.2, 0.8, 0.9]), np.array([0, 0, 1, 1]))  # separable: finite
    assert 0 < slope < 1e4


def test_job_titles_and_questions_about_another_job():
    subjects = job_titles("Data Science Vs Machine Learning Engineer What skills are essential for a data scientist?")
    assert subjects == {"machine learning engineer", "data scientist"}
    assert job_titles("How much do software developers make?") == {"software developer"}
    assert names_another_job("What does a data analyst earn?", subjects)
    assert names_another_job("What does a statistician earn?", subjects)
    assert names_another_job("What degree does a software tester need?", subjects)
    assert names_another_job("Which tools do game programmers use?", subjects)
    assert not names_another_job("how much does a senior data scientist earn", subjects)
    assert not names_another_job("do machine learning engineers work alongside software engineers", subjects)
    assert not names_another_job("wat do machine lerning engineers use", subjects)  # a typo, not another job
    assert not names_another_job("what does an engineer do", subjects)  # too vague to call
    assert not names_another_job("What is a DUNS number?", subjects)  # no job at all: left to the threshold
    assert not names_another_job("What does a data analyst earn?", set())  # documents name no job
