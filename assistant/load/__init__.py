"""Stage 1, load and clean: read a file (Markdown, reStructuredText, HTML, PDF, Word, plain text) into a Document
whose text reads as prose, a paragraph, list item, "label: value" line or table row per line, with its heading
offsets, header fields and PDF pages in the metadata.

- ``loaders``: which reader a file gets, the size, binary and root checks, metadata (``FORMATS`` lists the types)
- ``readers/``: one module per format, writing through ``readers.blocks.TextBuilder``
- ``units``: the evidence units of a cleaned document (sentences, items, fields, rows) with their heading path
"""
