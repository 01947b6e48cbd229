"""Lexical matching: Unicode words, a Snowball stemmer, BM25 computed once at build time.

Tokens are Unicode words (any script), lower-cased and stemmed by PyStemmer's
English Snowball stemmer ("users" -> "user", "Résumé" stays whole); a run of
CJK characters gives one token per character, as those scripts write words
without spaces. A name joined by dots, dashes or slashes ("logging.ERROR",
"/usr/bin/convert") is a token whole and each of its words too (of two
letters or more), as the text may write them apart ("ERROR" in a table of
levels). A few dozen function words are left out, contracted or not ("what's",
"shouldn't", "dont").

The BM25 weight of every (passage, term) pair is computed at build time and
stored as a sparse matrix in compressed-column form (three NumPy arrays, one
.npy file each, memory-mapped when answering: per term, its passages and
their weights), so a question costs one scattered add per question term,
over that term's postings only, with no per-passage Python loop. (NumPy,
not scipy.sparse: importing scipy alone took 0.3 s, on every one-shot
answer.) IDF is log(1 + (N - df + 0.5) / (df + 0.5)), which stays
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
import math
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

K1, B = 1.2, 0.75
# A question's word no passage has is read as a misspelling of one that passages have from this many
# letters up ("pyhton"); a shorter one is too near too many other words ("ugrep", "grep").
_SPELLED_FROM, _SPELLED_TO = 6, 30
# The BM25 weights by term: term t's postings are rows[starts[t]:starts[t+1]] with their weights.
WEIGHT_FILES = ("bm25-starts.npy", "bm25-rows.npy", "bm25-weights.npy")
_JOINED = re.compile(r"[.\-/]")
_LETTER = re.compile(r"[^\W\d_]")
_WORD_RE = re.compile(r"\w+(?:[+#]+|(?:['’.\-/]\w+)*)", re.UNICODE)
_CJK = r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]"
# Function words, also as contractions written without the apostrophe ("whats", "dont", "vs"):
# a question's "what's" is no more a word of its own than "what" is, and a word of the question no
# passage has lowers its confidence (answer.py). With the apostrophe: _function_word.
STOPWORDS = frozenset(
    "a an the of to in on for and or is are was were be been do does did what which who whom how "
    "why when where can could should would i me my you your we our it its that this these those "
    "about from at into more than most as by with they them their there so any some all if then "
    "will just get "
    "whats hows whos wheres thats im ive youre theyre dont doesnt didnt isnt arent wasnt werent cant "
    "wont shouldnt wouldnt couldnt vs versus".split()
)
_CONTRACTED = re.compile(r"^(.+?)['’](?:s|re|m|ve|ll|d)$")
_NEGATED = re.compile(r"^(?:do|does|did|is|are|was|were|ca|wo|should|would|could|have|has|had|must|need)n['’]?t$")


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(text: str) -> list[str]:
    """Stemmed lower-case words of `text`, without function words."""
    words: list[str] = []
    for token in _WORD_RE.findall(text.lower()):
        token = token.strip("'’.-/")
        # re caches the compiled pattern; compiling it costs 6 ms, so only text that needs it pays.
        if not token.isascii() and re.search(_CJK, token):
            words.extend(ch for ch in token if not ch.isspace())
        elif token and token not in STOPWORDS and not _function_word(token):
            words.append(token)
            if _JOINED.search(token):  # and its words (module docstring)
                words.extend(p for p in _JOINED.split(token) if len(p) > 1 and p not in STOPWORDS and _LETTER.search(p))
    return [w for w in _stemmer().stemWords(words) if w] if words else []


def _function_word(token: str) -> bool:
    """A contraction of a function word ("what's", "isn't", "shouldn't")."""
    if _NEGATED.match(token):
        return True
    m = _CONTRACTED.match(token)
    return bool(m) and m.group(1) in STOPWORDS


@dataclass
class Lexical:
    """BM25 over the passages: compressed columns of weights, the vocabulary, and (read on first
    use, as only a rebuild needs them) compressed rows of term counts."""

    n: int  # passages
    # Weights by term: term t's postings are rows[starts[t]:starts[t+1]] with weights[...].
    starts: np.ndarray
    rows: np.ndarray
    weights: np.ndarray
    vocabulary: list[str]  # the terms, sorted: term t is column t (found by bisection, no dict to build)
    # Every term's IDF when built; None when loaded: a question needs only its own terms' (idf_at),
    # and computing all of them cost a one-shot answer 0.06 s at 37,439 passages.
    idf: np.ndarray | None
    # Counts by passage: passage i's terms are terms[offsets[i]:offsets[i+1]] with counts[...];
    # (offsets, terms, counts), or the path or bytes of counts.npz to read them from.
    counts_from: tuple[np.ndarray, np.ndarray, np.ndarray] | str | bytes = field(repr=False, default=())

    def term_counts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(offsets, terms, counts) of every passage, read from counts.npz the first time."""
        if not isinstance(self.counts_from, tuple):
            c = _arrays(self.counts_from)
            if len(c["offsets"]) != self.n + 1:
                raise ValueError("the term counts are for another number of passages")
            self.counts_from = (c["offsets"], c["terms"], c["counts"])
        return self.counts_from

    @classmethod
    def build(cls, texts: list[str], previous: Lexical | None = None, old_rows: list[int] | None = None) -> Lexical:
        """BM25 over `texts`; rows whose `old_rows` entry is a row of `previous` reuse its counts
        (copied as array slices, term ids kept): only the other texts are tokenized."""
        n = len(texts)
        old = np.asarray(old_rows if previous is not None and old_rows is not None else [-1] * n, dtype=np.int64)
        vocabulary = {t: i for i, t in enumerate(previous.vocabulary)} if previous is not None else {}
        lengths = np.zeros(n, dtype=np.int64)
        reused = np.flatnonzero(old >= 0)
        if len(reused):
            old_offsets, old_terms, old_counts = previous.term_counts()
            sources = old_offsets[old[reused]]
            lengths[reused] = old_offsets[old[reused] + 1] - sources
        fresh: dict[int, tuple[list[int], list[int]]] = {}
        for i in np.flatnonzero(old < 0).tolist():
            pairs = Counter(tokenize(texts[i])).items()
            fresh[i] = ([vocabulary.setdefault(t, len(vocabulary)) for t, _ in pairs], [c for _, c in pairs])
            lengths[i] = len(pairs)
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        terms = np.empty(offsets[-1], dtype=np.int32)
        counts = np.empty(offsets[-1], dtype=np.int32)
        if len(reused):
            spans = lengths[reused]
            within = np.arange(spans.sum()) - np.repeat(np.cumsum(spans) - spans, spans)
            into = np.repeat(offsets[reused], spans) + within
            taken = np.repeat(sources, spans) + within
            terms[into], counts[into] = old_terms[taken], old_counts[taken]
        for i, (ids, tfs) in fresh.items():
            terms[offsets[i] : offsets[i + 1]] = ids
            counts[offsets[i] : offsets[i + 1]] = tfs
        return cls.from_counts(offsets, terms, counts, vocabulary)

    @classmethod
    def from_counts(cls, offsets: np.ndarray, terms: np.ndarray, counts: np.ndarray, vocabulary: dict) -> Lexical:
        """BM25 from term counts; `vocabulary` maps each term to its id in `terms`. The terms are
        renumbered in sorted order, and terms no passage has (after a rebuild) dropped."""
        n = len(offsets) - 1
        names = list(vocabulary)  # in id order
        df = np.bincount(terms, minlength=len(names))
        kept = sorted(t for t, i in vocabulary.items() if df[i])
        new_id = np.full(len(names), -1, dtype=np.int64)
        new_id[[vocabulary[t] for t in kept]] = np.arange(len(kept))
        terms = new_id[terms].astype(np.int32) if len(terms) else terms.astype(np.int32)
        df = np.bincount(terms, minlength=len(kept))
        vocabulary = kept
        row = np.repeat(np.arange(n, dtype=np.int32), np.diff(offsets))
        tf = counts.astype(np.float32)
        lengths = np.bincount(row, weights=tf, minlength=n).astype(np.float32)
        average = float(lengths.mean()) if n and lengths.sum() else 1.0
        idf = _idf(n, df)
        values = idf[terms] * tf * (K1 + 1) / (tf + K1 * (1 - B + B * lengths[row] / average))
        order = np.argsort(terms, kind="stable")
        starts = np.zeros(len(vocabulary) + 1, dtype=np.int64)
        np.cumsum(df.astype(np.int64), out=starts[1:])
        weights = values[order].astype(np.float32)
        return cls(n, starts, row[order], weights, vocabulary, idf, (offsets, terms, counts))

    def scores(self, question: str) -> np.ndarray:
        """Normalised BM25 of every passage for `question`, in [0, 1]."""
        terms = self.spelled(set(tokenize(question)))
        columns = [c for c in map(self.column, terms) if c is not None]
        if not columns:
            return np.zeros(self.n, dtype=np.float32)
        unknown = len(terms) - len(columns)
        ceiling = (K1 + 1) * (float(self.idf_at(columns).sum()) + unknown * math.log1p(self.n / 0.5))
        # Every term's postings at once, summed by passage: one bincount (0.25 ms a question at
        # 126,009 passages, 25,000 postings) beats a scattered += per term (0.35-0.49 ms).
        spans = [slice(self.starts[c], self.starts[c + 1]) for c in columns]
        rows = np.concatenate([self.rows[s] for s in spans])
        total = np.bincount(rows, np.concatenate([self.weights[s] for s in spans]), minlength=self.n)
        out = total.astype(np.float32)
        out *= np.float32(1.0 / ceiling)
        return out

    def to_files(self) -> dict[str, bytes]:
        """The files an index stores: the BM25 weights by term as plain .npy files (memory-mapped
        when answering: an .npz member is read whole and its CRC checked, 0.1 s at 126,009
        passages), the term counts (npz: only a rebuild reads them) and the vocabulary."""
        offsets, terms, counts = self.term_counts()
        out = {name: npy_bytes(array) for name, array in zip(WEIGHT_FILES, (self.starts, self.rows, self.weights))}
        out["counts.npz"] = npz_bytes({"offsets": offsets, "terms": terms, "counts": counts})
        out["vocabulary.txt"] = "\n".join(self.vocabulary).encode("utf-8")
        return out

    @classmethod
    def from_files(
        cls, n: int, read: Callable[[str], np.ndarray], counts: str | bytes, vocabulary: bytes | str
    ) -> Lexical:
        """Loaded from the files `to_files` wrote, for `n` passages: `read(name)` gives the array of
        a .npy file. The counts (a path or bytes) are read only if a rebuild asks for them."""
        starts, rows, weights = (read(name) for name in WEIGHT_FILES)
        text = vocabulary.decode("utf-8") if isinstance(vocabulary, bytes) else vocabulary
        terms = text.split("\n") if text else []
        if len(terms) + 1 != len(starts) or len(rows) != len(weights) or (len(starts) and starts[-1] != len(rows)):
            raise ValueError("the vocabulary and the weights disagree")
        return cls(n, starts, rows, weights, terms, None, counts)

    def column(self, term: str) -> int | None:
        """The column of `term`, or None if no passage has it."""
        i = bisect_left(self.vocabulary, term)
        return i if i < len(self.vocabulary) and self.vocabulary[i] == term else None

    def spelled(self, terms: set[str]) -> set[str]:
        """`terms` with each one no passage has, of six letters or more, replaced by the term that
        passages have one edit away (a letter dropped, added, changed, or two swapped: "pyhton",
        "schwarzian"), the most common if several are; kept if none is."""
        return {t if self.column(t) is not None else self._respelled(t) for t in terms}

    def _respelled(self, term: str) -> str:
        # No word is longer than a few dozen letters; a longer "word" is no misspelling, and its
        # candidates would be many times its length squared (a 100,000-letter line: gigabytes).
        if not _SPELLED_FROM <= len(term) <= _SPELLED_TO or not term.isalpha():
            return term
        letters = sorted(set(term) | set("abcdefghijklmnopqrstuvwxyz"))
        splits = [(term[:i], term[i:]) for i in range(len(term) + 1)]
        candidates = {a + b[1:] for a, b in splits if b}
        candidates |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
        candidates |= {a + c + b[1:] for a, b in splits if b for c in letters}
        candidates |= {a + c + b for a, b in splits for c in letters}
        found = [(self.starts[c + 1] - self.starts[c], t) for t in candidates if (c := self.column(t)) is not None]
        return max(found)[1] if found else term

    def idf_of(self, term: str) -> float:
        """The IDF of `term`; 0 if no passage has it."""
        return self.idf_of_terms({term})[term]

    def idf_of_terms(self, terms: set[str]) -> dict[str, float]:
        """The IDF of each of `terms`, in one lookup; 0 for a term no passage has."""
        found = {t: c for t in terms if (c := self.column(t)) is not None}
        idf = self.idf_at(list(found.values())).tolist() if found else []
        return {t: 0.0 for t in terms} | dict(zip(found, idf))

    def unknown_share(self, idf: dict[str, float]) -> float:
        """The share of a question's words (`idf`: each word's IDF, 0 if no passage has it), by
        rarity, that no passage has. A word no passage has counts as the rarest possible."""
        rarest = math.log1p(self.n / 0.5)
        total = sum(v or rarest for v in idf.values())
        return rarest * sum(1 for v in idf.values() if not v) / total if total else 0.0

    def idf_at(self, columns: list[int]) -> np.ndarray:
        """The IDF of these columns, from their lengths (the number of passages with the term)."""
        if self.idf is not None:
            return self.idf[columns]
        c = np.asarray(columns, dtype=np.int64)
        return _idf(self.n, self.starts[c + 1] - self.starts[c])


def _idf(n: int, df: np.ndarray) -> np.ndarray:
    return np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)


def npy_bytes(array: np.ndarray) -> bytes:
    """An array as the bytes of a .npy file (an index's files are written from bytes: store.py)."""
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """Named arrays as the bytes of an (uncompressed) .npz file."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _arrays(data: str | bytes) -> dict[str, np.ndarray]:
    with np.load(data if not isinstance(data, bytes) else io.BytesIO(data), allow_pickle=False) as z:
        return {k: z[k] for k in z.files}
