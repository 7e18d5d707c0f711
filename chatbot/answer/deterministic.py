"""The default answerer: an extractive answer built only from the retrieved passages' sentences.

Why extractive: offline, reproducible, fast, and it cannot state anything the sources don't say;
every sentence carries the number of the passage it was taken from. Sentences are ranked by a
blend of embedding similarity to the question, a BM25-style term score with IDF over the
candidate sentences, and the passage's retrieval rank; near-duplicates are dropped (the scraped
article repeats itself). When no sentence clears the relevance gate the answerer refuses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

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
from chatbot.answer.types import Citation

ARTICLE_HEADING = "What the article says"
STUDIES_HEADING = "What the studies found"
REFUSAL = ("The corpus does not answer this: none of the retrieved passages from the article or the study "
           "digests addresses the question, so I won't guess.")
EMPTY_STORE = ("The store is empty: no documents have been ingested, so there is nothing to answer from. "
               "Build it with `python -m ingest`.")


@dataclass
class ComposeConfig:
    """Weights and gates, calibrated on the real store with the packaged MiniLM (see tests and the
    report of issue 3): unrelated questions score cosine < 0.25 against every sentence, on-topic
    ones > 0.4 for their best sentence."""

    w_cos: float = 0.55
    w_lex: float = 0.30
    w_rank: float = 0.15
    min_cos: float = 0.40          # relevant on meaning alone
    min_cos_with_terms: float = 0.22  # relevant when most question terms also occur (sentence + source)
    min_coverage: float = 0.5
    min_cos_high_coverage: float = 0.12  # nearly all question terms present: lexical evidence suffices
    high_coverage: float = 0.75
    paraphrase_cos: float = 0.70  # so close in meaning that no shared topic term is required
    keep_ratio: float = 0.55       # drop sentences scoring below this share of the best one
    max_sentences: int = 6
    max_article: int = 3
    max_literature: int = 4
    max_per_passage: int = 2
    dup_cosine: float = 0.92


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


@dataclass
class Composed:
    text: str
    citations: list[Citation] = field(default_factory=list)
    refused: bool = False


def _source_context(chunk) -> str:
    m = chunk.meta or {}
    authors = " ".join(m.get("authors") or []) if isinstance(m.get("authors"), list) else str(m.get("authors") or "")
    return f"{chunk.title} {chunk.section} {authors} {chunk.year or ''} {chunk.study_type or ''}"


def candidates(passages: list) -> list[Candidate]:
    out: list[Candidate] = []
    seen: set[str] = set()
    for i, p in enumerate(passages):
        for raw in p.chunk.sentence_texts() or [p.chunk.text]:
            s = clean_sentence(raw)
            key = s.lower()
            if key in seen or not is_answerable_sentence(s):
                continue
            seen.add(key)
            out.append(Candidate(i, s, p.chunk.role))
    return out


def score_candidates(query: str, passages: list, cands: list[Candidate], embeddings, cfg: ComposeConfig) -> np.ndarray:
    """Fills each candidate's cos/lex/coverage/score; returns the sentence vectors (for dedup)."""
    if not cands:
        return np.zeros((0, 1), dtype=np.float32)
    se = sentence_embedder(embeddings)
    vecs = se.embed([c.text for c in cands])
    cos = vecs @ se.query(query)
    bm = bm25_sentence_scores(query, [c.text for c in cands])
    bm_max = float(bm.max()) if len(bm) and bm.max() > 0 else 1.0
    ctx = [_source_context(p.chunk) for p in passages]
    wide = shared_terms([p.chunk.text for p in passages])
    for c, cs, b in zip(cands, cos, bm):
        c.cos = float(cs)
        c.lex = float(b) / bm_max
        c.coverage = term_coverage(query, c.text + " " + ctx[c.passage_idx])
        c.key_overlap = has_topic_term(query, c.text + " " + ctx[c.passage_idx], wide)
        prior = 1.0 / np.sqrt(c.passage_idx + 1)
        c.score = cfg.w_cos * c.cos + cfg.w_lex * c.lex + cfg.w_rank * prior
    return vecs


def is_relevant(c: Candidate, cfg: ComposeConfig) -> bool:
    """Close in meaning AND sharing a topic term of the question beyond the corpus-wide ones
    ("Does magnesium cure cancer?" is near every magnesium sentence but none says "cancer"),
    unless the sentence is a near paraphrase."""
    if c.cos >= cfg.paraphrase_cos:
        return True
    if not c.key_overlap:
        return False
    return (c.cos >= cfg.min_cos
            or (c.coverage >= cfg.min_coverage and c.cos >= cfg.min_cos_with_terms)
            or (c.coverage >= cfg.high_coverage and c.cos >= cfg.min_cos_high_coverage))


def select(cands: list[Candidate], vecs: np.ndarray, cfg: ComposeConfig) -> list[Candidate]:
    """Best relevant sentences, both sides represented when both have one, no near-duplicates."""
    order = sorted((i for i, c in enumerate(cands) if is_relevant(c, cfg)), key=lambda i: -cands[i].score)
    if not order:
        return []
    floor = cfg.keep_ratio * cands[order[0]].score
    order = [i for i in order if cands[i].score >= floor]
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
    return [cands[i] for i in sorted(chosen, key=lambda i: -cands[i].score)]


def render(passages: list, chosen: list[Candidate], first_n: int = 1) -> Composed:
    """Groups sentences under the two headings and numbers sources by first appearance."""
    numbers: dict[int, int] = {}
    cites: dict[int, Citation] = {}
    lines: list[str] = []
    groups = [(ARTICLE_HEADING, [c for c in chosen if c.role == "article"]),
              (STUDIES_HEADING, [c for c in chosen if c.role != "article"])]
    for heading, items in groups:
        if not items:
            continue
        if lines:
            lines.append("")
        lines.append(heading)
        for c in items:
            if c.passage_idx not in numbers:
                n = first_n + len(numbers)
                numbers[c.passage_idx] = n
                cites[c.passage_idx] = Citation.from_chunk(n, passages[c.passage_idx].chunk)
            cit = cites[c.passage_idx]
            cit.cited_sentences.append(c.text)
            lines.append(f"- {c.text} {cit.tag()}")
    return Composed("\n".join(lines), sorted(cites.values(), key=lambda c: c.n))


def compose(question: str, passages: list, embeddings, cfg: ComposeConfig | None = None, query: str | None = None,
            store_empty: bool = False, first_n: int = 1) -> Composed:
    """Extractive cited answer to ``question`` (scored against ``query``, the standalone form)."""
    cfg = cfg or ComposeConfig()
    if store_empty:
        return Composed(EMPTY_STORE, [], refused=True)
    cands = candidates(passages)
    vecs = score_candidates(query or question, passages, cands, embeddings, cfg)
    chosen = select(cands, vecs, cfg)
    if not chosen:
        return Composed(REFUSAL, [], refused=True)
    return render(passages, chosen, first_n=first_n)
