"""Aggregation rules of the claim audit, above all: never a false "supported"."""

from __future__ import annotations

import pytest

from chatbot.audit import checks as C
from chatbot.audit.aggregate import aggregate
from chatbot.audit.stance import NEI, OTHER_CONDITIONS, REFUTES, SUPPORTS, EvidenceItem, decide_stance, study_weight
from core.settings import AuditSettings
from core.types import Chunk

S = AuditSettings()
CLAIM = "Magnesium glycinate improves sleep quality."


def chunk(doc: str, study_type: str, text: str = "passage", **meta) -> Chunk:
    return Chunk(chunk_id=f"{doc}-0", doc_id=doc, text=text, start=0, end=len(text), sentences=[(0, len(text))],
                 title=f"Title of {doc}", year=2020, role="literature", study_type=study_type, meta=meta)


def item(doc: str, study_type: str, probs, findings=(), relevance: float = 0.6, mechanism: bool = False,
         text: str = "Magnesium glycinate improved sleep quality in the trial.") -> EvidenceItem:
    it = EvidenceItem(chunk=chunk(doc, study_type), text=text, probs=tuple(probs), relevance=relevance,
                      findings=list(findings), weight=study_weight(study_type, mechanism, S))
    it.stance, it.reasons = decide_stance(it.probs, it.findings, S)
    return it


FORM = C.Finding("form", "mismatch", "study used magnesium oxide, not glycinate")
POP = C.Finding("population", "mismatch", "studied only in elderly people")
ANIMAL = C.Finding("species", "mismatch", "shown only in animals (mice), not in people")
NUM_BAD = C.Finding("numeric", "contradicts", "reported absorption 23.5%, claim says 50–80%")
NUM_OK = C.Finding("numeric", "consistent", "reported absorption 60% matches the claimed 50–80%")
NULL = C.Finding("null", "weakens", 'the study reports a null result ("did not differ")')
HEDGE = C.Finding("hedge", "weakens", 'the authors hedge: "low certainty"')


# ---------------------------------------------------------------------------- stance

def test_stance_rules():
    assert decide_stance((0.9, 0.05, 0.05), [], S)[0] == SUPPORTS
    assert decide_stance((0.9, 0.05, 0.05), [FORM], S)[0] == OTHER_CONDITIONS
    assert decide_stance((0.1, 0.8, 0.1), [], S)[0] == REFUTES
    assert decide_stance((0.2, 0.1, 0.7), [], S)[0] == NEI
    assert decide_stance((0.9, 0.05, 0.05), [NUM_BAD], S)[0] == REFUTES  # numbers beat the model
    assert decide_stance((0.2, 0.1, 0.7), [NULL], S)[0] == REFUTES
    # numbers from a study of another form are about something else
    assert decide_stance((0.2, 0.1, 0.7), [NUM_BAD, FORM], S)[0] != REFUTES
    assert decide_stance((0.1, 0.8, 0.1), [], S, relevance=0.05)[0] == NEI  # unrelated passage cannot refute
    assert decide_stance((0.9, 0.05, 0.05), [NUM_BAD], S, relevance=0.05)[0] == REFUTES
    reasons = decide_stance((0.9, 0.05, 0.05), [FORM], S)[1]
    assert any("oxide" in r for r in reasons) and any(r.startswith("verifier") for r in reasons)


def test_study_weights_order():
    w = [study_weight(t, False, S) for t in ("meta-analysis", "rct", "pharmacokinetic", "narrative-review", "animal", "in-vitro")]
    assert w == sorted(w, reverse=True)
    assert study_weight("in-vitro", True, S) > study_weight("in-vitro", False, S)


# ---------------------------------------------------------------------------- verdicts

def test_supported_needs_strong_direct_support_from_two_studies():
    v = aggregate(CLAIM, [item("rct1", "rct", (0.9, 0.05, 0.05)), item("rct2", "rct", (0.85, 0.1, 0.05))], S)
    assert v.verdict == "supported" and 0.5 < v.confidence <= 0.95
    assert any("study type" in r for r in v.reasons)
    single = aggregate(CLAIM, [item("rct1", "rct", (0.9, 0.05, 0.05))], S)
    assert single.verdict == "mixed" and "single study" in single.reasons[0]


def test_support_must_state_what_the_claim_says():
    off_topic = "Low magnesium status has been linked with many chronic conditions."
    items = [item(d, "rct", (0.95, 0.02, 0.03), text=off_topic) for d in ("rct1", "rct2")]
    assert aggregate(CLAIM, items, S).verdict != "supported"


def test_null_result_on_the_topic_blocks_supported():
    items = [item("rct1", "rct", (0.9, 0.05, 0.05)), item("rct2", "rct", (0.9, 0.05, 0.05)),
             item("ma", "meta-analysis", (0.3, 0.3, 0.4), [NULL], text="Magnesium glycinate did not improve sleep quality.")]
    v = aggregate(CLAIM, items, S)
    assert v.verdict != "supported"


def test_weak_support_alone_is_not_supported():
    v = aggregate(CLAIM, [item("rev", "narrative-review", (0.95, 0.02, 0.03))], S)
    assert v.verdict == "mixed"
    v = aggregate(CLAIM, [item("mice", "animal", (0.95, 0.02, 0.03))], S)
    assert v.verdict != "supported"


def test_hedged_support_is_not_supported():
    v = aggregate(CLAIM, [item("ma", "meta-analysis", (0.9, 0.05, 0.05), [HEDGE])], S)
    assert v.verdict == "mixed" and any("hedge" in r for r in v.reasons)


def test_condition_mismatch_gives_mixed_and_names_condition():
    v = aggregate(CLAIM, [item("rct1", "rct", (0.95, 0.02, 0.03), [FORM, POP])], S)
    assert v.verdict == "mixed"
    text = " ".join(v.reasons)
    assert "magnesium form differs" in text and "oxide" in text and "population differs" in text


def test_animal_only_support_is_mixed():
    v = aggregate(CLAIM, [item("mice", "animal", (0.95, 0.02, 0.03), [ANIMAL])], S)
    assert v.verdict == "mixed" and "species differs" in " ".join(v.reasons)


def test_anything_refuting_blocks_supported():
    items = [item("ma", "meta-analysis", (0.95, 0.02, 0.03)), item("rct2", "rct", (0.05, 0.9, 0.05))]
    v = aggregate(CLAIM, items, S)
    assert v.verdict == "mixed" and "conflicts" in v.reasons[0]


def test_numbers_far_from_claim_contradict_even_if_model_supports():
    v = aggregate(CLAIM, [item("pk", "pharmacokinetic", (0.9, 0.05, 0.05), [NUM_BAD])], S)
    assert v.verdict == "contradicted"
    assert "23.5%" in v.reasons[0]
    assert v.evidence and v.evidence[0].stance == REFUTES


def test_refutation_only_is_contradicted_when_replicated_or_backed_by_a_check():
    two = aggregate(CLAIM, [item("rct", "rct", (0.05, 0.9, 0.05)), item("rct2", "rct", (0.1, 0.8, 0.1))], S)
    assert two.verdict == "contradicted"
    null = aggregate(CLAIM, [item("rct", "rct", (0.2, 0.1, 0.7), [NULL])], S)
    assert null.verdict == "contradicted"
    # one study, on the verifier's word alone: not reliable enough (its refutations are right about half the time)
    one = aggregate(CLAIM, [item("rct", "rct", (0.05, 0.9, 0.05))], S)
    assert one.verdict == "mixed" and "only one study" in one.reasons[0]


def test_refutation_only_from_other_conditions_is_mixed():
    v = aggregate(CLAIM, [item("rct", "rct", (0.05, 0.9, 0.05), [FORM])], S)
    assert v.verdict == "mixed"


def test_nothing_relevant_is_no_evidence():
    items = [item("a", "rct", (0.05, 0.05, 0.9), relevance=0.05), item("b", "animal", (0.1, 0.1, 0.8), relevance=0.1)]
    v = aggregate(CLAIM, items, S)
    assert v.verdict == "no_evidence" and v.evidence == []
    assert aggregate(CLAIM, [], S).verdict == "no_evidence"


def test_mechanism_claim_two_cell_studies_can_be_supported():
    items = [item(d, "in-vitro", (0.9, 0.05, 0.05), mechanism=True) for d in ("nowak", "mayer")]
    v = aggregate(CLAIM, items, S, mechanism=True)
    assert v.verdict == "supported"
    single = aggregate(CLAIM, items[:1], S, mechanism=True)
    assert single.verdict == "mixed"  # one cell study is not enough


@pytest.mark.parametrize("findings", [[FORM], [POP], [ANIMAL], [NUM_BAD], [NULL], [HEDGE]])
def test_no_false_supported_under_any_doubt(findings):
    """However confident the verifier, one doubt in the only evidence keeps 'supported' away."""
    items = [item("ma", "meta-analysis", (0.99, 0.005, 0.005), findings), item("rct", "rct", (0.99, 0.005, 0.005), findings)]
    assert aggregate(CLAIM, items, S).verdict != "supported"


def test_verdict_json_shape():
    v = aggregate(CLAIM, [item("rct1", "rct", (0.9, 0.05, 0.05))], S).to_json()
    assert list(v) == ["claim", "verdict", "confidence", "evidence", "reasons"]
    assert set(v["evidence"][0]) == {"doc_id", "chunk_id", "title", "year", "study_type", "text", "stance", "score", "reasons"}


def test_subject_words_do_not_make_a_sentence_relevant():
    from chatbot.audit.stance import relevance

    claim, off_topic = "At rest, magnesium naturally blocks the NMDA channel.", "Magnesium is absorbed through channel proteins."
    assert relevance(claim, off_topic) > relevance(claim, off_topic, S.subject_terms)
    assert relevance(claim, off_topic, S.subject_terms) < S.relevance_min
    assert relevance("Magnesium.", "Magnesium.", S.subject_terms) == 0.0


def test_matching_numbers_from_other_conditions_do_not_rescue_a_contradicted_claim():
    items = [item("pk", "pharmacokinetic", (0.4, 0.5, 0.1), [NUM_BAD]),
             item("rev", "narrative-review", (0.7, 0.2, 0.1), [NUM_OK, FORM])]
    v = aggregate(CLAIM, items, S)
    assert v.verdict == "contradicted" and "23.5%" in v.reasons[0]
