"""PDF ingest: text quality, speed and memory on the 32 real reports (issue 24), and the generated 100-page PDF
(issue 15).

    PYTHONPATH=. python bench/pdf_ingest.py                 # before (pypdf + line joining) / after (pdfium + layout)
    PYTHONPATH=. python bench/pdf_ingest.py --after         # after only (to compare two versions of the loader)
    PYTHONPATH=. python bench/pdf_ingest.py --libraries     # pypdf, pdfminer.six, pdfplumber, pypdfium2 compared
    PYTHONPATH=. python bench/pdf_ingest.py --synthetic [PAGES]

Each measurement runs in a fresh process (its peak memory counts the PDF child too). "before" is pypdf's page
text through ``readers.pdf.join_pages`` (the reader until issue 24); "after" is ``loaders.load`` (pdfium in the
child, ``readers.pdf_layout`` in the parent). Chunks are the index's own (``chunking.split``, default settings),
without embedding. The gold checks are 15 facts about 6 pages read by eye (a two-column Highlights page, a CRS
summary with a sidebar, a footnote-dense page, a NIST page with hyphenated words, a GAO letter page with its
footer, a contents page): a passage that must read whole (whitespace aside) or a running line that must be gone.
The PDFs are read from ../shared/corpora/reports (or REPORTS).

Measured on 2 shared cores (nice 10), two runs (the machine's load moves the speeds; the ratio holds):

    before  1189 pages  11.6 / 19.2 pages/s   67.1 / 110.5 chunks/s  peak 86-87 MB  gold  6/15
    after   1189 pages  26.4 / 35.2 pages/s  130.3 / 174.8 chunks/s  peak 59 MB     gold 15/15

Tables as records (issue 24, item 2; ``--after``, the base commit against the branch, alternating runs):
before 40.0-48.8 pages/s, 199-242 chunks/s, 5,909 chunks, 59 MB; after 43.6-46.3 pages/s (35.3 cold), 227-241
chunks/s, 6,183 chunks, 59-60 MB, 61 tables (3,632 records). See bench/README.md.

--libraries (4 gold PDFs, 227 pages, raw page text): pypdf ~12 pages/s; pdfminer.six 9.5 pages/s, 69 MB;
pdfplumber 6.2 pages/s, 442 MB; pypdfium2 78 pages/s, 60 MB (4/15 gold each: no layout repair); pdfium with
per-character boxes + the layout repair 25.9 pages/s, 55 MB, 15/15. The gold checks were written while the
layout repair was built, so 15/15 is no independent score.
"""

from __future__ import annotations

import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RECORD = re.compile(r"[^:\n]*? \u203a [^\n]*?:[ \t]+\S")  # a table record ("Row › Column: value")
REPORTS = Path(os.environ.get("REPORTS", Path(__file__).resolve().parents[2] / "shared" / "corpora" / "reports"))

# (file prefix, PDF page, "has" | "not", text): read by eye on the page images.
GOLD = [
    ("gao-05-927", 2, "has", "of 1993 has laid a foundation of results-oriented"),
    ("gao-05-927", 2, "has", "performance information. GAO identified"),
    ("crs-R48915", 2, "has", "as amended, empowers the Food and Drug Administration (FDA)"),
    ("crs-R48915", 2, "not", "Congressional Research Service"),
    ("crs-R48915", 6, "has", "contains explicit preemptive language. Even when Congress"),
    ("crs-R48915", 6, "has", "leave no room for state regulation. The FD&C Act implicates"),
    ("crs-R48915", 6, "not", "Preemption and the Federal Food, Drug, and Cosmetic Act (FD&C Act)"),
    ("crs-R48915", 6, "not", "Congressional Research Service"),
    ("nist-ai-100-1", 11, "has", "is often an institutional endeavor"),
    ("nist-ai-100-1", 11, "has", "Furthermore, different AI actors"),
    ("nist-ai-100-1", 11, "not", "NIST AI 100-1 AI RMF 1.0"),
    ("nist-ai-100-1", 11, "not", "Page 6"),
    ("gao-07-283", 6, "not", "GAO-07-283 Crude Oil"),
    ("gao-07-283", 6, "has", "had reached 84 million barrels per day in 2005. EIA also projects"),
    ("crs-R48915", 3, "has", "Background on Federal Preemption"),
]


def squash(text: str) -> str:
    return " ".join(text.split())


def gold_score(pages: dict[tuple[str, int], str]) -> tuple[int, list[str]]:
    """How many gold checks the page texts pass, and the failed ones."""
    passed, failed = 0, []
    for prefix, number, kind, expected in GOLD:
        text = squash(pages.get((prefix, number), ""))
        ok = (squash(expected) in text) if kind == "has" else (squash(expected) not in text and text != "")
        passed += ok
        if not ok:
            failed.append(f"{prefix} p{number} {kind} {expected[:40]!r}")
    return passed, failed


def page_texts_pypdf(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(path).pages]


def page_texts_pdfminer(path: Path) -> list[str]:
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTTextContainer

    return ["".join(box.get_text() for box in page if isinstance(box, LTTextContainer)) for page in extract_pages(path)]


def page_texts_pdfplumber(path: Path) -> list[str]:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


def page_texts_pypdfium2(path: Path) -> list[str]:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(path)
    out = [document[i].get_textpage().get_text_range() for i in range(len(document))]
    document.close()
    return out


def documents(mode: str, files: list[Path]):
    """(name, text, page offsets, page texts) per file in ``mode``."""
    from assistant.load.loaders import SourceFile, load
    from assistant.load.readers.pdf import join_pages

    for path in files:
        if mode == "after":
            doc = load(SourceFile(path, path.name), 10**9, pdf_timeout=300)
            offsets = doc.metadata["pages"] + [len(doc.text)]
            yield path.name, doc.text, [doc.text[a:b] for a, b in zip(offsets, offsets[1:])]
        else:
            raw = globals()["page_texts_" + ("pypdf" if mode == "before" else mode)](path)
            if mode == "before":
                text, offsets = join_pages(raw)
                offsets = offsets + [len(text)]
                yield path.name, text, [text[a:b] for a, b in zip(offsets, offsets[1:])]
            else:
                yield path.name, "\n\n".join(raw), raw


def worker(mode: str, limit: int) -> None:
    """One measurement, printed as JSON: pages, seconds, chunks, peak MB, gold checks."""
    from assistant.documents import Document
    from assistant.index.chunking import split
    from assistant.settings import Settings

    settings = Settings()
    files = sorted(REPORTS.glob("*.pdf"))
    if limit:
        wanted = {prefix for prefix, *_ in GOLD}
        files = [f for f in files if any(f.name.startswith(p) for p in wanted)][:limit]
    pages = chunks = tables = records = 0
    gold: dict[tuple[str, int], str] = {}
    started = time.perf_counter()
    for name, text, page_texts in documents(mode, files):
        pages += len(page_texts)
        found = [bool(RECORD.match(line)) for line in text.split("\n")]
        records += sum(found)
        tables += sum(1 for k, is_record in enumerate(found) if is_record and (k == 0 or not found[k - 1]))
        chunks += len(split(Document(source=name, text=text, metadata={}), settings.chunk_size,
                            settings.chunk_overlap))
        for prefix, number, *_ in GOLD:
            if name.startswith(prefix):
                gold[(prefix, number)] = page_texts[number - 1]
    seconds = time.perf_counter() - started
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    passed, failed = gold_score(gold)
    print(json.dumps({"mode": mode, "files": len(files), "pages": pages, "seconds": seconds, "chunks": chunks,
                      "peak_mb": peak / 1024, "gold": passed, "failed": failed, "tables": tables,
                      "records": records}))


def measure(mode: str, limit: int = 0) -> dict:
    done = subprocess.run([sys.executable, __file__, "--worker", mode, str(limit)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}, check=False)
    if done.returncode:
        return {"mode": mode, "error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def show(row: dict) -> None:
    if "error" in row:
        print(f"{row['mode']:<12} error: {row['error']}")
        return
    print(f"{row['mode']:<12} {row['files']:>3} PDFs {row['pages']:>5} pages  {row['pages'] / row['seconds']:6.1f} pages/s  "
          f"{row['chunks'] / row['seconds']:7.1f} chunks/s ({row['chunks']} chunks)  peak {row['peak_mb']:5.0f} MB  "
          f"gold {row['gold']}/{len(GOLD)}  tables {row.get('tables', 0)} ({row.get('records', 0)} records)")
    for failure in row["failed"]:
        print(f"{'':14}failed: {failure}")


def reports(libraries: bool, after_only: bool = False) -> None:
    if not REPORTS.is_dir():
        sys.exit(f"no reports folder at {REPORTS} (set REPORTS)")
    if after_only:
        show(measure("after"))
    elif libraries:
        # pdfminer.six and pdfplumber take minutes for all 1,189 pages: each reads the 4 gold PDFs (227 pages)
        for mode in ("pypdf", "pdfminer", "pdfplumber", "pypdfium2", "after"):
            show(measure(mode, limit=5))
    else:
        for mode in ("before", "after"):
            show(measure(mode))


# -- the generated PDF (issue 15) ---------------------------------------------------------------------------------

WORDS = ("the agency reviewed supply of critical minerals across twelve regions and found that imports of "
         "processed materials rose while domestic refining capacity stayed flat during the period under "
         "review; the report recommends a stockpile programme, new permits and a trade partnership").split()


def page_lines(rng: random.Random, page: int) -> list[str]:
    lines = [f"Section {page}. Findings on page {page}"]
    while len(lines) < 45:
        words = [rng.choice(WORDS) for _ in range(12)]
        line = " ".join(words)
        if rng.random() < 0.15:
            line = line[:-3] + "-"  # a word hyphenated at the line end
        lines.append(line + ("." if rng.random() < 0.2 else ""))
    return lines


def synthetic(pages: int = 100) -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    from test_clean import multipage_pdf

    from assistant.index.ingest import ingest
    from assistant.load.loaders import SourceFile, load
    from assistant.settings import Settings

    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        path = corpus / "report.pdf"
        path.write_bytes(multipage_pdf([page_lines(rng, p + 1) for p in range(pages)]))
        started = time.perf_counter()
        doc = load(SourceFile(path, path.name), 50_000_000)
        loaded = time.perf_counter() - started
        settings = Settings(corpus_dir=corpus, index_dir=Path(tmp) / "index")
        started = time.perf_counter()
        report = ingest(settings=settings, progress=False)
        total = time.perf_counter() - started
        print(f"{pages}-page PDF, {path.stat().st_size:,} bytes, {len(doc.text):,} characters of text, "
              f"{len(doc.metadata['pages'])} pages mapped")
        print(f"load (parse in the child + layout): {loaded:.2f} s")
        print(f"ingest end to end (load, chunk, embed, store): {total:.2f} s, {report.added} chunks")


def main(argv: list[str]) -> None:
    if argv[:1] == ["--worker"]:
        worker(argv[1], int(argv[2]))
    elif argv[:1] == ["--synthetic"]:
        synthetic(int(argv[1]) if len(argv) > 1 else 100)
    else:
        reports(libraries="--libraries" in argv, after_only="--after" in argv)


if __name__ == "__main__":
    main(sys.argv[1:])
