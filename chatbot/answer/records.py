"""Answers from the store's records, for questions no passage answers: who wrote or published a document (its
manifest record), which studies the corpus holds (the documents' designs), what the article got wrong (the claim
audit), and who funded a study or employs its authors (the digests' source notes). Each returns the composed text with
its citations, and the passages it cites, or None (the composer's answer stands) when the store lacks the record. The
question forms are read in ``bibliography``, ``catalogue``, ``audit_summary`` and ``ties``; ``service._compose_quotes``
decides which applies.
"""

from __future__ import annotations

from typing import Any

from core.lexical import tokenize

from chatbot.answer import catalogue, ties
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


class _Citing:
    """One citation number per document, in the order the answer first cites it, and the chunks cited."""

    def __init__(self, cards: dict[str, StudyCard]):
        self.cards = cards
        self.by_doc: dict[str, Citation] = {}
        self.chunks: list = []

    def cite(self, chunk) -> Citation:
        cit = self.by_doc.get(chunk.doc_id)
        if cit is None:
            cit = self.by_doc[chunk.doc_id] = Citation.from_chunk(len(self.by_doc) + 1, chunk)
            cit.card = self.cards.get(chunk.doc_id)
        else:
            cit.add_passage(chunk)
        if chunk not in self.chunks:
            self.chunks.append(chunk)
        return cit

    def citations(self) -> list[Citation]:
        return sorted(self.by_doc.values(), key=lambda c: c.n)


def _first_chunk(doc, chunks: dict):
    """A document's first chunk in this store version (None when it has none)."""
    return next((chunks[c] for c in (doc.chunk_ids if doc else []) if c in chunks), None)


# the studies of the design asked for are listed up to this many (or the answer's sentence limit, if larger); the rest
# are counted
_LIST_AT_LEAST = 10


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
    citing = _Citing(cards)
    if keys is not None:
        ids = catalogue.matching(docs, keys)
        shown = max(limit, _LIST_AT_LEAST)
        lines.append(f"Of the kind asked about ({len(ids)}):" if ids else "None of them is of the kind asked about.")
        for doc_id in ids[:shown]:
            doc = docs[doc_id]
            first = _first_chunk(doc, chunks)
            if first is None:
                continue
            label = cards[doc_id].label() if doc_id in cards else doc.title
            lines.append(f"- {label}: “{doc.title}” {citing.cite(first).tag()}")
        if len(ids) > shown:
            lines.append(f"- and {len(ids) - shown} more")
    return Composed("\n".join(lines), citing.citations()), _cited(citing.chunks)


def digests_answer(snapshot: Any, cards: dict[str, StudyCard], limit: int) -> tuple[Composed, list] | None:
    """ "Are these summaries the full papers or just abstracts?": what the literature documents are, from their records
    (``chatbot.answer.catalogue.digests_line``), with the documents read from secondary copies cited. None when the
    store lists no literature."""
    docs = catalogue.literature(_documents(snapshot))
    if not docs:
        return None
    chunks = getattr(snapshot, "chunks", {}) or {}
    citing = _Citing(cards)
    lines = [catalogue.digests_line(docs)]
    second = [d for d, doc in docs.items() if (doc.meta or {}).get("digest_of") == "secondary-copy"]
    if second:
        lines.append("Read from secondary copies:")
        for doc_id in second[: max(limit, _LIST_AT_LEAST)]:
            first = _first_chunk(docs[doc_id], chunks)
            if first is not None:
                label = cards[doc_id].label() if doc_id in cards else docs[doc_id].title
                lines.append(f"- {label}: “{docs[doc_id].title}” {citing.cite(first).tag()}")
    return Composed("\n".join(lines), citing.citations()), _cited(citing.chunks)


_REAUDIT = "`python -m cli audit --refresh` computes it (about two minutes for the default article)."


def audit_answer(query: str, snapshot: Any, cards: dict[str, StudyCard], limit: int) -> tuple[Composed, list] | None:
    """ "What did the article get wrong?": the claim audit's counts, then its worst findings, each quoting the article's
    claim [n] and the reason with the study it quotes [m] (``chatbot.answer.audit_summary``). None without an audit."""
    try:
        audit = snapshot.audit()
    except (OSError, ValueError) as exc:  # a damaged audit.json: say so, and how to rebuild it, rather than refuse blindly
        how = "" if "audit --refresh" in str(exc) else f" {_REAUDIT}"
        return Composed(f"The store's claim audit, which would answer this, could not be read: {exc}.{how}", [], refused=True), []
    chunks = getattr(snapshot, "chunks", {}) or {}
    if audit is None and any(getattr(c, "role", "") == "article" for c in chunks.values()):
        return Composed(f"This store has no claim audit of the article yet. {_REAUDIT}", [], refused=True), []
    if audit is None or not audit.claims:
        return None
    topic = topic_of(query)
    citing = _Citing(cards)
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
        at = citing.cite(place)
        at.cited_sentences.append(claim.text)
        numbers = cited_numbers(claim.reason)
        number_of: dict[int, Citation] = {}
        for k, ev in enumerate(claim.evidence, 1):
            chunk = chunks.get(ev.chunk_id or "")
            if chunk is None or int(ev.n or k) not in numbers:
                continue
            number_of[int(ev.n or k)] = c = citing.cite(chunk)
            if ev.text and ev.text not in c.cited_sentences:
                c.cited_sentences.append(ev.text)
        lines.append(f"- “{claim.text}” {at.tag()}: {claim.finding.replace('_', ' ').upper()}, {cite_reason(claim.reason, number_of)}")
    return Composed("\n".join(lines), citing.citations()), _cited(citing.chunks)


def with_provenance(query: str, named: str | None, composed: Composed, snapshot: Any) -> Composed:
    """Who wrote or published the document the question is about, from the store's record of it, said first (no
    passage says it, so the composer alone refused "Who published the article?")."""
    documents = _documents(snapshot)
    doc_id = which_document(query, documents, named)
    doc = documents.get(doc_id) if doc_id else None
    chunks = getattr(snapshot, "chunks", {}) or {}
    first = _first_chunk(doc, chunks)
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


_TIES_NOTE = "the digests record only what the retrieved abstract or page showed."


def ties_answer(query: str, snapshot: Any, cards: dict[str, StudyCard], limit: int) -> tuple[Composed, list] | None:
    """ "Were the glycine studies industry funded?": the sentences of the digests that record a study's sponsor or its
    authors' affiliations, each cited, for the studies the question's topic words name (``chatbot.answer.ties``). None
    when the store lists no literature."""
    docs = catalogue.literature(_documents(snapshot))
    chunks = getattr(snapshot, "chunks", {}) or {}
    if not docs:
        return None
    words = ties.topic_words(query)

    def about(doc_id: str, doc) -> bool:
        card = cards.get(doc_id)
        text = f"{doc.title} {card.intervention.agent} {card.intervention.text} {card.population}" if card else doc.title
        return bool(words & set(tokenize(text)))

    named = [d for d, doc in docs.items() if about(d, doc)] if words else []
    citing = _Citing(cards)
    lines = _tie_lines(named, docs, chunks, cards, citing, max(limit, _LIST_AT_LEAST))
    what, said = f"the {len(named)} stud{'y' if len(named) == 1 else 'ies'} the question names", ""
    if not lines:  # none of the named ones records a tie (or none is named): what the whole corpus records
        said = f"None of {what} records a sponsor, funder or author affiliation in its digest.\n" if named else ""
        what = f"the corpus's {len(docs)} literature documents"
        lines = _tie_lines(list(docs), docs, chunks, cards, citing, max(limit, _LIST_AT_LEAST))
        if not lines:
            return Composed(f"None of {what} records a sponsor, funder or author affiliation in its digest; {_TIES_NOTE}", []), []
    head = f"{said}Sponsors and author affiliations the digests record, for {what} ({len(lines)} record one):"
    tail = f"A study not listed records none in its digest; {_TIES_NOTE}"
    return Composed("\n".join([head, *lines, tail]), citing.citations()), _cited(citing.chunks)


def _tie_lines(ids: list[str], docs: dict, chunks: dict, cards: dict[str, StudyCard], citing: _Citing, most: int) -> list[str]:
    """One cited line per study whose digest records a tie, newest first, at most ``most``."""
    lines: list[str] = []
    for doc_id in sorted(ids, key=lambda d: (-(docs[d].year or 0), d)):
        found = [(c, s) for c in (chunks[cid] for cid in docs[doc_id].chunk_ids if cid in chunks) for s in ties.tie_sentences(c.text, c.sentences)]
        if found and len(lines) < most:
            chunk, sentence = found[0]
            label = cards[doc_id].label() if doc_id in cards else docs[doc_id].title
            lines.append(f"- {label}: “{sentence}” {citing.cite(chunk).tag()}")
    return lines
