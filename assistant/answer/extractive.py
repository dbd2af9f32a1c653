"""The default answerer: no language model. It quotes the sentences that answer the question, leads with the
short answer when one is asked for, abstains when the evidence lacks the kind of thing asked, and reports
disagreements between sources.

Each job has its module: ``candidates`` (the candidate sentences and their scores), ``picking`` (which value in
a sentence answers), ``abstention`` (when to abstain and how to say it), ``premises`` (values a question takes for
granted) and ``composing`` (the lead and evidence of the reply). This module runs them in order.
"""

from __future__ import annotations

from dataclasses import replace

from ..documents import Document
from ..index.keyword import KeywordIndex
from ..index.retrieve import Retrieval
from . import candidates, picking
from .picking import evidence_kind
from .abstention import abstain, off_topic, uncovered, unnamed
from .candidates import Embed, candidate_sentences, dated_first, prefer_named, score_sentences, unmet, \
    with_labelled_fields
from .citations import Draft, Segment
from .composing import factoid, passages
from .premises import false_premise
from .question import Intent


class ExtractiveAnswerer:
    """Answers from retrieved chunks by selecting and quoting sentences; every claim carries a citation."""

    def __init__(self, keyword: KeywordIndex, embed: Embed, min_similarity: float) -> None:
        self.keyword = keyword
        self.embed = embed
        self.min_similarity = min_similarity

    def answer(self, intent: Intent, retrieval: Retrieval, documents: dict[str, Document]) -> Draft:
        """A Draft answer (segments with quotes), or an abstention."""
        sentences = candidate_sentences(retrieval, documents)
        if not sentences:
            return abstain("The sources don't say anything about this: no passage matches the question.")
        score_sentences(sentences, intent, retrieval.query_vector, self.keyword, self.embed)
        ranked = sorted(sentences, key=lambda s: -s.score)
        best = ranked[0]
        if (away := off_topic(intent, ranked, self.keyword, self.embed, retrieval.query_vector,
                              self.min_similarity)) is not None:
            return away
        eligible = [s for s in ranked[:60] if not unmet(intent, s)]
        if not eligible:
            return uncovered(intent, ranked[:60], best)
        eligible = dated_first(eligible, intent.issued)
        top = eligible[0]
        pool = with_labelled_fields([s for s in eligible[:15] if s.score >= 0.6 * top.score], eligible)
        if (missing := unnamed(intent, pool, top, ranked[:60])) is not None:
            return missing
        names = [c for c in intent.constraints if c.kind == "name"]
        if names:
            pool = prefer_named(pool, names)
        assumed = false_premise(intent, pool, self.keyword)
        if isinstance(assumed, Draft):
            return assumed
        draft = factoid(intent, pool, ranked, self.keyword) if intent.factoid else passages(intent, pool, ranked)
        inferred = evidence_kind(intent, pool)
        if inferred:  # "What fee did ...": the passages state it as a percentage; a value of it leads, if found
            valued = factoid(replace(intent, kind=inferred), pool, ranked, self.keyword)
            draft = draft if valued.abstained else valued
        if assumed is not None:  # a premise the sources never mention: say so before what they do say
            return replace(draft, lead=[assumed] + ([Segment(" ")] if draft.lead else []) + list(draft.lead))
        return draft


def clear_caches() -> None:
    """Forget cached sentence vectors, sentence spans and term positions (for benchmarks of a first question)."""
    candidates.clear_caches()
    picking.clear_caches()
