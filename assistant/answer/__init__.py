"""Stage 3, answer, verify and cite: read the question, draft an answer from the retrieved passages, keep only what
the cited quotes state, and number the citations.

- ``answerer``: the interface every answerer implements and the values the stages hand on (``Found``, ``Drafted``)
- ``question``, ``condense``, ``instructions``: what kind of answer is asked, follow-ups made standalone,
  instructions inside a question taken out
- ``facts``, ``places``: dates, counts, amounts, durations, names and offices read from text
- ``extractive``: the extractive answerer (quotes; no model)
- ``corrections``: a fact-check or primary source that corrects another document leads
- ``llm``, ``models``, ``evidence``, ``prompting``, ``generative``: the language-model answerer
- ``grounding``: the gate every generated sentence passes; ``citations``: render and verify the quotes
"""
