"""The chat's stylesheet and the one script it needs (clicks on [n] markers). Passed to ``launch``/``load``."""

# A click on any [n] marker (in an answer or its sources list) is sent to the server through a hidden textbox.
CLICK_JS = r"""
() => {
  if (window.__citeClicks) return;
  window.__citeClicks = true;
  document.addEventListener('click', (event) => {
    const link = event.target.closest && event.target.closest('a[href^="#cite-"]');
    if (!link) return;
    const match = /^#cite-(\d+)-(\d+)$/.exec(link.getAttribute('href'));
    if (!match) return;
    event.preventDefault();
    event.stopPropagation();
    const box = document.querySelector('#cite-target textarea, #cite-target input');
    if (!box) return;
    box.value = `${match[1]}:${match[2]}:${Date.now()}`;
    box.dispatchEvent(new Event('input', {bubbles: true}));
    document.querySelectorAll('a.cite.active').forEach((a) => a.classList.remove('active'));
    link.classList.add('cite');
    link.classList.add('active');
  }, true);
}
"""

CSS = """
.answer p { margin: 0 0 .6em 0; }
.answer .searched { color: var(--body-text-color-subdued); font-size: .85em; margin-top: .4em; }
a.cite { font-weight: 600; text-decoration: none; padding: 0 .1em; border-radius: 3px; cursor: pointer;
         color: var(--color-accent); background: var(--color-accent-soft); }
a.cite:hover, a.cite.active { background: var(--color-accent); color: white; }
.badge { display: inline-block; font-size: .8em; font-weight: 600; border-radius: 4px; padding: .1em .5em;
         margin-bottom: .4em; }
.badge-abstained { background: #e8eef7; color: #1d3d6b; }
.badge-conflict { background: #fff1d6; color: #7a4b00; }
.answer.error p { color: #a33; }
.source-panel .doc-title { font-weight: 700; font-size: 1.05em; }
.source-panel .doc-facts { color: var(--body-text-color-subdued); font-size: .9em; margin: .2em 0; }
.source-panel .doc-link { font-size: .85em; word-break: break-all; margin-bottom: .5em; }
.source-panel .panel-marker { font-size: .8em; text-transform: uppercase; letter-spacing: .05em;
                              color: var(--body-text-color-subdued); }
.source-panel .passage { line-height: 1.55; padding: .6em .8em; border-left: 3px solid var(--color-accent);
                         background: var(--background-fill-secondary); max-height: 60vh; overflow-y: auto; }
.source-panel mark.quote { background: #ffe36e; color: black; padding: 0 .1em; }
.source-panel .page-image { margin: .4em 0 .8em 0; }
.source-panel .page-image img { display: block; width: 100%; height: auto; box-shadow: 0 1px 4px rgba(0, 0, 0, .15);
                                border: 1px solid var(--border-color-primary); }
.source-panel .page-image figcaption { font-size: .85em; color: var(--body-text-color-subdued); margin-top: .3em; }
.source-panel .page-note { font-size: .85em; color: #7a4b00; margin: .2em 0 0 0; }
.source-panel .offsets { font-size: .8em; color: var(--body-text-color-subdued); margin-top: .3em; }
table.docs { width: 100%; border-collapse: collapse; font-size: .92em; }
table.docs th, table.docs td { text-align: left; padding: .3em .5em; border-bottom: 1px solid var(--border-color-primary); }
"""
