"""The default answerer: an extractive answer built only from the retrieved passages' sentences.

Why extractive: offline, reproducible, fast, and it cannot state anything the sources don't say;
every sentence carries the number of the passage it was taken from. Sentences are ranked by a
blend of embedding similarity to the question, a BM25-style term score with IDF over the
candidate sentences, and the passage's retrieval rank; near-duplicates are dropped (the scraped
article repeats itself). When no sentence clears the relevance gate the answerer refuses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from core.cards import FINDING_ROLES, StudyCard, classify_sentence, dose_pattern, run_in_section
from core.safety import suspect_reason
from core.settings import ComposeSettings

from chatbot.answer.sentences import (
    bm25_sentence_scores,
    clean_sentence,
    is_answerable_sentence,
    near_duplicate,
    sentence_embedder,
    has_topic_term,
    shared_terms,
    term_coverage,
)
from chatbot.answer.intent import Intent
from chatbot.answer.types import Citation, Finding

ARTICLE_HEADING = "What the article says"
STUDIES_HEADING = "What the studies found"
REFUSAL = "The corpus does not answer this: none of the retrieved passages from the article or the study digests addresses the question, so I won't guess."
EMPTY_STORE = "The store is empty: no documents have been ingested, so there is nothing to answer from. Build it with `python -m cli ingest`."


# the sentence-picking weights and gates are Settings.compose (core.settings.ComposeSettings)
ComposeConfig = ComposeSettings


@dataclass
class Candidate:
    passage_idx: int
    text: str
    role: str
    cos: float = 0.0
    lex: float = 0.0
    coverage: float = 0.0
    key_overlap: bool = False
    score: float = 0.0
    kind: str = ""  # the sentence's role in its study (core.cards.SentenceRole), "" for the article
    doc_id: str = ""  # the study (or article) it comes from


@dataclass
class Composed:
    text: str
    citations: list[Citation] = field(default_factory=list)
    refused: bool = False
    findings: list[Finding] = field(default_factory=list)


def _source_context(chunk) -> str:
    m = chunk.meta or {}
    authors = " ".join(m.get("authors") or []) if isinstance(m.get("authors"), list) else str(m.get("authors") or "")
    return f"{chunk.title} {chunk.section} {authors} {chunk.year or ''} {chunk.study_type or ''}"


def card_roles(cards: dict[str, StudyCard] | None) -> dict[tuple[str, str], str]:
    """(doc_id, displayed sentence) -> role, from the stored cards."""
    out: dict[tuple[str, str], str] = {}
    for doc_id, card in (cards or {}).items():
        for s in card.sentences:
            out[(doc_id, clean_sentence(s.text).lower())] = s.role
    return out


def sentence_role(chunk, raw: str, start: int, end: int, roles: dict[tuple[str, str], str]) -> str:
    """The role stored on the document's card, else classified here (a store built before cards)."""
    if chunk.role != "literature":
        return ""
    got = roles.get((chunk.doc_id, clean_sentence(raw).lower()))
    if got:
        return got
    return classify_sentence(clean_sentence(raw), run_in_section(chunk.text, start, end) or chunk.section)


def candidates(passages: list, cards: dict[str, StudyCard] | None = None, boilerplate: re.Pattern[str] | None = None) -> list[Candidate]:
    """Quotable sentences of the passages. A source note ("Read from the abstract…", "The abstract
    does not state…") or text addressing the reader (core.safety) is never a candidate finding, nor is
    an article sentence matching the corpus profile's ``boilerplate`` (the publisher's furniture: "In
    Part II, we will examine … dosing strategies" announces what the corpus does not contain, and
    quoting it made a question about that other text look answered)."""
    out: list[Candidate] = []
    seen: set[str] = set()
    roles = card_roles(cards)
    for i, p in enumerate(passages):
        spans = p.chunk.sentences or [(0, len(p.chunk.text))]
        for a, b in spans:
            raw = p.chunk.text[a:b]
            s = clean_sentence(raw)
            key = s.lower()
            if key in seen or not is_answerable_sentence(s):
                continue
            seen.add(key)
            kind = sentence_role(p.chunk, raw, a, b, roles)
            if kind == "source_note" or suspect_reason(s):
                continue
            if boilerplate is not None and p.chunk.role == "article" and boilerplate.search(s):
                continue
            out.append(Candidate(i, s, p.chunk.role, kind=kind, doc_id=p.chunk.doc_id))
    return out


FIGURE = re.compile(
    r"\d\s*%|\b[pP]\s*[=<>≤≥]|\b95\s*%\s*CI\b|±|\d+(?:\.\d+)?\s*(?:min(?:utes)?|hours?|points?|percent|fold)\b|"
    r"\b(?:OR|RR|HR|SMD|MD)\b|\b\d+\.\d+\b"
)
# who was studied: a count of people or animals, an age, or a condition named by the shape of its name ("with primary
# insomnia", "with chronic gastritis", "with severe anaemia"): the suffixes of disease names, not a list of diseases
WHO = re.compile(
    r"\b\d[\d,]*\s+(?:[A-Za-z-]+\s+){0,4}?(?:participants|patients|adults|subjects|volunteers|people|individuals|men|women|"
    r"children|students|players|athletes|residents|mice|rats)\b|\b(?:aged|mean age|elderly|older|healthy|with [a-z]+ "
    r"(?:[a-z]+(?:ia|itis|osis|emia|aemia|pathy)|disease|syndrome|disorder))\b",
    re.I,
)


# a sentence that says where: a site or region word, or "in/into/within the <…> SCN" (a named place, often an acronym),
# or a capitalised place name after "in"/"at" inside the sentence ("recruited in Japan")
PLACE = re.compile(
    r"\b(?:located|locali[sz]ed|sites?|regions?|areas?|nucle(?:us|i)|centres?|centers?|countr(?:y|ies)|hospitals?|clinics?)\b|"
    r"\b(?:in|into|within|at)\s+(?:the\s+)?(?:\w+\s+){0,3}?(?:of\s+the\s+)?[A-Z][A-Z0-9]+\b|(?<=\w )(?:in|at)\s+[A-Z][a-z]{2,}\b"
)


def intent_bonus(c: Candidate, intent: Intent | None, cfg: ComposeConfig, units: tuple[str, ...] = ()) -> float:
    """What the question asks for, carried by this sentence (plus the role bonus of literature sentences)."""
    bonus = cfg.role_bonus.get(c.kind, 0.0) if c.kind else 0.0
    if intent is None:
        return bonus
    if intent.dose and dose_pattern(units).search(c.text):
        bonus += cfg.dose_bonus
    if intent.effect and FIGURE.search(c.text):
        bonus += cfg.effect_bonus
    if intent.population and WHO.search(c.text):
        bonus += cfg.population_bonus
    if intent.place and PLACE.search(c.text):
        bonus += cfg.place_bonus
    if intent.wants_method and c.kind == "method":
        bonus += cfg.method_bonus
    return bonus


def score_candidates(
    query: str, passages: list, cands: list[Candidate], embeddings, cfg: ComposeConfig, intent: Intent | None = None, units: tuple[str, ...] = ()
) -> np.ndarray:
    """Fills each candidate's cos/lex/coverage/score; returns the sentence vectors (for dedup)."""
    if not cands:
        return np.zeros((0, 1), dtype=np.float32)
    se = sentence_embedder(embeddings)
    vecs = se.embed([c.text for c in cands])
    cos = vecs @ se.query(query)
    bm = bm25_sentence_scores(query, [c.text for c in cands])
    bm_max = float(bm.max()) if len(bm) and bm.max() > 0 else 1.0
    ctx = [_source_context(p.chunk) for p in passages]
    years = {int(y) for y in re.findall(r"\b(?:19|20)\d\d\b", query)}
    # learned from what retrieval returned: passages joined after it (chatbot.answer.study_passages) would shift the share
    wide = shared_terms([p.chunk.text for p in passages if not p.extra.get("joined")])
    for c, cs, b in zip(cands, cos, bm):
        c.cos = float(cs)
        c.lex = float(b) / bm_max
        c.coverage = term_coverage(query, c.text + " " + ctx[c.passage_idx])
        c.key_overlap = has_topic_term(query, c.text + " " + ctx[c.passage_idx], wide)
        # "Where in the brain …?" is answered by a sentence naming the place ("the shell of the suprachiasmatic nucleus"),
        # which need not repeat the question's own word for the kind of place ("brain")
        c.key_overlap = c.key_overlap or bool(intent and intent.place and PLACE.search(c.text))
        prior = 1.0 / np.sqrt(c.passage_idx + 1)
        c.score = cfg.w_cos * c.cos + cfg.w_lex * c.lex + cfg.w_rank * prior + intent_bonus(c, intent, cfg, units)
        if years and passages[c.passage_idx].chunk.year in years:
            c.score += cfg.year_bonus
    return vecs


def is_relevant(c: Candidate, cfg: ComposeConfig) -> bool:
    """Close in meaning AND sharing a topic term of the question beyond the corpus-wide ones
    ("Does magnesium cure cancer?" is near every magnesium sentence but none says "cancer"),
    unless the sentence is a near paraphrase."""
    if c.cos >= cfg.paraphrase_cos:
        return True
    if not c.key_overlap:
        return False
    return (
        c.cos >= cfg.min_cos
        or (c.coverage >= cfg.min_coverage and c.cos >= cfg.min_cos_with_terms)
        or (c.coverage >= cfg.high_coverage and c.cos >= cfg.min_cos_high_coverage)
    )


def select(cands: list[Candidate], vecs: np.ndarray, cfg: ComposeConfig, article_asked: bool = False) -> list[Candidate]:
    """Best relevant sentences, both sides represented when both have one, no near-duplicates. ``article_asked``: the
    question asks what the article says, so its relevant sentences are kept even below the studies' score floor
    (results score higher than the article's prose, and "What does the article claim about X?" quoted only studies)."""
    order = sorted((i for i, c in enumerate(cands) if is_relevant(c, cfg)), key=lambda i: -cands[i].score)
    if not order:
        return []
    floor = cfg.keep_ratio * cands[order[0]].score
    order = [i for i in order if cands[i].score >= floor or (article_asked and cands[i].role == "article")]
    chosen: list[int] = []
    per_passage: dict[int, int] = {}
    per_role = {"article": 0, "literature": 0}
    caps = {"article": cfg.max_article, "literature": cfg.max_literature}

    def ok(i: int) -> bool:
        c = cands[i]
        role = c.role if c.role in caps else "literature"
        if len(chosen) >= cfg.max_sentences or per_role[role] >= caps[role]:
            return False
        if per_passage.get(c.passage_idx, 0) >= cfg.max_per_passage:
            return False
        for j in chosen:
            if near_duplicate(c.text, cands[j].text) or float(vecs[i] @ vecs[j]) >= cfg.dup_cosine:
                return False
        return True

    def take(i: int) -> None:
        c = cands[i]
        chosen.append(i)
        per_passage[c.passage_idx] = per_passage.get(c.passage_idx, 0) + 1
        per_role[c.role if c.role in caps else "literature"] += 1

    for role in ("article", "literature"):  # the best of each side first, so answers can contrast
        for i in order:
            if cands[i].role == role or (role == "literature" and cands[i].role not in caps):
                if ok(i):
                    take(i)
                break
    for i in order:
        if i not in chosen and ok(i):
            take(i)
    chosen = _findings_for_aims(cands, chosen)
    return [cands[i] for i in sorted(chosen, key=lambda i: -cands[i].score)]


def _findings_for_aims(cands: list[Candidate], chosen: list[int]) -> list[int]:
    """A study quoted for its aim or background says what it set out to do, not what it found. Its best
    on-topic result or conclusion takes the aim's place: from the same passage, else from another retrieved
    passage of the same study. Where the study is already quoted for what it found, the aim is dropped:
    under "what the studies found" it only repeated that the study exists."""
    out = list(chosen)
    found = ("result", "conclusion")
    for i in list(chosen):
        c = cands[i]
        if c.kind not in ("objective", "background") or i not in out:
            continue
        k = out.index(i)
        if any(cands[j].doc_id == c.doc_id and cands[j].kind in found for j in out if j != i):
            del out[k]
            continue
        spare = [j for j, d in enumerate(cands) if d.doc_id == c.doc_id and d.kind in found and d.key_overlap and j not in out]
        if spare:
            out[k] = max(spare, key=lambda j: (cands[j].passage_idx == c.passage_idx, cands[j].score))
    return out


# the order in which a study's sentences are shown: what it found before what it set out to do
ROLE_ORDER = {"result": 0, "conclusion": 1, "method": 2, "limitation": 3, "background": 4, "objective": 5}


def render(passages: list, chosen: list[Candidate], first_n: int = 1, cards: dict[str, StudyCard] | None = None) -> Composed:
    """Groups sentences under the two headings and numbers sources by first appearance, one
    number per document (several passages of one paper share its number)."""
    numbers: dict[str, int] = {}
    cites: dict[str, Citation] = {}
    lines: list[str] = []
    findings: list[Finding] = []
    studies = sorted((c for c in chosen if c.role != "article"), key=lambda c: (ROLE_ORDER.get(c.kind, len(ROLE_ORDER)), -c.score))
    groups = [(ARTICLE_HEADING, [c for c in chosen if c.role == "article"]), (STUDIES_HEADING, studies)]
    for heading, items in groups:
        if not items:
            continue
        if lines:
            lines.append("")
        lines.append(heading)
        for c in items:
            chunk = passages[c.passage_idx].chunk
            cit = cite_chunk(cites, numbers, chunk, first_n, cards)
            cit.cited_sentences.append(c.text)
            findings.append(Finding(text=c.text, n=cit.n, doc_id=chunk.doc_id, role=c.kind or chunk.role))
            lines.append(f"- {c.text} {cit.tag()}")
    return Composed("\n".join(lines), sorted(cites.values(), key=lambda c: c.n), findings=findings)


def cite_chunk(cites: dict[str, Citation], numbers: dict[str, int], chunk, first_n: int = 1, cards: dict[str, StudyCard] | None = None) -> Citation:
    """The citation of ``chunk``'s document, created with the next number on first use."""
    if chunk.doc_id not in numbers:
        numbers[chunk.doc_id] = first_n + len(numbers)
        cites[chunk.doc_id] = Citation.from_chunk(numbers[chunk.doc_id], chunk)
        cites[chunk.doc_id].card = (cards or {}).get(chunk.doc_id)
    cit = cites[chunk.doc_id]
    cit.add_passage(chunk)
    return cit


def overview(passages: list, cards: dict[str, StudyCard] | None, max_sentences: int) -> Composed:
    """Studies' conclusions (else first results), then their other results: the answer to "Tell me about the Smith
    trial" or "What did the 2017 reviews conclude?", which name studies and ask nothing more specific, so that no
    sentence is close to the question's own words. Refused when the passages hold no result or conclusion."""
    cands = [c for c in candidates(passages, cards) if c.kind in FINDING_ROLES and c.role == "literature"]
    if not cands:
        return Composed(REFUSAL, [], refused=True)
    first: list[Candidate] = []  # each study's conclusion, else its first result, in the order the studies come
    for doc in dict.fromkeys(c.doc_id for c in cands):
        own = [c for c in cands if c.doc_id == doc]
        first.append(next((c for c in own if c.kind == "conclusion"), own[0]))
    chosen = (first + [c for c in cands if c not in first])[:max_sentences]
    for rank, c in enumerate(chosen):
        c.score = float(len(chosen) - rank)
    return render(passages, chosen, cards=cards)


def compose(
    question: str,
    passages: list,
    embeddings,
    cfg: ComposeConfig,
    query: str | None = None,
    store_empty: bool = False,
    first_n: int = 1,
    cards: dict[str, StudyCard] | None = None,
    intent: Intent | None = None,
    units: tuple[str, ...] = (),
    boilerplate: tuple[str, ...] = (),
) -> Composed:
    """Extractive cited answer to ``question`` (scored against ``query``, the standalone form);
    ``cards`` give sentence roles and source cards, ``intent`` what kind of sentence was asked for,
    ``boilerplate`` (the corpus profile's patterns) the article furniture never quoted."""
    if store_empty:
        return Composed(EMPTY_STORE, [], refused=True)
    furniture = re.compile("|".join(f"(?:{b})" for b in boilerplate), re.I) if boilerplate else None
    cands = candidates(passages, cards, furniture)
    vecs = score_candidates(query or question, passages, cands, embeddings, cfg, intent, units)
    chosen = select(cands, vecs, cfg, article_asked=bool(intent and intent.article))
    if not chosen:
        return Composed(REFUSAL, [], refused=True)
    return render(passages, chosen, first_n=first_n, cards=cards)
