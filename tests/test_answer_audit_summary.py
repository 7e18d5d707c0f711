"""'What did the article get wrong?' answered from the store's claim audit (issue 23: such questions were refused,
since no passage is close to their words, although the audit holds the answer)."""

from __future__ import annotations

import pytest

from answer_helpers import build_store, make_chunk
from chatbot.answer.audit_summary import asks_about_the_article, flagged_claims, topic_of
from core.audit_report import AUDIT_FILE, AuditReport, ClaimRecord, EvidenceRecord


@pytest.mark.parametrize(
    "q",
    [
        "What did the article get wrong?",
        "Where does the article overstate the evidence?",
        "Is the article accurate?",
        "Does the author exaggerate anything about sleep?",
        "Which of the article's claims are not supported by the studies?",
        "Which of the article's claims rests on the weakest study?",
        "Which claims in the article rely on weak evidence?",
    ],
)
def test_questions_about_the_article_as_a_whole(q):
    assert asks_about_the_article(q)


@pytest.mark.parametrize(
    "q",
    [
        "What does the article say about sleep?",
        "Does the article's claim that zinc cures colds hold up?",
        "Did the trial contradict itself?",
        "What dose did the trial use?",
    ],
)
def test_other_questions_are_not_summaries(q):
    assert not asks_about_the_article(q)


def _claim(cid: str, text: str, finding: str, chunk_id: str = "", evidence=()) -> ClaimRecord:
    return ClaimRecord(id=cid, text=text, finding=finding, verdict="no_evidence", reason=f"{finding} because [1]", chunk_id=chunk_id, evidence=list(evidence))


def test_worst_findings_first_and_the_topic_filters():
    audit = AuditReport(
        claims=[
            _claim("a", "Zinc shortens colds by half.", "extrapolated"),
            _claim("b", "Zinc improves sleep.", "contradicted"),
            _claim("c", "Zinc is calming.", "unsupported"),
            _claim("d", "Zinc lowers stress.", "conflicting"),
        ]
    )
    assert [c.id for c in flagged_claims(audit, set(), 5)] == ["b", "d", "a"]
    assert [c.id for c in flagged_claims(audit, topic_of("What did the article get wrong about sleep?"), 5)] == ["b"]


def test_answer_counts_findings_and_quotes_the_worst_with_citations(settings):
    from fakes import FakeEmbeddings

    from chatbot.answer.service import answer_question
    from chatbot.render_text import answer_text

    article = make_chunk("notes", "Zinc improves sleep. Zinc is calming.", role="article", title="Zinc notes")
    trial = make_chunk("smith", "Zinc did not change sleep onset latency compared with placebo (P = 0.6).", title="Zinc and sleep", year=2019, study_type="rct")
    retriever = build_store(settings, [article, trial], FakeEmbeddings())
    ev = EvidenceRecord(doc_id="smith", chunk_id=trial.chunk_id, text=trial.text, stance="refutes", n=1)
    audit = AuditReport(
        claims=[
            _claim("b", "Zinc improves sleep.", "contradicted", article.chunk_id, [ev]),
            _claim("c", "Zinc is calming.", "unsupported", article.chunk_id),
        ]
    )
    (retriever.snapshot.path / AUDIT_FILE).write_text(audit.to_text(), encoding="utf-8")
    ans = answer_question("What did the article get wrong?", settings=settings, retriever=retriever)
    text = answer_text(ans)
    assert not ans.refused
    assert "checked 2 of the article's claims" in text and "1 contradicted" in text and "1 unsupported" in text
    numbers = {c.doc_id: c.n for c in ans.citations}
    assert f"“Zinc improves sleep.” [{numbers['notes']}]: CONTRADICTED, contradicted because [{numbers['smith']}]" in text
    assert "Zinc is calming" not in text.split("Sources")[0].split("\n", 1)[1]  # unsupported claims are counted, not listed


@pytest.mark.parametrize(
    ("q", "wanted"),
    [
        ("What did the article get wrong?", ("contradicted", "conflicting", "extrapolated")),
        ("What did the article get right?", ("supported",)),
        ("Which claims in the article are supported?", ("supported",)),
        ("Which of the article's claims are not supported by the studies?", ("contradicted", "conflicting", "extrapolated", "unsupported")),
    ],
)
def test_what_is_listed_follows_the_question(q, wanted):
    from chatbot.answer.audit_summary import findings_wanted

    assert asks_about_the_article(q)
    assert findings_wanted(q) == wanted


def test_no_claim_on_the_topic_is_said_plainly():
    from chatbot.answer.audit_summary import counts_line

    audit = AuditReport(claims=[_claim("a", "Zinc improves sleep.", "contradicted")])
    assert counts_line(audit, {"anxieti"}, ["anxiety"]) == "None of the 1 claims the audit checked in the article mentions “anxiety”."


def test_a_missing_or_damaged_audit_is_said_plainly(settings):
    """No audit yet, or an unreadable audit.json: the answer says which, and how to rebuild it, instead of the generic
    refusal."""
    from fakes import FakeEmbeddings

    from chatbot.answer.service import answer_question
    from chatbot.render_text import answer_text

    article = make_chunk("notes", "Zinc improves sleep. Zinc is calming.", role="article", title="Zinc notes")
    retriever = build_store(settings, [article], FakeEmbeddings())
    ans = answer_question("What did the article get wrong?", settings=settings, retriever=retriever)
    assert ans.refused and "no claim audit of the article yet" in answer_text(ans) and "cli audit --refresh" in answer_text(ans)
    (retriever.snapshot.path / AUDIT_FILE).write_text("{not json", encoding="utf-8")
    ans = answer_question("What did the article get wrong?", settings=settings, retriever=retriever)
    assert ans.refused and "could not be read" in answer_text(ans) and AUDIT_FILE in answer_text(ans)
