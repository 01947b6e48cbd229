import numpy as np

from roleqa.evaluate import fit_threshold
from roleqa.index import flat_index
from roleqa.retrieve import Bm25, all_similarities, confidence, expand_abbreviations, fuse, tokenize, top_k


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
    assert np.allclose(fuse(dense, heading, lexical, 0.5, 0.1), [0.55, 1.85])
    assert np.allclose(fuse(dense, heading, lexical, 0.0, 0.0), dense)


def test_confidence_stays_in_unit_interval():
    rng = np.random.default_rng(0)
    c = confidence(rng.uniform(-1, 1, 1000), rng.uniform(-1, 1, 1000))
    assert c.min() >= 0.0 and c.max() <= 1.0
    assert confidence(np.array([1.0]), np.array([1.0]))[0] == 1.0


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
