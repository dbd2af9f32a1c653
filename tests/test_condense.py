"""Follow-up forms that condense resolves without a model (issue 14, item 1): "And for X?" asks the previous question
over another scope, and "What about <another X>?" asks it of the other thing of the kind the conversation is about.
The conversations are written for these tests in the style of each corpus (a style guide and release schedule in
the manner of a PEP; a municipal order and its council in the manner of a White House action; a news report)."""

from __future__ import annotations

import pytest

from assistant.answer.condense import condense, rescopes
from assistant.text import terms


def _history(question: str, answer: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]


@pytest.mark.parametrize("question, rescoped", [
    ("And for footnotes and captions?", True),  # guide style
    ("And in 2031?", True),  # news style
    ("What about for small farms?", True),  # order style
    ("And during the dry season?", True),
    ("And for it?", False),  # a pronoun: the previous thing itself, not another scope
    ("And the treasurer?", False),  # names a new thing asked for
    ("What about Eastmoor?", False),
    ("In which year was it signed?", False),  # a question of its own, not an elliptical scope
])
def test_a_follow_up_that_opens_with_a_preposition_rescopes(question, rescoped):
    assert rescopes(question) is rescoped


@pytest.mark.parametrize("history, follow_up, kept, replaced", [
    # a PEP-like style guide: the page width is still what is asked, now for footnotes
    (_history("What maximum page width does Style Guide 12 recommend?", "88 characters."),
     "And for footnotes and captions?", "maximum page width", ""),
    # a news report: the draw is still asked, now for another year, which replaces the old one
    (_history("What maximum draw did the Millbrook council allow in 2030?", "4.2 million litres a day."),
     "And in 2031?", "maximum draw", "2030"),
])
def test_rescoping_keeps_what_was_asked_and_no_answer(history, follow_up, kept, replaced):
    asked = condense(follow_up, history)
    assert asked.follow_up and kept in asked.subject
    assert asked.query.startswith(follow_up) and not asked.referent
    assert not replaced or replaced not in asked.query
    answer = history[1]["content"]
    assert not set(terms(answer)) & set(terms(asked.query))  # the previous answer's value is never carried


@pytest.mark.parametrize("history, follow_up, swapped", [
    # order style: a pronoun of the previous question stood for the other order's body
    (_history("What council does the ordinance on the Quarry Lane Market establish?", "The Market Council.")
     + _history("Who are its trustees?", "The Director of the Office of Parks and the Harbour Clerk."),
     "And what about the harbour ordinance?", "Who are the harbour ordinance's trustees?"),
    # order style: the phrase that named the other order is replaced with its complement
    (_history("What council does the ordinance on the Quarry Lane Market establish?", "The Market Council."),
     "What about the harbour ordinance?", "What council does the harbour ordinance establish?"),
    # release-schedule style: a numbered thing is swapped for another number of it
    (_history("Who was the editor for Release 4.2?", "Ada Quill."),
     "What about Release 4.3?", "Who was the editor for Release 4.3?"),
])
def test_what_about_another_of_the_kind_asks_the_previous_question_of_it(history, follow_up, swapped):
    asked = condense(follow_up, history)
    assert asked.resolved == asked.query == swapped and not asked.subject  # nothing of the other thing is carried


@pytest.mark.parametrize("history, follow_up", [
    # a new place, no kind of the conversation: the subject is carried as before (news style)
    (_history("What share of the town's water came from the Alder reservoir?", "70%."), "What about Eastmoor?"),
    # the same thing again, nothing new about it (order style)
    (_history("When was the harbour ordinance signed?", "May 3, 2031."), "What about the ordinance?"),
    # a lower-case complement whose end is not known: no surgery (order style)
    (_history("When was the 2030 ordinance on parking passed?", "May 3, 2030."), "What about the harbour ordinance?"),
])
def test_no_swap_is_invented(history, follow_up):
    asked = condense(follow_up, history)
    assert asked.resolved == follow_up
