"""The one place rankings and scores are combined.

- ``rrf_fuse``: reciprocal-rank fusion (Cormack et al. 2009). The hybrid retriever (dense + BM25) and
  the BEIR eval fuse with it, so both fuse exactly alike. Only ranks count there, because cosine
  similarities and BM25 scores live on unrelated scales that shift per query.
- ``standardised_sum``: the reranker's fusion. Each signal (cross-encoder logit, cosine, BM25) is
  standardised over the same short candidate list, so the scales no longer differ, and the weighted
  sum keeps *how much* better one passage scored, which ranks throw away. On SciFact claims that no
  model trained on, it beat rank fusion of the same three signals (nDCG@10 0.761 vs 0.738, cross-fitted
  over 809 claims; ``benchmarks/rerank_fusion_bench.py``, ``models/reranker/README.md``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


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


def standardise(values: Sequence[float | None]) -> np.ndarray:
    """z-scores over one candidate list. A missing value (the passage was not in that signal's list,
    so it scored at most that list's lowest) takes the lowest value present; a signal that is constant
    or absent everywhere contributes zeros, so it cannot reorder anything."""
    present = [float(v) for v in values if v is not None]
    if not present:
        return np.zeros(len(values))
    floor = min(present)
    x = np.array([floor if v is None else float(v) for v in values])
    sd = x.std()
    return (x - x.mean()) / sd if sd > 1e-12 else np.zeros(len(values))


def standardised_sum(signals: Sequence[Sequence[float | None]], weights: Sequence[float]) -> np.ndarray:
    """Weighted sum of each signal's z-scores over the same candidates (see ``standardise``)."""
    if len(signals) != len(weights):
        raise ValueError(f"{len(signals)} signals but {len(weights)} weights")
    n = len(signals[0]) if signals else 0
    total = np.zeros(n)
    for s, w in zip(signals, weights):
        if len(s) != n:
            raise ValueError("every signal must score the same candidates")
        total += w * standardise(s)
    return total
