"""The chat in a real headless Chromium (Debian's /usr/bin/chromium driven by Playwright), as a user works in it.

One journey through the page: load it, start from an example question, click a citation marker and read the
highlighted passage, rate the answer with a comment, export the conversation, upload a document and a bad file,
ask about the new document, and read it in the Sources tab. Then a citation into a PDF: the panel shows the cited
page, drawn from the file, with the quoted lines highlighted. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import html
import os
import shutil
from pathlib import Path
from typing import Iterator

import pytest

from assistant import Settings
from assistant.chat import feedback
from assistant.chat.app import EXAMPLES
from chat_app import NEW_DOCUMENT, settings, url  # noqa: F401 (settings, url: module fixtures)
from test_clean import multipage_pdf

playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[test]' brings playwright")

CHROMIUM = os.environ.get("ASSISTANT_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
         "--no-first-run", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 120_000

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.server,
              pytest.mark.skipif(not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists(),
                                 reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)")]


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator["playwright_api.Browser"]:
    profile = tmp_path_factory.mktemp("chromium-profile")
    with playwright_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, args=FLAGS, headless=True, accept_downloads=True,
            viewport={"width": 1400, "height": 1000})
        try:
            yield context
        finally:
            context.close()


def shot(page: "playwright_api.Page", name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"browser-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def last_answer(page: "playwright_api.Page") -> "playwright_api.Locator":
    return page.locator("#chatbot .answer:not(.streaming)").last


def test_a_user_asks_clicks_a_citation_rates_exports_and_adds_a_document(
        browser: "playwright_api.BrowserContext", url: str, settings: Settings, tmp_path: Path) -> None:
    page = browser.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)

    # First load: the example questions are offered; clicking one asks it.
    example = page.get_by_text(EXAMPLES[0], exact=True)
    example.wait_for()
    shot(page, "1-first-load")
    example.click()
    answer = last_answer(page)
    answer.locator("a.cite").first.wait_for()
    assert "July 13, 2026" in answer.inner_text()
    assert "Searched for:" in answer.inner_text()

    # Click the first marker: the panel shows the document and the quoted span highlighted in its context.
    answer.locator("a.cite").first.click()
    mark = page.locator("#source-panel mark.quote")
    mark.wait_for()
    panel = page.locator("#source-panel")
    quote = mark.inner_text().strip()
    assert len(quote) > 20 and "July 13" in quote
    assert len(page.locator("#source-panel .passage").inner_text()) > len(quote)  # surrounded by its text
    assert page.locator("#source-panel .doc-title").inner_text().strip()
    assert "2026-" in panel.locator(".doc-facts").inner_text()
    shot(page, "2-citation-clicked")

    # The second marker opens the other source.
    markers = answer.locator("a.cite")
    if markers.count() > 1:
        markers.nth(1).click()
        page.wait_for_function("q => document.querySelector('#source-panel mark.quote') && "
                               "document.querySelector('#source-panel mark.quote').innerText.trim() !== q", arg=quote)

    # Thumbs down with a comment: two JSONL lines with the same id.
    page.locator("#chatbot button[aria-label='Dislike']").first.click()
    page.get_by_text("recorded for answer 1").wait_for()
    page.locator("#feedback-comment textarea").fill("The second quote is redundant.")
    page.get_by_role("button", name="Send comment").click()
    page.get_by_text("Comment saved").wait_for()
    records = feedback.read(settings.feedback_path)
    assert [r["rating"] for r in records] == ["down", "down"] and records[0]["id"] == records[1]["id"]
    assert records[1]["comment"] == "The second quote is redundant."
    assert records[0]["question"] == EXAMPLES[0] and records[0]["citations"]

    # Export: a Markdown file with the question, the answer and its quotes.
    with page.expect_download() as download:
        page.locator("#export").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    assert f"## 1. {EXAMPLES[0]}" in exported and "July 13, 2026" in exported and f"> {quote[:30]}" in exported

    # Add a document and a bad file: one line each.
    good = tmp_path / "tugboats.md"
    good.write_text(NEW_DOCUMENT, encoding="utf-8")
    bad = tmp_path / "scan.txt"
    bad.write_bytes(b"\x00\x01\x02\x03")
    page.get_by_role("tab", name="Add documents").click()
    page.locator("#upload-files input[type=file]").set_input_files([str(good), str(bad)])
    page.locator("#upload-button").click()
    report = page.locator("#upload-report")
    report.get_by_text("Added tugboats.md as uploads/tugboats.md").wait_for()
    assert "Refused scan.txt: binary content" in report.inner_text()
    shot(page, "3-upload")

    # Ask about the new document and open its passage.
    page.get_by_role("tab", name="Chat").click()
    page.locator("#question textarea").fill("How many electric tugboats did the Kestrel harbour authority order?")
    page.locator("#question textarea").press("Enter")
    page.locator("#chatbot .answer:not(.streaming)").nth(1).locator("a.cite").first.wait_for()
    answer = last_answer(page)
    assert "eleven" in answer.inner_text()
    answer.locator("a.cite").first.click()
    page.locator("#source-panel .doc-title", has_text="Harbour authority orders eleven electric tugboats").wait_for()
    assert "eleven electric tugboats" in page.locator("#source-panel mark.quote").inner_text()
    assert page.locator("#source-panel a[href='https://example.org/port/tugboats']").count() == 1
    shot(page, "4-new-document-cited")

    # The Sources tab lists it with its chunk count and shows it in full.
    page.get_by_role("tab", name="Sources").click()
    table = page.locator("#documents-table")
    table.get_by_text("uploads/tugboats.md").wait_for()
    assert "Port Bulletin" in table.inner_text()
    page.locator("#document-picker input").click()
    page.get_by_role("option", name="Harbour authority orders eleven electric tugboats (uploads/tugboats.md)").click()
    page.locator("#document-view").get_by_text("Varna shipyard", exact=False).wait_for()
    shot(page, "5-sources-tab")
    page.close()


def test_document_text_is_shown_as_text_never_run(browser: "playwright_api.BrowserContext", url: str,
                                                  settings: Settings) -> None:
    """A document holding HTML and script is displayed literally in the full-document view (a plain-text file: the
    Markdown reader renders raw HTML away at load, so only plain text keeps the tag in its stored text)."""
    hostile = settings.corpus_dir / "uploads" / "hostile.txt"
    hostile.parent.mkdir(exist_ok=True)
    text = "---\ntitle: \"<img src=x onerror=window.__pwned=1>\"\n---\n\nThe hostile note says <script>window.__pwned=1</script> hello.\n"
    hostile.write_text(text, encoding="utf-8")
    from assistant import ingest

    assert not ingest([hostile], settings=settings).skipped
    page = browser.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)
    page.get_by_role("tab", name="Sources").click()
    page.locator("#document-picker input").click()
    page.get_by_role("option", name=html.unescape("<img src=x onerror=window.__pwned=1> (uploads/hostile.txt)")).click()
    view = page.locator("#document-view")
    view.get_by_text("<script>window.__pwned=1</script>", exact=False).wait_for()
    assert page.evaluate("window.__pwned") is None
    page.close()


# A two-page PDF whose second page holds the fact asked about, in the middle of a paragraph.
SURVEY_PAGES = [
    ["Orrin Valley irrigation survey",
     "The Orrin Valley farmers' cooperative reports each spring on the state of its irrigation,",
     "the wells it draws on and the pumps that lift the water to the upper fields.",
     "This year's survey covers the seasons from 2027 to 2029."],
    ["Pumps and wells",
     "Between 2027 and 2029 the cooperative replaced its diesel pumps. By the end of the survey",
     "period the Orrin Valley cooperative had installed 340 solar water pumps on its member farms,",
     "which together lift about nine million litres a day in the dry months.",
     "The remaining diesel pumps are kept as a reserve for the driest weeks of August."],
]


def test_a_citation_into_a_pdf_shows_its_page_with_the_quote_highlighted(
        browser: "playwright_api.BrowserContext", url: str, settings: Settings) -> None:
    pdf = settings.corpus_dir / "uploads" / "orrin-valley-survey.pdf"
    pdf.parent.mkdir(exist_ok=True)
    pdf.write_bytes(multipage_pdf(SURVEY_PAGES))
    from assistant import ingest

    assert not ingest([pdf], settings=settings).skipped
    page = browser.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)
    page.locator("#question textarea").fill("How many solar water pumps did the Orrin Valley cooperative install?")
    page.locator("#question textarea").press("Enter")
    answer = last_answer(page)
    answer.locator("a.cite").first.wait_for()
    assert "340" in answer.inner_text()

    # The marker into the PDF: the panel shows its page as a picture, captioned, above the quote in its text.
    figure = page.locator("#source-panel figure.page-image")
    for marker in dict.fromkeys(answer.locator("a.cite").all_inner_texts()):  # "[1]", "[2]": each once
        answer.locator("a.cite", has_text=marker).first.click()
        page.locator("#source-panel .panel-marker", has_text=f"Citation {marker}").wait_for()
        if figure.count():
            break
    image = figure.locator("img")
    image.wait_for()
    assert image.get_attribute("src").startswith("data:image/png;base64,")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    natural = image.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    assert abs(natural[0] - 900) <= 1 and abs(natural[1] - natural[0] * 792 / 612) <= 2
    assert figure.locator("figcaption").inner_text().strip() == "p. 2 of orrin valley survey"
    assert "not found" not in figure.inner_text()
    assert "340 solar water pumps" in page.locator("#source-panel mark.quote").inner_text()
    assert image.bounding_box()["y"] < page.locator("#source-panel .passage").bounding_box()["y"]
    shot(page, "6-pdf-page")
    page.locator("#source-panel").screenshot(path=str(ARTIFACTS / "browser-6-pdf-page-panel.png"))
    page.close()
