"""Bring the index in line with the files: add new and edited documents, drop deleted ones, skip bad input.

Idempotent: chunk ids are content-derived and each document's fingerprint (text, metadata, chunking settings)
is stored, so an unchanged corpus writes nothing. A file that fails to load keeps whatever the index had of it.
"""

from __future__ import annotations

import logging
import shutil
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from .chunking import CHUNKING_VERSION, indexed_text, split
from ..documents import Chunk, Document, sha256
from .embeddings import dimension, embeddings_for
from ..errors import IndexCorruptError, SkipFile
from ..load.loaders import SourceFile, discover, load
from ..settings import Settings
from .store import LOCK_FILE, DocumentRecord, IndexStore, drop, write_lock

logger = logging.getLogger(__name__)


@dataclass
class IngestReport:
    """What one ingest run did."""

    documents: int = 0  # documents in the index afterwards
    added: int = 0  # chunks written
    removed: int = 0  # chunks deleted
    unchanged: int = 0  # chunks kept as they were
    new_documents: list[str] = field(default_factory=list)
    updated_documents: list[str] = field(default_factory=list)
    deleted_documents: list[str] = field(default_factory=list)
    skipped: list[SkipFile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # recoveries worth telling the user about
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed or self.deleted_documents)

    def summary(self) -> str:
        """One line for the terminal (after a "note:" line for each recovery, if any)."""
        head = "indexed" if self.changed else "index up to date, nothing written"
        notes = "".join(f"note: {n}\n" for n in self.notes)
        return (f"{notes}{head}: {self.documents} documents, chunks {self.added} added / {self.removed} removed / "
                f"{self.unchanged} unchanged, {self.skipped_line()}, {self.seconds:.1f} s")

    def skipped_line(self, shown: int = 5) -> str:
        """"0 files skipped", or "2 files skipped: pep-0745.xyz (unsupported type .xyz), memo.doc (...)"."""
        n = len(self.skipped)
        if not n:
            return "0 files skipped"
        names = ", ".join(f"{s.path} ({s.reason.split(';', 1)[0]})" for s in self.skipped[:shown])
        more = f", and {n - shown} more" if n > shown else ""
        return f"{n} files skipped: {names}{more}"


def fingerprint(document: Document, settings: Settings) -> str:
    """Changes whenever the document or the settings that shape its chunks change."""
    return sha256(f"{document.fingerprint}\0{settings.chunk_size}\0{settings.chunk_overlap}\0{CHUNKING_VERSION}")


def ingest(paths: Sequence[Path | str] | None = None, settings: Settings | None = None, *, rebuild: bool = False,
           progress: bool = True, on_skip: Callable[[SkipFile], None] | None = None) -> IngestReport:
    """Index the files under ``paths`` (default: the corpus folder). Returns what changed."""
    settings = settings or Settings()
    started = time.perf_counter()
    report = IngestReport()
    roots = [Path(p) for p in paths] if paths else [Path(settings.corpus_dir)]
    files, skipped = discover(roots, Path(settings.corpus_dir), exclude=[Path(settings.index_dir)])
    loaded: list[tuple[SourceFile, Document]] = []
    for skip in skipped:
        _skip(report, skip, on_skip)
    for file in files:
        try:
            loaded.append((file, load(file, settings.max_file_bytes, pdf_timeout=settings.pdf_timeout,
                                      pdf_max_memory_mb=settings.pdf_max_memory_mb)))
        except SkipFile as skip:
            _skip(report, skip, on_skip)

    embeddings = embeddings_for(settings)
    with write_lock(settings):
        store_ = _open(settings, embeddings, rebuild, report)
        records = store_.documents()
        present = {f.source for f in files}
        trusted = _reconcile(store_, records, present, report)
        to_embed: list[tuple[Document, list[Chunk], set[str], str]] = []
        for file, doc in loaded:
            fp = fingerprint(doc, settings)
            record = records.get(doc.source)
            if record and record.fingerprint == fp and doc.source in trusted:
                report.unchanged += record.n_chunks
                continue
            chunks = split(doc, settings.chunk_size, settings.chunk_overlap)
            existing = store_.chunk_ids(doc.source)
            to_embed.append((doc, chunks, existing, fp))
            (report.updated_documents if record else report.new_documents).append(doc.source)
        _write(store_, to_embed, embeddings, settings, report, progress)
        for source, record in records.items():
            if source in present or not _in_scope(source, roots, Path(settings.corpus_dir)):
                continue
            report.removed += store_.delete_document(source)
            report.deleted_documents.append(source)
        report.documents = len(store_.documents())
    report.seconds = time.perf_counter() - started
    return report


def _skip(report: IngestReport, skip: SkipFile, on_skip: Callable[[SkipFile], None] | None) -> None:
    report.skipped.append(skip)
    if on_skip:
        on_skip(skip)


def _write(store_: IndexStore, work: list[tuple[Document, list[Chunk], set[str], str]], embeddings,
           settings: Settings, report: IngestReport, progress: bool) -> None:
    """Embed the new chunks of each changed document, store them, drop its stale chunks, then commit its record."""
    from tqdm import tqdm

    total = sum(1 for _, chunks, existing, _ in work for c in chunks if c.id not in existing)
    bar = tqdm(total=total, desc="embedding", unit="chunk", disable=not progress or total == 0, file=sys.stderr,
               leave=False)
    try:
        for doc, chunks, existing, fp in work:
            new = [c for c in chunks if c.id not in existing]
            for i in range(0, len(new), settings.embedding_batch_size):
                part = new[i:i + settings.embedding_batch_size]
                vectors = embeddings.embed_documents([indexed_text(c) for c in part])
                store_.add_chunks(part, vectors)
                bar.update(len(part))
            stale = existing - {c.id for c in chunks}
            store_.delete_chunks(sorted(stale))
            store_.put_document(doc, len(chunks), fp)
            report.added += len(new)
            report.removed += len(stale)
            report.unchanged += len(chunks) - len(new)
    finally:
        bar.close()


def _open(settings: Settings, embeddings, rebuild: bool, report: IngestReport) -> IndexStore:
    """The store, checked readable. A damaged embedded store is moved aside and started afresh (noted)."""
    try:
        if rebuild:
            drop(settings)
        store_ = IndexStore(settings, embeddings, dimension(embeddings))
        store_.check()
        return store_
    except IndexCorruptError as exc:
        if settings.chroma_url:
            raise
        moved = _quarantine(Path(settings.index_dir))
        note = (f"the index at {settings.index_dir} was damaged ({getattr(exc, 'detail', exc)}); "
                f"its files were moved to {moved} and it is rebuilt from the files")
        logger.warning(note)
        report.notes.append(note)
        store_ = IndexStore(settings, embeddings, dimension(embeddings))
        store_.check()
        return store_


def _quarantine(index_dir: Path) -> Path:
    """Move a damaged store's files (all but the lock we hold) into a sibling folder; forget cached clients."""
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient.clear_system_cache()
    dest = index_dir.with_name(f"{index_dir.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
    dest.mkdir(parents=True, exist_ok=True)
    for item in index_dir.iterdir():
        if item.name != LOCK_FILE:
            shutil.move(str(item), str(dest / item.name))
    return dest


def _reconcile(store_: IndexStore, records: dict[str, DocumentRecord], present: set[str],
               report: IngestReport) -> set[str]:
    """The sources whose record matches their stored chunks; chunks nobody accounts for are removed.

    An interrupted ingest leaves chunks without a record, or a record whose chunks are incomplete. Both show as
    a chunk count that differs from the records' total, so a consistent index costs one count, not a scan."""
    if store_.count() == sum(r.n_chunks for r in records.values()):
        return set(records)
    sources = store_.chunk_sources()  # one paged scan, only after an interruption
    known = set(records) | present
    orphans = sorted(cid for cid, source in sources.items() if source not in known)
    if orphans:
        store_.delete_chunks(orphans)
        report.removed += len(orphans)
    counts = Counter(source for source in sources.values() if source in known)
    return {source for source, record in records.items() if counts[source] == record.n_chunks}


def _in_scope(source: str, roots: Sequence[Path], corpus_dir: Path) -> bool:
    """Whether a stored source would have been found under ``roots`` had its file still existed."""
    corpus = corpus_dir.resolve()
    for root in roots:
        root = root.resolve()
        if root == corpus:
            return True
        if corpus in root.parents:
            rel = root.relative_to(corpus).as_posix()
            if source == rel or source.startswith(rel + "/"):
                return True
    return False
