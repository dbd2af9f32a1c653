"""Text helpers shared by retrieval and answering: word tokens (for BM25 and overlap) and sentence spans."""

from __future__ import annotations

import re
from functools import lru_cache

STOPWORDS = frozenset("""
a about above after again against all am an and any are aren't as at be because been before being below between both
but by can could did didn't do does doesn't doing don't down during each few for from further had has have having he
her here hers herself him himself his how i if in into is isn't it it's its itself just let's me more most my myself
no nor not of off on once only or other ought our ours ourselves out over own same she should so some such than that
that's the their theirs them themselves then there these they this those through to too under until up very was we
were what when where which while who whom why will with would you your yours yourself yourselves also per
tell say said says give gave given please according source sources document documents article
""".split())

# "US" and "U.S." are the country, not the pronoun "us".
_COUNTRY = re.compile(r"\bU\.S\.(?:A\.)?|\bUSA?\b")
_PERCENT_WORD = re.compile(r"(\d)\s*(?:percent|per cent|pct)\b", re.I)
_TOKEN = re.compile(r"\$?\d+(?:[.,]\d+)*%?|[^\W\d_]+(?:'[^\W\d_]+)?", re.U)


# Irregular past forms of English verbs, as their base: "Mayorkas will lead the delegation" answers "Who led the
# delegation?". Forms that are also common nouns or other words ("left", "found", "saw", "rose") are left out.
_IRREGULAR = {form: base for base, forms in {
    "lead": "led", "hold": "held", "meet": "met", "win": "won", "choose": "chose chosen", "begin": "began begun",
    "write": "wrote written", "run": "ran", "take": "took taken", "make": "made", "send": "sent", "spend": "spent",
    "build": "built", "pay": "paid", "tell": "told", "sell": "sold", "bring": "brought", "buy": "bought",
    "think": "thought", "keep": "kept", "lose": "lost", "see": "seen", "go": "went gone", "come": "came",
    "become": "became", "grow": "grew grown", "rise": "risen", "fall": "fallen", "strike": "struck",
    "seek": "sought", "teach": "taught", "catch": "caught", "fight": "fought", "draw": "drew drawn",
    "swear": "swore sworn", "know": "knew known", "throw": "threw thrown", "fly": "flew flown",
    "drive": "drove driven", "ride": "rode ridden", "freeze": "froze frozen", "steal": "stole stolen",
    "hide": "hid hidden", "understand": "understood", "withdraw": "withdrew withdrawn",
    "undertake": "undertook undertaken", "oversee": "oversaw overseen", "mean": "meant", "hear": "heard",
    "stand": "stood", "speak": "spoke spoken", "break": "broke broken", "forgive": "forgave forgiven",
}.items() for form in forms.split()}


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light suffix stripper: plurals and -ing/-ed, enough to match "minerals"/"mineral", "processed"/"processing";
    an irregular past form is its verb's base ("led": "lead")."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix, repl, min_len in (("ies", "y", 5), ("sses", "ss", 5), ("ing", "", 6), ("ed", "", 5)):
        if word.endswith(suffix) and len(word) >= min_len:
            return word[: -len(suffix)] + repl
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


# Bump when ``terms`` changes what it returns: a keyword index saved on disk is keyed by it.
TERMS_VERSION = 2
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2032": "'"})


def fold_quotes(text: str) -> str:
    """Typographic apostrophes as the plain one: "I\u2019tah" and "I'tah" are one word (same length, so offsets
    hold)."""
    return text.translate(_QUOTES)


def normalise(text: str) -> str:
    """Apostrophes, country names and percent words in one spelling, before tokenising."""
    text = _COUNTRY.sub(" usa ", fold_quotes(text))
    return _PERCENT_WORD.sub(r"\1%", text)


def _word(tok: str) -> str:
    """One raw token as ``words`` writes it."""
    tok = tok.lower().replace("\u2019", "'")
    if tok[0].isdigit() or tok[0] == "$":
        return tok.replace(",", "")
    return tok[:-2] if tok.endswith("'s") else tok


def words(text: str) -> list[str]:
    """Lower-cased word and number tokens (numbers keep their % and lose thousands separators)."""
    return [_word(tok) for tok in _TOKEN.findall(normalise(text))]


_TERM_OF: dict[str, str] = {}  # raw token -> its term ("" for a stopword): the same few words come back millions of
_TERM_OF_LIMIT = 500_000        # times when the keyword index is built over a large store


def _term(tok: str) -> str:
    word = _word(tok)
    term = stem(word) if word not in STOPWORDS and (len(word) > 1 or word.isdigit()) else ""
    if len(_TERM_OF) >= _TERM_OF_LIMIT:
        _TERM_OF.clear()
    _TERM_OF[tok] = term
    return term


def terms(text: str) -> list[str]:
    """Stemmed content tokens: what BM25 indexes and what overlap is measured on."""
    get = _TERM_OF.get
    return [t for tok in _TOKEN.findall(normalise(text)) if (t := get(tok)) or (t is None and (t := _term(tok)))]


# -- sentences ------------------------------------------------------------------------------------------------------
_ABBREVIATIONS = frozenset("""
mr mrs ms dr prof sr jr st no nos vs etc inc ltd co corp gov sen rep gen col lt jan feb mar apr jun jul aug sep sept
oct nov dec fig al approx dept est para ch sec art e.g i.e u.s u.s.c u.k u.n
""".split())
_BOUNDARY = re.compile(r"[.!?]+[\"'\u201d\u2019)\]]*(?=\s+[\"'\u201c\u2018(\[]?[A-Z0-9\u3010\u4e00-\u9fff])")
_LINE_MARKUP = re.compile(r"^\s*(?:#{1,6}\s+|[-*+]\s+|>\s*|\d+[.)]\s+)?")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence; lines are boundaries too. Leading list/heading markup is left out."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        line_start = pos
        pos += len(line) + 1
        markup = _LINE_MARKUP.match(line)
        start = line_start + (markup.end() if markup else 0)
        cursor = start - line_start
        for m in _BOUNDARY.finditer(line, cursor):
            word = re.search(r"([\w.]+)[.!?]*$", line[cursor:m.start() + 1])
            token = (word.group(1) if word else "").lower().rstrip(".")
            if token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha()):
                continue  # "U.S. Trade", "J. Smith", "No. 18"
            _add(spans, text, line_start + cursor, line_start + m.end())
            cursor = m.end()
        _add(spans, text, line_start + cursor, line_start + len(line))
    return spans


def _add(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end - start >= 3 and any(ch.isalnum() for ch in text[start:end]):
        spans.append((start, end))
