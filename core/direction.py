"""The reported direction of a result: what the direction classifier reads and the words it is given.

Shared by training (``training/direction_data.py``) and the audit (``chatbot/audit/direction.py``),
so the frame a model was trained on is the frame it is asked about at run time.
"""

from __future__ import annotations

import functools
import re
from typing import Literal, Sequence

Direction = Literal["increased", "decreased", "no_difference", "not_reported"]
DIRECTIONS: tuple[str, str, str, str] = ("increased", "decreased", "no_difference", "not_reported")
OPPOSITE: dict[str, str] = {"increased": "decreased", "decreased": "increased"}


def frame_text(intervention: str, outcome: str, comparator: str = "") -> str:
    """The classifier's first segment: what is compared and the outcome the sentence is read for."""
    parts = []
    if intervention:
        parts.append(f"intervention: {intervention}")
    if comparator:
        parts.append(f"comparator: {comparator}")
    parts.append(f"outcome: {outcome}")
    return " | ".join(parts)


# ---------------------------------------------------------------------------- a claim's frame
#
# "Magnesium supplementation cuts anxiety by about 32%" → intervention "Magnesium supplementation",
# outcome "anxiety". General English: the first verb that states an effect splits the claim; what
# comes before is what acts, what comes after (less a trailing "by about 32%") is what it acts on.
# A claim without such a verb is read whole as the outcome, which the classifier was trained for too
# (frames without an intervention).

_EFFECT_VERB = re.compile(
    r"(?<![\w-])(?:(?:significantly|markedly|substantially|reliably|further)\s+)?"
    r"(?:(?:does|do|did)\s+not\s+\w+|(?:does|do|did)\s+nothing\s+(?:to|for)|(?:has|have|had)\s+no\s+(?:\w+\s+)?(?:effect|bearing|influence|impact)\s+on|"
    r"(?:is|are|was|were)\s+(?:not\s+)?(?:associated|linked|correlated)\s+with|"
    r"(?:is|are|was|were)\s+(?:(?:much|far|significantly|not)\s+)?(?:more|less)\s+likely\s+to(?:\s+be|\s+have)?|"
    r"(?:is|are|was|were)\s+(?:not\s+|no\s+)?(?:superior|inferior|better|worse|(?:more|less|as)\s+(?:effective|efficacious|beneficial))\s+(?:to|than|as)|"
    r"(?:increas|decreas|reduc|rais|lower|improv|enhanc|boost|elevat|lengthen|prolong|promot|strengthen|shorten|"
    r"suppress|inhibit|block|prevent|reliev|eas|alleviat|attenuat|diminish|impair|worsen|affect|alter|chang|modulat|"
    r"influenc|caus|induc|trigger|cut|speed|slow|shift|activat|stimulat|protect|help|mak|made|becam|becom|restor|stop|shut|calm|normali[sz]|"
    r"deplet|fail|predict|correlat|delay|accelerat)(?:e|es|s|ed|d|ing|ting|ped|ping)?\b(?:\s+(?:to|in|on|against|up|down)\b(?!-))?|"
    r"result(?:s|ed)?\s+in|lead(?:s)?\s+to|led\s+to|contribut\w*\s+to)\b",
    re.I,
)
_TRAIL = re.compile(r"\s+(?:by|to|from|of)\s+(?:about|around|roughly|approximately|nearly|over|up to|some|only)?\s*[\d½¼][^,;]*$", re.I)


def effect_verb(claim: str) -> str:
    """The claim's first effect verb phrase ("cuts", "does not change", "is associated with"), or ""."""
    m = _first_verb(" ".join(claim.split()))
    return m.group(0) if m else ""


# an article before a sign word makes it an adjective of the noun that follows ("women with a lower birth weight", "the
# reduced dose"), not the claim's verb
# (lower case inside the claim: "Drug A lowers" names drug A)
_DETERMINER_BEFORE = re.compile(r"(?:^|\s)(?:a|an|the)\s+$|^(?:A|An|The)\s+$")


def _first_verb(text: str) -> re.Match[str] | None:
    """The first effect verb after the claim's first word: a sentence-initial "Decreased X" or "Elevated X" describes
    the exposure, it is not the verb; nor is a sign word after an article ("with a lower birth weight")."""
    return next((m for m in _EFFECT_VERB.finditer(text) if m.start() >= 3 and not _DETERMINER_BEFORE.search(text[: m.start()])), None)


# an effect stated as a comparison with another treatment: better or worse, not a sign (a better pain score is a lower one)
COMPARISON = re.compile(r"\b(?:superior|inferior|better|worse|more|less|as)\b", re.I)
# "more / less likely to": a verb with a sign (group 1), not a comparison with another treatment
LIKELY = re.compile(r"\b(more|less)\s+likely\b", re.I)
_COMPARED_ON = re.compile(r"^.*?\s(?:in|for|on|at)\s+(?=\w)", re.I)
# the words that introduce what something is compared with
COMPARED_WITH = r"than|compared (?:with|to)|versus|vs\.?|relative to"
_COMPARATOR = re.compile(rf"\s+(?:{COMPARED_WITH})\s+.*$", re.I)


@functools.lru_cache(maxsize=4096)
def claim_frame(claim: str) -> tuple[str, str]:
    """(intervention, outcome) of a claim, read from its first effect verb; ("", claim) when it has none. The outcome
    leaves out a comparator ("… than magnesium oxide"): the outcome is what changed, not what it was compared with."""
    text = " ".join(claim.strip().rstrip(".?!").split())
    m = _first_verb(text)
    if m is None:
        c = comparative(text)
        return (c[0], c[1]) if c else ("", text)
    if len(text) - m.end() < 3:
        return "", text
    intervention = text[: m.start()].strip(" ,;:")
    rest = text[m.end() :]
    passive = _PASSIVE_BEFORE.search(text[: m.start()])
    verb = _PARTICLE.sub("", m.group(0))
    if passive and verb.split()[-1].lower().endswith(("ed", "made", "become")):
        return _passive_frame(text[: m.start()], text[m.start() + len(verb) :], text)
    if COMPARISON.search(m.group(0)) and not LIKELY.search(m.group(0)):
        # "X is not superior to Y in treating Z", "A is no more effective than placebo for pain": what follows the verb
        # is the comparator, and the outcome is what it was compared on; with none named ("X is better than Y") the
        # claim has no outcome to read a result for
        if not _COMPARED_ON.search(rest):
            return "", text
        rest = _COMPARED_ON.sub("", rest, count=1)
    outcome = _TRAIL.sub("", rest).strip(" ,;:") or rest.strip(" ,;:")
    return intervention, _COMPARATOR.sub("", outcome).strip(" ,;:") or outcome


# a comparison of two groups by an amount: "Omnivores produce more TMAO than vegans", "Ly6C hi monocytes have a higher
# inflammatory capacity than Ly6C lo monocytes", "Pre-mRNAs … are less stable than unassociated substrates". What comes
# before the comparative is what acts, what follows it up to "than" the outcome, and the comparative word its sign.
_MORE = r"more|higher|greater|larger|bigger|longer|increased|elevated|enhanced|stronger"
_LESS = r"less|lower|fewer|smaller|shorter|reduced|decreased|diminished|weaker"
_COMPARATIVE = re.compile(
    rf"^(?P<actor>.+?)\s+(?:(?:is|are|was|were|has|have|had|\w+(?<!ly))\s+)(?:a\s+|an\s+)?(?:(?:significantly|much|far|slightly|"
    rf"substantially|markedly|considerably|\w+\s+times)\s+)?(?P<sign>{_MORE}|{_LESS})\s+(?P<outcome>(?!(?:in|on|at|for|with|to|than|when|after|"
    rf"if|during)\b)[^,;]+?)\s+(?:{COMPARED_WITH})\s+\S",
    re.I,
)


@functools.lru_cache(maxsize=4096)
def comparative(claim: str) -> tuple[str, str, int] | None:
    """(what acts, outcome, +1 for more / -1 for less) of a claim that compares two groups by an amount ("X produce more
    Y than Z"), or None."""
    m = _COMPARATIVE.match(" ".join(claim.split()))
    if m is None:
        return None
    sign = 1 if re.fullmatch(_MORE, m.group("sign"), re.I) else -1
    return m.group("actor").strip(" ,;:"), m.group("outcome").strip(" ,;:"), sign


# a copula before the verb: "Sympathetic nerve activity is reduced throughout pregnancy", "Cortisol was lowered by
# magnesium" — what comes before is the outcome, and what acts is the agent after "by" or the condition it changed under
_PASSIVE_BEFORE = re.compile(r"\b(?:is|are|was|were|be|been|being)\s+(?:(?:not|\w+ly)\s+)?$", re.I)
_PARTICLE = re.compile(r"\s+(?:to|in|on|against|up|down)$", re.I)
_AGENT = re.compile(r"\bby\s+(?!about\b|around\b|roughly\b|approximately\b|nearly\b|over\b|up to\b|some\b|only\b|[\d½¼])([^,;]+)", re.I)
_LEADING_PREP = re.compile(r"^\s*(?:in|during|throughout|with|after|among|under|following|upon|on|at|from)\s+", re.I)


def _passive_frame(before: str, after: str, text: str) -> tuple[str, str]:
    """(what acts, outcome) of a passive claim: the subject is the outcome; what acts is the "by" agent, else what
    follows the verb less an effect size and its preposition ("by 32% with magnesium", "throughout normal pregnancy"),
    and less who it was measured in. ("", text) when nothing acts."""
    outcome = _PASSIVE_BEFORE.sub("", before).strip(" ,;:")
    agent = _AGENT.search(after)
    actor = agent.group(1) if agent else _LEADING_PREP.sub("", _SIZE_FIRST.sub("", after))
    actor = _TRAILING_POPULATION.sub("", _TRAIL.sub("", actor)).strip(" ,;:.")
    return (actor, outcome) if actor and outcome else ("", text)


# an effect size right after a passive verb: "reduced by about 32%", "shortened by 17 minutes"
_SIZE_FIRST = re.compile(r"^\s*by\s+(?:about|around|roughly|approximately|nearly|over|up to|some|only)?\s*[\d½¼][\d.,]*\s*(?:%|percent\b|[a-z]+\b)?", re.I)


# what comes before the acting thing in a claim's first part: a reporting clause ("Pooled trials in older adults found
# [that] magnesium …") or a leading condition phrase ("In a crossover study of people aged 60-80, oral magnesium …").
# Conditions are checked on their own (population, dose, form, species), so they need not be in the result sentence.
_REPORTING = re.compile(
    r"^.*\b(?:found|find|finds|showed|shown|shows|show|reported|reports|report|demonstrated|demonstrates|demonstrate|"
    r"suggested|suggests|suggest|concluded|concludes|indicated|indicates|revealed|reveals|confirmed|confirms)\s+(?:that\s+)?",
    re.I,
)
_LEADING_PHRASE = re.compile(r"^(?:in|among|for|across|during|after|with|within|at|from|over|under)\b[^,]*,\s*", re.I)


@functools.lru_cache(maxsize=4096)
def claim_core(claim: str) -> tuple[str, str]:
    """(what acts, outcome) of a claim without the words around them: ``claim_frame`` less a reporting clause or a
    leading condition phrase before what acts. A result sentence names what acted and the outcome; the study's design
    and population are the condition checks' business, and counting them as words the sentence must carry made
    "In a crossover study of people aged 60-80, oral magnesium increased slow-wave sleep" look half off-topic to
    "Magnesium significantly increased time in slow-wave sleep"."""
    intervention, outcome = claim_frame(claim)
    core = _REPORTING.sub("", intervention)
    core = _LEADING_PHRASE.sub("", core) if core else core
    # ... or a population after what acts ("screening in elderly populations leads to …"; not "50% of patients", a share)
    core = _TRAILING_POPULATION.sub("", core).strip(" ,;:") if _ACTOR_POPULATION.search(core) else core
    bare = _TRAILING_POPULATION.sub("", outcome).strip(" ,;:") if intervention else outcome
    return (core.strip(" ,;:") or intervention), bare or outcome


# who an outcome was measured in, at the end of a claim ("suppressed ACTH secretion in healthy men", "… among older
# adults"): the population is the condition checks' business, and a result sentence rarely repeats it ("ACTH was
# suppressed from 22:00 to 07:00"). General English nouns for who or what is studied, not any one topic's.
_TRAILING_POPULATION = re.compile(
    r"\s+(?:in|among|of|for)\s+(?:(?:the|a|an|all|some|most|many|otherwise|healthy|older|elderly|young|younger|adult|"
    r"[\w-]+-(?:aged|old)|(?!(?:in|among|of|for|with|to|on|at|by|from|and|or)\b)\w+)\s+){0,3}?(?:men|women|adults|children|people|persons|patients|participants|subjects|"
    r"volunteers|individuals|infants|adolescents|students|athletes|players|residents|populations?|mice|rats|animals|dogs|cats)\b[^,;]*$",
    re.I,
)


# the population phrase after what acts starts at "in" or "among"
_ACTOR_POPULATION = re.compile(r"\s(?:in|among)\s", re.I)


def claim_frame_text(claim: str, keys: Sequence[str] = ()) -> str:
    """The frame the classifier reads a claim and its evidence against: what acts (``claim_core``: no reporting clause
    or leading conditions, as Evidence Inference's short interventions) and the outcome, followed in brackets by the
    corpus profile's other names for it (``keys``: "the time taken to fall asleep (latency, sleep onset)"). Measured on
    one pooled result ("sleep onset latency was 17.36 minutes shorter with magnesium"): P(decreased) 0.37 with the whole
    preamble as the intervention, 0.58 with what acts alone, 0.91 with the outcome's other names."""
    intervention, outcome = claim_core(claim)
    low = outcome.lower()
    extra = [k for k in keys if k.lower() not in low]
    return frame_text(intervention, f"{outcome} ({', '.join(extra)})" if extra else outcome)


def agreement(claim: Sequence[float], sentence: Sequence[float]) -> tuple[float, float]:
    """(agree, oppose) of a sentence's reported direction with a claim's stated one.

    ``claim``: the claim's weights (increased, decreased, no_difference[, changed]) — "changed" is an effect of
    either sign ("alters", "improves": whether better sleep is a higher or lower score depends on the measure);
    ``sentence``: the sentence's P over all four ``DIRECTIONS``. Agree: the same direction (either, for a change).
    Oppose: the other direction, a significant change against a claimed null, or no significant difference against
    a claimed change. Mass on ``not_reported`` counts for neither, so a sentence about something else decides nothing.
    """
    ci, cd, cn = (float(x) for x in claim[:3])
    cc = float(claim[3]) if len(claim) > 3 else 0.0
    si, sd, sn = (float(x) for x in sentence[:3])
    # a change of unknown sign is only half a match for either sign: "eases the gut" is not stated by "absorption rose"
    agree = ci * si + cd * sd + cn * sn + 0.5 * cc * (si + sd)
    oppose = ci * (sd + sn) + cd * (si + sn) + cn * (si + sd) + cc * sn
    return agree, oppose


def claim_direction(probs: Sequence[float]) -> tuple[float, float, float, float]:
    """The classifier's reading of a claim against its own frame, over the three directions, renormalised, and
    weighted by how surely the claim states a direction at all (1 − P(not_reported))."""
    p = [max(0.0, float(x)) for x in probs[:4]]
    s = sum(p[:3])
    if s <= 0:
        return (0.0, 0.0, 0.0, 0.0)
    stated = 1.0 - p[3] if len(p) > 3 else 1.0
    return tuple(x / s * stated for x in p[:3]) + (0.0,)  # type: ignore[return-value]
