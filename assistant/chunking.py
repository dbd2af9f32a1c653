"""Split a Document into Chunks that keep exact character offsets and content-derived ids."""

from __future__ import annotations

import hashlib

from langchain_text_splitters import RecursiveCharacterTextSplitter

from .documents import Chunk, Document

CHUNK_METADATA_KEYS = ("title", "date", "publisher", "url", "kind")


def chunk_id(source: str, start: int, text: str) -> str:
    """Content-derived id: the same text at the same place in the same source always gets the same id."""
    return hashlib.sha256(f"{source}\0{start}\0{text}".encode("utf-8")).hexdigest()[:32]


def split(document: Document, chunk_size: int, chunk_overlap: int) -> list[Chunk]:
    """Chunks of at most ``chunk_size`` characters, split at paragraph, line, sentence and word boundaries."""
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=chunk_size,
        chunk_overlap=min(chunk_overlap, chunk_size // 2),
        add_start_index=True,
        separators=["\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ", ""],
        keep_separator="end",
    )
    meta = {k: document.metadata[k] for k in CHUNK_METADATA_KEYS if document.metadata.get(k)}
    chunks: list[Chunk] = []
    for piece in splitter.create_documents([document.text]):
        start = int(piece.metadata["start_index"])
        text = piece.page_content
        if document.text[start:start + len(text)] != text:  # the splitter locates chunks by search; trust, but verify
            start = document.text.find(text)
            if start < 0:
                raise AssertionError(f"chunk of {document.source} not found in its text")
        chunks.append(Chunk(id=chunk_id(document.source, start, text), source=document.source, text=text,
                            start=start, end=start + len(text), metadata=meta))
    return chunks
