"""The direction classifier at run time: which way a result sentence says an outcome went, and whether a claim's
evidence reports the claim's direction.

The claim verifier is asked one hard question (does this paraphrase entail the claim?) and reads paraphrased
support as refutation. This module asks smaller ones a 22 M model learns well from Evidence Inference's RCT
result sentences: for the claim's frame (intervention, outcome: ``core.direction.claim_frame``), did the sentence
report an increase, a decrease, no significant difference, or nothing on that outcome? The claim is read against
its own frame the same way, so "agree" and "oppose" compare like with like (``core.direction.agreement``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import functools
import logging
import re

import numpy as np

from chatbot.audit import checks
from chatbot.audit.verifier import Verifier, _load
from core.direction import COMPARED_WITH, COMPARISON, DIRECTIONS, LIKELY, agreement, claim_direction, claim_frame, claim_frame_text, comparative, effect_verb
from core.text import split_clauses, split_sentences, without_quantities


_log = logging.getLogger(__name__)
_warned: set[str] = set()  # one warning per missing model path and process


@dataclass(frozen=True)
class ClaimDirection:
    """A claim's frame and the direction it states (P over increased / decreased / no difference, scaled by how
    surely it states one at all)."""

    frame: str
    probs: tuple[float, float, float, float]  # increased, decreased, no_difference, changed (either sign)

    @property
    def stated(self) -> float:
        return float(sum(self.probs))

    @property
    def definite(self) -> float:
        """Weight on a definite direction (up, down, no difference), not a change of unknown sign."""
        return float(sum(self.probs[:3]))


def outcome_keys(claim: str, profile) -> tuple[str, ...]:
    """The corpus profile's keywords for the claim's outcome ("the time taken to fall asleep" → sleep_latency's
    "latency", "sleep onset", …): how a result sentence may name that outcome without sharing a word with the claim.
    None for a claim without an effect verb: its "outcome" is the whole claim, and the groups any of its words touch
    are no outcome of its own."""
    actor, outcome = claim_frame(without_quantities(claim))
    if not actor:
        return ()
    groups = profile.outcome_groups(outcome)
    return tuple(sorted({k.lower() for g in groups for k in profile.outcomes[g]}))


# a clause set against the one before it: "did not reduce the overall incidence of allergies, although atopic eczema
# and egg sensitisation were lower" reports two results, one per clause
_CONTRAST = re.compile(r",(?=\s+(?:although|though|whereas|while|but)\s)", re.I)


def _contrasted(clause: str) -> list[str]:
    """``clause`` cut before each contrasting conjunction after a comma, outside brackets (``core.text.split_clauses``),
    each part but the last keeping its comma; a part too short to report a result ("but not Y") stays with the part
    before it."""
    parts = split_clauses(clause, _CONTRAST, sep=",")
    out: list[str] = []
    for k, part in enumerate(parts):
        part += "," if k < len(parts) - 1 else ""
        if out and len(part.split()) < 5:
            out[-1] += part
        else:
            out.append(part)
    return out


@functools.lru_cache(maxsize=8192)
def focus(claim: str, window: str, keys: tuple[str, ...] = ()) -> str:
    """The one sentence (or clause of a digest's list) of a window that the direction is read from: the one naming the
    claim's outcome in the profile's words (``keys``, from ``outcome_keys``), then carrying most of its outcome words,
    then of its other words. A two-sentence window often reports two outcomes ("Sleep onset latency was 17 minutes
    shorter. Total sleep time did not differ."), and the classifier reads one result at a time; the claim's "time taken
    to fall asleep" shares a word with the second and none with the first."""
    clauses = [c for a, b in split_sentences(window) for c in split_clauses(window[a:b])]
    if len([c for c in clauses if len(c.strip()) > 15]) <= 1 and not any(len(_contrasted(c)) > 1 for c in clauses):
        return window
    topic = without_quantities(claim)
    actor, outcome = claim_frame(topic)
    want_outcome, want_topic = checks.content_words(outcome), checks.content_words(topic)
    named = [re.compile(r"\b" + re.escape(k)) for k in keys]

    def share(words: set[str], text: str) -> float:
        return len(words & checks.content_words(text)) / len(words) if words else 0.0

    def on_outcome(x: str) -> tuple[bool, float]:
        return any(n.search(x.lower()) for n in named), share(want_outcome, x)

    def read_apart(c: str) -> list[str]:
        # contrasted clauses ("did not reduce allergies overall, although atopic eczema was lower") are read apart
        # only when one of them is more about the claim's outcome than the others, and the claim names what acts
        # (without it the "outcome" is the whole claim: "limb-salvage surgery offer patients better quality of life
        # and functional capacity" would pick "offers better gait efficiency …" over "…, but does not improve …
        # quality of life" for sharing "surgery" and "amputation"); otherwise the sentence is read whole, as before
        sub = [x for x in _contrasted(c) if len(x.strip()) > 15]
        if len(sub) <= 1 or not actor:
            return [c]
        ranked = sorted((on_outcome(x) for x in sub), reverse=True)
        return sub if ranked[0] > ranked[1] else [c]

    parts = [x.strip() for c in clauses for x in read_apart(c) if len(x.strip()) > 15]
    if len(parts) <= 1:
        return window
    return max(parts, key=lambda x: (*on_outcome(x), share(want_topic, x)))


def direction_pairs(claim: str, windows: Sequence[str], keys: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """The (frame, sentence) pairs for a claim and its windows (each read at its ``focus``); the claim comes first."""
    frame = claim_frame_text(claim, keys)
    return [(frame, claim)] + [(frame, focus(claim, w, keys)) for w in windows]


# a claim of no change: negation, "unchanged", "no bearing on", or an equality ("as bioavailable as", "similar")
_NULL_CLAIM = re.compile(
    r"\b(?:not|never|no|nothing|neither|nor|failed to|fails? to|unchanged|unaffected|similar(?:ly)?|comparable|equally|"
    r"(?<!twice )(?<!times )(?<!half )as \w+ as|the same as|no (?:different|difference|effect|bearing|influence|impact|change))\b",
    re.I,
)
# general English verbs of an effect, by what they say about its sign
_UP_VERB = re.compile(
    r"^(?:\w+ly\s+)?(?:increas|rais|elevat|boost|lengthen|prolong|extend|enhanc|strengthen|promot|stimulat|activat|induc|accelerat|speed|add)", re.I
)
_DOWN_VERB = re.compile(
    r"^(?:\w+ly\s+)?(?:decreas|reduc|lower|cut|shorten|suppress|inhibit|block|prevent|diminish|attenuat|deplet|slow|delay|shut|stop|calm)", re.I
)
# valence, not sign ("improves sleep": a higher efficiency or a shorter latency), or a change of either sign
_CHANGE_VERB = re.compile(r"^(?:\w+ly\s+)?(?:improv|eas|reliev|alleviat|help|benefit|protect|worsen|impair|affect|alter|chang|shift|modulat|influenc)", re.I)


_ASSOCIATION = re.compile(r"\b(?:associated|linked|correlated|correlates?|predicts?|caus\w*|results?|resulted|leads?|led|contribut\w*)\b", re.I)


def rule_direction(claim: str) -> tuple[float, float, float, float]:
    """A claim's stated direction from its words: (increased, decreased, no_difference, changed) weights.

    A negated effect or an equality states no difference; otherwise the claim's first effect verb
    (``core.direction.effect_verb``) gives the sign, and a verb of valence ("improves", "eases") or plain change
    ("alters") states a change of either sign; a claim without such a verb falls back to the balance of up and down
    words (``checks.direction``). General English, no topic.

    Claims state a direction plainly, without the statistics a result sentence carries, and the classifier (trained
    on result sentences) read most of our labelled claims as "no difference" ("Taking magnesium raises ACTH levels":
    0.94), so the words decide a claim's direction by default (``AuditSettings.claim_direction``)."""
    if _NULL_CLAIM.search(claim):
        return (0.0, 0.0, 1.0, 0.0)
    verb = effect_verb(claim)
    if _ASSOCIATION.search(verb):
        # "Decreased X is associated with Y", "Increase of X results in Y": the sign words describe the exposure, not
        # the outcome; only the outcome's own words ("associated with a higher risk") state a direction
        d = checks.direction(claim_frame(claim)[1])
        return (1.0, 0.0, 0.0, 0.0) if d > 0 else (0.0, 1.0, 0.0, 0.0) if d < 0 else (0.0, 0.0, 0.0, 0.0)
    likely = LIKELY.search(verb)
    if likely:
        if checks.direction(claim_frame(claim)[0]):
            # "women with a lower birth weight are more likely to …": the exposure has a sign of its own, and a result
            # for the other end of it ("heavier birth weights were associated with increased risk") would read as agreeing
            return (0.0, 0.0, 0.0, 0.0)
        return (1.0, 0.0, 0.0, 0.0) if likely.group(1).lower() == "more" else (0.0, 1.0, 0.0, 0.0)
    if COMPARISON.search(verb):
        return (0.0, 0.0, 0.0, 1.0)  # "is superior to", "is more effective than": better, of either sign
    if verb:
        if _UP_VERB.search(verb):
            return (1.0, 0.0, 0.0, 0.0)
        if _DOWN_VERB.search(verb):
            return (0.0, 1.0, 0.0, 0.0)
        if _CHANGE_VERB.search(verb):
            return (0.0, 0.0, 0.0, 1.0)
    compared = comparative(claim)  # "X produce more Y than Z": the comparative word is the sign
    d = compared[2] if compared else checks.direction(claim)
    return (1.0, 0.0, 0.0, 0.0) if d > 0 else (0.0, 1.0, 0.0, 0.0) if d < 0 else (0.0, 0.0, 0.0, 0.0)


# a ratio with its confidence interval: "odds ratio 2.77 (95% CI 1.04-7.97)", "HR 0.64; 95% CI 0.49 to 0.82"
_RATIO = re.compile(
    r"\b(?:odds ratio|relative risk|risk ratio|hazard ratio|rate ratio|OR|RR|HR|aOR|aHR|IRR)\b[^0-9;]{0,120}?(\d+(?:\.\d+)?)"
    r".{0,40}?\b(?:95\s*%\s*(?:CI|confidence interval)|CI)\b[\s:,=]*(\d+(?:\.\d+)?)\s*(?:-|–|to|,)\s*(\d+(?:\.\d+)?)",
    re.I,
)


def ratio_direction(sentence: str) -> str | None:
    """The direction a ratio statistic reports: its 95% interval above 1 is an increase, below 1 a decrease, across 1
    no significant difference. The classifier, trained on sentences that say "significantly", read "the odds ratio
    was 2.77 (95% CI 1.04-7.97)" as no difference (0.89); the arithmetic is not in doubt. Ratios listed by outcome
    ("hazard ratios for all cause mortality (1.66, 1.56 to 1.77), … stroke (1.37, 1.22 to 1.55)") report a direction
    when they all report the same one (the classifier read that sentence as no difference, 0.60)."""
    m = _RATIO.search(sentence)
    if m is None:
        return _listed_ratios_direction(sentence)
    lo, hi = sorted((float(m.group(2)), float(m.group(3))))
    if not lo <= float(m.group(1)) <= hi:
        return None  # not a point estimate inside its interval: misread
    return _interval_direction(lo, hi, sentence[: m.start()])


def _interval_direction(lo: float, hi: float, before: str) -> str:
    if hi >= 1 >= lo:
        return "no_difference"
    up = lo > 1
    if _falling_event(before):
        up = not up  # a rise in the chance of a fall is a fall
    return "increased" if up else "decreased"


# ratios named in the plural, then listed one per outcome as "(estimate, low to high)"
_RATIOS_NAMED = re.compile(r"\b(?:odds|hazard|risk|rate) ratios\b|\brelative risks\b|\b(?:a?ORs|a?HRs|RRs|IRRs)\b", re.I)
_LISTED = re.compile(r"\((\d+(?:\.\d+)?)\s*[,;]\s*(?:95\s*%\s*CI\s*[:,=]?\s*)?(\d+(?:\.\d+)?)\s*(?:-|–|to)\s*(\d+(?:\.\d+)?)\)")


def _listed_ratios_direction(sentence: str) -> str | None:
    """The one direction every listed ratio after a plural ratio name reports, else None (they differ, none is listed,
    or an estimate lies outside its interval)."""
    named = _RATIOS_NAMED.search(sentence)
    if named is None:
        return None
    found: set[str] = set()
    for m in _LISTED.finditer(sentence, named.end()):
        lo, hi = sorted((float(m.group(2)), float(m.group(3))))
        if not lo <= float(m.group(1)) <= hi:
            return None
        found.add(_interval_direction(lo, hi, sentence[: named.start()]))
    return found.pop() if len(found) == 1 else None


# the event a ratio is the chance of, when the sentence names it: "more likely to reduce the intensity of headaches by
# at least 50% than placebo (relative risk 1.41, 95% CI 1.02 to 1.89)" reports a greater chance of a fall, which is a
# fall in the outcome; the ratio alone read it as a rise, against the claim that antidepressants reduce migraine
_EVENT = re.compile(r"\b(?:likely|likelihood|odds|risk|chance|probability)\s+(?:to|of)\s+(?:an?\s+|the\s+)?([\w-]+)", re.I)


def _falling_event(before: str) -> bool:
    """The last event named before the ratio ("likely to reduce", "odds of a decline") is itself a fall (a word of sign,
    not of valence: "likely to improve" is read by what improves)."""
    events = list(_EVENT.finditer(before))
    return bool(events) and bool(checks._SIGN_DOWN.fullmatch(events[-1].group(1)))


_EQUALITY = re.compile(
    r"\b(?:(?<!twice )(?<!times )(?<!half )as (?!well\b|much\b|many\b)\w+ as|equivalent|equally|similar(?:ly)? to|comparable|"
    r"(?:did|does|do) not differ|no (?:significant )?differences?|not (?:significantly )?different)\b",
    re.I,
)


# prevention stated as a result: "Tricyclic antidepressants are effective in preventing migraine", "X protects against Y".
# Evidence Inference has no such sentence reporting a change (its three with "prevent" are nulls), and the classifier
# read the first as reporting nothing (0.99)
# Only a finite verb or efficacy counts: "strategies to prevent HIV transmission", "a role in preventing" and "the Centers
# for Disease Control and Prevention" state an aim or a name, not a result
_PREVENTS = re.compile(
    r"\b(?:prevent(?:s|ed)|protect(?:s|ed)\s+against|(?:effective|efficacious|successful)\s+(?:in|at|for)\s+(?:the\s+)?prevent(?:ing|ion))\b",
    re.I,
)
# how effective or likely the intervention is, not which way the outcome went: "more effective than SSRIs"
_EFFICACY = re.compile(r"\b(?:more|less|greater|higher|lower)\s+(?:effective|efficacious|potent|successful|likely|useful)\b", re.I)


def prevention_direction(sentence: str) -> str | None:
    """'X prevented Y', 'X is effective in preventing Y', 'X protects against Y': a fall in Y, when the sentence states
    no null (``states_no_difference``: "did not prevent", "failed to prevent") and no other word of sign ("prevented the
    decline of Y" is no fall in Y)."""
    if not _PREVENTS.search(sentence) or states_no_difference(sentence):
        return None
    clause = next(c for c in _CONCESSION.split(sentence) if _PREVENTS.search(c))
    rest = _AGENT_NOUN.sub(" ", _EFFICACY.sub(" ", _PREVENTS.sub(" ", clause)))
    return None if _SIGN_WORD.search(_COUNTING.sub(" ", rest)) else "decreased"


# a drug class named for what it does, not a change reported: "selective serotonin reuptake inhibitors", "beta blockers"
_AGENT_NOUN = re.compile(r"\b(?:inhibit|block|activat|enhanc|suppress|stimulat|induc|reduc|promot)(?:ors?|ers?|ants?)\b", re.I)


# where a sentence turns to another point: "…, although with greater adverse effects" is about another outcome
_CONCESSION = re.compile(r",\s*(?:although|though|but|whereas|while|yet)\b|;")


def equality_direction(sentence: str) -> str | None:
    """'X can be as bioavailable as Y', 'did not differ': no difference, stated in words the classifier (trained on
    "no significant difference") read as an increase (0.91). Only when the sentence states no change of either sign
    besides (``checks.direction`` reads none), so "A rose more than B, and B and C were equivalent" stays the model's."""
    if _EQUALITY.search(sentence) and checks.direction(_EQUALITY.sub(" ", sentence)) == 0:
        return "no_difference"
    return None


# what a comparison is made against: "more bioavailable than oxide", "compared with placebo", "as bioavailable as lactate"
_AGAINST = re.compile(rf"\b(?:{COMPARED_WITH}|(?<!twice )(?<!times )(?<!half )as \w+ as)\s+((?:[\w-]+\s*){{1,6}})", re.I)
# comparators of trial design, one as good as another ("placebo" in the claim, "control group" in the result)
_DESIGN_COMPARATORS = frozenset(checks.content_words("placebo control controls sham baseline vehicle untreated usual care standard"))
_GROUP_WORDS = frozenset(checks.content_words("group groups arm arms condition conditions those people participants patients subjects treatment"))


def _comparators(text: str) -> set[str]:
    """Content words of what ``text`` compares against ("" when it compares nothing)."""
    return {w for m in _AGAINST.finditer(text) for w in checks.content_words(m.group(1))}


def other_comparison(claim: str, sentence: str) -> bool:
    """The claim compares with one thing and the sentence reports a comparison with another: "magnesium chloride was
    as bioavailable as the lactate salt" is neither stated nor refuted by "chloride was more bioavailable than oxide".
    Trial-design comparators (placebo, control, baseline) are one and the same."""
    theirs, ours = _comparators(sentence) - _GROUP_WORDS, _comparators(claim) - _GROUP_WORDS
    if not ours or not theirs:
        return False
    if theirs <= _DESIGN_COMPARATORS and ours <= _DESIGN_COMPARATORS:
        return False
    return not theirs & checks.content_words(claim)


# a result reported under the removal of something, in a leading phrase: "Without Mg2+, the channels' behaviour did not
# depend on voltage", "When Mg2+ was removed from the external solution, …", "In the absence of insulin, …"
_UNDER_ABSENCE = re.compile(
    r"^\W*(?:without|in the (?:complete )?absence of|after (?:the )?removal of|on (?:the )?removal of|"
    r"(?:when|after|once|if)\s[^,;]{1,80}?\b(?:was|were|is|are)\s+(?:\w+ly\s+)?(?:removed|omitted|withdrawn|absent|lacking|depleted|knocked out))\b[^,;]*,",
    re.I,
)
_ABSENCE_WORDS = re.compile(r"\b(?:without|absen\w*|remov\w*|omit\w*|withdraw\w*|lack\w*|deplet\w*|deficien\w*|knock\w*|free)\b", re.I)


def under_absence(claim: str, sentence: str) -> bool:
    """The sentence reports its result under the removal of something (``_UNDER_ABSENCE``) and the claim speaks of no
    removal: the contrast condition of an experiment, whose direction is not the claim's. "Without Mg2+, NMDA opened
    channels whose behaviour did not depend on voltage" was read as no difference (0.91) against "Magnesium ions block
    the NMDA receptor channel in a voltage-dependent way", which the same study states."""
    return bool(_UNDER_ABSENCE.search(sentence)) and not _ABSENCE_WORDS.search(claim)


# what a study does to what acts: takes it away (a knockout, a deficiency, a deletion) or adds more of it (overexpression)
_LOSS = re.compile(
    r"\b(?:lack\w*|deficien\w*|knock(?:ed)?[- ]?outs?|knock-?downs?|null (?:mice|mutants?|alleles?|cells|animals)|\w+-null|"
    r"delet\w*|ablat\w*|loss of|silenc\w*|depleted|"
    r"conditional(?:ly)? (?:deleted|inactivated)|inactivat\w*)\b|\(-/-\)|-/-",
    re.I,
)
_GAIN = re.compile(r"\b(?:over-?express\w*|gain of|gain-of-function|constitutively active|ectopic(?:ally)? express\w*)\b", re.I)


def opposite_manipulation(claim: str, sentence: str) -> bool:
    """The claim's study takes something away and the sentence's adds more of it, or the other way round: a result for
    the opposite manipulation neither states nor refutes the claim. "Conversely, mice overexpressing SIRT1 in SF1 neurons
    are more resistant to diet-induced obesity" was read as agreeing (0.86) with "Mice lacking Sirt1 in Sf1-expressing
    neurons are immune to diet-induced obesity", which the same study contradicts."""
    claim_loss, claim_gain = bool(_LOSS.search(claim)), bool(_GAIN.search(claim))
    said_loss, said_gain = bool(_LOSS.search(sentence)), bool(_GAIN.search(sentence))
    return (claim_loss and not claim_gain and said_gain and not said_loss) or (claim_gain and not claim_loss and said_loss and not said_gain)


# a result said by its valence ("rescued these phenotypes", "improved anxiety scores", "worsened outcomes"): better or
# worse, which is a rise or a fall only given the measure; with no word of sign beside it the sentence reports no sign
_VALENCE_ONLY = re.compile(
    r"\b(?:rescu|restor|revers|normali[sz]|amelior|alleviat|improv|worsen|exacerbat|aggravat|benefi|favou?rabl|detriment|harmful)\w*", re.I
)
# counts, not signs: "one or more outcomes", "more than half of the studies"
_COUNTING = re.compile(r"\b(?:\w+ or more|more than|or more)\b", re.I)
_SIGN_WORD = re.compile(
    r"\b(?:increas|decreas|reduc|rais|rise|rose|lower|higher|elevat|greater|more|less|fewer|diminish|inhibit|suppress|enhanc|"
    r"up-?regulat|down-?regulat|declin|drop|fell|shorter|longer|shorten|lengthen|prolong|accelerat|attenuat|block|prevent|"
    r"induc|activat|stimulat|boost|deplet|loss|gain)\w*",
    re.I,
)


def valence_only(sentence: str) -> bool:
    """The sentence reports its result as better or worse, with no word of sign: the classifier, trained on "increased"
    and "decreased", read "Converting ApoE4 to ApoE3 by gene editing rescued these phenotypes" as an increase (0.75),
    against the claim that it "prevents the pathology"."""
    return bool(_VALENCE_ONLY.search(sentence)) and not _SIGN_WORD.search(_COUNTING.sub(" ", sentence))


# the words a result of no difference is stated in: 1,268 of Evidence Inference's 1,337 "no significant difference"
# training sentences carry one, and most of the rest state a ratio with its interval or an equality, read by arithmetic
# and ``equality_direction``
_NULL_CUE = re.compile(
    r"\b(?:no|not|non-?significant(?:ly)?|nonsignificant|insignificant|neither|nor|unchanged|unaffected|similar(?:ly)?|comparable|"
    r"equal(?:ly)?|equivalent|same|fail(?:ed|s)?|without|n\.?s|did ?n[o']t|does ?n[o']t|absence|stable|remained|unlikely|"
    r"as \w+ as|95\s*%|CI)\b|\bp\s*[=>≥]\s*0?\.(?:0[5-9]|[1-9])",
    re.I,
)


def states_no_difference(sentence: str) -> bool:
    """The sentence has a word a null result is stated in. The classifier read "Eight assessed sleep outcomes and seven
    assessed anxiety outcomes" (a description, no result) as no difference (0.86), which opposes any claimed change."""
    return bool(_NULL_CUE.search(sentence))


# what a reported change is stated with: a word of sign or valence, a figure, a difference or a comparison. 2,203 of
# Evidence Inference's 2,219 "increased" / "decreased" training sentences carry one
_CHANGE_CUE = re.compile(
    r"\d|\b(?:differ\w*|significan\w*|faster|slower|advantage|better|worse|best|worst|poorer|easier|earlier|later|outperform\w*|"
    r"likely|greatest|least|compared (?:with|to)|versus|vs)\b|\b\w+er than\b",
    re.I,
)


def states_change(sentence: str) -> bool:
    """The sentence has a word or figure a change is stated with. The classifier read "Eight assessed sleep outcomes and
    seven assessed anxiety outcomes, with one study examining both" (a description, no result) as an increase (0.77)."""
    return bool(_SIGN_WORD.search(sentence) or _VALENCE_ONLY.search(sentence) or checks.direction(sentence) or _CHANGE_CUE.search(sentence))


def read(claim: str, windows: Sequence[str], model, how: str = "rules", keys: tuple[str, ...] = (), valence: bool = False) -> tuple[ClaimDirection, np.ndarray]:
    """The claim's direction (``how``: "rules" or "model") and each window's four probabilities (``DIRECTIONS``
    order), in one call (``keys``: ``outcome_keys``, which pick each window's sentence; ``valence``: a sentence that
    states its result only as better or worse reports no sign, ``AuditSettings.valence_states_no_sign``)."""
    pairs = direction_pairs(claim, windows, keys)
    probs = np.asarray(model.score(pairs), dtype=np.float32)
    stated = rule_direction(claim) if how == "rules" else claim_direction(probs[0])
    out = probs[1:].copy()
    signed = valence and bool(stated[0] or stated[1])  # the claim states a rise or a fall, which a sentence of valence neither states nor refutes
    for k, (_, sentence) in enumerate(pairs[1:]):
        d = (
            "not_reported"
            if other_comparison(claim, sentence)
            or under_absence(claim, sentence)
            or opposite_manipulation(claim, sentence)
            or (signed and valence_only(sentence))
            else None
        )
        d = d or ratio_direction(sentence) or equality_direction(sentence) or prevention_direction(sentence)
        if d is not None:
            out[k] = [0.94 if lab == d else 0.02 for lab in DIRECTIONS]
            continue
        # a reading the sentence has no words for is "nothing reported": no null wording for "no difference", nothing
        # a change is stated with for "increased" / "decreased"
        for lab, stated_in in ((2, states_no_difference), (0, states_change), (1, states_change)):
            if not stated_in(sentence):
                out[k][3] += out[k][lab]
                out[k][lab] = 0.0
    return ClaimDirection(frame=pairs[0][0], probs=stated), out


def agree_oppose(cd: ClaimDirection, sentence: Sequence[float]) -> tuple[float, float]:
    return agreement(cd.probs, sentence)


def _missing(path: str) -> bool:
    from pathlib import Path

    return not (Path(path) / "config.json").is_file()


def installed(settings) -> bool:
    """Whether the direction classifier named by settings is there to load."""
    return not _missing(str(settings.direction_model.resolve()))


def get_direction(settings) -> Verifier | None:
    """The direction classifier named by settings, loaded once per process; None when it is not installed (the audit
    then decides from the verifier alone, as before it existed)."""
    from core.precision import use_bf16

    path = settings.direction_model.resolve()
    if _missing(str(path)):
        if str(path) not in _warned:
            _warned.add(str(path))
            _log.warning("direction classifier not found at %s (no config.json): claims are judged by the verifier alone", path)
        return None
    return _load(str(path), settings.audit.batch_size, use_bf16(settings.inference_precision), DIRECTIONS, settings.audit.pad_multiple)


__all__ = [
    "ClaimDirection",
    "other_comparison",
    "under_absence",
    "direction_pairs",
    "outcome_keys",
    "focus",
    "read",
    "rule_direction",
    "valence_only",
    "states_no_difference",
    "states_change",
    "agree_oppose",
    "get_direction",
    "installed",
]
