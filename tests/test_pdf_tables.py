"""PDF tables become records (readers/pdf_tables.py, through readers/pdf_layout.py): first on made-up lines of
positioned cells, then on a small generated PDF, then on table pages of the real CRS and NIST reports in
../shared/corpora/reports (skipped when that folder is absent)."""

from __future__ import annotations

import pytest

from assistant.documents import Document
from assistant.load.loaders import SourceFile, load
from assistant.load.readers import pdf_layout as layout
from assistant.load.readers.pdf import page_label
from assistant.load.readers.pdf_tables import Cell, Line, find_tables
from assistant.load.units import units

from conftest import needs_reports, pdf_bytes, report

SEP = " \u203a "
STUB, VALUES = 72.0, (220.0, 300.0, 380.0)  # left edge of the row names; right edges of three number columns


def line(top: float, *cells: tuple[float, float, str], size: float = 8.0) -> Line:
    return Line(top, top + size, size, [Cell(x0, x1, text) for x0, x1, text in cells])


def row(top: float, name: str, *values: str, indent: float = 0.0) -> Line:
    """A body line: a row name at the left, numbers set flush right in the three value columns."""
    cells = [(STUB + indent, STUB + indent + 5 * len(name), name)]
    cells += [(right - 4.5 * len(value), right, value) for right, value in zip(VALUES, values) if value]
    return line(top, *cells)


# -- found in positioned lines -------------------------------------------------------------------------------------

def test_a_table_of_numbers_is_cut_into_header_and_body_rows():
    lines = [
        line(90, (STUB, 500, "Spending rose in every year, as the table below shows in more detail.")),
        line(110, (275, 385, "Fiscal Year")),  # a label over two value columns, above the header
        line(122, (STUB, 120, "Program"), (195, 220, "2023"), (275, 300, "2024"), (355, 380, "2025")),
        row(140, "Water treatment", "1,300", "1,410", "1,520"),
        row(156, "Flood control and", "420", "\u2014", "515"),
        row(164, "levee repair"),  # the rest of the row name above, set closer than rows are
        row(180, "Imports:"),
        row(196, "Copper", "300", "310", "320", indent=10),
        row(212, "Total", "2,020", "1,720", "2,355"),
        line(240, (STUB, 500, "Source: an agency's annual report, with figures rounded to the nearest million.")),
    ]
    (table,) = find_tables(lines)
    assert (table.start, table.end) == (1, 9)  # the label above the header is in; the prose and the source are not
    assert table.header == [["", "", "Fiscal Year", "Fiscal Year"], ["Program", "2023", "2024", "2025"]]
    assert table.body[:2] == [["Water treatment", "1,300", "1,410", "1,520"],
                              ["Flood control and levee repair", "420", "\u2014", "515"]]
    assert [r[0] for r in table.body[2:]] == ["Imports:", " Copper", "Total"]  # an indented row keeps its indent


def test_close_set_header_labels_and_years_over_columns():
    # "2012" and "2025" each centred over a pair of columns; "Number  Percentage" labels one per column
    lines = [line(100, (150, 170, "2012"), (290, 310, "2025")),
             line(112, (STUB, 100, "Rating"), (110, 140, "Number"), (170, 215, "Percentage"),
                  (250, 280, "Number"), (315, 360, "Percentage")),
             *[line(124 + 12 * k, (STUB, 100, name), (115, 140, a), (195, 215, b), (255, 280, c), (340, 360, d))
               for k, (name, a, b, c, d) in enumerate([("Good", "287", "47.3", "272", "43.7"),
                                                        ("Fair", "262", "43.3", "309", "49.6"),
                                                        ("Poor", "57", "9.4", "41", "6.7")])]]
    (table,) = find_tables(lines)
    assert [" ".join(parts) for parts in zip(*table.header)][1:] == [
        "2012 Number", "2012 Percentage", "2025 Number", "2025 Percentage"]


def test_a_grid_of_words_prose_and_a_list_of_pages_are_no_table():
    words = [line(100 + 12 * k, (STUB, 150, name), (200, 400, text))
             for k, (name, text) in enumerate([("Praise", "Public recognition"), ("Bonus", "A one-time payment"),
                                               ("Reproof", "A public reprimand")])]
    assert find_tables(words) == []
    pages = [line(100 + 12 * k, (STUB, 400, f"Figure {k}. What the figure shows, in a full sentence."),
                  (500, 510, str(3 + k))) for k in range(5)]
    assert find_tables(pages) == []


def test_records_replace_the_rows_and_carry_the_caption_unit():
    frags = [layout.Fragment(72, 80, 300, 90, 10, "Table 2. Outlays by program"),
             layout.Fragment(72, 92, 250, 102, 10, "(in millions of dollars)")]
    for k, (name, a, b) in enumerate([("Program", "2023", "2024"), ("Water", "1,300", "1,410"),
                                      ("Flood control", "420", "515"), ("Total", "1,720", "8.5%")]):
        top = 112 + 14 * k
        frags += [layout.Fragment(72, top, 72 + 5 * len(name), top + 8, 8, name),
                  layout.Fragment(300 - 4.5 * len(a), top, 300, top + 8, 8, a),
                  layout.Fragment(380 - 4.5 * len(b), top, 380, top + 8, 8, b)]
    page = {"width": 612, "height": 792, "label": "", "fragments": [[f.x0, f.top, f.x1, f.bottom, f.size, f.text]
                                                                     for f in frags]}
    text, _ = layout.assemble(layout.read_pages([page]))
    assert text.split("\n") == [
        "Table 2. Outlays by program (in millions of dollars)",  # (the caption's lines read as one paragraph)
        f"Water{SEP}2023: 1,300 (in millions of dollars)", f"Water{SEP}2024: 1,410 (in millions of dollars)",
        f"Flood control{SEP}2023: 420 (in millions of dollars)",
        f"Flood control{SEP}2024: 515 (in millions of dollars)",
        f"Total{SEP}2023: 1,720 (in millions of dollars)", f"Total{SEP}2024: 8.5%"]


# -- a generated PDF -----------------------------------------------------------------------------------------------

def positioned_pdf(pages: list[list[tuple[float, float, float, str]]]) -> bytes:
    """A PDF with one page per entry, each text shown at ``(x, y, size, text)`` (PDF coordinates, Helvetica)."""
    n = len(pages)
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(n)), n),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    for texts in pages:
        stream = b" ".join(b"BT /F1 %.1f Tf 1 0 0 1 %.1f %.1f Tm (%s) Tj ET" % (size, x, y, text.encode("latin-1"))
                           for x, y, size, text in texts)
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                       b"/Resources << /Font << /F1 3 0 R >> >> >>" % (len(objects) + 2))
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    return pdf_bytes(objects)


def right(x: float, text: str, size: float = 9) -> float:
    """Where a number set flush right at ``x`` starts (Helvetica digits are 0.556 em wide)."""
    return x - 0.556 * size * len(text)


PROSE = "The survey added up what each county spent on its bridges in two years; the table gives the sums."


def test_a_generated_pdf_stores_its_table_as_records_on_its_page(tmp_path):
    table = [(72, 620, 11, "Table 1. Bridge spending by county (in millions of dollars)"), (300, 596, 9, "2023"),
             (380, 596, 9, "2024"),
             (72, 596, 9, "County")]
    for k, (name, a, b) in enumerate([("Alder", "1,204", "1,230"), ("Birch", "877", "902"),
                                      ("Cedar", "2,310", "2,295"), ("Total", "4,391", "4,427")]):
        y = 580 - 16 * k
        table += [(72, y, 9, name), (right(322, a), y, 9, a), (right(402, b), y, 9, b)]
    first = [(72, 740, 11, "Bridges of the three counties"), (72, 660, 11, PROSE)]
    path = tmp_path / "bridges.pdf"
    path.write_bytes(positioned_pdf([first, first[1:] + table]))
    doc = load(SourceFile(path, path.name), 10_000_000)
    record = f"Birch{SEP}2024: 902 (in millions of dollars)"
    at = doc.text.index(record)
    assert page_label(doc.metadata, at) == (2, None)  # on its page
    assert doc.text.count(PROSE) == 2 and "(in millions of dollars)\nAlder" in doc.text
    assert "877 | 902" not in doc.text  # the run of numbers is gone
    unit = next(u for u in units(doc) if u.start == at)
    assert unit.kind == "field" and doc.text[unit.value_start:unit.end] == "902 (in millions of dollars)"


# -- the real reports ----------------------------------------------------------------------------------------------

def on_page(doc: Document, line: str) -> int:
    """The PDF page of the line ``line`` of the stored text (it must be there, whole)."""
    at = doc.text.index("\n" + line + "\n") + 1
    return page_label(doc.metadata, at)[0]


@needs_reports
@pytest.mark.parametrize("name, record, pdf_page", [
    # a budget table: two header lines, a label over two columns, a row name wrapped over two lines
    ("crs-R48694", f"Total{SEP}FY2024: 202,312 (budget authority, in millions of current dollars)", 13),
    ("crs-R48694", f"Department of Defense-Military Programs{SEP}FY2025-FY2026 Request Dollar Change: 21,012 "
                   "(budget authority, in millions of current dollars)", 13),
    # labels over groups of columns
    ("crs-R47194", f"Iowa{SEP}Condition Rating (number) Poor: 4,423", 21),
    # the last column was read as a side column before (its values one row off)
    ("crs-IN12423", f"Incomes - $25,000 to $49,999{SEP}Share of RCEC Benefits Received: 6%", 2),
    # column labels that repeat under a year each
    ("crs-R48469", f"Tunas{SEP}FY2023 Audits: 116", 9),
    # NIST: a scale whose bands are ranges, its descriptions a column of words
    ("nist-sp-800-30r1", f"High{SEP}Description: Error, accident, or act of nature is highly likely to occur; or "
                         "occurs between 10-100 times a year.", 82),
    ("nist-sp-800-30r1", f"Very High{SEP}Description: Error, accident, or act of nature is almost certain to "
                         "occur; or occurs more than 100 times a year.", 82),
])
def test_report_tables_become_records_on_their_page(name, record, pdf_page):
    doc = report(name)
    assert on_page(doc, record) == pdf_page
    assert any(u.kind == "field" and doc.text[u.start:u.end] == record for u in units(doc))


@needs_reports
def test_report_text_around_a_table_is_kept():
    doc = report("crs-R48694")
    offsets = doc.metadata["pages"] + [len(doc.text)]
    page = doc.text[offsets[12]:offsets[13]]
    # the caption and its unit line stay above the records, the notes below them
    assert "\nTable 2. Crosscut Budget Amounts for Federal Research and Development (R&D) Funding, FY2024-FY2026 " \
           "Request\n(budget authority, in millions of current dollars)\nDepartment of Agriculture" in "\n" + page
    assert page.rstrip().endswith(f"Total{SEP}FY2025-FY2026 Request Percentage Change: -5.6%")
    assert " | " not in page  # no row of the table is left as read
    assert doc.text[offsets[13]:].startswith("Source: CRS calculated R&D funding totals")  # the next page as read


@needs_reports
def test_gao_pages_without_a_table_of_numbers_hold_no_records():
    doc = report("gao-07-283")
    assert SEP not in doc.text
