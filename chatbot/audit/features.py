"""Per-claim features for the decision layer: what the judged evidence says, as numbers.

The decision layer (``chatbot.audit.decision``) is fitted on labelled claims, so everything it
may weigh is computed here, once, the same way at fitting and at inference. Only evidence whose
quoted sentence shares enough of the claim's words (``gate``) counts: a cross-encoder calls
unrelated pairs "supports" or "refutes" often enough that ungated maxima would be noise.
"""

from __future__ import annotations

from typing import Sequence

from chatbot.audit.stance import OTHER_CONDITIONS, REFUTES, SUPPORTS, EvidenceItem

# order matters: the fitted weights in models/decision/decision.json follow it
FEATURE_NAMES: tuple[str, ...] = (
    "s_max",  # highest P(SUPPORTS) of a gated evidence sentence
    "r_max",  # highest P(REFUTES) of a gated evidence sentence
    "s_matched",  # highest P(SUPPORTS) among gated sentences from condition-matched studies
    "s_mismatched",  # highest P(SUPPORTS) among gated sentences from studies of other conditions
    "s_docs",  # distinct studies with a gated sentence at P(SUPPORTS) >= 0.5
    "r_docs",  # distinct studies with a gated sentence at P(REFUTES) >= 0.5
    "num_ok",  # a reported number matches the claimed one
    "num_bad",  # a reported number, sample size or effect contradicts the claim
    "null",  # a null result on the claim's topic
    "hedge",  # the authors hedge (low certainty, inconsistent, pilot …)
    "top_rel",  # best share of the claim's words in one quoted sentence
    "passage_rel",  # best share of the claim's words in one retrieved passage
    "w_support",  # best study-type weight among supporting sentences
    "w_refute",  # best study-type weight among refuting sentences
    "claim_number",  # the claim states a number
    "claim_null",  # the claim states that something has no effect
    "n_gated",  # how many passages passed the gate (log scale)
    "sim_max",  # cosine of the claim and the most similar quoted sentence (embedding space)
    "sim_support",  # P(SUPPORTS) of that most similar sentence
    "sim_refute",  # P(REFUTES) of that most similar sentence
    "sim_opposite",  # that sentence states the effect in the other direction, or negated
    "opposite_any",  # some gated sentence states the effect in the other direction, or negated
    "d_agree",  # best agreement of a gated sentence's reported direction with the claim's (direction classifier)
    "d_oppose",  # best opposition: the other direction, or a null against a claimed change (and vice versa)
    "d_agree_matched",  # best agreement among condition-matched gated sentences
    "d_oppose_matched",  # best opposition among condition-matched gated sentences
    "d_agree_docs",  # distinct condition-matched studies whose sentence reports the claim's direction (agree >= 0.5)
    "d_oppose_docs",  # distinct condition-matched studies whose sentence reports otherwise (oppose >= 0.5)
)


def _gated(items: Sequence[EvidenceItem], gate: float) -> list[EvidenceItem]:
    # a number or an effect on the claim's topic decides even in a sentence sharing few of its words,
    # but not in one sharing almost none (a number from an unrelated study says nothing)
    return [i for i in items if i.quote_relevance >= gate or (i.quote_relevance >= gate / 2 and (i.has("numeric") or i.has("effect", "contradicts")))]


def claim_features(claim: str, items: Sequence[EvidenceItem], gate: float, *, claim_number: bool, claim_null: bool) -> dict[str, float]:
    """The feature vector of one claim (a dict in ``FEATURE_NAMES`` order)."""
    import math

    g = _gated(items, gate)
    matched = [i for i in g if not i.conditions()]
    mismatched = [i for i in g if i.conditions()]
    sup = [i for i in g if i.p_support >= 0.5]
    ref = [i for i in g if i.p_refute >= 0.5]
    top = max(items, key=lambda i: i.similarity) if items else None
    f = {
        "s_max": max((i.p_support for i in g), default=0.0),
        "r_max": max((i.p_refute for i in g), default=0.0),
        "s_matched": max((i.p_support for i in matched), default=0.0),
        "s_mismatched": max((i.p_support for i in mismatched), default=0.0),
        "s_docs": float(len({i.chunk.doc_id for i in sup})),
        "r_docs": float(len({i.chunk.doc_id for i in ref})),
        "num_ok": float(any(i.has("numeric", "consistent") or i.has("sample_size", "consistent") for i in matched)),
        "num_bad": float(any(i.has(k, "contradicts") for i in matched for k in ("numeric", "sample_size", "effect"))),
        "null": float(any(i.has("null") for i in g)),
        "hedge": float(any(i.has("hedge") for i in g)),
        "top_rel": max((i.quote_relevance for i in items), default=0.0),
        "passage_rel": max((i.relevance for i in items), default=0.0),
        "w_support": max((i.weight for i in sup), default=0.0),
        "w_refute": max((i.weight for i in ref), default=0.0),
        "claim_number": float(claim_number),
        "claim_null": float(claim_null),
        "n_gated": math.log1p(len(g)),
        "sim_max": top.similarity if top else 0.0,
        "sim_support": top.p_support if top else 0.0,
        "sim_refute": top.p_refute if top else 0.0,
        "sim_opposite": float(bool(top and top.opposite)),
        "opposite_any": float(any(i.opposite for i in g)),
        "d_agree": max((i.agree for i in g), default=0.0),
        "d_oppose": max((i.oppose for i in g), default=0.0),
        "d_agree_matched": max((i.agree for i in matched), default=0.0),
        "d_oppose_matched": max((i.oppose for i in matched), default=0.0),
        "d_agree_docs": float(len({i.chunk.doc_id for i in matched if i.agree >= 0.5})),
        "d_oppose_docs": float(len({i.chunk.doc_id for i in matched if i.oppose >= 0.5})),
    }
    return {k: round(float(f[k]), 4) for k in FEATURE_NAMES}


def deciding_items(items: Sequence[EvidenceItem], gate: float) -> dict[str, list[EvidenceItem]]:
    """The gated evidence grouped by what it does to the claim (for the finding and its reason). A stance the reported
    direction set passes on the sentence's share of what acts and the outcome (``frame_relevance``): a result sentence
    names those, not the claim's population or design, which the condition checks judge. (The decision features keep the
    plain gate they were fitted with.)"""
    kept = {id(i) for i in _gated(items, gate)}
    g = [i for i in items if id(i) in kept or (i.by_direction and i.frame_relevance >= gate)]
    by = {
        "support": [i for i in g if i.stance == SUPPORTS],
        "other_conditions": [i for i in g if i.stance == OTHER_CONDITIONS],
        "refute": [i for i in g if i.stance == REFUTES and not i.conditions()],
        "refute_other": [i for i in g if i.stance == REFUTES and i.conditions()],
    }
    for k in by:
        by[k].sort(key=lambda i: -(i.weight * i.score))
    return by
