"""Embedding throughput of the packaged MiniLM: fp32 vs the bf16 fast path, in one process (prints JSON).

    python benchmarks/embed_bench.py [--chunks 500] [--tokens 200] [--repeats 3] [--threads 1]

Why in one process, interleaved: the machine is shared, so two separate runs see different load;
alternating fp32 and bf16 runs and comparing medians gives a ratio both sides paid the same load
for. Passages are ~200-token recombinations of real corpus sentences (ingest_bench's generator).
Reports which path ``Settings.embedding_precision`` selects here ('auto': bf16 on CPUs with native
bf16) and the mean cosine between the two paths' vectors. Target (issue 13): >= 60 chunks/s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--chunks", type=int, default=500)
    ap.add_argument("--tokens", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", default="1", help="torch intra-op threads to compare, e.g. 1,2 (interleaved per repeat)")
    args = ap.parse_args()

    import numpy as np
    import torch

    from core.embeddings import MiniLMEmbeddings, get_embeddings
    from core.precision import cpu_has_bf16
    from core.settings import Settings
    from ingest_bench import synthetic_chunks

    s = Settings()
    selected = get_embeddings(s)
    paths = {"fp32": MiniLMEmbeddings(s.embedding_model, s.batch_size, "fp32"), "bf16": MiniLMEmbeddings(s.embedding_model, s.batch_size, "bf16")}
    texts = synthetic_chunks(args.chunks, args.tokens, paths["fp32"].model.tokenizer)
    res: dict = {
        "machine": {"cpus_allowed": len(os.sched_getaffinity(0)), "cpu_native_bf16": cpu_has_bf16(), "loadavg_start": os.getloadavg()},
        "selected_path": getattr(selected, "precision", "n/a"),
        "embedding_precision_setting": s.embedding_precision,
        "chunks": len(texts),
        "tokens": args.tokens,
        "batch_size": s.batch_size,
        "threads": {},
    }
    vecs = {name: np.array(e.embed_documents(texts[:64])) for name, e in paths.items()}  # warm-up (and model load)
    counts = [int(x) for x in args.threads.split(",")]
    rates: dict[int, dict[str, list[float]]] = {n: {name: [] for name in paths} for n in counts}
    for _ in range(args.repeats):
        for n in counts:  # thread counts interleaved too: a load change hits every setting alike
            torch.set_num_threads(n)
            for name, e in paths.items():  # interleaved: both paths see the same load
                t = time.perf_counter()
                vecs[name] = np.array(e.embed_documents(texts))
                rates[n][name].append(len(texts) / (time.perf_counter() - t))
                print(f"threads {n} {name}: {rates[n][name][-1]:.1f} chunks/s", file=sys.stderr, flush=True)
    for n in counts:
        med = {name: round(statistics.median(r), 1) for name, r in rates[n].items()}
        res["threads"][str(n)] = {
            "chunks_per_s_median": med,
            "runs": {k: [round(x, 1) for x in v] for k, v in rates[n].items()},
            "bf16_over_fp32": round(med["bf16"] / med["fp32"], 2),
        }
    if len(counts) > 1:  # per repeat, the same-moment ratio of each count to the first (medians of those)
        res["threads_ratio_vs_first"] = {
            str(n): {name: round(statistics.median(b / a for a, b in zip(rates[counts[0]][name], rates[n][name])), 2) for name in paths} for n in counts[1:]
        }
    cos = (vecs["fp32"] * vecs["bf16"]).sum(1)
    res["mean_cosine_bf16_fp32"] = round(float(cos.mean()), 6)
    res["min_cosine_bf16_fp32"] = round(float(cos.min()), 6)
    res["machine"]["loadavg_end"] = os.getloadavg()
    res["target_chunks_per_s"] = 60
    print(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
