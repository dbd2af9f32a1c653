"""When the extractive answerer abstains, and how it says so: nothing matches the question, the question names
something the sources never mention, no passage meets the question's constraints, or the passage says the thing
is not known. Every abstention names what is missing and quotes what the sources do say, when anything.
"""

from __future__ import annotations

import re
from typing import Sequence

from ..index import constraints
from ..index.keyword import KeywordIndex
from ..text import terms, words
from .candidates import Embed, Sentence, names_it, plain_similarity
from .citations import Draft, Segment
from .question import Intent

_NO_KNOWLEDGE = re.compile(
    r"\b(not (?:been )?(?:found|published|given|disclosed|specified|announced|confirmed|known)|could not be "
    r"(?:found|confirmed)|unverified|unconfirmed|no specific|were not announced|was not announced)\b", re.I)


def abstain(message: str, partial: Sequence[Sentence] = ()) -> Draft:
    """An abstention saying ``message``, quoting ``partial`` as what the sources do say."""
    return Draft(lead=[Segment(message)], evidence=[s.quote for s in partial], abstained=True)


def quote_list(items: Sequence[str], joiner: str = "or") -> str:
    """“a”, “b” or “c”: the items quoted, once each."""
    shown = [f"\u201c{i}\u201d" for i in dict.fromkeys(items)]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + f" {joiner} " + shown[-1]


def off_topic(intent: Intent, ranked: Sequence[Sentence], keyword: KeywordIndex, embed: Embed,
              query_vector: Sequence[float], min_similarity: float) -> Draft | None:
    """The abstention when nothing in the sources is about the question: the best sentence is neither close in
    meaning nor holds half its words, or the question's own words are unknown to the index and nothing comes close.
    None when something is about it."""
    best = ranked[0]
    unknown = [t for t in intent.focus_terms if not keyword.known(t) and len(t) > 2
               and not t[0].isdigit()]
    if best.similarity < min_similarity and best.coverage < 0.5:
        return abstain("The sources don't say anything about this: nothing in them matches the question.")
    if unknown and best.similarity < 0.45 and best.coverage < 0.5 \
            and plain_similarity(embed, ranked[:5], query_vector) < 0.45:
        shown = [w for w in words(intent.text) if terms(w) and terms(w)[0] in unknown] or unknown
        return abstain(f"The sources don't say: they never mention {quote_list(shown)}.")
    return None


def uncovered(intent: Intent, ranked: Sequence[Sentence], best: Sentence) -> Draft:
    """The abstention when no unit about the question meets all its constraints: name what is not covered."""
    hard = [c for c in intent.constraints if c.kind != "name"]
    missing = [c.surface for c in hard if not any(constraints.matches(c, f"{s.text}\n{s.window}") for s in ranked)]
    if missing:
        return abstain(f"The sources don't say: the passages about this never mention {quote_list(missing)}.",
                       partial=[best])
    together = [c.surface for c in hard]
    return abstain(f"The sources don't say: no passage about this mentions {quote_list(together, 'and')} "
                   "together.", partial=[best])


def unnamed(intent: Intent, pool: Sequence[Sentence], top: Sentence, ranked: Sequence[Sentence]) -> Draft | None:
    """The abstention when the passages about the question never mention a thing it names; None when they do.
    A thing named in ``ranked`` (the wider candidates) but only where the question's years, versions or
    identifiers are not is not "never mentioned": the sources don't mention the two together."""
    names = [c for c in intent.constraints if c.kind == "name"]
    missing = [c.surface for c in names if not any(names_it(c, s) for s in pool)]
    pinned = [c.surface for c in intent.constraints if c.kind != "name"]
    if missing and pinned and any(names_it(c, s) for c in names if c.surface in missing
                                  for s in ranked):
        return abstain(f"The sources don't say: no passage about this mentions "
                       f"{quote_list(missing + pinned, 'and')} together.", partial=[top])
    if missing:
        return abstain(f"The sources don't say: the passages about this never mention {quote_list(missing)}.",
                       partial=[top])
    return None


def said_unknown(sentence: Sentence, rivals: Sequence[Sentence] = ()) -> Draft | None:
    """The abstention when the chosen sentence says the thing is not known ("was not disclosed"); else None.
    Rule "unknown stands alone": a near-equal rival that states something (within a tenth of its score) means
    the "not known" may be about something else ("The report has not been published" beside the sentence on
    the legal basis), so there is no abstention then."""
    if not _NO_KNOWLEDGE.search(sentence.text):
        return None
    if any(r is not sentence and r.score >= 0.9 * sentence.score and not _NO_KNOWLEDGE.search(r.text)
           for r in rivals):
        return None
    return abstain("The sources don't give it; they say it is not known.", partial=[sentence])
