"""Load a sample of files from folders and report how many tables were rendered as records, and the load time.

    PYTHONPATH=. python bench/load_tables.py FOLDER [FOLDER ...] [--limit 300] [--dump DIR]

A table counts once per block of record lines ("Row › Column: value", see ``assistant.load.readers.tables``);
``--dump`` writes each loaded text to DIR (to diff the rendering before and after a change).
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

from assistant.errors import SkipFile
from assistant.load.loaders import SourceFile, load

RECORD = re.compile(r"^[^\n]*? \u203a [^\n]*?:[ \t]+\S", re.M)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--limit", type=int, default=300, help="files per folder (sorted by name)")
    parser.add_argument("--dump", type=Path, default=None)
    args = parser.parse_args()
    for folder in args.folders:
        files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix != ".json")[:args.limit]
        tables = records = with_tables = 0
        began = time.perf_counter()
        texts = {}
        for path in files:
            try:
                doc = load(SourceFile(path, path.name), 50_000_000)
            except SkipFile:
                continue
            texts[path.name] = doc.text
        seconds = time.perf_counter() - began
        for name, text in texts.items():
            blocks = [b for b in text.split("\n\n") if RECORD.search(b)]
            tables += len(blocks)
            records += sum(len(RECORD.findall(b)) for b in blocks)
            with_tables += bool(blocks)
            if args.dump:
                out = args.dump / folder.name
                out.mkdir(parents=True, exist_ok=True)
                (out / f"{name}.txt").write_text(text, encoding="utf-8")
        print(f"{folder.name}: {len(texts)} files loaded in {seconds:.1f} s; {tables} tables ({records} record "
              f"lines) in {with_tables} files")


if __name__ == "__main__":
    main()
