"""Questions in, ranked and sourced answers out, or an honest "no good answer"."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from functools import cached_property
from types import MappingProxyType

import numpy as np

from roleqa.chunking import sentence_spans
from roleqa.compare import Comparer, Comparison, is_comparative, topic_words
from roleqa.config import GENERIC_CALIBRATION, Calibration
from roleqa.direction import DIRECTION_BONUS, direction_agreement
from roleqa.embedding import Encoder
from roleqa.index import Index
from roleqa.lexical import tokenize
from roleqa.passage import Passage, same_text
from roleqa.profile import Profile
from roleqa.result import Hit, Result, did_you_mean
from roleqa.retrieve import (
    Weights,
    children_of,
    choose_units,
    confidence,
    fuse,
    names_another_job,
    other_jobs_named,
    role_agreement,
    weights_of,
)
from roleqa.suggest import examples, suggestions_for

SUGGESTIONS = 3
# Added to the ranking score of passages in the sections a chat follow-up stays on
# ("and ML engineers?" after an answer from "Salary expectations").
TOPIC_BONUS = 0.3
# A follow-up read by its form ("and hidden files too?") is scored half on its own words and half
# on them with the previous question's (chosen on the dev conversations, bench/conversations.py).
CONTEXT_WEIGHT = 0.5
# Confidence reads how far the best answer's score stands above that of the answer at this rank
# (a near miss has many answers about as good; bench/tune.py --calibrate --cross).
LEAD_RANK = 5
# From this many passages up, the share of a question's words no passage has counts in full.
MISSING_FULL = 50
# A question this close (cosine) to a wording marked out of scope in `roleqa review` is declined.
OUT_OF_SCOPE_SIMILARITY = 0.8
# The least confidence (the chance it is right) of a comparison's best passage for `/compare TOPIC`:
# "pay" reaches 0.14, "weather" 0.05 and "cooking pasta" 0.07 on the shipped article.
COMPARE_CONFIDENCE = 0.1
# The ranking score of a row that is never an answer: below any real score (the parts sum to at most ~3).
HIDDEN = -100.0
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


def normalize_question(text: str) -> str:
    """Collapse whitespace and drop control characters; what is embedded and echoed."""
    text = "".join(ch if ch.isprintable() or ch in " \t" else " " for ch in text)
    return re.sub(r"\s+", " ", text).strip()


def passage_about(p: Passage, profile: Profile) -> str:
    """The part of a passage that says which of the profile's entities it is about: its question;
    else its heading and lead-in when they name one (an item of "The responsibilities of a machine
    learning engineer include:" is about them, whoever it mentions); else those with its first
    sentence (all of it for a list, which may cover several)."""
    if p.question:
        return p.question
    heading = f"{p.leaf} {p.context}"
    if len(profile.entities_in(heading)) == 1:
        return heading
    opening = p.text if p.members else _SENTENCE_END.split(p.text, maxsplit=1)[0]
    return f"{heading} {opening}"


def calibration_for(index: Index, profile: Profile | None = None) -> Calibration:
    """The calibration answers from `index` use: fitted on the user's labels (`roleqa eval --calibrate`,
    saved in the index folder), else the corpus profile's, else the generic one; each with this
    index's off-topic bank score (config.Calibration)."""
    from roleqa.store import read_calibration

    bank = float((index.manifest.get("calibration") or {}).get("bank", 0.0))
    profile = profile or Profile.from_json(index.manifest.get("profile"))
    saved = read_calibration(index.path, index.model_fingerprint)
    if saved:
        return Calibration(**{**saved, "bank": bank, "source": "labelled"})
    if profile.calibration:
        return Calibration(**{**profile.calibration, "bank": bank, "source": "profile"})
    return replace(GENERIC_CALIBRATION, bank=bank)


# Sections a chat follow-up stays on, each with a weight in [0, 1] of the topic bonus (the chat
# weighs each by its answer's confidence over the best one's, followup.Turn).
Topic = Mapping[str, float]
NO_TOPIC: Topic = MappingProxyType({})
# A batch of questions normalized, the same expanded, and the expanded ones' vectors.
_Embedded = tuple[list[str], list[str], "np.ndarray | None"]


class Answerer:
    """Answers questions from one index with the encoder it was built with."""

    def __init__(
        self,
        index: Index,
        encoder: Encoder,
        calibration: Calibration | None = None,
        weights: Weights | None = None,
    ) -> None:
        self.index = index
        self.encoder = encoder
        layout = index.layout
        self.parent = layout["parent"]
        self.alone = layout["alone"]
        self.faq_rows = np.flatnonzero(layout["faq"])
        self.children = children_of(self.parent)
        self.profile = Profile.from_json(index.manifest.get("profile"))
        self.weights = weights or weights_of(self.profile.weights)
        # Which of the profile's entities each passage is about (an index into these names, or -1).
        self.entity_names = [e.name for e in self.profile.entities]
        self.subjects = set(index.manifest.get("subjects", []))
        self.section_of = layout["section"]
        self.calibration = calibration or calibration_for(index)
        self.sections = [" > ".join([s[1]]) for s in index.sections]

    def ask(self, question: str, k: int, threshold: float, topic: Topic = NO_TOPIC, context: str = "") -> Result:
        """The top-k passages for `question`; answered when the best reaches `threshold`.

        `topic`: sections (heading paths) a chat follow-up stays on; their passages get a bonus
        (TOPIC_BONUS times the section's weight).
        `context`: the previous question, for a follow-up read by its form; every part of the
        score is then blended with that of the two questions together (CONTEXT_WEIGHT).
        """
        if not context:
            return self.ask_many([question], k, threshold, topic)[0]
        cleaned = normalize_question(question)
        texts = [self.profile.expand(cleaned), self.profile.expand(normalize_question(f"{context} {question}"))]
        vectors = np.asarray(self.encoder.embed_batch(texts), dtype=np.float32)
        alone, together = (self.scores(t, v, *s) for t, v, *s in zip(texts, vectors, *self._similarities(vectors)))
        parts = {name: (1 - CONTEXT_WEIGHT) * alone[name] + CONTEXT_WEIGHT * together[name] for name in alone}
        return self._result(cleaned, parts, k, threshold, topic)

    def ask_many(self, questions: Sequence[str], k: int, threshold: float, topic: Topic = NO_TOPIC) -> list[Result]:
        """Like `ask` for several questions, embedded in one batch."""
        return self._answer_embedded(self._embed_questions(questions), k, threshold, topic)

    def ask_stream(self, batches: Iterable[Sequence[str]], k: int, threshold: float) -> Iterator[list[Result]]:
        """`ask_many` over each batch in turn, each batch's answers as soon as they are ready.
        The next batch is embedded while this one is scored: the encoder keeps both cores busy,
        scoring only one, so the two together fill the idle core (500 questions at 126,009
        passages, in process: 4.5 s -> 4.2 s, median of 4; README "Growth")."""
        batches = iter(batches)

        def embed_next() -> _Embedded | None:
            batch = next(batches, None)  # may wait for stdin
            return None if batch is None else self._embed_questions(batch)

        pool = ThreadPoolExecutor(max_workers=1)
        try:
            pending = pool.submit(embed_next)
            while (embedded := pending.result()) is not None:
                pending = pool.submit(embed_next)
                yield self._answer_embedded(embedded, k, threshold)
        finally:
            # Not waiting: a worker may be blocked reading stdin when the reader stops early.
            pool.shutdown(wait=False, cancel_futures=True)

    def _embed_questions(self, questions: Sequence[str]) -> _Embedded:
        cleaned = [normalize_question(q) for q in questions]
        expanded = [self.profile.expand(q) for q in cleaned]
        vectors = np.asarray(self.encoder.embed_batch(expanded), dtype=np.float32) if cleaned else None
        return cleaned, expanded, vectors

    def _answer_embedded(self, embedded: _Embedded, k: int, threshold: float, topic: Topic = NO_TOPIC) -> list[Result]:
        cleaned, expanded, vectors = embedded
        if not cleaned:
            return []
        similar = self._similarities(vectors)
        return [
            self._result(q, self.scores(x, v, *s), k, threshold, topic)
            for q, x, v, *s in zip(cleaned, expanded, vectors, *similar)
        ]

    def _similarities(self, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Cosine of each question to every passage, heading and section: three matrix products
        for a whole batch (one row per question), not three per question."""
        index = self.index
        return self._dense(vectors), vectors @ index.heading_vectors.T, vectors @ index.section_vectors.T

    def _dense(self, vectors: np.ndarray) -> np.ndarray:
        """Cosine of each question to every passage, one row per question (inner product on
        normalised vectors is cosine). With an approximate index, only its best 1,000 are scored."""
        index = self.index
        if index.approximate is None:
            return vectors @ index.dense_vectors.T
        dense = np.full((len(vectors), index.size), -1.0, dtype=np.float32)
        found, rows = index.approximate.search(vectors, min(index.size, 1000))
        for i in range(len(vectors)):
            valid = rows[i] >= 0
            dense[i, rows[i][valid]] = found[i][valid]
        return dense

    def scores(
        self,
        expanded: str,
        vector: np.ndarray,
        dense: np.ndarray | None = None,
        headings: np.ndarray | None = None,
        sections: np.ndarray | None = None,
    ) -> dict[str, np.ndarray]:
        """Every part of the ranking score, for every passage (before weighting). The question's
        similarities to every passage, heading and section are computed unless given."""
        index = self.index
        vector = np.asarray(vector, dtype=np.float32)
        if dense is None:
            dense, headings, sections = (m[0] for m in self._similarities(vector.reshape(1, -1)))
        # np.take, not fancy indexing: the same gather, 0.13 ms instead of 0.2 at 126,009 passages.
        heading = np.take(headings, index.layout["heading"])
        attached = self.attached
        if len(attached[0]):
            # An alternate question (roleqa review) counts as its passage's own wording:
            # as close to the question as the passage itself, and as its heading.
            close = headings[attached[1]]
            dense = np.array(dense, dtype=np.float32)
            np.maximum.at(dense, attached[0], close)
            np.maximum.at(heading, attached[0], close)
        parts = {
            "dense": dense,
            "heading": heading,
            "section": np.take(sections, self.section_of),
            "lexical": index.lexical.scores(expanded),
            "role": role_agreement(self.profile.entities_in(expanded), self.index.layout["about"], self.entity_names),
        }
        if len(attached[2]):
            # How close the question is to a wording marked out of scope, unless closer to an attached one.
            out = float(headings[attached[2]].max())
            out = out if not len(attached[0]) or out > float(close.max()) else 0.0
            parts["out_of_scope"] = np.full(index.size, out, dtype=np.float32)
        return parts

    @cached_property
    def attached(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The alternates in the index (alternates.py): their passages' rows and their heading rows,
        and the heading rows of the wordings marked out of scope."""
        entries = (self.index.manifest.get("alternates") or {}).get("entries", [])
        rows = np.array([e["row"] for e in entries if e["row"] >= 0], dtype=np.int64)
        heads = np.array([e["heading"] for e in entries if e["row"] >= 0], dtype=np.int64)
        return rows, heads, np.array([e["heading"] for e in entries if e["row"] < 0], dtype=np.int64)

    def _ranking(self, parts: dict[str, np.ndarray], other_job: bool) -> np.ndarray:
        """The fused ranking score of every passage; rows never answered (`hidden`) at the bottom."""
        ranking = fuse(
            parts["dense"], parts["heading"], parts["lexical"], parts["section"], parts["role"], other_job, self.weights
        )
        ranking[self.hidden] = HIDDEN
        return ranking

    def _words(self, expanded: str) -> tuple[dict[str, float], float]:
        """The question's words (misspellings read as the corpus's words) with their IDF, and the
        share of them no passage has: in a corpus of a few passages, which lacks most words of any
        question, in proportion to its size up to MISSING_FULL passages (bench/tune.py --calibrate)."""
        lexical = self.index.lexical
        terms = lexical.idf_of_terms(lexical.spelled(set(tokenize(expanded))))
        return terms, lexical.unknown_share(terms) * min(1.0, self.index.size / MISSING_FULL)

    def _heading_of(self, row: int) -> str:
        return self.index.passage(row).question_or_heading

    @cached_property
    def hidden(self) -> np.ndarray:
        """Rows never answered: FAQ entries that only point to another section (alternates.pointed)."""
        return np.array((self.index.manifest.get("alternates") or {}).get("hidden", []), dtype=np.int64)

    def _result(self, question: str, parts: dict[str, np.ndarray], k: int, threshold: float, topic: Topic) -> Result:
        expanded = self.profile.expand(question)
        profile = self.profile
        other_job = profile.other_jobs and names_another_job(expanded, self.subjects, profile.occupations)
        # Like a wording the FAQ owner marked out of scope: declined (the same penalty as another job).
        other_job = other_job or float(parts.get("out_of_scope", [0.0])[0]) >= OUT_OF_SCOPE_SIMILARITY
        ranking = self._ranking(parts, other_job)
        # Same topic, but not the other role: "and ML engineers?" wants the ML engineers' part.
        if topic:
            in_topic = np.array([topic.get(s, 0.0) for s in self.sections], dtype=np.float32)[self.section_of]
            parts["topic"] = in_topic * (parts["role"] >= 0)
            ranking += TOPIC_BONUS * parts["topic"]
        else:
            parts["topic"] = np.zeros(self.index.size, dtype=np.float32)
        parts["direction"] = direction_agreement(question, ranking, self._heading_of)
        ranking += DIRECTION_BONUS * parts["direction"]
        whole_list = profile.wants_list(question)
        chosen = choose_units(
            ranking, self.parent, self.children, max(k, LEAD_RANK), whole_list, alone=self.alone, duplicate=self._same
        )
        raw = _unit_scores(ranking, chosen)
        lead = _lead(raw)
        chosen, raw = chosen[:k], raw[:k]
        words = [float(parts["lexical"][unit if ranking[unit] >= ranking[row] else row]) for unit, row in chosen]
        # The question's words and their rarity, looked up once for the confidence and every highlight.
        terms, missing = self._words(expanded)
        # Scores never rise down the list, though a lower answer may share more of the question's words.
        conf = (
            np.minimum.accumulate(confidence(np.array(raw), np.array(words), self.calibration, missing, lead))
            if raw
            else []
        )

        def why(row: int) -> tuple[tuple[str, float], ...]:
            scored = tuple((name, round(float(values[row]), 4)) for name, values in parts.items())
            return (
                *scored,
                ("other_job", 1.0 if other_job else 0.0),
                ("unknown", round(missing, 4)),
                ("lead", round(lead, 4)),
            )

        hits = []
        for rank, ((unit, row), r, c) in enumerate(zip(chosen, raw, conf), start=1):
            passage = self.index.passage(unit)
            hits.append(
                Hit(
                    rank,
                    passage,
                    round(float(c), 4),
                    round(r, 4),
                    self._ids(unit),
                    self._lexical_highlight(passage.text, terms),
                    why(unit if ranking[unit] >= ranking[row] else row),
                )
            )
        answered = bool(hits) and hits[0].score >= threshold
        suggestions = [] if answered else suggestions_for(self.index, self.faq_rows, parts["heading"], SUGGESTIONS)
        comparison = None
        if answered and is_comparative(expanded, profile):
            # "data scientist vs plumber" compares with someone the corpus is not about: no comparison.
            if not (profile.other_jobs and other_jobs_named(expanded, self.subjects, profile.occupations)):
                comparison = self.comparer.choose(ranking, general=not topic_words(expanded, profile))
        return Result(question, answered, hits, suggestions, did_you_mean(hits) if answered else [], None, comparison)

    @cached_property
    def comparer(self) -> Comparer:
        """The corpus's comparative sections (none without two entities in its profile)."""
        names = self.entity_names if len(self.entity_names) >= 2 else []
        layout = self.index.layout if names else {k: v[:0] for k, v in self.index.layout.items()}
        return Comparer(self.index.passage, layout, self.index.sections, names)

    def compare(self, topic: str) -> Comparison | None:
        """The entities compared on the topic that best matches `topic` (the chat's /compare)."""
        if not self.comparer.sides:
            return None
        expanded = self.profile.expand(normalize_question(topic))
        parts = self.scores(expanded, self.encoder.embed_batch([expanded])[0])
        ranking = self._ranking(parts, False)
        comparison = self.comparer.choose(ranking, general=False)
        if comparison is None:
            return None
        # A topic the corpus does not compare on ("/compare weather") gets no comparison: the
        # chance that its best passage there is right must reach COMPARE_CONFIDENCE.
        rows = np.isin(self.section_of, comparison.section_rows)
        best = int(np.flatnonzero(rows)[np.argmax(ranking[rows])])
        missing = self._words(expanded)[1]
        chosen = choose_units(
            ranking, self.parent, self.children, LEAD_RANK, False, alone=self.alone, duplicate=self._same
        )
        lead = _lead(_unit_scores(ranking, chosen))
        chance = confidence(
            np.array([ranking[best]]), np.array([parts["lexical"][best]]), self.calibration, missing, lead
        )[0]
        return comparison if chance >= COMPARE_CONFIDENCE else None

    def _lexical_highlight(self, text: str, terms: dict[str, float]) -> tuple[tuple[int, int], ...]:
        """The sentence sharing the rarest words with the question (the first when none does);
        `terms`: the question's words and their IDF."""
        spans = sentence_spans(text)
        if len(spans) <= 1:
            return tuple(spans)
        weight = [sum(terms[t] for t in set(tokenize(text[a:b])) if t in terms) for a, b in spans]
        return (spans[int(np.argmax(weight))],)

    def _same(self, row: int, other: int) -> bool:
        return same_text(self.index.passage(row), self.index.passage(other))

    def _ids(self, row: int) -> frozenset[str]:
        rows = set(self._covered(row))
        up = int(self.parent[row])
        while up >= 0:
            rows.add(up)
            up = int(self.parent[up])
        return frozenset(self.index.passage(r).id for r in rows)

    def _covered(self, row: int) -> list[int]:
        out = [row]
        for child in self.children.get(row, ()):
            out.extend(self._covered(child))
        return out

    def examples(self, n: int) -> list[str]:
        """Questions to start with: the first FAQ questions, else the first headings."""
        return examples(self.index, self.faq_rows, n)


def _unit_scores(ranking: np.ndarray, chosen: Sequence[tuple[int, int]]) -> list[float]:
    """The score of each chosen answer: one resized from the passage that ranked it keeps that
    passage's score."""
    return [float(max(ranking[unit], ranking[row])) for unit, row in chosen]


def _lead(raw: Sequence[float]) -> float:
    """How far the best answer's score stands above the LEAD_RANK-th best's (scores best first)."""
    return raw[0] - raw[min(LEAD_RANK, len(raw)) - 1] if raw else 0.0
