"""Files added through the chat: checked (type, size, name, content), saved under ``corpus/uploads/``, indexed.

A file is written into the corpus only after it passed the same checks ingest applies, and removed again when
ingest skips it or fails, so the corpus folder and the index agree. Ingest itself commits each document's record
after its chunks, so a failure leaves what was already indexed readable.
"""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .. import AssistantError, Settings, SkipFile, UploadError, get_assistant
from ..load.loaders import SUPPORTED_SUFFIXES, SourceFile, load, unsupported

logger = logging.getLogger(__name__)

UPLOAD_DIR = "uploads"
MAX_NAME_CHARS = 100
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")



@dataclass(frozen=True)
class UploadResult:
    """What happened to one uploaded file: ``source`` is set when it was indexed, else ``error`` says why not."""

    name: str
    source: str = ""
    title: str = ""
    chunks: int = 0
    error: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.source)

    def line(self) -> str:
        """One line for the user."""
        if self.ok:
            chunks = f"{self.chunks} chunk{'' if self.chunks == 1 else 's'}"
            return f"Added {self.name} as {self.source} ({chunks}): “{self.title}”"
        return f"Refused {self.name}: {self.error}"


def safe_name(name: str) -> str:
    """A file name that is safe to write into the corpus: the base name only, ASCII letters, digits, '.', '_'
    and '-', at most 100 characters, keeping its (lower-cased) extension. UploadError when nothing usable is left
    or the type is not supported."""
    base = re.split(r"[\\/]", str(name))[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    suffix = f".{suffix.lower()}" if suffix else ""
    if suffix not in SUPPORTED_SUFFIXES:
        raise UploadError(f"{_shown(name)}: {unsupported(suffix)}")
    stem = _UNSAFE.sub("-", stem).strip("-._")[: MAX_NAME_CHARS - len(suffix)].strip("-._")
    if not stem:
        raise UploadError(f"{_shown(name)}: the file name has no usable characters")
    return stem + suffix


def _shown(name: str) -> str:
    shown = " ".join(re.split(r"[\\/]", str(name))[-1].split())
    return shown[:80] or "(no name)"


def validate(path: Path, name: str, settings: Settings) -> str:
    """Check one uploaded file before it enters the corpus; return its safe name or raise UploadError.

    The content is checked by the loaders (empty, binary, invalid UTF-8, bad front matter, malformed PDF, no text)
    on a private copy named like the destination, so the checks follow the file's declared type."""
    safe = safe_name(name)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UploadError(f"{_shown(name)}: the upload could not be read ({exc.strerror or exc})") from exc
    if size > settings.upload_max_bytes:
        raise UploadError(f"{_shown(name)}: too large ({size:,} bytes; the limit is {settings.upload_max_bytes:,})")
    with tempfile.TemporaryDirectory(prefix="upload-") as tmp:
        staged = Path(tmp) / safe
        shutil.copyfile(path, staged)
        try:
            load(SourceFile(staged, safe), min(settings.upload_max_bytes, settings.max_file_bytes))
        except SkipFile as skip:
            raise UploadError(f"{_shown(name)}: {skip.reason}") from None
    return safe


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _destination(folder: Path, safe: str, upload: Path) -> tuple[Path, bool]:
    """Where to save ``upload``: ``safe`` or ``stem-2.ext``…; True when an identical file is already there."""
    candidate = folder / safe
    stem, suffix = candidate.stem, candidate.suffix
    digest = _digest(upload)
    n = 1
    while candidate.exists():
        if candidate.is_file() and _digest(candidate) == digest:
            return candidate, True
        n += 1
        candidate = folder / f"{stem}-{n}{suffix}"
    return candidate, False


def add_file(path: Path | str, name: str, settings: Settings) -> UploadResult:
    """Validate, save and index one uploaded file. Never raises for bad input: the result carries the reason."""
    path = Path(path)
    try:
        safe = validate(path, name, settings)
    except UploadError as err:
        return UploadResult(_shown(name), error=str(err).split(": ", 1)[-1])
    folder = Path(settings.corpus_dir) / UPLOAD_DIR
    folder.mkdir(parents=True, exist_ok=True)
    dest, existed = _destination(folder, safe, path)
    if not existed:
        tmp = dest.with_name(f".{dest.name}.part")
        shutil.copyfile(path, tmp)
        tmp.replace(dest)  # atomic: the corpus never holds half a file
    skips: list[SkipFile] = []
    try:
        get_assistant(settings).ingest([dest], on_skip=skips.append)
    except AssistantError as err:
        if not existed:
            dest.unlink(missing_ok=True)
        return UploadResult(_shown(name), error=" ".join(str(err).split()))
    except Exception as exc:  # noqa: BLE001 - one line for the user, the traceback for the log
        logger.exception("indexing the upload %s failed", dest)
        if not existed:
            dest.unlink(missing_ok=True)
        return UploadResult(_shown(name), error=f"indexing failed ({type(exc).__name__}); nothing was changed")
    if skips:
        if not existed:
            dest.unlink(missing_ok=True)
        return UploadResult(_shown(name), error=skips[0].reason)
    source = dest.resolve().relative_to(Path(settings.corpus_dir).resolve()).as_posix()
    record = get_assistant(settings).record(source)
    if record is None:
        return UploadResult(_shown(name), error="the file was read but nothing was indexed")
    title = str((record.metadata or {}).get("title") or source)
    return UploadResult(_shown(name), source=source, title=title, chunks=record.n_chunks)


def add_files(files: list[tuple[Path | str, str]], settings: Settings,
              progress: Callable[[int, int, str], None] | None = None) -> list[UploadResult]:
    """Add several uploads one by one (``files``: (temporary path, original name)); report each."""
    results = []
    for i, (path, name) in enumerate(files):
        if progress:
            progress(i, len(files), _shown(name))
        results.append(add_file(path, name, settings))
    if progress:
        progress(len(files), len(files), "done")
    return results
