"""Split a Document into Chunks that keep exact character offsets, content-derived ids, and their context.

Chunks never straddle a heading: each section (the text between two headings) is split on its own, and every
chunk records its context, the document title and heading path ("Python 3.8 Release Schedule › Release Schedule ›
3.8.0 schedule"), which is embedded and keyword-indexed with it. Near-identical passages of near-identical
documents (seven release schedules, yearly proclamations) are told apart by that context.
"""

from __future__ import annotations

import hashlib

from ..documents import Chunk, Document
from ..load.units import SEPARATOR, heading_path, headings, identity

CHUNK_METADATA_KEYS = ("title", "date", "publisher", "url", "kind")
CHUNKING_VERSION = "2"  # part of every fingerprint: a change to how chunks are cut or contextualised re-embeds them


def chunk_id(source: str, start: int, text: str) -> str:
    """Content-derived id: the same text at the same place in the same source always gets the same id."""
    return hashlib.sha256(f"{source}\0{start}\0{text}".encode("utf-8")).hexdigest()[:32]


def indexed_text(chunk: Chunk) -> str:
    """What is embedded and keyword-indexed for a chunk: its context line, then its text."""
    context = chunk.metadata.get("context")
    return f"{context}\n{chunk.text}" if context else chunk.text


def split(document: Document, chunk_size: int, chunk_overlap: int) -> list[Chunk]:
    """Chunks of at most ``chunk_size`` characters per section, split at paragraph, line, sentence and word
    boundaries."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=chunk_size,
        chunk_overlap=min(chunk_overlap, chunk_size // 2),
        add_start_index=True,
        separators=["\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ", ""],
        keep_separator="end",
    )
    meta = {k: document.metadata[k] for k in CHUNK_METADATA_KEYS if document.metadata.get(k)}
    text = document.text
    cuts = sorted({0} | {text.rfind("\n", 0, s) + 1 for s, _, _ in headings(document)} | {len(text)})
    chunks: list[Chunk] = []
    for section_start, section_end in zip(cuts, cuts[1:]):
        section = text[section_start:section_end]
        if not section.strip():
            continue
        for piece in splitter.create_documents([section]):
            start = section_start + int(piece.metadata["start_index"])
            body = piece.page_content
            if text[start:start + len(body)] != body:  # the splitter locates chunks by search; trust, but verify
                found = section.find(body)
                if found < 0:
                    raise AssertionError(f"chunk of {document.source} not found in its text")
                start = section_start + found
            path = [p for p in heading_path(document, start) if p != document.title]
            context = SEPARATOR.join([identity(document)] + path)
            chunks.append(Chunk(id=chunk_id(document.source, start, f"{context}\n{body}"), source=document.source,
                                text=body, start=start, end=start + len(body), metadata={**meta, "context": context}))
    return chunks
