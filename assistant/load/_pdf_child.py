"""Parse one PDF (bytes on stdin) under an address-space limit; print its positioned text lines and metadata as JSON.

Run by ``loaders`` as ``python -I _pdf_child.py MAX_MB`` so that a PDF that loops or decompresses into gigabytes
costs a bounded amount of memory and time (the parent kills it at its timeout) and never takes down the ingest.

The parser is pdfium (``pypdfium2``): ~60 pages/s with every character's box and font size, against ~13 pages/s for
pypdf's plain text and ~4 pages/s for pdfminer.six (``bench/pdf_ingest.py --libraries``). Each page comes out as
text fragments ``[x0, top, x1, bottom, size, text]`` (top-down coordinates, points): a fragment is a run of
characters on one line, cut where pdfium ends a line or where a gap wider than ``GAP`` font sizes opens (table
cells, side-by-side columns); a narrower gap wider than ``CUT`` is marked in it (table header labels set close
together, which ``readers.pdf_tables`` tells apart). Rotated characters (margin stamps) are left out. The layout
(reading order, running headers, footnotes, tables) is repaired in the parent by ``readers.pdf_layout``.
"""

from __future__ import annotations

import json
import resource
import sys

GAP = 1.6  # a horizontal gap wider than this many font sizes cuts a line into two fragments
CUT = 1.0  # a narrower gap wider than this many font sizes is marked in the fragment (table header labels set close)
CUT_MARK = "\x1d"  # where such a gap is, in a fragment's text (its edges follow the text: see ``page_fragments``)
LINE_END = "\r\n"
SUPERSCRIPT = 0.8  # digits set smaller than this share of the fragment's font size are a footnote mark
SUP_START, SUP_END = "\x1e", "\x1f"  # wrap a footnote mark in a fragment's text


def page_fragments(textpage, height: float) -> list[list]:
    """The page's text fragments ``[x0, top, x1, bottom, size, text]`` in pdfium's order; a fragment whose text
    holds ``CUT_MARK`` (before the text right of each gap wider than ``CUT`` font sizes) has a seventh element, the
    ``[left, right]`` edges of each such gap."""
    import pypdfium2.raw as raw

    count = textpage.count_chars()
    text = textpage.get_text_range() if count else ""
    fragments: list[list] = []
    current: list = []  # x0, top, x1, bottom, [sizes], [chars], [cuts]

    def close() -> None:
        if current and "".join(current[5]).strip(" "):
            sizes = sorted(size for size in current[4] if size)
            middle = sizes[len(sizes) // 2] if sizes else 0.0
            fragments.append([round(current[0], 1), round(current[1], 1), round(current[2], 1), round(current[3], 1),
                              round(middle, 1), _mark_superscripts(current[5], current[4], middle).strip(" ")]
                             + ([current[6]] if current[6] else []))
        current.clear()

    for i in range(min(count, len(text))):
        ch = text[i]
        if ch in LINE_END:
            close()
            continue
        if raw.FPDFText_IsGenerated(textpage, i) == 1 or ch == " ":
            if current:
                current[4].append(0.0)
                current[5].append(" ")
            continue
        angle = raw.FPDFText_GetCharAngle(textpage, i)
        if 0.05 < angle < 6.23:  # rotated text: a margin stamp or a sideways label
            continue
        left, bottom, right, top = textpage.get_charbox(i, loose=True)  # the font's full height: same on a line
        size = top - bottom
        y0, y1 = height - top, height - bottom
        if current:
            line_height = max(current[3] - current[1], 1.0)
            same_line = y0 < current[3] - 0.3 * line_height and y1 > current[1] + 0.3 * line_height
            if not same_line or left - current[2] > GAP * max(size, 4.0) or left < current[0] - 2 * max(size, 4.0):
                close()
            elif left - current[2] > CUT * max(size, 4.0):
                current[4].append(0.0)
                current[5].append(CUT_MARK)
                current[6].append([round(current[2], 1), round(left, 1)])
        if not current:
            current.extend([left, y0, right, y1, [], [], []])
        else:
            current[0], current[1] = min(current[0], left), min(current[1], y0)
            current[2], current[3] = max(current[2], right), max(current[3], y1)
        current[4].append(size if ch.strip() else 0.0)
        current[5].append(ch)
    close()
    return fragments


def _mark_superscripts(chars: list[str], sizes: list[float], middle: float) -> str:
    """The fragment's text with each run of small digits (a footnote mark, set smaller than the line) wrapped in
    SUP_START / SUP_END."""
    out: list[str] = []
    inside = False
    for ch, size in zip(chars, sizes):
        small = ch.isdigit() and 0 < size < SUPERSCRIPT * middle
        if small and not inside:
            out.append(SUP_START)
        elif not small and inside and ch not in ",":
            out.append(SUP_END)
        inside = small or (inside and ch in ",")
        out.append(ch)
    if inside:
        out.append(SUP_END)
    return "".join(out)


def main() -> None:
    limit = int(sys.argv[1]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    raw_bytes = sys.stdin.buffer.read()
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(raw_bytes)
        pages = []
        for index in range(len(document)):
            try:
                page = document[index]
            except pdfium.PdfiumError as exc:
                raise pdfium.PdfiumError(f"page {index + 1} cannot be loaded ({str(exc).rstrip('.')}): a broken "
                                         f"or cyclic page tree?") from None
            width, height = page.get_size()
            textpage = page.get_textpage()
            pages.append({"width": round(width, 1), "height": round(height, 1),
                          "label": document.get_page_label(index) or "",
                          "fragments": page_fragments(textpage, height)})
            textpage.close()
            page.close()
        info = document.get_metadata_dict(skip_empty=True)
        out = {"pages": pages, "title": str(info.get("Title") or ""), "author": str(info.get("Author") or "")}
        document.close()
    except MemoryError:
        out = {"skip": f"the PDF needs more than {sys.argv[1]} MB to parse (a decompression bomb?)"}
    except pdfium.PdfiumError as exc:
        detail = str(exc).splitlines()[0] if str(exc).strip() else "no detail"
        if "password" in detail.lower():
            out = {"skip": "encrypted PDF"}
        else:
            out = {"skip": f"malformed PDF ({detail})"}
    except (ValueError, KeyError, TypeError, OSError, RecursionError, IndexError) as exc:
        detail = str(exc).splitlines()[0] if str(exc).strip() else "no detail"
        out = {"skip": f"malformed PDF ({type(exc).__name__}: {detail})"}
    sys.stdout.write(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
