"""Ingest time of a generated 100-page PDF (issue 15): load (child-process parse + clean) and a full ingest.

    PYTHONPATH=. python bench/pdf_ingest.py [PAGES]

Each page holds 45 wrapped lines of made-up report prose (with words hyphenated at line ends); the PDF is built
with the test suite's assembler, indexed into a throwaway index with the default embedding backend.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from test_clean import multipage_pdf  # noqa: E402

from assistant.index.ingest import ingest  # noqa: E402
from assistant.load.loaders import SourceFile, load  # noqa: E402
from assistant.settings import Settings  # noqa: E402

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


def main(pages: int = 100) -> None:
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
        print(f"load (parse in the child + clean): {loaded:.2f} s")
        print(f"ingest end to end (load, chunk, embed, store): {total:.2f} s, {report.added} chunks")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
