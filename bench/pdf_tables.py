"""PDF tables: the detector on pdfium's positioned fragments (``readers.pdf_tables``) against pdfplumber's
``find_tables``, on the pages of the 32 real reports that print a table caption (issue 24, item 2).

    PYTHONPATH=. python bench/pdf_tables.py            # the comparison table
    PYTHONPATH=. python bench/pdf_tables.py --show 10  # and the first rows of each table on 10 sample pages
    PYTHONPATH=. python bench/pdf_tables.py --json out.json  # and every table found, per page and method

The sample is every page whose pdfium text has a line starting "Table N" (any case, "A-1", "G-2" too). Each
method runs in a fresh process over the same pages (peak memory is that process's): "fragments" reads each page
with pdfium as the loader's child does (``_pdf_child.page_fragments``) and looks for tables in its rows;
"pdfplumber lines" is ``page.find_tables()`` with its defaults (cells drawn by ruling lines), "pdfplumber text" is
``find_tables`` with both strategies "text" (cells aligned by their words). A table counts when it has two or more
columns and three or more rows. The PDFs are read from ../shared/corpora/reports (or REPORTS).
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORTS = Path(os.environ.get("REPORTS", ROOT.parent / "shared" / "corpora" / "reports"))
CAPTION = re.compile(r"(?im)^\s*table\s+[A-Z]?-?\d+\b")
METHODS = ("fragments", "pdfplumber lines", "pdfplumber text")


def sample() -> list[tuple[str, int]]:
    """(file name, 0-based page) of every page printing a table caption."""
    import pypdfium2 as pdfium

    out = []
    for path in sorted(REPORTS.glob("*.pdf")):
        document = pdfium.PdfDocument(str(path))
        for index in range(len(document)):
            textpage = document[index].get_textpage()
            if CAPTION.search(textpage.get_text_range()):
                out.append((path.name, index))
            textpage.close()
        document.close()
    return out


def tables_fragments(path: Path, index: int) -> list[list[list[str]]]:
    """The tables on a page as ``readers.pdf_tables`` finds them in pdfium's fragments (header rows, then body
    rows)."""
    import pypdfium2 as pdfium

    from assistant.load._pdf_child import page_fragments
    from assistant.load.readers import pdf_layout

    document = pdfium.PdfDocument(str(path))
    page = document[index]
    textpage = page.get_textpage()
    raw = page_fragments(textpage, page.get_size()[1])
    textpage.close()
    document.close()
    rows = pdf_layout.rows(pdf_layout.fragments(raw))
    return [table.header + table.body for table, _ in pdf_layout.page_tables(rows, pdf_layout.Vocabulary([]))]


def tables_pdfplumber(path: Path, index: int, strategy: str) -> list[list[list[str]]]:
    """The tables pdfplumber's ``find_tables`` finds on a page."""
    import pdfplumber

    settings = {} if strategy == "lines" else {"vertical_strategy": "text", "horizontal_strategy": "text"}
    with pdfplumber.open(path, pages=[index + 1]) as pdf:
        return [[[" ".join((cell or "").split()) for cell in row] for row in table.extract()]
                for table in pdf.pages[0].find_tables(settings)]


def worker(method: str, pages: list[tuple[str, int]]) -> dict:
    """One method over the sample: tables, rows, seconds, peak MB, and each page's tables."""
    found: dict[str, list] = {}
    started = time.perf_counter()
    for name, index in pages:
        path = REPORTS / name
        tables = tables_fragments(path, index) if method == "fragments" else \
            tables_pdfplumber(path, index, method.split()[-1])
        found[f"{name}#{index + 1}"] = [t for t in tables if len(t) >= 3 and max(map(len, t)) >= 2]
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"method": method, "pages": len(pages), "seconds": seconds, "peak_mb": peak, "found": found}


def measure(method: str, pages: list[tuple[str, int]]) -> dict:
    done = subprocess.run([sys.executable, __file__, "--worker", method], input=json.dumps(pages),
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    if done.returncode:
        return {"method": method, "error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(done.stdout)


def main(argv: list[str]) -> None:
    if argv[:1] == ["--worker"]:
        print(json.dumps(worker(argv[1], [tuple(p) for p in json.loads(sys.stdin.read())])))
        return
    if not REPORTS.is_dir():
        sys.exit(f"no reports folder at {REPORTS} (set REPORTS)")
    pages = sample()
    results = [measure(method, pages) for method in METHODS]
    print(f"{len(pages)} pages with a table caption in {len({name for name, _ in pages})} PDFs")
    print(f"{'method':<18} {'pages w/ table':>14} {'tables':>7} {'rows':>6} {'pages/s':>8} {'peak MB':>8}")
    for row in results:
        if "error" in row:
            print(f"{row['method']:<18} error: {row['error']}")
            continue
        tables = [t for ts in row["found"].values() for t in ts]
        print(f"{row['method']:<18} {sum(1 for ts in row['found'].values() if ts):>14} {len(tables):>7} "
              f"{sum(map(len, tables)):>6} {row['pages'] / row['seconds']:>8.1f} {row['peak_mb']:>8.0f}")
    if "--json" in argv:
        Path(argv[argv.index("--json") + 1]).write_text(json.dumps(results, ensure_ascii=False), encoding="utf-8")
    if "--show" in argv:
        count = int(argv[argv.index("--show") + 1])
        step = max(1, len(pages) // count)
        for name, index in pages[::step][:count]:
            key = f"{name}#{index + 1}"
            print(f"\n== {key}")
            for row in results:
                for table in row.get("found", {}).get(key, []):
                    shown = " / ".join(" | ".join(r) for r in table[:3])
                    print(f"  [{row['method']}] {len(table)} rows: {shown[:300]}")


if __name__ == "__main__":
    main(sys.argv[1:])
