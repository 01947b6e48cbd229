"""Lexical matching: Unicode words, a Snowball stemmer, BM25 computed once at build time.

Tokens are Unicode words (any script), lower-cased and stemmed by PyStemmer's
English Snowball stemmer ("users" -> "user", "Résumé" stays whole); a run of
CJK characters gives one token per character, as those scripts write words
without spaces. A few dozen function words are left out.

The BM25 weight of every (passage, term) pair is computed at build time and
stored as a sparse matrix in compressed-column form (three NumPy arrays: per
term, its passages and their weights), so a question costs one gather and
one `bincount` over the postings of its few terms, with no per-passage Python
loop. (NumPy, not scipy.sparse: importing scipy alone took 0.3 s, on every
one-shot answer.) IDF is log(1 + (N - df + 0.5) / (df + 0.5)), which stays
positive even for a word found in most of a few dozen passages. The raw term
counts are kept too, in compressed-row form, so a rebuild tokenizes only the
passages that changed.

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
    """BM25 over the passages: compressed columns of weights, compressed rows of counts, the vocabulary."""

    n: int  # passages
    # Weights by term: term t's postings are rows[starts[t]:starts[t+1]] with weights[...].
    starts: np.ndarray
    rows: np.ndarray
    weights: np.ndarray
    # Counts by passage: passage i's terms are terms[offsets[i]:offsets[i+1]] with counts[...].
    offsets: np.ndarray
    terms: np.ndarray
    counts: np.ndarray
    vocabulary: dict[str, int]
    idf: np.ndarray

    @classmethod
    def build(cls, texts: list[str], previous: Lexical | None = None, old_rows: list[int] | None = None) -> Lexical:
        """BM25 over `texts`; rows whose `old_rows` entry is a row of `previous` reuse its counts."""
        vocabulary: dict[str, int] = {}
        old_terms = list(previous.vocabulary) if previous is not None else []
        offsets = np.zeros(len(texts) + 1, dtype=np.int64)
        terms: list[int] = []
        counts: list[int] = []
        for i, text in enumerate(texts):
            old = old_rows[i] if previous is not None and old_rows is not None else -1
            if old >= 0:
                a, b = previous.offsets[old], previous.offsets[old + 1]
                pairs = zip((old_terms[t] for t in previous.terms[a:b].tolist()), previous.counts[a:b].tolist())
            else:
                pairs = Counter(tokenize(text)).items()
            for term, tf in pairs:
                terms.append(vocabulary.setdefault(term, len(vocabulary)))
                counts.append(tf)
            offsets[i + 1] = len(terms)
        return cls.from_counts(offsets, np.array(terms, dtype=np.int32), np.array(counts, dtype=np.int32), vocabulary)

    @classmethod
    def from_counts(cls, offsets: np.ndarray, terms: np.ndarray, counts: np.ndarray, vocabulary: dict) -> Lexical:
        n = len(offsets) - 1
        row = np.repeat(np.arange(n, dtype=np.int32), np.diff(offsets))
        tf = counts.astype(np.float32)
        lengths = np.bincount(row, weights=tf, minlength=n).astype(np.float32)
        average = float(lengths.mean()) if n and lengths.sum() else 1.0
        df = np.bincount(terms, minlength=len(vocabulary)).astype(np.float32)
        idf = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)
        values = idf[terms] * tf * (K1 + 1) / (tf + K1 * (1 - B + B * lengths[row] / average))
        order = np.argsort(terms, kind="stable")
        starts = np.zeros(len(vocabulary) + 1, dtype=np.int64)
        np.cumsum(df.astype(np.int64), out=starts[1:])
        return cls(n, starts, row[order], values[order].astype(np.float32), offsets, terms, counts, vocabulary, idf)

    def scores(self, question: str) -> np.ndarray:
        """Normalised BM25 of every passage for `question`, in [0, 1]."""
        terms = set(tokenize(question))
        columns = [self.vocabulary[t] for t in terms if t in self.vocabulary]
        if not columns:
            return np.zeros(self.n, dtype=np.float32)
        unknown = len(terms) - len(columns)
        ceiling = (K1 + 1) * (float(self.idf[columns].sum()) + unknown * math.log1p(self.n / 0.5))
        spans = [np.arange(self.starts[c], self.starts[c + 1]) for c in columns]
        picked = np.concatenate(spans)
        total = np.bincount(self.rows[picked], weights=self.weights[picked], minlength=self.n)
        return (total / ceiling).astype(np.float32)

    def to_files(self) -> dict[str, bytes]:
        """The files an index stores: both matrices (npz) and the vocabulary with its IDF (JSON)."""
        out = {}
        for name, arrays in (
            ("lexical.npz", {"starts": self.starts, "rows": self.rows, "weights": self.weights}),
            ("counts.npz", {"offsets": self.offsets, "terms": self.terms, "counts": self.counts}),
        ):
            buffer = io.BytesIO()
            np.savez(buffer, **arrays)
            out[name] = buffer.getvalue()
        vocabulary = {"terms": list(self.vocabulary), "idf": self.idf.round(6).tolist()}
        out["vocabulary.json"] = json.dumps(vocabulary).encode()
        return out

    @classmethod
    def from_files(cls, weights, counts, vocabulary: bytes | str) -> Lexical:
        """Loaded from the files `to_files` wrote (paths, or their bytes)."""

        def arrays(data) -> dict[str, np.ndarray]:
            with np.load(data if not isinstance(data, bytes) else io.BytesIO(data), allow_pickle=False) as z:
                return {k: z[k] for k in z.files}

        w, c = arrays(weights), arrays(counts)
        data = json.loads(vocabulary)
        terms = {t: i for i, t in enumerate(data["terms"])}
        idf = np.array(data["idf"], dtype=np.float32)
        n = len(c["offsets"]) - 1
        return cls(n, w["starts"], w["rows"], w["weights"], c["offsets"], c["terms"], c["counts"], terms, idf)
