"""What a question asks for, read from general question words (no subject vocabulary).

Why: the same passages answer "what dose?", "how big was the effect?" and "who was studied?"
with different sentences. The answerer prefers sentences that carry what was asked (a dose, a
number, a population), and a yes/no question that asserts a strong claim ("does X cure Y?") is
checked as a claim before anything else is said.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_YES_NO = re.compile(r"^\s*(?:(?:so|and|but|then),?\s+)?(?:does|do|did|is|are|was|were|can|could|will|would|should|has|have|had|may|might)\b", re.I)
_DOSE = re.compile(
    r"\b(?:what|which)\s+(?:\w+\s+){0,2}dos(?:e|es|age|ages|ing)\b|\bat what dose\b|\bhow big was (?:each|the) dose\b|"
    r"\bhow much\b[^?]{0,40}\b(?:take|took|taken|give|given|use|used|daily|per day)\b|\bdos(?:e|es|age|ing)\s+(?:did|were|of)\b|"
    r"\bhow many (?:mg|milligrams|grams)\b",
    re.I,
)
_DOSE_WORD = re.compile(r"\bdos(?:e|es|age|ages|ing)\b", re.I)  # "how was the dose increased?": any open question naming a dose
_FORM = re.compile(r"\b(?:which|what)\s+(?:\w+\s+){0,2}(?:forms?|salts?|preparations?|compounds?|formulations?)\b", re.I)
_EFFECT = re.compile(
    r"\bhow (?:big|large|strong|great|much (?:more|less|larger|smaller|shorter|longer|better|worse|lower|higher))\b|"
    r"\beffect sizes?\b|\bby how (?:much|many)\b|\bmagnitude\b|\bhow many (?:minutes|hours|points|percent)\b|"
    r"\bwhat (?:share|fraction|percentage|proportion)\b|\bp-?values?\b|\bconfidence interval\b|\bhow much (?:of|time)\b|"
    r"\bhow much (?:sooner|later|faster|slower|greater|bigger|fewer|stronger|weaker|earlier)\b|\bhow strongly\b",
    re.I,
)
_POPULATION = re.compile(
    r"^\s*(?:and\s+|but\s+)?who\b|[,;]\s*(?:and\s+)?who\b|\bwho (?:was|were) (?:studied|included|enrolled|recruited)\b|"
    r"\bwhich (?:people|patients|participants|population|populations|groups?|subjects|ages?|animals?|species|cells?)\b|"
    r"\bin (?:which|what) (?:population|people|patients|group)s?\b|\bparticipants?\b|\bpopulations?\b|"
    r"\bhow many (?:\w+\s+){0,2}?(?:people|patients|participants|adults|subjects|volunteers|men|women|children)\b|\btook part\b|"
    r"\bsample\s+sizes?\b",
    re.I,
)
# where something happened or acted ("Where in the brain did it act?", "In which region …?", "Which countries …?"); not
# "where is the evidence / does the article say", which asks for a source
_PLACE = re.compile(
    r"^\s*(?:(?:and|but|so|then),?\s+)?where\b(?!\s+(?:is|are|was|were|does|do|did|can|could)\s+(?:the\s+|its\s+|this\s+)?"
    r"(?:evidence|proof|data|source|study|studies|article|paper|papers|reference|references|author|authors|claim|figure|number)s?\b)|"
    r"\b(?:in|at) (?:which|what) (?:part|region|area|site|organ|tissue|country|countries|city|cities|place|location|setting)s?\b|"
    r"\bwhich (?:\w+ )?(?:region|area|site|organ|tissue|country|countries|city|cities|place|location|setting)s?\b",
    re.I,
)
_STRONG = re.compile(
    r"\b(?:cures?|cured|curing|prevents?|prevented|preventing|eliminates?|eliminated|eliminating|eradicates?|"
    r"reverses?|guarantees?)\b",
    re.I,
)


@dataclass(frozen=True)
class Intent:
    """The kinds of answer a question asks for (several may hold: "what dose, and who?")."""

    yes_no: bool = False
    dose: bool = False
    effect: bool = False
    population: bool = False
    form: bool = False
    place: bool = False  # where something acted or was studied: a region, a site, a country
    strong_claim: bool = False
    article: bool = False  # what the article says, not the studies ("What does the article claim about X?")

    @property
    def wants_method(self) -> bool:
        """Doses and populations are stated in method sentences, not only in results."""
        return self.dose or self.population


def read_intent(question: str) -> Intent:
    q = question or ""
    yes_no = bool(_YES_NO.match(q)) or bool(re.match(r"^\s*is it (?:true|the case|correct|right)\b", q, re.I))
    effect, population, form = bool(_EFFECT.search(q)), bool(_POPULATION.search(q)), bool(_FORM.search(q))
    # an open question that names a dose and asks for nothing else is about the dose ("how was the dose increased?")
    named_dose = not (yes_no or effect or population or form) and bool(_DOSE_WORD.search(q))
    return Intent(
        yes_no=yes_no,
        dose=bool(_DOSE.search(q)) or named_dose,
        effect=effect,
        population=population,
        form=form,
        place=bool(_PLACE.search(q)),
        strong_claim=yes_no and bool(_STRONG.search(q)),
        article=asks_what_the_article_says(q),
    )


_DOCUMENT = r"(?:article|author|authors|piece|post|essay|blog|newsletter|writer)"
_SAYING = (
    r"(?:say|says|said|claim|claims|claimed|state|states|stated|write|writes|wrote|describe|describes|described|argue|argues|"
    r"argued|suggest|suggests|suggested|mention|mentions|mentioned|tell|tells|explain|explains|promise|promises|assert|asserts)"
)
# "What does the article claim about X?", "How does the author describe X?", "What is the article's take on X?"
_ASKS_ARTICLE = re.compile(
    rf"\b{_DOCUMENT}(?:'s)?\b[^?.]{{0,30}}?\b(?:{_SAYING}|take|view|position)\b|"
    # ... or names one of its claims: "Explain the PEPT1 claim in the article", "the statements made by the author"
    rf"\b(?:claims?|statements?|assertions?|arguments?)\s+(?:made\s+)?(?:in|by)\s+the\s+{_DOCUMENT}\b",
    re.I,
)


def article_topic(question: str) -> str:
    """What an article question asks about, its asking words removed ("What is the article's take on glycine?" →
    "glycine"): the words an article sentence must carry to answer it."""
    return " ".join(_ASKING_WORDS.sub(" ", question or "").split()).strip(" ?.!,")


_ASKING_WORDS = re.compile(rf"\b(?:{_DOCUMENT}(?:'s)?|{_SAYING}|the|what|how|does|did|do|is|about|regarding|concerning|take|view|position|on)\b", re.I)


def asks_what_the_article_says(question: str) -> bool:
    """The question asks what the article (not the studies) says on something."""
    return bool(_ASKS_ARTICLE.search(question or ""))


def strong_claim_word(question: str) -> str:
    """The strong verb a question asserts ("cure"), for saying plainly what no study showed."""
    m = _STRONG.search(question or "")
    return m.group(0).lower() if m else ""
