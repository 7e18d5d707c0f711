"""From per-passage stances to one verdict: supported | contradicted | mixed | no_evidence.

A false ``supported`` is the worst error this product can make (it would vouch for a marketing
claim), so ``supported`` needs strong, direct, condition-matched support that outweighs nothing
against it: enough study-type weight (a meta-analysis or an RCT, or two concordant cell studies
for a mechanism), no refuting passage, no numeric contradiction and no null result on the same
outcome. Support that only holds for another magnesium form, dose, population, species or
intervention makes the verdict ``mixed`` and names the condition. Confidence is a heuristic in
[0, 1]: how clearly the evidence points to the verdict, not a calibrated probability.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from chatbot.audit.stance import NEI, OTHER_CONDITIONS, REFUTES, SUPPORTS, EvidenceItem, relevance

VERDICTS = ("supported", "contradicted", "mixed", "no_evidence")

_TYPE_WORDS = {
    "meta-analysis": "meta-analysis", "systematic-review": "systematic review", "rct": "RCT",
    "crossover-trial": "crossover trial", "pharmacokinetic": "pharmacokinetic study", "cohort": "cohort study",
    "narrative-review": "narrative review", "fact-sheet": "fact sheet", "animal": "animal study",
    "in-vitro": "in-vitro study", "other": "human study",
}


@dataclass
class Verdict:
    claim: str
    verdict: str
    confidence: float
    evidence: list[EvidenceItem] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"claim": self.claim, "verdict": self.verdict, "confidence": round(float(self.confidence), 3),
                "evidence": [e.to_json() for e in self.evidence], "reasons": list(self.reasons)}


def _type_word(st: str) -> str:
    return _TYPE_WORDS.get((st or "").lower(), st or "study")


def _describe(items: list[EvidenceItem]) -> str:
    c = Counter(_type_word(i.chunk.study_type) for i in items)
    return ", ".join(f"{n} {t}{'s' if n > 1 and not t.endswith('s') else ''}" for t, n in c.most_common())


def _other_subject(item: EvidenceItem) -> bool:
    return any(f.kind in {"form", "species", "intervention"} and "not stated" not in f.reason for f in item.conditions())


def _strong(item: EvidenceItem, strong_min: float) -> bool:
    """Direct support with no hedge on it: low certainty or poor quality disqualifies."""
    return item.stance == SUPPORTS and item.p_support >= strong_min and not item.has("hedge") and not item.has("null")


def _explicit_refutation(item: EvidenceItem) -> bool:
    """A refutation an explicit check backs (numbers far off, a null result), not the verifier's word alone."""
    return any(item.has(k, "contradicts") for k in ("numeric", "sample_size", "effect")) or item.has("null")


def _docs(items: list[EvidenceItem]) -> set[str]:
    return {i.chunk.doc_id for i in items}


def aggregate(claim: str, items: list[EvidenceItem], settings, mechanism: bool = False) -> Verdict:
    """Combine judged passages into a verdict with reasons (``settings`` is ``Settings.audit``)."""
    s = settings
    sup = [i for i in items if i.stance == SUPPORTS]
    oth = [i for i in items if i.stance == OTHER_CONDITIONS]
    ref = [i for i in items if i.stance == REFUTES]
    decisive = sup + oth + ref
    ranked = sorted(decisive, key=lambda i: -(i.weight * i.score))
    evidence = ranked[: s.max_evidence]
    reasons: list[str] = []
    w_sup = sum(i.weight * i.p_support for i in sup)
    w_oth = sum(i.weight * i.p_support for i in oth)
    w_ref = sum(i.weight * i.score for i in ref)
    weigh_note = "evidence weighted by study type (meta-analyses and systematic reviews > RCTs and crossover trials > " \
                 "pharmacokinetic and cohort studies > narrative reviews and fact sheets > animal > in-vitro studies)"
    if mechanism:
        weigh_note += "; for a mechanism claim, cell and animal studies count as direct evidence"

    if not decisive:
        relevant = [i for i in items if i.relevance >= s.relevance_min]
        if relevant:
            reasons.append(f"{len(relevant)} related literature passage(s) discuss the topic, but none states or refutes the claim")
        else:
            reasons.append("no literature passage bears on the claim")
        p_nei = max((i.probs[2] for i in items), default=1.0)
        top_rel = max((i.relevance for i in items), default=0.0)
        conf = 0.5 + 0.3 * p_nei * (1 - top_rel) + (0.1 if not relevant else 0.0)
        return Verdict(claim, "no_evidence", min(conf, 0.9), [], reasons)

    numeric_ref = [i for i in ref if any(i.has(k, "contradicts") for k in ("numeric", "sample_size", "effect"))]
    # matching numbers outweigh contradicting ones only from a study of the claim's own conditions:
    # "59 % absorbed" from mineral water says nothing for glycinate
    numeric_ok = [i for i in sup if i.has("numeric", "consistent")]
    # strong support states what the claim says: its quote carries most of the claim's content words
    strong = [i for i in sup if _strong(i, s.strong_support_min) and relevance(claim, i.text, s.subject_terms) >= s.support_coverage_min]
    w_strong = sum(i.weight for i in strong)
    # a null result or hedge on the claim's own topic anywhere in the evidence blocks "supported"
    caveats = [i for i in items if (i.has("null") or i.has("hedge")) and relevance(claim, i.text, s.subject_terms) >= s.support_coverage_min]

    if numeric_ref and not numeric_ok:
        verdict = "contradicted"
        reasons.append("the reported results disagree with the claim: " + "; ".join(
            dict.fromkeys(f.reason for i in numeric_ref for f in i.findings if f.effect == "contradicts")))
        conf = min(0.95, 0.6 + 0.3 * max(i.weight for i in numeric_ref))
    elif ref and not (sup or oth) and all(_other_subject(i) for i in ref):
        verdict = "mixed"
        reasons.append(f"findings against the claim come only from studies of other conditions ({_describe(ref)}): "
                       + condition_summary(ref))
        conf = 0.55
    elif ref and not (sup or oth) and (any(_explicit_refutation(i) for i in ref) or len(_docs(ref)) >= s.contradicted_min_docs):
        verdict = "contradicted"
        reasons.append(f"the literature reports findings against the claim ({_describe(ref)})")
        conf = min(0.9, 0.45 + 0.3 * w_ref)
    elif ref and not (sup or oth):
        verdict = "mixed"
        reasons.append(f"only one study appears to report against the claim ({_describe(ref)}), on the verifier's reading "
                       "alone; that is not reliable enough to call the claim contradicted, and nothing supports it either")
        conf = 0.5
    elif ref:
        verdict = "mixed"
        reasons.append(f"the evidence conflicts: {_describe(sup + oth)} support it, {_describe(ref)} report against it "
                       f"(weighted support {w_sup + w_oth:.2f} vs against {w_ref:.2f})")
        conf = 0.55 + 0.25 * abs(w_sup + w_oth - w_ref) / max(w_sup + w_oth + w_ref, 1e-6)
    elif strong and w_strong >= s.supported_weight_min and len(_docs(strong)) >= s.supported_min_docs and not caveats:
        verdict = "supported"
        reasons.append(f"direct support under the stated conditions from {_describe(strong)}; nothing in the literature found contradicts it")
        conf = min(0.95, 0.55 + 0.2 * w_strong + 0.1 * (sum(i.p_support for i in strong) / len(strong) - s.strong_support_min))
    elif sup:
        verdict = "mixed"
        hedged = [i for i in sup if i.has("hedge") or i.has("null")] or caveats
        if strong and not hedged and len(_docs(strong)) < s.supported_min_docs and w_strong >= s.supported_weight_min:
            reasons.append(f"support comes from a single study ({_describe(strong)}) and is not replicated in the corpus")
        elif hedged:
            reasons.append(f"support is qualified by null or hedged results ({_describe(hedged)}): " + "; ".join(
                dict.fromkeys(f.reason for i in hedged for f in i.findings if f.kind in {"hedge", "null"}))[:400])
        else:
            reasons.append(f"support is too weak to call the claim supported: only {_describe(sup)} (weight {w_sup:.2f})")
        conf = 0.55
    else:
        verdict = "mixed"
        conf = 0.6
    if oth:
        diffs = condition_summary(oth)
        if diffs:
            reasons.append("supported only under other conditions: " + diffs)
        if verdict == "mixed" and not sup and not ref:
            conf = min(0.85, 0.55 + 0.1 * len(oth))
    reasons.append(weigh_note)
    return Verdict(claim, verdict, round(min(max(conf, 0.0), 1.0), 3), evidence, reasons)


def condition_summary(items: list[EvidenceItem]) -> str:
    """Which condition differs, per kind, with the studies where it does."""
    by_kind: dict[str, list[str]] = {}
    for i in items:
        for f in i.conditions():
            by_kind.setdefault(f.kind, []).append(f"{f.reason} [{i.chunk.doc_id}]")
    names = {"form": "magnesium form", "dose": "dose", "population": "population", "species": "species",
             "intervention": "intervention", "route": "route"}
    parts = []
    for k in ("form", "dose", "population", "species", "intervention", "route"):
        if k in by_kind:
            parts.append(f"{names[k]} differs ({'; '.join(dict.fromkeys(by_kind[k]))})")
    return "; ".join(parts)


__all__ = ["Verdict", "aggregate", "condition_summary", "VERDICTS", "NEI"]
