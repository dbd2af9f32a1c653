"""Kept for compatibility: the eval suite lives in :mod:`assistant.evaluation`."""

from __future__ import annotations

from .evaluation import *  # noqa: F401,F403
from .evaluation import __all__  # noqa: F401
