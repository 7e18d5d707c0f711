"""Audit flags and claim verdicts through the adapter, with a fake auditor handed to the service."""

from __future__ import annotations

import pytest

from answer_helpers import build_store
from test_answer_deterministic import corpus
from core.audit_report import ClaimFlag
from chatbot.render_text import answer_json, answer_text


class FakeVerdict:
    def __init__(self, d):
        self.d = d

    def to_json(self):
        return self.d


@pytest.fixture
def retriever(settings):
    return build_store(settings, corpus())


class FakeAuditor:
    """What ``core.protocols.Auditor`` asks for, answering from fixed data."""

    def __init__(self, retriever, verdict="contradicted"):
        walker = next(c for c in retriever.snapshot.chunks.values() if c.doc_id == "walker2003")
        self.verdict = verdict
        self.walker = walker

    def audit_snapshot(self, snapshot, previous):
        raise AssertionError("not called when answering")

    def flags_for_passages(self, audit, passages):
        ids = {p.chunk.chunk_id for p in passages}
        return [ClaimFlag(**{k: v for k, v in f.items() if k != "chunk_id"}, passage_chunk_id=f["chunk_id"]) for f in audit["flags"] if f["chunk_id"] in ids]

    def looks_like_claim(self, q):
        return q.rstrip("?").lower().startswith("is glycinate")

    def check_claim(self, text, retriever):
        w = self.walker
        return FakeVerdict(
            {
                "claim": text,
                "verdict": self.verdict,
                "confidence": 0.8,
                "evidence": [
                    {
                        "doc_id": w.doc_id,
                        "chunk_id": w.chunk_id,
                        "title": w.title,
                        "year": w.year,
                        "study_type": w.study_type,
                        "text": w.sentence_texts()[0],
                        "stance": "refutes",
                        "score": 0.9,
                    }
                ],
                "reasons": ["trial compared citrate with oxide, not glycinate"],
            }
        )


def store_audit(monkeypatch, retriever):
    """An audit.json for the store: one flagged and one supported claim on the absorption passage."""
    articles = [c for c in retriever.snapshot.chunks.values() if c.role == "article" and "absorbed far better" in c.text]
    audit = {
        "flags": [
            f
            for a in articles
            for f in (
                {
                    "claim_id": "c1",
                    "claim": "Magnesium glycinate is absorbed far better than magnesium oxide",
                    "chunk_id": a.chunk_id,
                    "verdict": "mixed",
                    "finding": "conflicting",
                    "reasons": ["no trial of glycinate vs oxide in the corpus"],
                    "evidence": [],
                },
                {
                    "claim_id": "c2",
                    "claim": "Magnesium blocks NMDA",
                    "chunk_id": a.chunk_id,
                    "verdict": "supported",
                    "finding": "supported",
                    "reasons": [],
                    "evidence": [],
                },
            )
        ]
    }
    monkeypatch.setattr(type(retriever.snapshot), "audit", lambda self: audit)
    return {a.chunk_id for a in articles}


def test_flags_for_cited_article_passages(monkeypatch, retriever, settings):
    from chatbot.answer.service import answer_question

    articles = store_audit(monkeypatch, retriever)
    ans = answer_question(
        "Is magnesium glycinate absorbed better than magnesium oxide?", settings=settings, retriever=retriever, auditor=FakeAuditor(retriever)
    )
    cited = articles & {c.chunk_id for c in ans.citations}
    assert len(cited) == 1
    assert [f.claim_id for f in ans.flags] == ["c1"]  # the supported one is not a flag
    assert "Audit flag" in answer_text(ans) and "MIXED" in answer_text(ans)
    n = next(c.n for c in ans.citations if c.chunk_id in cited)
    assert f'absorbed far better than magnesium oxide" [{n}]' in answer_text(ans)  # the flag line cites the passage the claim is in
    assert answer_json(ans)["flags"][0]["claim_id"] == "c1" and "passage_chunk_id" not in answer_json(ans)["flags"][0]


def test_claim_question_leads_with_verdict(monkeypatch, retriever, settings):
    from chatbot.answer.service import AnswerService

    store_audit(monkeypatch, retriever)
    service = AnswerService(settings, retriever, auditor=FakeAuditor(retriever))
    ans = service.answer("Is glycinate absorbed better than magnesium oxide?")
    assert ans.verdict.verdict == "contradicted" and answer_json(ans)["verdict"]["verdict"] == "contradicted"
    first = answer_text(ans).splitlines()[0]
    assert first.startswith("Claim check: CONTRADICTED (confidence 0.80)")
    n = next(c.n for c in ans.citations if c.doc_id == "walker2003")
    assert f"[{n}]" in first
    assert "verify" in ans.timings_ms


def test_no_auditor_means_no_flags(monkeypatch, retriever, settings):
    from chatbot.answer.service import answer_question

    store_audit(monkeypatch, retriever)
    ans = answer_question("Is glycinate absorbed better than magnesium oxide?", settings=settings, retriever=retriever)
    assert ans.flags == [] and ans.verdict is None and not ans.refused


def test_broken_audit_degrades(monkeypatch, retriever, settings):
    from chatbot.answer.service import answer_question

    def boom(*a, **kw):
        raise RuntimeError("half-built")

    auditor = FakeAuditor(retriever)
    auditor.flags_for_passages = auditor.looks_like_claim = auditor.check_claim = boom
    store_audit(monkeypatch, retriever)
    ans = answer_question("Is magnesium glycinate absorbed better than magnesium oxide?", settings=settings, retriever=retriever, auditor=auditor)
    assert ans.flags == [] and ans.verdict is None and ans.citations


def test_the_record_holds_data_and_the_text_renderer_writes_the_lines(monkeypatch, retriever, settings):
    """The service returns no "Claim check:" line and no flag appendix: they are the claim check and
    the flags as data, which ``chatbot.render_text`` (and the app's widgets) render."""
    from chatbot.answer.service import AnswerService
    from chatbot.render_text import FLAGS_HEADING, lead_text

    store_audit(monkeypatch, retriever)
    ans = AnswerService(settings, retriever, auditor=FakeAuditor(retriever)).answer("Is glycinate absorbed better than magnesium oxide?")
    assert ans.claim_check is not None and ans.claim_check.verdict is ans.verdict and ans.claim_check.cites
    assert set(ans.claim_check.refs.values()) <= {c.n for c in ans.citations}
    for text in (ans.lead, ans.body):
        assert "Claim check" not in text and FLAGS_HEADING not in text and "Audit flag" not in text
    assert lead_text(ans).startswith("Claim check: CONTRADICTED") and answer_text(ans).startswith(lead_text(ans))
