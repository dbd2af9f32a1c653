"""The answerers a user can choose: one registry feeds ``Settings.llm``, the CLI's ``--answerer`` and the chat's menu.

Each entry names the class that drafts answers (``module:Class``, imported only when that answerer is first used, so
choosing the extractive answerer never imports a model runtime). Every answerer implements
``assistant.answer.answerer.Answerer``; the engine builds one per name and Assistant.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any

from .errors import AssistantError


@dataclass(frozen=True)
class AnswererSpec:
    """One answerer: its name in settings and menus, a line for users, and where its class lives."""

    name: str
    description: str
    implementation: str  # "package.module:Class"

    def load(self) -> Any:
        """The answerer class (its module imported now)."""
        module, _, attribute = self.implementation.partition(":")
        return getattr(import_module(module), attribute)


ANSWERERS: tuple[AnswererSpec, ...] = (
    AnswererSpec("llamacpp", "a local GGUF model run in-process by llama.cpp reads the passages, every sentence "
                 "verified; the default", "assistant.answer.generative:ModelAnswerer"),
    AnswererSpec("extractive", "quotes the passages, no language model: the fast mode, and for machines without "
                 "the model", "assistant.answer.answerer:Extractive"),
    AnswererSpec("openai", "a model behind any OpenAI-compatible server reads the passages, every sentence verified",
                 "assistant.answer.generative:ModelAnswerer"),
)
NAMES: tuple[str, ...] = tuple(spec.name for spec in ANSWERERS)


def answerer_spec(name: str) -> AnswererSpec:
    """The registry entry for ``name``, or AssistantError listing the choices."""
    for spec in ANSWERERS:
        if spec.name == name:
            return spec
    raise AssistantError(f"unknown answerer {name!r}; choose one of {', '.join(NAMES)}")


def describe() -> str:
    """Every answerer as "'name' (description)", joined by '; ' (for help texts)."""
    return "; ".join(f"'{spec.name}' ({spec.description})" for spec in ANSWERERS)
