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
COVER_CHARS = 3000  # of a document's front matter read for what identifies it


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
        path or date states (what the gate holds a cited unit to). An identifier may also be on the document's
        cover (a report's number); a year may also be stated by the unit's paragraph (a sentence's paragraph, a
        list's lead-in, a table's caption) or the document's subject (title and lead), as reports and tables give
        it once for what follows, unless the unit states other years only (``constraints._year_contradicted``); and
        a unit whose text, section and paragraph state no year at all is dated by the years its document states."""
        pinned = [c for c in constraints.of_question(question) if c.kind != "name"]
        years = [c for c in pinned if c.kind == "year"]
        unmet_years = constraints.unmet(years, self.text, f"{self.heading}\n{self.paragraph}\n{self.subject}")
        if unmet_years and not constraints.states_year(f"{self.text}\n{self.section}\n{self.paragraph}"):
            # nothing around the unit dates it: the year the document states elsewhere (a table's caption
            # pages up, a report's scope) stands for it
            unmet_years = constraints.unmet([c for c in years if c.surface in unmet_years], self.text,
                                            self.document.text)
        return constraints.unmet([c for c in pinned if c.kind != "year"], self.text,
                                 f"{self.heading}\n{self.cover}") + unmet_years

    @property
    def cover(self) -> str:
        """The document's cover, contents and disclaimer pages (front matter the loader marked, e.g. a report's
        number and series on its title page): what identifies the whole document besides its title."""
        text = self.document.text
        return "\n".join(text[a:b] for a, b in self.document.metadata.get("front_matter") or [])[:COVER_CHARS]

    @property
    def subject(self) -> str:
        """What the whole document is about: its title and lead paragraph (all of a short document), where a
        report states once the year its figures are for (``units.document_subject``)."""
        return document_subject(self.document)


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


def _shown_size(u: Unit) -> int:
    return min(u.end - u.start, MAX_SHOWN_CHARS) + 12


def _best_units(scored: list[tuple[float, int, Document, Unit]], limit: int,
                budget: int) -> list[tuple[int, Document, Unit]]:
    """Layout "units": the best-scored units, wherever they are, until ``limit`` units or ``budget`` characters."""
    picked: list[tuple[int, Document, Unit]] = []
    used = 0
    for _, rank, doc, u in scored:
        if picked and used + _shown_size(u) > budget:
            continue
        picked.append((rank, doc, u))
        used += _shown_size(u)
        if len(picked) >= limit:
            break
    return picked


def _passages(scored: list[tuple[float, int, Document, Unit]], chunks: int,
              budget: int, reserve: float = 0.0, asked: Mapping[str, float] | None = None
              ) -> list[tuple[int, Document, Unit]]:
    """Layout "passages": the retrieved chunks read whole, in rank order, every unit of a chunk in text order, until
    ``budget`` characters; a chunk that does not fit whole gives its best-scored units that do; what room is left
    goes to the documents' best units outside the chunks. A passage read as it stands keeps the context a small
    model needs (the sentence before says which year, table or program a value is about).

    ``reserve`` (a share of the budget) is kept from the chunks for the best units, anywhere among the candidates,
    that hold a word of the question (``asked``) that no chunk unit shown holds: the row of a long table, or the
    sentence pages away, when the chunk that ranked best is the table's first rows or the section's opening. Room
    the reserve does not use goes to the chunks' and documents' next best units."""
    picked: list[tuple[int, Document, Unit]] = []
    used = 0
    for_chunks = budget - int(budget * reserve)
    for rank in range(1, chunks + 1):
        inside = [s for s in scored if s[1] == rank]
        size = sum(_shown_size(u) for _, _, _, u in inside)
        if used + size <= for_chunks:
            chosen = inside
        else:
            chosen = []
            room = for_chunks - used
            for s in inside:  # best first
                if _shown_size(s[3]) <= room:
                    chosen.append(s)
                    room -= _shown_size(s[3])
        picked += [(r, d, u) for _, r, d, u in chosen]
        used += sum(_shown_size(u) for _, _, _, u in chosen)

    def words(d: Document, u: Unit) -> set[str]:
        return set(terms(f"{d.text[u.start:u.end]} {SEPARATOR.join(u.path)}"))

    taken = {(d.source, u.start) for _, d, u in picked}
    shown_terms = set().union(*(words(d, u) for _, d, u in picked))
    absent = {t for t in (asked or {}) if t not in shown_terms and not t[0].isdigit()}
    # the reserve first (units holding a word the chunks shown lack), then the documents' best units outside the
    # chunks, then (with a reserve) the chunks' units that did not fit, each best first
    passes: list[Callable[[int, Document, Unit], bool]] = []
    if absent:
        passes.append(lambda r, d, u: bool(absent & words(d, u)))
    passes.append(lambda r, d, u: r > chunks)
    if reserve:
        passes.append(lambda r, d, u: True)
    for wanted in passes:
        for _, rank, doc, u in scored:
            if (doc.source, u.start) not in taken and used + _shown_size(u) <= budget and wanted(rank, doc, u):
                picked.append((rank, doc, u))
                taken.add((doc.source, u.start))
                used += _shown_size(u)
    return picked


def select(question: str, retrieval: Retrieval, documents: Mapping[str, Document], *,
           idf: Callable[[str], float], embed: Callable[[list[str]], list[list[float]]] | None = None,
           chunks: int = 4, limit: int = 10, budget: int = 1100,
           per_document: int = 8, layout: str = "units", reserve: float = 0.0) -> Selection:
    """The units to show for ``question`` within ``budget`` characters: with ``layout`` "units" the best ``limit``
    units, with "passages" the top ``chunks`` retrieved chunks read whole (``_passages``); numbered in the order
    shown (documents in rank order, units in text order). ``Selection.ranked`` holds them best first."""
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
    picked = _passages(scored, chunks, budget, reserve, asked) if layout == "passages" else \
        _best_units(scored, limit, budget)
    if not picked:
        return Selection([], best_coverage)
    place = {(doc.source, u.start): i for i, (_, _, doc, u) in enumerate(scored)}
    best_first = sorted(picked, key=lambda p: place[(p[1].source, p[2].start)])
    order = {doc.source: min(r for r, d, _ in picked if d.source == doc.source) for _, doc, _ in picked}
    picked.sort(key=lambda p: (order[p[1].source], p[1].source, p[2].start))
    shown = [EvidenceUnit(number=i, document=doc, unit=u) for i, (_, doc, u) in enumerate(picked, start=1)]
    by_span = {(e.document.source, e.unit.start): e for e in shown}
    return Selection(shown, best_coverage, [by_span[(doc.source, u.start)] for _, doc, u in best_first])
