"""The load → clean contract (fast: no model): every format's Document.text is clean prose with heading offsets,
list items and "label: value" lines one per line, tables as records, code kept; the wrap-join heuristic on text in
the style of two corpora; every PEP and a sample of White House documents from ../shared/corpora when present."""

from __future__ import annotations

import io
import random
import re
import zipfile
from pathlib import Path

import pytest

from assistant.answer.citations import Draft, Quote, Segment, page_label, render
from assistant.errors import SkipFile
from assistant.load.loaders import FORMATS, SourceFile, iso_date, load, supported_types
from assistant.load.readers import plain
from assistant.load.readers.blocks import is_field_line, join_field_lines

from conftest import REPO, pdf_bytes

MAX = 10_000_000
SHARED = REPO.parent / "shared" / "corpora"
# Markup that must never survive into prose. reST escapes are resolved by docutils, so a backslash or a lone
# backtick left in a PEP is content (a regex, a shell line); what must be gone there is role, link and literal syntax.
STRONG = r"(?<![\w)*])\*\*[A-Za-z][^*\n]*[A-Za-z.:]\*\*(?![\w(*])"
MARKUP_MD = re.compile(STRONG + r"|`[^`\n]+`|\\[()\[\]*_#]|\]\(https?:|&(?:amp|nbsp|lt|gt|quot|#\d+);|\u00a0")
MARKUP_RST = re.compile(STRONG + r"|:(?:pep|rfc|ref|func|class|mod|meth|attr|data|term|doc):`|<https?://[^>\s]*>`_"
                        r"|``\S|\u00a0")


def load_text(tmp_path: Path, name: str, content: str | bytes):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return load(SourceFile(path, name), MAX)


def headings_of(doc) -> list[tuple[str, int]]:
    return [(doc.text[s:e], level) for s, e, level in doc.metadata["headings"]]


def assert_contract(doc, source_text: str = "", markup: re.Pattern = MARKUP_MD) -> None:
    """Headings are whole lines at their offsets; no markup left in prose (blocks copied verbatim from an indented
    block of the source are code and may hold anything); no paragraph line is a cut-off wrap of the source."""
    text = doc.text
    assert "\r" not in text and text == text.strip("\n")  # (blank-line runs are allowed inside code blocks)
    for start, end, level in doc.metadata["headings"]:
        heading = text[start:end]
        assert heading and heading == heading.strip() and "\n" not in heading and level >= 1
        assert start == 0 or text[start - 1] == "\n"
        assert end == len(text) or text[end] == "\n"
    indented = {line.strip() for line in source_text.split("\n") if line[:1] in (" ", "\t")}
    for line in text.split("\n"):
        if source_text and line.strip() in indented:
            continue  # a line of a code block (or of an indented quote) kept as it is
        found = markup.search(line)
        assert not found, f"markup left in {line[:200]!r}: {found.group(0)!r}"


# -- the wrap-join heuristic and field lines (two corpora's styles) -----------------------------------------

PEP_STYLE = """\
This document describes the development and release schedule for
Python 3.99.  The schedule primarily concerns itself with PEP-sized
items.
- 3.99 Release Manager: Ada Example
- Windows installers: Bob Sample
Author: Ada Example <ada@example.org>
Status: Final
"""

WHITEHOUSE_STYLE = """\
BY THE PRESIDENT OF THE UNITED STATES OF AMERICA
A PROCLAMATION
On this day we recognize the work of the many people who keep the
water clean in every town and city across the Nation, and we thank
them.
(a) The Secretary shall report within 180 days of the date of this
    order on the steps taken.
(b) The Administrator shall consult the States.
JOSEPH R. BIDEN JR.
"""


def test_join_wrapped_on_pep_style_text():
    lines = plain.join_wrapped(PEP_STYLE.splitlines())
    assert lines == [
        "This document describes the development and release schedule for Python 3.99. The schedule primarily "
        "concerns itself with PEP-sized items.",
        "- 3.99 Release Manager: Ada Example",
        "- Windows installers: Bob Sample",
        "Author: Ada Example <ada@example.org>",
        "Status: Final",
    ]


def test_join_wrapped_on_whitehouse_style_text():
    lines = plain.join_wrapped(WHITEHOUSE_STYLE.splitlines())
    assert lines[0] == "BY THE PRESIDENT OF THE UNITED STATES OF AMERICA"  # short, no final punctuation: own line
    assert lines[1] == "A PROCLAMATION"
    assert lines[2].startswith("On this day we recognize") and lines[2].endswith("and we thank them.")
    assert lines[3] == ("(a) The Secretary shall report within 180 days of the date of this order on the steps "
                        "taken.")  # an item's indented continuation joins the item
    assert lines[4] == "(b) The Administrator shall consult the States."
    assert lines[5] == "JOSEPH R. BIDEN JR."  # a sentence end well short of the width ends its paragraph
    assert len(lines) == 6


@pytest.mark.parametrize("line, expected", [
    ("Author: Guido van Rossum", True),
    ("- 3.8.0 final: Monday, 2019-10-14", True),
    ("Created: 27-Jan-2018", True),
    ("Sec. 2. Policy: the United States shall", True),
    ("https://example.org/path: not a label", False),
    ("the rules, which we adopted after a long and careful review of every case: apply", False),
    ("No colon in this line at all", False),
    ("this: There were no leaks from here.", False),  # a briefing's sentence wrapped after "I can tell you"
])
def test_is_field_line(line, expected):
    assert is_field_line(line) is expected


def test_list_items_and_short_lines():
    assert plain.is_list_item("- item") and plain.is_list_item("12. twelfth") and plain.is_list_item("(ii) roman")
    assert not plain.is_list_item("2019 was a year") and not plain.is_list_item("-5 degrees")
    assert plain.ends_short("A PROCLAMATION", 72)
    assert not plain.ends_short("This document describes the development and release schedule for", 72)
    assert plain.ends_short("items.", 72) and not plain.ends_short("a long sentence that ends near the width.", 45)


def test_field_lines_in_a_paragraph_stay_one_per_line():
    assert join_field_lines("Author: Ada\nStatus: Final\nType: Process") == "Author: Ada\nStatus: Final\nType: Process"
    assert join_field_lines("The plan was\nadopted: on time") == "The plan was adopted: on time"
    assert join_field_lines("Author: Ada Example,\n  Bob Sample\nStatus: Final") == \
        "Author: Ada Example, Bob Sample\nStatus: Final"


@pytest.mark.parametrize("source, clean", [
    ("critical min-\nerals", "critical minerals"),  # a report's hyphenated line end
    ("the Trade Repre-\n  sentative shall", "the Trade Representative shall"),  # an executive order's
    ("self-\nContained and 1990-\n2000", "self-\nContained and 1990-\n2000"),  # capital or digit: a real hyphen
])
def test_dehyphenate(source, clean):
    from assistant.load.readers.pdf import dehyphenate

    assert dehyphenate(source) == clean


@pytest.mark.parametrize("source, clean", [
    ("``bigint``.``undefined`` is the default", "bigint.undefined is the default"),  # PEP 818's glued literals
    ("hosts ```https://foo.example.com`` <https://foo.example.com>`__ and", "hosts https://foo.example.com and"),
    ("a plain sentence: 2**31-1", "a plain sentence: 2**31-1"),
])
def test_rst_tidy_of_leftover_markup(source, clean):
    from assistant.load.readers.rst import tidy

    assert tidy(source) == clean


@pytest.mark.parametrize("value, iso", [("27-Jan-2018", "2018-01-27"), ("2019-10-14", "2019-10-14"),
                                        ("14 October 2019", "2019-10-14"), ("October 14, 2019", "2019-10-14"),
                                        ("13-Jul-2000 (revised)", "2000-07-13"), ("sometime", ""),
                                        ("31-Feb-2020", "")])
def test_iso_date(value, iso):
    assert iso_date(value) == iso


# -- Markdown -------------------------------------------------------------------------------------------------

WH_MARKDOWN = """\
---
title: "A Proclamation on Clean\\_Water Week, 2031"
date: '2031-05-04'
source_url: https://example.org/proclamation
---
 
BY THE PRESIDENT OF THE UNITED STATES OF AMERICA

A PROCLAMATION

**BOLSTERING THE WATER SUPPLY:**  The Administrator of the Agency shall,
within 180 days, report on the steps in section 2\\(ii\\) of this
proclamation &amp; on the *five* regional plans, as set out at
[the Agency's site](https://example.org/agency).

## Sec. 2.  Policy

1. The first duty is
   to keep the water clean.
2. The second duty:
   - monitor the rivers;
   - publish the results.

| Region | Plants |
|--------|--------|
| North  | 12     |
| South  | `7`    |

```
code  stays
  as it is
```

# # #
"""


def test_markdown_meets_the_contract(tmp_path):
    doc = load_text(tmp_path, "proclamation.md", WH_MARKDOWN)
    assert_contract(doc)
    assert doc.metadata["title"] == "A Proclamation on Clean Water Week, 2031"  # YAML "\\_" is a no-break space
    assert doc.metadata["date"] == "2031-05-04" and doc.metadata["url"] == "https://example.org/proclamation"
    assert "title:" not in doc.text and "source_url" not in doc.text  # front matter is metadata only
    assert doc.text.split("\n\n") == [
        "BY THE PRESIDENT OF THE UNITED STATES OF AMERICA",
        "A PROCLAMATION",
        "BOLSTERING THE WATER SUPPLY: The Administrator of the Agency shall, within 180 days, report on the steps "
        "in section 2(ii) of this proclamation & on the five regional plans, as set out at the Agency's site.",
        "Sec. 2. Policy",
        "1. The first duty is to keep the water clean.\n2. The second duty:\n  - monitor the rivers;\n"
        "  - publish the results.",
        "North › Plants: 12\nSouth › Plants: 7",  # a table as records (readers/tables.py)
        "    code  stays\n      as it is",  # indented: the clean text's mark of code
    ]
    assert headings_of(doc) == [("Sec. 2. Policy", 1)]
    from assistant.load.units import units

    assert {u.kind for u in units(doc) if "as it is" in doc.text[u.start:u.end] or "stays" in
            doc.text[u.start:u.end]} == {"code"}


@pytest.mark.parametrize("source, clean", [
    ("**Sec. 3. Ensuring an Equitable Response. ** To address", "Sec. 3. Ensuring an Equitable Response. To address"),
    ("**Sec. 2. \u00a0**The prohibitions in section 1", "Sec. 2. The prohibitions in section 1"),
    ("5.  *Golden Parachute Ban*.* * I have not accepted", "5. Golden Parachute Ban. I have not accepted"),
    ("PEP 448 allows f(**kw, **more) and 2 * 3 and `a ** b`", "PEP 448 allows f(**kw, **more) and 2 * 3 and a ** b"),
])
def test_markdown_leftover_delimiters(source, clean):
    from assistant.load.readers import markdown

    assert markdown.render(source)[0] == clean


def test_markdown_ordered_items_keep_their_numbers_and_headings_their_levels(tmp_path):
    doc = load_text(tmp_path, "n.md", "# Top\n\nIntro.\n\n### Deep\n\n7. seventh\n8. eighth\n\n## Middle\n")
    assert "7. seventh\n8. eighth" in doc.text
    assert headings_of(doc) == [("Top", 1), ("Deep", 3), ("Middle", 2)]
    assert doc.metadata["title"] == "Top"


# -- reStructuredText and PEPs ---------------------------------------------------------------------------------

PEP = """\
PEP: 9999
Title: Python 3.99 Release Schedule
Author: Ada Example <ada@example.org>,
        Bob Sample <bob@example.org>
Status: Active
Type: Informational
Created: 27-Jan-2031
Python-Version: 3.99
Post-History: `01-Feb-2031 <https://discuss.example.org/t/1>`__


Abstract
========

This document describes the release schedule for Python 3.99, as
proposed in :pep:`602`, :pep:`8#naming` and :pep:`its naming part <8#naming>`,
using dates from :rfc:`2822`. See :func:`~os.path.join`, the
``literal`` and *emphasis* and **strong** words, the |sub| text, a
`link <https://example.org>`_ and a footnote [#note]_.

.. This comment is dropped.

.. |sub| replace:: substituted

.. [#note] The footnote text is dropped.

.. _a-target: https://example.org/target

Release Manager and Crew
========================

- 3.99 Release Manager: Ada Example
- Windows installers: Bob Sample,
  with help

3.99.0 schedule
---------------

.. release schedule: feature

- 3.99.0 final: Monday, 2031-10-14

.. note:: An unknown-to-docutils admonition still reads as prose.

.. versionadded:: 3.99
   A Sphinx directive docutils does not know.

.. code-block:: python

   def keep(this):
       return "exactly"

A literal block::

    $ python -m keep   # stays as is

=====  ======
Name   Count
=====  ======
alpha  1
beta   2
=====  ======

:Field: value of a body field list
"""


def test_pep_meets_the_contract(tmp_path):
    doc = load_text(tmp_path, "pep-9999.txt", PEP)
    assert_contract(doc, PEP, MARKUP_RST)
    meta = doc.metadata
    assert meta["title"] == "Python 3.99 Release Schedule" and meta["date"] == "2031-01-27"
    assert meta["fields"]["Author"] == "Ada Example <ada@example.org>, Bob Sample <bob@example.org>"
    assert meta["fields"]["Status"] == "Active" and meta["fields"]["Python-Version"] == "3.99"
    assert meta["fields"]["Created"] == "27-Jan-2031" and meta["fields"]["Post-History"] == "01-Feb-2031"
    blocks = doc.text.split("\n\n")
    assert blocks[0].split("\n")[:3] == ["PEP: 9999", "Title: Python 3.99 Release Schedule",
                                         "Author: Ada Example <ada@example.org>, Bob Sample <bob@example.org>"]
    abstract = blocks[blocks.index("Abstract") + 1]
    assert abstract == ("This document describes the release schedule for Python 3.99, as proposed in PEP 602, "
                        "PEP 8 and its naming part, using dates from RFC 2822. See join, the literal and emphasis and "
                        "strong words, the substituted text, a link and a footnote.")
    for dropped in ("comment is dropped", "footnote text", "example.org/target", "release schedule: feature",
                    "versionadded", "code-block", ".. "):
        assert dropped not in doc.text
    assert "- 3.99 Release Manager: Ada Example\n- Windows installers: Bob Sample, with help" in doc.text
    assert "- 3.99.0 final: Monday, 2031-10-14" in blocks
    assert "An unknown-to-docutils admonition still reads as prose." in blocks
    assert "A Sphinx directive docutils does not know." in blocks
    assert '    def keep(this):\n        return "exactly"' in blocks
    assert "    $ python -m keep   # stays as is" in blocks
    assert "alpha › Count: 1\nbeta › Count: 2" in blocks  # a table as records (readers/tables.py)
    assert "Field: value of a body field list" in blocks
    assert headings_of(doc) == [("Abstract", 1), ("Release Manager and Crew", 1), ("3.99.0 schedule", 2)]


def test_rst_file_with_docinfo_and_a_title(tmp_path):
    source = ("=========\nThe Guide\n=========\n\n:Author: Ada Example\n:Date: 2031-03-04\n:Version: 2\n\n"
              "Intro paragraph that is\nwrapped.\n\nPart one\n--------\n\n#. first\n#. second\n")
    doc = load_text(tmp_path, "guide.rst", source)
    assert_contract(doc, source, MARKUP_RST)
    assert doc.metadata["title"] == "The Guide" and doc.metadata["date"] == "2031-03-04"
    assert doc.metadata["fields"]["Author"] == "Ada Example" and doc.metadata["fields"]["Version"] == "2"
    assert "Intro paragraph that is wrapped." in doc.text.split("\n\n")
    assert "1. first\n2. second" in doc.text
    assert headings_of(doc) == [("The Guide", 1), ("Part one", 2)]


def test_plain_txt_is_not_taken_for_rst(tmp_path):
    doc = load_text(tmp_path, "memo.txt", WHITEHOUSE_STYLE)
    assert doc.metadata["headings"] == [] and "fields" not in doc.metadata
    assert doc.text.startswith("BY THE PRESIDENT OF THE UNITED STATES OF AMERICA\nA PROCLAMATION\nOn this day")


def test_rst_that_docutils_chokes_on_still_loads(tmp_path):
    source = "Title\n=====\n\n.. raw:: html\n\n   <b>x</b>\n\n.. include:: /etc/passwd\n\n:unknown:`role` text\n"
    doc = load_text(tmp_path, "odd.rst", source)
    assert "root:" not in doc.text and "<b>" not in doc.text
    assert "role text" in doc.text


# -- HTML -----------------------------------------------------------------------------------------------------

def test_html_meets_the_contract(tmp_path):
    page = ("<html><head><title>Report</title></head><body><nav>Home | About</nav><h1>Water report</h1>"
            "<p>The plant treats\n  4.2&nbsp;million litres <b>a day</b>, see <a href='/x'>the table</a>.</p>"
            "<h2>Plants</h2><ul><li>North<ul><li>Unit 1</li></ul></li><li>South</li></ul>"
            "<ol start='3'><li>third</li><li>fourth</li></ol>"
            "<table><tr><th>Name</th><th>Litres</th></tr><tr><td>North</td><td>2.0</td></tr></table>"
            "<pre>keep\n  this</pre><div>Loose text in a div</div></body></html>")
    doc = load_text(tmp_path, "report.html", page)
    assert_contract(doc)
    assert doc.text.split("\n\n") == [
        "Water report", "The plant treats 4.2 million litres a day, see the table.", "Plants",
        "- North\n  - Unit 1\n- South", "3. third\n4. fourth", "North › Litres: 2.0", "    keep\n      this",
        "Loose text in a div"]
    assert headings_of(doc) == [("Water report", 1), ("Plants", 2)]


# -- Word -----------------------------------------------------------------------------------------------------

def make_docx(path: Path) -> None:
    import datetime as dt

    import docx

    document = docx.Document()
    document.core_properties.title = "Water plan"
    document.core_properties.author = "Ines Varga"
    document.core_properties.created = dt.datetime(2031, 3, 4, 9, 30)
    document.add_heading("Summary", level=1)
    document.add_paragraph("The council adopted the plan\u00a0on March 4.")
    document.add_heading("Measures", level=2)
    document.add_paragraph("Fix the leaks", style="List Bullet")
    document.add_paragraph("Meter the farms", style="List Bullet")
    document.add_paragraph("First step", style="List Number")
    document.add_paragraph("Second step", style="List Number")
    table = document.add_table(rows=2, cols=2)
    for row, cells in zip(table.rows, (("Measure", "Saving"), ("Leaks", "6 percent"))):
        for cell, value in zip(row.cells, cells):
            cell.text = value
    document.add_paragraph("Contact: the works office")
    document.save(str(path))


def test_docx_numbering_decides_bullets_and_numbers(tmp_path):
    """Word marks list paragraphs with numbering (w:numPr) on a plain style: its format decides "- " or "1. "."""
    import docx
    from docx.oxml.ns import qn
    from docx.oxml import OxmlElement

    document = docx.Document()
    ids = {name: document.styles[name].element.pPr.numPr.numId.val for name in ("List Bullet", "List Number")}
    for text, style, level in (("Intro", None, 0), ("Apples", "List Bullet", 0), ("Green", "List Bullet", 1),
                               ("One", "List Number", 0), ("Two", "List Number", 0)):
        paragraph = document.add_paragraph(text)  # the "Normal" style: only the numbering says it is an item
        if style:
            num_pr = OxmlElement("w:numPr")
            ilvl, num_id = OxmlElement("w:ilvl"), OxmlElement("w:numId")
            ilvl.set(qn("w:val"), str(level))
            num_id.set(qn("w:val"), str(ids[style]))
            num_pr.append(ilvl)
            num_pr.append(num_id)
            paragraph._p.get_or_add_pPr().append(num_pr)
    path = tmp_path / "lists.docx"
    document.save(str(path))
    doc = load(SourceFile(path, path.name), MAX)
    assert doc.text == "Intro\n\n- Apples\n  - Green\n1. One\n2. Two"


def test_docx_meets_the_contract(tmp_path):
    path = tmp_path / "plan.docx"
    make_docx(path)
    doc = load(SourceFile(path, "plan.docx"), MAX)
    assert_contract(doc)
    assert doc.text.split("\n\n") == [
        "Summary", "The council adopted the plan on March 4.", "Measures",
        "- Fix the leaks\n- Meter the farms\n1. First step\n2. Second step", "Measure: Saving\nLeaks: 6 percent",
        "Contact: the works office"]
    assert headings_of(doc) == [("Summary", 1), ("Measures", 2)]
    assert doc.metadata["title"] == "Water plan" and doc.metadata["date"] == "2031-03-04"
    assert doc.metadata["fields"]["Author"] == "Ines Varga" and doc.metadata["fields"]["Created"] == "2031-03-04"


def docx_skip(tmp_path: Path, raw: bytes) -> str:
    path = tmp_path / "hostile.docx"
    path.write_bytes(raw)
    with pytest.raises(SkipFile) as info:
        load(SourceFile(path, "hostile.docx"), MAX)
    assert "\n" not in info.value.reason
    return info.value.reason


def test_docx_zip_bomb_is_refused_before_inflating(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * 60_000_000)  # 60 MB of zeros: about 60 KB packed
    reason = docx_skip(tmp_path, buffer.getvalue())
    assert "zip bomb" in reason and "60,000" in reason


def test_docx_broken_truncated_and_not_a_zip(tmp_path):
    path = tmp_path / "good.docx"
    make_docx(path)
    whole = path.read_bytes()
    assert "broken .docx archive" in docx_skip(tmp_path, whole[: len(whole) // 2])
    assert "not a zip archive" in docx_skip(tmp_path, b"This is text pretending to be a Word file.\n")
    damaged = bytearray(whole)
    at = whole.index(b"word/document.xml") + 200  # inside the member's compressed data
    damaged[at:at + 40] = b"\xff" * 40
    assert re.search(r"broken \.docx archive|malformed \.docx", docx_skip(tmp_path, bytes(damaged)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a document")
    assert "no word/document.xml" in docx_skip(tmp_path, buffer.getvalue())


def test_docx_entity_expansion_is_not_followed(tmp_path):
    """A "billion laughs" document.xml: python-docx's parser does not resolve entities, so it costs nothing."""
    path = tmp_path / "good.docx"
    make_docx(path)
    laughs = ('<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
              '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
              '<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">]>'
              '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r>'
              '<w:t>&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;</w:t></w:r></w:p></w:body></w:document>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in source.infolist():
            data = laughs.encode() if member.filename == "word/document.xml" else source.read(member)
            archive.writestr(member.filename, data)
    hostile = tmp_path / "laughs.docx"
    hostile.write_bytes(buffer.getvalue())
    try:
        doc = load(SourceFile(hostile, hostile.name), MAX)
    except SkipFile as skip:
        assert "\n" not in skip.reason
        return
    assert len(doc.text) < 10_000 and "haha" not in doc.text


# -- PDF ------------------------------------------------------------------------------------------------------

def multipage_pdf(pages: list[list[str]]) -> bytes:
    """A PDF with one page per entry, each line of the entry shown on its own text line (Helvetica 11)."""
    n = len(pages)
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(n)), n),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    for lines in pages:
        shown = b" ".join(b"(%s) Tj 0 -14 Td" % line.encode("latin-1").replace(b"(", b"\\(").replace(b")", b"\\)")
                          for line in lines)
        stream = b"BT /F1 11 Tf 72 740 Td " + shown + b" ET"
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                       b"/Resources << /Font << /F1 3 0 R >> >> >>" % (len(objects) + 2))
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    return pdf_bytes(objects)


REPORT_PAGES = [
    ["Critical minerals report", "The United States imports all of its supply of twelve critical min-",
     "erals and more than half of another twenty-nine, the survey found in its annual", "review of supply."],
    ["Page two holds the recommendation that the stockpile be doubled within five", "years."],
    [],
    ["The last page names the agency responsible for the stockpile review."],
]


def test_pdf_pages_map_hyphenation_and_joined_lines(tmp_path):
    doc = load_text(tmp_path, "report.pdf", multipage_pdf(REPORT_PAGES))
    assert_contract(doc)
    text, pages = doc.text, doc.metadata["pages"]
    assert len(pages) == 4 and pages[0] == 0 and pages == sorted(pages)
    assert "twelve critical minerals and more than half of another twenty-nine, the survey found in its annual " \
           "review of supply." in text
    assert text[pages[1]:].startswith("Page two holds the recommendation that the stockpile be doubled within five "
                                      "years.")
    assert text[pages[3]:].startswith("The last page")
    start = text.index("stockpile be doubled")
    assert page_label(doc, start, start + 20) == "2"
    across = text.index("review of supply.")
    assert page_label(doc, across, text.index("Page two") + 4) == "1-2"
    draft = Draft(lead=[Segment("Double the stockpile.", [Quote("report.pdf", start, start + 20)])],
                  evidence=[Quote("report.pdf", start, start + 20)])
    answer = render(draft, {"report.pdf": doc}, "what to do?")
    assert answer.citations[0].page == "2" and answer.citations[0].to_dict()["page"] == "2"


# -- formats in one place -------------------------------------------------------------------------------------

def test_readme_lists_exactly_the_supported_types():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Formats"):]
    section = section[: section.find("\n## ", 4)] if "\n## " in section[4:] else section
    listed = set(re.findall(r"`(\.[a-z]+)`", section))
    assert listed == set(FORMATS), (listed, set(FORMATS))
    assert supported_types().count(".") == len(FORMATS)


# -- the shared corpora ---------------------------------------------------------------------------------------

def _shared(name: str) -> Path:
    folder = SHARED / name
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent (the shared corpora are not part of a fresh clone)")
    return folder


# PEP 12 is about reST markup: its prose quotes markup in inline literals, on purpose. PEP 653 has a "quoted
# literal block" (unindented lines after "::" that start with "*"): docutils keeps it as code.
ABOUT_MARKUP = {"pep-0012.txt", "pep-0653.txt"}


def test_every_pep_loads_clean():
    files = sorted(_shared("peps").glob("pep-*.txt"))
    assert len(files) >= 600
    failures = []
    for path in files:
        doc = load(SourceFile(path, path.name), MAX)
        try:
            if path.name not in ABOUT_MARKUP:
                assert_contract(doc, path.read_text(encoding="utf-8"), MARKUP_RST)
        except AssertionError as exc:
            failures.append(f"{path.name}: {str(exc).splitlines()[0][:300]}")
        assert doc.metadata["fields"].get("PEP") and doc.metadata["title"] != path.stem, path.name
        assert doc.text.startswith("PEP: "), path.name
    assert not failures, "\n".join(failures)


def test_whitehouse_sample_loads_clean():
    files = sorted(_shared("whitehouse-2021-2024").glob("*.md"))
    random.Random(12).shuffle(files)
    for path in files[:250]:
        doc = load(SourceFile(path, path.name), MAX)
        assert_contract(doc)
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", doc.metadata["date"]), path.name
        assert "\n" not in doc.metadata["title"] and doc.metadata["title"].strip() == doc.metadata["title"]


def test_real_pep_release_schedule_lines_are_units():
    path = _shared("peps") / "pep-0569.txt"
    doc = load(SourceFile(path, path.name), MAX)
    lines = doc.text.split("\n")
    assert "- 3.8.0 final: Monday, 2019-10-14" in lines
    assert "Author: Łukasz Langa <lukasz@python.org>" in lines
    assert doc.metadata["date"] == "2018-01-27"
    assert ("3.8.0 schedule", 2) in headings_of(doc)


def test_unwrapped_lines_are_paragraphs_of_their_own():
    from assistant.load.readers.blocks import unwrapped_paragraphs

    wrapped = "The agency shall report within ninety\ndays of this order."  # a government notice, hard-wrapped
    assert unwrapped_paragraphs(wrapped) == [wrapped]
    news = "Ministers met in the capital, photo by the desk\n" + "The meeting went on " * 10 + "and ended."
    assert unwrapped_paragraphs(news) == news.split("\n")  # a caption, then a paragraph typed on one line
