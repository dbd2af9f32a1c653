"""Load files into Documents: .md/.txt (with YAML front matter), .html, .pdf; refuse bad input with one reason."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import yaml

from .documents import Document
from .errors import SkipFile

SUPPORTED_SUFFIXES = {".md", ".markdown", ".txt", ".html", ".htm", ".pdf"}
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$", re.M)


@dataclass(frozen=True)
class SourceFile:
    """A file found under a root, with the source name it will be cited by."""

    path: Path
    source: str


def discover(paths: Iterable[Path], corpus_dir: Path) -> tuple[list[SourceFile], list[SkipFile]]:
    """Find supported files under ``paths``; each path is a root. Links escaping their root are skipped.

    A file's source name is its path relative to ``corpus_dir`` when it lies inside it, else relative to its root.
    A path that climbs out of the corpus with ``..`` is refused (a path given by a user or an upload must not
    reach the rest of the disk); an explicit path elsewhere (no ``..``) is the operator's choice and is allowed.
    """
    found: list[SourceFile] = []
    skipped: list[SkipFile] = []
    corpus_real = corpus_dir.resolve()
    seen: set[Path] = set()
    for given in paths:
        given = Path(given)
        if ".." in given.parts and not _is_within(given.resolve(), corpus_real):
            skipped.append(SkipFile(str(given), f"'..' leads outside the corpus root {corpus_dir}"))
            continue
        if not given.exists():
            skipped.append(SkipFile(str(given), "no such file or folder"))
            continue
        root = given.resolve() if given.is_dir() else given.resolve().parent
        candidates = sorted(p for p in given.rglob("*") if p.is_file() or p.is_symlink()) if given.is_dir() else [given]
        for path in candidates:
            if path.name.startswith(".") or any(part.startswith(".") for part in path.relative_to(given).parts[:-1] if given.is_dir()):
                continue
            real = path.resolve()
            if not _is_within(real, root):
                skipped.append(SkipFile(str(path), f"outside the root {given} (a link to {real})"))
                continue
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                if given.is_file():
                    skipped.append(SkipFile(str(path), f"unsupported type {path.suffix or '(none)'}; use .md, .txt, .html or .pdf"))
                continue
            if real in seen:
                continue
            seen.add(real)
            base = corpus_real if _is_within(real, corpus_real) else root
            found.append(SourceFile(real, real.relative_to(base).as_posix()))
    return found, skipped


def _is_within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def load(file: SourceFile, max_bytes: int, *, pdf_timeout: float = 30.0, pdf_max_memory_mb: int = 1024) -> Document:
    """Read one file into a Document, or raise SkipFile with a one-line reason.

    PDFs are parsed in a child process under ``pdf_timeout`` seconds and ``pdf_max_memory_mb`` of memory."""
    path, name = file.path, file.source
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SkipFile(name, f"unreadable ({exc.strerror or exc})") from exc
    if size == 0:
        raise SkipFile(name, "empty file")
    if size > max_bytes:
        raise SkipFile(name, f"too large ({size:,} bytes; the limit is {max_bytes:,})")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SkipFile(name, f"unreadable ({exc.strerror or exc})") from exc
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        text, meta = _pdf(raw, name, pdf_timeout, pdf_max_memory_mb)
    else:
        decoded = _decode_text(raw, name)
        if suffix in (".html", ".htm"):
            text, meta = _html(decoded)
        else:
            text, meta = _front_matter(decoded, name)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise SkipFile(name, "no text in the file")
    meta = _normalise_metadata(meta, text, path)
    return Document(source=name, text=text, metadata=meta)


def _decode_text(raw: bytes, name: str) -> str:
    if b"\x00" in raw[:8192]:
        raise SkipFile(name, "binary content (NUL bytes), not text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SkipFile(name, f"not valid UTF-8 (byte {exc.start})") from exc
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > max(8, len(text[:8192]) // 100):
        raise SkipFile(name, "binary content (control characters), not text")
    return text


def _front_matter(text: str, name: str) -> tuple[str, dict[str, Any]]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return text, {}
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise SkipFile(name, f"front matter is not valid YAML ({str(exc).splitlines()[0]})") from exc
    if not isinstance(meta, dict):
        raise SkipFile(name, "front matter is not a mapping")
    return text[match.end():], meta


def _html(text: str) -> tuple[str, dict[str, Any]]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")
    meta: dict[str, Any] = {}
    if soup.title and soup.title.string:
        meta["title"] = soup.title.string.strip()
    for tag in soup.find_all("meta"):
        key = (tag.get("name") or tag.get("property") or "").lower()
        value = tag.get("content")
        if not value:
            continue
        if key in ("author", "publisher", "og:site_name"):
            meta.setdefault("publisher", value)
        elif key in ("date", "article:published_time", "pubdate"):
            meta.setdefault("date", value)
        elif key in ("og:url",):
            meta.setdefault("url", value)
    for tag in soup(["script", "style", "noscript", "template", "head"]):
        tag.decompose()
    body = soup.get_text("\n")
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in body.splitlines()]
    return "\n".join(line for line in lines if line), meta


def _pdf(raw: bytes, name: str, timeout: float, max_memory_mb: int) -> tuple[str, dict[str, Any]]:
    """Text and metadata of a PDF, parsed in a child process limited to ``max_memory_mb`` and ``timeout`` s."""
    import json
    import subprocess
    import sys

    if not raw.startswith(b"%PDF"):
        raise SkipFile(name, "not a PDF (no %PDF header)")
    child = Path(__file__).with_name("_pdf_child.py")
    try:
        done = subprocess.run([sys.executable, "-I", str(child), str(max_memory_mb)], input=raw,
                              capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise SkipFile(name, f"the PDF took longer than {timeout:g} s to parse (it loops or is too complex)") from exc
    try:
        out = json.loads(done.stdout or b"null")
    except ValueError:
        out = None
    if not isinstance(out, dict):
        if b"MemoryError" in done.stderr:
            raise SkipFile(name, f"the PDF needs more than {max_memory_mb} MB to parse (a decompression bomb?)")
        raise SkipFile(name, f"malformed PDF (the parser stopped with exit code {done.returncode})")
    if out.get("skip"):
        raise SkipFile(name, str(out["skip"]))
    meta: dict[str, Any] = {}
    if out.get("title"):
        meta["title"] = str(out["title"])
    if out.get("author"):
        meta["publisher"] = str(out["author"])
    return "\n\n".join(p.strip() for p in out.get("pages", []) if p.strip()), meta


def _normalise_metadata(meta: dict[str, Any], text: str, path: Path) -> dict[str, Any]:
    """Map the various front-matter spellings onto title, date, publisher, url, kind, sources."""
    out: dict[str, Any] = {}
    title = meta.get("title")
    if not title:
        heading = _HEADING.search(text)
        title = heading.group(1) if heading else path.stem.replace("-", " ").replace("_", " ")
    out["title"] = str(title).strip()
    date = meta.get("date") or meta.get("published")
    if isinstance(date, (dt.date, dt.datetime)):
        date = date.isoformat()[:10]
    if date:
        out["date"] = str(date)
    for key, aliases in (("publisher", ("publisher", "author")), ("url", ("url", "source_url")), ("kind", ("kind",))):
        for alias in aliases:
            if meta.get(alias):
                out[key] = str(meta[alias]).strip()
                break
    sources = meta.get("sources")
    if isinstance(sources, list):
        out["sources"] = [str(s) for s in sources]
    if meta.get("published_note"):
        out["date_note"] = str(meta["published_note"])
    return out


__all__ = ["SUPPORTED_SUFFIXES", "SourceFile", "discover", "load"]
