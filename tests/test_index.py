import json

import numpy as np
import pytest

from roleqa.chunking import Passage
from roleqa.errors import RoleqaError
from roleqa.index import (
    IndexUnusable,
    Vectors,
    read_calibration,
    read_index,
    read_manifest,
    write_calibration,
    write_index,
)


def passages(n):
    return [Passage(f"d#s-{i}", "d.md", "T", "S", "article", f"text {i}") for i in range(n)]


def vectors(n, rows=None):
    """Random unit vectors for n one-sentence passages (rows overrides the passage vectors' count)."""
    return Vectors(unit_rows(rows or n), unit_rows(n, seed=1), unit_rows(n, seed=2), unit_rows(n, seed=3))


def write(dest, n, manifest=None, rows=None):
    return write_index(dest, passages(n), vectors(n, rows), manifest or {})


def unit_rows(n, d=8, seed=0):
    v = np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_save_and_load_round_trip(tmp_path):
    ps, v = passages(5), vectors(5)
    written = write_index(tmp_path / "ix", ps, v, {"model": {"fingerprint": "m"}})
    loaded = read_index(tmp_path / "ix")
    assert loaded.passages == ps
    assert written.manifest == loaded.manifest
    m = loaded.manifest
    assert m["format"] == "roleqa-index" and m["format_version"] == 2
    assert m["dimension"] == 8 and m["passages"] == 5 and m["model"] == {"fingerprint": "m"}
    assert np.allclose(loaded.passage_vectors.reconstruct_n(0, 5), v.passages)
    assert np.allclose(loaded.heading_vectors.reconstruct_n(0, 5), v.headings)
    assert np.allclose(loaded.section_vectors.reconstruct_n(0, 5), v.sections)
    assert np.allclose(loaded.sentence_vectors, v.sentences)
    assert loaded.sentence_rows == [range(i, i + 1) for i in range(5)]
    assert m["encoder"] is None
    assert sorted(p.name for p in (tmp_path / "ix").iterdir()) == [
        "headings.faiss",
        "manifest.json",
        "passages.faiss",
        "passages.jsonl",
        "sections.faiss",
        "sentences.faiss",
    ]


def test_rebuild_replaces_and_leaves_no_temporary_folders(tmp_path):
    write(tmp_path / "ix", 3)
    write(tmp_path / "ix", 4)
    assert len(read_index(tmp_path / "ix").passages) == 4
    assert [p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")] == ["ix"]


def test_a_failed_write_keeps_the_previous_index(tmp_path):
    write(tmp_path / "ix", 3)
    with pytest.raises(ValueError):
        write(tmp_path / "ix", 3, rows=2)
    assert len(read_index(tmp_path / "ix").passages) == 3
    assert [p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")] == ["ix"]


def test_damage_is_detected(tmp_path):
    write(tmp_path / "ix", 3)
    f = tmp_path / "ix" / "passages.faiss"
    f.write_bytes(f.read_bytes()[:-10])
    with pytest.raises(IndexUnusable, match="checksum"):
        read_index(tmp_path / "ix")


def test_missing_garbled_and_newer_manifests_are_unusable(tmp_path):
    with pytest.raises(IndexUnusable, match="no index"):
        read_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(IndexUnusable, match="unreadable"):
        read_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"format": "roleqa-index", "format_version": 99}))
    with pytest.raises(IndexUnusable, match="format version 99"):
        read_manifest(tmp_path)


def test_a_folder_with_other_files_is_never_replaced(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(RoleqaError, match="not empty"):
        write(tmp_path, 2)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_calibration_is_kept_across_rebuilds_for_the_same_model(tmp_path):
    index = write(tmp_path / "ix", 3, {"model": {"fingerprint": "m"}})
    assert read_calibration(index) is None
    fitted = {"slope": 4.0, "offset": -4.5, "threshold": 0.42}
    write_calibration(index, fitted, {"file": "x.jsonl"})
    assert read_calibration(read_index(tmp_path / "ix")) == fitted
    write(tmp_path / "ix", 4, {"model": {"fingerprint": "m"}})
    assert read_calibration(read_index(tmp_path / "ix")) == fitted
    write(tmp_path / "ix", 4, {"model": {"fingerprint": "another"}})
    assert read_calibration(read_index(tmp_path / "ix")) is None  # fitted on another model's scores
