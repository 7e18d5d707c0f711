"""From judged evidence to a finding a reader understands, with its reason and quoted evidence.

Six findings, each with a one-line reason in plain words and evidence numbered [1], [2] …:

- ``supported``    condition-matched studies state it;
- ``contradicted`` condition-matched studies report otherwise (other direction, a null result, numbers far off);
- ``extrapolated`` evidence exists only under other conditions (form, dose, population, species, co-intervention);
- ``conflicting``  condition-matched studies disagree;
- ``unsupported``  the corpus studies the topic but no study reports what the claim states (the closest result is quoted);
- ``not_covered``  nothing in the corpus on the topic.

The learned decision layer (``chatbot.audit.decision``) says whether the evidence as a whole
supports the claim, contradicts it, or does neither, with a calibrated probability; the finding
then says *why*, from the evidence items that carry that call. ``verdict`` keeps the older four
values for scripts: ``mixed`` = extrapolated or conflicting, ``no_evidence`` = unsupported or not
covered.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any, Sequence

from pydantic import BaseModel, ConfigDict, Field

from chatbot.audit.decision import DecisionModel, plain
from chatbot.audit.direction import rule_direction
from chatbot.audit.features import deciding_items
from chatbot.audit.stance import (
    FINDINGS_BEFORE,
    NEI,
    RESULT_ROLES,
    TENTATIVE,
    EvidenceItem,
    about_the_whole_claim,
    finding_text,
    negation_flips,
    refutation_holds,
    negation_refuted,
    restates_supported,
    support_holds,
    verifier_sure_refutes,
    verifier_sure_supports,
)
from core import study_types
from core.direction import claim_core
from core.audit_report import LEGACY_DEFAULT_FINDING, LEGACY_FINDING
from core.cards import classify_sentence, retells_other_work, role_in_passage
from core.text import split_clauses, split_sentences

VERDICTS = ("supported", "contradicted", "mixed", "no_evidence")
FINDINGS = ("supported", "contradicted", "extrapolated", "conflicting", "unsupported", "not_covered")
FINDING_TO_VERDICT = {
    "supported": "supported",
    "contradicted": "contradicted",
    "extrapolated": "mixed",
    "conflicting": "mixed",
    "unsupported": "no_evidence",
    "not_covered": "no_evidence",
}


def finding_of(record: dict[str, Any]) -> str:
    """A verdict record's finding; records written before findings existed get the one their 4-way verdict implies."""
    f = record.get("finding")
    if f in FINDINGS:
        return str(f)
    return LEGACY_FINDING.get(str(record.get("verdict", "")), LEGACY_DEFAULT_FINDING)


class Verdict(BaseModel):
    """The audit's answer for one claim; ``to_json`` is the shape CLIs, the app and audit.json share."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    claim: str
    verdict: str
    confidence: float
    evidence: list[EvidenceItem] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)
    finding: str = ""
    reason: str = ""
    features: dict[str, float] = Field(default_factory=dict)
    probabilities: dict[str, float] = Field(default_factory=dict)

    def model_post_init(self, _ctx: Any) -> None:
        if not self.finding:
            self.finding = finding_of({"verdict": self.verdict})
        if not self.reason and self.reasons:
            self.reason = self.reasons[0]

    def to_json(self) -> dict[str, Any]:
        return {
            "claim": self.claim,
            "verdict": self.verdict,
            "finding": self.finding,
            "reason": self.reason,
            "confidence": round(float(self.confidence), 3),
            "evidence": [dict(e.to_json(), n=k + 1) for k, e in enumerate(self.evidence)],
            "reasons": list(self.reasons),
            "features": dict(self.features),
            "probabilities": {k: round(float(v), 3) for k, v in self.probabilities.items()},
        }


def type_word(st: str) -> str:
    """What one study of this design is called when counted in a reason ("RCT", "animal study")."""
    return study_types.noun(st)


def _plural(word: str, n: int) -> str:
    if n == 1 or word.endswith("s"):
        return word
    return word[:-1] + "ies" if word.endswith("y") else word + "s"


def _describe(items: Sequence[EvidenceItem]) -> str:
    """'1 RCT, 2 animal studies'; studies whose design the corpus does not record are counted without one."""
    c = Counter(type_word(i.chunk.study_type) for i in items)
    known = [(t, n) for t, n in c.most_common() if t != "study"]
    parts = [f"{n} {_plural(t, n)}" for t, n in known]
    if c.get("study") and known:
        parts.append(f"{c['study']} of unstated design")
    return ", ".join(parts) if parts else "design not stated"


def _docs(items: Sequence[EvidenceItem]) -> list[str]:
    return list(dict.fromkeys(i.chunk.doc_id for i in items))


def _one_per_doc(items: Sequence[EvidenceItem]) -> list[EvidenceItem]:
    seen: set[str] = set()
    out = []
    for i in items:
        if i.chunk.doc_id not in seen:
            seen.add(i.chunk.doc_id)
            out.append(i)
    return out


def _quote(text: str, width: int = 180) -> str:
    t = re.sub(r"\s+", " ", text).strip()
    return t if len(t) <= width else t[: width - 1].rsplit(" ", 1)[0] + "…"


def condition_summary(items: Sequence[EvidenceItem]) -> str:
    """Which condition differs, per study (the check's own words say which condition)."""
    parts = []
    for i in items:
        for f in i.conditions():
            parts.append(f.reason)
    return "; ".join(dict.fromkeys(parts))


def _claimed_numbers(claim: str) -> str:
    m = re.findall(r"[+\-–−]?\s*\d+(?:\.\d+)?(?:\s*[-–]\s*\d+(?:\.\d+)?)?\s*(?:%|percent|mg|g\b|fold|times)", claim)
    return ", ".join(x.strip() for x in m[:2])


_RESULT = re.compile(
    r"\b(?:significant\w*|improv\w*|reduc\w*|increas\w*|decreas\w*|lower\w*|higher|shortened|"
    r"did not|no difference|compared with|versus|than placebo)\b",
    re.I,
)


# a reported figure with its unit: an effect (%, minutes, points, fold, a concentration) or a count ("4 of 8 studies");
# a dose ("500 mg") is a condition of the study, not its result
_NUMBER_UNIT = re.compile(r"\d\s*(?:%|percent|min\b|minutes|h\b|hours?|points?|fold|times|mmol|µmol|nmol|ng|pg)|\b\d+\s+(?:of|out of)\s+\d+\b", re.I)
# a claim that states a quantity, in figures or in words ("zero discomfort", "half", "twice as well")
_CLAIMED_QUANTITY = re.compile(r"\d|\b(?:zero|none|half|twice|double|triple|thrice|one|two|three|four|five|ten)\b", re.I)


def _closest(items: Sequence[EvidenceItem], claim: str, min_relevance: float, profile=None) -> tuple[EvidenceItem, str] | None:
    """The study result nearest to what the claim states, and the words to quote: on its topic — the claim's words
    and above all its outcome (``core.direction.claim_frame``: "reduces anxiety by 32%" is about anxiety) —, a
    reported result (read with its section: not background, an aim, a method or a digest's note about itself). A
    claim that states a figure is answered with a reported figure and its unit when a result on its topic gives one
    (the reader compares the two); the corpus profile's synonyms count as the outcome's words ("gastrointestinal" →
    "side effects"). Each study offers its result clauses (``_result_options``)."""
    from chatbot.audit.stance import is_provenance, relevance
    from core.direction import claim_frame
    from core.text import without_quantities

    items = [i for i in items if not is_provenance(i.text)] or list(items)
    if not items:
        return None
    wants_number = bool(_CLAIMED_QUANTITY.search(claim))
    intervention, outcome = claim_frame(without_quantities(claim))
    topic = without_quantities(claim)

    synonyms = set(_topic_words(outcome, profile))  # the outcome's other names (a form's or the subject's are no outcome)

    groups = profile.outcome_groups(outcome) if profile is not None else set()

    def on_outcome(quote: str) -> float:
        if groups and groups & profile.outcome_groups(quote):
            return 1.0  # the same outcome in other words ("fall asleep" / "sleep onset latency")
        share = relevance(outcome, quote) if intervention else 0.0
        return share or (0.5 if synonyms & set(re.findall(r"[a-z]{4,}", quote.lower())) else 0.0)

    def key(pair: tuple[EvidenceItem, str, int]) -> tuple[int, float]:
        i, quote, kind = pair
        result = 0.15 if _RESULT.search(quote) else 0.0
        stated = (-1.0, 0.0, 0.3)[kind]  # an aim, a method or a note about the source is no "reported result"
        topical = relevance(topic, quote)
        outcome_share = on_outcome(quote)
        figure = int(wants_number and kind == 2 and bool(_NUMBER_UNIT.search(quote)) and (outcome_share > 0 or topical >= min_relevance))
        return figure, topical + outcome_share + result + stated + 0.1 * i.weight

    best = max(((i, quote, kind) for i in items for quote, kind in _result_options(i, claim, min_relevance, profile)), key=key)
    return best[0], best[1]


def _result_sentences(text: str, chunk) -> list[str]:
    """The sentences of ``text`` that report a result or a conclusion, read with the section they sit in (a sentence
    of a 'Results' paragraph without statistics is still a result; one of 'Background' is not)."""

    return _results_among([text[a:b].strip() for a, b in split_sentences(text)], chunk)


def _results_among(sentences: Sequence[str], chunk) -> list[str]:
    section = getattr(chunk, "section", "") or ""
    passage = getattr(chunk, "text", "") or ""
    before = bool((getattr(chunk, "meta", None) or {}).get(FINDINGS_BEFORE))
    return [x for x in sentences if x and role_in_passage(x, section, passage, before) in RESULT_ROLES]


def _clauses(sentences: Sequence[str]) -> list[str]:
    """Sentences cut at semicolons: a digest lists several results in one sentence ("A rose; B fell"), and the
    quote should be the one that bears on the claim, verbatim."""
    return [c.strip() for s in sentences for c in split_clauses(s) if len(c.strip()) > 20]


def _result_options(item: EvidenceItem, claim: str, min_relevance: float, profile=None) -> list[tuple[str, int]]:
    """What one study reports near the claim, each with how surely it is a reported result (2: a result or
    conclusion; 1: a statement of fact; 0: only background, aims, methods or notes): the result clauses of the judged
    window, and those of the study's passage that carry at least ``min_relevance`` of the claim's words (the passage
    may state the figure the window lacks); failing both, the window without its non-findings."""
    from chatbot.audit.stance import NON_FINDING_ROLES, relevance
    from core.cards import classify_sentence
    from core.text import without_quantities

    own = _clauses(_result_sentences(item.text, item.chunk))
    c = item.chunk
    suspect = set((c.meta or {}).get("suspect_sentences") or [])  # text addressed to the reader or the system
    candidates = [c.text[a:b].strip() for k, (a, b) in enumerate(c.sentences or []) if k not in suspect]
    topic = without_quantities(claim)
    # the claim's topic in the corpus's other words counts as the topic ("no reported adverse events" for a claim of
    # "zero gastrointestinal discomfort")
    others = _topic_words(topic, profile)
    more = [
        x
        for x in _clauses(_results_among(candidates, c))
        if x not in own and (relevance(topic, x) >= min_relevance or others & set(re.findall(r"[a-z]{4,}", x.lower())))
    ]
    if own or more:
        return [(x, 2) for x in own + more]
    sents = [item.text[a:b].strip() for a, b in split_sentences(item.text)]
    stated = [x for x in sents if x and classify_sentence(x, c.section or "") not in NON_FINDING_ROLES]
    return [(" ".join(stated), 1)] if stated else [(item.text, 0)]


def decide(
    claim: str, items: Sequence[EvidenceItem], features: dict[str, float], model: DecisionModel, settings, max_evidence: int | None = None, profile=None
) -> Verdict:
    """The finding for one claim (``settings`` is ``Settings.audit``; ``profile``: the corpus profile, whose synonyms
    help find the closest reported result)."""
    s = settings
    k = max_evidence or s.max_evidence
    p = model.proba(features)
    probs = dict(zip(model.classes, (float(x) for x in p)))
    by = _held(deciding_items(items, s.relevance_min), s, claim)
    support, other = by["support"], by["other_conditions"]
    p_s, p_c, p_n = probs["supported"], probs["contradicted"], probs["no_evidence"]
    base = _base_finding(claim, by, probs, model.supported_threshold, s)
    refute = _counted_refutations(by["refute"], s, claim)
    finding, evidence, reason, base = _finding_from_base(base, by, refute, s, framed=bool(claim_core(claim)[0]), claim=claim)
    if finding == "supported" and (word := overstated(claim, evidence)):
        stating = [i for i in evidence if i in support]
        verb = "reports" if len(stating) == 1 else "report"
        reason = f"no study states it as absolutely as the claim (“{word}”): {_cite(stating, evidence)} {verb} the effect without it"
        finding = "unsupported"
    if not finding and other and not support:
        finding, evidence, reason = _extrapolated(claim, items, other, s, profile)
    if not finding and support and refute and set(_docs(support)) != set(_docs(refute)) and p_n < 0.8:
        evidence = _one_per_doc(support) + _one_per_doc(refute)
        finding = "conflicting"
        reason = _disagreement(_one_per_doc(support), _one_per_doc(refute), evidence)
    if not finding:
        finding, evidence, reason = _unsupported_or_not_covered(claim, items, support, p_s >= max(p_c, p_n), s, profile)
    evidence = evidence[:k]
    verdict = FINDING_TO_VERDICT[finding]
    # confidence: the decision layer's probability of the 4-way verdict the finding maps to
    conf = {"supported": p_s, "contradicted": p_c, "mixed": 1 - p_n, "no_evidence": p_n}[verdict]
    reasons = [reason] + _decided_by(model, features, base) + _item_reasons(evidence)
    return Verdict(
        claim=claim,
        verdict=verdict,
        finding=finding,
        reason=reason,
        confidence=round(float(conf), 3),
        evidence=evidence,
        reasons=reasons,
        features=dict(features),
        probabilities=probs,
    )


# an effect stated as absolute: complete, for everyone, for good. "Glycine prevents daytime sleepiness completely" is not
# stated by "glycine reduced sleepiness", whatever the direction; only a sentence that is as absolute states it
_ABSOLUTE = re.compile(
    r"\b(?:complete(?:ly)?|entirely|totally|fully|always|never|permanent(?:ly)?|forever|cur(?:e|es|ed|ing)|eliminat\w*|eradicat\w*|"
    r"guarantee\w*|100\s*%|every\s+(?:patient|person|participant|case|one)|all\s+(?:patients|people|participants|cases|users)|no\s+one)\b",
    re.I,
)


def overstated(claim: str, evidence: Sequence[EvidenceItem]) -> str:
    """The claim's absolute word ("completely", "cures", "100%") when no sentence of ``evidence`` is absolute too, else ""."""
    m = _ABSOLUTE.search(claim)
    if m is None or any(_ABSOLUTE.search(i.text) for i in evidence):
        return ""
    return m.group(0)


def _base_finding(claim: str, by: dict[str, list[EvidenceItem]], probs: dict[str, float], supported_threshold: float, s) -> str:
    """The decision layer's leaning (supported / contradicted / no_evidence), overruled where the parts decide."""
    p_s, p_c, p_n = probs["supported"], probs["contradicted"], probs["no_evidence"]
    base = "no_evidence"
    if p_s >= max(p_c, p_n) and p_s >= supported_threshold:
        base = "supported"
    elif p_c >= max(p_s, p_n):
        base = "contradicted"
    if base != "supported" and (_stated_by_parts(by["support"], s, claim) or _stated_surely(by["support"], s, claim)):
        base = "supported"  # decided from parts: a condition-matched result on the claim's outcome reports its direction
    elif base == "no_evidence" and (_refuted_by_parts(by["refute"], s) or any(negation_flips(i, claim, s) and _states_result(i) for i in by["refute"])):
        base = "contradicted"  # ... or the other direction, or no significant difference against a claimed change
    return base


def _counted_refutations(refute: list[EvidenceItem], s, claim: str = "") -> list[EvidenceItem]:
    """The refuting items that count.

    A refutation counts only from a sentence about what the claim states, and the verifier's word alone needs
    several studies (see AuditSettings.contradicted_min_docs). Numbers and effects are compared within one
    outcome, so they count at any overlap; a null result's sentence must be about the claim like any other.
    The direction classifier's reading counts as an explicit check: it reads one thing (which way the outcome
    went), where the verifier's REFUTES mixes paraphrase with refutation."""
    refute = [i for i in refute if _refuting_relevance(i) >= s.contradiction_relevance_min or _numbers_against(i)]
    # the verifier's word alone counts from what a study states: its result, or a fact it takes as known. An open
    # question ("It is unknown whether CIMT can serve as a marker …"), a reading put forward ("Some studies have
    # suggested …") or what was done ("Their characteristics were assessed") refutes nothing: on a PubMedQA corpus's fit
    # half, such sentences made claims whose studies answer "yes" `contradicted`
    refute = [i for i in refute if _checked(i, s) or _states_result(i) or _states_as_fact(i, tentative=True)]
    # ... and only where it reads the claim's negation the other way (``stance.refutation_holds``)
    refute = [i for i in refute if _checked(i, s) or refutation_holds(i, claim, s)]
    # (the verifier's word alone, from one study, only from a passage about the claim as a whole: it read "weight loss of
    # >= 10 % in cachectic lung-cancer patients" as refuting a claim about a diabetes programme's effect on weight loss)
    sure = [i for i in refute if _checked(i, s) or verifier_sure_refutes(i, claim, s) or negation_flips(i, claim, s)]
    if refute and not sure and len(_docs(refute)) < s.contradicted_min_docs:
        refute = []
    return refute


def _held(by: dict[str, list[EvidenceItem]], s, claim: str) -> dict[str, list[EvidenceItem]]:
    """The grouped evidence less the supports that rest on the verifier alone and that it also reads as supporting the
    claim's negation (``stance.support_holds``); a support the reported direction or a number backs stays."""
    return {k: [i for i in v if k not in ("support", "other_conditions") or support_holds(i, claim, s)] for k, v in by.items()}


def _checked(item: EvidenceItem, s) -> bool:
    """A refutation something besides the verifier backs: an explicit check, or the reported direction."""
    return _explicit(item) or item.oppose >= s.direction_refute_min


def _believed_support(support: list[EvidenceItem], s, claim: str) -> list[EvidenceItem]:
    """The supporting items behind the fitted layer's "supported" leaning, or none when no passage is about the claim as
    a whole (``stance.about_the_whole_claim``) and none states it from parts. On a PubMedQA corpus the leaning alone made
    "SSTR2a immunohistochemistry adds value in predicting tumour response" supported from a paper on Ki-67 (a quarter of
    the claim's words), once the only study on it stopped counting as a refutation."""
    if claim and not any(_stated_by_parts([i], s, claim) or about_the_whole_claim(i, claim, s) for i in support):
        return []
    return support


def _finding_from_base(
    base: str, by: dict[str, list[EvidenceItem]], refute: list[EvidenceItem], s, framed: bool = True, claim: str = ""
) -> tuple[str, list[EvidenceItem], str, str]:
    """(finding, evidence, reason, base) where the leaning has the evidence to back it; finding "" otherwise
    (and a "contradicted" leaning without a counted refutation becomes "no_evidence")."""
    support, other = by["support"], by["other_conditions"]
    # a study under other conditions "reports otherwise" only from a sentence about the claim, as a counted refutation must
    # be (the verifier read "The study tested glycine alone" as refuting "glycinate causes zero GI discomfort")
    other_against = [i for i in by["refute_other"] if _refuting_relevance(i) >= s.contradiction_relevance_min or _numbers_against(i)]
    against = _one_per_doc(refute) or _one_per_doc(other_against)
    strong_against = [i for i in refute if i.p_refute >= s.refute_min or i.has("numeric", "contradicts") or i.has("effect", "contradicts")]
    support = _not_put_forward(support)
    if base == "supported":
        support = _believed_support(support, s, claim)
    if base == "supported" and support:
        ev = _one_per_doc(support)
        # a study whose result on the claim's outcome goes the other way is a rival even when its sentence carries
        # fewer of the claim's words ("an inorganic salt can be as bioavailable as organic salts")
        # (as surely as a refutation that would contradict the claim on its own: a sentence listing what a review covered,
        # "… sleepiness, and falling asleep during the day", read at 0.84 against "shortened the time taken to fall asleep")
        reported_against = [
            i for i in by["refute"] if i.oppose >= s.direction_rival_min and i.outcome_relevance >= s.direction_outcome_min and _about_the_claim(i, s, framed)
        ]
        rival = [i for i in _one_per_doc(strong_against + reported_against) if i.chunk.doc_id not in set(_docs(ev))]
        # ... nor one that reports the outcome going the other way (or unchanged) under other conditions: the claim is
        # stated more generally than the studies that support it ("magnesium supplementation lowers cortisol" beside
        # "cortisol secretion showed no changes" with intravenous magnesium), and the reader is told which condition differs
        elsewhere = [
            i
            for i in _one_per_doc(by["refute_other"])
            if i.oppose >= s.direction_rival_min
            and i.outcome_relevance >= s.direction_outcome_min
            and _about_the_claim(i, s, framed)
            and i.chunk.doc_id not in set(_docs(ev + rival))
            and {f.kind for f in i.conditions()} <= set(s.rival_condition_kinds)
        ]
        if rival or elsewhere:  # never hide a study that reports otherwise behind a "supported"
            evidence = ev + rival + elsewhere
            reason = f"studies disagree: {_cited_say(ev, 'support', evidence)} it, "
            if rival:
                reason += f"{_cited_say(rival, 'report', evidence)} otherwise"
            if elsewhere:
                reason += (
                    f"{'; ' if rival else ''}{_cited_say(elsewhere, 'report', evidence)} otherwise under other conditions ({condition_summary(elsewhere)})"
                )
            return "conflicting", evidence, reason, base
        # the studies that state it, where the parts decided: a sentence the verifier merely leans on is no "states it"
        stating = [i for i in support if claim and (_stated_by_parts([i], s, claim) or _stated_surely([i], s, claim))]
        ev = _one_per_doc(stating) or ev
        leaning = [i for i in _one_per_doc(support) if i.chunk.doc_id not in set(_docs(ev))][: max(0, s.max_evidence - len(ev))]
        evidence = ev + leaning + _one_per_doc(other)
        reason = f"{_n_studies(ev)} state{'s' if len(ev) == 1 else ''} it under the claim's conditions ({_cite(ev, evidence)})"
        background = [i for i in ev if i in stating and not _states_result(i) and _states_as_fact(i) and not _stated_by_parts([i], s, claim)]
        if background:  # the reader is told where a study states it without reporting it as a result of its own
            one = len(background) == 1
            own = "its" if one else "their"
            reason += f"; {_cite(background, evidence)} state{'s' if one else ''} it without a result of {own} own (it may be background taken as known)"
        if leaning:
            reason += f"; {_cited_say(leaning, 'lean', evidence)} the same way"
        return "supported", evidence, reason, base
    if base == "contradicted" and against:
        if support and set(_docs(support)) - set(_docs(against)):
            evidence = _one_per_doc(support) + against
            reason = _disagreement(_one_per_doc(support), against, evidence)
            return "conflicting", evidence, reason, base
        if refute:
            evidence = against + _one_per_doc(other)
            return (
                "contradicted",
                evidence,
                f"{_n_studies(against)} report{'s' if len(_docs(against)) == 1 else ''} otherwise: {_against_why(against, evidence)}",
                base,
            )
        reason = f"the studies that report otherwise concern other conditions: {condition_summary(against)} ({_cite(against, against)})"
        return "extrapolated", against, reason, base
    if base == "contradicted":
        base = "no_evidence"
    return "", [], "", base


def _not_put_forward(support: list[EvidenceItem]) -> list[EvidenceItem]:
    """The supporting windows that report a result or state a fact: one that only puts the claim forward states nothing,
    however surely the verifier reads it as the claim, as an open question and an aim ("… whether CRP is associated with
    carotid atherosclerosis is controversial. We investigated …", read at 0.95 as supporting "hsCRP is associated with
    carotid atherosclerosis") or a hypothesis."""
    return [i for i in support if _states_result(i) or _states_as_fact(i)]


def _about_the_claim(item: EvidenceItem, s, framed: bool) -> bool:
    """The sentence is about what the claim says acts (``frame_relevance``: half of what acts, with the outcome) or carries
    enough of the claim's words to refute it: a result on the same outcome for another agent ("aspirin lowered the risk of
    cancer" for a claim on an infection and cancer risk) is no rival. ``framed``: the claim names what acts; one that
    does not ("organic salts are absorbed better than inorganic ones") has the whole claim as its outcome, which
    ``outcome_relevance`` already asks of the sentence."""
    return not framed or item.frame_relevance > 0 or item.quote_relevance >= s.contradiction_relevance_min


def _extrapolated(claim: str, items: Sequence[EvidenceItem], other: list[EvidenceItem], s, profile) -> tuple[str, list[EvidenceItem], str]:
    """Evidence only under other conditions: "extrapolated", with the closest reported figure when there is one."""
    ev = _one_per_doc(other)
    evidence = ev
    reason = f"evidence exists only under other conditions: {condition_summary(ev)} ({_cite(ev, evidence)})"
    related = [i for i in items if _on_topic(i, s)]
    note, extra = _figure_note(claim, ev + [i for i in related if i not in ev], evidence, s, profile)
    return "extrapolated", evidence + extra, reason + note


def _unsupported_or_not_covered(
    claim: str, items: Sequence[EvidenceItem], support: list[EvidenceItem], leans_supported: bool, s, profile
) -> tuple[str, list[EvidenceItem], str]:
    """No finding yet: "unsupported" with the closest reported result when a study is on the claim's topic, else
    "not_covered". ``leans_supported``: the decision layer's supported probability is its largest."""
    related = [i for i in items if _on_topic(i, s, _topic_words(claim, profile))]
    if not related:
        return "not_covered", [], "nothing in the corpus's studies addresses this claim"
    picked = _closest(related, claim, s.relevance_min, profile)
    assert picked is not None
    close, quoted = picked
    evidence = [close] + [i for i in _one_per_doc(sorted(related, key=lambda i: -i.quote_relevance)) if i is not close]
    nums = _claimed_numbers(claim)
    if close in support and leans_supported:
        # the verifier reads it as stating the claim and the layer leans that way, but not past the bar
        # for "supported": say so rather than "no study states this" over a quote that seems to
        reason = (
            f"not clear enough to call supported: the closest study sentence seems to state it "
            f"(“{_quote(finding_text(close.text))}” [1]), but the evidence as a whole falls short"
        )
    else:
        what = f"no study reports {nums}" if nums else "no study clearly states this" if close in support else "no study states this"
        reason = f"{what}; the closest reported result: “{_quote(quoted, 280)}” [1]"
    return "unsupported", evidence, reason


def _on_topic(item: EvidenceItem, s, others: frozenset[str] = frozenset()) -> bool:
    """The study is on the claim's topic: its sentence carries the claim's words, its passage most of them, or its
    sentence is about the claim's very outcome in other words (the corpus profile's outcome group: "the time it takes
    to fall asleep" and "sleep onset latency"), which a claim's topic words alone miss. ``others``: the profile's other
    words for the claim's topic terms (``_topic_words``): a results passage using them is on the topic too ("no reported
    adverse events" for "zero gastrointestinal discomfort")."""
    on = item.quote_relevance >= s.relevance_min or item.relevance >= s.topic_min or item.outcome_relevance >= 1.0
    if on or not others:
        return on
    c = item.chunk
    results = _results_among([c.text[a:b] for a, b in c.sentences or [(0, len(c.text))]], c)
    return any(others & set(re.findall(r"[a-z]{4,}", x.lower())) for x in results)


def _topic_words(claim: str, profile) -> frozenset[str]:
    """The corpus profile's other words for the claim's topic terms (forms and the subject aside)."""
    if profile is None:
        return frozenset()
    return frozenset(re.findall(r"[a-z]{4,}", " ".join(v for _, v in profile.topic_synonyms(claim)).lower()))


def _figure_note(claim: str, items: Sequence[EvidenceItem], evidence: Sequence[EvidenceItem], s, profile) -> tuple[str, list[EvidenceItem]]:
    """For a claim that states a figure, the closest figure the studies on its topic did report (and its item, when
    it is not evidence yet): the reader compares the article's number with a measured one, not only with a list of
    differing conditions."""
    if not _CLAIMED_QUANTITY.search(claim) or not items:
        return "", []
    picked = _closest(items, claim, s.relevance_min, profile)
    if picked is None or not _NUMBER_UNIT.search(picked[1]):
        return "", []
    item, quote = picked
    extra = [] if any(e is item for e in evidence) else [item]
    if extra and len(evidence) >= s.max_evidence:
        return "", []  # no room to show it among the evidence, and a reason never cites what is not shown
    return f"; the closest reported figure: “{_quote(quote, 240)}” {_cite([item], list(evidence) + extra)}", extra


def _stated_by_parts(support: Sequence[EvidenceItem], s, claim: str) -> bool:
    """A condition-matched study's result sentence states the claim in parts: it reports the direction the claim states
    (``agree``), about the claim's outcome (``outcome_relevance``), carrying most of the claim's words
    (``quote_relevance``) or of what acts and the outcome (``frame_relevance``), with no number against it, from a
    primary or pooled study, reporting the claim's effect size if it states one. The verifier reads such paraphrases as
    refutation as often as not, so this path does not ask it; a condition-matched study reporting otherwise still makes
    it "conflicting"."""
    return any(
        not i.conditions()
        and not _other_species(i, claim)
        and i.agree >= s.direction_supported_min
        and i.outcome_relevance >= s.direction_outcome_min
        and max(i.quote_relevance, i.frame_relevance) >= s.direction_supported_relevance_min
        and not _numbers_against(i)
        and (i.chunk.study_type or "").lower() not in s.supported_from_parts_excluded
        and _figures_stated(i, claim, s.numeric_tolerance)
        for i in support
    )


def _stated_surely(support: Sequence[EvidenceItem], s, claim: str) -> bool:
    """A condition-matched study's sentence the verifier is sure states the claim, about the claim as a whole
    (``verifier_sure_supports``), unhedged, from a primary or pooled study, with no number or reported direction against
    it: the path for claims without a direction the classifier could read ("X is a ligand for Y", "X regulates Y"),
    where the fitted layer, weighing how rarely the verifier is right about paraphrases, never clears its bar."""
    return any(
        not i.conditions()
        and not _other_species(i, claim)
        and (verifier_sure_supports(i, claim, s) or restates_supported(i, claim, s) or negation_refuted(i, claim, s))
        and (_states_result(i) or (_states_as_fact(i) and not any(rule_direction(claim)) and not _only_says_it_matters(i.text, claim)))
        and not i.has("hedge")
        and i.oppose < s.direction_refute_min
        and not _numbers_against(i)
        and (i.chunk.study_type or "").lower() not in s.supported_from_parts_excluded
        and _figures_stated(i, claim, s.numeric_tolerance)
        for i in support
    )


# a sentence that says something matters, not that it is so: "Correctly reporting results for the various forms of hCG is
# clinically important", which the verifier was 0.95 sure states "laboratories are reporting serum hCG results correctly"
_IMPORTANT = r"important|essential|necessary|crucial|critical|vital|needed|required|desirable|advisable|warranted|recommended|imperative|paramount"
_MATTERS = re.compile(
    # an action as the subject ("Correctly reporting results … is clinically important": an adverb makes the -ing word a
    # verb, where "Binding sites are necessary" and "CD28 cosignaling is crucial for immunity" state facts about things),
    # or "it is important to …" (not "to note that …")
    rf"^\s*(?-i:[A-Z]{{3,}}\s+)?\w+ly\s+\w+ing\b[^.;]{{0,150}}?\b(?:is|are)\s+(?:\w+ly\s+)?(?:{_IMPORTANT})\b|"
    rf"\bit is (?:\w+ly\s+)?(?:{_IMPORTANT})\s+(?:that|to(?!\s+(?:note|mention|remember|emphasi[sz]e|recogni[sz]e|stress|point out|realis|realiz)))\b",
    re.I,
)


def _only_says_it_matters(text: str, claim: str) -> bool:
    """A sentence of the quote says something matters (``_MATTERS``) and the claim says nothing of the kind: as background
    it states why a study was done, not that what the claim states is the case. A claim that something is essential
    or important is still stated by a sentence saying so."""
    sentences = [text[a:b] for a, b in split_sentences(text)] or [text]
    return any(_MATTERS.search(x.strip()) for x in sentences) and not re.search(rf"\b(?:{_IMPORTANT})\b", claim, re.I)


def _states_result(item: EvidenceItem) -> bool:
    """The quoted text reports a result or a conclusion (``core.cards.classify_sentence``), not the background, an aim or
    a hypothesis the verifier reads just as surely as stating the claim ("We hypothesized that cell-free mtDNA levels
    would be associated with mortality")."""
    return bool(_result_sentences(item.text, item.chunk))


# wording that puts a statement forward rather than states it: a hypothesis, an open question, a tentative reading
_PUT_FORWARD = re.compile(
    r"\bhypothes[ie][sz]\w*|\bwe (?:propose|speculate|predict|asked|wondered)\b|\bwhether\b|\b(?:unclear|unknown|not known|"
    r"controversial|debated|remains? to be|thought|believed|proposed|putative)\b|"
    # ... or what the authors set out to do ("Here we use quantitative phosphoproteomics to characterise …")
    r"\bwe (?:use|used|employ|employed|apply|applied|combine|combined|characteri[sz]e|measure|measured|investigate|investigated|"
    r"examine|examined|study|studied|analy[sz]e|analy[sz]ed|test|tested|assess|assessed|explore|explored|describe|developed?|"
    r"evaluate|evaluated|compare|compared|review|reviewed)\b|"
    # ... in the study's name ("This study explored income-related differences in active travel …")
    r"\bth(?:is|e present) (?:study|paper|work|trial|analysis|review|report|investigation) (?:explored|examined|investigated|assessed|"
    r"evaluated|compared|addressed|aimed|sought|tested|analy[sz]ed|studied|describes|addresses)\b|"
    # ... or what is held rather than shown, and what is still open: introductions set up the question this way
    # ("… are widely considered a contraindication, yet no data support this", "… its status in children has not been
    # adequately studied", "criteria … have not been rigorously tested", "some evidence supporting the July effect")
    r"\b(?:widely|generally|commonly|often|traditionally|usually) (?:considered|believed|thought|accepted|assumed|regarded|held)\b|"
    r"\b(?:has|have|had) not (?:yet )?been (?:\w+ly )?\w+ed\b|\b(?:said|claimed) to (?:be|have)\b|\bsome evidence\b|"
    # ... or a gap in what is known ("The effect of obesity on trauma outcomes in children has been relatively
    # understudied": no fact that obesity affects them)
    r"\b(?:understudied|under-studied|unexplored|under-explored|poorly understood|little is known|less is known|"
    r"(?:lack|paucity|scarcity) of (?:data|evidence|studies|information))\b",
    re.I,
)


def _states_as_fact(item: EvidenceItem, tentative: bool = False) -> bool:
    """Every quoted sentence states something as established, in the study's own voice: the background an abstract opens
    with ("The wobble modification mcm5s2U is required for the proper decoding of NNR codons"), not an aim, a method, a
    hypothesis, an open question or a retelling of earlier work. SciFact's annotators count such sentences as evidence.
    ``_stated_surely`` asks it only for a claim that states a fact, not an effect (``direction.rule_direction`` reads
    none: "X is required for Y", "X is a marker of Y"): an effect ("improves sleep", "affects the distance") is a result
    a study must report, never what its introduction takes as known. The finding says the study states it as
    background, not as its own result. ``tentative``: a tentative statement counts ("the health care system could save as
    much as $750 million" states what the study's model found)."""
    section = getattr(item.chunk, "section", "") or ""
    sentences = [item.text[a:b].strip() for a, b in split_sentences(item.text)]
    sentences = [x for x in sentences if x]
    return bool(sentences) and all(
        classify_sentence(x, section) in RESULT_ROLES | {"background"}
        and not retells_other_work(x)
        and not _PUT_FORWARD.search(x)
        and (tentative or not TENTATIVE.search(x))
        for x in sentences
    )


# an effect size said in words, which no sentence's figures can be checked against ("cuts it by two fifths")
_WORD_SIZE = re.compile(r"\b(?:half|halves|halved|twice|double[sd]?|triple[sd]?|thrice|(?:\w+\s+)?(?:fifths?|thirds?|quarters?)|\w+-?fold)\b", re.I)


def _figures_stated(item: EvidenceItem, claim: str, tolerance: float) -> bool:
    """The sentence reports every effect size the claim states (a percentage, minutes, hours: within ``tolerance``, same
    unit). The direction alone does not make "shortens sleep latency by around 41%" supported by "17.36 minutes shorter":
    the figure is the claim's point. Doses are conditions, checked apart."""
    from chatbot.audit import checks

    if _WORD_SIZE.search(claim):
        return False
    claimed = [q for q in checks.quantities(claim) if q.unit in {"%", "min", "h"}]
    reported = [q for q in checks.quantities(item.text) if q.unit in {"%", "min", "h"}]

    def near(x: float, q) -> bool:
        return checks._near(x, q.low, q.high, tolerance, 0.0)

    return all(any(r.unit == q.unit and (near(r.low, q) or near(r.high, q)) for r in reported) for q in claimed)


def _other_species(item: EvidenceItem, claim: str) -> bool:
    """Animal or cell work for a claim that names neither: direct evidence of a mechanism, yet not of the claim as a
    reader takes it, so it never makes a claim "supported" from parts (it may still make it "extrapolated")."""
    from chatbot.audit import checks

    meta = dict(item.chunk.meta or {})
    meta.setdefault("study_type", item.chunk.study_type)
    return bool(checks.species_mismatch(claim, item.text, meta, item.chunk.study_type, mechanism=False))


def _refuted_by_parts(refute: Sequence[EvidenceItem], s) -> bool:
    """A condition-matched result sentence on the claim's outcome, carrying enough of the claim's words, reports the
    other direction (or no significant difference against a claimed change, a change against a claimed null)."""
    return any(
        not i.conditions()
        and i.oppose >= s.direction_contradicted_min
        and i.outcome_relevance >= s.direction_outcome_min
        and _refuting_relevance(i) >= s.contradiction_relevance_min
        for i in refute
    )


def _refuting_relevance(item: EvidenceItem) -> float:
    """How much of the claim a refuting sentence is about: its share of the claim's words, or, for a reading of the
    reported direction, of what acts and the outcome (``frame_relevance``) — a result names those, not the claim's
    population or design ("stress scores fell … in both arms, with no statistical difference" against "adding B6
    lowered stress scores more across all stressed adults in the trial")."""
    return max(item.quote_relevance, item.frame_relevance) if item.by_direction else item.quote_relevance


def _numbers_against(item: EvidenceItem) -> bool:
    return any(item.has(k, "contradicts") for k in ("numeric", "sample_size", "effect"))


def _explicit(item: EvidenceItem) -> bool:
    """A refutation an explicit check backs: numbers far off, a significant effect against a claimed null, or a null result."""
    return any(item.has(k, "contradicts") for k in ("numeric", "sample_size", "effect")) or item.has("null")


def _n_studies(items: Sequence[EvidenceItem]) -> str:
    n = len(_docs(items))
    return f"{n} stud{'y' if n == 1 else 'ies'} ({_describe(_one_per_doc(items))})"


def _cite(items: Sequence[EvidenceItem], evidence: Sequence[EvidenceItem]) -> str:
    nums = []
    for i in items:
        for j, e in enumerate(evidence):
            if e is i:
                nums.append(f"[{j + 1}]")
                break
    return " ".join(nums)


def _cited_say(items: Sequence[EvidenceItem], verb: str, evidence: Sequence[EvidenceItem]) -> str:
    """ "[1] reports" / "[1] [2] report": the cited studies as the subject of ``verb``, which agrees with their number."""
    return f"{_cite(items, evidence)} {verb}{'s' if len(items) == 1 else ''}"


def _disagreement(pro: Sequence[EvidenceItem], con: Sequence[EvidenceItem], evidence: Sequence[EvidenceItem]) -> str:
    """The reason of a finding whose studies disagree (one item per study on each side)."""
    return f"studies disagree: {_cited_say(pro, 'support', evidence)} it, {_cited_say(con, 'report', evidence)} otherwise"


def _against_why(items: Sequence[EvidenceItem], evidence: Sequence[EvidenceItem]) -> str:
    parts = []
    for i in items[:2]:
        why = next((f.reason for f in i.findings if f.effect == "contradicts"), None)
        if why is None and i.has("null"):
            why = next(f.reason for f in i.findings if f.kind == "null")
        if why is None:
            why = f"“{_quote(i.text, 140)}”"
        parts.append(f"{why} {_cite([i], evidence)}")
    return "; ".join(parts)


def _decided_by(model: DecisionModel, features: dict[str, float], base: str) -> list[str]:
    # only evidence that is there can explain a call: an absent feature (0) pushes through the centring
    # of the model, but "a sentence reads as stating the opposite" must not be said when there is none
    top = [(n, v) for n, v in model.contributions(features, base) if v > 0.15 and features.get(n)][:3]
    if not top:
        return []
    return ["decided by: " + "; ".join(plain(n) for n, _ in top)]


def _item_reasons(evidence: Sequence[EvidenceItem]) -> list[str]:
    out = []
    for j, e in enumerate(evidence):
        conds = [f.reason for f in e.findings if f.effect in {"contradicts", "mismatch"} or f.kind == "null"]
        if conds:
            out.append(f"[{j + 1}] " + "; ".join(dict.fromkeys(conds)))
    return out


def gap_verdict(claim: str, missing: str) -> Verdict:
    """``not_covered`` when the claim names something no study mentions (see ``chatbot.scope``)."""
    reason = f"no study in the corpus mentions {missing}, so the literature here can neither support nor refute the claim"
    return Verdict(claim=claim, verdict="no_evidence", finding="not_covered", reason=reason, confidence=0.9, reasons=[reason])


__all__ = ["Verdict", "decide", "finding_of", "condition_summary", "gap_verdict", "VERDICTS", "FINDINGS", "FINDING_TO_VERDICT", "NEI"]
