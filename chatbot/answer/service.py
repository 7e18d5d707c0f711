"""The one entry point the CLI, the app and the evals call to answer a question.

Why a service layer: retrieval, follow-up rewriting, claim verdicts, audit flags and timing must
happen the same way whichever answerer (deterministic or LLM) and whichever front end is used.
``stream_answer`` yields text pieces as they are produced and ends with the finished ``Answer``
(the checked text replaces what was streamed); ``answer_question`` is the same without streaming.
``AnswerService`` binds the parts (retriever, auditor, verifier) ``services.Services`` wires, and
is what front ends hold. Without an ``auditor`` answers carry no flags or verdicts; without a
``verifier`` an LLM's sentences are checked by overlap.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from core.audit_report import ClaimFlag, VerdictRecord
from core.cards import StudyCard, load_cards
from core.domain import profile_for
from core.protocols import Auditor, Retriever, Verifier
from core.settings import Settings, get_settings

from chatbot.answer import audit_adapter
from chatbot.answer.conversation import standalone_query
from chatbot.answer.deterministic import ARTICLE_HEADING, EMPTY_STORE, REFUSAL, STUDIES_HEADING, Composed, compose
from chatbot.answer.intent import read_intent
from chatbot.answer.lead import compose_lead, coverage_gaps, named_study
from chatbot.answer.types import Answer, Citation
from chatbot.scope import closest_heading, gap_message, missing_terms

DETERMINISTIC = {None, "", "deterministic", "none", "extractive"}
NEAREST_HEADING = "What the corpus has nearest to the question (none of it answers it):"
# heads the plain-text appendix of audit flags (the app draws ``Answer.flags`` as badges instead; the evals leave
# the appendix out of citation metrics: its lines are the audit's verdicts on article claims, not statements
# drawn from the cited passages)
FLAGS_HEADING = "Audit flags on the article passages cited above"


def _ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1e3


def _n_docs(snapshot) -> int:
    docs = getattr(snapshot, "documents", None)
    if callable(docs):
        return len(docs())
    return len({c.doc_id for c in (getattr(snapshot, "chunks", None) or {}).values()})


def _renumber(text: str, mapping: dict[int, int]) -> str:
    """A finding's reason cites its own evidence as [1], [2]…; in an answer those become the answer's citation numbers."""
    import re

    return re.sub(r"\[(\d+)\]", lambda m: f"[{mapping[int(m.group(1))]}]" if int(m.group(1)) in mapping else "", text)


def _verdict_line(verdict: VerdictRecord, numbers: list[int], mapping: dict[int, int] | None = None) -> str:
    label = (verdict.verdict if verdict.finding_inferred else verdict.finding or verdict.verdict).replace("_", " ").upper()
    conf = verdict.confidence
    head = f"Claim check: {label}" + (f" (confidence {float(conf):.2f})" if conf is not None else "")
    reasons = [str(r) for r in ([verdict.reason] if verdict.reason else []) + list(verdict.reasons) if r]
    first = _renumber(reasons[0], mapping or {}).rstrip(".") if reasons else ""
    marks = "".join(f"[{n}]" for n in numbers if f"[{n}]" not in first)  # a reason may already cite the study it quotes
    # the evidence numbers close the sentence they back (a trailing "Evidence: [1][2]" read as a sentence of its own)
    if first:
        return f"{head}. {first} {marks}.".replace(" .", ".") if marks else f"{head}. {first}."
    return f"{head} {marks}." if marks else f"{head}."


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


def _with_study(passages: list, doc_id: str, retriever, k: int) -> list:
    """The retrieved passages plus, when none of them is from the study the question cites by author and
    year, that study's first ``k`` chunks: "What dose did Abbasi use?" must be answered from Abbasi, and
    authors are not indexed text, so retrieval alone returns other trials' doses."""
    if any(p.chunk.doc_id == doc_id for p in passages):
        return passages
    from chatbot.retrieval import Passage

    snap = retriever.snapshot
    doc = snap.documents().get(doc_id)  # the manifest lists a document's chunks: no pass over the corpus
    chunks = [snap.chunks[cid] for cid in (doc.chunk_ids if doc else []) if cid in snap.chunks][:k]
    return passages + [Passage(c, 0.0, len(passages) + i + 1) for i, c in enumerate(chunks)]


def _answer_named_study(card, question, query, passages, cards, composed, retriever, s, intent, profile) -> tuple[Composed, list]:
    """ "What did the Walker 2003 study find?" names a study and nothing else: retrieval need not find it
    (authors are not indexed text) and the composer finds no sentence close enough, so it refuses. The
    question cites ``card`` (``lead.named_study``): answer from that study's passages, scored against
    the question plus the study's own title; its passages join the retrieved ones. Otherwise the
    refusal stands."""
    passages = _with_study(passages, card.doc_id, retriever, s.retrieval.k)
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
    return (composed if again.refused else again), passages


def _attach_verdict(verdict: VerdictRecord, citations: list[Citation], retriever) -> tuple[str, list[Citation]]:
    """Verdict evidence becomes numbered citations too (one number per document), so the lead line is checkable."""
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
    # the line quotes one study's sentence: it cites that study; the rest of the evidence stays in ``Answer.verdict``
    return _verdict_line(verdict, quoted or numbers, mapping), citations


def _squash(text: str) -> str:
    return " ".join(text.split()).lower()


def _quotes(verdict: VerdictRecord) -> list[str]:
    """The openings of the sentences a verdict's first reason quotes (“…”), to find which evidence they come from."""
    import re

    reason = verdict.reason or next(iter(verdict.reasons), "")
    return [_squash(q.rstrip("…. "))[:60] for q in re.findall(r"“([^”]{20,})”", reason)]


def _flag_lines(flags: list[ClaimFlag], citations: list[Citation]) -> list[str]:
    by_chunk = {c.chunk_id: c.n for c in citations}
    lines = []
    for f in flags:
        verdict = f.verdict.replace("_", " ")
        finding = (f.finding or f.verdict).replace("_", " ")
        if not f.claim or not verdict:
            continue
        n = by_chunk.get(f.passage_chunk_id)
        ref = f" [{n}]" if n else ""
        reasons = [f.reason] if f.reason else f.reasons
        # the reason's own [k] point into the audit's evidence list, not this answer's sources
        why = f": {_renumber(str(reasons[0]), {}).rstrip('.').replace('  ', ' ')}" if reasons else ""
        lines.append(f'- Audit flag ({finding.upper()}, verdict {verdict.upper()}): the article\'s claim "{f.claim.strip()}"{ref}{why}.')
    return lines


def _resolve_answerer(answerer: Any, settings: Settings):
    """None for deterministic, else a LangChain chat model (an instance passes through: tests, app)."""
    if isinstance(answerer, str) or answerer is None:
        if answerer in DETERMINISTIC:
            return None
        from chatbot.answer.llm import get_chat_model

        return get_chat_model(settings, answerer)
    return answerer


def stream_answer(
    question: str,
    history: Iterable[Any] | None = None,
    k: int | None = None,
    filters=None,
    answerer: Any = "deterministic",
    settings: Settings | None = None,
    retriever: Retriever | None = None,
    *,
    auditor: Auditor | None = None,
    verifier: Verifier | None = None,
) -> Iterator[str | Answer]:
    """Text pieces, then the final ``Answer`` as the last item.

    Raises ``core.errors.StoreMissingError`` when no store exists, and
    ``core.errors.LLMUnavailableError`` when the chosen LLM backend is not installed.
    """
    t_total = time.perf_counter()
    s = settings or get_settings()
    model = _resolve_answerer(answerer, s)
    if retriever is None:
        from chatbot.retrieval import get_retriever

        retriever = get_retriever(s)
    timings: dict[str, float] = {}
    query = standalone_query(question, history)

    t = time.perf_counter()
    passages = retriever.search(query, k=k, filters=filters)
    timings["retrieve"] = _ms(t)

    t = time.perf_counter()
    intent = read_intent(question)
    # a yes/no question asserting a strong claim ("does X cure Y?") is checked as a claim, whatever the auditor's own test says
    claim_like = auditor is not None and (intent.strong_claim or audit_adapter.looks_like_claim(auditor, question))
    verdict = audit_adapter.check_claim(auditor, question, retriever) if claim_like else None
    verify_ms = _ms(t)

    store_empty = not getattr(retriever.snapshot, "chunks", None)
    t = time.perf_counter()
    gaps = [] if store_empty else missing_terms(query, retriever.snapshot, s.embedding_model)
    cards = {} if store_empty else snapshot_cards(retriever.snapshot)
    profile = profile_for(retriever.snapshot, s)
    cited = named_study(query, list(cards.values())) if cards else None  # a study cited by author (and year)
    missed = cited is not None and not any(p.chunk.doc_id == cited.doc_id for p in passages)
    named = cited if missed else None  # retrieval found it: the question's own words choose the sentences
    if named is not None:  # not found: its passages join, and its title says what the bare citation is about
        passages = _with_study(passages, named.doc_id, retriever, s.retrieval.k)
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
    if gaps:  # the question names something no document mentions: say so first, and answer nothing
        # about it; what the corpus has on the rest of the question follows, labelled as such
        head = gap_message(gaps, _n_docs(retriever.snapshot))
        if composed.refused or not composed.citations:
            composed = Composed(head, [], refused=True)
        else:
            composed = Composed(f"{head}\n\n{closest_heading(gaps)}\n\n{composed.text}", composed.citations, refused=True)
    unsupported: list[str] = []
    direct = (
        compose_lead(
            question,
            intent,
            composed,
            passages,
            cards,
            profile,
            verdict,
            getattr(retriever.snapshot, "chunks", None),
            query=query,
            focus_margin=s.compose.focus_margin,
        )
        if not gaps and model is None
        else None
    )
    body, citations, refused = composed.text, composed.citations, composed.refused
    uncovered, refuse = coverage_gaps(question, cards, profile) if not gaps and not store_empty else ([], False)
    if refuse:  # about something no study includes: said first; what follows is only the closest (and no LLM improvises on it)
        if not refused:
            body = f"{NEAREST_HEADING}\n\n{body}"
        if not (direct is not None and uncovered[0] in direct.text):
            body = f"{' '.join(uncovered)}\n\n{body}"
        refused = True
    findings = list(composed.findings)
    name = "deterministic"
    lead = ""
    if verdict is not None and not store_empty and not gaps:
        lead, citations = _attach_verdict(verdict, citations, retriever)
    if direct is not None and direct.text:
        lead = f"{lead}\n\n{direct.text}" if lead else direct.text
        body = _without(body, direct.used)
    if model is None:
        if lead:
            yield lead + "\n\n"
        yield body
        timings["compose"] = _ms(t)
    else:
        name = _model_label(model)
        if lead:
            yield lead + "\n\n"
        if refused:  # nothing relevant retrieved: don't let the model improvise
            yield body
            timings["compose"] = _ms(t)
        else:
            from chatbot.answer.llm import build_messages, check_answer, stream_tokens

            raw = []
            for tok in stream_tokens(model, build_messages(question, passages, query, cards)):
                raw.append(tok)
                yield tok
            timings["compose"] = _ms(t)
            t = time.perf_counter()
            checked = check_answer("".join(raw), passages, retriever.embeddings, s, verifier=verifier)
            verify_ms += _ms(t)
            body, unsupported = checked.text, checked.unsupported
            if checked.no_answer:
                body, refused, citations = REFUSAL, True, []
            else:
                citations = checked.citations
            if verdict is not None and lead:  # recompute verdict numbering against the LLM's citation numbers
                lead, citations = _attach_verdict(verdict, citations, retriever)

    t = time.perf_counter()
    cited_ids = {cid for c in citations for cid in (c.chunk_ids or [c.chunk_id])}
    flags = audit_adapter.flags_for(auditor, retriever, [p for p in passages if p.chunk.chunk_id in cited_ids])
    verify_ms += _ms(t)
    text = body
    if lead:
        text = f"{lead}\n\n{body}"
        if verdict is not None and verdict.verdict not in ("", "no_evidence"):
            refused = False
    refused = refused or refuse
    flag_lines = _flag_lines(flags, citations)
    if flag_lines:
        text += f"\n\n{FLAGS_HEADING}\n" + "\n".join(flag_lines)
    timings["verify"] = verify_ms
    timings["total"] = _ms(t_total)
    yield Answer(
        question=question,
        answer=text,
        citations=sorted(citations, key=lambda c: c.n),
        unsupported_sentences=unsupported,
        flags=flags,
        verdict=verdict,
        timings_ms=timings,
        answerer=name,
        refused=refused or text in (REFUSAL, EMPTY_STORE),
        query=query,
        lead=lead,
        findings=findings if model is None else [],
        gaps=list(direct.gaps) if direct and direct.gaps else list(uncovered),
    )


def _model_label(model) -> str:
    from chatbot.answer.llm import model_name

    return model_name(model)


def answer_question(
    question: str,
    history: Iterable[Any] | None = None,
    k: int | None = None,
    filters=None,
    answerer: Any = "deterministic",
    settings: Settings | None = None,
    retriever: Retriever | None = None,
    *,
    auditor: Auditor | None = None,
    verifier: Verifier | None = None,
) -> Answer:
    """Answer with numbered citations (see ``stream_answer`` for errors raised)."""
    final = None
    for item in stream_answer(question, history, k, filters, answerer, settings, retriever, auditor=auditor, verifier=verifier):
        if isinstance(item, Answer):
            final = item
    assert final is not None
    return final


@dataclass
class AnswerService:
    """The answerer front ends hold (the ``Answerer`` protocol): one retriever (one store
    version) with the claim auditor and verifier that check what is said."""

    settings: Settings
    retriever: Retriever
    auditor: Auditor | None = None
    verifier: Verifier | None = None

    def stream(
        self, question: str, history: Iterable[Any] | None = None, k: int | None = None, filters=None, answerer: Any = "deterministic"
    ) -> Iterator[str | Answer]:
        return stream_answer(question, history, k, filters, answerer, self.settings, self.retriever, auditor=self.auditor, verifier=self.verifier)

    def answer(self, question: str, history: Iterable[Any] | None = None, k: int | None = None, filters=None, answerer: Any = "deterministic") -> Answer:
        return answer_question(question, history, k, filters, answerer, self.settings, self.retriever, auditor=self.auditor, verifier=self.verifier)
