"""One settings object for the whole assistant: environment variables (``ASSISTANT_*``) plus arguments."""

from __future__ import annotations

import os
from pathlib import Path
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import AliasChoices, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from .answerers import NAMES as ANSWERER_NAMES
from .answerers import describe as describe_answerers

AnswererName = Literal[ANSWERER_NAMES]  # the registry's names (assistant/answerers.py)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_EMBEDDING_MODEL = "all-MiniLM-L6-v2"


def cache_dir(name: str) -> Path:
    """``$XDG_CACHE_HOME/assistant/<name>`` (``~/.cache/assistant/<name>``): where derived files are kept."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "assistant" / name


def _default_dir(name: str) -> Path:
    """``./name`` when the working directory has a corpus, else the folder beside the package (a source checkout)."""
    if (Path.cwd() / "corpus").is_dir():
        return Path.cwd() / name
    return PROJECT_ROOT / name


def _env(name: str, *former: str) -> AliasChoices:
    """The environment variables of a field that was renamed: ``ASSISTANT_<NAME>`` first, then its former names."""
    return AliasChoices(*(f"ASSISTANT_{n.upper()}" for n in (name, *former)))


class Settings(BaseSettings):
    """Everything that can be configured. Each field reads ``ASSISTANT_<FIELD>`` from the environment."""

    # validate_by_name: a field with an env alias (chat_port) is still set by its name in Python.
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="ignore", frozen=True, validate_by_name=True)

    corpus_dir: Path = Field(default_factory=lambda: _default_dir("corpus"),
                             description="Folder of source documents (the types in assistant.load.loaders.FORMATS).")
    index_dir: Path = Field(default_factory=lambda: _default_dir("index"),
                            description="Folder of the embedded Chroma store (ignored with chroma_url).")
    chroma_url: str | None = Field(None, description="http://host:port of a Chroma server instead of the embedded store.")
    collection: str = Field("corpus", description="Chroma collection name for chunks.")

    embedding_model: str = Field(DEFAULT_EMBEDDING_MODEL,
                                 description="Sentence-transformers model: the packaged name or a local folder.")
    embedding_batch_size: int = Field(32, ge=1, le=1024, description="Chunks encoded per batch at ingest.")

    chunk_size: int = Field(800, ge=100, le=8000, description="Maximum characters per chunk.")
    chunk_overlap: int = Field(120, ge=0, le=2000, description="Characters shared by neighbouring chunks.")
    max_file_bytes: int = Field(20_000_000, ge=1, description="Files larger than this are skipped at ingest.")

    top_k: int = Field(8, ge=1, le=50, description="Chunks handed to the answerer after fusion.")
    fetch_k: int = Field(20, ge=1, le=200, description="Candidates each retriever (vector, keyword) returns.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant.")

    min_similarity: float = Field(0.22, ge=-1, le=1,
                                  description="Below this best cosine similarity and with weak keyword overlap, abstain as off-topic.")
    max_question_chars: int = Field(2000, ge=10, description="Longer questions are refused.")
    lock_timeout: float = Field(30.0, ge=0, description="Seconds a writer waits for another writer's lock on the index.")

    # --- answering: which backend writes the answer (issue 3) -------------------------------------------------
    llm: AnswererName = Field(  # type: ignore[valid-type]
        "llamacpp", description=f"Who writes answers: {describe_answerers()}.")
    llm_model: str = Field("qwen2.5-1.5b", description="Model for llamacpp: 'qwen2.5-1.5b' (Qwen2.5-Coder-1.5B-"
                                                       "Instruct, the 'qwen' extra), 'qwen2.5-0.5b' (the 'qwen-small' "
                                                       "extra), 'smollm2' (SmolLM2-135M, in the llamacpp extra) or the "
                                                       "path of a GGUF file.")
    llm_model_path: Path | None = Field(None, description="GGUF file for llamacpp; when set it wins over llm_model.")
    llm_context: int = Field(2048, ge=512, description="Context window (tokens) for llamacpp; the evidence prompt "
                                                       "and answer need about 1,400.")
    llm_threads: int = Field(2, ge=1, description="CPU threads for llamacpp.")
    openai_base_url: str | None = Field(None, description="Base URL of an OpenAI-compatible server, e.g. "
                                                          "http://127.0.0.1:11434/v1 (Ollama).")
    openai_model: str = Field("default", description="Model name the OpenAI-compatible server serves.")
    openai_api_key: str | None = Field(None, description="API key for the server, if it needs one.")
    llm_timeout: float = Field(60.0, gt=0, description="Seconds to wait for the model server before failing.")
    llm_max_tokens: int = Field(384, ge=16, description="Most tokens a generated answer may use.")
    llm_temperature: float = Field(0.0, ge=0, le=2, description="Sampling temperature for generated answers.")
    llm_sources: int = Field(8, ge=1, le=50, description="Top retrieved passages (chunks) whose units, and whose "
                                                          "documents' best units, the model may be shown.")
    llm_reply_cache: Path | None = Field(None, description="Folder replaying model replies by exact request (for "
                                                           "re-running an eval after a change past the model); off "
                                                           "by default.")
    llm_units: int = Field(10, ge=1, le=40, description="Most evidence units (sentences, list items) shown to the "
                                                         "model, numbered; fewer keeps CPU models fast.")
    llm_evidence_chars: int = Field(2400, ge=200, le=20000, description="Characters of evidence shown to the model "
                                                                        "(prompt evaluation on 2 CPU cores runs at "
                                                                        "~70 tokens/s: 100 tokens cost ~1.4 s).")
    llm_layout: Literal["units", "passages"] = Field(
        "passages", description="What the model reads: 'passages' (the top retrieved chunks read whole, every unit "
                             "numbered) or 'units' (the best-scored units wherever they are).")
    llm_evidence_reserve: float = Field(0.0, ge=0, le=1, description="Share of the evidence characters kept from "
                                                                     "the top chunks for units that hold a question "
                                                                     "word no shown chunk holds (layout 'passages'): "
                                                                     "a long table's row, a sentence pages away. Off "
                                                                     "by default: it raised evidence recall but not "
                                                                     "the model's answers (bench/README.md).")
    source_authority: Path | None = Field(None, description="JSON file of how much each document kind (front-matter "
                                                            "'kind') weighs when sources disagree, 0-3 (default: the "
                                                            "packaged assistant/answer/authority.json).")
    keep_disagreement: bool = Field(True, description="When the passages disagree on the value asked, or one "
                                                      "corrects another, answer with both sides instead of asking "
                                                      "the model for one value.")

    # --- embedding backend (issue 7) ----------------------------------------------------------------------------
    embedding_backend: Literal["torch", "onnx"] = Field(
        "onnx", description="Encoder runtime: 'onnx' (the model exported once, int8, run without torch) or 'torch' "
                            "(sentence-transformers). An index refuses the backend it was not built with.")
    onnx_quantization: Literal["int8", "fp32"] = Field(
        "int8", description="Weights of the ONNX encoder: 'int8' (dynamic quantisation) or 'fp32' (exact export).")
    encoder_cache_dir: Path | None = Field(
        None, description="Where the ONNX export is cached (default: ~/.cache/assistant/encoders).")
    embedding_threads: int = Field(2, ge=1, le=64, description="CPU threads of the ONNX encoder.")
    keyword_cache_dir: Path | None = Field(
        None, description="Where the BM25 index of a large store is kept between processes "
                          "(default: ~/.cache/assistant/keyword).")
    keyword_cache_min_chunks: int = Field(
        20_000, ge=0, description="Stores with at least this many chunks keep their BM25 index on disk (0: never).")
    eval_index_dir: Path | None = Field(
        None, description="Where `assistant eval --corpus` keeps the index of each shared corpus' eval subset, one "
                          "folder per content hash (default: ~/.cache/assistant/eval-index).")

    # --- the chat (issue 4) ------------------------------------------------------------------------------------
    chat_host: str = Field("127.0.0.1", description="Address the chat listens on; 127.0.0.1 serves this machine "
                                                    "only.")
    chat_port: int = Field(7860, ge=1, le=65535, validation_alias=_env("chat_port", "ui_port"),
                           description="Port the chat listens on (`assistant chat --port` overrides it; the old name "
                                       "ASSISTANT_UI_PORT is still read).")
    chat_concurrency: int = Field(4, ge=1, le=64, description="Questions the chat answers at once; the rest wait in "
                                                               "the queue.")
    chat_max_queue: int = Field(64, ge=1, description="Requests that may wait for an answer; beyond this the chat "
                                                       "refuses them with 'queue full'.")
    chat_auth: str | None = Field(None, validation_alias=_env("chat_auth", "ui_auth"),
                                  description="'user:password' to require a login in the chat (the old name "
                                              "ASSISTANT_UI_AUTH is still read).")
    feedback_path: Path = Field(default_factory=lambda: _default_dir("feedback.jsonl"),
                                description="JSONL file that thumbs up/down feedback is appended to.")
    upload_max_bytes: int = Field(10_000_000, ge=1, description="Largest file the chat accepts as an upload.")

    # --- the OpenAI-compatible API (`assistant serve`) ------------------------------------------------------------
    api_host: str = Field("127.0.0.1", description="Address `assistant serve` listens on; any other than a loopback "
                                                   "address needs ASSISTANT_API_KEY.")
    api_port: int = Field(8642, ge=1, le=65535, description="Port `assistant serve` listens on (`--port` overrides "
                                                            "it).")
    api_key: str | None = Field(None, description="One or more keys (comma-separated) a client must send as "
                                                  "`Authorization: Bearer KEY`; unset: no key is asked for (loopback "
                                                  "only).")
    api_model: str = Field("assistant", min_length=1, description="The one model name /v1/models lists and requests "
                                                                  "must name.")
    api_concurrency: int = Field(4, ge=1, le=64, description="Questions the API answers at once (threads); the rest "
                                                             "wait in the queue.")
    api_max_queue: int = Field(64, ge=0, description="Requests that may wait for a free thread; beyond this the API "
                                                     "answers 429 with Retry-After.")
    api_max_request_bytes: int = Field(1_000_000, ge=1000, description="Largest request body the API reads; a larger "
                                                                       "one is refused (400).")
    api_cors_origins: str | None = Field(None, description="Comma-separated browser origins allowed to call the API "
                                                           "(CORS), or `*`; unset: CORS is off.")
    api_source_events: bool = Field(False, description="Stream each source as an Open WebUI `source` event (its "
                                                       "citation chips) unless a request says otherwise.")

    # --- scale and robustness (issue 6) -------------------------------------------------------------------------
    chroma_timeout: float = Field(30.0, gt=0, description="Seconds to wait for a Chroma server's reply before "
                                                         "failing (connect, read and write).")
    pdf_timeout: float = Field(30.0, gt=0, description="Seconds a PDF may take to parse (in a child process) "
                                                      "before it is skipped.")
    pdf_max_memory_mb: int = Field(1024, ge=128, description="Address space (MB) the PDF-parsing child process "
                                                             "may use; a PDF bomb is skipped instead of exhausting RAM.")


def env_names(field: str, model: type[BaseSettings] | None = None) -> list[str]:
    """The environment variables that set ``field`` (of ``model``, default Settings): ``ASSISTANT_<FIELD>``, then any
    former name it still reads."""
    alias = (model or Settings).model_fields[field].validation_alias
    return list(alias.choices) if isinstance(alias, AliasChoices) else [f"ASSISTANT_{field.upper()}"]  # type: ignore


def load_settings(**overrides: object) -> Settings:
    """Settings from the ``ASSISTANT_*`` variables and ``overrides`` (None values are left out), or AssistantError
    naming the first bad setting and its variable in one line."""
    from .errors import AssistantError

    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"]) or "settings"
        field = next((f for f in Settings.model_fields if loc == f or loc in env_names(f)), loc)  # a name or alias
        where = " or ".join(env_names(field)) if field in Settings.model_fields else loc
        raise AssistantError(f"invalid setting {field} ({where}): {first['msg']}") from exc


# --- the README's configuration table, generated from the fields above (``make readme``) ------------------------
TABLE_START = "<!-- settings table: generated from assistant/settings.py by `make readme`; do not edit by hand -->"
TABLE_END = "<!-- end of the settings table -->"
_TYPE_NAMES = {str: "text", int: "integer", float: "number", bool: "true or false", Path: "path"}
_BOUNDS = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<"}


def _type_text(field: Any) -> str:
    """The field's type for a user: ``integer, 1 to 1024``, ``one of `int8`, `fp32```, ``path (optional)``."""
    annotation, optional = field.annotation, False
    if get_origin(annotation) in (Union, UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        optional, annotation = len(args) < len(get_args(annotation)), args[0]
    if get_origin(annotation) is Literal:
        text = "one of " + ", ".join(f"`{choice}`" for choice in get_args(annotation))
    else:
        text = _TYPE_NAMES.get(annotation, getattr(annotation, "__name__", str(annotation)))
    bounds = {key: getattr(m, key) for m in field.metadata for key in _BOUNDS if hasattr(m, key)}
    if "ge" in bounds and "le" in bounds:
        text += f", {bounds['ge']} to {bounds['le']}"
    elif bounds:
        text += ", " + " and ".join(f"{_BOUNDS[key]} {value}" for key, value in bounds.items())
    return text + (" (optional)" if optional else "")


def _shown(value: Any) -> str:
    """A default as a user reads it: paths relative to the working or project folder (``./corpus``), so the table is
    the same on every machine."""
    if value is None:
        return "unset"
    if isinstance(value, Path):
        for base in (Path.cwd(), PROJECT_ROOT):
            if value.is_relative_to(base):
                return f"`./{value.relative_to(base).as_posix()}`"
    return f"`{value}`"


def markdown_table(model: type[BaseSettings] | None = None) -> str:
    """Every field of ``model`` (default: Settings) as a row of a Markdown table: its variable(s), type, default and
    description. A new field needs nothing here: it appears in the table once it has a description."""
    model = model or Settings
    rows = ["| variable | type | default | meaning |", "|---|---|---|---|"]
    for name, field in model.model_fields.items():
        default = field.default_factory() if field.default_factory else field.default  # type: ignore[call-arg]
        variables = " or ".join(f"`{env}`" for env in env_names(name, model))
        cells = [variables, _type_text(field), _shown(default), field.description or ""]
        rows.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(rows) + "\n"


def readme_with_table(text: str) -> str:
    """``text`` (a README) with the lines between TABLE_START and TABLE_END replaced by ``markdown_table()``."""
    start, end = text.find(TABLE_START), text.find(TABLE_END)
    if start < 0 or end < start:
        raise ValueError(f"the README has no settings table: put the lines {TABLE_START!r} and {TABLE_END!r} in it")
    return text[: start + len(TABLE_START)] + "\n" + markdown_table() + text[end:]


def _main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m assistant.settings", description="The settings' documentation.")
    parser.add_argument("--markdown", action="store_true", help="Print the configuration table as Markdown.")
    parser.add_argument("--readme", type=Path, metavar="PATH", help="Rewrite the table between the markers in PATH.")
    args = parser.parse_args(argv)
    if args.readme:
        old = args.readme.read_text(encoding="utf-8")
        new = readme_with_table(old)
        if new != old:
            args.readme.write_text(new, encoding="utf-8")
        print(f"{args.readme}: settings table {'rewritten' if new != old else 'already up to date'}")
    if args.markdown or not args.readme:
        print(markdown_table(), end="")


if __name__ == "__main__":
    _main()
