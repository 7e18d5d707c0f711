"""Cross-encoder reranking of the fused candidates (models/reranker, trained here on SciFact).

On by default (``Settings.retrieval.rerank``) over the first ``rerank_candidates`` (15) fused passages,
scored in length-sorted batches of ``rerank_batch`` (4): 40 chatbot passages cost ~510 ms per question on
one thread (bf16), over the chat's latency budget; 15 fits it (answer p50 ~260 ms). Where the CPU is
slower (fp32 without AVX512: ~54 ms a pair), the count is what ``rerank_budget_ms`` buys, measured when
the model loads (``chatbot.rerank_budget``), and none when that is under ``rerank_fewest``. On SciFact claims it
never trained on, nDCG@10 0.761 vs 0.717 for the hybrid at 40 candidates, cross-fitted over 809
(models/reranker/README.md). ``MGC_RETRIEVAL__RERANK=false`` turns it off; a missing model folder is logged and the hybrid order is kept (``reranker_or_none``).

The final order is not the cross-encoder's alone: it fell below the hybrid on 2 of 5 held-out folds.
Each passage's cross-encoder logit, cosine similarity and BM25 score are standardised over the
reranked candidates and summed with weights from ``Settings.retrieval`` (``chatbot.fusion.
standardised_sum``). Cross-fitted on 809 SciFact claims, that scored 0.761 against 0.738 for the
rank fusion (RRF) of the same cross-encoder with the hybrid order, which this replaced, and it gained
on every fold (+0.032 to +0.059) where rank fusion lost on one.
"""

from __future__ import annotations

import copy
import functools
import logging
import threading
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path

import numpy as np

from core.errors import MissingRerankerError
from core.settings import RetrievalSettings, Settings

from chatbot.fusion import standardised_sum

__all__ = ["CrossEncoderReranker", "MissingRerankerError", "get_reranker", "reranked_candidates", "reranker_or_none"]

log = logging.getLogger("chatbot.rerank")
CACHE_PAIRS = 4096  # scored (question, passage) pairs kept: a few hundred questions' worth, ~1 MB of text keys
_warned: set[str] = set()  # model paths whose absence was logged (once per process, not once per search)
_said: set[tuple[str, int]] = set()  # budget lines logged, per loaded model


class CrossEncoderReranker:
    most: int | None = None  # the most candidates one search rescores on this machine (chatbot.rerank_budget); None: as asked
    _pair_ms: float | None = None  # the cost of a pair here, measured once per loaded model (pair_ms)

    def __init__(
        self,
        path: str | Path,
        max_length: int = 224,
        batch_size: int = 4,
        weights: tuple[float, float, float] | None = None,
        bf16: bool = False,
    ):
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
        self.weights = weights or _default_weights()  # (cross-encoder, cosine, BM25); the composition root passes Settings'
        self.bf16 = bf16  # autocast matmuls to bf16 (weights stay fp32), as the verifier and the embedder do; see core.precision
        # (query, text) -> logit, newest last. A claim-like question is searched three times (the answer's search,
        # then the claim check's literature-only search of the same words and its synonym query): the second
        # shares most of its candidates with the first, and a reader's repeated or follow-up question too.
        self._seen: OrderedDict[tuple[str, str], float] = OrderedDict()
        self._lock = threading.Lock()  # the app's sessions share one reranker

    def clear_cache(self) -> None:
        """Forget scored pairs (benchmarks/latency_bench.py: every repetition scores its questions afresh)."""
        with self._lock:
            self._seen.clear()

    def scores(self, query: str, texts: list[str]) -> np.ndarray:
        """One logit per text, scored against ``query``; pairs scored before come from a bounded cache."""
        out = np.zeros(len(texts), dtype=np.float32)
        todo = []
        with self._lock:
            for i, t in enumerate(texts):
                v = self._seen.get((query, t))
                if v is None:
                    todo.append(i)
                else:
                    out[i] = v
                    self._seen.move_to_end((query, t))
        if todo:
            fresh = self._score([texts[i] for i in todo], query)
            with self._lock:
                for i, v in zip(todo, fresh):
                    out[i] = v
                    self._seen[(query, texts[i])] = float(v)
                while len(self._seen) > CACHE_PAIRS:
                    self._seen.popitem(last=False)
        return out

    def pair_ms(self, tokens: int) -> float:
        """Median milliseconds to score one (question, passage) pair of about ``tokens`` tokens here, measured on the first
        call (one batch of synthetic pairs, three timed runs) and remembered: the cost that ``chatbot.rerank_budget``
        divides the budget by."""
        from chatbot.rerank_budget import calibration_pairs, pair_cost_ms

        if self._pair_ms is None:
            pairs = calibration_pairs(self.batch_size, tokens)
            self._pair_ms = pair_cost_ms(lambda q, texts: self._score(texts, q), pairs)
        return self._pair_ms

    def _score(self, texts: list[str], query: str) -> np.ndarray:
        """Logits in batches of ``batch_size`` pairs of similar token length, each padded to its own longest.

        One batch of all the candidates pads every pair to the longest (224 tokens, where the median chatbot
        pair has ~120), and the padding costs as much as text: 20 chunks took 420 ms in one batch and ~290 ms
        in batches of 2-4 on one thread (bf16; Settings.retrieval.rerank_batch)."""
        import contextlib

        torch = self.torch
        out = np.zeros(len(texts), dtype=np.float32)
        enc = self.tok([query] * len(texts), texts, truncation="only_second", max_length=self.max_length)
        rows = enc["input_ids"]
        order = sorted(range(len(texts)), key=lambda i: len(rows[i]))
        keys = [k for k in ("input_ids", "token_type_ids", "attention_mask") if k in enc]
        pad = {"input_ids": self.tok.pad_token_id or 0}
        cast = torch.autocast("cpu", dtype=torch.bfloat16) if self.bf16 else contextlib.nullcontext()
        with torch.no_grad(), cast:
            for j in range(0, len(order), self.batch_size):
                ids = order[j : j + self.batch_size]
                width = max(len(rows[i]) for i in ids)
                batch = {k: torch.tensor([enc[k][i] + [pad.get(k, 0)] * (width - len(rows[i])) for i in ids]) for k in keys}
                out[ids] = self.model(**batch).logits[:, 0].float().numpy()
        return out

    def rerank(self, query: str, passages: list, top: int = 30) -> list:
        """Rescore the first ``top`` passages (see the module docstring); the rest keep their order after them."""
        if self.most is not None:
            top = min(top, self.most)  # 0: this machine affords no reordering (the model still serves ``scores``)
        head, tail = passages[:top], passages[top:]
        if not head:
            return passages
        s = self.scores(query, [f"{p.chunk.title}\n{p.chunk.text}" for p in head])
        fused = standardised_sum([s.tolist(), [p.dense_score for p in head], [p.bm25_score for p in head]], self.weights)
        out = [
            replace(head[i], score=float(fused[i]), rank=r + 1, extra={**head[i].extra, "rerank_score": float(s[i])})
            for r, i in enumerate(np.argsort(-fused, kind="stable"))
        ]
        return out + [replace(p, rank=len(out) + i + 1) for i, p in enumerate(tail)]


@functools.lru_cache(maxsize=2)
def _load(path: str, weights: tuple[float, float, float], bf16: bool = False, max_length: int = 224, batch_size: int = 4) -> CrossEncoderReranker:
    return CrossEncoderReranker(path, weights=weights, bf16=bf16, max_length=max_length, batch_size=batch_size)


def get_reranker(settings: Settings) -> CrossEncoderReranker:
    """The trained reranker, in bf16 where Settings.inference_precision and the CPU allow (as the verifier)."""
    from core.precision import use_bf16

    s = settings
    r = s.retrieval
    return _load(str(s.reranker_model), fusion_weights(s), use_bf16(s.inference_precision), r.rerank_max_tokens, r.rerank_batch)


def reranker_or_none(settings: Settings) -> CrossEncoderReranker | None:
    """The configured reranker, or None when ``retrieval.rerank`` is off or the model cannot be loaded.

    Reranking is on by default, so a checkout without ``models/reranker`` (or with unreadable weights)
    must still answer: the reason is logged once, as one line, and the hybrid order is kept. A command
    that asks for the reranker explicitly (``python -m evals beir --rerank``) calls ``get_reranker``
    and fails instead."""
    s = settings
    if not s.retrieval.rerank:
        return None
    try:
        return _within_budget(get_reranker(s), s.retrieval)
    except (MissingRerankerError, OSError) as exc:
        key = str(s.reranker_model)
        if key not in _warned:
            _warned.add(key)
            log.warning("answering without the reranker (set MGC_RETRIEVAL__RERANK=false to silence this): %s", str(exc).splitlines()[0])
        return None


def _within_budget(reranker: CrossEncoderReranker, r: RetrievalSettings) -> CrossEncoderReranker:
    """The reranker limited to the candidates ``r.rerank_budget_ms`` affords on this machine (``chatbot.rerank_budget``):
    0 (with one log line) when that is fewer than ``r.rerank_fewest``, and then searches keep the hybrid order, but the
    model stays at hand for the answer's off-topic check, which scores a few passages only when a question's words
    look off-topic (``chatbot.answer.service._off_topic``; without it, PubMedQA questions whose abstract is not in the
    corpus were answered 19 times in 40 instead of 7). A shallow copy carries the limit: the loaded model, its
    scored-pair cache and its lock stay shared with every other user of it."""
    from chatbot.rerank_budget import RerankBudget, affordable_candidates

    ms = reranker.pair_ms(r.rerank_calibration_tokens) if r.rerank_budget_ms > 0 else 0.0
    n = affordable_candidates(ms, r.rerank_budget_ms, r.rerank_candidates, r.rerank_fewest)
    line = RerankBudget(ms, n, r.rerank_budget_ms, r.rerank_candidates).describe()
    if (line, id(reranker)) not in _said:
        _said.add((line, id(reranker)))
        (log.warning if n == 0 else log.info)(line)
    limited = copy.copy(reranker)
    limited.most = n
    return limited


def reranked_candidates(reranker, settings: Settings) -> int:
    """How many candidates a search reranks with ``reranker`` (None: 0): what reports record, since it depends on the
    machine (``chatbot.rerank_budget``)."""
    if reranker is None:
        return 0
    most = getattr(reranker, "most", None)
    n = settings.retrieval.rerank_candidates
    return n if most is None else min(n, most)


def _default_weights() -> tuple[float, float, float]:
    """The fusion weights' declared defaults (RetrievalSettings' fields, not the environment): a reranker built outside
    the composition root (a benchmark, a test) fuses as the product does by default, and never reads global settings."""
    f = RetrievalSettings.model_fields
    return (f["rerank_weight"].default, f["rerank_dense_weight"].default, f["rerank_bm25_weight"].default)


def fusion_weights(s: Settings) -> tuple[float, float, float]:
    """(cross-encoder, cosine, BM25) weights of the reranker's fusion: Settings.retrieval.rerank_*weight."""
    r = s.retrieval
    return (r.rerank_weight, r.rerank_dense_weight, r.rerank_bm25_weight)
