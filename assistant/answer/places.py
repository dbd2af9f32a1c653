"""Names of places (countries and their subdivisions, from ISO 3166 via pycountry), so that "South Korea" or
"North Carolina" is never read as a person's name.

pycountry's database takes about 0.3 s to read; the names are kept in a small JSON file in the cache folder, so
only the first name question on a machine pays for it.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Callable

from ..settings import cache_dir

_VERSION = "1"


@lru_cache(maxsize=1)
def place_names() -> frozenset[str]:
    """Country names (short, common and official) and the names of their subdivisions (states, provinces)."""
    return _cached("places", _from_pycountry)


@lru_cache(maxsize=1)
def country_names() -> frozenset[str]:
    """Country names (short, common and official) and their two- and three-letter codes ("US", "USA")."""
    return _cached("countries", _countries_from_pycountry)


def _cached(name: str, build: Callable[[], set[str]]) -> frozenset[str]:
    """The names kept in the cache folder under ``name``, built (and kept) on the first call on a machine."""
    path = cache_dir("places") / f"{name}-{_VERSION}.json"
    try:
        return frozenset(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        pass
    names = build()
    _write(path, sorted(names))
    return frozenset(names)


def is_country(name: str) -> bool:
    """Whether ``name`` is a country's name or code: never a city, a town or a county."""
    return name in country_names()


def _from_pycountry() -> set[str]:
    try:
        import pycountry
    except ImportError:  # the names are a refinement: without them, places are told apart by the other rules
        return set()
    names: set[str] = set()
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value:
                names.add(str(value))
    for sub in pycountry.subdivisions:
        names.add(str(sub.name))
    return names


def _countries_from_pycountry() -> set[str]:
    try:
        import pycountry
    except ImportError:
        return set()
    return {str(v) for c in pycountry.countries
            for attr in ("name", "common_name", "official_name", "alpha_2", "alpha_3") if (v := getattr(c, attr, None))}


def _write(path: Path, names: list[str]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(names), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only cache only costs the next process the 0.3 s again


def is_place(name: str) -> bool:
    """Whether ``name`` (as written in a text) is the name of a country or a subdivision."""
    return name in place_names()


__all__ = ["country_names", "is_country", "is_place", "place_names"]
