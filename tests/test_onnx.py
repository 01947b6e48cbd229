"""The torch-free engine (the model exported once to the cache) gives the reference vectors and
answers, builds and queries without torch, and falls back cleanly."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from roleqa.answer import Answerer
from roleqa.checksums import sha256_file
from roleqa.cli import app
from roleqa.embedding import SentenceTransformerEncoder, default_model_path
from roleqa.evaluate import load_labelled
from roleqa.index import read_index
from roleqa.onnx_encoder import (
    ENCODER_FILE,
    ENTRY_FILE,
    WEIGHTS_FILE,
    EncoderUnavailable,
    encoder_folder,
    export_to_cache,
    load_onnx_encoder,
)

from .conftest import CACHE, DATA, EXE, SALARY, SALARY_ID, clean_env

EVAL = load_labelled(DATA / "eval.jsonl")


def varied_texts(index) -> list[str]:
    """Over 100 texts: the eval questions, every passage, and awkward cases."""
    article = " ".join(p.text for p in index.passages)
    awkward = [
        "",
        " ",
        "?",
        "ML",
        "DATA SCIENTIST VS MACHINE LEARNING ENGINEER: WHO EARNS MORE?",
        "what do data scientists do " * 80,  # far past the 256-token limit
        article,  # the whole article, truncated by both engines the same way
        "Café, naïve, façade, Ångström, jalapeño",
        "数据科学家和机器学习工程师有什么区别？",
        "مهندس التعلم الآلي",
        "Ｆｕｌｌｗｉｄｔｈ ｔｅｘｔ and ﬁ ligatures",
        "zero\u200bwidth\u200d joiners and e\u0301 combining marks",
        "emoji 🤖📊🧠 in a question?",
        "tabs\tand\nnewlines\r\nand  double  spaces",
        "A/B testing, Ph.D., C++, scikit-learn, $150,000",
        "x" * 1000,
    ]
    return [i.question for i in EVAL] + [p.embed_text for p in index.passages] + awkward


def cached_encoder(index) -> Path:
    return encoder_folder(CACHE, index.model_fingerprint)


@pytest.fixture(scope="module")
def engines(shipped_index_dir):
    index = read_index(shipped_index_dir)
    onnx = load_onnx_encoder(cached_encoder(index), index.manifest["dimension"])
    return index, onnx, SentenceTransformerEncoder(default_model_path())


def test_the_model_is_exported_once_into_the_cache_not_into_the_index(shipped_index_dir):
    index = read_index(shipped_index_dir)
    folder = cached_encoder(index)
    entry = json.loads((folder / ENTRY_FILE).read_text())
    assert set(entry["files"]) == {ENCODER_FILE, WEIGHTS_FILE, "tokenizer.json"}
    for name, digest in entry["files"].items():
        assert sha256_file(folder / name) == digest
    assert entry["max_seq_length"] == 256 and entry["model_fingerprint"] == index.model_fingerprint
    assert list(CACHE.glob("encoders/*")) == [folder]  # one copy, shared by every index of this model
    in_index = {p.name for p in shipped_index_dir.rglob("*")}
    assert not in_index & {ENCODER_FILE, WEIGHTS_FILE, "tokenizer.json"}


def test_the_export_is_optimized_once_and_loads_without_optimizing_again(engines, tmp_path):
    import onnxruntime as ort

    index, onnx, _ = engines
    folder = cached_encoder(index)
    entry = json.loads((folder / ENTRY_FILE).read_text())
    assert entry["optimized_by"] == ort.__version__
    level = onnx.session.get_session_options().graph_optimization_level
    assert level == ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    # An export that does not say it was optimized (or by another version) is optimized at load, as before.
    older = tmp_path / "older"
    shutil.copytree(folder, older)
    (older / ENTRY_FILE).write_text(json.dumps({k: v for k, v in entry.items() if k != "optimized_by"}))
    again = load_onnx_encoder(older, index.manifest["dimension"])
    assert again.session.get_session_options().graph_optimization_level == ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    texts = varied_texts(index)[:20]
    assert np.allclose(again.embed_batch(texts), onnx.embed_batch(texts), atol=1e-6)


def test_same_vectors_as_sentence_transformers(engines):
    index, onnx, reference = engines
    texts = varied_texts(index)
    assert len(texts) >= 100
    batched = np.sum(onnx.embed_batch(texts) * reference.embed_batch(texts), axis=1)
    assert batched.min() >= 0.99999, [texts[i][:40] for i in np.flatnonzero(batched < 0.99999)]
    # One at a time too: no padding at all on the ONNX side.
    singles = [float(onnx.embed_batch([t])[0] @ reference.embed_batch([t])[0]) for t in texts[-16:]]
    assert min(singles) >= 0.99999
    assert onnx.embed_batch([]).shape == (0, index.manifest["dimension"])


def test_same_answers_on_the_whole_eval_set(engines):
    index, onnx, reference = engines
    questions = [i.question for i in EVAL]
    fast = Answerer(index, onnx).ask_many(questions, 5, 0.37)
    slow = Answerer(index, reference).ask_many(questions, 5, 0.37)
    for f, s in zip(fast, slow, strict=True):
        assert [h.passage.id for h in f.hits] == [h.passage.id for h in s.hits], f.question
        assert f.answered == s.answered
        assert [h.score for h in f.hits] == pytest.approx([h.score for h in s.hits], abs=1e-4)


def _private_cache(tmp_path: Path) -> Path:
    """A copy of the test cache (the exported model), for a test that damages it."""
    home = tmp_path / "cache-home"
    shutil.copytree(CACHE, home / "roleqa")
    return home


def _truncate_weights(dest: Path) -> None:
    with (dest / WEIGHTS_FILE).open("r+b") as f:
        f.truncate(1000)


def _flip_a_weight_byte(dest: Path) -> None:
    with (dest / WEIGHTS_FILE).open("r+b") as f:
        f.seek(5_000_000)
        byte = f.read(1)
        f.seek(5_000_000)
        f.write(bytes([byte[0] ^ 0xFF]))


def _garble_graph_keep_checksum(dest: Path) -> None:
    # A graph ONNX Runtime cannot parse, with an entry that vouches for it:
    # the loader must still refuse it, not crash.
    (dest / ENCODER_FILE).write_bytes(b"not an onnx graph")
    entry = json.loads((dest / ENTRY_FILE).read_text())
    entry["files"][ENCODER_FILE] = sha256_file(dest / ENCODER_FILE)
    (dest / ENTRY_FILE).write_text(json.dumps(entry))


DAMAGE = {
    "missing weights": (lambda d: (d / WEIGHTS_FILE).unlink(), "encoder.onnx.data is unreadable"),
    "truncated weights": (_truncate_weights, "encoder.onnx.data does not match its checksum"),
    "one flipped byte": (_flip_a_weight_byte, "encoder.onnx.data does not match its checksum"),
    "edited tokenizer": (lambda d: (d / "tokenizer.json").write_text("{}"), "tokenizer.json does not match"),
    "unparsable graph": (_garble_graph_keep_checksum, "it does not load"),
    "no encoder.json": (lambda d: (d / ENTRY_FILE).unlink(), "no exported copy of the model yet"),
}


@pytest.mark.parametrize("case", DAMAGE)
def test_a_damaged_encoder_is_refused_saying_why(shipped_index_dir, tmp_path, case):
    index = read_index(shipped_index_dir)
    damage, reason = DAMAGE[case]
    folder = tmp_path / "encoder"
    shutil.copytree(cached_encoder(index), folder)
    damage(folder)
    with pytest.raises(EncoderUnavailable, match=reason):
        load_onnx_encoder(folder, index.manifest["dimension"])


def test_a_damaged_encoder_falls_back_and_build_repairs_it(shipped_index_dir, tmp_path):
    home = _private_cache(tmp_path)
    index = read_index(shipped_index_dir)
    _flip_a_weight_byte(encoder_folder(home / "roleqa", index.model_fingerprint))
    env = {"NO_COLOR": "1", "XDG_CACHE_HOME": str(home)}

    def ask():
        return CliRunner().invoke(app, ["ask", "--json", "--index", str(shipped_index_dir), SALARY], env=env)

    r = ask()
    assert r.exit_code == 0, r.output
    notices = [line for line in r.output.splitlines() if line.startswith("roleqa:")]
    assert len(notices) == 1 and "does not match its checksum" in notices[0] and "roleqa build" in notices[0]
    assert json.loads(r.output.splitlines()[-1])["answers"][0]["id"] == SALARY_ID
    r = CliRunner().invoke(app, ["build", "--index", str(tmp_path / "ix")], env=env)
    assert r.exit_code == 0, r.output
    assert "exporting the model" in r.output
    load_onnx_encoder(encoder_folder(home / "roleqa", index.model_fingerprint))  # repaired
    r = ask()
    assert not [line for line in r.output.splitlines() if line.startswith("roleqa:")], r.output
    assert json.loads(r.output.splitlines()[-1])["answers"][0]["id"] == SALARY_ID


def test_without_onnxruntime_the_loader_says_so(shipped_index_dir, monkeypatch):
    index = read_index(shipped_index_dir)
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(EncoderUnavailable, match="onnxruntime is not installed"):
        load_onnx_encoder(cached_encoder(index), index.manifest["dimension"])


def _imported_modules(args: list[str], stdin: str | None = None) -> tuple[subprocess.CompletedProcess, set[str]]:
    """Run the installed console script, and the top-level packages it imported."""
    env = clean_env(PYTHONPROFILEIMPORTTIME="1")
    proc = subprocess.run([EXE, *args], input=stdin, capture_output=True, text=True, env=env, timeout=300)
    modules = set(re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s*([\w.]+)$", proc.stderr, re.MULTILINE))
    assert "roleqa.cli" in modules  # the import log was really captured
    return proc, {m.split(".")[0] for m in modules}


HEAVY = {"torch", "transformers", "sentence_transformers"}


def test_ask_on_a_built_index_never_imports_torch(shipped_index_dir):
    proc, top = _imported_modules(["ask", "--index", str(shipped_index_dir), SALARY])
    assert proc.returncode == 0
    assert proc.stdout.startswith("Machine learning engineers: Due to the technical expertise")
    assert not top & HEAVY
    assert "onnxruntime" in top
    assert "faiss" not in top  # exact search is one NumPy matrix product; FAISS only for HNSW


def test_chat_on_a_built_index_never_imports_torch(shipped_index_dir):
    proc, top = _imported_modules(["chat", "--index", str(shipped_index_dir)], stdin=SALARY + "\n")
    assert proc.returncode == 0
    assert proc.stdout.startswith("Machine learning engineers: Due to the technical expertise")
    assert not top & HEAVY


def test_help_imports_no_engine_at_all():
    _, top = _imported_modules(["--help"])
    assert not top & (HEAVY | {"onnxruntime", "faiss", "numpy", "tokenizers"})


def test_a_failed_export_leaves_no_encoder_file(tmp_path, monkeypatch):
    import roleqa.onnx_encoder as onnx_encoder

    def half_done(model, dest):
        (dest / onnx_encoder.TRACED_FILE).write_bytes(b"partial")
        (dest / ENCODER_FILE).write_bytes(b"partial")
        raise RuntimeError("disk trouble")

    monkeypatch.setattr(onnx_encoder, "_export", half_done)
    with pytest.raises(RuntimeError):
        export_to_cache(object(), tmp_path, "f" * 64)
    assert list((tmp_path / "encoders").iterdir()) == []


def test_a_build_with_the_model_exported_never_imports_torch(shipped_index_dir, tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text("# Bikes\n\nPump the tyres to four bar.\n")
    proc, top = _imported_modules(["build", "--corpus", str(notes), "--index", str(tmp_path / "ix")])
    assert proc.returncode == 0, proc.stderr
    assert not top & HEAVY
    (notes / "a.md").write_text("# Bikes\n\nPump the tyres to three bar.\n")  # an edit: rebuilt incrementally
    proc, top = _imported_modules(["ask", "--corpus", str(notes), "--index", str(tmp_path / "ix"), "tyre pressure"])
    assert proc.returncode == 0 and "three bar" in proc.stdout
    assert "building the index" in proc.stderr and not top & HEAVY
