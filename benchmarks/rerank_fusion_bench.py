"""How the reranker's logit should be combined with the hybrid's signals, chosen by nested cross-validation.

    python benchmarks/rerank_fusion_bench.py --models models/reranker W/fold1/model W/fold2/model W/fold3/model W/fold4/model
    (W: the cross-fit folder of training/train_reranker.py; --cache F keeps the scored candidates for reruns)

Why: the reranker alone fell below the hybrid on 2 of 5 held-out folds, so its logit is fused with
what the hybrid already knew. Which fusion, and with which weights, must be chosen without looking at
the queries it is scored on. Every SciFact train query is scored by the model that never trained on it
(model K held out fold K, ``core.splits.claim_fold``), over the product's candidates (hybrid top 40,
as ``evals.beir``), and each fusion's parameters are chosen on four folds and scored on the fifth:

- ``rrf``: rank fusion of the hybrid order and the reranker's order (the shipped rule until 2026-11-30);
- ``standardised``: ``chatbot.fusion.standardised_sum`` of logit, cosine and BM25 (the shipped rule now).

Measured 2026-11-30 (809 queries, 2 threads, ~10 min to score): hybrid 0.716; reranker alone 0.723;
rrf nested 0.738 (weight 1 or 1.5 picked); standardised nested **0.757**, weights picked per fold among
(1, 1-1.25, 0.5-0.75). The shipped weights (1, 1, 0.75) were picked in 2 of the 5 folds; at 0.761 over
all 809 they top a flat plateau (the 8 best of 42 settings span 0.758-0.761, 24 of 42 reach 0.75), and
through the product's own path they give 0.761 too (models/reranker/README.md).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RRF_WEIGHTS = (0.5, 1.0, 1.5, 2.0, 3.0)
DENSE_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5)
BM25_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.25)


def score_candidates(data: Path, models: list[Path], threads: int) -> dict[str, dict]:
    """Per query: its fold, the hybrid top-40 ids, their cosine, BM25 and held-out reranker logit, and the qrels."""
    from core.embeddings import pinned_torch_threads
    from core.settings import get_settings
    from core.splits import claim_fold

    with pinned_torch_threads(threads):
        from chatbot.rerank import CrossEncoderReranker
        from core.precision import use_bf16
        from training.train_reranker import Hybrid

        s = get_settings()
        h = Hybrid(data)
        qids = [q for q in h.qrels if q in h.queries]
        cands = dict(zip(qids, h.search([h.queries[q] for q in qids], s.retrieval.candidates)))
        qv = np.asarray(h.emb.embed_documents([h.queries[q] for q in qids]), dtype=np.float32)
        out: dict[str, dict] = {}
        for k, path in enumerate(models):
            ce = CrossEncoderReranker(path, max_length=s.retrieval.rerank_max_tokens, bf16=use_bf16(s.inference_precision))
            for qi, q in enumerate(qids):
                if claim_fold(q, len(models)) != k:
                    continue
                c = cands[q]
                dense, bm25 = h.index.signals(h.queries[q], qv[qi], c)
                logits = ce.scores(h.queries[q], [f"{h.corpus[d]['title']}\n{h.corpus[d]['text']}" for d in c])
                out[q] = {
                    "fold": k,
                    "docs": c,
                    "dense": dense,
                    "bm25": bm25,
                    "ce": logits.tolist(),
                    "qrels": h.qrels[q],
                }
            print(f"scored fold {k} with {path}", file=sys.stderr, flush=True)
    return out


def ndcg_of(order: np.ndarray, row: dict) -> float:
    from evals.beir import ndcg_at

    return ndcg_at([row["docs"][i] for i in order], row["qrels"])


def rrf_order(row: dict, w: float, k: int) -> np.ndarray:
    """The earlier rule: ``chatbot.fusion.rrf_fuse`` of the hybrid order and the reranker's order."""
    from chatbot.fusion import rrf_fuse

    n = len(row["docs"])
    by_ce = [str(i) for i in np.argsort(-np.asarray(row["ce"]), kind="stable")]
    fused = rrf_fuse([[str(i) for i in range(n)], by_ce], k=k, weights=[1.0, w])
    return np.array([int(i) for i, _ in fused])


def standardised_order(row: dict, weights: tuple[float, float, float]) -> np.ndarray:
    from chatbot.fusion import standardised_sum

    return np.argsort(-standardised_sum([row["ce"], row["dense"], row["bm25"]], weights), kind="stable")


def nested(table: np.ndarray, folds: np.ndarray, params: list) -> tuple[float, list]:
    """Per fold, the parameters best on the other folds, scored on this one."""
    got = np.zeros(table.shape[1])
    picks = []
    for k in np.unique(folds):
        best = int(np.argmax(table[:, folds != k].mean(axis=1)))
        got[folds == k] = table[best, folds == k]
        picks.append(params[best])
    return float(got.mean()), picks


def main(argv: list[str] | None = None) -> int:
    from core.settings import get_settings

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "datasets" / "scifact")
    ap.add_argument("--models", type=Path, nargs="+", required=True, help="model K held out fold K (fold 0 first: models/reranker)")
    ap.add_argument("--cache", type=Path, default=None, help="JSON of scored candidates: read if present, else written")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args(argv)
    for m in a.models:
        if not (m / "config.json").is_file():
            ap.error(f"{m} holds no model (config.json); the fold models come from training/train_reranker.py --fold K")
    if a.cache and a.cache.is_file():
        try:
            rows = json.loads(a.cache.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            ap.error(f"--cache {a.cache} is not this benchmark's JSON ({exc}); delete it to score the candidates again")
    else:
        rows = score_candidates(a.data, a.models, a.threads)
        if a.cache:
            a.cache.write_text(json.dumps(rows))
    qs = list(rows)
    folds = np.array([rows[q]["fold"] for q in qs])
    k = get_settings().retrieval.rrf_k
    n = len(rows[qs[0]]["docs"])
    print(f"{len(qs)} queries in {len(a.models)} folds, each ranked by the model that never trained on it; hybrid top {n} reranked")
    print(f"hybrid            {np.mean([ndcg_of(np.arange(len(rows[q]['docs'])), rows[q]) for q in qs]):.4f}")
    print(f"reranker alone    {np.mean([ndcg_of(np.argsort(-np.asarray(rows[q]['ce']), kind='stable'), rows[q]) for q in qs]):.4f}")
    fusions = {
        "rrf": (list(RRF_WEIGHTS), lambda row, w: rrf_order(row, w, k)),
        "standardised": ([(1.0, d, b) for d, b in itertools.product(DENSE_WEIGHTS, BM25_WEIGHTS)], standardised_order),
    }
    for name, (params, order) in fusions.items():
        table = np.array([[ndcg_of(order(rows[q], p), rows[q]) for q in qs] for p in params])
        score, picks = nested(table, folds, params)
        per_fold = [round(float(table[params.index(picks[f]), folds == f].mean()), 4) for f in range(len(picks))]
        print(f"{name:17s} nested {score:.4f}; picked per fold {picks}; per fold {per_fold}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
