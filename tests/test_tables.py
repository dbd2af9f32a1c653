"""Tables become records at load ("Row group › Row › Column: value", one cell a line, the caption's unit after each
number), in plain text, Markdown, HTML and .docx alike; prose, lists, "label: value" lines and code stay what they
are; each record is a "label: value" unit; a retrieval over a throwaway index finds a record by its row and
column. The tables are invented, in the style of a statistical summary, a budget table and a schedule."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.load.loaders import SourceFile, load
from assistant.load.readers import plain, tables
from assistant.load.units import is_record, units

MAX = 10_000_000
SEP = " \u203a "

# -- the shared rendering ----------------------------------------------------------------------------------------------


def test_records_carry_groups_multi_line_headers_and_the_unit():
    header = [["", "Fiscal year", "Fiscal year"], ["Program", "2023", "2024"]]
    body = [["Operations:", "", ""], ["  Water treatment", "$1,300", "$1,410"], ["  Flood control", "\u2014", "420"],
            ["Total", "1,300", "1,830"]]
    lines = tables.records(header, body, "Table 2. Outlays\n(in millions of dollars)")
    assert lines == [
        "Table 2. Outlays", "(in millions of dollars)",
        f"Operations{SEP}Water treatment{SEP}Fiscal year 2023: $1,300 (in millions of dollars)",
        f"Operations{SEP}Water treatment{SEP}Fiscal year 2024: $1,410 (in millions of dollars)",
        f"Operations{SEP}Flood control{SEP}Fiscal year 2023: \u2014",  # a dash is kept as written, without unit
        f"Operations{SEP}Flood control{SEP}Fiscal year 2024: 420 (in millions of dollars)",
        f"Total{SEP}Fiscal year 2023: 1,300 (in millions of dollars)",  # indented as little as the group: out of it
        f"Total{SEP}Fiscal year 2024: 1,830 (in millions of dollars)",
    ]


def test_a_percentage_keeps_its_own_unit():
    lines = tables.records([["Program", "2024", "Change"]], [["Water", "1,410", "8.5%"]], "(in millions of dollars)")
    assert lines[1:] == [f"Water{SEP}2024: 1,410 (in millions of dollars)", f"Water{SEP}Change: 8.5%"]


def test_records_without_header_and_with_bare_numbers_or_repeated_names():
    assert tables.records([], [["Chair", "Ada Quill"], ["Clerk", "Bram Okafor"]]) == \
        ["Chair: Ada Quill", "Clerk: Bram Okafor"]  # two columns and no header: "name: value"
    assert tables.records([], [["a", "b", "c"], ["1", "2", "3"]]) == ["a | b | c", "1 | 2 | 3"]  # nothing names a cell
    assert tables.records([["Level", "Meaning"]], [["0", "None shared"]]) == [f"Level 0{SEP}Meaning: None shared"]
    pairs = tables.records([["v", "w", "Result"]], [["new", "new", "kept"], ["new", "old", "coerced"]])
    assert pairs == [f"v new, w new{SEP}Result: kept", f"v new, w old{SEP}Result: coerced"]
    # a row with a name and no values in a table of text is a row, not a group
    assert tables.records([["Site", "Notes"]], [["North", ""], ["South", "dry"]]) == ["North", f"South{SEP}Notes: dry"]


@pytest.mark.parametrize("caption, unit", [
    ("(thousand metric tons)", "thousand metric tons"), ("Table 3. Output (in millions of dollars)",
                                                         "in millions of dollars"),
    ("In billions of dollars", "In billions of dollars"), ("[Percent]", "Percent"),
    ("Table 3. Output (continued)", ""), ("Table 4. Events of the week", ""), ("(see note 2)", ""),
    ("(in millions of constant 2025 dollars)", "in millions of constant 2025 dollars"), ("(n = 1,250 tons)", ""),
])
def test_caption_unit(caption, unit):
    assert tables.caption_unit(caption) == unit


# -- plain text --------------------------------------------------------------------------------------------------------

STATISTICS = """\
Salient statistics for the two metals, 2020-2023
(thousand metric tons)

                          2020     2021     2022     2023
Production:
  Copper                 1,200    1,150      980    1,040
  Zinc                     700      720      690      710
Imports:
  Copper                   300      310       \u2014      320
  Zinc                      W       150      160      170

The figures for 2023 are estimates.
"""

BUDGET = """\
Table 2. Budget authority by program
(in millions of dollars)
                                    Fiscal year
Program                     2022      2023      2024
Water treatment            $1,250    $1,300    $1,410
Flood control                 410       395       420
Parks and trails               88        92        NA
"""

SCHEDULE = """\
The hearings are held as follows.

Event                 Date          Location
Opening session       March 4       Town hall
Budget hearing        April 12      Library annex
Final vote            May 20        Town hall
"""


def test_plain_statistical_summary():
    text = plain.plain_text(STATISTICS)
    assert text.split("\n\n")[0].endswith("(thousand metric tons)")  # the caption stays just above the records
    records = text.split("\n\n")[1].split("\n")
    assert records[0] == f"Production{SEP}Copper{SEP}2020: 1,200 (thousand metric tons)"
    assert f"Production{SEP}Copper{SEP}2023: 1,040 (thousand metric tons)" in records
    assert f"Imports{SEP}Copper{SEP}2022: \u2014" in records
    assert f"Imports{SEP}Zinc{SEP}2020: W" in records
    assert len(records) == 16 and all(is_record(r) for r in records)
    assert text.endswith("The figures for 2023 are estimates.")


LAID_OUT = """\
Table 5. Output of the two mills
(thousand metric tons)

                         2020     2021     2022     2023

Production:
  Copper                1,200    1,150      980    1,040

Imports:
  Copper                  300      310       \u2014      320

Region        Plants   Staff
North             12     340
South              7     120
"""


def test_plain_table_goes_on_across_blank_lines_until_another_table():
    blocks = plain.plain_text(LAID_OUT).split("\n\n")
    assert blocks[0] == "Table 5. Output of the two mills\n(thousand metric tons)"
    unit = " (thousand metric tons)"
    assert blocks[1].split("\n") == [f"{group}{SEP}Copper{SEP}{year}: {value}" + unit * (value != "\u2014")
                                     for group, values in (("Production", ("1,200", "1,150", "980", "1,040")),
                                                           ("Imports", ("300", "310", "\u2014", "320")))
                                     for year, value in zip(("2020", "2021", "2022", "2023"), values)]
    assert blocks[2] == f"North{SEP}Plants: 12\nNorth{SEP}Staff: 340\nSouth{SEP}Plants: 7\nSouth{SEP}Staff: 120"


GROUPED = """\
              Imports                 Exports
              -------------------     -------------------
              2022       2023         2022       2023
Region
North          12         14           30         31
South           8          9           22          -
"""


def test_plain_labels_over_groups_of_columns_and_the_first_columns_name():
    assert plain.plain_text(GROUPED).split("\n") == [
        f"North{SEP}Imports 2022: 12", f"North{SEP}Imports 2023: 14", f"North{SEP}Exports 2022: 30",
        f"North{SEP}Exports 2023: 31", f"South{SEP}Imports 2022: 8", f"South{SEP}Imports 2023: 9",
        f"South{SEP}Exports 2022: 22", f"South{SEP}Exports 2023: -"]


def test_plain_budget_table_with_a_spanning_header():
    text = plain.plain_text(BUDGET)
    lines = text.split("\n")
    assert lines[:2] == ["Table 2. Budget authority by program", "(in millions of dollars)"]
    assert f"Water treatment{SEP}Fiscal year 2023: $1,300 (in millions of dollars)" in lines
    assert f"Parks and trails{SEP}Fiscal year 2024: NA" in lines
    assert len([line for line in lines if is_record(line)]) == 9


def test_plain_schedule_of_text_cells():
    blocks = plain.plain_text(SCHEDULE).split("\n\n")
    assert blocks == ["The hearings are held as follows.", "\n".join([
        f"Opening session{SEP}Date: March 4", f"Opening session{SEP}Location: Town hall",
        f"Budget hearing{SEP}Date: April 12", f"Budget hearing{SEP}Location: Library annex",
        f"Final vote{SEP}Date: May 20", f"Final vote{SEP}Location: Town hall"])]


PROSE = """\
This paragraph is prose.  It puts two spaces after a period, as
typists once did.  The lines are wrapped at about sixty-five
characters.  Nothing in it is a table, though its lines hold runs
of two spaces.  It ends here.
"""
FIELDS = "Author:    Ada Example\nStatus:    Final\nCreated:   27-Jan-2018\n"
LIST = """\
1.  The first item of the list, which runs on for a while here
2.  The second item of the list, which is also rather long
3.  The third item closes the list with a few more words
"""
CODE = "    x = 1          # the first\n    longer = 22    # the second\n    z = 3          # the third\n"
FLUSH_CODE = "x = 1          # the first\nlonger = 22    # the second\nz = 3          # the third\n"


@pytest.mark.parametrize("source, expected", [
    (PROSE, "This paragraph is prose. It puts two spaces after a period, as typists once did. The lines are wrapped at "
            "about sixty-five characters. Nothing in it is a table, though its lines hold runs of two spaces. It ends "
            "here."),
    (FIELDS, "Author: Ada Example\nStatus: Final\nCreated: 27-Jan-2018"),
    (LIST, "1. The first item of the list, which runs on for a while here\n2. The second item of the list, which is "
           "also rather long\n3. The third item closes the list with a few more words"),
    (CODE, CODE.rstrip("\n")),
])
def test_prose_fields_lists_and_code_are_no_tables(source, expected):
    assert plain.plain_text(source) == expected
    assert tables.find_aligned(source.rstrip("\n").split("\n")) is None


def test_flush_left_code_is_no_table():
    assert tables.find_aligned(FLUSH_CODE.rstrip("\n").split("\n")) is None


GRID = """\
+---------+----------+----------+
| Plant   | 2022     | 2023     |
+=========+==========+==========+
| North   | 1,200    | 1,040    |
+---------+----------+----------+
| South   | 700      | 710 (a   |
|         |          | revised) |
+---------+----------+----------+

| Stage   | Opens    | Closes   |
|---------|----------|----------|
| Hearing | April 12 | April 30 |
| Vote    | May 20   | May 21   |

 name  | count
-------+-------
 alpha |     1
 beta  |     2
"""


def test_plain_tables_drawn_with_bars():
    assert plain.plain_text(GRID).split("\n\n") == [
        f"North{SEP}2022: 1,200\nNorth{SEP}2023: 1,040\nSouth{SEP}2022: 700\nSouth{SEP}2023: 710 (a revised)",
        f"Hearing{SEP}Opens: April 12\nHearing{SEP}Closes: April 30\nVote{SEP}Opens: May 20\nVote{SEP}Closes: May 21",
        f"alpha{SEP}count: 1\nbeta{SEP}count: 2"]


def test_an_interactive_session_is_no_table():
    session = ">>> x = compute(1)\n>>> x\n42\n>>> y  = 3\n"
    assert " \u203a " not in plain.plain_text(session) and tables.find_aligned(session.split("\n")) is None


def test_rows_that_do_not_align_stay_line_by_line():
    ragged = "North 12  4,100  3,900  7.5\nSouth quarter  8  2,200 1,950  6.1\nEast  3  900  850  2.0\n"
    assert plain.plain_text(ragged) == "North 12 | 4,100 | 3,900 | 7.5\nSouth quarter | 8 | 2,200 1,950 | 6.1\n" \
                                       "East | 3 | 900 | 850 | 2.0"
    wide = "  ".join(f"c{k}" for k in range(tables.MAX_COLUMNS + 2))
    rows = [wide] + ["  ".join(f"{k}" for k in range(tables.MAX_COLUMNS + 2)) for _ in range(3)]
    assert plain.plain_text("\n".join(rows)).count("\n") == 3  # too wide for records: never one paragraph


# -- Markdown, HTML, .docx ---------------------------------------------------------------------------------------------

MARKDOWN = """\
# Water report

Table 1. Supply by source (million litres)

| Source | 2022 | 2023 |
|---|---|---|
| **Reservoirs** | | |
| Alder | 410 | 395 |
| Brook | 88 | \u2014 |

Table 2. Budget authority (in thousands of dollars)

| Account | FY 2023 | FY 2024 |
|---|---|---|
| 1. Wages | 14 | 15 |

| Stage | Opens | Closes |
|---|---|---|
| Hearing | April 12 | April 30 |
"""


def load_text(tmp_path: Path, name: str, content: str | bytes):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return load(SourceFile(path, name), MAX)


def test_markdown_tables(tmp_path):
    doc = load_text(tmp_path, "report.md", MARKDOWN)
    lines = doc.text.split("\n")
    assert f"Reservoirs{SEP}Alder{SEP}2023: 395 (million litres)" in lines  # a row with no values: a group
    assert f"Reservoirs{SEP}Brook{SEP}2023: \u2014" in lines
    assert f"1. Wages{SEP}FY 2024: 15 (in thousands of dollars)" in lines
    assert f"Hearing{SEP}Closes: April 30" in lines
    assert "|" not in doc.text


def test_an_html_table_in_markdown_is_records_too(tmp_path):
    doc = load_text(tmp_path, "notes.md", "# Notes\n\n<table>\n<tr><th>Fund</th><th>FY 2023</th></tr>\n"
                                          "<tr><td>Parks</td><td>$92</td></tr>\n</table>\n\n<div>Kept <b>as</b> text</div>\n")
    assert doc.text == f"Notes\n\nParks{SEP}FY 2023: $92\n\nKept as text"


HTML = """\
<html><head><title>Plan</title></head><body><h1>Plan</h1>
<table><caption>Output by plant (thousand metric tons)</caption>
<thead><tr><th rowspan="2">Plant</th><th colspan="2">Year</th></tr><tr><th>2022</th><th>2023</th></tr></thead>
<tbody><tr><td colspan="3">Smelters</td></tr><tr><th>North</th><td>1,200</td><td>1,040</td></tr></tbody></table>
<p>Outlays are in millions of dollars.</p>
<table><tr><td>Fund</td><td>FY 2023</td><td>FY 2024</td></tr><tr><td>Parks</td><td>$92</td><td>$101</td></tr></table>
<table><tr><th>Stage</th><th>Opens</th><th>Closes</th></tr><tr><td>Hearing</td><td>April 12</td><td>April 30</td></tr>
</table></body></html>
"""


def test_html_tables(tmp_path):
    doc = load_text(tmp_path, "plan.html", HTML)
    lines = doc.text.split("\n")
    caption = lines.index("Output by plant (thousand metric tons)")
    assert lines[caption + 1:caption + 3] == [f"Smelters{SEP}North{SEP}Year 2022: 1,200 (thousand metric tons)",
                                              f"Smelters{SEP}North{SEP}Year 2023: 1,040 (thousand metric tons)"]
    assert f"Parks{SEP}FY 2024: $101" in lines  # no th: the first row names the columns (words over numbers)
    assert f"Hearing{SEP}Opens: April 12" in lines


def make_docx(path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("Annual summary", level=1)
    document.add_paragraph("Table 1. Production (thousand metric tons)")
    table = document.add_table(rows=5, cols=3)
    table.cell(0, 1).merge(table.cell(0, 2)).text = "Year"
    for row, values in zip(table.rows[1:], (("", "2022", "2023"), ("Production:", "", ""), ("  Copper", "980", "1,040"),
                                            ("  Zinc", "690", "W"))):
        for cell, value in zip(row.cells, values):
            cell.text = value
    document.add_paragraph("Budget (in millions of dollars)")
    budget = document.add_table(rows=2, cols=3)
    for row, values in zip(budget.rows, (("Account", "FY 2023", "FY 2024"), ("Parks", "92", "101"))):
        for cell, value in zip(row.cells, values):
            cell.text = value
    schedule = document.add_table(rows=2, cols=3)
    for row, values in zip(schedule.rows, (("Stage", "Opens", "Closes"), ("Hearing", "April 12", "April 30"))):
        for cell, value in zip(row.cells, values):
            cell.text = value
    for row in (table.rows[0], table.rows[1]):  # the two header rows repeat on each page
        from docx.oxml import OxmlElement

        row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    document.save(str(path))


def test_docx_tables(tmp_path):
    make_docx(tmp_path / "summary.docx")
    doc = load(SourceFile(tmp_path / "summary.docx", "summary.docx"), MAX)
    lines = doc.text.split("\n")
    assert f"Production{SEP}Copper{SEP}Year 2023: 1,040 (thousand metric tons)" in lines
    assert f"Production{SEP}Zinc{SEP}Year 2023: W" in lines
    assert f"Parks{SEP}FY 2024: 101 (in millions of dollars)" in lines
    assert f"Hearing{SEP}Closes: April 30" in lines


# -- units and retrieval -----------------------------------------------------------------------------------------------


def test_a_loaded_record_is_a_field_unit_under_its_heading(tmp_path):
    doc = load_text(tmp_path, "report.md", MARKDOWN)
    found = {doc.text[u.start:u.end]: u for u in units(doc)}
    record = f"1. Wages{SEP}FY 2024: 15 (in thousands of dollars)"
    unit = found[record]
    assert unit.kind == "field" and unit.path == ("Water report",)
    assert doc.text[unit.value_start:unit.end] == "15 (in thousands of dollars)"
    assert doc.text[unit.block_start:unit.block_end] == "Table 2. Budget authority (in thousands of dollars)"


@pytest.mark.slow
def test_retrieval_finds_a_record_by_its_row_and_column(tmp_path, tiny_corpus):
    from assistant.engine import get_assistant
    from assistant.index.chunking import split
    from assistant.index.ingest import ingest
    from assistant.settings import Settings

    rows = "\n".join(f"  {metal:<20}" + "".join(f"{(k * 37 + y * 11) % 900 + 100:>9,}" for y in range(4))
                     for k, metal in enumerate(["Copper", "Zinc", "Lead", "Nickel", "Tin", "Cobalt"]))
    (tiny_corpus / "minerals.txt").write_text(
        "Mineral statistics of the Lune valley\n\nTable 1. Salient statistics\n(thousand metric tons)\n\n"
        "                        2020     2021     2022     2023\nProduction:\n" + rows + "\nImports:\n" + rows + "\n",
        encoding="utf-8")
    settings = Settings(corpus_dir=tiny_corpus, index_dir=tmp_path / "index")
    ingest(settings=settings, progress=False)
    record = f"Imports{SEP}Nickel{SEP}2022: {(3 * 37 + 2 * 11) % 900 + 100:,} (thousand metric tons)"
    doc = get_assistant(settings).document("minerals.txt")
    assert record in doc.text.split("\n")
    retrieval = get_assistant(settings).retriever.search("How much nickel was imported in 2022?", k=3)
    assert record in retrieval.chunks[0].chunk.text, [h.chunk.text[:80] for h in retrieval.chunks]
    assert len(split(doc, settings.chunk_size, settings.chunk_overlap)) >= 3  # the best of several chunks of records
    for hit in retrieval.chunks:  # chunks are cut between record lines, never inside one
        if hit.chunk.source == "minerals.txt":
            assert doc.text[hit.chunk.start - 1:hit.chunk.start] in ("", "\n")
            assert doc.text[hit.chunk.end:hit.chunk.end + 1] in ("", "\n")
