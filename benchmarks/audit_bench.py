"""Claim audit benchmark: where the ingest-time audit of the article spends its time (prints JSON).

    python benchmarks/audit_bench.py [--runs 3] [--claims N] [--threads 1,2] [--out audit.json]

Audits the current version of the default store (``MGC_STORE_DIR`` for another) with the real
verifier and embedder, as ingest does, without writing anything to the store. Each pipeline step is
wrapped with an exclusive timer (time inside a nested timed step counts for that step only):

- retrieval: ``_retrieve`` (hybrid search, synonym query, results siblings)
- windows: candidate window selection per passage (lexical)
- verifier: ``Verifier.score`` (tokenising and the cross-encoder)
- similarity: the embedder's cosine of claim and quoted sentences
- checks: the explicit checks (numbers, conditions, hedges, direction)
- rest: everything else (stance decisions, features, the decision layer, records)

It also counts the verifier pairs (per claim, repeated within a claim, real vs padded tokens), and
with ``--threads 1,2`` runs the audit alternately at each torch thread count in one process, so the
ratio is paid for by the same machine load. ``--out`` writes the audit (minus its timestamp and
timing) for diffing two code versions' findings byte for byte.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

STEPS = ("retrieval", "windows", "verifier", "similarity", "checks")


class StepTimer:
    """Exclusive wall time per step: a step's time excludes the steps timed inside it."""

    def __init__(self) -> None:
        self.total: Counter[str] = Counter()
        self._stack: list[list] = []  # [step, start, nested seconds]

    def wrap(self, step: str, fn):
        @functools.wraps(fn)
        def timed(*a, **k):
            self._stack.append([step, time.perf_counter(), 0.0])
            try:
                return fn(*a, **k)
            finally:
                name, t0, nested = self._stack.pop()
                dt = time.perf_counter() - t0
                self.total[name] += dt - nested
                if self._stack:
                    self._stack[-1][2] += dt

        return timed


def instrument(timer: StepTimer, pairs_log: list[list[tuple[str, str]]], texts_log: list[int], forwards: list[int]):
    """Wrap the audit's steps in place (module attributes the pipeline looks up at call time)."""
    from chatbot.audit import checks, pipeline, stance

    pipeline._retrieve = timer.wrap("retrieval", pipeline._retrieve)
    stance.candidate_windows = timer.wrap("windows", stance.candidate_windows)
    stance._with_numbers = timer.wrap("windows", stance._with_numbers)
    for name in ("numeric_consistency", "effect_against_null_claim", "condition_checks", "hedges", "opposite_direction", "is_mechanism_claim"):
        setattr(checks, name, timer.wrap("checks", getattr(checks, name)))
    sim_fn = pipeline.similarity_fn

    class TimedSimilarity:
        """The audit's similarity with its calls (and up-front ``add``, where the code has one) timed."""

        def __init__(self, sim):
            self._sim = sim
            self._call = timer.wrap("similarity", sim.__call__)
            if hasattr(sim, "add"):
                self.add = timer.wrap("similarity", sim.add)

        def __call__(self, claim, texts):
            return self._call(claim, texts)

    def similarity_fn(retriever):
        emb = getattr(retriever, "embeddings", None)
        for name in ("embed_documents", "embed_each"):  # count the sentences the similarity embeds
            fn = getattr(emb, name, None)
            if fn is not None and not getattr(fn, "_counted", False):

                def counted(texts, _fn=fn):
                    texts_log.append(len(texts))
                    return _fn(texts)

                counted._counted = True  # type: ignore[attr-defined]
                setattr(emb, name, counted)
        sim = sim_fn(retriever)
        return None if sim is None else TimedSimilarity(sim)

    pipeline.similarity_fn = similarity_fn

    def wrap_verifier(v):
        score = v.score
        forward = v.model.forward

        def counted_forward(*a, **k):  # what the model really ran: batches and tokens, padding included
            ids = k.get("input_ids", a[0] if a else None)
            forwards.append(int(ids.numel()) if ids is not None else 0)
            return forward(*a, **k)

        v.model.forward = counted_forward

        def logged(pairs, *a, **k):
            pairs_log.append(list(pairs))
            return score(pairs, *a, **k)

        v.score = timer.wrap("verifier", logged)
        return v

    return wrap_verifier


def pair_stats(pairs_log: list[list[tuple[str, str]]], forwards: list[int], tokenizer, max_length: int) -> dict:
    """Pairs per verifier call, pairs repeated within a call, distinct windows, and the tokens the model ran
    (``forwards``: input size of each forward pass, padding included) against the pairs' own tokens."""
    pairs = [p for call in pairs_log for p in call]
    n = len(pairs)
    real = sum(len(tokenizer(a, b, truncation="longest_first", max_length=max_length)["input_ids"]) for a, b in pairs)
    ran = sum(forwards)
    per = [len(p) for p in pairs_log]
    return {
        "verifier_calls": len(pairs_log),
        "pairs": n,
        "pairs_per_call_median": statistics.median(per) if per else 0,
        "pairs_repeated_within_call": sum(len(p) - len(set(p)) for p in pairs_log),
        "distinct_windows": len({w for _, w in pairs}),
        "forward_passes": len(forwards),
        "tokens_real": real,
        "tokens_run": ran,
        "padding_share": round(1 - real / ran, 3) if ran else 0.0,
        "mean_tokens_per_pair": round(real / n, 1) if n else 0.0,
    }


def stable(audit: dict) -> dict:
    """The audit without what differs between identical runs (creation time, seconds)."""
    out = dict(audit)
    out.pop("created", None)
    out["stats"] = {k: v for k, v in audit.get("stats", {}).items() if k != "seconds"}
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="audits per thread count (medians over them)")
    ap.add_argument("--claims", type=int, default=0, help="audit only the first N claims (0: all)")
    ap.add_argument("--threads", default="1", help="torch intra-op thread counts to alternate, e.g. 1,2")
    ap.add_argument("--out", type=Path, help="write the (last run's) audit here, minus timestamp and timing")
    args = ap.parse_args()

    import torch

    from chatbot.audit import claims as claims_mod
    from chatbot.audit import pipeline
    from chatbot.audit.verifier import get_verifier
    from services import build_services
    from core.precision import cpu_has_bf16
    from core.settings import get_settings
    from core.store import open_snapshot

    load_start = os.getloadavg()
    s = get_settings()
    snap = open_snapshot(s)
    retriever = build_services(s).retriever(snap)
    timer = StepTimer()
    pairs_log: list[list[tuple[str, str]]] = []
    texts_log: list[int] = []
    forwards: list[int] = []
    wrap_verifier = instrument(timer, pairs_log, texts_log, forwards)
    verifier = wrap_verifier(get_verifier(s))
    if args.claims:
        full = claims_mod.claims_from_snapshot
        pipeline.claims_from_snapshot = lambda *a, **k: full(*a, **k)[: args.claims]
    threads = [int(x) for x in args.threads.split(",")]

    # warm-up: model loads, the retriever's indexes, first-call allocations
    retriever.search("warm up query", k=4)
    verifier.score([("a claim", "a sentence")])
    pipeline.similarity_fn(retriever)("a claim", ["a sentence"])
    pairs_log.clear()
    texts_log.clear()
    forwards.clear()
    timer.total.clear()

    runs: dict[int, list[dict]] = {n: [] for n in threads}
    audit = None
    for _ in range(args.runs):
        for n in threads:  # alternated: every thread count sees the same load
            torch.set_num_threads(n)
            timer.total.clear()
            pairs_log.clear()
            texts_log.clear()
            forwards.clear()
            t0 = time.perf_counter()
            report = pipeline.audit_snapshot(snap, None, retriever=retriever, settings=s, verifier=verifier, direction=None)
            audit = report.to_json() if hasattr(report, "to_json") else report  # a typed AuditReport or its JSON
            wall = time.perf_counter() - t0
            steps = {k: timer.total.get(k, 0.0) for k in STEPS}
            steps["rest"] = wall - sum(steps.values())
            runs[n].append({"wall": wall, **steps})
    torch.set_num_threads(s.torch_threads or torch.get_num_threads())
    assert audit is not None

    def med(rows: list[dict]) -> dict:
        return {k: round(statistics.median(r[k] for r in rows), 2) for k in rows[0]}

    res: dict = {
        "machine": {"cpus_allowed": len(os.sched_getaffinity(0)), "cpu_native_bf16": cpu_has_bf16(), "loadavg_start": load_start},
        "verifier_bf16": bool(getattr(verifier, "bf16", False)),
        "claims": audit["stats"]["claims"],
        "findings": audit["stats"]["findings"],
        "verifier_pairs": pair_stats(pairs_log, forwards, verifier.tokenizer, verifier.max_length),
        "similarity_texts": sum(texts_log),
        "runs": args.runs,
        "seconds_median": {str(n): med(rows) for n, rows in runs.items()},
        "runs_wall": {str(n): [round(r["wall"], 2) for r in rows] for n, rows in runs.items()},
        "loadavg_end": os.getloadavg(),
    }
    if len(threads) > 1:  # per round, the same-moment ratio of the first count's wall time to each other's (median)
        res["speedup_vs_first"] = {str(n): round(statistics.median(a["wall"] / b["wall"] for a, b in zip(runs[threads[0]], runs[n])), 2) for n in threads[1:]}
    if args.out:
        args.out.write_text(json.dumps(stable(audit), indent=1, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    print(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
