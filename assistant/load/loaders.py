"""Load files into Documents with clean text (Markdown, reStructuredText, plain text, HTML, PDF, Word); refuse bad
input with one reason. ``FORMATS`` is the one list of supported types (discover, uploads, messages, README)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import yaml

from ..documents import Document
from ..errors import SkipFile

# The one list of supported types: what discover loads, what the chat accepts, what the messages and README name.
FORMATS: dict[str, str] = {
    ".md": "Markdown", ".markdown": "Markdown",
    ".txt": "plain text (reStructuredText when it has a PEP header, section underlines or directives)",
    ".rst": "reStructuredText",
    ".html": "HTML", ".htm": "HTML",
    ".pdf": "PDF",
    ".docx": "Word",
}
SUPPORTED_SUFFIXES = frozenset(FORMATS)


def supported_types() -> str:
    """".md, .markdown, .txt, .rst, .html, .htm, .pdf or .docx"."""
    names = list(FORMATS)
    return ", ".join(names[:-1]) + " or " + names[-1]


def unsupported(suffix: str) -> str:
    """The one-line reason for a file whose type is not loaded."""
    return f"unsupported type {suffix or '(none)'}; use {supported_types()}"

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)


@dataclass(frozen=True)
class SourceFile:
    """A file found under a root, with the source name it will be cited by."""

    path: Path
    source: str


def discover(paths: Iterable[Path], corpus_dir: Path, *, exclude: Iterable[Path] = ()) -> tuple[list[SourceFile],
                                                                                                 list[SkipFile]]:
    """Find supported files under ``paths``; each path is a root. Every other file met is reported as skipped
    with its reason (unsupported type, a link out of its root); hidden files and folders and the ``exclude``
    folders (the index) are left out without a word. Links escaping their root are skipped.

    A file's source name is its path relative to ``corpus_dir`` when it lies inside it, else relative to its root.
    A path that climbs out of the corpus with ``..`` is refused (a path given by a user or an upload must not
    reach the rest of the disk); an explicit path elsewhere (no ``..``) is the operator's choice and is allowed.
    """
    found: list[SourceFile] = []
    skipped: list[SkipFile] = []
    corpus_real = corpus_dir.resolve()
    seen: set[Path] = set()
    excluded = [Path(p).resolve() for p in exclude]
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
            if given.is_dir() and any(_is_within(path.absolute(), ex) or _is_within(path.resolve(), ex)
                                      for ex in excluded):
                continue
            real = path.resolve()
            if not _is_within(real, root):
                skipped.append(SkipFile(str(path), f"outside the root {given} (a link to {real})"))
                continue
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                base = corpus_real if _is_within(real, corpus_real) else root
                shown = real.relative_to(base).as_posix() if given.is_dir() else str(path)
                skipped.append(SkipFile(shown, unsupported(path.suffix)))
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
    """Read one file into a Document with clean text (see ``readers.blocks``), or raise SkipFile with a one-line reason.

    PDFs are parsed in a child process under ``pdf_timeout`` seconds and ``pdf_max_memory_mb`` of memory; a .docx
    archive is checked against zip bombs before it is opened."""
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
    headings: list[list[int]] = []
    fields: dict[str, str] = {}
    extra: dict[str, Any] = {}
    if suffix == ".pdf":
        from .readers import pdf

        pages, meta = _pdf(raw, name, pdf_timeout, pdf_max_memory_mb)
        text, extra = pdf.read(pages)
    elif suffix == ".docx":
        from .readers import docx

        try:
            text, headings, meta, fields = docx.render(raw)
        except docx.DocxRefused as exc:
            raise SkipFile(name, str(exc)) from None
    else:
        decoded = _decode_text(raw, name).replace("\r\n", "\n").replace("\r", "\n")
        if suffix in (".html", ".htm"):
            from .readers import html

            text, headings, meta = html.render(decoded)
        else:
            body, meta = _front_matter(decoded, name)
            text, headings, fields = _text_body(body, suffix)
    if not text.strip():
        raise SkipFile(name, "no text in the file")
    out = _normalise_metadata(meta, fields, text, headings, path)
    out.update(extra)
    return Document(source=name, text=text, metadata=out)


def _text_body(body: str, suffix: str) -> tuple[str, list[list[int]], dict[str, str]]:
    """Markdown, reStructuredText or plain text: clean text, heading offsets, the document's own fields."""
    from .readers import rst

    if suffix == ".rst" or (suffix == ".txt" and rst.looks_like_rst(body)):
        text, headings, pairs = rst.render(body)
        return text, headings, {key: value for key, value in pairs if value}
    if suffix == ".txt":
        from .readers.plain import plain_text

        return plain_text(body), [], {}
    from .readers import markdown

    text, headings = markdown.render(body)
    return text, headings, {}


_BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"),
         (b"\xfe\xff", "utf-16"))


def _decode_text(raw: bytes, name: str) -> str:
    """The text of a file: UTF-8, UTF-16/32 with a byte-order mark, or a legacy encoding (Windows-1252, Latin-1,
    ...) as ``charset_normalizer`` detects it; binary content is refused in one line."""
    text = None
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError as exc:
                raise SkipFile(name, f"not valid {encoding.upper()} after its byte-order mark (byte {exc.start})") from exc
            break
    if text is None:
        if b"\x00" in raw[:8192]:
            raise SkipFile(name, "binary content (NUL bytes), not text")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            text = _legacy_decode(raw)
            if text is None:
                raise SkipFile(name, f"not valid UTF-8 (byte {exc.start}) nor text in another encoding") from exc
    controls = sum(1 for ch in text[:8192] if (ord(ch) < 32 and ch not in "\n\r\t\f") or 0x7f <= ord(ch) < 0xa0)
    if controls > max(8, len(text[:8192]) // 100):
        raise SkipFile(name, "binary content (control characters), not text")
    return text


def _legacy_decode(raw: bytes) -> str | None:
    """``raw`` decoded in the encoding ``charset_normalizer`` finds most likely (Windows-1252, Latin-1, ...), or
    None when no encoding reads it as text."""
    from charset_normalizer import from_bytes

    matches = list(from_bytes(raw[:1_000_000]))
    if not matches:
        return None
    # Windows-1252 (Latin-1's superset) when it reads the bytes nearly as cleanly as the best guess: on short
    # Western text the detector's scores barely separate cp1252 from cp1256 or cp775, and cp1252 is by far the
    # commonest legacy encoding of such files.
    encodings = [matches[0].encoding]
    if any("cp1252" in m.could_be_from_charset and m.chaos <= matches[0].chaos + 0.1 for m in matches):
        encodings.insert(0, "cp1252")
    for encoding in encodings:
        try:
            return raw.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return None


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


def _pdf(raw: bytes, name: str, timeout: float, max_memory_mb: int) -> tuple[list[dict], dict[str, Any]]:
    """Pages (positioned text fragments, see ``_pdf_child``) and metadata of a PDF, parsed in a child process limited
    to ``max_memory_mb`` and ``timeout`` s."""
    import json
    import signal
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
        if b"MemoryError" in done.stderr or done.returncode == -signal.SIGABRT:  # pdfium aborts when out of memory
            raise SkipFile(name, f"the PDF needs more than {max_memory_mb} MB to parse (a decompression bomb?)")
        raise SkipFile(name, f"malformed PDF (the parser stopped with exit code {done.returncode})")
    if out.get("skip"):
        raise SkipFile(name, str(out["skip"]))
    meta: dict[str, Any] = {}
    if out.get("title"):
        meta["title"] = str(out["title"])
    if out.get("author"):
        meta["publisher"] = str(out["author"])
    return [p for p in out.get("pages", []) if isinstance(p, dict)], meta


def _normalise_metadata(meta: dict[str, Any], fields: dict[str, str], text: str, headings: list[list[int]],
                        path: Path) -> dict[str, Any]:
    """Map the front-matter / header spellings onto title, date, publisher, url, kind, sources; add the headings
    and the document's other fields."""
    out: dict[str, Any] = {}
    lowered = {key.lower(): value for key, value in fields.items()}
    title = meta.get("title") or lowered.get("title")
    if not title and headings:
        title = text[headings[0][0]:headings[0][1]]
    out["title"] = " ".join(str(title or path.stem.replace("-", " ").replace("_", " ")).split())
    date = meta.get("date") or meta.get("published") or lowered.get("date") or lowered.get("created")
    if date:
        iso = iso_date(date)
        if iso or meta.get("date") or meta.get("published"):
            out["date"] = iso or str(date)
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
    out["headings"] = [[int(s), int(e), int(level)] for s, e, level in headings]
    kept = {str(k): " ".join(str(v).split()) for k, v in fields.items() if k.lower() != "title" and str(v).strip()}
    if kept:
        out["fields"] = kept
    return out


_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                       "dec"), start=1)}
_ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_DAY_MONTH_YEAR = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?[-\s./]+([A-Za-z]{3,9})\.?[-\s.,/]+(\d{4})\b")
_MONTH_DAY_YEAR = re.compile(r"\b([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b")


def iso_date(value: Any) -> str:
    """YYYY-MM-DD from a date, a datetime or a string holding "2019-10-14", "27-Jan-2018", "14 October 2019" or
    "October 14, 2019"; "" when none of these is there."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    text = str(value)
    candidates = []
    if (m := _ISO.search(text)):
        candidates.append((int(m.group(1)), int(m.group(2)), int(m.group(3))))
    if (m := _DAY_MONTH_YEAR.search(text)) and m.group(2)[:3].lower() in _MONTHS:
        candidates.append((int(m.group(3)), _MONTHS[m.group(2)[:3].lower()], int(m.group(1))))
    if (m := _MONTH_DAY_YEAR.search(text)) and m.group(1)[:3].lower() in _MONTHS:
        candidates.append((int(m.group(3)), _MONTHS[m.group(1)[:3].lower()], int(m.group(2))))
    for year, month, day in candidates:
        try:
            return dt.date(year, month, day).isoformat()
        except ValueError:
            continue
    return ""


__all__ = ["FORMATS", "SUPPORTED_SUFFIXES", "SourceFile", "discover", "iso_date", "load", "supported_types", "unsupported"]
