"""Word .docx through python-docx, after the archive passed a zip-bomb check.

python-docx over markitdown: it exposes paragraph styles (Heading 1..9 → heading levels, List styles and
numbering → list items), tables cell by cell and the core properties (title, author, created) as typed values;
markitdown converts to Markdown (which we would then have to parse again) and pulls in a converter for every
Office format plus its own dependency tree.

A .docx is a zip archive, so before python-docx opens it the central directory is read and the declared sizes are
checked: too many members, too many bytes once inflated, or a compression ratio no real document has is refused.
``zipfile`` never inflates a member past its declared size (it stops and reports a bad CRC), so the check bounds
both memory and time.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
import zlib
from typing import Any

from .blocks import TextBuilder, one_line
from .tables import header_count, records, unit_above

MAX_MEMBERS = 5000
MAX_INFLATED = 256 * 1024 * 1024  # bytes, all members together
MAX_RATIO = 200  # inflated / compressed size of the whole archive
_HEADING_STYLE = re.compile(r"^heading\s*(\d)$", re.I)


class DocxRefused(Exception):
    """The archive or its XML is not a readable Word document; the message is the one-line reason."""


def check_archive(raw: bytes) -> None:
    """Raise DocxRefused unless ``raw`` is an intact zip whose declared sizes are those of a real document."""
    if not raw.startswith(b"PK"):
        raise DocxRefused("not a Word document (not a zip archive)")
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise DocxRefused(f"broken .docx archive ({_first_line(exc)})") from exc
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise DocxRefused(f"the archive holds {len(members):,} files (more than {MAX_MEMBERS:,}: a zip bomb?)")
        inflated = sum(m.file_size for m in members)
        if inflated > MAX_INFLATED or inflated > MAX_RATIO * max(len(raw), 1) + 1024 * 1024:
            raise DocxRefused(f"the archive would inflate to {inflated:,} bytes from {len(raw):,} (a zip bomb?)")
        names = {m.filename for m in members}
        if "word/document.xml" not in names:
            raise DocxRefused("not a Word document (no word/document.xml in the archive)")
        try:
            bad = archive.testzip()
        except (zipfile.BadZipFile, zlib.error, ValueError, OSError, EOFError, NotImplementedError) as exc:
            raise DocxRefused(f"broken .docx archive ({_first_line(exc)})") from exc
        if bad:
            raise DocxRefused(f"broken .docx archive (member {bad} is damaged)")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def render(raw: bytes) -> tuple[str, list[list[int]], dict[str, Any], dict[str, str]]:
    """Clean text, heading offsets, metadata (title, date, publisher) and fields (author, created, ...)."""
    check_archive(raw)
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(raw))
        builder = TextBuilder()
        items: list[str] = []
        counters: dict[tuple[str, int], int] = {}
        for element in document.element.body.iterchildren():
            tag = element.tag.rsplit("}", 1)[-1]
            if tag == "p":
                paragraph = Paragraph(element, document)
                item = _list_item(paragraph, counters)
                if item is not None:
                    items.append(item)
                    continue
                _flush(builder, items)
                counters.clear()
                _paragraph(builder, paragraph)
            elif tag == "tbl":
                _flush(builder, items)
                builder.lines(_table_lines(Table(element, document), builder.text()), "table")
        _flush(builder, items)
        props = document.core_properties
        meta, fields = _properties(props)
    except DocxRefused:
        raise
    except Exception as exc:  # noqa: BLE001 - python-docx raises many kinds on damaged XML: one reason
        raise DocxRefused(f"malformed .docx ({type(exc).__name__}: {_first_line(exc)})") from exc
    text, headings = builder.result()
    return text, headings, meta, fields


def _flush(builder: TextBuilder, items: list[str]) -> None:
    if items:
        builder.lines(items)
        items.clear()


def _style(paragraph: Any) -> str:
    try:
        return str(paragraph.style.name or "") if paragraph.style is not None else ""
    except (KeyError, AttributeError, ValueError):
        return ""


def _paragraph(builder: TextBuilder, paragraph: Any) -> None:
    text = paragraph.text
    style = _style(paragraph)
    match = _HEADING_STYLE.match(style)
    if match:
        builder.heading(text, int(match.group(1)))
    elif style.lower() == "title":
        builder.heading(text, 0)
    else:
        builder.line(one_line(text))


def _list_item(paragraph: Any, counters: dict[tuple[str, int], int]) -> str | None:
    """"- text" / "1. text" (indented two spaces per level) when the paragraph is a list item, else None.

    A paragraph is an item when it has numbering (its own or its style's ``w:numPr``) or a "List ..." style; it
    is ordered when its numbering level's format is not "bullet" (or, without a numbering definition, when its
    style name says "Number")."""
    style = _style(paragraph).lower()
    num = _numbering(paragraph)
    if num is None and not style.startswith("list"):
        return None
    text = one_line(paragraph.text)
    if not text:
        return None
    num_id, level = num if num is not None else (None, 0)
    if num is None:
        digits = re.search(r"(\d)$", style)
        level = int(digits.group(1)) - 1 if digits else 0
    fmt = _number_format(paragraph, num_id, level) if num_id is not None else ""
    ordered = fmt not in ("", "bullet", "none") if fmt else "number" in style
    if ordered:
        key = (str(num_id), level)
        counters[key] = counters.get(key, 0) + 1
        for deeper in [k for k in counters if k[0] == key[0] and k[1] > level]:
            del counters[deeper]
        marker = f"{counters[key]}. "
    else:
        marker = "- "
    return "  " * max(0, level) + marker + text


def _numbering(paragraph: Any) -> tuple[int, int] | None:
    """(numId, level) from the paragraph's own numPr, else from its style's; None when it is not numbered."""
    for ppr in (paragraph._p.pPr, _style_ppr(paragraph)):
        num = ppr.numPr if ppr is not None else None
        if num is not None and num.numId is not None and num.numId.val is not None:
            level = int(num.ilvl.val) if num.ilvl is not None and num.ilvl.val is not None else 0
            return int(num.numId.val), level
    return None


def _style_ppr(paragraph: Any) -> Any:
    try:
        return paragraph.style.element.pPr if paragraph.style is not None else None
    except (KeyError, AttributeError, ValueError):
        return None


def _number_format(paragraph: Any, num_id: int, level: int) -> str:
    """The numbering format ("bullet", "decimal", "lowerLetter", ...) of ``num_id`` at ``level``; "" if unknown."""
    try:
        numbering = paragraph.part.numbering_part.element
        abstract = numbering.num_having_numId(num_id).abstractNumId.val
        found = numbering.xpath(f'./w:abstractNum[@w:abstractNumId="{int(abstract)}"]/w:lvl[@w:ilvl="{int(level)}"]'
                                f"/w:numFmt/@w:val")
        return str(found[0]) if found else ""
    except (KeyError, AttributeError, ValueError, NotImplementedError):
        return ""


def _table_lines(table: Any, before: str) -> list[str]:
    """A table as records (``tables.records``): python-docx gives a merged cell once per grid position it
    covers, which is what spanning header cells need. The header rows are those marked to repeat on each page
    (``w:tblHeader``), else the first rows when they name the columns; the unit may be stated by the paragraph
    above (a caption)."""
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    heads = 0
    while heads < len(rows) - 1 and _repeats(table.rows[heads]):
        heads += 1
    if heads == 0:
        heads = header_count(rows)
    return records(rows[:heads], rows[heads:], unit=unit_above(before))


def _repeats(row: Any) -> bool:
    """Whether a table row is marked as a header row repeated on each page."""
    trpr = row._tr.trPr
    return trpr is not None and any(child.tag.endswith("}tblHeader") and
                                    child.get(child.tag.split("}")[0] + "}val", "true") not in ("0", "false")
                                    for child in trpr.iterchildren())


def _properties(props: Any) -> tuple[dict[str, Any], dict[str, str]]:
    meta: dict[str, Any] = {}
    fields: dict[str, str] = {}
    if (props.title or "").strip():
        meta["title"] = one_line(props.title)
    if (props.author or "").strip():
        fields["Author"] = one_line(props.author)
        meta["publisher"] = fields["Author"]
    created = props.created
    if isinstance(created, dt.datetime):
        fields["Created"] = created.date().isoformat()
        meta["date"] = fields["Created"]
    for key in ("subject", "keywords", "category", "last_modified_by"):
        value = getattr(props, key, "") or ""
        if str(value).strip():
            fields[key.replace("_", " ").capitalize()] = one_line(str(value))
    return meta, fields


__all__ = ["DocxRefused", "MAX_INFLATED", "MAX_MEMBERS", "MAX_RATIO", "check_archive", "render"]
