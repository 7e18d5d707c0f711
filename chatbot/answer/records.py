"""Answers from the store's records, for questions no passage answers: who wrote or published a document (its
manifest record), which studies the corpus holds (the documents' designs), and what the article got wrong (the claim
audit). Each returns the composed text with its citations, and the passages it cites, or None (the composer's answer
stands) when the store lacks the record. The question forms are read in ``bibliography``, ``catalogue`` and
``audit_summary``; ``service._compose_quotes`` decides which applies.
"""

from __future__ import annotations

from typing import Any

from chatbot.answer import catalogue
from chatbot.answer.audit_summary import cite_reason, cited_numbers, counts_line, findings_wanted, flagged_claims, topic_of, topic_words
from chatbot.answer.bibliography import describe, which_document
from chatbot.answer.deterministic import Composed
from core.cards import StudyCard
from core.contracts import Citation


def _cited(chunks: list) -> list:
    """The chunks an answer cites, as the passages the rest of the answer path reads (retrieval is imported here, late,
    as the service does: it pulls in the vector store)."""
    from chatbot.retrieval import Passage

    return [Passage(c, 0.0, i + 1) for i, c in enumerate(chunks)]


def _documents(snapshot: Any) -> dict:
    documents_of = getattr(snapshot, "documents", None)
    return documents_of() if callable(documents_of) else {}


def catalogue_answer(query: str, snapshot: Any, cards: dict[str, StudyCard], limit: int) -> tuple[Composed, list] | None:
    """ "Which studies were done in animals?": the designs the corpus holds, and the studies of the design asked for,
    each cited (``chatbot.answer.catalogue``). None when the store lists no literature."""
    docs = catalogue.literature(_documents(snapshot))
    chunks = getattr(snapshot, "chunks", {}) or {}
    if not docs:
        return None
    lines = [catalogue.counts_line(docs)]
    keys = catalogue.designs_asked(query)
    citations: list[Citation] = []
    used: list = []
    if keys is not None:
        ids = catalogue.matching(docs, keys)
        if not ids:
            lines.append("None of them is of the kind asked about.")
        else:
            lines.append(f"Of the kind asked about ({len(ids)}):")
        for doc_id in ids[: max(limit, 10)]:
            doc = docs[doc_id]
            first = next((chunks[c] for c in doc.chunk_ids if c in chunks), None)
            if first is None:
                continue
            cite = Citation.from_chunk(len(citations) + 1, first)
            cite.card = cards.get(doc_id)
            citations.append(cite)
            used.append(first)
            label = cards[doc_id].label() if doc_id in cards else doc.title
            lines.append(f"- {label}: “{doc.title}” {cite.tag()}")
        if len(ids) > max(limit, 10):
            lines.append(f"- and {len(ids) - max(limit, 10)} more")
    return Composed("\n".join(lines), citations), _cited(used)


def audit_answer(query: str, snapshot: Any, cards: dict[str, StudyCard], limit: int) -> tuple[Composed, list] | None:
    """ "What did the article get wrong?": the claim audit's counts, then its worst findings, each quoting the article's
    claim [n] and the reason with the study it quotes [m] (``chatbot.answer.audit_summary``). None without an audit."""
    try:
        audit = snapshot.audit()
    except (OSError, ValueError):
        return None
    chunks = getattr(snapshot, "chunks", {}) or {}
    if audit is None or not audit.claims:
        return None
    topic = topic_of(query)
    cites: dict[str, Citation] = {}
    used: list = []

    def cite(chunk) -> Citation:
        if chunk.doc_id not in cites:
            cites[chunk.doc_id] = Citation.from_chunk(len(cites) + 1, chunk)
            cites[chunk.doc_id].card = cards.get(chunk.doc_id)
        else:
            cites[chunk.doc_id].add_passage(chunk)
        if chunk not in used:
            used.append(chunk)
        return cites[chunk.doc_id]

    lines = [counts_line(audit, topic, topic_words(query, topic))]
    wanted = findings_wanted(query)
    worst = flagged_claims(audit, topic, limit, wanted)
    if not worst and wanted == ("supported",):
        lines.append("None of them is stated by a study.")
    elif not worst:
        lines.append("None of them is contradicted by the studies, disputed between them, or carried over from other conditions.")
    for claim in worst:
        place = chunks.get(claim.chunk_id or "")
        if place is None:
            continue
        at = cite(place)
        at.cited_sentences.append(claim.text)
        numbers = cited_numbers(claim.reason)
        number_of: dict[int, Citation] = {}
        for k, ev in enumerate(claim.evidence, 1):
            chunk = chunks.get(ev.chunk_id or "")
            if chunk is None or int(ev.n or k) not in numbers:
                continue
            number_of[int(ev.n or k)] = c = cite(chunk)
            if ev.text and ev.text not in c.cited_sentences:
                c.cited_sentences.append(ev.text)
        lines.append(f"- “{claim.text}” {at.tag()}: {claim.finding.replace('_', ' ').upper()}, {cite_reason(claim.reason, claim, number_of)}")
    return Composed("\n".join(lines), sorted(cites.values(), key=lambda c: c.n)), _cited(used)


def with_provenance(query: str, named: str | None, composed: Composed, snapshot: Any) -> Composed:
    """Who wrote or published the document the question is about, from the store's record of it, said first (no
    passage says it, so the composer alone refused "Who published the article?")."""
    documents = _documents(snapshot)
    doc_id = which_document(query, documents, named)
    doc = documents.get(doc_id) if doc_id else None
    chunks = getattr(snapshot, "chunks", {}) or {}
    first = next((chunks[c] for c in (doc.chunk_ids if doc else []) if c in chunks), None)
    if doc is None or first is None:
        return composed
    citations = [] if composed.refused else list(composed.citations)
    cite = next((c for c in citations if c.doc_id == doc_id), None)
    if cite is None:
        cite = Citation.from_chunk(max((c.n for c in citations), default=0) + 1, first)
        citations.append(cite)
    line = describe(doc, cite)
    if composed.refused:
        return Composed(line, citations, refused=False)
    return Composed(f"{line}\n\n{composed.text}", citations, refused=False, findings=composed.findings)
