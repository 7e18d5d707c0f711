"""Optional cross-encoder reranking of the fused candidates (models/reranker, trained here on SciFact).

Why optional: reranking 40 abstracts took 0.98 s per question on one thread (bf16), over the chat's
latency budget, and the model learned on abstracts, not on our chunks. It is worth it for offline work
and for users who turn it on (``MGC_RETRIEVAL__RERANK=true``): on SciFact claims it never trained on,
nDCG@10 0.738 vs 0.716 for the hybrid (models/reranker/README.md). The final order fuses the
reranker's ranks with the hybrid ranks (RRF again), which was more robust than either alone: the
cross-encoder alone fell below the hybrid on 2 of 5 held-out folds.
"""

from __future__ import annotations

import functools
from dataclasses import replace
from pathlib import Path

import numpy as np

from core.errors import MissingRerankerError
from core.settings import Settings, get_settings

from chatbot.fusion import rrf_fuse

__all__ = ["CrossEncoderReranker", "MissingRerankerError", "get_reranker"]


class CrossEncoderReranker:
    def __init__(self, path: str | Path, max_length: int = 224, batch_size: int = 32, fuse_weight: float = 1.0, rrf_k: int = 60, bf16: bool = False):
        path = Path(path)
        if not (path / "config.json").exists():
            raise MissingRerankerError(f"Reranker weights not found at {path}; train them with `python -m training.train_reranker`.")
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        self.torch = torch
        from core.embeddings import apply_torch_threads

        apply_torch_threads()
        self.tok = AutoTokenizer.from_pretrained(str(path))
        self.model = AutoModelForSequenceClassification.from_pretrained(str(path)).float().eval()
        self.max_length = max_length
        self.batch_size = batch_size
        self.fuse_weight = fuse_weight
        self.rrf_k = rrf_k  # settings.retrieval.rrf_k (see get_reranker)
        self.bf16 = bf16  # autocast matmuls to bf16 (weights stay fp32), as the verifier and the embedder do; see core.precision

    def scores(self, query: str, texts: list[str]) -> np.ndarray:
        out = np.zeros(len(texts), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        import contextlib

        cast = self.torch.autocast("cpu", dtype=self.torch.bfloat16) if self.bf16 else contextlib.nullcontext()
        with self.torch.no_grad(), cast:
            for j in range(0, len(order), self.batch_size):
                ids = order[j : j + self.batch_size]
                enc = self.tok(
                    [query] * len(ids), [texts[i] for i in ids], truncation="only_second", max_length=self.max_length, padding=True, return_tensors="pt"
                )
                out[ids] = self.model(**enc).logits[:, 0].float().numpy()
        return out

    def rerank(self, query: str, passages: list, top: int = 30) -> list:
        """Rescore the first ``top`` passages; the rest keep their order after them."""
        head, tail = passages[:top], passages[top:]
        if not head:
            return passages
        s = self.scores(query, [f"{p.chunk.title}\n{p.chunk.text}" for p in head])
        by_ce = [head[i].chunk.chunk_id for i in np.argsort(-s, kind="stable")]
        by_hybrid = [p.chunk.chunk_id for p in head]
        fused = rrf_fuse([by_hybrid, by_ce], k=self.rrf_k, weights=[1.0, self.fuse_weight])
        lookup = {p.chunk.chunk_id: (p, float(s[i])) for i, p in enumerate(head)}
        out = []
        for r, (cid, fs) in enumerate(fused):
            p, ce = lookup[cid]
            out.append(replace(p, score=fs, rank=r + 1, extra={**p.extra, "rerank_score": ce}))
        return out + [replace(p, rank=len(out) + i + 1) for i, p in enumerate(tail)]


@functools.lru_cache(maxsize=2)
def _load(path: str, rrf_k: int, bf16: bool = False, fuse_weight: float = 1.0, max_length: int = 224) -> CrossEncoderReranker:
    return CrossEncoderReranker(path, rrf_k=rrf_k, bf16=bf16, fuse_weight=fuse_weight, max_length=max_length)


def get_reranker(settings: Settings | None = None) -> CrossEncoderReranker:
    """The trained reranker, in bf16 where Settings.inference_precision and the CPU allow (as the verifier)."""
    from core.precision import use_bf16

    s = settings or get_settings()
    r = s.retrieval
    return _load(str(s.reranker_model), r.rrf_k, use_bf16(s.inference_precision), r.rerank_weight, r.rerank_max_tokens)
