"""Ages: a claim about an age group ("toddlers", "older adults") against the ages a study reports.

Why: the verifier reads "The peak incidence occurred between ages 11 and 14 years" as support for "The peak
incidence of fractures occurs in toddlers": it weighs the shared words, not the ages. The age group a claim
names and the ages a study states are general English, so this is a rule, like the other condition checks
(``chatbot.audit.checks``): a study whose every stated age lies outside the claim's group was done in another
population. A study that states no age decides nothing here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

OLDEST = 120.0

# an age group's span in years; the widest common use, so that only a clear difference counts
# (studies call 15-year-olds "children" as often as "adolescents")
AGE_GROUPS: tuple[tuple[str, tuple[float, float]], ...] = (
    (r"newborns?|neonat\w*", (0.0, 0.1)),
    (r"infan\w*|bab(?:y|ies)", (0.0, 2.0)),
    (r"toddlers?", (1.0, 3.0)),
    (r"pre-?school\w*", (2.0, 6.0)),
    (r"(?:school)?child(?:ren|hood)?|kids|p(?:a)?ediatric", (0.0, 17.0)),
    (r"adolescen\w*|teen(?:s|agers?)?|youths?", (10.0, 19.0)),
    (r"young adults?", (17.0, 40.0)),
    (r"middle-aged", (35.0, 70.0)),
    (r"elderly|older (?:adults|people|persons|subjects|participants|patients|women|men)|seniors|old age", (55.0, OLDEST)),
)
_GROUP_RE = [(re.compile(rf"\b(?:{p})\b", re.I), span) for p, span in AGE_GROUPS]

_N = r"(\d{1,3}(?:\.\d+)?)"
_UNIT = r"(?:\s*(years?|yrs?|months?|mo)\b)?"
_STATED = [
    # "aged 60-75", "ages 11 and 14 years", "between the ages of 5 and 17", "age range 18 to 30 years"
    re.compile(rf"\b(?:aged|ages|age\s+range(?:\s+of)?|between\s+(?:the\s+)?ages\s+of)\s+{_N}\s*(?:-|–|to|and)\s*{_N}{_UNIT}", re.I),
    # "60–75 years old", "6 to 24 months of age"
    re.compile(rf"\b{_N}\s*(?:-|–|to)\s*{_N}\s*(years?|months?)(?:\s+old|\s+of\s+age|-old)\b", re.I),
]
_SINGLE = [
    re.compile(rf"(?<!mean\s)\b(?:aged|age)\s+{_N}(?![\d.]){_UNIT}(?!\s*(?:-|–|to|and)\s*\d)", re.I),  # "aged 70 years"
    re.compile(rf"\b{_N}[- ](years?|months?)[- ]old\b", re.I),  # "8-year-old children"
]
_MEAN = re.compile(rf"\bmean\s+age(?:\s+(?:of|was|=|:))?\s*{_N}{_UNIT}", re.I)
MEAN_SPREAD = 15.0  # a reported mean age stands for the ages within this many years of it


def _years(x: str, unit: str | None) -> float:
    v = float(x)
    return v / 12.0 if unit and unit.lower().startswith("mo") else v


def claim_ages(claim: str) -> tuple[float, float] | None:
    """The span of the age group the claim names (the union when it names several), or None."""
    spans = [span for rx, span in _GROUP_RE if rx.search(claim)]
    if not spans:
        return None
    return (min(a for a, _ in spans), max(b for _, b in spans))


def stated_ages(text: str) -> list[tuple[float, float, str]]:
    """Age spans a study's text states, each with its words ("aged 60-75", "ages 11 and 14 years", "mean age 46
    years", which stands for ``MEAN_SPREAD`` years either side)."""
    out: list[tuple[float, float, str]] = []
    for rx in _STATED:
        for m in rx.finditer(text):
            lo, hi = _years(m.group(1), m.group(3)), _years(m.group(2), m.group(3))
            if lo <= hi <= OLDEST:
                out.append((lo, hi, m.group(0)))
    for rx in _SINGLE:
        for m in rx.finditer(text):
            v = _years(m.group(1), m.group(2))
            if v <= OLDEST:
                out.append((v, v, m.group(0)))
    for m in _MEAN.finditer(text):
        v = _years(m.group(1), m.group(2))
        out.append((max(0.0, v - MEAN_SPREAD), v + MEAN_SPREAD, m.group(0)))
    return out


def age_mismatch(claim: str, evidence: str, meta: Mapping[str, Any] | None = None) -> tuple[str, str] | None:
    """(the ages the study states, in its words; the claim's age span) when every age the study states lies outside the claim's
    age group; None when the claim names no age group, the study states no age, or any stated age fits."""
    want = claim_ages(claim)
    if want is None:
        return None
    text = f"{(meta or {}).get('population') or ''} {evidence}"
    got = stated_ages(text)
    if not got or any(lo <= want[1] and hi >= want[0] for lo, hi, _ in got):
        return None
    return ", ".join(dict.fromkeys(words.strip() for *_, words in got)), f"{_fmt(want[0])}–{_fmt(want[1])} years"


def _fmt(x: float) -> str:
    return f"{x:g}"
