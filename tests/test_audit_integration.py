"""Audit of the default corpus with the real embedder, retriever and verifier: structural truths.

Skips when ingest or the verifier weights are not available yet. One module-scoped store and
two audits (full, then again for id stability) keep the cost to one ingest on 2 cores.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent


def _corpus() -> Path | None:
    for p in (ROOT / "corpus", ROOT.parent / "shared" / "corpus"):
        if (p / "article").is_dir() and (p / "literature").is_dir():
            return p
    return None


@pytest.fixture(scope="module")
def audited(tmp_path_factory):
    try:
        from ingest.pipeline import run_ingest
    except ImportError as exc:
        pytest.skip(f"ingest not available yet: {exc}")
    from core.settings import Settings

    corpus = _corpus()
    if corpus is None:
        pytest.skip("no default corpus (corpus/ with article/ and literature/)")
    s = Settings(store_dir=tmp_path_factory.mktemp("audit") / "store", corpus_dir=corpus, fetch_online=False,
                 verifier_model=Path(os.environ.get("MGC_VERIFIER_MODEL", str(Settings().verifier_model))))
    if not (Path(s.verifier_model) / "config.json").exists():
        pytest.skip(f"no verifier weights at {s.verifier_model} (training not finished; set MGC_VERIFIER_MODEL to a checkpoint)")
    from chatbot.audit import audit_snapshot
    from chatbot.retrieval import get_retriever
    from core.store import open_snapshot

    run_ingest(s, audit=False)
    snap = open_snapshot(s)
    retriever = get_retriever(s, snapshot=snap)
    first = audit_snapshot(snap, None, retriever=retriever, settings=s)
    second = audit_snapshot(snap, None, retriever=retriever, settings=s)
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
