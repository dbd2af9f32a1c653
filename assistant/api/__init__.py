"""An OpenAI-compatible HTTP API over the assistant (``assistant serve``): any OpenAI client, LangChain's ChatOpenAI
or Open WebUI asks questions and gets cited, verified answers with their sources."""

from __future__ import annotations

from .app import api_keys, create_app
from .server import serve

__all__ = ["create_app", "serve", "api_keys"]
