"""The ONNX embedding backend: vectors close to torch's, a cached export safe under concurrent processes, indexes
that refuse the other backend, a question path that never imports torch, and answers that stay right."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant import ask
from assistant.index.chunking import split
from assistant.index.embeddings import dimension, embeddings_for, get_embeddings, model_path, switch_hint
from assistant.errors import IndexMismatchError
from assistant.index.ingest import ingest
from assistant.load.loaders import discover, load
from assistant.index.onnx_encoder import cache_key, default_cache_dir, ensure_encoder
from assistant.settings import DEFAULT_EMBEDDING_MODEL, Settings
from assistant.index.store import IndexStore, open_client

from conftest import CORPUS, TINY_DOCUMENTS

HEAVY = ("torch", "transformers", "sentence_transformers", "langchain_huggingface", "gradio")


def _onnx(settings: Settings) -> Settings:
    return settings.model_copy(update={"embedding_backend": "onnx"})


def _torch(settings: Settings) -> Settings:
    return settings.model_copy(update={"embedding_backend": "torch"})


def _store(settings: Settings) -> IndexStore:
    embeddings = embeddings_for(settings)
    return IndexStore(settings, embeddings, dimension(embeddings))


def _corpus_texts() -> list[str]:
    files, _ = discover([CORPUS], CORPUS)
    return [c.text for f in files for c in split(load(f, 10**8), 800, 120)]


def _run(code: str, settings: Settings, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full = dict(os.environ, ASSISTANT_CORPUS_DIR=str(settings.corpus_dir), ASSISTANT_INDEX_DIR=str(settings.index_dir),
                ASSISTANT_EMBEDDING_BACKEND=settings.embedding_backend, **(env or {}))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=full, timeout=300)


def _cli_modules(settings: Settings, *args: str) -> tuple[subprocess.CompletedProcess, set[str]]:
    """Run the CLI in a fresh interpreter; return its result and which heavy top-level modules it imported."""
    code = ("import json, sys\n"
            "from assistant.cli import main\n"
            "code = 0\n"
            "try:\n"
            f"    main({list(args)!r})\n"
            "except SystemExit as exc:\n"
            "    code = exc.code\n"
            "mods = sorted({m.split('.')[0] for m in sys.modules})\n"
            "print('MODULES ' + json.dumps(mods), file=sys.stderr)\n"
            "sys.exit(code)\n")
    result = _run(code, settings)
    line = next(x for x in result.stderr.splitlines() if x.startswith("MODULES "))
    return result, set(json.loads(line[len("MODULES "):]))


# -- the encoder -------------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_onnx_vectors_are_close_to_torch_on_real_text():
    texts = _corpus_texts() + ["When is the deadline for the negotiations?", "Who is the Secretary of Commerce?",
                               "What share of rare earth processing did China control?"]
    torch_vectors = np.array(get_embeddings(DEFAULT_EMBEDDING_MODEL, "torch").embed_documents(texts))
    onnx = get_embeddings(DEFAULT_EMBEDDING_MODEL, "onnx")
    onnx_vectors = np.array(onnx.embed_documents(texts))
    assert onnx_vectors.shape == torch_vectors.shape == (len(texts), dimension(onnx))
    assert np.allclose(np.linalg.norm(onnx_vectors, axis=1), 1.0, atol=1e-4)
    cosine = (onnx_vectors * torch_vectors).sum(axis=1)
    assert cosine.min() > 0.9 and cosine.mean() > 0.97, (cosine.min(), cosine.mean())
    # Alone or in a batch, a text gets (nearly) the same vector: int8 activations are scaled per batch, so the
    # batch's other texts shift it slightly, never in meaning.
    assert float(np.dot(onnx.embed_query(texts[3]), onnx_vectors[3])) > 0.98
    assert np.array_equal(onnx.encode(texts[:5]), onnx.encode(texts[:5]))  # deterministic for the same batch
    assert onnx.embed_documents([]) == []


@pytest.mark.slow
def test_texts_encoded_two_at_once_get_the_vectors_they_get_alone_on_two_threads():
    """int8 batches of one run two at once, one thread each: each text gets the vector that a run of it alone
    on a two-thread session (how indexes were built before) gives it, bit for bit, in the order of the texts."""
    from assistant.index.onnx_encoder import OnnxEmbeddings

    encoder = ensure_encoder(model_path(DEFAULT_EMBEDDING_MODEL), default_cache_dir(), "int8")
    texts = _corpus_texts()[:30] + ["When is the deadline for the negotiations?", "Who?", "a " * 300]
    together = OnnxEmbeddings(encoder, threads=2, batch_size=1)
    alone = OnnxEmbeddings(encoder, threads=2, batch_size=32)  # one session on two threads; each text a batch of one
    want = np.stack([alone.encode([t])[0] for t in texts])
    assert np.array_equal(together.encode(texts), want)
    assert np.array_equal(np.array(together.embed_documents(texts[:2])), want[:2])
    assert np.array_equal(np.array(together.embed_query(texts[0])), want[0])


@pytest.mark.slow
def test_a_session_that_cannot_be_built_fails_the_first_encode(tmp_path):
    """The session is built on a thread of its own; what building it raised is raised where it is first used."""
    import dataclasses
    import shutil

    from assistant.index.onnx_encoder import OnnxEmbeddings

    encoder = ensure_encoder(model_path(DEFAULT_EMBEDDING_MODEL), default_cache_dir(), "int8")
    shutil.copy(encoder.tokenizer_file, tmp_path / "tokenizer.json")
    (tmp_path / "model.onnx").write_bytes(b"not an onnx graph")
    broken = OnnxEmbeddings(dataclasses.replace(encoder, folder=tmp_path), threads=2, batch_size=1)
    for _ in range(2):
        with pytest.raises(Exception, match="(?i)protobuf|parse|load|invalid"):
            broken.embed_query("When is the deadline?")


@pytest.mark.slow
def test_export_is_deterministic_and_safe_for_concurrent_processes(tmp_path):
    shared = get_embeddings(DEFAULT_EMBEDDING_MODEL, "onnx").encoder_id  # exported earlier into the user cache
    cache = tmp_path / "encoders"
    code = ("import sys\n"
            "from pathlib import Path\n"
            "from assistant.index.embeddings import model_path\n"
            "from assistant.index.onnx_encoder import ensure_encoder\n"
            "print(ensure_encoder(model_path('all-MiniLM-L6-v2'), Path(sys.argv[1])).encoder_id)\n")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(cache)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=600) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in outputs]
    ids = {out.strip() for out, _ in outputs}
    assert ids == {shared}, ids  # both processes got one export, identical to one made elsewhere
    folders = [p for p in cache.iterdir() if p.is_dir()]
    assert [p.name for p in folders] == [cache_key(model_path(DEFAULT_EMBEDDING_MODEL), "int8")]  # no temp leftovers
    assert sorted(p.name for p in folders[0].iterdir()) == ["manifest.json", "model.onnx", "tokenizer.json"]
    # Reopening reads the cache and exports nothing.
    mtime = (folders[0] / "model.onnx").stat().st_mtime_ns
    assert ensure_encoder(model_path(DEFAULT_EMBEDDING_MODEL), cache).encoder_id == shared
    assert (folders[0] / "model.onnx").stat().st_mtime_ns == mtime


def test_default_cache_dir_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "assistant" / "encoders"


def test_switch_hint_names_the_settings_of_the_index():
    torch_ = ("torch", "sentence-transformers")
    int8, fp32 = ("onnx", "onnx-int8-0123456789ab"), ("onnx", "onnx-fp32-ba9876543210")
    assert switch_hint(torch_, int8) == "set ASSISTANT_EMBEDDING_BACKEND=torch "
    assert switch_hint(fp32, int8) == \
        "set ASSISTANT_EMBEDDING_BACKEND=onnx and ASSISTANT_ONNX_QUANTIZATION=fp32 "
    assert switch_hint(("onnx", "onnx-int8-ffffffffffff"), int8) == ""  # same settings: only a rebuild helps


# -- the index records the backend ----------------------------------------------------------------------------------

@pytest.mark.slow
def test_index_built_with_one_backend_refuses_the_other(tiny_settings):
    onnx, torch_ = _onnx(tiny_settings), _torch(tiny_settings)
    ingest(settings=onnx, progress=False)
    store = _store(onnx)
    count = store.count()
    meta = open_client(onnx).get_collection(onnx.collection).metadata
    assert meta["embedding_backend"] == "onnx"
    assert re.fullmatch(r"onnx-int8-[0-9a-f]{12}", meta["embedding_encoder"])

    with pytest.raises(IndexMismatchError) as info:
        _store(torch_)
    message = str(info.value)
    assert "'onnx' embedding backend" in message and "ask for 'torch'" in message and "\n" not in message
    assert "ASSISTANT_EMBEDDING_BACKEND=onnx" in message and "ingest --rebuild" in message
    with pytest.raises(IndexMismatchError):
        ingest(settings=torch_, progress=False)  # ingest refuses too, and writes nothing
    assert _store(onnx).count() == count

    # Rebuilding switches the index to torch; then the onnx backend is the one refused.
    report = ingest(settings=torch_, rebuild=True, progress=False)
    assert report.documents == 3
    assert open_client(torch_).get_collection(torch_.collection).metadata["embedding_backend"] == "torch"
    with pytest.raises(IndexMismatchError) as info:
        _store(onnx)
    assert "ASSISTANT_EMBEDDING_BACKEND=torch" in str(info.value)


# -- the question path ----------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_cold_question_with_onnx_imports_no_torch(tiny_settings):
    settings = _onnx(tiny_settings)
    ingest(settings=settings, progress=False)
    result, modules = _cli_modules(settings, "ask", "How long will the Heron Bridge be closed to cars?")
    assert result.returncode == 0, result.stderr
    assert "eleven weeks" in result.stdout and "bridge-repair.md" in result.stdout, result.stdout
    assert {"onnxruntime", "chromadb"} <= modules
    assert not modules & set(HEAVY), modules & set(HEAVY)

    result, modules = _cli_modules(settings, "sources")
    assert result.returncode == 0 and "3 documents" in result.stdout, result.stderr
    assert not modules & set(HEAVY), modules & set(HEAVY)


@pytest.mark.parametrize("args", [("--help",), ("ask", ""), ("ask", "   "), ("ask", "--history", "/nonexistent", "x")])
def test_help_and_error_paths_import_no_model_store_or_ui(tiny_settings, args):
    result, modules = _cli_modules(_onnx(tiny_settings), *args)
    assert result.returncode == 0 if args == ("--help",) else result.returncode != 0
    assert not modules & {"torch", "chromadb", "gradio", "onnxruntime", "transformers", "langchain_core"}, modules
    assert not Path(tiny_settings.index_dir).exists()  # nothing was opened or created


@pytest.mark.slow
def test_answers_stay_correct_with_the_onnx_backend(tiny_settings):
    settings = _onnx(tiny_settings)
    answer = ask("How long will the Heron Bridge be closed to cars?", settings=settings)
    assert not answer.abstained and "eleven weeks" in answer.text, answer.text
    assert {c.source for c in answer.citations} == {"bridge-repair.md"}
    # the stored text is the cleaned one (hard wraps joined): the quote is that source's words, in order
    assert all(" ".join(c.quote.split()) in " ".join(TINY_DOCUMENTS[c.source].split()) for c in answer.citations)

    answer = ask("By what percentage will household water use be cut?", settings=settings)
    assert "18 percent" in answer.text.split("\n")[0] and answer.citations[0].source == "water-budget.md", answer.text

    answer = ask("What is the capital of France?", settings=settings)
    assert answer.abstained and answer.text.startswith("The sources don't"), answer.text
    assert answer.meta["retrieved"]  # it searched (with onnx vectors) and still abstained


@pytest.mark.slow
def test_real_corpus_key_facts_with_the_onnx_backend(tmp_path):
    settings = Settings(corpus_dir=CORPUS, index_dir=tmp_path / "index", embedding_backend="onnx")
    for question, expected in [("When is the deadline for the negotiations?", r"July 13, 2026"),
                               ("How many days do trading partners have to reach agreements?", r"\b180\b"),
                               ("Who is the Secretary of Commerce?", r"Lutnick"),
                               ("Which Foreign Ministry spokesperson responded to the G7 statement?", r"Mao Ning")]:
        answer = ask(question, settings=settings)
        assert not answer.abstained and re.search(expected, answer.text.split("\n")[0]), (question, answer.text)
        assert any(re.search(expected.replace(", 2026", ""), c.quote) for c in answer.citations), answer.text
