"""What reranking costs per question on the default store, by candidate count, batch size, max tokens and precision.

    python benchmarks/rerank_cost_bench.py [--counts 10 15 20 30 40] [--batches 4 32] [--max-tokens 224]
                                           [--precision bf16] [--reps 2] [--threads 1] [--json]

Why: the reranker's cost decides how many fused candidates an answer can rescore within its budget
(answer p50 <= 300 ms, issue 23), and the cost is the cross-encoder's forward passes alone. This times
exactly those (``CrossEncoderReranker._score``, no cache) over each latency-bench question's own fused
candidates (``benchmarks/latency_bench.py``'s 50 questions, the hybrid order the reranker receives),
every setting interleaved within each repetition so that load from other jobs on the shared machine falls
on all of them alike. It also reports how long the (question, passage) pairs are in tokens, which is
what ``rerank_max_tokens`` truncates. The answer latency itself is ``latency_bench.py``'s to measure.
Skips with a message (exit 0) when no store has been built.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def pair_lengths(reranker, cands: dict[str, list]) -> dict[str, float]:
    """Token length of each (question, title + passage) pair, untruncated, over every candidate."""
    import numpy as np

    n = np.array([len(reranker.tok(q, f"{p.chunk.title}\n{p.chunk.text}")["input_ids"]) for q, ps in cands.items() for p in ps])
    return {
        "pairs": int(n.size),
        "median": float(np.median(n)),
        "p90": float(np.percentile(n, 90)),
        "max": int(n.max()),
        **{f"share_over_{m}": round(float((n > m).mean()), 3) for m in (128, 160, 192, 224)},
    }


def time_setting(reranker, cands: dict[str, list], count: int, batch: int, max_tokens: int, bf16: bool) -> list[float]:
    """Milliseconds to score each question's first ``count`` candidates afresh with one setting."""
    reranker.batch_size, reranker.max_length, reranker.bf16 = batch, max_tokens, bf16
    out = []
    for q, ps in cands.items():
        texts = [f"{p.chunk.title}\n{p.chunk.text}" for p in ps[:count]]
        t = time.perf_counter()
        reranker._score(texts, q)
        out.append((time.perf_counter() - t) * 1e3)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--counts", type=int, nargs="+", default=[10, 15, 20, 30, 40])
    p.add_argument("--batches", type=int, nargs="+", default=None, help="pairs per forward pass (default: Settings.retrieval.rerank_batch)")
    p.add_argument("--max-tokens", type=int, nargs="+", default=None, help="default: Settings.retrieval.rerank_max_tokens")
    p.add_argument("--precision", choices=["bf16", "fp32"], nargs="+", default=None, help="default: Settings.inference_precision")
    p.add_argument("--reps", type=int, default=2)
    p.add_argument("--threads", type=int, default=1, help="torch intra-op threads (answers run on 1)")
    p.add_argument("--json", action="store_true")
    a = p.parse_args(argv)
    import numpy as np
    import torch

    torch.set_num_threads(a.threads)
    from chatbot.rerank import get_reranker
    from core.errors import StoreMissingError
    from core.precision import use_bf16
    from core.settings import get_settings
    from latency_bench import QUESTIONS  # the same questions the answer latency is measured on
    from services import build_services

    s = get_settings()
    try:
        retriever = build_services(s).retriever().hybrid_only()
    except StoreMissingError as exc:
        print(f"skipped: {exc}")
        return 0
    reranker = get_reranker(s)
    cands = {q: retriever.search(q, k=max(a.counts), diversify=False)[: max(a.counts)] for q in QUESTIONS}
    settings = list(
        itertools.product(
            a.counts,
            a.batches or [s.retrieval.rerank_batch],
            a.max_tokens or [s.retrieval.rerank_max_tokens],
            [x == "bf16" for x in a.precision] if a.precision else [use_bf16(s.inference_precision)],
        )
    )
    time_setting(reranker, cands, min(a.counts), *settings[0][1:])  # warm-up: first-call allocations are not the cost
    times: dict[tuple, list[float]] = {c: [] for c in settings}
    for _ in range(a.reps):
        for c in settings:
            times[c] += time_setting(reranker, cands, *c)
    rows = [
        {
            "count": c[0],
            "batch": c[1],
            "max_tokens": c[2],
            "precision": "bf16" if c[3] else "fp32",
            "p50_ms": round(statistics.median(t), 1),
            "p95_ms": round(float(np.percentile(t, 95)), 1),
        }
        for c, t in times.items()
    ]
    out = {"questions": len(cands), "reps": a.reps, "threads": a.threads, "pair_tokens": pair_lengths(reranker, cands), "settings": rows}
    if not a.json:
        for r in rows:
            head = f"{r['count']:>3} candidates  batch {r['batch']:>3}  max {r['max_tokens']}  {r['precision']}"
            print(f"{head}  p50 {r['p50_ms']:7.1f} ms  p95 {r['p95_ms']:7.1f} ms")
        print("pair tokens:", out["pair_tokens"])
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
