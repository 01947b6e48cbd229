"""The index folder (store.py) and the files of a version (index.py), with random vectors."""

import json
import os
import stat

import numpy as np
import pytest

from roleqa import store
from roleqa.assemble import assemble
from roleqa.errors import RoleqaError
from roleqa.index import FILES, read_index, save
from roleqa.passage import Passage
from roleqa.store import (
    CURRENT,
    IndexUnusable,
    leftovers,
    live_version,
    read_calibration,
    read_manifest,
    write_calibration,
    writing,
)


def passages(n):
    return [Passage(f"d#s-{i}", "d.md", "T", f"S{i % 2}", "article", f"text number {i} here") for i in range(n)]


def built(n, rows=None):
    """n passages with random unit vectors (rows overrides the passage vectors' count)."""
    ps = passages(n)
    texts = list(dict.fromkeys([p.embed_text for p in ps] + [p.heading_text for p in ps]))
    b = assemble(ps, dict(zip(texts, unit_rows(len(texts)))))
    if rows is not None:
        b.vectors = unit_rows(rows)
    return b


def write(dest, n, manifest=None, rows=None, mode=0o755):
    with writing(dest, mode, notify=lambda _: None) as writer:
        return save(writer, built(n, rows), manifest or {})


def unit_rows(n, d=8, seed=0):
    v = np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def version_dir(folder):
    return folder / live_version(folder)


def test_save_and_load_round_trip(tmp_path):
    b = built(5)
    with writing(tmp_path / "ix", notify=lambda _: None) as writer:
        written = save(writer, b, {"model": {"fingerprint": "m"}})
    loaded = read_index(tmp_path / "ix")
    assert loaded.passages == b.passages
    assert loaded.passage(3) == b.passages[3]
    assert written.manifest == loaded.manifest
    m = loaded.manifest
    assert m["format"] == "roleqa-index" and m["format_version"] == 9 and m["dense_search"] == "exact"
    assert m["dimension"] == 8 and m["passages"] == 5 and m["model"] == {"fingerprint": "m"}
    assert np.allclose(loaded.vectors(np.arange(5)), b.vectors)
    assert np.allclose(loaded.heading_vectors, b.heading_vectors)
    assert np.allclose(loaded.section_vectors, b.section_vectors) and loaded.sections == [
        ("d.md", "S0"),
        ("d.md", "S1"),
    ]
    for key, values in b.layout.items():
        assert (loaded.layout[key] == values).all(), key
    assert np.allclose(loaded.lexical.scores("text number 3"), b.lexical.scores("text number 3"))
    assert sorted(p.name for p in (tmp_path / "ix").iterdir()) == [
        ".build.lock",
        ".swap.lock",
        CURRENT,
        live_version(tmp_path / "ix"),
    ]
    assert sorted(p.name for p in version_dir(tmp_path / "ix").iterdir()) == sorted(
        [*FILES, "manifest.json", ".verified"]  # .verified: its files were checked once, by that read
    )


def test_a_section_vector_is_the_mean_of_its_passages():
    b = built(6)
    mean = b.vectors[[0, 2, 4]].sum(axis=0)
    assert np.allclose(b.section_vectors[0], mean / np.linalg.norm(mean), atol=1e-6)


def test_everything_stays_inside_the_index_folder(tmp_path):
    write(tmp_path / "ix", 3)
    write(tmp_path / "ix", 4)
    assert len(read_index(tmp_path / "ix").passages) == 4
    assert [p.name for p in tmp_path.iterdir()] == ["ix"]  # no lock or temporary folder beside it
    assert [p.name for p in (tmp_path / "ix").iterdir() if p.name.startswith("v-")] == [live_version(tmp_path / "ix")]


def test_a_failed_write_keeps_the_previous_index(tmp_path):
    write(tmp_path / "ix", 3)
    with pytest.raises(ValueError):
        write(tmp_path / "ix", 3, rows=2)
    assert len(read_index(tmp_path / "ix").passages) == 3
    assert leftovers(tmp_path / "ix") == []


def test_damage_is_detected(tmp_path):
    write(tmp_path / "ix", 3)
    f = version_dir(tmp_path / "ix") / "vectors.npy"
    f.write_bytes(f.read_bytes()[:-10])
    with pytest.raises(IndexUnusable, match="checksum"):
        read_index(tmp_path / "ix")


def test_missing_garbled_and_newer_manifests_are_unusable(tmp_path):
    with pytest.raises(IndexUnusable, match="missing"):
        read_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(IndexUnusable, match="unreadable"):
        read_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"format": "roleqa-index", "format_version": 99}))
    with pytest.raises(IndexUnusable, match="format version 99"):
        read_manifest(tmp_path)


def test_current_pointing_nowhere_is_unusable(tmp_path):
    write(tmp_path / "ix", 2)
    (tmp_path / "ix" / CURRENT).write_text("v-gone\n")
    with pytest.raises(IndexUnusable, match="names no version"):
        read_index(tmp_path / "ix")
    with pytest.raises(IndexUnusable, match="no index yet"):
        read_index(tmp_path / "nothing")
    assert not (tmp_path / "nothing").exists()  # reading never creates the folder


def test_a_folder_with_other_files_is_refused_before_anything_is_written(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(RoleqaError, match="not empty"):
        write(tmp_path, 2)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]  # not even a lock file
    (tmp_path / "file").write_text("x")
    with pytest.raises(RoleqaError, match="is a file"):
        store.check_owned(tmp_path / "file")


def test_an_index_of_the_old_layout_is_replaced_not_refused(tmp_path):
    old = tmp_path / "ix"
    old.mkdir()
    (old / "manifest.json").write_text(json.dumps({"format": "roleqa-index", "format_version": 2}))
    (old / "passages.faiss").write_bytes(b"old")
    with pytest.raises(IndexUnusable, match="older roleqa"):
        read_index(old)
    write(old, 2)
    assert len(read_index(old).passages) == 2
    assert not (old / "manifest.json").exists() and not (old / "passages.faiss").exists()


def test_a_large_corpus_gets_an_approximate_index_that_finds_what_exact_search_finds(tmp_path, monkeypatch):
    import faiss

    from roleqa import index as index_module

    monkeypatch.setattr(index_module, "HNSW_FROM", 100)
    vectors = unit_rows(2000, d=32, seed=4)
    approximate = index_module.approximate_index(vectors)
    assert isinstance(approximate, faiss.IndexHNSWFlat)
    queries = unit_rows(50, d=32, seed=5)
    exact = np.argsort(-(queries @ vectors.T), axis=1)[:, :10]
    _, found = approximate.search(queries, 10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, exact)])
    assert recall >= 0.99


def test_from_hnsw_from_passages_the_vectors_live_in_an_hnsw_index_that_loads_and_searches(tmp_path, monkeypatch):
    from roleqa import index as index_module

    monkeypatch.setattr(index_module, "HNSW_FROM", 4)
    b = built(6)
    with writing(tmp_path / "ix", notify=lambda _: None) as writer:
        save(writer, b, {})
    files = set(read_manifest(version_dir(tmp_path / "ix"))["files"])
    assert files == set(index_module.HNSW_FILES) and "vectors.npy" not in files
    loaded = read_index(tmp_path / "ix")
    assert loaded.dense_vectors is None and loaded.approximate.ntotal == 6
    assert np.allclose(loaded.vectors(np.arange(6)), b.vectors, atol=1e-6)
    _, rows = loaded.approximate.search(b.vectors[2:3], 1)
    assert rows[0][0] == 2


def test_the_index_is_as_private_as_its_corpus(tmp_path):
    write(tmp_path / "private", 2, mode=0o700)
    write(tmp_path / "shared", 2, mode=0o755)
    for folder, dir_mode, file_mode in ((tmp_path / "private", 0o700, 0o600), (tmp_path / "shared", 0o755, 0o644)):
        assert stat.S_IMODE(folder.stat().st_mode) == dir_mode
        assert stat.S_IMODE(version_dir(folder).stat().st_mode) == dir_mode
        for path in [*version_dir(folder).iterdir(), folder / CURRENT, folder / ".build.lock"]:
            assert stat.S_IMODE(path.stat().st_mode) == file_mode, path


def test_the_umask_still_applies(tmp_path):
    old = os.umask(0o077)
    try:
        write(tmp_path / "ix", 2, mode=0o755)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "ix").stat().st_mode) == 0o700
    assert stat.S_IMODE((version_dir(tmp_path / "ix") / "passages.jsonl").stat().st_mode) == 0o600


def test_calibration_is_kept_across_rebuilds_for_the_same_model(tmp_path):
    folder = tmp_path / "ix"
    write(folder, 3, {"model": {"fingerprint": "m"}})
    assert read_calibration(folder, "m") is None
    fitted = {"slope": 4.0, "lexical": 1.5, "offset": -4.5, "threshold": 0.42}
    write_calibration(folder, "m", fitted, {"file": "x.jsonl"})
    assert read_calibration(folder, "m") == fitted
    write(folder, 4, {"model": {"fingerprint": "m"}})
    assert read_calibration(folder, "m") == fitted
    assert read_calibration(folder, "another") is None  # fitted on another model's scores
    # A curve fitted with the share of the question's words no passage has keeps its weight.
    write_calibration(folder, "m", fitted | {"unknown": -7.1}, {"file": "x.jsonl"})
    assert read_calibration(folder, "m") == fitted | {"unknown": -7.1}
    # So does one with the weight of the lead (a profile's or a hand-written one: config.curve_of).
    write_calibration(folder, "m", fitted | {"unknown": -7.1, "gap": 7.2}, {"file": "x.jsonl"})
    assert read_calibration(folder, "m") == fitted | {"unknown": -7.1, "gap": 7.2}


def test_section_sums_are_the_sums_of_their_rows_in_any_order():
    from roleqa.assemble import _sum_rows

    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(500, 8)).astype(np.float32)
    groups = rng.integers(0, 40, size=500)  # unsorted, some groups empty, some long
    groups[:100] = 7
    expected = np.zeros((45, 8))
    np.add.at(expected, groups, vectors.astype(np.float64))
    assert np.allclose(_sum_rows(vectors, groups, 45), expected, atol=1e-4)
    assert not _sum_rows(vectors[:0], groups[:0], 3).any()
