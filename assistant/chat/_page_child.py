"""Draw one page of a PDF under an address-space limit; print it as a PNG with the box of each character, as JSON.

Run by ``page_image`` as ``python -I _page_child.py MAX_MB PATH PAGE WIDTH`` (PAGE 1-based, WIDTH in pixels), so
that a page whose images decompress into gigabytes (text extraction never decodes them, drawing does) costs the
chat a bounded amount of memory and time, never the server process.

Output: ``{"png": base64, "pages": n, "text": the page's characters, "boxes": [[left, top, right, bottom], ...]}``
with one box per character in pixels of the PNG (zeros for a character without a box), or ``{"error": reason}``.
"""

from __future__ import annotations

import base64
import ctypes
import io
import json
import resource
import sys


def device_box(page, charbox: tuple[float, float, float, float], size: tuple[int, int]) -> list[int]:
    """A character's box (PDF points) in the pixels of a ``size`` drawing of ``page`` (crop box and rotation
    applied by pdfium)."""
    import pypdfium2.raw as raw

    left, bottom, right, top = charbox
    if right <= left or top <= bottom:
        return [0, 0, 0, 0]
    xs, ys = [], []
    for px, py in ((left, top), (right, bottom)):
        x, y = ctypes.c_int(), ctypes.c_int()
        raw.FPDF_PageToDevice(page.raw, 0, 0, size[0], size[1], 0, ctypes.c_double(px), ctypes.c_double(py),
                              ctypes.byref(x), ctypes.byref(y))
        xs.append(x.value)
        ys.append(y.value)
    return [min(xs), min(ys), max(xs), max(ys)]


def draw(path: str, number: int, width: int) -> dict:
    """Page ``number`` of the PDF at ``path``, ``width`` pixels wide, with its characters' boxes."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(path)
    try:
        if not 1 <= number <= len(document):
            return {"error": f"no page {number} (the PDF has {len(document)})"}
        page = document[number - 1]
        bitmap = page.render(scale=width / max(page.get_width(), 1.0))
        image = bitmap.to_pil()
        size = (bitmap.width, bitmap.height)
        textpage = page.get_textpage()
        count = textpage.count_chars()
        text = textpage.get_text_range() if count else ""
        boxes = [device_box(page, textpage.get_charbox(i, loose=True), size) for i in range(min(count, len(text)))]
        png = io.BytesIO()
        image.save(png, "PNG")
        return {"png": base64.b64encode(png.getvalue()).decode("ascii"), "pages": len(document),
                "text": text[:len(boxes)], "boxes": boxes}
    finally:
        document.close()


def main() -> None:
    limit = int(sys.argv[1]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    import pypdfium2 as pdfium

    try:
        out = draw(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    except MemoryError:
        out = {"error": f"the page needs more than {sys.argv[1]} MB to draw"}
    except (pdfium.PdfiumError, OSError, ValueError) as exc:
        out = {"error": str(exc).splitlines()[0] if str(exc).strip() else type(exc).__name__}
    sys.stdout.write(json.dumps(out))


if __name__ == "__main__":
    main()
