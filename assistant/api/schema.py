"""What a chat-completions request asks, checked: the question (the last user message), the conversation before it,
and the options this server reads; and OpenAI's error body for everything it refuses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from .. import clean_history, clean_question
from ..errors import QuestionError
from .sources import without_sources

ROLES = ("system", "developer", "user", "assistant", "tool", "function")


class APIError(Exception):
    """A refusal in OpenAI's shape: ``{"error": {"message", "type", "param", "code"}}`` with an HTTP status."""

    def __init__(self, status: int, message: str, *, type_: str = "invalid_request_error", code: str | None = None,
                 param: str | None = None, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = " ".join(message.split())
        self.type = type_
        self.code = code
        self.param = param
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}


def bad_request(message: str, param: str | None = None, code: str | None = None) -> APIError:
    """A 400 naming the problem in one line."""
    return APIError(400, message, param=param, code=code)


@dataclass(frozen=True)
class ChatRequest:
    """One checked request: ``question`` is the last user message, ``history`` the user and assistant messages
    before it (as ``ask`` takes them)."""

    model: str
    question: str
    history: list[dict[str, Any]] = field(default_factory=list)
    stream: bool = False
    source_events: bool | None = None  # None: the server's setting decides


def message_text(content: Any, index: int) -> str:
    """The text of a message's ``content``: a string, or the text parts of a list of content parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, Mapping) and part.get("type") == "text" and isinstance(part.get("text"), str):
                parts.append(part["text"])
            elif not isinstance(part, Mapping) or not isinstance(part.get("type"), str):
                raise bad_request(f"messages[{index}].content holds a part that is not a {{'type': ...}} object",
                                  "messages")
        return "\n".join(parts)
    raise bad_request(f"messages[{index}].content must be text or a list of content parts", "messages")


def _flag(body: Mapping[str, Any], name: str) -> bool | None:
    value = body.get(name)
    if value is None or isinstance(value, bool):
        return value
    raise bad_request(f"{name} must be true or false, not {value!r}", name)


def parse_chat(body: Any, *, model: str, max_question_chars: int) -> ChatRequest:
    """The request ``body`` (parsed JSON) checked against the served ``model`` and the question limit, or APIError
    (400) naming the first problem in one line."""
    if not isinstance(body, Mapping):
        raise bad_request("the request body must be a JSON object")
    asked = body.get("model")
    if not isinstance(asked, str) or not asked:
        raise bad_request(f"name the model: this server serves {model!r}", "model")
    if asked != model:
        raise bad_request(f"unknown model {asked!r}; this server serves {model!r}", "model", "model_not_found")
    n = body.get("n")
    if n is not None and n != 1:
        raise bad_request(f"n must be 1 (one answer per question), not {n!r}", "n")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise bad_request("messages must be a non-empty list of {'role', 'content'} objects", "messages")
    turns: list[tuple[str, str]] = []
    for i, message in enumerate(messages):
        if not isinstance(message, Mapping) or message.get("role") not in ROLES:
            raise bad_request(f"messages[{i}] needs a role of {', '.join(ROLES)}", "messages")
        turns.append((str(message["role"]), message_text(message.get("content"), i)))
    last = max((i for i, (role, _) in enumerate(turns) if role == "user"), default=None)
    if last is None:
        raise bad_request("the messages hold no user message: the last user message is the question", "messages")
    history = [{"role": role, "content": without_sources(text) if role == "assistant" else text}
               for role, text in turns[:last] if role in ("user", "assistant") and text.strip()]
    try:
        question = clean_question(turns[last][1], max_question_chars)
        history = clean_history(history)
    except QuestionError as err:
        raise bad_request(str(err), "messages") from err
    return ChatRequest(model=model, question=question, history=history, stream=bool(_flag(body, "stream")),
                       source_events=_flag(body, "source_events"))
