"""Who funded a study or employs its authors, as the digests record it: "Were the glycine studies industry funded?"

Why: a reader weighing a study asks who paid for it. The digests say so in their source notes ("The trial sponsor
was Sanofi", "Several authors are affiliated with Ajinomoto Co. Inc."), and source notes are never quoted as findings,
so the composer refused. The answer lists those sentences, each cited, for the studies the question names by topic
words (all studies when it names none), and says that a study with no such note may still have ties the retrieved
abstract did not show. The words are general English, so any corpus whose digests record ties works.
"""

from __future__ import annotations

import re

from core.lexical import tokenize

_ASKS = re.compile(
    r"\b(?:fund(?:ed|ing|er|ers|s)?|sponsor(?:ed|s|ship)?|financ(?:ed|ing|ial)|paid\s+for|conflicts?\s+of\s+interest|"
    r"industry|affiliat\w*|ties\s+to|bankroll\w*)\b",
    re.I,
)
# a sentence of a digest that records a tie
TIE = re.compile(r"\b(?:affiliat\w*|sponsor\w*|fund(?:ed|ing|er)\b|grant\b|employ(?:ed|ees?)\b|conflicts?\s+of\s+interest)", re.I)
_ASKING = frozenset(
    tokenize(
        "were was is are did do does the a an which what who how many any of studies study trials trial papers paper "
        "funded funding funder funders fund sponsored sponsor sponsors sponsorship financed financing financial paid for "
        "conflicts conflict interest industry affiliated affiliation affiliations ties to bankrolled should their results "
        "be ignored trusted given that by companies company corporate"
    )
)


def asks_ties(question: str) -> bool:
    """The question asks who funded a study, sponsored it or employs its authors."""
    return bool(_ASKS.search(question or ""))


def topic_words(question: str) -> set[str]:
    """The question's words that name a topic, not the asking."""
    return {t for t in tokenize(question or "") if t not in _ASKING}


def tie_sentences(text: str, spans: list[tuple[int, int]]) -> list[str]:
    """The sentences of a chunk that record a tie (an affiliation, a sponsor, a grant, an employer)."""
    out = []
    for a, b in spans or [(0, len(text))]:
        s = text[a:b].strip().lstrip("*").strip()
        s = re.sub(r"^\*\*[^*]+\*\*\s*", "", s)
        if TIE.search(s):
            out.append(s)
    return out
