"""What every command does before answering, kept cheap at any size: the corpus stamp decides
freshness without reading the documents, and checksums are not recomputed for untouched files."""

from __future__ import annotations

import os
import time

import pytest

from roleqa import checksums, ingest, sources
from roleqa.build import ensure_index
from roleqa.config import Settings
from roleqa.index import read_index
from roleqa.ingest import corpus_stamp

from .conftest import CACHE

OLD = time.time() - 3600  # file times an hour ago: not racy


@pytest.fixture
def notes(tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "garden.md").write_text("# Garden\n\n## Watering\n\nWater the tomatoes every morning in summer.\n")
    (folder / "bikes.txt").write_text("Pump the bicycle tyres to four bar every two weeks.\n")
    (folder / "photo.png").write_bytes(b"\x89PNG")
    for path in folder.iterdir():
        os.utime(path, (OLD, OLD))
    return folder


def test_the_stamp_moves_with_any_file_a_build_would_read(notes):
    stamp = corpus_stamp(notes)
    assert stamp is not None and corpus_stamp(notes) == stamp
    os.utime(notes / "photo.png", (OLD + 5, OLD + 5))  # a kind roleqa does not read
    assert corpus_stamp(notes) == stamp
    (notes / "bikes.txt").write_text("Pump the bicycle tyres to five bar every two weeks.\n")  # same size
    os.utime(notes / "bikes.txt", (OLD + 1, OLD + 1))
    assert corpus_stamp(notes) not in (None, stamp)


def test_a_file_saved_just_now_gets_no_stamp(notes):
    (notes / "garden.md").write_text("# Garden\n\nJust edited.\n")
    assert corpus_stamp(notes) is None  # its next edit could keep the same time: contents decide
    assert corpus_stamp(notes, now=time.time() + 10) is not None


def test_a_fresh_index_is_used_without_reading_a_document(notes, tmp_path, fake_encoder, monkeypatch):
    settings = Settings(corpus_dir=notes, index_dir=tmp_path / "ix", cache_dir=CACHE)
    (notes / "empty.md").write_text(" \n")
    os.utime(notes / "empty.md", (OLD, OLD))
    heard: list[str] = []
    ensure_index(settings, fake_encoder, notify=heard.append)
    assert read_index(tmp_path / "ix").manifest["corpus"]["stamp"] == corpus_stamp(notes)
    monkeypatch.setattr(sources, "read_corpus", lambda _d: pytest.fail("the documents were read"))
    again: list[str] = []
    index, _ = ensure_index(settings, fake_encoder, notify=again.append)
    assert index.size > 0
    # The files skipped are still named, from the build's record.
    assert [w for w in heard if "skipped" in w] == again
    assert any("empty.md" in w for w in again)


def test_an_edit_of_the_same_size_is_still_seen(notes, tmp_path, fake_encoder):
    settings = Settings(corpus_dir=notes, index_dir=tmp_path / "ix", cache_dir=CACHE)
    ensure_index(settings, fake_encoder)
    (notes / "bikes.txt").write_text("Pump the bicycle tyres to five bar every two weeks.\n")
    heard: list[str] = []
    ensure_index(settings, fake_encoder, notify=heard.append)
    assert any("the corpus changed" in line for line in heard)
    assert "five bar" in " ".join(p.text for p in read_index(tmp_path / "ix").passages)


def test_a_touched_file_is_checked_by_content_and_not_rebuilt(notes, tmp_path, fake_encoder):
    settings = Settings(corpus_dir=notes, index_dir=tmp_path / "ix", cache_dir=CACHE)
    ensure_index(settings, fake_encoder)
    os.utime(notes / "bikes.txt", (OLD + 60, OLD + 60))
    heard: list[str] = []
    ensure_index(settings, fake_encoder, notify=heard.append)
    assert not any("building" in line for line in heard)


def test_checksums_are_computed_once_while_files_are_untouched(tmp_path, monkeypatch):
    (tmp_path / "a.bin").write_bytes(b"a" * 1000)
    (tmp_path / "b.bin").write_bytes(b"b" * 1000)
    files = {name: checksums.sha256_file(tmp_path / name) for name in ("a.bin", "b.bin")}
    assert checksums.mismatch(tmp_path, files) is None
    assert (tmp_path / checksums.MARKER).is_file()
    hashed: list[str] = []
    real = checksums.sha256_file
    monkeypatch.setattr(checksums, "sha256_file", lambda p: hashed.append(p.name) or real(p))
    assert checksums.mismatch(tmp_path, files) is None
    assert hashed == []  # untouched: not hashed again
    # Same size, same modification time, different bytes: the change time still moves.
    before = os.stat(tmp_path / "b.bin")
    (tmp_path / "b.bin").write_bytes(b"c" * 1000)
    os.utime(tmp_path / "b.bin", ns=(before.st_atime_ns, before.st_mtime_ns))
    assert checksums.mismatch(tmp_path, files) == "b.bin does not match its checksum"
    # Other expected sums than the record's: hashed again, never taken from the record.
    (tmp_path / "b.bin").write_bytes(b"b" * 1000)
    assert checksums.mismatch(tmp_path, files) is None
    assert checksums.mismatch(tmp_path, {**files, "a.bin": "0" * 64}) == "a.bin does not match its checksum"


def test_checksums_in_a_folder_that_cannot_be_written_are_checked_every_time(tmp_path, monkeypatch):
    (tmp_path / "a.bin").write_bytes(b"a" * 1000)
    files = {"a.bin": checksums.sha256_file(tmp_path / "a.bin")}
    monkeypatch.setattr(checksums.os, "replace", _refuse)
    assert checksums.mismatch(tmp_path, files) is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.bin"]  # no record, no half-written one


def _refuse(*_args):
    raise PermissionError(13, "Permission denied")


def test_a_build_of_files_saved_just_now_is_stamped_by_the_next_command(notes, tmp_path, fake_encoder, monkeypatch):
    (notes / "garden.md").write_text("# Garden\n\nWater the tomatoes every evening.\n")  # racy for the build
    settings = Settings(corpus_dir=notes, index_dir=tmp_path / "ix", cache_dir=CACHE)
    ensure_index(settings, fake_encoder)
    assert read_index(tmp_path / "ix").manifest["corpus"]["stamp"] is None
    monkeypatch.setattr(ingest, "RACY_SECONDS", -1.0)  # as if the seconds had passed
    reads: list[int] = []
    real = sources.read_corpus
    monkeypatch.setattr(sources, "read_corpus", lambda d: reads.append(1) or real(d))
    ensure_index(settings, fake_encoder)  # fresh by content: the stamp is noted
    ensure_index(settings, fake_encoder)  # fresh by the noted stamp: nothing read
    assert reads == [1]
    (notes / "bikes.txt").write_text("Pump the bicycle tyres to five bar every two weeks.\n")
    os.utime(notes / "bikes.txt", (OLD + 1, OLD + 1))
    heard: list[str] = []
    ensure_index(settings, fake_encoder, notify=heard.append)
    assert any("the corpus changed" in line for line in heard)


def test_a_new_chunking_version_chunks_every_document_again_but_embeds_only_new_texts(notes, tmp_path, monkeypatch):
    from .fakes import FakeEncoder

    class Counting(FakeEncoder):
        embedded = 0

        def embed_batch(self, texts):
            Counting.embedded += len(texts)
            return super().embed_batch(texts)

    settings = Settings(corpus_dir=notes, index_dir=tmp_path / "ix", cache_dir=CACHE)
    first, _ = ensure_index(settings, Counting())
    assert Counting.embedded > 0
    Counting.embedded = 0
    monkeypatch.setattr(sources, "CHUNKING_VERSION", sources.CHUNKING_VERSION + 1)
    notices = []
    again, _ = ensure_index(settings, Counting(), notify=notices.append)
    assert any("the chunking settings changed" in n for n in notices), notices
    # Vectors are kept by the exact text embedded: the same texts are not embedded again (only
    # the 60 off-topic questions the confidence is measured with, as after any full rebuild).
    assert again.manifest["embedded"] == {"texts": 0, "reused": first.manifest["embedded"]["texts"]}
    assert Counting.embedded == 60
    assert again.manifest["chunking"]["version"] == sources.CHUNKING_VERSION
    assert [p.text for p in again.passages] == [p.text for p in first.passages]


def test_a_rebuild_reads_again_the_files_whose_references_name_a_changed_one(tmp_path, fake_encoder, monkeypatch):
    folder = tmp_path / "docs"
    folder.mkdir()
    install = "Installing\n==========\n\n.. _agent-setup:\n\n{}\n--------------------\n\nRun the installer as root.\n"
    (folder / "install.rst").write_text(install.format("Setting up the agent"))
    faq = "FAQ\n===\n\nHow do I install it?\n--------------------\n\n{} :ref:`agent-setup`.\n"
    (folder / "faq.rst").write_text(faq.format("See"))
    (folder / "notes.rst").write_text("Notes\n=====\n\nBack up the data folder every night.\n")
    settings = Settings(corpus_dir=folder, index_dir=tmp_path / "ix", cache_dir=CACHE)

    def faq_text() -> str:
        return " ".join(p.text for p in read_index(tmp_path / "ix").passages if p.document == "faq.rst")

    ensure_index(settings, fake_encoder)
    assert faq_text() == "See Setting up the agent."
    parsed: list[str] = []
    real_parse = ingest.parse

    def spy(name, *args):
        parsed.append(name)
        return real_parse(name, *args)

    monkeypatch.setattr(ingest, "parse", spy)
    (folder / "install.rst").write_text(install.format("Installing the agent"))
    ensure_index(settings, fake_encoder)
    assert faq_text() == "See Installing the agent."  # read again: its reference names a changed file
    assert "notes.rst" not in parsed  # an untouched file that refers to none is not
    (folder / "faq.rst").write_text(faq.format("Read"))
    ensure_index(settings, fake_encoder)
    assert faq_text() == "Read Installing the agent."  # a changed file gets the labels of the kept ones
    # Files of other kinds are read as before, beside kept reST files that have labels.
    (folder / "garden.md").write_text("# Garden\n\nWater the tomatoes every morning in summer.\n")
    heard: list[str] = []
    ensure_index(settings, fake_encoder, notify=heard.append)
    assert not [line for line in heard if "skipped" in line]
    assert any(p.document == "garden.md" for p in read_index(tmp_path / "ix").passages)
