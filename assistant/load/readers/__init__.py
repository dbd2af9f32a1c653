"""Format readers: each turns one file's text into clean prose (see ``blocks.TextBuilder`` for the contract).

``markdown``, ``rst``, ``html``, ``docx`` import their parser lazily, inside the function that reads a file, so that
importing ``assistant`` (the question path) never loads docutils, markdown-it, BeautifulSoup or python-docx.
"""
