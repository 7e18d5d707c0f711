"""Ingest benchmark: cold ingest, unchanged re-ingest, embedding throughput (prints JSON).

    python benchmarks/ingest_bench.py [--repeats 3] [--chunks 2000]

Targets on the 2-core dev machine (issue 2): unchanged re-ingest < 3 s end to end; embedding
>= 60 chunks/s of ~200 tokens. Cold and unchanged runs are subprocesses (`python -m cli ingest`), so
they include interpreter start, imports and model load, as a user would see them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _ingest(store: Path) -> tuple[float, dict]:
    env = dict(os.environ, MGC_STORE_DIR=str(store))
    t = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "cli", "ingest", "--no-audit", "--json", "--no-progress"], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return time.perf_counter() - t, json.loads(out.stdout)


def synthetic_chunks(n: int, target_tokens: int, tokenizer) -> list[str]:
    from core.text import split_sentences

    sents: list[str] = []
    for p in sorted((ROOT / "corpus" / "literature").glob("*.md")):
        text = p.read_text(encoding="utf-8").split("---", 2)[-1]
        sents += [text[a:b] for a, b in split_sentences(text) if len(text[a:b]) > 40]
    rnd = random.Random(13)
    out = []
    for _ in range(n):
        parts: list[str] = []
        while len(tokenizer.tokenize(" ".join(parts))) < target_tokens:
            parts.append(rnd.choice(sents))
        ids = tokenizer.tokenize(" ".join(parts))[:target_tokens]
        out.append(tokenizer.convert_tokens_to_string(ids))
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--chunks", type=int, default=2000)
    ap.add_argument("--tokens", type=int, default=200)
    args = ap.parse_args()
    from core.settings import Settings

    settings = Settings()
    res: dict = {"machine": {"cpus": os.cpu_count(), "loadavg_start": os.getloadavg()}, "repeats": args.repeats}

    cold, chunks = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeats):
            store = Path(tmp) / f"store{i}"
            sec, summary = _ingest(store)
            cold.append(sec)
            chunks = summary["chunks"]
        unchanged = [_ingest(Path(tmp) / "store0")[0] for _ in range(max(3, args.repeats))]
    res["cold_ingest"] = {
        "seconds_median": round(statistics.median(cold), 2),
        "runs": [round(x, 2) for x in cold],
        "chunks": chunks,
        "chunks_per_s": round(chunks / statistics.median(cold), 1),
    }
    res["unchanged_reingest"] = {"seconds_median": round(statistics.median(unchanged), 3), "runs": [round(x, 3) for x in unchanged], "target_s": 3.0}

    print(json.dumps(res), file=sys.stderr, flush=True)  # partial results, in case the embedding run is cut short
    from services import build_services

    emb = build_services(settings).embedder  # the packaged MiniLM unless MGC_EMBEDDING_MODEL names another
    tok = emb.model.tokenizer
    texts = synthetic_chunks(args.chunks, args.tokens, tok)
    lens = [len(tok.tokenize(t)) for t in texts]
    emb.embed_documents(texts[:64])  # warm-up
    rates = []
    for _ in range(args.repeats):
        t = time.perf_counter()
        emb.embed_documents(texts)
        rates.append(len(texts) / (time.perf_counter() - t))
        print(f"embedding run: {rates[-1]:.1f} chunks/s", file=sys.stderr, flush=True)
    from core.embeddings import torch_threads

    res["embedding"] = {
        "chunks": len(texts),
        "mean_tokens": round(statistics.mean(lens), 1),
        "batch_size": settings.batch_size,
        "precision": getattr(emb, "precision", "n/a"),
        "torch_threads": torch_threads(),
        "chunks_per_s_median": round(statistics.median(rates), 1),
        "runs": [round(r, 1) for r in rates],
        "target_chunks_per_s": 60,
    }
    res["machine"]["loadavg_end"] = os.getloadavg()
    print(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
