"""`python -m evals beir DIR [--split test] [--limit N] [--rerank]`: retrieval metrics on a BEIR folder.

Why a throw-away in-memory index rather than the store: the benchmark corpus must never leak into
the chatbot's store, and exact dense search in numpy gives the upper bound of what Chroma's HNSW
returns. Everything that decides ranking quality is shared with ``chatbot.retrieval``: the same
embedder (``core.embeddings``), the same BM25 tokenizer/index (``core.lexical``), the same RRF
function (``chatbot.retrieval.rrf_fuse``), the same candidate depth and RRF constant from settings.

``--query-split dev`` scores only the queries ``core.splits.claim_split`` puts in "dev": the ~20 %
of SciFact train claims that the verifier and the reranker (``training/train_reranker.py``) never
train on. A trained reranker must be scored there, or it is scored on its own training queries.
``--query-split foldK`` (K = 0..4, ``core.splits.claim_fold``; fold 0 is "dev") scores one fold of the
reranker's cross-fit: with ``MGC_RERANKER_MODEL`` set to the model trained without fold K
(``training/train_reranker.py --fold K``), the five runs together score every train claim held out.
``--crossfit M0 M1 M2 M3 M4`` runs those five folds in one go (model K scores fold K) and merges them,
weighting each fold by its queries: the cross-fitted figure in models/reranker/README.md.

``--passages`` ranks documents the way the chatbot sees them: each document is cut into passages
by ingest's own chunker (``Settings.chunk``), dense and BM25 search run over passages as in the
store (BM25 over title + passage, ``core.store.lexical_text``), the two passage lists are fused, and a
document ranks at its best passage. Whole-document vectors truncate a long abstract at the
embedder's window, so the passage figure is the one that describes the product.

With ``--rerank`` the fused list's first ``Settings.retrieval.rerank_candidates`` documents are reranked,
the number the chatbot's answers rescore (``MGC_RETRIEVAL__RERANK_CANDIDATES`` changes both), so the
default run scores the product's default path. ``--rerank-candidates 10 20 40`` scores several counts in
one run: each query is reranked at the largest count first and the smaller ones reuse its cross-encoder
logits (the reranker's cache; a pair's logit does not depend on the other candidates), each count fused
over its own head as the product does. Only the first count's seconds are a fresh scoring's.

Corpus embeddings are cached under ``~/.cache/magcheck/beir/`` keyed by a hash of the corpus file
and the model path, so reruns take seconds instead of minutes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

FOLDS = 5  # the reranker's cross-fit (training/train_reranker.py --folds)
QUERY_SPLITS = ("all", "train", "dev", *(f"fold{k}" for k in range(FOLDS)))
CACHE_DIR = Path(os.environ.get("MAGCHECK_CACHE", Path.home() / ".cache" / "magcheck")) / "beir"


# -- data -----------------------------------------------------------------------------------------
def load_beir(folder: Path, split: str) -> tuple[dict[str, dict], dict[str, str], dict[str, dict[str, int]]]:
    """(corpus {id: {title, text}}, queries {id: text}, qrels {qid: {doc_id: grade}})."""
    folder = Path(folder)
    corpus: dict[str, dict] = {}
    with (folder / "corpus.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                d = json.loads(line)
                corpus[str(d["_id"])] = {"title": d.get("title", "") or "", "text": d.get("text", "") or ""}
    queries: dict[str, str] = {}
    with (folder / "queries.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                d = json.loads(line)
                queries[str(d["_id"])] = d.get("text", "")
    qrels: dict[str, dict[str, int]] = {}
    with (folder / "qrels" / f"{split}.tsv").open(encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3 or (i == 0 and not parts[2].strip().lstrip("-").isdigit()):
                continue  # header or malformed line
            qrels.setdefault(parts[0], {})[parts[1]] = int(parts[2])
    return corpus, queries, qrels


def doc_text(d: dict) -> str:
    return f"{d['title']}\n{d['text']}".strip()


# -- metrics (standard trec_eval definitions, linear graded gain) -----------------------------------
def ndcg_at(ranked: list[str], rels: dict[str, int], k: int = 10) -> float:
    dcg = sum(rels.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]) if rels.get(d, 0) > 0)
    ideal = sorted((g for g in rels.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at(ranked: list[str], rels: dict[str, int], k: int = 100) -> float:
    relevant = {d for d, g in rels.items() if g > 0}
    return len(relevant.intersection(ranked[:k])) / len(relevant) if relevant else 0.0


def mrr_at(ranked: list[str], rels: dict[str, int], k: int = 10) -> float:
    for i, d in enumerate(ranked[:k]):
        if rels.get(d, 0) > 0:
            return 1.0 / (i + 1)
    return 0.0


def evaluate(runs: dict[str, list[str]], qrels: dict[str, dict[str, int]]) -> dict[str, float]:
    """Mean metrics over the queries in ``runs`` (each must have qrels)."""
    qids = [q for q in runs if q in qrels]
    n = len(qids) or 1
    return {
        "ndcg@10": round(sum(ndcg_at(runs[q], qrels[q], 10) for q in qids) / n, 4),
        "recall@100": round(sum(recall_at(runs[q], qrels[q], 100) for q in qids) / n, 4),
        "mrr@10": round(sum(mrr_at(runs[q], qrels[q], 10) for q in qids) / n, 4),
        "queries": len(qids),
    }


# -- index ------------------------------------------------------------------------------------------
def _cache_path(corpus_file: Path, model: str) -> Path:
    h = hashlib.sha256()
    with open(corpus_file, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    h.update(b"\x00" + model.encode())
    return CACHE_DIR / f"{h.hexdigest()[:24]}.npy"


def embed_corpus(ids: list[str], texts: list[str], embeddings, cache: Path | None, batch: int = 256) -> np.ndarray:
    """Corpus vectors (normalised), read from ``cache`` when present, written there otherwise."""
    if cache is not None and cache.exists():
        vecs = np.load(cache)
        if vecs.shape[0] == len(ids):
            return vecs
    out = []
    t0 = time.perf_counter()
    for i in range(0, len(texts), batch):
        out.append(np.asarray(embeddings.embed_documents(texts[i : i + batch]), dtype=np.float32))
        print(f"embedded {min(i + batch, len(texts))}/{len(texts)} ({time.perf_counter() - t0:.0f}s)", file=sys.stderr, flush=True)
    vecs = np.vstack(out) if out else np.zeros((0, 1), dtype=np.float32)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(".tmp.npy")
        np.save(tmp, vecs)
        os.replace(tmp, cache)
    return vecs


class BeirIndex:
    """Dense + BM25 over a BEIR corpus, fused exactly as the chatbot's retriever fuses."""

    def __init__(self, ids: list[str], texts: list[str], vectors: np.ndarray, embeddings, rrf_k: int, candidates: int, bm25_weight: float = 1.0):
        from core.lexical import LexicalIndex

        self.ids = ids
        self.texts = texts
        self.vectors = vectors
        self.embeddings = embeddings
        self.rrf_k = rrf_k
        self.bm25_weight = bm25_weight
        self.candidates = candidates
        self.lexical = LexicalIndex.build(ids, texts)

    def dense(self, query_vec: np.ndarray, n: int) -> list[str]:
        s = self.vectors @ query_vec
        n = min(n, len(s))
        top = np.argpartition(-s, n - 1)[:n]
        top = top[np.argsort(-s[top], kind="stable")]
        return [self.ids[i] for i in top]

    def bm25(self, query: str, n: int) -> list[str]:
        return [cid for cid, _ in self.lexical.search(query, n)]

    def signals(self, query: str, query_vec: np.ndarray, ids: list[str], owner: dict[str, str] | None = None) -> tuple[list[float], list[float]]:
        """Cosine and BM25 score of each of ``ids`` for the reranker's fusion; with ``owner`` (passage id ->
        document), ``ids`` are documents and each scores as its best passage."""
        dense, bm25 = self.vectors @ query_vec, self.lexical.scores(query)
        rows = self._rows_of(owner)
        return [float(dense[rows[i]].max()) for i in ids], [float(bm25[rows[i]].max()) for i in ids]

    def _rows_of(self, owner: dict[str, str] | None) -> dict[str, np.ndarray]:
        """Index rows of each id (of each document, with ``owner``), built once per index."""
        key = id(owner) if owner is not None else None
        cache = self.__dict__.setdefault("_rows", {})
        if key not in cache:
            rows: dict[str, list[int]] = {}
            for r, i in enumerate(self.ids):
                rows.setdefault(owner[i] if owner is not None else i, []).append(r)
            cache[key] = {k: np.asarray(v) for k, v in rows.items()}
        return cache[key]

    def hybrid(self, dense_ids: list[str], bm25_ids: list[str], n: int) -> list[str]:
        from chatbot.fusion import rrf_fuse

        return [cid for cid, _ in rrf_fuse([dense_ids, bm25_ids], k=self.rrf_k, weights=[1.0, self.bm25_weight])][:n]


def passages_of(corpus: dict[str, dict], chunking) -> tuple[list[str], list[str], list[str], list[str]]:
    """(passage ids, owning doc ids, texts to embed, texts for BM25) cut by ingest's chunker."""
    from core.store import lexical_text
    from ingest.chunking import chunk_document
    from ingest.document import Document, Section

    pids, owners, dense_texts, lex_texts = [], [], [], []
    for did, d in corpus.items():
        text = d["text"] or d["title"]
        doc = Document(doc_id=did, path=Path(did), text=text, sections=[Section("", 0, len(text))], title=d["title"])
        for c in chunk_document(doc, chunking):
            pids.append(c.chunk_id)
            owners.append(did)
            dense_texts.append(c.text)
            lex_texts.append(lexical_text(c))
    return pids, owners, dense_texts, lex_texts


def best_passage_docs(ranked_passages: list[str], owner: dict[str, str], n: int) -> list[str]:
    """Documents in the order of their best-ranked passage."""
    out: list[str] = []
    seen: set[str] = set()
    for pid in ranked_passages:
        did = owner[pid]
        if did not in seen:
            seen.add(did)
            out.append(did)
            if len(out) == n:
                break
    return out


def _reranker(settings):
    from chatbot.rerank import MissingRerankerError, get_reranker

    try:
        return get_reranker(settings)
    except (MissingRerankerError, OSError) as exc:  # weights not trained yet, or unreadable
        print(f"error: --rerank needs the trained reranker, which is not available: {exc}", file=sys.stderr)
        raise SystemExit(2)


def _rerank(reranker, query: str, ranked_ids: list[str], corpus: dict[str, dict], top: int, signals: tuple[list[float], list[float]]) -> list[str]:
    """The chatbot's reranker over whole abstracts, given the cosine and BM25 score of each of ``ranked_ids[:top]``."""
    from chatbot.retrieval import Passage
    from core.types import Chunk

    dense, bm25 = signals
    passages = []
    for i, cid in enumerate(ranked_ids):
        d = corpus[cid]
        chunk = Chunk(cid, cid, d["text"], 0, len(d["text"]), [], title=d["title"])
        scored = i < len(dense)
        passages.append(Passage(chunk, 1.0 / (i + 1), i + 1, dense_score=dense[i] if scored else None, bm25_score=bm25[i] if scored else None))
    out = reranker.rerank(query, passages, top=top)
    return [p.chunk.chunk_id for p in out]


# -- CLI --------------------------------------------------------------------------------------------
def run(
    folder: Path,
    split: str = "test",
    limit: int | None = None,
    rerank: bool = False,
    settings=None,
    embeddings=None,
    use_cache: bool = True,
    passages: bool = False,
    query_split: str = "all",
    rerank_candidates: list[int] | None = None,
) -> dict[str, dict]:
    """Metrics per method; the function the CLI and tests share (``embeddings`` default: the
    configured embedder, as ``services`` wires it). ``rerank_candidates``: the counts of fused documents to
    rerank, one method each (``hybrid+rerank@N``); default the product's one, as ``hybrid+rerank``."""
    from core.settings import get_settings

    s = settings or get_settings()
    if embeddings is None:
        from services import build_services

        embeddings = build_services(s).embedder
    emb = embeddings
    reranker = _reranker(s) if rerank else None  # fail before the slow embedding step
    corpus, queries, qrels = load_beir(folder, split)
    qids = [q for q in queries if q in qrels]
    if query_split != "all":
        from core.splits import claim_fold, claim_split

        if query_split.startswith("fold"):
            qids = [q for q in qids if claim_fold(q, FOLDS) == int(query_split[4:])]
        else:
            qids = [q for q in qids if claim_split(q) == query_split]
    if limit:
        qids = qids[:limit]
    model_key = getattr(emb, "path", None) or getattr(emb, "name", type(emb).__name__)
    owner: dict[str, str] | None = None
    if passages:
        ids, owners, texts, lex = passages_of(corpus, s.chunk)
        owner = dict(zip(ids, owners))
        key = f"{model_key}|passages|{s.chunk.model_dump_json()}"
        cache = _cache_path(Path(folder) / "corpus.jsonl", key) if use_cache else None
        vecs = embed_corpus(ids, texts, emb, cache)
        index = BeirIndex(ids, lex, vecs, emb, s.retrieval.rrf_k, s.retrieval.candidates, s.retrieval.bm25_weight)
    else:
        ids = list(corpus)
        texts = [doc_text(corpus[i]) for i in ids]
        cache = _cache_path(Path(folder) / "corpus.jsonl", str(model_key)) if use_cache else None
        vecs = embed_corpus(ids, texts, emb, cache)
        index = BeirIndex(ids, texts, vecs, emb, s.retrieval.rrf_k, s.retrieval.candidates, s.retrieval.bm25_weight)
    depth = 100
    n_cand = max(s.retrieval.candidates, depth * 4)  # same rule as HybridRetriever.search for k=100
    if owner is not None:
        n_cand *= 4  # several passages per document: search deeper so 100 documents remain

    def docs(ranked: list[str]) -> list[str]:
        return best_passage_docs(ranked, owner, depth) if owner is not None else ranked[:depth]

    runs: dict[str, dict[str, list[str]]] = {"hybrid": {}, "dense": {}, "bm25": {}}
    secs = {"hybrid": 0.0, "dense": 0.0, "bm25": 0.0}
    tops = sorted(set(rerank_candidates or [s.retrieval.rerank_candidates]), reverse=True)  # largest first: it fills the cache
    methods = {n: f"hybrid+rerank@{n}" if rerank_candidates else "hybrid+rerank" for n in tops}
    if reranker is not None:
        for m in methods.values():
            runs[m] = {}
            secs[m] = 0.0
    emb.embed_query("warm-up")  # model loading is not query latency
    qvecs_t0 = time.perf_counter()
    qvecs = np.asarray(emb.embed_documents([queries[q] for q in qids]), dtype=np.float32) if qids else np.zeros((0, 1))
    embed_per_q = (time.perf_counter() - qvecs_t0) / max(1, len(qids))
    for qi, q in enumerate(qids):
        t0 = time.perf_counter()
        d = index.dense(qvecs[qi], n_cand)
        t1 = time.perf_counter()
        b = index.bm25(queries[q], n_cand)
        t2 = time.perf_counter()
        h = docs(index.hybrid(d, b, n_cand))
        t3 = time.perf_counter()
        runs["dense"][q] = docs(d)
        runs["bm25"][q] = docs(b)
        runs["hybrid"][q] = h
        secs["dense"] += embed_per_q + (t1 - t0)
        secs["bm25"] += t2 - t1
        secs["hybrid"] += embed_per_q + (t3 - t0)
        for top, m in methods.items() if reranker is not None else ():
            t4 = time.perf_counter()
            sig = index.signals(queries[q], qvecs[qi], h[:top], owner)
            runs[m][q] = _rerank(reranker, queries[q], h, corpus, top, sig)
            secs[m] += embed_per_q + (t3 - t0) + (time.perf_counter() - t4)
    out = {}
    for m, r in runs.items():
        out[m] = dict(evaluate(r, qrels), seconds=round(secs[m], 2))
        if m in list(methods.values())[1:]:
            out[m]["logits_cached"] = True  # scored at a larger count first: its seconds are not a fresh scoring's
    return out


def crossfit(
    folder: Path, split: str, models: list[Path], limit: int | None = None, settings=None, embeddings=None, use_cache: bool = True, passages: bool = False
) -> dict[str, dict]:
    """Every query scored by the reranker that never trained on it: ``models[K]`` reranks fold K
    (``core.splits.claim_fold``), and the folds' metrics are merged weighted by their queries."""
    from core.settings import get_settings

    if len(models) != FOLDS:
        raise ValueError(f"a cross-fit needs {FOLDS} models, one per fold (got {len(models)})")
    s = settings or get_settings()
    if embeddings is None:
        from services import build_services

        embeddings = build_services(s).embedder
    folds = {}
    for k, m in enumerate(models):
        sk = s.model_copy(update={"reranker_model": Path(m)})
        folds[f"fold{k}"] = run(folder, split, limit, True, sk, embeddings, use_cache, passages, f"fold{k}")
    merged: dict[str, dict] = {}
    for method in folds["fold0"]:
        parts = [f[method] for f in folds.values()]
        n = sum(p["queries"] for p in parts)
        metrics = [k for k in parts[0] if k not in ("queries", "seconds")]
        merged[method] = {k: round(sum(p[k] * p["queries"] for p in parts) / n, 4) if n else 0.0 for k in metrics}
        merged[method].update(queries=n, seconds=round(sum(p["seconds"] for p in parts), 2))
    return {"all": merged, **folds}


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m evals beir", description=__doc__.splitlines()[0])
    p.add_argument("dir", type=Path, help="BEIR folder with corpus.jsonl, queries.jsonl, qrels/<split>.tsv")
    p.add_argument("--split", default="test")
    p.add_argument("--limit", type=int, default=None, help="evaluate only the first N queries that have qrels")
    p.add_argument("--rerank", action="store_true", help="also rerank the fused list with the trained cross-encoder")
    p.add_argument(
        "--rerank-candidates",
        type=int,
        nargs="+",
        metavar="N",
        help="with --rerank: rerank the first N fused documents, one result per N (default: Settings.retrieval.rerank_candidates, the chatbot's own count)",
    )
    p.add_argument("--no-cache", action="store_true", help="do not read or write cached corpus embeddings")
    p.add_argument("--passages", action="store_true", help="rank documents by their best passage, cut by ingest's chunker (as the store is)")
    p.add_argument(
        "--query-split",
        choices=QUERY_SPLITS,
        default="all",
        help="score only queries of this claim split (core.splits); 'dev' (= fold0) holds the queries the shipped reranker "
        "never trained on; foldK, the ones the cross-fit's model K never trained on",
    )
    p.add_argument(
        "--crossfit",
        type=Path,
        nargs=FOLDS,
        metavar="MODEL",
        help=f"the {FOLDS} rerankers of a cross-fit, model K trained without fold K: each reranks its own fold, and the "
        "merged figure scores every query with a model that never trained on it (implies --rerank)",
    )
    a = p.parse_args(argv[1:])
    if a.rerank_candidates and (not a.rerank or a.crossfit) or any(n < 1 for n in a.rerank_candidates or []):
        p.error("--rerank-candidates takes counts >= 1 and goes with --rerank (not --crossfit)")
    if a.crossfit and a.query_split != "all":
        p.error("--crossfit scores every fold itself; leave out --query-split")
    for m in a.crossfit or []:
        if not (m / "config.json").is_file():
            print(f"error: {m} holds no reranker (config.json not found); fold models come from training/train_reranker.py --fold K", file=sys.stderr)
            return 2
    qrels_file = a.dir / "qrels" / f"{a.split}.tsv"
    for f in (a.dir / "corpus.jsonl", a.dir / "queries.jsonl", qrels_file):
        if not f.exists():
            print(f"error: {f} not found (expected a BEIR folder)", file=sys.stderr)
            return 2
    if a.crossfit:
        result = crossfit(a.dir, a.split, a.crossfit, a.limit, use_cache=not a.no_cache, passages=a.passages)
    else:
        result = run(
            a.dir, a.split, a.limit, a.rerank, use_cache=not a.no_cache, passages=a.passages, query_split=a.query_split, rerank_candidates=a.rerank_candidates
        )
    print(json.dumps(result))
    return 0
