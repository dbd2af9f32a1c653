"""The assistant's own exceptions; third-party errors are translated into these at the boundary."""

from __future__ import annotations


class AssistantError(Exception):
    """Base class: every error the assistant raises on purpose. ``str(err)`` is one line for the user."""


class QuestionError(AssistantError, ValueError):
    """The question is empty, whitespace only, or too long."""


class SkipFile(AssistantError):
    """A file cannot be ingested (unreadable, empty, binary, too large, outside the roots). Holds the reason."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class IndexError_(AssistantError):
    """The index cannot be opened or written."""


class IndexMismatchError(IndexError_):
    """The index was built with another embedding model or dimension."""


class IndexLockedError(IndexError_):
    """Another process holds the index's write lock."""


class IndexCorruptError(IndexError_):
    """The embedded store's files are damaged (e.g. a broken SQLite file); ``assistant ingest`` rebuilds it."""

    detail: str = ""  # what Chroma said


class EmptyCorpusError(AssistantError):
    """There is nothing to answer from: no readable documents."""


class CitationError(AssistantError):
    """A citation failed verification (its quote is not at its offsets). Never reaches the user as an answer."""


class LLMError(AssistantError):
    """The language model could not be loaded or did not answer."""


class ModelFileError(LLMError):
    """The GGUF file (or xllamacpp itself) is missing, damaged or unreadable."""


class LLMUnavailableError(LLMError):
    """The model server is down, refused the request, or did not answer in time."""


class UploadError(AssistantError):
    """An uploaded file was refused. ``str(err)`` is one line naming the file and the reason."""


class CorpusMissing(AssistantError):
    """A shared corpus' folder is not there (a fresh clone without ``../shared``): its suite is skipped."""
