"""Audit flags and claim verdicts through the adapter, with a fake ``chatbot.audit`` module."""

from __future__ import annotations

import sys
import types

import pytest

from answer_helpers import build_store
from test_answer_deterministic import corpus


class FakeVerdict:
    def __init__(self, d):
        self.d = d

    def to_json(self):
        return self.d


@pytest.fixture
def retriever(settings):
    return build_store(settings, corpus())


def install_fake_audit(monkeypatch, retriever, verdict="contradicted"):
    mod = types.ModuleType("chatbot.audit")
    articles = [c for c in retriever.snapshot.chunks.values() if c.role == "article" and "absorbed far better" in c.text]
    walker = next(c for c in retriever.snapshot.chunks.values() if c.doc_id == "walker2003")

    def flags_for_passages(audit, passages):
        return [dict(f) for f in audit["flags"] if f["chunk_id"] in {p.chunk.chunk_id for p in passages}]

    def looks_like_claim(q):
        return q.rstrip("?").lower().startswith("is glycinate")

    def check_claim(text, retriever, settings=None):
        return FakeVerdict({"claim": text, "verdict": verdict, "confidence": 0.8,
                            "evidence": [{"doc_id": walker.doc_id, "chunk_id": walker.chunk_id, "title": walker.title,
                                          "year": walker.year, "study_type": walker.study_type,
                                          "text": walker.sentence_texts()[0], "stance": "refutes", "score": 0.9}],
                            "reasons": ["trial compared citrate with oxide, not glycinate"]})

    mod.flags_for_passages = flags_for_passages
    mod.looks_like_claim = looks_like_claim
    mod.check_claim = check_claim
    monkeypatch.setitem(sys.modules, "chatbot.audit", mod)
    audit = {"flags": [f for a in articles for f in (
        {"claim_id": "c1", "claim": "Magnesium glycinate is absorbed far better than magnesium oxide", "chunk_id": a.chunk_id,
         "verdict": "mixed", "reasons": ["no trial of glycinate vs oxide in the corpus"], "evidence": []},
        {"claim_id": "c2", "claim": "Magnesium blocks NMDA", "chunk_id": a.chunk_id, "verdict": "supported",
         "reasons": [], "evidence": []},
    )]}
    monkeypatch.setattr(type(retriever.snapshot), "audit", lambda self: audit)
    return {a.chunk_id for a in articles}


def test_flags_for_cited_article_passages(monkeypatch, retriever, settings):
    from chatbot.answer.service import answer_question

    articles = install_fake_audit(monkeypatch, retriever)
    ans = answer_question("Is magnesium glycinate absorbed better than magnesium oxide?", settings=settings, retriever=retriever)
    cited = articles & {c.chunk_id for c in ans.citations}
    assert len(cited) == 1
    assert [f["claim_id"] for f in ans.flags] == ["c1"]  # the supported one is not a flag
    assert "Audit flag" in ans.answer and "MIXED" in ans.answer


def test_claim_question_leads_with_verdict(monkeypatch, retriever, settings):
    from chatbot.answer.service import answer_question

    install_fake_audit(monkeypatch, retriever)
    ans = answer_question("Is glycinate absorbed better than magnesium oxide?", settings=settings, retriever=retriever)
    assert ans.verdict["verdict"] == "contradicted"
    first = ans.answer.splitlines()[0]
    assert first.startswith("Claim check: CONTRADICTED (confidence 0.80)")
    n = next(c.n for c in ans.citations if c.doc_id == "walker2003")
    assert f"[{n}]" in first
    assert "verify" in ans.timings_ms


def test_no_audit_package_means_no_flags(monkeypatch, retriever, settings):
    from chatbot.answer.service import answer_question

    monkeypatch.setitem(sys.modules, "chatbot.audit", None)  # import raises ImportError
    ans = answer_question("Is glycinate absorbed better than magnesium oxide?", settings=settings, retriever=retriever)
    assert ans.flags == [] and ans.verdict is None and not ans.refused


def test_broken_audit_degrades(monkeypatch, retriever, settings):
    from chatbot.answer.service import answer_question

    mod = types.ModuleType("chatbot.audit")

    def boom(*a, **kw):
        raise RuntimeError("half-built")

    mod.flags_for_passages = mod.looks_like_claim = mod.check_claim = boom
    monkeypatch.setitem(sys.modules, "chatbot.audit", mod)
    ans = answer_question("Is magnesium glycinate absorbed better than magnesium oxide?", settings=settings, retriever=retriever)
    assert ans.flags == [] and ans.verdict is None and ans.citations
