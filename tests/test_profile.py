"""The corpus profile: the shipped article's rules are its data, and change nothing anywhere else."""

from __future__ import annotations

import shutil
from dataclasses import asdict, replace

import pytest

from roleqa.answer import Answerer
from roleqa.build import ensure_index
from roleqa.config import SHIPPED_CORPUS, Settings
from roleqa.errors import RoleqaError
from roleqa.profile import FILE, Profile, load_profile
from roleqa.retrieve import FORMER_WEIGHTS, WEIGHTS, Weights, weights_of
from roleqa.sources import recorded_weights, resolve_sources, stale_reason

from .conftest import CACHE
from .fakes import FakeEncoder

NOTES = {
    "oncall.md": "# On-call notes\n\n## Engineering manager\n\nThe engineering manager approves every rollback "
    "before it starts.\n\n## Rollbacks\n\nAfter a rollback, post a note in the release channel and tell the "
    "release manager.\n\n## Editors\n\nVim and nano are both installed; nano is the default editor on the "
    "build hosts.\n",
    "kitchen.md": "# Kitchen\n\n## Pancakes\n\nUse 250 ml of milk for eight pancakes, and rest the batter.\n",
}
QUESTIONS = [
    "do I tell the release manager after a rollback?",
    "are vim and nano installed as the default editor?",
    "how many ml of milk go into the pancakes?",
]


class Recording(FakeEncoder):
    """The fake encoder, remembering what it was asked to embed."""

    def __init__(self):
        self.seen = []

    def embed_batch(self, texts):
        self.seen.extend(texts)
        return super().embed_batch(texts)


def answers(folder, tmp_path, profile_from=None):
    if profile_from:
        shutil.copy(profile_from / FILE, folder / FILE)
    encoder = Recording()
    index, _ = ensure_index(
        Settings(corpus_dir=folder, index_dir=tmp_path / f"ix-{folder.name}", cache_dir=CACHE), encoder
    )
    answerer = Answerer(index, encoder)
    encoder.seen.clear()
    return answerer, answerer.ask_many(QUESTIONS, 3, 0.0), list(encoder.seen)


@pytest.fixture
def notes(tmp_path):
    def make(name):
        folder = tmp_path / name
        folder.mkdir()
        for file, text in NOTES.items():
            (folder / file).write_text(text)
        return folder

    return make


def test_without_a_profile_no_article_rule_changes_any_score(notes, tmp_path):
    answerer, results, embedded = answers(notes("plain"), tmp_path)
    assert answerer.profile == Profile()
    for result in results:
        for hit in result.hits:
            parts = dict(hit.parts)
            assert parts["other_job"] == 0.0 and parts["role"] == 0.0, (result.question, parts)
    assert embedded == QUESTIONS  # "ml" stays "ml": no abbreviation is spelled out
    assert results[0].hits[0].passage.leaf == "Rollbacks" and results[1].hits[0].passage.leaf == "Editors"


def test_the_same_notes_with_the_article_profile_would_be_changed(notes, tmp_path):
    # What the test above guards against, shown: the article's rules do fire when its profile is there.
    answerer, results, embedded = answers(notes("with-profile"), tmp_path, profile_from=SHIPPED_CORPUS)
    assert answerer.profile.other_jobs
    assert dict(results[0].hits[0].parts)["other_job"] == 1.0  # "release manager" is no heading's job
    assert "how many machine learning of milk go into the pancakes?" in embedded


def test_the_profile_is_read_from_the_corpus_folder_and_is_not_a_document(tmp_path):
    assert load_profile(tmp_path) == Profile()
    article = load_profile(SHIPPED_CORPUS)
    assert [e.name for e in article.entities] == ["data scientist", "machine learning engineer"]
    assert article.calibration["threshold"] == 0.25 and len(article.occupations) == 43


def test_a_broken_profile_is_a_clear_error(tmp_path):
    (tmp_path / FILE).write_text("[entities\nname = 1\n")
    with pytest.raises(RoleqaError, match=f"{FILE}.*fix it or remove it"):
        load_profile(tmp_path)
    (tmp_path / FILE).write_text('[entities.x]\nplural = "xs"\n')  # no pattern
    with pytest.raises(RoleqaError, match="KeyError 'pattern'"):
        load_profile(tmp_path)


def test_a_changed_profile_rebuilds_the_index(notes, tmp_path):
    folder = notes("changing")
    settings = Settings(corpus_dir=folder, index_dir=tmp_path / "ix", cache_dir=CACHE)
    ensure_index(settings, FakeEncoder())
    (folder / FILE).write_text('[abbreviations]\nRB = "rollback"\n')
    notices = []
    ensure_index(settings, FakeEncoder(), notify=notices.append)
    assert any("the corpus profile" in n and "changed" in n for n in notices), notices


def test_ranking_weights_are_the_generic_ones_unless_the_profile_sets_its_own(notes, tmp_path):
    plain, _, _ = answers(notes("generic"), tmp_path)
    assert plain.weights == WEIGHTS
    folder = notes("weighted")
    (folder / FILE).write_text("[weights]\nheading = 0.5\nlexical = 0.2\n")
    weighted, results, _ = answers(folder, tmp_path)
    assert weighted.weights == replace(WEIGHTS, heading=0.5, lexical=0.2)
    # The ranking score is made with them (the fake encoder's parts, weighted by the profile).
    hit = results[0].hits[0]
    parts = dict(hit.parts)
    w = weighted.weights
    expected = (
        parts["dense"] + w.heading * parts["heading"] + w.section * parts["section"] + w.lexical * parts["lexical"]
    )
    assert hit.raw == pytest.approx(expected + w.role * parts["role"] + parts.get("topic", 0), abs=1e-4)
    # The article keeps the weights its numbers were measured with.
    assert weights_of(load_profile(SHIPPED_CORPUS).weights) == Weights(heading=0.3, section=0.6, lexical=0.4)


def test_a_profile_may_set_only_known_weights(tmp_path):
    (tmp_path / FILE).write_text("[weights]\nheadings = 0.5\n")
    with pytest.raises(RoleqaError, match=r"\[weights\] has headings; it may set heading, section, lexical"):
        load_profile(tmp_path)


def test_an_index_measured_with_other_weights_is_rebuilt(notes, tmp_path):
    folder = notes("reweighted")
    settings = Settings(corpus_dir=folder, index_dir=tmp_path / "ix", cache_dir=CACHE)
    index, _ = ensure_index(settings, FakeEncoder())
    assert index.manifest["calibration"]["weights"] == asdict(WEIGHTS)
    # An index from before weights were recorded had its off-topic score measured with the former defaults.
    manifest = dict(index.manifest, calibration={"bank": 0.2})
    assert recorded_weights(manifest["calibration"]) == asdict(FORMER_WEIGHTS)
    assert stale_reason(manifest, resolve_sources(settings)) == "the ranking weights changed"
    assert stale_reason(index.manifest, resolve_sources(settings)) is None


def test_answers_streamed_batch_by_batch_are_those_of_each_batch_alone(notes, tmp_path):
    answerer, _, _ = answers(notes("stream"), tmp_path)
    batches = [QUESTIONS[:2], [], QUESTIONS[2:], QUESTIONS]
    streamed = list(answerer.ask_stream(iter(batches), 3, 0.0))
    assert streamed == [answerer.ask_many(batch, 3, 0.0) for batch in batches]
    # A reader that stops early stops the stream, without waiting for the batches after.
    endless = answerer.ask_stream(iter(lambda: QUESTIONS[:1], None), 3, 0.0)
    assert next(endless)[0].question == QUESTIONS[0]
    endless.close()
