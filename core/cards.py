"""Study cards: what one study did and found, as a typed record shared by ingest and the chatbot.

Why a card: retrieval finds the right papers, but an answer has to say *what they did* (design,
who, how much, for how long, against what) and *what they found* (the numbers, the authors'
conclusion and how guarded it is). Ingest extracts one card per literature document
(``ingest.cards``) and stores them beside the manifest as ``cards.json``; answerers read them from
the store version. Each sentence of the document carries a role (objective, background, method,
result, conclusion, limitation, source note), so an answer quotes results and conclusions before
aims, and never quotes a digest's note about itself ("Read from the abstract…") as a finding.

The role rules use general cue words of scientific reporting only (no subject vocabulary), so
they work for any corpus; ``classify_sentence`` lives here because the chatbot also classifies
passages of a store built before cards existed.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

CARDS_FILE = "cards.json"
CARDS_FORMAT = 3  # bump when the card shape or the extraction rules change: stored cards are then rebuilt

SentenceRole = Literal["objective", "background", "method", "result", "conclusion", "limitation", "source_note"]
FINDING_ROLES: tuple[str, ...] = ("result", "conclusion")


class CardSentence(BaseModel):
    """One sentence of a document with the role it plays in the report."""

    model_config = ConfigDict(extra="ignore")

    text: str = Field(description="The sentence as it appears in the chunk.")
    role: SentenceRole = Field(description="What the sentence does in the report.")
    chunk_id: str = Field("", description="Chunk the sentence was taken from (its citation target).")


class Intervention(BaseModel):
    model_config = ConfigDict(extra="ignore")

    agent: str = Field("", description="What was given (the corpus subject, or another agent).")
    form: str = Field("", description="Form or preparation (a salt, a formulation), when stated.")
    dose: str = Field("", description="Dose as reported, e.g. '500 mg/day'.")
    duration: str = Field("", description="How long it was given, e.g. '8 weeks'.")
    text: str = Field("", description="The description the dose and duration were read from.")


class Outcome(BaseModel):
    """A reported result with its numbers, as found in one result sentence."""

    model_config = ConfigDict(extra="ignore")

    text: str = Field(description="The result sentence.")
    chunk_id: str = ""
    effect: str = Field("", description="First reported effect figure (a difference, percentage, ratio or mean).")
    ci: str = Field("", description="Confidence interval, when reported.")
    p: str = Field("", description="P value, when reported.")
    significant: bool | None = Field(None, description="True/False when the sentence says so; None when it does not.")


class StudyCard(BaseModel):
    """One literature document, summarised as fields. Empty fields mean 'not stated', never 'none'."""

    model_config = ConfigDict(extra="ignore")

    doc_id: str
    title: str = ""
    year: int | None = None
    authors: list[str] = Field(default_factory=list)
    design: str = Field("", description="Study design (rct, meta-analysis, cohort, animal, in-vitro, ...).")
    n: int | None = Field(None, description="Participants (or studies pooled), when stated.")
    population: str = Field("", description="Who or what was studied.")
    intervention: Intervention = Field(default_factory=Intervention)
    comparator: str = Field("", description="What the intervention was compared with (placebo, another form, ...).")
    outcomes: list[Outcome] = Field(default_factory=list)
    conclusion: str = Field("", description="The authors' conclusion, as stated.")
    hedges: list[str] = Field(default_factory=list, description="Words by which the authors qualify their conclusion.")
    sentences: list[CardSentence] = Field(default_factory=list)

    def finding_sentences(self) -> list[CardSentence]:
        return [s for s in self.sentences if s.role in FINDING_ROLES]

    def label(self) -> str:
        """Short citation label: 'Abbasi 2012' (first author's surname and year), else the title."""
        first = (self.authors[0].split()[0] if self.authors and self.authors[0].split() else "").strip(",")
        bits = [b for b in (first, str(self.year) if self.year else "") if b]
        return " ".join(bits) or self.title or self.doc_id


class CardSet(BaseModel):
    """``cards.json`` of a store version."""

    format: int = CARDS_FORMAT
    cards: dict[str, StudyCard] = Field(default_factory=dict)


def dump_cards(cards: dict[str, StudyCard]) -> bytes:
    return CardSet(cards=cards).model_dump_json(indent=1).encode("utf-8")


def load_cards(folder: str | Path | None) -> dict[str, StudyCard]:
    """The cards stored in a version folder; empty when it has none, they are from an older
    format, or the file is damaged (answers then work without cards, they are never wrong for lack of them)."""
    if folder is None:
        return {}
    path = Path(folder) / CARDS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        cs = CardSet.model_validate(data)
    except (OSError, ValueError, ValidationError):
        return {}
    return cs.cards if cs.format == CARDS_FORMAT else {}


def cards_current(folder: str | Path | None) -> bool:
    """Whether a version folder holds cards in the current format (else ingest rebuilds them)."""
    if folder is None:
        return False
    try:
        data = json.loads((Path(folder) / CARDS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("format") == CARDS_FORMAT


# --------------------------------------------------------------------------- sentence roles

_SECTION_ROLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("source_note", re.compile(r"source note|\bnote\b|not (?:reported|available|covered)|of this digest", re.I)),
    ("limitation", re.compile(r"limitation", re.I)),
    ("conclusion", re.compile(r"conclu|discussion|interpretation|summary", re.I)),
    ("result", re.compile(r"result|finding|outcome|content of", re.I)),
    ("method", re.compile(r"method|design|participant|intervention|measure|trials included|protocol|population", re.I)),
    ("objective", re.compile(r"\baims?\b|objective|purpose|scope", re.I)),
    # what a secondary copy's excerpts say ("What the attributed excerpts say" of a fact sheet) is its content, stated as
    # background; it was read as a note about the source, which left the whole fact sheet unquotable
    ("background", re.compile(r"background|introduction|excerpts? say", re.I)),
)

# a digest's or abstract's note about its own provenance or gaps: never a finding
SOURCE_NOTE = re.compile(
    r"\bread from\b|\bsource note\b|\bthe (?:available |journal |retrieved )?(?:abstract|summary|text|excerpts?|table|digest)s? "
    r"(?:does|do|did) not\b|\b(?:abstract|summary|text|excerpt)s? (?:gives?|reports?|lists?|states?) no\b|"
    r"\bno [^.]{0,60}\bappear in the (?:available )?(?:abstract|text|summary)\b|\bnot (?:part of the material|retrieved)\b|"
    r"\b(?:was|were) not (?:retrieved|available|seen)\b|\bsecondary cop(?:y|ies)\b|\bthis digest\b|\bbreaks off\b|"
    r"\bretrieved (?:page|text)\b|\bmachine-translated\b|\bis not available in\b|\bnot verified here\b|\btruncated\b|\bcut off\b|"
    r"\bread (?:through|via)\b|\bbreaks? off\b|\bconference abstract\b|\bsecondary source\b|"
    r"\bnot (?:reported|given|stated) in the (?:abstract|available|retrieved)\b|\bno [^.]{0,40}\b(?:are|is) (?:given|reported)\b",
    re.I,
)
# the authors recounting earlier work or context, whatever paragraph it sits in
_BACKGROUND = re.compile(
    r"\bthe authors (?:cite|describe|summari[sz]e|note that)\b|\b(?:their|its) (?:own )?earlier (?:finding|work|study)\b|"
    r"\bprevious(?:ly)? (?:studies|work|reported|shown|showed|found|demonstrated|described)\b|"
    # "Some studies have suggested …, but others found no …", "Studies have shown …"
    # (not "Twelve trials reported …": a review's own result)
    r"\b(?:some|other|earlier|prior|recent) (?:studies|trials|reports|authors|investigators) (?:have )?"
    r"(?:suggested|shown|reported|found|demonstrated|indicated|proposed)\b|"
    r"\b(?:studies|trials|reports) have (?:suggested|shown|reported|found|demonstrated|indicated|proposed)\b",
    re.I,
)
_OBJECTIVE = re.compile(
    r"\b(?:aim(?:ed|s)?|sought|set out|designed|intended) to\b|\b(?:the )?(?:aim|objective|purpose|goal)s? (?:of|was|were|is)\b|"
    r"\bto (?:assess|investigate|evaluate|examine|determine|test|explore|compare|ascertain|establish|clarify|quantify|"
    r"characteri[sz]e|analy[sz]e|identify) (?:whether|if|how|the)\b|"
    # "We conducted this study to ascertain …", "This study was undertaken to …"
    r"\b(?:conducted|undertook|undertaken|performed|carried out|designed) (?:this|the present|a) (?:study|trial|analysis|review) to\b|"
    r"\b(?:study|trial|analysis|review) was (?:conducted|undertaken|performed|carried out|designed) to\b|"
    r"\b(?:assessed|investigated|evaluated|examined) (?:the )?(?:evidence|effectiveness|efficacy|whether|if)\b",
    re.I,
)
_LIMITATION = re.compile(
    r"\blimitations?\b|\binterpreted with caution\b|\bsmall (?:sample|number)\b|\bunderpowered\b|\brisk of bias\b|"
    r"\bconfound|\bheterogene|\bquality of (?:the|that|this) evidence\b|\bpoor quality\b|\blow(?: to very low)? quality\b",
    re.I,
)
# the authors saying what they found, in any tense ("Here we show", "we have now shown", "We demonstrated")
_WE = r"\b(?:here,? )?we (?:(?:now|further|also|have|here) ){0,2}"
_FOUND = "show|demonstrate|report|reveal|establish|identify|find|found|showed|shown|demonstrated|revealed|identified|established"
_CONCLUSION = re.compile(
    r"\bconclu(?:de|ded|des|sion)\b|\bthe authors (?:judge|state|regard|interpret|suggest|argue|propose|consider)\b|"
    r"\b(?:these|the|our) (?:results|findings|data) (?:suggest|indicate|support|show|demonstrate|reveal)\b|\bin summary\b|\boverall,? (?:the|they)\b|"
    # the authors stating what they found ("Here, we demonstrate that the CD28 pathway regulates …")
    + _WE
    + f"(?:{_FOUND})"
    + r"(?: here| now| further)? that\b",
    re.I,
)
_RESULT_WORDS = re.compile(
    r"\bsignificant(?:ly)?\b|\b(?:increased|decreased|reduced|improved|lowered|raised|shortened|lengthened|rose|fell|declined)\b|"
    r"\bdid not (?:differ|change|affect|improve|reduce)\b|\bno (?:significant )?(?:difference|effect|change|association)\b|"
    r"\b(?:odds|hazard|risk) ratio\b|\bassociated with\b|\bcompared with (?:placebo|control)|\bwas (?:higher|lower|greater|smaller)\b|"
    r"\bmet inclusion criteria\b|\bwere included\b|\breported\b|\bfound\b|\bshowed\b",
    re.I,
)
_STAT = re.compile(r"\b[pP]\s*[=<>≤≥]\s*0?\.\d+|\b95\s*%\s*CI\b|\d\s*%|±|\b(?:OR|RR|HR|SMD|MD|WMD)\b\s*[=:]?\s*-?\d")
_METHOD = re.compile(
    r"\brandomi[sz]ed\b|\bdouble-blind|\bplacebo-controlled\b|\bcrossover\b|\b(?:were|was) (?:assigned|allocated|given|measured|"
    r"recruited|enrolled|searched|included|randomi[sz]ed|fed|treated|exposed|infused)\b|\b(?:searched|recruited|enrolled)\b|"
    r"\binclusion criteria\b|\bparticipants?\b[^.]{0,40}\b(?:took|received|were)\b|\bmeasured\b|\bfollowed (?:up|for)\b",
    re.I,
)


# a structured abstract's heading run into its first sentence ("CONCLUSIONS AND RELEVANCE Among patients …", "RESULTS We
# found …"): the heading says what the sentence is, more surely than any cue word in it
_INLINE_HEADINGS: tuple[tuple[str, str], ...] = (
    (
        "method",
        r"(?:MATERIALS AND )?METHODS?|(?:STUDY )?DESIGN(?:,? SETTING,? AND PARTICIPANTS)?|SETTINGS?|PARTICIPANTS|PATIENTS|SUBJECTS|"
        r"INTERVENTIONS?|(?:MAIN )?OUTCOME MEASURES?|MEASUREMENTS|SAMPLE|DATA SOURCES|STUDY SELECTION|DATA EXTRACTION|EXPOSURES?",
    ),
    ("result", r"RESULTS?|FINDINGS"),
    ("conclusion", r"CONCLUSIONS?(?: AND RELEVANCE)?|INTERPRETATION|DISCUSSION|SUMMARY"),
    ("objective", r"OBJECTIVES?|AIMS?|PURPOSE|GOALS?"),
    ("background", r"BACKGROUND|INTRODUCTION|CONTEXT|IMPORTANCE|RATIONALE"),
)
_INLINE_HEADING = re.compile(r"^\s*(?:" + "|".join(f"(?P<{role}>{rx})" for role, rx in _INLINE_HEADINGS) + r")(?:\s*[:.]\s*|\s+)(?=[A-Z(\d])")


def inline_heading(text: str) -> str | None:
    """The role a structured abstract's heading at the start of ``text`` gives it, or None."""
    m = _INLINE_HEADING.match(text or "")
    return next((role for role, v in m.groupdict().items() if v), None) if m else None


def _section_role(section: str) -> str | None:
    for role, rx in _SECTION_ROLES:
        if rx.search(section or ""):
            return role
    return None


def retells_other_work(text: str) -> bool:
    """The sentence recounts earlier work or what the authors cite ("previous studies showed …"): a claim it states is
    someone else's finding at second hand, never the source's own statement of fact."""
    return bool(_BACKGROUND.search(text or ""))


def classify_sentence(text: str, section: str = "") -> SentenceRole:
    """Role of one sentence: cue words in the sentence first (a source note or an aim inside a
    'Results' paragraph is still a note or an aim), then the section heading, then the shape of
    the sentence (statistics make it a result)."""
    t = text or ""
    sec = inline_heading(t) or _section_role(section)
    note = SOURCE_NOTE.search(t)
    # a note about the source, unless it trails a sentence of reported statistics ("…p < 0.001; the rest is cut off")
    if sec == "source_note" or (note and (note.start() < 40 or not _STAT.search(t[: note.start()]))):
        return "source_note"
    if _OBJECTIVE.search(t) and not _STAT.search(t):
        return "objective"
    if _BACKGROUND.search(t) and sec != "conclusion":
        return "background"
    concluding = bool(_CONCLUSION.search(t)) and sec not in ("background", "objective", "method")
    if sec == "limitation" or (_LIMITATION.search(t) and sec not in ("result", "conclusion") and not concluding):
        return "limitation"
    if concluding:
        return "conclusion"
    if sec in ("result", "conclusion"):
        return sec  # type: ignore[return-value]
    if _STAT.search(t) and _RESULT_WORDS.search(t):
        return "result"
    if sec in ("method", "objective", "background"):
        if sec != "method" and _METHOD.search(t):
            return "method"
        return sec  # type: ignore[return-value]
    if _METHOD.search(t):
        return "method"
    if _RESULT_WORDS.search(t) and re.search(r"\d", t):
        return "result"
    return "background"


# the authors turning from what was known to what they found ("Here we show that …", "We found that …"): in an abstract
# without headings, the sentences after it report the study's findings
_FINDINGS_FOLLOW = re.compile(
    _WE + f"(?:{_FOUND}|observed|discovered|determined|uncovered)" + r"\b|\bour (?:results|findings|data) (?:show|indicate|suggest|reveal|demonstrate)\b",
    re.I,
)


def findings_follow(text: str) -> bool:
    """The authors turn to what they found somewhere in ``text`` ("Here we show that …", "We found that …")."""
    return bool(_FINDINGS_FOLLOW.search(text or ""))


def role_in_passage(sentence: str, section: str, passage: str, findings_before: bool = False) -> SentenceRole:
    """``classify_sentence``, reading a sentence that carries no cue of its own with what comes before it in its passage:
    after the authors say what they found ("Here we show that …"), an unheaded abstract's plain sentences are findings
    ("Omnivorous human subjects produced more TMAO than did vegans"), not background. In SciFact, 447 of the 826
    rationale sentences of the fitting claims carry no cue word, and were read as background."""
    role = classify_sentence(sentence, section)
    if role != "background" or _section_role(section) or _BACKGROUND.search(sentence) or inline_heading(sentence):
        return role
    at = passage.find(sentence[:60])
    # ``findings_before``: the turn came in an earlier passage of the same abstract (a chunk boundary fell after it)
    return "result" if at >= 0 and (findings_before or (at > 0 and _FINDINGS_FOLLOW.search(passage[:at]))) else role


# --------------------------------------------------------------------------- shared text helpers

_NUM = r"\d+(?:[.,]\d+)?"
GENERIC_DOSE_UNITS: tuple[str, ...] = ("mg", "g", "mmol", "meq", "mcg", "µg", "μg", "iu", "ml", "mg/kg", "g/kg")
_INLINE = re.compile(r"\*\*([^*]{1,60}?)\*\*")
_CAPITALISED = {"meq": "mEq", "ml": "mL", "iu": "IU", "mmol": "mMol"}


@functools.lru_cache(maxsize=16)
def dose_pattern(units: tuple[str, ...] = ()) -> re.Pattern[str]:
    """A number (or range) followed by a dose unit (the corpus profile's units plus generic ones),
    optionally per day: group 1 is the amount, group 2 the 'per day' part."""
    base = {u.lower() for u in units} | set(GENERIC_DOSE_UNITS)
    # units are matched as written ("26Mg" is an isotope, not 26 mg); the usual capitalisations are added
    alts = sorted(base | {_CAPITALISED[u] for u in base if u in _CAPITALISED}, key=len, reverse=True)
    unit = "|".join(re.escape(u) for u in alts)
    return re.compile(rf"(?<![\w.])({_NUM}(?:\s*(?:–|-|to)\s*{_NUM})?(?:\s*|-)(?:{unit}))(?![\w])((?:\s*(?:/|per|a|each)\s*(?:day|d|kg|night)\b)?)")


def run_in_section(text: str, start: int, end: int) -> str:
    """A bold run-in heading ("**Results.** …") of the paragraph holding the sentence at
    ``start:end``: the section of a sentence when the loader kept such labels inline."""
    para = text.rfind("\n\n", 0, start) + 1
    labels = [m for m in _INLINE.finditer(text, para, end) if m.start() <= start + 8]
    return labels[-1].group(1) if labels else ""
