"""Reciprocal-rank fusion (Cormack et al. 2009): the one place rankings are combined.

Used by the hybrid retriever (dense + BM25), the reranker (hybrid + cross-encoder) and the BEIR
eval, so all three fuse exactly alike. Only ranks count: cosine similarities, BM25 scores and
cross-encoder logits live on unrelated scales that shift per query.
"""

from __future__ import annotations


def rrf_fuse(rankings: list[list[str]], k: int = 60, weights: list[float] | None = None) -> list[tuple[str, float]]:
    """Reciprocal-rank fusion of ranked id lists; ties broken by first appearance (deterministic).

    ``k`` is ``settings.retrieval.rrf_k`` in every caller; 60 is the paper's value.
    """
    scores: dict[str, float] = {}
    order: dict[str, int] = {}
    for li, ranking in enumerate(rankings):
        w = 1.0 if weights is None else weights[li]
        for r, doc_id in enumerate(ranking):
            scores[doc_id] = scores.get(doc_id, 0.0) + w / (k + r + 1)
            order.setdefault(doc_id, len(order))
    return sorted(scores.items(), key=lambda kv: (-kv[1], order[kv[0]]))
