"""Audit of the default corpus with the real embedder, retriever and verifier: structural truths.

Skips when the verifier weights are not available. The store is the session's ``default_store``
(one ingest with its audit, shared with the eval subset); a second audit from scratch checks that
ids and verdicts are stable.
"""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def audited(default_store):
    """The audit ingest wrote beside the store, and a second audit from scratch for id stability."""
    from core.store import open_snapshot
    from services import build_services

    snap = open_snapshot(default_store)
    first = snap.audit()
    assert first is not None, "ingest must write the claim audit before flipping CURRENT"
    second = build_services(default_store).auditor.audit_snapshot(snap, None)  # the real verifier and direction classifier
    first, second = first.to_json(), second.to_json()  # the shape audit.json has on disk
    return snap, first, second


def test_every_claim_has_a_verdict(audited):
    _, a, _ = audited
    assert len(a["claims"]) >= 20
    for c in a["claims"]:
        assert c["verdict"] in {"supported", "contradicted", "mixed", "no_evidence"}
        assert 0.0 <= c["confidence"] <= 1.0
        assert c["start"] < c["end"] and c["chunk_id"]


def test_evidence_is_literature_only(audited):
    snap, a, _ = audited
    for c in a["claims"]:
        if c["verdict"] != "no_evidence":
            assert c["evidence"], c["text"]
        for e in c["evidence"]:
            assert snap.chunks[e["chunk_id"]].role == "literature"


def test_ids_stable_across_runs(audited):
    _, a, b = audited
    assert [c["id"] for c in a["claims"]] == [c["id"] for c in b["claims"]]
    assert [c["verdict"] for c in a["claims"]] == [c["verdict"] for c in b["claims"]]


def test_bioavailability_claim_is_not_supported(audited):
    _, a, _ = audited
    bio = [c for c in a["claims"] if "bioavailab" in c["text"].lower() and "50" in c["text"] and "80" in c["text"]]
    assert bio, "the infographic's 50–80% bioavailability claim was not extracted"
    assert all(c["verdict"] != "supported" for c in bio)


def test_nmda_block_is_not_contradicted(audited):
    _, a, _ = audited
    nmda = [c for c in a["claims"] if "nmda" in c["text"].lower() and "block" in c["text"].lower()]
    assert nmda, "the NMDA Mg-block claim was not extracted"
    assert all(c["verdict"] != "contradicted" for c in nmda)


def test_every_claim_has_a_finding_with_a_reason(audited):
    from chatbot.audit import FINDING_TO_VERDICT, FINDINGS

    _, a, _ = audited
    assert set(a["stats"]["findings"]) == set(FINDINGS)
    for c in a["claims"]:
        assert c["finding"] in FINDINGS and FINDING_TO_VERDICT[c["finding"]] == c["verdict"]
        assert c["reason"] and "\n" not in c["reason"]
        # every [n] in the reason points at a quoted evidence item
        import re

        for n in re.findall(r"\[(\d+)\]", c["reason"]):
            assert 1 <= int(n) <= len(c["evidence"]), (c["text"], c["reason"])


def test_headline_numbers_get_the_closest_reported_result(audited):
    """The article's infographic numbers (anxiety -32 %, sleep-onset latency -41 %, efficiency +67 %): the reader
    learns what the closest studies report, never a bare 'no evidence'."""
    _, a, _ = audited
    heads = [c for c in a["claims"] if any(x in c["text"] for x in ("32%", "41%", "67%"))]
    assert len(heads) >= 3, [c["text"] for c in a["claims"] if "%" in c["text"]]
    for c in heads:
        assert c["finding"] != "supported", c
        assert c["evidence"], c
        if c["finding"] == "unsupported":
            assert "no study reports" in c["reason"] and "closest reported result" in c["reason"], c["reason"]
            assert "conference abstract" not in c["reason"]  # a digest's note about itself is never a result
