"""Lexical matching: Unicode words, a Snowball stemmer, BM25 computed once at build time.

Tokens are Unicode words (any script), lower-cased and stemmed by PyStemmer's
English Snowball stemmer ("users" -> "user", "Résumé" stays whole); a run of
CJK characters gives one token per character, as those scripts write words
without spaces. A few dozen function words are left out.

The BM25 weight of every (passage, term) pair is computed at build time and
stored as a sparse matrix (scipy, CSC: one column per term), so a question
costs one sparse column sum, with no per-passage Python loop. IDF is
log(1 + (N - df + 0.5) / (df + 0.5)), which stays positive even for a word
found in most of a few dozen passages.

The score is normalised to [0, 1]: a passage's BM25 over the most it could
get for this question (every question word matched at saturation), unknown
words counting with the highest IDF. So "how much of the question, weighted
by rarity, does this passage cover" means the same on any corpus, which is
what lets it be fused with cosine similarities by one weight.
"""

from __future__ import annotations

import io
import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

K1, B = 1.2, 0.75
_WORD_RE = re.compile(r"\w+(?:[+#]+|(?:['’.\-/]\w+)*)", re.UNICODE)
_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
STOPWORDS = frozenset(
    "a an the of to in on for and or is are was were be been do does did what which who whom how "
    "why when where can could should would i me my you your we our it its that this these those "
    "about from at into more than most as by with they them their there so any some all if then "
    "will just get".split()
)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(text: str) -> list[str]:
    """Stemmed lower-case words of `text`, without function words."""
    words: list[str] = []
    for token in _WORD_RE.findall(text.lower()):
        token = token.strip("'’.-/")
        if _CJK_RE.search(token):
            words.extend(ch for ch in token if not ch.isspace())
        elif token and token not in STOPWORDS:
            words.append(token)
    return [w for w in _stemmer().stemWords(words) if w] if words else []


@dataclass
class Lexical:
    """BM25 weights of every passage for every term (CSC matrix, passages x terms) and the vocabulary."""

    weights: object  # scipy.sparse.csc_matrix, float32
    vocabulary: dict[str, int]
    idf: np.ndarray

    @classmethod
    def build(cls, texts: list[str]) -> Lexical:
        from scipy import sparse

        docs = [Counter(tokenize(t)) for t in texts]
        vocabulary: dict[str, int] = {}
        for doc in docs:
            for term in doc:
                vocabulary.setdefault(term, len(vocabulary))
        n = len(docs)
        lengths = np.array([sum(d.values()) for d in docs], dtype=np.float32)
        average = float(lengths.mean()) if n and lengths.sum() else 1.0
        rows, cols, tfs = [], [], []
        for i, doc in enumerate(docs):
            for term, tf in doc.items():
                rows.append(i)
                cols.append(vocabulary[term])
                tfs.append(tf)
        rows_a, cols_a = np.array(rows, dtype=np.int32), np.array(cols, dtype=np.int32)
        tf_a = np.array(tfs, dtype=np.float32)
        df = np.bincount(cols_a, minlength=len(vocabulary)).astype(np.float32)
        idf = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)
        norm = K1 * (1 - B + B * lengths[rows_a] / average)
        values = idf[cols_a] * tf_a * (K1 + 1) / (tf_a + norm)
        weights = sparse.csc_matrix((values, (rows_a, cols_a)), shape=(n, len(vocabulary)), dtype=np.float32)
        return cls(weights, vocabulary, idf)

    def scores(self, question: str) -> np.ndarray:
        """Normalised BM25 of every passage for `question`, in [0, 1]."""
        n = self.weights.shape[0]
        terms = set(tokenize(question))
        if not terms:
            return np.zeros(n, dtype=np.float32)
        columns = [self.vocabulary[t] for t in terms if t in self.vocabulary]
        unknown = len(terms) - len(columns)
        ceiling = (K1 + 1) * (float(self.idf[columns].sum()) + unknown * math.log1p(n / 0.5))
        if not columns:
            return np.zeros(n, dtype=np.float32)
        total = np.asarray(self.weights[:, columns].sum(axis=1)).ravel()
        return (total / ceiling).astype(np.float32)

    def to_files(self) -> dict[str, bytes]:
        """The two files an index stores: the matrix (npz) and the vocabulary (JSON)."""
        from scipy import sparse

        buffer = io.BytesIO()
        sparse.save_npz(buffer, self.weights, compressed=False)
        vocabulary = json.dumps({"terms": list(self.vocabulary), "idf": self.idf.round(6).tolist()})
        return {"lexical.npz": buffer.getvalue(), "vocabulary.json": vocabulary.encode()}

    @classmethod
    def from_files(cls, matrix: bytes | str, vocabulary: bytes | str) -> Lexical:
        from scipy import sparse

        weights = sparse.load_npz(matrix if isinstance(matrix, str) else io.BytesIO(matrix)).tocsc()
        data = json.loads(vocabulary)
        return cls(weights, {t: i for i, t in enumerate(data["terms"])}, np.array(data["idf"], dtype=np.float32))
