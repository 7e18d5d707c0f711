"""Small stores for the answer tests, built through ``core.store.write_version`` (the same path
ingest uses) from hand-made chunks or a crude paragraph chunking of real corpus files, so these
tests don't depend on the ingest package.

The answer service is called without an auditor or verifier unless a test hands one in, so these
stores answer without claim verdicts, audit flags or the (model-loading) verifier."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from core.text import content_hash, split_sentences
from core.types import Chunk


def make_chunk(
    doc_id: str,
    text: str,
    role: str = "literature",
    title: str = "",
    year: int | None = None,
    study_type: str = "",
    section: str = "",
    start: int = 0,
    meta: dict | None = None,
) -> Chunk:
    return Chunk(
        chunk_id=content_hash(doc_id, text),
        doc_id=doc_id,
        text=text,
        start=start,
        end=start + len(text),
        sentences=split_sentences(text),
        title=title,
        year=year,
        role=role,
        study_type=study_type,
        section=section,
        meta=dict(meta or {}),
    )


def build_store(settings, chunks: list[Chunk], embeddings=None, profile: dict | None = None):
    """Write ``chunks`` as the current store version and return a retriever over it; with a corpus
    ``profile``, the version also carries its study cards and ``domain.yaml``, as ingest writes them."""
    from core.embeddings import get_embeddings
    from core.store import open_snapshot, write_version

    from services import build_services

    from core.records import DocumentRecord, StoreManifest

    emb = embeddings or get_embeddings(settings)
    vectors = emb.embed_documents([c.text for c in chunks])
    docs: dict[str, DocumentRecord] = {}
    for c in chunks:
        d = docs.setdefault(
            c.doc_id, DocumentRecord(hash=c.doc_id, path=f"{c.doc_id}.md", title=c.title, year=c.year, role=c.role, study_type=c.study_type, meta=dict(c.meta))
        )
        d.chunk_ids.append(c.chunk_id)
    extra = None
    if profile is not None:
        from core.cards import CARDS_FILE
        from core.domain import DomainProfile
        from ingest.cards import cards_file

        extra = {CARDS_FILE: cards_file(docs, chunks, DomainProfile.model_validate(profile)), "domain.yaml": yaml.safe_dump(profile).encode()}
    write_version(settings, chunks, vectors, StoreManifest(documents=docs, embedding_model=getattr(emb, "name", "?")), extra_files=extra)
    return build_services(settings, embedder=emb).retriever(open_snapshot(settings))


_FRONT = re.compile(r"^---\n(.*?)\n---\n", re.S)


def _paragraph_chunks(text: str, size: int = 900) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    buf, start = "", 0
    for m in re.finditer(r"[^\n]+(?:\n(?!\s*\n)[^\n]+)*", text):
        para = m.group(0).strip()
        if not para:
            continue
        if buf and len(buf) + len(para) > size:
            out.append((start, buf))
            buf = ""
        if not buf:
            start = m.start()
        buf = f"{buf}\n\n{para}" if buf else para
    if buf:
        out.append((start, buf))
    return out


def corpus_chunks(corpus_dir: Path, literature: list[str], article: bool = True) -> list[Chunk]:
    """Article (deduplicated paragraphs) and the named literature digests, chunked by paragraphs."""
    chunks: list[Chunk] = []
    if article:
        path = next((corpus_dir / "article").glob("*.txt"))
        seen: set[str] = set()
        paras = []
        for p in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
            key = " ".join(p.split()).lower()
            if key and key not in seen:
                seen.add(key)
                paras.append(p.strip())
        text = "\n\n".join(paras)
        for start, t in _paragraph_chunks(text):
            chunks.append(
                make_chunk(
                    "keyora-article",
                    t,
                    role="article",
                    year=2025,
                    start=start,
                    title="Part I - The Neuroscience of Magnesium Glycinate",
                    meta={"url": "https://doi.org/10.5281/zenodo.16880133", "doi": "10.5281/zenodo.16880133"},
                )
            )
    for name in literature:
        raw = (corpus_dir / "literature" / f"{name}.md").read_text(encoding="utf-8")
        m = _FRONT.match(raw)
        fm = yaml.safe_load(m.group(1)) if m else {}
        body = raw[m.end() :] if m else raw
        meta = {k: fm.get(k) for k in ("doi", "pmid", "url", "authors", "digest_of", "magnesium_form", "n") if fm.get(k)}
        for start, t in _paragraph_chunks(body):
            chunks.append(
                make_chunk(fm.get("id", name), t, title=fm.get("title", name), year=fm.get("year"), study_type=fm.get("study_type", ""), start=start, meta=meta)
            )
    return chunks


# ``Answer.to_json()`` keys in order: the original fields first and unchanged, the structured parts after them
ANSWER_JSON_KEYS = [
    "question",
    "answer",
    "citations",
    "unsupported_sentences",
    "flags",
    "verdict",
    "timings_ms",
    "answerer",
    "refused",
    "lead",
    "findings",
    "gaps",
    "cards",
]
