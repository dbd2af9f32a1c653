"""The ``assistant`` command, run as a real subprocess: exit codes, output, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def run(*args: str, settings=None, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = dict(os.environ)
    if settings is not None:
        full_env.update(ASSISTANT_CORPUS_DIR=str(settings.corpus_dir), ASSISTANT_INDEX_DIR=str(settings.index_dir))
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True,
                          env=full_env, timeout=300)


def test_help_lists_commands():
    result = run("--help")
    assert result.returncode == 0
    for command in ("ingest", "ask", "sources", "chat", "eval"):
        assert command in result.stdout


def test_ask_prints_answer_sources_and_query(corpus_settings):
    result = run("ask", "When is the deadline for the negotiations?", settings=corpus_settings)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("July 13, 2026")
    assert "Sources:" in result.stdout and "[1]" in result.stdout
    assert "Searched for: When is the deadline for the negotiations?" in result.stdout


def test_ask_json_follows_the_contract(corpus_settings):
    result = run("ask", "--json", "Who is the Secretary of Commerce?", settings=corpus_settings)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {"text", "citations", "abstained", "query"} <= set(data)
    assert "Lutnick" in data["text"] and data["abstained"] is False
    first = data["citations"][0]
    assert {"marker", "source", "title", "quote", "start", "end"} <= set(first)


def test_ask_with_history_file(corpus_settings, tmp_path):
    history = tmp_path / "history.json"
    history.write_text(json.dumps([{"role": "user", "content": "Who is the Secretary of Commerce?"},
                                   {"role": "assistant", "content": "Howard Lutnick [1]."}]))
    result = run("ask", "--json", "--history", str(history), "And the trade representative?",
                 settings=corpus_settings)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    # the conversation's subject, never the previous answer's name, and the new role replaces the old one
    assert data["query"].startswith("And the trade representative?") and "Lutnick" not in data["query"]
    assert "Greer" in data["text"].split("\n")[0]


@pytest.mark.parametrize("args, env, fragment", [
    (("ask", ""), {}, "the question is empty"),
    (("ask", "   "), {}, "the question is empty"),
    (("sources",), {"ASSISTANT_TOP_K": "many"}, "invalid setting top_k"),
    (("ask", "--history", "/nonexistent/history.json", "x"), {}, "history"),
])
def test_errors_are_one_line_without_traceback(corpus_settings, args, env, fragment):
    result = run(*args, settings=corpus_settings, env=env)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert fragment in lines[0]
    assert "Traceback" not in result.stderr


def test_sources_lists_documents_with_chunk_counts(corpus_settings):
    result = run("sources", "--json", settings=corpus_settings)
    assert result.returncode == 0, result.stderr
    docs = json.loads(result.stdout)
    names = {d["source"] for d in docs}
    assert "article.md" in names and len(names) >= 5
    assert all(d["chunks"] > 0 for d in docs)


def test_ingest_twice_writes_nothing_the_second_time(tiny_settings):
    first = run("ingest", "--quiet", settings=tiny_settings)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("indexed: 3 documents")
    second = run("ingest", "--quiet", settings=tiny_settings)
    assert second.returncode == 0, second.stderr
    assert "nothing written" in second.stdout and "0 added / 0 removed" in second.stdout


def test_ingest_reports_skipped_files(tiny_settings):
    (tiny_settings.corpus_dir / "broken.md").write_bytes(b"\x00\x01binary")
    result = run("ingest", "--quiet", settings=tiny_settings)
    assert result.returncode == 0, result.stderr
    assert "skipped broken.md: binary content" in result.stderr
    assert "1 files skipped" in result.stdout
