"""The data types that flow through the pipeline: Document → Chunk → (retrieved) → Citation → Answer."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any


def sha256(text: str) -> str:
    """Hex SHA-256 of a string (UTF-8)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Document:
    """One source document. ``text`` is the body that every offset points into (front matter removed)."""

    source: str  # path relative to the corpus root, POSIX separators, e.g. "article.md"
    text: str
    # title, date, publisher, url, kind, sources, date_note; headings ([start, end, level] of each heading line),
    # pages (PDF: offset where each page begins), fields (the document's own header fields)
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return str(self.metadata.get("title") or self.source)

    @property
    def fingerprint(self) -> str:
        """Content hash of text and metadata: an unchanged document keeps its fingerprint."""
        return sha256(self.text + "\0" + json.dumps(self.metadata, sort_keys=True, default=str))


@dataclass(frozen=True)
class Chunk:
    """A span of a document: ``text == document.text[start:end]``. Ids are content-derived."""

    id: str
    source: str
    text: str
    start: int
    end: int
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RetrievedChunk:
    """A chunk with how each retriever ranked it and its fused score."""

    chunk: Chunk
    score: float
    similarity: float | None = None  # cosine similarity to the query, when the vector retriever found it
    dense_rank: int | None = None
    keyword_rank: int | None = None


@dataclass(frozen=True)
class Citation:
    """An exact, verified quote: ``quote == text_of(source)[start:end]``."""

    marker: int
    source: str
    title: str
    quote: str
    start: int
    end: int
    url: str = ""
    date: str = ""
    publisher: str = ""
    page: str = ""  # PDF page(s) the quote is on: "12" or "12-13"; "" for documents without pages

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Answer:
    """An answer whose every marker ``[n]`` has a citation, and whose every citation is verified."""

    text: str
    citations: list[Citation]
    abstained: bool
    query: str
    conflict: bool = False
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "citations": [c.to_dict() for c in self.citations],
            "abstained": self.abstained,
            "query": self.query,
            "conflict": self.conflict,
            "meta": self.meta,
        }
