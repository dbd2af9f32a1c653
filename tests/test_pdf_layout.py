"""PDF layout repair (readers/pdf_layout.py): reading order, running lines, footnotes, hyphenation, page labels and
front matter; first on made-up fragments, then on the real CRS/GAO/NIST reports in ../shared/corpora/reports
(skipped when that folder is absent)."""

from __future__ import annotations

import pytest

from assistant.answer.citations import page_label as citation_page
from assistant.documents import Document
from assistant.load.loaders import SourceFile, load
from assistant.load.readers import pdf_layout as layout
from assistant.load.readers.pdf import page_label

from conftest import REPORTS, needs_reports, report


def frag(x0: float, top: float, x1: float, text: str, size: float = 10.0) -> layout.Fragment:
    return layout.Fragment(x0, top, x1, top + size * 1.2, size, text)


def texts(rows: list[layout.Row]) -> list[str]:
    return [row.text() for row in rows]


# -- hyphenation ------------------------------------------------------------------------------------------------

def test_hyphen_at_a_line_end_follows_the_documents_own_vocabulary():
    vocabulary = layout.Vocabulary(["the information was shared", "a peer-to-peer network and a self test",
                                    "the annual assessment", "transfer the ring"])
    assert layout.join_hyphenated("the infor-", "mation flow", vocabulary) == "the information flow"
    assert layout.join_hyphenated("a peer-to-", "peer link", vocabulary) == "a peer-to-peer link"
    # both halves are words of the document and the joined word is not: a real compound
    assert layout.join_hyphenated("a self-", "assessment", vocabulary) == "a self-assessment"
    # unknown halves, or a short tail: a word broken at the line end
    assert layout.join_hyphenated("critical min-", "erals", vocabulary) == "critical minerals"
    assert layout.join_hyphenated("transfer-", "ring risk", vocabulary) == "transferring risk"
    # pdfium's mark for a hyphen at a line end
    assert layout.join_hyphenated("the infor\ufffe", "mation", vocabulary) == "the information"


def test_the_halves_of_a_hyphenated_word_are_not_taken_for_words():
    vocabulary = layout.Vocabulary(["a matter of institu-", "tional design"])
    assert not vocabulary.words["institu"] and not vocabulary.words["tional"]
    assert vocabulary.words["design"] == 1


# -- reading order ------------------------------------------------------------------------------------------------

def test_two_columns_of_prose_are_read_one_after_the_other():
    left = [frag(50, 100 + 12 * i, 280, f"left column line {i} of the study") for i in range(8)]
    right = [frag(320, 100 + 12 * i + 5, 560, f"right column line {i} of the findings") for i in range(8)]
    order = texts(layout.reading_order(right + left, 612))
    assert order == [f.text for f in left] + [f.text for f in right]


def test_a_margin_heading_is_read_before_the_paragraph_beside_it():
    # two paragraphs of the main column, the second one with a heading in the left margin beside its first line
    body = [frag(220, 100 + 12 * i + (14 if i >= 5 else 0), 570, f"body line {i} of the letter text goes on")
            for i in range(10)]
    heading = frag(72, body[5].top, 200, "Results in Brief")
    order = texts(layout.reading_order(body + [heading], 612))
    assert order.index("Results in Brief") == 5 and order[6] == body[5].text
    assert layout.paragraphs(layout.reading_order(body + [heading], 612), layout.Vocabulary([]))[1] \
        == "Results in Brief"


def test_table_rows_are_read_across_with_cells_apart():
    cells = [frag(72, 100 + 14 * i, 150, f"State {i}") for i in range(5)] + \
            [frag(300, 100 + 14 * i, 340, f"{10 * i}") for i in range(5)]
    paragraphs = layout.paragraphs(layout.reading_order(cells, 612), layout.Vocabulary([]))
    assert paragraphs == [f"State {i} | {10 * i}" for i in range(5)]


def test_marked_gaps_cut_a_fragment_into_cells_only_when_asked():
    # the child marks a gap wider than an em inside a fragment ("\x1d") and gives its edges
    frag_list = layout.fragments([[228, 300, 430, 308, 8.3, "Number \x1dPercentage \x1dNumber", [[264, 275], [323, 335]]],
                                  [90, 300, 120, 308, 8.3, "Rating"]])
    header = layout.rows(frag_list)[0]
    assert header.cells() == ["Rating", "Number Percentage Number"]  # the text as read is unchanged
    assert header.spans(fine=True) == [(90, 120, "Rating"), (228, 264, "Number"), (275, 323, "Percentage"),
                                       (335, 430, "Number")]


def test_private_use_bullets_become_list_items():
    rows = layout.rows([frag(72, 100, 80, "\uf0b7"), frag(90, 100, 400, "first point of the list"),
                        frag(72, 112, 80, "\uf0b7"), frag(90, 112, 400, "second point")])
    assert layout.paragraphs(rows, layout.Vocabulary([])) == ["- first point of the list", "- second point"]


# -- running lines, footnotes, labels, page breaks -------------------------------------------------------------------

def page(number: int, body: list[str], notes: list[str] = (), *, roman: bool = False) -> dict:
    label = ["i", "ii", "iii", "iv"][number - 1] if roman else str(number)
    fragments = [[72, 30, 300, 42, 10, "Made-Up Report on Bridges"], [500, 750, 540, 762, 10, f"Page {label}"]]
    for i, line in enumerate(body):
        fragments.append([72, 100 + 12 * i, 540, 112 + 12 * i, 10, line])
    for i, note in enumerate(notes):
        fragments.append([72, 650 + 10 * i, 540, 658 + 10 * i, 8, note])
    return {"width": 612, "height": 792, "label": "", "fragments": fragments}


def test_running_lines_go_footnotes_stand_apart_and_labels_are_kept():
    pages = [page(1, ["The bridge was closed in 2024 for repairs.\x1e1\x1f", "Traffic moved to the ferry."],
                  ["\x1e1\x1fSee the council minutes of May 2024."]),
             page(2, ["The council voted to reopen it and the repairs ran over budget by a wide"],
                  ["\x1e2\x1fSee the budget of the county for", "the year 2025."]),
             page(3, ["margin as the contractor said in a letter.", "The ferry stopped."]),
             page(4, ["The end of the report."])]
    text, meta = layout.assemble(layout.read_pages(pages))
    assert "Made-Up Report" not in text and "Page " not in text
    assert meta["page_labels"] == ["1", "2", "3", "4"]
    assert "The bridge was closed in 2024 for repairs. Traffic moved" in text  # the footnote mark is gone
    notes = [text[s:e] for s, e in meta["footnotes"]]
    assert notes == ["Footnote 1: See the council minutes of May 2024.",
                     "Footnote 2: See the budget of the county for the year 2025."]
    # the sentence over the page break reads on; each character keeps its page
    joined = "by a wide margin as the contractor said"
    start = text.index(joined)
    assert page_label(meta, start) == (2, None) and page_label(meta, start + len("by a wide ")) == (3, None)
    assert text.index("Footnote 2") < start  # page 2's footnote comes before the paragraph that runs on


def test_a_longer_number_at_the_page_foot_starts_no_footnote():
    body = [layout.Row([frag(72, 100 + 12 * i, 540, f"body line {i} of the report")]) for i in range(3)]
    foot = [layout.Row([frag(72, 600, 540, "2019 was the first year of the survey.", size=8)]),
            layout.Row([frag(72, 612, 540, "50,000 or more residents.", size=8)]),
            layout.Row([frag(72, 624, 540, "3.1.3 Control the flow of information.", size=8)])]
    rows, notes = layout.split_footnotes(body + foot, 10.0, 792)
    assert notes == [] and len(rows) == 6
    rows, notes = layout.split_footnotes(body + foot + [layout.Row([frag(72, 640, 540, "12 See the minutes.", size=8)])],
                                         10.0, 792)
    assert notes == ["Footnote 12: See the minutes."]


def test_roman_front_matter_labels_and_contents_page_are_marked():
    contents = ["Contents", "Background .................... 1", "Findings ...................... 2"]
    pages = [page(1, contents, roman=True), page(2, ["A preface that says little."], roman=True),
             page(3, ["The first body page has its own words."]), page(4, ["The second body page."])]
    pages[2]["fragments"][1][5] = "Page 1"
    pages[3]["fragments"][1][5] = "Page 2"
    text, meta = layout.assemble(layout.read_pages(pages))
    assert meta["page_labels"] == ["i", "ii", "1", "2"]
    (start, end), = meta["front_matter"]
    assert text[start:end].startswith("Contents") and "Findings" in text[start:end] and start == 0
    assert page_label(meta, text.index("first body")) == (3, "1")
    document = Document(source="r.pdf", text=text, metadata=meta)
    at = text.index("first body")
    assert citation_page(document, at, at + 10) == "3 (printed 1)"


# -- the real reports ---------------------------------------------------------------------------------------------

def page_text(doc: Document, number: int) -> str:
    offsets = doc.metadata["pages"] + [len(doc.text)]
    return doc.text[offsets[number - 1]:offsets[number]]


@needs_reports
def test_gao_highlights_page_reads_each_column_through():
    text = page_text(report("gao-05-927"), 2)
    assert "The Government Performance and Results Act (GPRA) of 1993 has laid a foundation of results-oriented " \
           "agency planning, measurement, and reporting in the federal government." in text
    assert text.index("Why GAO Did This Study") < text.index("What GAO Found")
    assert "GAO identified four broad types of management decisions" in text


@needs_reports
def test_crs_summary_sidebar_does_not_cut_the_summary():
    text = page_text(report("crs-R48915"), 2)
    assert "as amended, empowers the Food and Drug Administration (FDA) to regulate" in text
    assert "Legislative Attorney" in text


@needs_reports
def test_nist_and_gao_hyphenation_at_line_ends():
    nist = report("nist-ai-100-1").text
    assert "often an institutional endeavor" in nist and "institu-tional" not in nist
    assert "Furthermore, different AI actors" in nist
    assert "socio-technical" in nist and "third-party" in nist  # real hyphens stay
    gao = report("gao-05-927").text
    assert "results-oriented agency planning" in gao


@needs_reports
def test_crs_footnotes_are_their_own_lines_on_their_page():
    doc = report("crs-R48915")
    text = page_text(doc, 6)
    assert "contains explicit preemptive language. Even when Congress" in text  # the note mark "24" is gone
    assert "\nFootnote 24: Murphy, 584 U.S. at 478.\n" in text
    spans = [doc.text[s:e] for s, e in doc.metadata["footnotes"]]
    assert "Footnote 24: Murphy, 584 U.S. at 478." in spans
    # the sentence that runs from PDF page 6 to 7 is whole
    assert "discerning congressional intent is the \u201cultimate touchstone\u201d" in doc.text


@needs_reports
@pytest.mark.parametrize("name, pdf_page, printed", [("crs-R48469", 4, "1"), ("gao-07-283", 6, "1"),
                                                     ("nist-sp-800-30r1", 10, "1"), ("gao-07-283", 3, "i")])
def test_printed_page_numbers(name, pdf_page, printed):
    doc = report(name)
    assert doc.metadata["page_labels"][pdf_page - 1] == printed
    assert page_label(doc.metadata, doc.metadata["pages"][pdf_page - 1] + 1)[0] == pdf_page


@needs_reports
def test_cover_and_contents_are_marked_as_front_matter():
    doc = report("crs-R48915")
    kinds = doc.metadata["page_kinds"]
    assert kinds[0] == "cover" and kinds[2] == "contents"
    contents = doc.text.index("Background on Federal Preemption ....")
    assert any(s <= contents < e for s, e in doc.metadata["front_matter"])
    body = doc.text.index("The FD&C Act implicates both express and implied preemption")
    assert not any(s <= body < e for s, e in doc.metadata["front_matter"])


@needs_reports
@pytest.mark.slow
def test_no_running_line_survives_in_the_body_of_any_report():
    """A line printed on at least half the pages (pdfium's own lines) is not a line of the stored body on the
    pages it is printed on."""
    import pypdfium2 as pdfium

    for path in sorted(REPORTS.glob("*.pdf")):
        doc = load(SourceFile(path, path.name), 10**9)
        pdf = pdfium.PdfDocument(str(path))
        printed = []
        for index in range(len(pdf)):
            textpage = pdf[index].get_textpage()
            printed.append({line.strip() for line in textpage.get_text_range().splitlines() if line.strip()})
        pdf.close()
        counts: dict[str, int] = {}
        for lines in printed:
            for line in lines:
                counts[line] = counts.get(line, 0) + 1
        running = {line for line, n in counts.items() if n >= max(3, len(printed) / 2)}
        offsets = doc.metadata["pages"] + [len(doc.text)]
        numbered = 0  # pages with their own number as a line of their text (a chart's axis may print it too)
        for index, lines in enumerate(printed):
            body = {line.strip() for line in doc.text[offsets[index]:offsets[index + 1]].split("\n")}
            assert not (running & lines & body), (path.name, index + 1, running & lines & body)
            label = doc.metadata["page_labels"][index]
            numbered += bool(body & {str(index + 1), f"Page {index + 1}", str(label), f"Page {label}"})
        assert numbered <= max(1, len(printed) // 20), (path.name, numbered)
