"""The one entry point the CLI, the app and the evals call to answer a question.

Why a service layer: retrieval, follow-up rewriting, claim verdicts, audit flags and timing must
happen the same way whichever answerer (deterministic or LLM) and whichever front end is used.
``stream_answer`` returns an ``AnswerStream``: iterate it for text pieces as they are produced, then
``.record()`` gives the finished ``AnswerRecord`` (the checked text replaces what was streamed);
``answer_question`` is the same without streaming. The record holds no presentation text: the
claim check and the audit flags are data, rendered by ``chatbot.render_text`` or the app.
Steps, in order: retrieve → check the question as a claim → quote the passages
(``_compose_quotes``) → the direct lead and what no study covers (``_draft``) → tie the claim
check to the sources (``_attach_verdict``) → an LLM writes and is checked (``_llm_pieces``) →
audit flags on the cited article passages → the record.
``AnswerService`` binds the parts (retriever, auditor, verifier) ``services.Services`` wires, and
is what front ends hold. Without an ``auditor`` answers carry no flags or verdicts; without a
``verifier`` an LLM's sentences are checked by overlap.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Iterable
from dataclasses import dataclass, field
from typing import Any

from core.audit_report import ClaimFlag, VerdictRecord
from core.cards import StudyCard, load_cards
from core.contracts import AnswerRecord, AnswerStream, Citation, ClaimCheck, Verdict
from core.domain import profile_for
from core.lexical import tokenize
from core.protocols import Auditor, Retriever, Verifier
from core.settings import Settings

from chatbot.answer import audit_adapter
from chatbot.answer.audit_summary import asks_about_the_article
from chatbot.answer import catalogue, records, ties
from chatbot.answer.bibliography import asks_bibliographic
from chatbot.answer.conversation import standalone_query, strip_frames
from chatbot.answer.deterministic import ARTICLE_HEADING, EMPTY_STORE, REFUSAL, STUDIES_HEADING, Composed, compose, overview
from chatbot.answer.sentences import query_terms
from chatbot.answer.study_passages import past_notes, with_article, with_study
from chatbot.answer.intent import read_intent
from chatbot.answer.lead import compose_lead, coverage_gaps, named_studies, named_study
from chatbot.answer.coverage import off_topic_message, topic_coverage
from chatbot.scope import closest_heading, corpus_vocabulary, corrected_spelling, gap_message, missing_terms, premise_only, quoted

DETERMINISTIC = {None, "", "deterministic", "none", "extractive"}
NEAREST_HEADING = "What the corpus has nearest to the question (none of it answers it):"


def _ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1e3


def _n_docs(snapshot) -> int:
    docs = getattr(snapshot, "documents", None)
    if callable(docs):
        return len(docs())
    return len({c.doc_id for c in (getattr(snapshot, "chunks", None) or {}).values()})


_CARDS: dict[str, dict[str, StudyCard]] = {}


def snapshot_cards(snapshot) -> dict[str, StudyCard]:
    """The study cards stored with a store version (read once per version folder; none for a store without them)."""
    path = getattr(snapshot, "path", None)
    if path is None:
        return {}
    key = str(path)
    if key not in _CARDS:
        if len(_CARDS) > 8:
            _CARDS.clear()
        _CARDS[key] = load_cards(path)
    return _CARDS[key]


def _without(body: str, used: list[str]) -> str:
    """The quoted sentences minus those the lead already quotes (and headings left with nothing under them)."""
    if not used:
        return body
    lines = [ln for ln in body.split("\n") if not any(ln.startswith(f"- {u.rstrip('.')}") and " [" in ln[len(u) - 2 :] for u in used)]
    out: list[str] = []
    for i, ln in enumerate(lines):
        if ln in (ARTICLE_HEADING, STUDIES_HEADING) and not (i + 1 < len(lines) and lines[i + 1].startswith("- ")):
            continue
        out.append(ln)
    return "\n".join(out).strip("\n")


def _answer_named_study(card, question, query, passages, cards, composed, retriever, s, intent, profile) -> tuple[Composed, list]:
    """ "What did the Walker 2003 study find?" names a study and nothing else: retrieval need not find it
    (authors are not indexed text) and the composer finds no sentence close enough, so it refuses. The
    question cites ``card`` (``lead.named_study``): answer from that study's passages, scored against
    the question plus the study's own title; its passages join the retrieved ones. Otherwise the
    refusal stands."""
    passages = with_study(passages, card.doc_id, retriever, s.retrieval.k)
    own = [p for p in passages if p.chunk.doc_id == card.doc_id]
    again = compose(
        question,
        own,
        retriever.embeddings,
        cfg=s.compose,
        query=f"{query} {card.title}".strip(),
        cards=cards,
        intent=intent,
        units=tuple(profile.dose_units),
        boilerplate=tuple(profile.boilerplate),
    )
    if again.refused and _only_names(query, card):  # "Tell me about the Smith trial": its results and conclusions
        whole = with_study([], card.doc_id, retriever, len(retriever.snapshot.chunks))
        again = overview(whole, cards, min(3, s.compose.max_sentences))
        passages = passages + [p for p in whole if p.chunk.chunk_id not in {q.chunk.chunk_id for q in passages}]
    return (composed if again.refused else again), passages


# what a question that only names a study asks for: its findings in general
_NAMING = frozenset(
    tokenize("study trial review paper analysis meta-analysis conclude concluded conclusion find found findings show showed result results tell about report")
)


def _only_names(question: str, card: StudyCard) -> bool:
    """The question's words, beyond asking words, only name the study (its authors, year, design, title words)."""
    own = set(tokenize(f"{' '.join(card.authors)} {card.year or ''} {card.design} {card.title}"))
    return not (set(query_terms(question)) - own - _NAMING)


def _attach_verdict(verdict: VerdictRecord, citations: list[Citation], retriever) -> tuple[ClaimCheck, list[Citation]]:
    """Verdict evidence becomes numbered citations too (one number per document), so the claim check is checkable."""
    by_doc = {c.doc_id: c for c in citations}
    chunks = getattr(retriever.snapshot, "chunks", {}) or {}
    cards = snapshot_cards(retriever.snapshot)
    numbers: list[int] = []
    quoted: list[int] = []  # numbers of the evidence the reason quotes
    mapping: dict[int, int] = {}
    quotes = _quotes(verdict)
    for k, ev in enumerate(verdict.evidence, 1):
        chunk = chunks.get(ev.chunk_id)
        if chunk is None:
            continue
        cit = by_doc.get(chunk.doc_id)
        if cit is None:
            cit = Citation.from_chunk(max([c.n for c in citations], default=0) + 1, chunk)
            cit.card = cards.get(chunk.doc_id)
            citations.append(cit)
            by_doc[chunk.doc_id] = cit
        else:
            cit.add_passage(chunk)
        if ev.text and ev.text not in cit.cited_sentences:
            cit.cited_sentences.append(ev.text)
        mapping[int(ev.n or k)] = cit.n
        if cit.n not in numbers:
            numbers.append(cit.n)
        if any(q in _squash(ev.text) for q in quotes) and cit.n not in quoted:
            quoted.append(cit.n)
        if len(numbers) >= 4:
            break
    # the check quotes one study's sentence: it cites that study; the rest of the evidence stays in ``verdict``
    return ClaimCheck(verdict, quoted or numbers, mapping), citations


def _squash(text: str) -> str:
    return " ".join(text.split()).lower()


def _quotes(verdict: VerdictRecord) -> list[str]:
    """The openings of the sentences a verdict's first reason quotes (“…”), to find which evidence they come from."""
    import re

    reason = verdict.reason or next(iter(verdict.reasons), "")
    return [_squash(q.rstrip("…. "))[:60] for q in re.findall(r"“([^”]{20,})”", reason)]


def _resolve_answerer(answerer: Any, settings: Settings):
    """None for deterministic, else a LangChain chat model (an instance passes through: tests, app)."""
    if isinstance(answerer, str) or answerer is None:
        if answerer in DETERMINISTIC:
            return None
        from chatbot.answer.llm import get_chat_model

        return get_chat_model(settings, answerer)
    return answerer


@dataclass
class _Quotes:
    """What the retrieval and the deterministic composer found for one question (steps 1–3)."""

    passages: list
    composed: Composed
    gaps: list[str]  # question words no document mentions
    cards: dict[str, StudyCard]
    profile: Any
    store_empty: bool
    from_records: bool = False  # answered from the store's records (a document's provenance, the claim audit): no lead, no flags
    note: str = ""  # said before anything else: the premise the corpus cannot confirm
    off_topic: str = ""  # the cited documents are only neighbours of the question's topic (chatbot.answer.coverage)


def _compose_quotes(question: str, query: str, passages: list, intent, s: Settings, retriever: Retriever) -> _Quotes:
    """Quote the passages (the deterministic composer), answering a study cited by author from its own
    passages, and saying first what the question names that no document mentions."""
    store_empty = not getattr(retriever.snapshot, "chunks", None)
    gaps = [] if store_empty else missing_terms(query, retriever.snapshot, s.embedding_model)
    cards = {} if store_empty else snapshot_cards(retriever.snapshot)
    profile = profile_for(retriever.snapshot, s)
    cited = named_study(query, list(cards.values())) if cards else None  # a study cited by author (and year)
    missed = cited is not None and not any(p.chunk.doc_id == cited.doc_id for p in passages)
    named = cited if missed else None  # retrieval found it: the question's own words choose the sentences
    if named is not None:  # not found: its passages join, and its title says what the bare citation is about
        passages = with_study(passages, named.doc_id, retriever, s.retrieval.k)
    if cards:  # a study found by its source note alone ("This is a rat study."): what it reports joins
        passages = past_notes(passages, cards, retriever, s.retrieval.max_per_doc)
    if not store_empty:  # "What does the article claim about X?": the article's passages on X join
        passages = with_article(query, passages, retriever, s.retrieval.max_per_doc)
    composed = compose(
        question,
        passages,
        retriever.embeddings,
        cfg=s.compose,
        query=f"{query} {named.title}".strip() if named is not None else query,
        store_empty=store_empty,
        cards=cards,
        intent=intent,
        units=tuple(profile.dose_units),
        boilerplate=tuple(profile.boilerplate),
    )
    if composed.refused and cited is not None and not gaps:
        composed, passages = _answer_named_study(cited, question, query, passages, cards, composed, retriever, s, intent, profile)
    elif composed.refused and cards and not gaps:  # "What did the 2017 review conclude?" with three reviews of 2017: each one
        composed, passages = _answer_several_studies(query, passages, cards, composed, retriever, s)
    note = ""
    if gaps and not composed.refused and composed.citations and premise_only(query, gaps):
        # "Since glycine is a sedative drug, how much did it …?": the missing word only describes the subject in the
        # question's premise; the corpus cannot confirm the premise, and the question itself is answered
        note = f"{gap_message(gaps, _n_docs(retriever.snapshot)).split(', so')[0]}, so the corpus cannot confirm the question's premise."
        gaps = []
    if gaps:  # the question names something no document mentions: say so first, and answer nothing
        # about it; what the corpus has on the rest of the question follows, labelled as such
        head = gap_message(gaps, _n_docs(retriever.snapshot), question=query)
        if composed.refused or not composed.citations:
            composed = Composed(head, [], refused=True)
        else:
            composed = Composed(f"{head}\n\n{closest_heading(gaps)}\n\n{composed.text}", composed.citations, refused=True)
    from_records = False
    off_topic = ""
    if not gaps and not store_empty:
        composed, passages, from_records = _from_records(query, cited, composed, passages, cards, retriever, s)
        if not composed.refused and not from_records:
            composed, off_topic = _off_topic(query, composed, passages, retriever, s)
        if not composed.refused and not from_records:
            note = " ".join(x for x in (note, _only_in_the_article(query, retriever, s, profile)) if x)
    return _Quotes(passages, composed, gaps, cards, profile, store_empty, from_records, note, off_topic)


def _off_topic(query: str, composed: Composed, passages: list, retriever: Retriever, s: Settings) -> tuple[Composed, str]:
    """(composed, what was said): when every document retrieved is only a neighbour of the question's topic, the answer
    says so first and what follows is labelled as only the closest. Two readings must agree for every document the
    reranker scored and every cited one: it carries too little of the question's IDF-weighted topic words
    (``chatbot.answer.coverage``) *and* the reranker scores none of its passages as relevant. Either reading alone, or
    the cited documents alone, refused answerable questions (see the settings). Where the search did not rerank (the
    machine affords no reordering: ``chatbot.rerank_budget``) the passages are scored here, and only when the words
    already look off-topic; without a reranker at all (reranking off) the answer stands."""
    c = s.compose
    if c.min_topic_coverage <= 0 or not composed.citations:
        return composed, ""
    best = _rerank_logits(passages)
    cov = topic_coverage(query, [*(x.doc_id for x in composed.citations), *(best or (p.chunk.doc_id for p in passages))], retriever.snapshot)
    if cov.score >= c.min_topic_coverage or not cov.missing:
        return composed, ""
    best = best or _rerank_logits(passages, query, getattr(retriever, "reranker", None))
    if not best or max(best.values()) >= c.off_topic_rerank_logit:
        return composed, ""
    head = off_topic_message(cov)
    heading = closest_heading(list(cov.absent[:3])) if cov.absent else NEAREST_HEADING
    return Composed(f"{head}\n\n{heading}\n\n{composed.text}", composed.citations, refused=True), head


def _rerank_logits(passages: list, query: str = "", reranker=None) -> dict[str, float]:
    """Each document's best reranker logit: from the search's own scores, or (given ``reranker``) scored now."""
    if reranker is not None and passages and hasattr(reranker, "scores"):
        logits = list(reranker.scores(query, [f"{p.chunk.title}\n{p.chunk.text}" for p in passages]))
    else:
        logits = [p.extra.get("rerank_score") for p in passages]
    best: dict[str, float] = {}
    for p, x in zip(passages, logits):
        if x is not None:
            best[p.chunk.doc_id] = max(best.get(p.chunk.doc_id, float("-inf")), float(x))
    return best


def _only_in_the_article(query: str, retriever: Retriever, s: Settings, profile) -> str:
    """The question's specific terms that the article uses and no study mentions ("PEPT1"), said first: where the
    article and the literature part, a reader asking about the claim should know that no study can speak to it."""
    chunks = getattr(retriever.snapshot, "chunks", None) or {}
    if not any(c.role == "literature" for c in chunks.values()):
        return ""
    terms = missing_terms(query, retriever.snapshot, s.embedding_model, role="literature")
    # a term the studies name in other words (the corpus profile's synonyms: "gastrointestinal" → "diarrhoea",
    # "adverse events") is no divergence: "no study mentions gastrointestinal" would read as "no study looked"
    said = corpus_vocabulary(retriever.snapshot, "literature")
    synonyms = profile.synonyms  # the corpus profile the answer already read
    terms = [t for t in terms if not any(t.lower().startswith(k.lower()) and set(tokenize(v)) & said for k, v in synonyms.items())]
    if not terms:
        return ""
    return f"No study or other literature document in the corpus mentions {quoted(terms)}; only the article does."


def _answer_several_studies(query: str, passages: list, cards, composed: Composed, retriever: Retriever, s: Settings) -> tuple[Composed, list]:
    """A citation that fits several studies and asks nothing more ("What did the 2017 review conclude?" with three
    reviews of 2017): what each reports and concludes. Otherwise the refusal stands."""
    several = named_studies(query, list(cards.values()))
    if not (1 < len(several) <= s.compose.max_sentences and all(_only_names(query, c) for c in several)):
        return composed, passages
    whole = [p for c in several for p in with_study([], c.doc_id, retriever, len(retriever.snapshot.chunks))]
    again = overview(whole, cards, s.compose.max_sentences)
    if again.refused:
        return composed, passages
    labels = ", ".join(c.label() for c in several)
    return Composed(f"{len(several)} studies fit the question ({labels}); what each reports and concludes:\n\n{again.text}", again.citations), passages + whole


def _from_records(query: str, cited, composed: Composed, passages: list, cards, retriever: Retriever, s: Settings) -> tuple[Composed, list, bool]:
    """(composed, passages, answered from records): who wrote or published a document, which studies the corpus holds,
    or what the article got wrong, answered from the store's records (``chatbot.answer.records``) when asked."""
    if asks_bibliographic(query):
        with_it = records.with_provenance(query, cited.doc_id if cited is not None else None, composed, retriever.snapshot)
        return with_it, passages, with_it is not composed
    if ties.asks_ties(query):
        got = records.ties_answer(query, retriever.snapshot, cards, s.compose.max_sentences)
    elif catalogue.asks_what_the_documents_are(query):
        got = records.digests_answer(retriever.snapshot, cards, s.compose.max_sentences)
    elif catalogue.asks_catalogue(query):
        got = records.catalogue_answer(query, retriever.snapshot, cards, s.compose.max_sentences)
    elif asks_about_the_article(query):
        got = records.audit_answer(query, retriever.snapshot, cards, s.compose.max_sentences)
    else:
        got = None
    return (got[0], got[1], True) if got is not None else (composed, passages, False)


@dataclass
class _Draft:
    """The answer before an LLM (if any) writes it: the direct lead, the quoted body and what the corpus lacks."""

    lead: str
    used: list[str]  # sentences the lead quotes (left out of the body)
    lead_gaps: list[str]
    body: str
    citations: list[Citation]
    refused: bool
    uncovered: list[str]
    refuse: bool  # the question is about something no study includes


def _draft(question: str, query: str, intent, q: _Quotes, verdict: VerdictRecord | None, s: Settings, retriever: Retriever, deterministic: bool) -> _Draft:
    """The direct lead composed from the study cards, and the body with what no study covers said first."""
    direct = (
        compose_lead(
            question,
            intent,
            q.composed,
            q.passages,
            q.cards,
            q.profile,
            verdict,
            getattr(retriever.snapshot, "chunks", None),
            query=query,
            focus_margin=s.compose.focus_margin,
        )
        if not q.gaps and not q.off_topic and not q.from_records and deterministic
        else None
    )
    body, refused = q.composed.text, q.composed.refused
    uncovered, refuse = coverage_gaps(question, q.cards, q.profile) if not q.gaps and not q.off_topic and not q.store_empty else ([], False)
    if q.off_topic:  # said at the head of the body already (_off_topic)
        uncovered, refuse = [q.off_topic], True
    elif refuse:  # about something no study includes: said first; what follows is only the closest (and no LLM improvises on it)
        if not refused:
            body = f"{NEAREST_HEADING}\n\n{body}"
        if not (direct is not None and uncovered[0] in direct.text):
            body = f"{' '.join(uncovered)}\n\n{body}"
        refused = True
    lead = direct.text if direct is not None and direct.text else ""
    if q.note:
        lead = f"{q.note}\n\n{lead}".strip()
    if lead and direct is not None:
        body = _without(body, direct.used)
    return _Draft(
        lead=lead,
        used=list(direct.used) if lead else [],
        lead_gaps=list(direct.gaps) if direct and direct.gaps else [],
        body=body,
        citations=q.composed.citations,
        refused=refused,
        uncovered=list(uncovered),
        refuse=refuse,
    )


@dataclass
class _Written:
    """An LLM's checked answer (or the draft, when it may not write)."""

    body: str
    citations: list[Citation]
    refused: bool
    unsupported: list[str] = field(default_factory=list)


def _llm_pieces(model, question: str, query: str, q: _Quotes, d: _Draft, s: Settings, retriever: Retriever, verifier, timings: dict[str, float]):
    """Stream the model's tokens, then check its sentences against the passages (a generator that returns ``_Written``)."""
    from chatbot.answer.llm import build_messages, check_answer, stream_tokens

    t = time.perf_counter()
    raw = []
    for tok in stream_tokens(model, build_messages(question, q.passages, query, q.cards)):
        raw.append(tok)
        yield tok
    timings["compose"] = _ms(t)
    t = time.perf_counter()
    checked = check_answer("".join(raw), q.passages, retriever.embeddings, s, verifier=verifier)
    timings["verify"] = timings.get("verify", 0.0) + _ms(t)
    if checked.no_answer:
        return _Written(REFUSAL, [], True, checked.unsupported)
    return _Written(checked.text, checked.citations, d.refused, checked.unsupported)


def _refused(w: _Written, d: _Draft, check: ClaimCheck | None, verdict: VerdictRecord | None, flags: list[ClaimFlag]) -> bool:
    """Whether the answer declines: the draft or the LLM did, unless a claim check with evidence answers it;
    always when the question is about something no study includes."""
    refused = w.refused
    has_lead = check is not None or bool(d.lead)
    if has_lead and verdict is not None and verdict.verdict not in ("", Verdict.no_evidence):
        refused = False
    refused = refused or d.refuse
    bare = not has_lead and not any(f.claim and f.verdict for f in flags)  # nothing but the body would be said
    return refused or (bare and w.body in (REFUSAL, EMPTY_STORE))


def _pieces(
    question: str, history, k, filters, answerer, s: Settings, retriever: Retriever, auditor: Auditor | None, verifier: Verifier | None
) -> Generator[str, None, AnswerRecord]:
    """The answer's text pieces as they are produced; returns the ``AnswerRecord``."""
    t_total = time.perf_counter()
    model = _resolve_answerer(answerer, s)
    timings: dict[str, float] = {}
    query = standalone_query(question, history)
    if getattr(retriever.snapshot, "chunks", None):  # a misspelt word retrieves nothing: the corpus's spelling is searched
        query = corrected_spelling(query, retriever.snapshot, s.embedding_model)

    t = time.perf_counter()
    passages = retriever.search(query, k=k, filters=filters)
    timings["retrieve"] = _ms(t)

    t = time.perf_counter()
    asked = strip_frames(question)  # without the role, manner or form asked for: "Write a tweet about X" checks X
    intent = read_intent(asked)
    # a yes/no question asserting a strong claim ("does X cure Y?") is checked as a claim, whatever the auditor's own test says
    claim_like = (
        auditor is not None
        and not asks_about_the_article(asked)  # "is the article accurate?" is answered from the audit, not checked as a claim
        and (intent.strong_claim or audit_adapter.looks_like_claim(auditor, asked))
    )
    verdict = audit_adapter.check_claim(auditor, asked, retriever) if claim_like else None
    timings["verify"] = _ms(t)

    t = time.perf_counter()
    q = _compose_quotes(question, query, passages, intent, s, retriever)
    d = _draft(question, query, intent, q, verdict, s, retriever, deterministic=model is None)
    citations = d.citations
    check = None
    if verdict is not None and not q.store_empty and not q.gaps and not q.off_topic:
        check, citations = _attach_verdict(verdict, citations, retriever)
    if d.lead:
        yield d.lead + "\n\n"
    if model is None or d.refused or q.from_records:  # nothing relevant retrieved, or the store's records answer: no model improvises
        yield d.body
        timings["compose"] = _ms(t)
        written = _Written(d.body, citations, d.refused)
    else:
        written = yield from _llm_pieces(model, question, query, q, d, s, retriever, verifier, timings)
        if check is not None:  # recompute verdict numbering against the LLM's citation numbers
            check, written.citations = _attach_verdict(verdict, written.citations, retriever)
        citations = written.citations

    t = time.perf_counter()
    cited_ids = {cid for c in citations for cid in (c.chunk_ids or [c.chunk_id])}
    # an answer from the records cites the article's passage as a place, not as what the answer quotes: no flags
    flags = [] if q.from_records else audit_adapter.flags_for(auditor, retriever, [p for p in q.passages if p.chunk.chunk_id in cited_ids])
    timings["verify"] += _ms(t)
    timings["total"] = _ms(t_total)
    return AnswerRecord(
        question=question,
        body=written.body,
        citations=sorted(citations, key=lambda c: c.n),
        unsupported_sentences=written.unsupported,
        flags=flags,
        verdict=verdict,
        timings_ms=timings,
        answerer="deterministic" if model is None else _model_label(model),
        refused=_refused(written, d, check, verdict, flags),
        query=query,
        lead=d.lead,
        statements=list(q.composed.findings) if model is None else [],
        gaps=d.lead_gaps or d.uncovered,
        claim_check=check,
    )


def _model_label(model) -> str:
    from chatbot.answer.llm import model_name

    return model_name(model)


def stream_answer(
    question: str,
    history: Iterable[Any] | None = None,
    k: int | None = None,
    filters=None,
    answerer: Any = "deterministic",
    *,
    settings: Settings,
    retriever: Retriever,
    auditor: Auditor | None = None,
    verifier: Verifier | None = None,
) -> AnswerStream:
    """The answer as it is produced: iterate for text pieces, then ``.record()`` for the ``AnswerRecord``.

    Raises (while iterating) ``core.errors.LLMUnavailableError`` when the chosen LLM backend is not installed.
    """
    return AnswerStream(_pieces(question, history, k, filters, answerer, settings, retriever, auditor, verifier))


def answer_question(
    question: str,
    history: Iterable[Any] | None = None,
    k: int | None = None,
    filters=None,
    answerer: Any = "deterministic",
    *,
    settings: Settings,
    retriever: Retriever,
    auditor: Auditor | None = None,
    verifier: Verifier | None = None,
) -> AnswerRecord:
    """Answer with numbered citations (see ``stream_answer`` for errors raised)."""
    return stream_answer(question, history, k, filters, answerer, settings=settings, retriever=retriever, auditor=auditor, verifier=verifier).record()


@dataclass
class AnswerService:
    """The answerer front ends hold (the ``Answerer`` protocol): one retriever (one store
    version) with the claim auditor and verifier that check what is said."""

    settings: Settings
    retriever: Retriever
    auditor: Auditor | None = None
    verifier: Verifier | None = None

    def stream(self, question: str, history: Iterable[Any] | None = None, k: int | None = None, filters=None, answerer: Any = "deterministic") -> AnswerStream:
        return stream_answer(
            question, history, k, filters, answerer, settings=self.settings, retriever=self.retriever, auditor=self.auditor, verifier=self.verifier
        )

    def answer(self, question: str, history: Iterable[Any] | None = None, k: int | None = None, filters=None, answerer: Any = "deterministic") -> AnswerRecord:
        return answer_question(
            question, history, k, filters, answerer, settings=self.settings, retriever=self.retriever, auditor=self.auditor, verifier=self.verifier
        )
