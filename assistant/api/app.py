"""The OpenAI-compatible HTTP API: ``GET /v1/models`` and ``POST /v1/chat/completions`` (plain or streamed as
server-sent events), answered by the same ``ask_stream`` as the chat, with its citations in every shape clients read.

Access: the keys of ``Settings.api_key`` as ``Authorization: Bearer``. Load: ``api_concurrency`` questions are
answered at once in a thread pool, ``api_max_queue`` more wait, and any beyond get 429 with Retry-After."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import math
import threading
import time
import uuid
from contextlib import asynccontextmanager
from concurrent.futures import ThreadPoolExecutor
from typing import Any, AsyncIterator

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import Answer, AssistantError, LLMUnavailableError, QuestionError, Settings, ask_stream
from . import sources
from .schema import APIError, ChatRequest, bad_request, parse_chat
from .streaming import Deltas

logger = logging.getLogger(__name__)

__all__ = ["create_app", "api_keys"]


def api_keys(value: str | None) -> list[str]:
    """The keys in ``Settings.api_key`` (comma-separated; blanks dropped)."""
    return [key.strip() for key in (value or "").split(",") if key.strip()]


def _origins(value: str | None) -> list[str]:
    return [origin.strip() for origin in (value or "").split(",") if origin.strip()]


class Gate:
    """Admission: at most ``running + waiting`` requests inside at once; the rest are refused (429). Used from the
    event loop only. Keeps a moving average of answer time to say when to retry."""

    def __init__(self, running: int, waiting: int) -> None:
        self.running = running
        self.limit = running + waiting
        self.inside = 0
        self.seconds = 1.0  # moving average of one answer's time

    def enter(self) -> None:
        if self.inside >= self.limit:
            retry = max(1, math.ceil(self.seconds * (self.inside - self.running + 1) / self.running))
            raise APIError(429, f"the server is busy: {self.inside} questions are being answered or waiting; "
                                f"retry in {retry} s", type_="rate_limit_error", code="rate_limit_exceeded",
                           headers={"Retry-After": str(retry)})
        self.inside += 1

    def leave(self, seconds: float | None = None) -> None:
        self.inside -= 1
        if seconds is not None:
            self.seconds = 0.8 * self.seconds + 0.2 * seconds


def _usage(answer: Answer) -> dict[str, int]:
    """Token counts of the model that wrote the answer (all 0 when no model read anything: the extractive answerer)."""
    llm = answer.meta.get("llm") or {}
    prompt, completion = int(llm.get("prompt_tokens") or 0), int(llm.get("completion_tokens") or 0)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _extras(answer: Answer) -> dict[str, Any]:
    """The top-level fields beyond OpenAI's: the structured citations and what was searched."""
    return {"sources": sources.source_objects(answer), "citations": sources.citation_list(answer),
            "search_results": sources.search_results(answer), "abstained": answer.abstained, "query": answer.query,
            "conflict": answer.conflict}


def _failure(exc: BaseException) -> APIError:
    """An error raised while answering, as the API reports it (one line; a bug's traceback goes to the log)."""
    if isinstance(exc, APIError):
        return exc
    if isinstance(exc, QuestionError):
        return bad_request(str(exc), "messages")
    if isinstance(exc, LLMUnavailableError):
        return APIError(503, str(exc), type_="server_error", code="model_unavailable")
    if isinstance(exc, AssistantError):
        return APIError(500, str(exc), type_="server_error")
    logger.error("answering failed", exc_info=exc)
    return APIError(500, "something went wrong while answering; the details are in the server log",
                    type_="server_error")


async def _read_json(request: Request, limit: int) -> Any:
    """The request body as JSON, read up to ``limit`` bytes, or APIError (400)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise bad_request(f"the request body is {int(declared):,} bytes; the limit is {limit:,}")
    body = bytearray()
    async for piece in request.stream():
        body += piece
        if len(body) > limit:
            raise bad_request(f"the request body is over the limit of {limit:,} bytes")
    try:
        return json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise bad_request(f"the request body is not JSON ({exc})") from None


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API app for ``settings`` (default: from the ``ASSISTANT_*`` variables). The index is opened on the first
    question (``server.serve`` opens it before listening)."""
    settings = settings or Settings()
    keys = [key.encode() for key in api_keys(settings.api_key)]
    gate = Gate(settings.api_concurrency, settings.api_max_queue)
    pool = ThreadPoolExecutor(max_workers=settings.api_concurrency, thread_name_prefix="assistant-api")
    started = int(time.time())
    model = settings.api_model

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        pool.shutdown(wait=False, cancel_futures=True)

    app = FastAPI(title="Research assistant API", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.settings = settings
    app.state.gate = gate
    origins = _origins(settings.api_cors_origins)
    if origins:
        app.add_middleware(CORSMiddleware, allow_origins=origins, allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type"])

    @app.exception_handler(APIError)
    async def refused(_: Request, err: APIError) -> JSONResponse:
        headers = dict(err.headers)
        if err.status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        return JSONResponse(err.body(), status_code=err.status, headers=headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, err: StarletteHTTPException) -> JSONResponse:
        where = f"{request.method} {request.url.path}"
        message = {404: f"{where} is not an endpoint of this server: use /v1/models and /v1/chat/completions",
                   405: f"{where}: the method is not allowed"}.get(err.status_code, str(err.detail))
        code = "not_found" if err.status_code == 404 else None
        body = APIError(err.status_code, message, code=code).body()
        return JSONResponse(body, status_code=err.status_code, headers=getattr(err, "headers", None))

    def authorize(request: Request) -> None:
        if not keys:
            return
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not given.strip():
            raise APIError(401, "no API key given: send it as 'Authorization: Bearer KEY'", code="invalid_api_key")
        token = given.strip().encode()
        if not any(hmac.compare_digest(token, key) for key in keys):
            raise APIError(401, "the API key is not valid", code="invalid_api_key")

    def model_card() -> dict[str, Any]:
        return {"id": model, "object": "model", "created": started, "owned_by": "assistant",
                "answerer": settings.llm}

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/v1/models")
    async def models(request: Request) -> dict[str, Any]:
        authorize(request)
        return {"object": "list", "data": [model_card()]}

    @app.get("/v1/models/{name}")
    async def one_model(name: str, request: Request) -> dict[str, Any]:
        authorize(request)
        if name != model:
            raise APIError(404, f"unknown model {name!r}; this server serves {model!r}", code="model_not_found")
        return model_card()

    async def answer_items(chat: ChatRequest) -> AsyncIterator[str | Answer]:
        """The items of ``ask_stream`` for ``chat``, produced in the pool's thread; the work stops at its next step
        when the consumer goes away (a client that disconnected)."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        stop = threading.Event()

        def put(kind: str, value: Any) -> None:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, (kind, value))
            except RuntimeError:  # the loop is closed: the server is shutting down
                stop.set()

        def work() -> None:
            steps = None
            try:
                steps = ask_stream(chat.question, chat.history, settings=settings, answerer=settings.llm)
                for item in steps:
                    if stop.is_set():
                        break
                    put("item", item)
            except BaseException as exc:  # noqa: BLE001 - handed to the request, which reports it
                put("error", exc)
            finally:
                if steps is not None and hasattr(steps, "close"):
                    steps.close()
                put("end", None)

        begun = time.perf_counter()
        gate.enter()
        try:
            future = loop.run_in_executor(pool, work)
        except RuntimeError:
            gate.leave()
            raise APIError(503, "the server is shutting down", type_="server_error")
        future.add_done_callback(lambda _: gate.leave(time.perf_counter() - begun))
        try:
            while True:
                kind, value = await queue.get()
                if kind == "end":
                    return
                if kind == "error":
                    raise _failure(value)
                yield value
        finally:
            stop.set()

    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request) -> Any:
        authorize(request)
        chat = parse_chat(await _read_json(request, settings.api_max_request_bytes), model=model,
                          max_question_chars=settings.max_question_chars)
        ident = f"chatcmpl-{uuid.uuid4().hex}"
        created = int(time.time())
        items = answer_items(chat)
        if chat.stream:
            events = settings.api_source_events if chat.source_events is None else chat.source_events
            first = await anext(items, None)  # a refusal (429, 400) is still an HTTP status, not a stream
            return StreamingResponse(_sse(first, items, ident, created, model, events),
                                     media_type="text/event-stream",
                                     headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
        answer = None
        async for item in items:
            if isinstance(item, Answer):
                answer = item
        if answer is None:
            raise APIError(500, "the answer ended without a result", type_="server_error")
        text = sources.content(answer)
        message = {"role": "assistant", "content": text, "refusal": None,
                   "annotations": sources.annotations(answer, text)}
        return {"id": ident, "object": "chat.completion", "created": created, "model": model,
                "choices": [{"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}],
                "usage": _usage(answer), **_extras(answer)}

    return app


def _chunk(ident: str, created: int, model: str, delta: dict[str, Any], finish: str | None = None,
           **extra: Any) -> str:
    body = {"id": ident, "object": "chat.completion.chunk", "created": created, "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}], **extra}
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


async def _sse(first: str | Answer | None, items: AsyncIterator[str | Answer], ident: str, created: int, model: str,
               source_events: bool) -> AsyncIterator[str]:
    """The answer as server-sent events: the role, text deltas as the verified text grows, (Open WebUI) source
    events, then one last chunk holding the rest of the text, its Sources block, the structured citations and the
    usage; ``data: [DONE]`` last. An error while answering is a last chunk with ``error`` (and its line as text)."""
    deltas = Deltas()
    yield _chunk(ident, created, model, {"role": "assistant", "content": ""})
    try:
        finished = False
        async for item in _chained([first] if first is not None else [], items):
            if isinstance(item, Answer):
                for event in sources.openwebui_events(item) if source_events else []:
                    yield _chunk(ident, created, model, {}, event=event)
                rest = deltas.finish(item.text)
                block = sources.sources_block(item)
                delta = {"content": rest + block, "annotations": sources.annotations(item, deltas.sent + block)}
                yield _chunk(ident, created, model, delta, "stop", usage=_usage(item), **_extras(item))
                finished = True
                break
            piece = deltas.step(item)
            if piece:
                yield _chunk(ident, created, model, {"content": piece})
        if not finished:
            raise APIError(500, "the answer ended without a result", type_="server_error")
    except APIError as err:
        line = ("\n\n" if deltas.sent else "") + f"Error: {err.message}"
        yield _chunk(ident, created, model, {"content": line}, "stop", error=err.body()["error"])
    finally:
        await items.aclose()  # a client that went away stops the work at its next step
    yield "data: [DONE]\n\n"


async def _chained(first: list[str | Answer], rest: AsyncIterator[str | Answer]) -> AsyncIterator[str | Answer]:
    for item in first:
        yield item
    async for item in rest:
        yield item
