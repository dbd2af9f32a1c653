"""Pieces of the web chat that are not Gradio: rendering, uploads, feedback and export. ``ui.py`` wires them up.

Each module does one job and takes plain data (``Answer`` dicts, paths, settings), so it is usable without a
running server.
"""
