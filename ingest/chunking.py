"""Section-aware, sentence-preserving chunking.

A chunk never crosses a section (heading or PDF page) and never cuts a sentence, so a quoted
sentence is always whole and its section label is true. Chunk ids hash the document id and the
chunk text only: an edit elsewhere in a document leaves the other chunks' ids, and therefore
their stored vectors, reusable.
"""

from __future__ import annotations

from core.safety import suspect_reason
from core.settings import ChunkSettings
from core.text import content_hash, split_sentences
from core.types import Chunk

from ingest.document import Document

Span = tuple[int, int]


def chunk_id(doc_id: str, text: str) -> str:
    return f"{doc_id}:{content_hash(text)}"


def chunk_document(doc: Document, cfg: ChunkSettings) -> list[Chunk]:
    chunks: list[Chunk] = []
    used: set[str] = set()
    for sec in doc.sections:
        body = doc.text[sec.start : sec.end]
        spans = [(sec.start + a, sec.start + b) for a, b in split_sentences(body)]
        spans = _split_overlong(doc.text, spans, limit=max(2 * cfg.size, 400))
        for group in _group(spans, cfg):
            start, end = group[0][0], group[-1][1]
            text = doc.text[start:end]
            cid = chunk_id(doc.doc_id, text)
            n = 2
            while cid in used:  # identical text twice in one document (rare after cleaning)
                cid = f"{chunk_id(doc.doc_id, text)}-{n}"
                n += 1
            used.add(cid)
            chunks.append(
                Chunk(
                    chunk_id=cid,
                    doc_id=doc.doc_id,
                    text=text,
                    start=start,
                    end=end,
                    sentences=[(a - start, b - start) for a, b in group],
                    title=doc.title,
                    year=doc.year,
                    role=doc.role,
                    study_type=doc.study_type,
                    section=sec.title,
                    page=sec.page,
                    meta={**doc.meta, **provenance(doc, doc.text, group)},
                )
            )
    return chunks


def provenance(doc: Document, text: str, group: list[Span]) -> dict:
    """Chunk metadata readers need to judge a passage: is its document curated (listed in the manifest),
    which fields only the file declares, and whether it holds text addressing the reader or the system
    (``suspect``: the reason; ``suspect_sentences``: indices of those sentences, never to be quoted)."""
    out: dict = {"curated": doc.curated, "declared": list(doc.declared)}
    whole = suspect_reason(text[group[0][0] : group[-1][1]])  # one pass over the chunk; sentences only when it flags
    if whole:
        flagged = [(i, r) for i, (a, b) in enumerate(group) if (r := suspect_reason(text[a:b]))]
        out["suspect"] = flagged[0][1] if flagged else whole
        out["suspect_sentences"] = [i for i, _ in flagged] if flagged else list(range(len(group)))  # a pattern across a sentence break
    return out


def _group(spans: list[Span], cfg: ChunkSettings) -> list[list[Span]]:
    """Greedy packing up to ``size`` chars, repeating ``overlap`` sentences, merging tiny tails."""
    groups: list[list[Span]] = []
    cur: list[Span] = []
    for sp in spans:
        if cur and sp[1] - cur[0][0] > cfg.size:
            groups.append(cur)
            cur = cur[-cfg.overlap :] if cfg.overlap > 0 else []
            if cur and sp[1] - cur[0][0] > cfg.size:
                cur = []
        cur.append(sp)
    if cur:
        groups.append(cur)
    merged: list[list[Span]] = []
    carry: list[Span] = []
    for g in groups:
        g = sorted(set(carry) | set(g))
        carry = []
        if g[-1][1] - g[0][0] < cfg.min_size:
            carry = g
            continue
        merged.append(g)
    if carry:
        if merged:
            merged[-1] = sorted(set(merged[-1]) | set(carry))
        else:
            merged.append(carry)
    return merged


def _split_overlong(text: str, spans: list[Span], limit: int) -> list[Span]:
    """A "sentence" longer than ``limit`` (a table or an unpunctuated PDF page) is cut at spaces."""
    out: list[Span] = []
    for a, b in spans:
        while b - a > limit:
            cut = text.rfind(" ", a + limit // 2, a + limit)
            cut = cut if cut > a else a + limit
            out.append((a, cut))
            a = cut
            while a < b and text[a].isspace():
                a += 1
        if b > a:
            out.append((a, b))
    return out
