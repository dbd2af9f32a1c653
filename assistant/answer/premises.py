"""False premises: whether the passages about a question hold the values it takes for granted ("Why did the US
set a December deadline?"), and the correction or the note when they do not.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..index.keyword import KeywordIndex
from . import facts
from .candidates import Sentence, relevant_enough
from .citations import Draft, Segment
from .composing import display
from .facts import Value
from .picking import pick_rank, pick_value
from .question import Intent


def false_premise(intent: Intent, pool: list[Sentence], keyword: KeywordIndex) -> Draft | Segment | None:
    """For a question that takes a value for granted ("Why did the US set a December deadline?") which no
    relevant passage holds: a correction citing the value the passages do give (a Draft), or a note that the
    sources never mention it (a Segment to put before the answer). None when every premise is supported."""
    relevant = [s for s in pool if relevant_enough(s)] or pool[:3]
    for premise in intent.premises:
        if premise.kind in ("date", "month") and intent.kind != "explain":
            continue  # in "Until when are the October 9 controls suspended?" a date names an event
        holding = [s for s in relevant if _holds(premise, s)]
        probe = replace(intent, kind="date" if premise.kind in ("date", "month") else premise.kind)
        picks = [p for p in (pick_value(probe, s, keyword) for s in relevant) if p is not None]
        chosen = max(picks, key=pick_rank) if picks else None
        # The premise stands when a passage about the question states it, unless a clearly better passage
        # gives another value of its kind ("95%" in a side remark, "92%" in the sentence on processing).
        if holding and (premise.kind in ("date", "month") or chosen is None or _holds(premise, chosen.sentence)
                        or max(s.score for s in holding) >= 0.9 * chosen.sentence.score):
            continue  # a date in a question names an event ("the October 9 controls"): its paragraph suffices
        if chosen is not None:
            lead = [Segment(f"The sources don't support \u201c{premise.surface}\u201d: they give "
                            f"{display(chosen.value, chosen.sentence.doc)}", [chosen.sentence.quote]),
                    Segment(".")]
            return Draft(lead=lead, evidence=[chosen.sentence.quote])
        return Segment(f"The sources don't mention \u201c{premise.surface}\u201d.")
    return None


def _holds(premise: Value, sentence: Sentence) -> bool:
    """Whether ``sentence`` states the premise's value (a bare month matches any date in that month)."""
    published = facts.parse_date(sentence.doc.metadata.get("date"))
    if premise.kind in ("date", "month"):  # dates are looked for in the paragraph, with or without the year
        text = sentence.window
        found = facts.values("month", text, published)
        if premise.norm.startswith("*-"):
            return any(v.norm[4:7] == premise.norm[1:] for v in found)
        if premise.kind == "date":
            month, day = facts.MONTH_NAMES[int(premise.norm[5:7])], int(premise.norm[8:10])
            if re.search(rf"\b{month}\s+{day}\b|\b{day}\s+{month}\b", text):
                return True
        return any(facts.same_value(v, premise) for v in found)
    return any(facts.same_value(v, premise) for v in facts.values(premise.kind, sentence.text, published))
