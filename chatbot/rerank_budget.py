"""How many candidates the reranker may rescore on this machine, from its measured cost per pair.

Why measured at run time: the answer budget (p50 <= 300 ms, p95 <= 1 s on one thread, issue 23) was met
with 15 reranked candidates on CPUs with native bf16 (~13 ms a pair), but the same 15 cost ~54 ms a pair
in fp32 on a CPU without AVX512 (retrieval p50 818 ms, answer p50 1.02 s: benchmarks/latency_bench.py).
A fixed count is right for one machine only. So when the reranker loads, it scores a few synthetic pairs
of a typical chatbot pair's length, and the count is what ``Settings.retrieval.rerank_budget_ms`` buys,
capped at ``rerank_candidates``; below ``rerank_fewest`` reranking is not worth its cost and searches keep
the hybrid order (the model still scores the few passages of a question that looks off-topic). The count
is fixed for the life of the process (answers do not change with the load of the moment). The claim audit
never reranks (``audit.rerank``), so findings do not depend on it.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["RerankBudget", "affordable_candidates", "calibration_pairs", "pair_cost_ms"]

# plain words, about one token each, in no domain: only the pair's length matters to its cost
_FILLER = "the study measured how the treatment changed the outcome in adults compared with a control group over several weeks".split()


@dataclass(frozen=True)
class RerankBudget:
    """The outcome of the calibration, for the one log line that says what the budget left on this machine."""

    pair_ms: float  # median milliseconds to score one (question, passage) pair here
    candidates: int  # how many the budget affords (0: rerank none, keep the hybrid order)
    budget_ms: float
    most: int

    def describe(self) -> str:
        if self.budget_ms <= 0:
            return f"reranking {self.most} candidates (no budget set; {self.pair_ms:.0f} ms a pair here)"
        if not self.candidates:
            return (
                f"the reranker scores a pair in {self.pair_ms:.0f} ms here: the {self.budget_ms:.0f} ms budget affords fewer "
                "candidates than rerank_fewest, so answers keep the hybrid order and the model only checks questions that look "
                "off-topic (MGC_RETRIEVAL__RERANK_BUDGET_MS=0 reranks regardless)"
            )
        return f"reranking {self.candidates} candidates ({self.pair_ms:.0f} ms a pair here, budget {self.budget_ms:.0f} ms)"


def affordable_candidates(pair_ms: float, budget_ms: float, most: int, fewest: int) -> int:
    """``most`` when there is no budget (<= 0); else as many pairs as fit in ``budget_ms``, capped at ``most``, and 0
    when that is fewer than ``fewest``."""
    if budget_ms <= 0:
        return most
    n = most if pair_ms <= 0 else min(most, int(budget_ms // pair_ms))
    return n if n >= fewest else 0


def calibration_pairs(n: int, tokens: int) -> list[tuple[str, str]]:
    """``n`` distinct (question, passage) pairs of about ``tokens`` words together (distinct: no cache can answer them)."""
    words = (_FILLER * (tokens // len(_FILLER) + 2))[: max(tokens - 10, 1)]
    question = " ".join(_FILLER[:10])
    return [(f"{question} {i}", " ".join(words[i % len(words) :] + words[: i % len(words)])) for i in range(n)]


def pair_cost_ms(score: Callable[[str, list[str]], object], pairs: list[tuple[str, str]], reps: int = 3) -> float:
    """Median milliseconds per pair of ``score(question, passages)`` over ``reps`` timed runs, after one untimed run
    (the first forward pass allocates)."""
    question = pairs[0][0]
    texts = [p for _, p in pairs]
    score(question, texts)
    runs = []
    for r in range(max(reps, 1)):
        t = time.perf_counter()
        score(f"{question} {r}", texts)
        runs.append((time.perf_counter() - t) * 1e3 / len(texts))
    return statistics.median(runs)
