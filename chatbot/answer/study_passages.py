"""Passages joining the retrieved ones: a study's own, or the article's.

Why: retrieval ranks chunks, but answers quote documents. Two cases need a study's other chunks:
the question cites a study by author and year (authors are not indexed text, so retrieval alone
returns other trials), and retrieval found a study only through its source note ("Read from the
abstract … This is a rat study."), a chunk with nothing to quote: the study is relevant, the chunk
is not what it found. And "What does the article claim about sleep onset?" retrieved the article's introduction
(it says "article") and studies' results, but not what the article says about sleep onset, so the answer never
quoted the article it was asked about.
"""

from __future__ import annotations


from chatbot.answer.deterministic import candidates
from chatbot.answer.intent import article_topic, asks_what_the_article_says


def with_study(passages: list, doc_id: str, retriever, k: int) -> list:
    """The retrieved passages plus, when none of them is from the study ``doc_id``, that study's first
    ``k`` chunks: "What dose did Abbasi use?" must be answered from Abbasi."""
    if any(p.chunk.doc_id == doc_id for p in passages):
        return passages
    return passages + _study_passages(doc_id, retriever, len(passages), k)


def past_notes(passages: list, cards, retriever, per_doc: int) -> list:
    """The passages plus, for each literature passage with nothing quotable (its sentences are source notes:
    ``deterministic.candidates`` finds none) ranked above every passage with something to quote, up to ``per_doc``
    other chunks of the same study that have something to quote. "Obviously the rat study proves X, so why bother?"
    retrieved the rat study first by its note "This is a rat study." and nothing it reports, and the answer refused.
    A note ranked below a quotable passage joins nothing: "How much does the product cost?" found a trial's note by
    the word "product" (third, after two article passages), and the trial's results then answered a question no
    document answers."""
    from chatbot.retrieval import Passage

    present = {p.chunk.chunk_id for p in passages}
    out = list(passages)
    for p in sorted(passages, key=lambda p: p.rank):
        if candidates([p], cards):
            break  # only notes ranked above everything quotable: retrieval was surest of the study, not of a word
        if p.chunk.role != "literature":
            continue
        more = [q for q in _study_passages(p.chunk.doc_id, retriever, len(out), len(retriever.snapshot.chunks)) if q.chunk.chunk_id not in present]
        more = [q for q in more if candidates([q], cards)][:per_doc]
        present |= {q.chunk.chunk_id for q in more}
        out += [Passage(q.chunk, 0.0, len(out) + i + 1, extra={"joined": "past_note"}) for i, q in enumerate(more)]
    return out


def _study_passages(doc_id: str, retriever, start: int, k: int) -> list:
    from chatbot.retrieval import Passage

    snap = retriever.snapshot
    doc = snap.documents().get(doc_id)  # the manifest lists a document's chunks: no pass over the corpus
    chunks = [snap.chunks[cid] for cid in (doc.chunk_ids if doc else []) if cid in snap.chunks][:k]
    return [Passage(c, 0.0, start + i + 1) for i, c in enumerate(chunks)]


def with_article(question: str, passages: list, retriever, k: int) -> list:
    """The passages plus the article's ``k`` best on the question's topic (its asking words dropped, so "article"
    does not pull the article's introduction), when the question asks what the article says."""
    if not asks_what_the_article_says(question):
        return passages
    from chatbot.retrieval import Filters, Passage

    topic = article_topic(question)
    if not topic:
        return passages
    present = {p.chunk.chunk_id for p in passages}
    found = [p for p in retriever.search(topic, k=k, filters=Filters(role="article")) if p.chunk.chunk_id not in present]
    return passages + [Passage(p.chunk, 0.0, len(passages) + i + 1, extra={"joined": "article"}) for i, p in enumerate(found)]
