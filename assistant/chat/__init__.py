"""The web chat (Gradio): ``python -m assistant.chat`` or ``assistant chat``.

:mod:`.app` lays out the page and wires its events to :mod:`.handlers`; :mod:`.server` serves it. The other modules
do one job each on plain data (``Answer`` dicts, paths, settings) and are usable without a running server:
rendering (:mod:`.render`), the conversation's turns (:mod:`.conversation`), uploads, feedback and export.
Importing the package imports nothing heavy.
"""
