"""The evidence a model reads: the best answer units of the retrieved passages, numbered, each with its document
title, date and heading path.

Units come from ``units.py`` (sentences, list items, "label: value" lines, table rows). They are ranked by how much
of the question they hold (IDF-weighted terms of the unit and its context) and how close they are in meaning (the
unit embedded with its context), units that miss one of the question's constraints (``constraints.py``: another
version, year or document) are pushed down, and the best ones that fit a small budget are shown in text order,
grouped by document: a small prompt keeps a CPU model quick.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field
from typing import Callable, Mapping

from ..index import constraints
from .citations import Quote
from .instructions import addresses_model
from ..documents import Document
from ..index.retrieve import Retrieval
from ..text import terms
from ..load.units import SEPARATOR, Unit, document_subject, identity, units

MAX_SHOWN_CHARS = 400  # a longer unit is shown cut (its quote is still the whole unit)


@dataclass(frozen=True)
class EvidenceUnit:
    """A numbered unit given to the model: ``document.text[unit.start:unit.end]``."""

    number: int
    document: Document
    unit: Unit

    @property
    def text(self) -> str:
        return self.document.text[self.unit.start:self.unit.end]

    @property
    def shown(self) -> str:
        text = " ".join(self.text.split())
        return text if len(text) <= MAX_SHOWN_CHARS else text[:MAX_SHOWN_CHARS].rsplit(" ", 1)[0] + " …"

    @property
    def date(self) -> str:
        return str(self.document.metadata.get("date", "") or "")

    @property
    def section(self) -> str:
        """The heading path under the document title ("Release Schedule › 3.8.0 schedule")."""
        return SEPARATOR.join(p for p in self.unit.path if p != self.document.title)

    @property
    def title(self) -> str:
        """The document's identity: its title after the identifiers its header gives it ("PEP 8 · Style Guide
        for Python Code"), as the extractive answerer and the index read it; else ``document_title``."""
        named = identity(self.document)
        return named if named != self.document.title else document_title(self.document)

    @property
    def heading(self) -> str:
        """The document title, heading path and date: where a constraint, or a name or value the question states,
        may be read besides the unit."""
        path = SEPARATOR.join([self.title] + [p for p in self.unit.path if p != self.title])
        return "\n".join(x for x in (path, self.date) if x)

    @property
    def paragraph(self) -> str:
        return self.document.text[self.unit.block_start:self.unit.block_end] \
            if self.unit.block_end > self.unit.block_start else ""

    @property
    def quote(self) -> Quote:
        return Quote(self.document.source, self.unit.start, self.unit.end)

    def unmet(self, question: str) -> list[str]:
        """The question's versions, identifiers, years and named things that this unit and its context lack.

        Versions, identifiers and years must be in the unit or its title, heading path or date (a paragraph that
        mentions "after the release of 3.8.0" is not about 3.8.0); a named thing may also be in the paragraph or
        the document's subject (rule "document subject", ``units.document_subject``)."""
        return unmet(question, self.text, self.heading, f"{self.paragraph}\n{document_subject(self.document)}")

    def pinned_unmet(self, question: str) -> list[str]:
        """The versions, identifiers and years the question pins that neither this unit nor its title, heading
        path or date states (what the gate holds a cited unit to); a year may also be stated by the unit's
        paragraph (a sentence's paragraph, a list's lead-in, a table's caption), as reports and tables give it once
        for what follows."""
        pinned = [c for c in constraints.of_question(question) if c.kind != "name"]
        years = [c for c in pinned if c.kind == "year"]
        return constraints.unmet([c for c in pinned if c.kind != "year"], self.text, self.heading) \
            + constraints.unmet(years, self.text, f"{self.heading}\n{self.paragraph}")


def unmet(question: str, text: str, heading: str, paragraph: str) -> list[str]:
    asked = constraints.of_question(question)
    strict = [c for c in asked if c.kind != "name"]
    loose = [c for c in asked if c.kind == "name"]
    return constraints.unmet(strict, text, heading) + constraints.unmet(loose, text, f"{heading}\n{paragraph}")


_TITLE_FIELD = re.compile(r"\A(?:[ \t]*[A-Z][\w-]*:[^\n]*\n){0,12}?[ \t]*Title:[ \t]*(\S[^\n]*)")


def document_title(doc: Document) -> str:
    """The document's title; for a document whose loader took none, a leading "Title:" field (a PEP's header).
    (A stand-in until the loaders keep field lists as metadata.)"""
    title = doc.title
    if title == doc.source or title.lower().replace(" ", "-") in doc.source.lower():
        m = _TITLE_FIELD.match(doc.text)
        if m:
            return f"{m.group(1).strip()} ({title})"  # "Style Guide for Python Code (pep 0008)"
    return title


@dataclass(frozen=True)
class Selection:
    """The units shown to the model, and the largest share of the question's (IDF-weighted) terms any candidate
    unit held: how much the passages are about the question at all."""

    units: list[EvidenceUnit]
    coverage: float
    ranked: list[EvidenceUnit] = field(default_factory=list)  # ``units`` best first


def _candidates(retrieval: Retrieval, documents: Mapping[str, Document], chunks: int,
                asked: Mapping[str, float], per_document: int) -> list[tuple[int, Document, Unit]]:
    """(rank, document, unit) for each evidence unit inside the top ``chunks`` retrieved chunks, plus the
    ``per_document`` units of those chunks' documents that hold most of the question's terms (the dated line under
    the right heading is often outside the chunk that ranked best)."""
    seen: set[tuple[str, int]] = set()
    out = []
    ranks: dict[str, int] = {}
    total = sum(asked.values()) or 1.0

    def usable(doc: Document, u: Unit) -> bool:
        text = doc.text[u.start:u.end]
        return u.evidence and len(text) >= 3 and (doc.source, u.start) not in seen and not addresses_model(text)

    for rank, hit in enumerate(retrieval.chunks[:chunks], start=1):
        doc = documents.get(hit.chunk.source)
        if doc is None:
            continue
        ranks.setdefault(doc.source, rank)
        for u in units(doc):
            if u.end > hit.chunk.start and u.start < hit.chunk.end and usable(doc, u):
                seen.add((doc.source, u.start))
                out.append((rank, doc, u))
    for source, rank in ranks.items():
        doc = documents[source]
        scored = []
        for u in units(doc):
            if usable(doc, u):
                own = set(terms(doc.text[u.start:u.end])) | set(terms(SEPARATOR.join(u.path)))
                scored.append((sum(w for t, w in asked.items() if t in own) / total, u))
        scored.sort(key=lambda x: -x[0])
        for coverage, u in scored[:per_document]:
            if coverage >= 0.4:
                seen.add((doc.source, u.start))
                out.append((rank + chunks, doc, u))
    return out


def select(question: str, retrieval: Retrieval, documents: Mapping[str, Document], *,
           idf: Callable[[str], float], embed: Callable[[list[str]], list[list[float]]] | None = None,
           chunks: int = 4, limit: int = 10, budget: int = 1100,
           per_document: int = 8) -> Selection:
    """The units to show for ``question``: the best ``limit`` that fit ``budget`` characters, numbered in the order
    shown (documents in rank order, units in text order); ``Selection.ranked`` holds them best first."""
    asked = {t: idf(t) for t in dict.fromkeys(terms(question))}
    total = sum(asked.values()) or 1.0
    found = _candidates(retrieval, documents, chunks, asked, per_document)
    if not found:
        return Selection([], 0.0)
    similarities = [0.0] * len(found)
    if embed is not None and retrieval.query_vector:
        texts = [f"{EvidenceUnit(0, doc, u).heading}: {doc.text[u.start:u.end]}" for _, doc, u in found]
        similarities = [float(sum(map(operator.mul, v, retrieval.query_vector))) for v in embed(texts)]
    scored = []
    best_coverage = 0.0
    for (rank, doc, u), similarity in zip(found, similarities):
        own = set(terms(doc.text[u.start:u.end]))
        shown = EvidenceUnit(0, doc, u)
        around = set(terms(shown.heading))
        coverage = sum(w if t in own else 0.5 * w if t in around else 0.0 for t, w in asked.items()) / total
        best_coverage = max(best_coverage, coverage)
        unmet = shown.unmet(question)
        score = 0.5 * coverage + 0.5 * similarity + 0.03 / rank - 0.3 * len(unmet)
        scored.append((score, rank, doc, u))
    scored.sort(key=lambda s: -s[0])
    picked: list[tuple[int, Document, Unit]] = []
    used = 0
    for _, rank, doc, u in scored:
        size = min(u.end - u.start, MAX_SHOWN_CHARS) + 12
        if picked and used + size > budget:
            continue
        picked.append((rank, doc, u))
        used += size
        if len(picked) >= limit:
            break
    best_first = list(picked)
    order = {doc.source: min(r for r, d, _ in picked if d.source == doc.source) for _, doc, _ in picked}
    picked.sort(key=lambda p: (order[p[1].source], p[1].source, p[2].start))
    shown = [EvidenceUnit(number=i, document=doc, unit=u) for i, (_, doc, u) in enumerate(picked, start=1)]
    by_span = {(e.document.source, e.unit.start): e for e in shown}
    return Selection(shown, best_coverage, [by_span[(doc.source, u.start)] for _, doc, u in best_first])
