"""Parse one PDF (bytes on stdin) under an address-space limit; print its text and metadata as JSON.

Run by ``loaders`` as ``python -I _pdf_child.py MAX_MB`` so that a PDF that loops or decompresses into gigabytes
costs a bounded amount of memory and time (the parent kills it at its timeout) and never takes down the ingest.
"""

from __future__ import annotations

import io
import json
import logging
import resource
import sys


def main() -> None:
    limit = int(sys.argv[1]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    raw = sys.stdin.buffer.read()
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted:
            out = {"skip": "encrypted PDF"}
        else:
            pages = [page.extract_text() or "" for page in reader.pages]
            info = reader.metadata or {}
            out = {"pages": pages, "title": str(info.get("/Title") or ""), "author": str(info.get("/Author") or "")}
    except MemoryError:
        out = {"skip": f"the PDF needs more than {sys.argv[1]} MB to parse (a decompression bomb?)"}
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError, RecursionError,
            IndexError, AssertionError, ZeroDivisionError) as exc:
        detail = str(exc).splitlines()[0] if str(exc).strip() else "no detail"
        out = {"skip": f"malformed PDF ({type(exc).__name__}: {detail})"}
    sys.stdout.write(json.dumps(out))


if __name__ == "__main__":
    main()
