"""The ``assistant`` command: output and options through click's runner; exit codes and one-line errors of the
installed entry point (and of the chat's launchers) in a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from assistant.answerers import NAMES
from assistant.cli import cli
from conftest import REPO, run_python

# The console script pip installed beside this interpreter (`python -m assistant` runs the same main where it is not).
SCRIPT = Path(sys.executable).with_name("assistant")
ENTRY_POINT = [str(SCRIPT)] if SCRIPT.is_file() else [sys.executable, "-m", "assistant"]


def invoke(settings, *args: str) -> Result:
    """The CLI in this process, on ``settings``' corpus and index."""
    return CliRunner().invoke(cli, ["--corpus-dir", str(settings.corpus_dir), "--index-dir", str(settings.index_dir),
                                    *args])


def run(command: list[str], settings=None, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = dict(os.environ)
    if settings is not None:
        full_env.update(ASSISTANT_CORPUS_DIR=str(settings.corpus_dir), ASSISTANT_INDEX_DIR=str(settings.index_dir))
    full_env.update(env or {})
    return subprocess.run(command, capture_output=True, text=True, env=full_env, timeout=300, cwd=REPO)


def test_help_lists_commands():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in ("ingest", "ask", "sources", "chat", "eval"):
        assert command in result.output
    ask_help = CliRunner().invoke(cli, ["ask", "--help"]).output
    assert "--top-k" in ask_help and all(name in ask_help for name in NAMES)


@pytest.mark.parametrize("args, env, fragment", [
    (("ask", ""), {}, "the question is empty"),
    (("ask", "   "), {}, "the question is empty"),
    (("sources",), {"ASSISTANT_TOP_K": "many"}, "invalid setting top_k (ASSISTANT_TOP_K)"),
    (("ask", "--history", "/nonexistent/history.json", "x"), {}, "history"),
    (("ask", "--answerer", "oracle", "x"), {}, "'oracle' is not one of 'llamacpp', 'extractive', 'openai'"),
    (("ask", "--top-k", "0", "x"), {}, "--top-k"),
    (("chat", "--port", "70000"), {}, "--port"),
])
def test_errors_of_the_installed_command_are_one_line_and_open_no_index(tiny_settings, args, env, fragment):
    result = run([*ENTRY_POINT, *args], settings=tiny_settings, env=env)
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and fragment in lines[0]
    assert "Traceback" not in result.stderr
    assert not Path(tiny_settings.index_dir).exists()  # bad input fails before the index is opened or built


@pytest.mark.parametrize("launcher", [[sys.executable, "-m", "assistant.chat"], [sys.executable, "ui.py"],
                                      [*ENTRY_POINT, "chat"]])
def test_the_chat_launchers_are_one_command(launcher):
    result = run([*launcher, "--help"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: assistant chat [OPTIONS]") and "--port" in result.stdout


@pytest.mark.slow
def test_ask_prints_answer_sources_and_query(corpus_settings):
    result = invoke(corpus_settings, "ask", "When is the deadline for the negotiations?")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("July 13, 2026")
    assert "Sources:" in result.stdout and "[1]" in result.stdout
    assert "Searched for: When is the deadline for the negotiations?" in result.stdout


@pytest.mark.slow
def test_ask_json_follows_the_contract(corpus_settings):
    result = invoke(corpus_settings, "ask", "--json", "Who is the Secretary of Commerce?")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"text", "citations", "abstained", "query"} <= set(data)
    assert "Lutnick" in data["text"] and data["abstained"] is False
    first = data["citations"][0]
    assert {"marker", "source", "title", "quote", "start", "end"} <= set(first)


@pytest.mark.slow
def test_ask_takes_the_answerer_and_number_of_sources_per_question(corpus_settings):
    question = "When is the deadline for the negotiations?"
    default = json.loads(invoke(corpus_settings, "ask", "--json", question).stdout)
    result = invoke(corpus_settings, "ask", "--json", "--answerer", "extractive", "--top-k", "2", question)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["meta"]["answerer"] == "extractive"
    assert len(data["meta"]["retrieved"]) == 2 < len(default["meta"]["retrieved"]) == corpus_settings.top_k
    assert data["citations"] and {c["source"] for c in data["citations"]} <= {r["source"] for r in
                                                                              data["meta"]["retrieved"]}


@pytest.mark.slow
def test_ask_with_history_file(corpus_settings, tmp_path):
    history = tmp_path / "history.json"
    history.write_text(json.dumps([{"role": "user", "content": "Who is the Secretary of Commerce?"},
                                   {"role": "assistant", "content": "Howard Lutnick [1]."}]))
    result = invoke(corpus_settings, "ask", "--json", "--history", str(history), "And the trade representative?")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    # the conversation's subject, never the previous answer's name, and the new role replaces the old one
    assert data["query"].startswith("And the trade representative?") and "Lutnick" not in data["query"]
    assert "Greer" in data["text"].split("\n")[0]


@pytest.mark.slow
def test_sources_lists_documents_with_chunk_counts(corpus_settings):
    result = invoke(corpus_settings, "sources", "--json")
    assert result.exit_code == 0, result.output
    docs = json.loads(result.stdout)
    names = {d["source"] for d in docs}
    assert "article.md" in names and len(names) >= 5
    assert all(d["chunks"] > 0 for d in docs)


@pytest.mark.slow
def test_ingest_twice_writes_nothing_the_second_time(tiny_settings):
    first = invoke(tiny_settings, "ingest", "--quiet")
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("indexed: 3 documents")
    second = invoke(tiny_settings, "ingest", "--quiet")
    assert second.exit_code == 0, second.output
    assert "nothing written" in second.stdout and "0 added / 0 removed" in second.stdout


@pytest.mark.slow
def test_ingest_reports_skipped_files(tiny_settings):
    (tiny_settings.corpus_dir / "broken.md").write_bytes(b"\x00\x01binary")
    result = invoke(tiny_settings, "ingest", "--quiet")
    assert result.exit_code == 0, result.output
    assert "skipped broken.md: binary content" in result.stderr
    assert "1 files skipped" in result.stdout


def test_the_program_freezes_the_collector_as_it_ends_and_an_in_process_call_does_not():
    """Run as the program (no argv), main freezes the objects left for the collections the interpreter runs at
    exit (``cli._ending``); called with argv (tests, other code), it leaves the caller's collector alone."""
    code = ("import atexit, gc, sys\n"
            "from assistant.cli import main\n"
            "try:\n"
            "    main(['--help'])\n"
            "except SystemExit:\n"
            "    pass\n"
            "assert gc.get_freeze_count() == 0, 'an in-process call froze the collector'\n"
            "atexit.register(lambda: print('frozen at exit:', gc.get_freeze_count() > 0))\n"
            "sys.argv = ['assistant', '--help']\n"
            "main()\n")
    done = run_python(code)
    assert done.returncode == 0, done.stderr
    assert "Usage:" in done.stdout and done.stdout.strip().endswith("frozen at exit: True"), done.stdout
