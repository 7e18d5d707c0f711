"""Whole ingest of one large text file (issue 14: "a 5 MB text file ingesting in under 30 s").

Why: a quadratic near-duplicate step once stalled ingest (and held its lock) on one big file. This
runs the real pipeline (load, clean, chunk, embed, Chroma, BM25, manifest) on a seeded synthetic
file with exact and near-duplicate repeats, into a throw-away store, ``--reps`` times, and prints
the median. Embedding uses the tests' deterministic fake embedder so the figure measures the
pipeline, not MiniLM (with the real model add ~1 s per 45 chunks on one thread, see embed_bench).

    python benchmarks/large_file_ingest_bench.py [--mb 5] [--reps 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import fakes  # noqa: E402  (registers the fake embedder)
from test_hardening_ingest import _large_text  # noqa: E402

from core.settings import Settings  # noqa: E402
from core.store import open_snapshot  # noqa: E402
from services import build_services  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=5.0)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--real", action="store_true", help="embed with the configured model instead of the fake one")
    a = ap.parse_args()
    text, distinct = _large_text(a.mb)
    times, chunks = [], 0
    for _ in range(a.reps):
        with tempfile.TemporaryDirectory() as d:
            root = Path(d)
            (root / "corpus").mkdir()
            (root / "corpus" / "big.txt").write_text(text, encoding="utf-8")
            s = Settings(
                store_dir=root / "store", corpus_dir=root / "corpus", fetch_online=False, **({} if a.real else {"embedding_model": fakes.FAKE_EMBEDDER})
            )
            t = time.perf_counter()
            r = build_services(s).ingest(audit=False)  # the configured embedder, no claim audit
            times.append(time.perf_counter() - t)
            assert r.added == ["big"] and not r.failed, (r.added, r.failed)
            chunks = len(open_snapshot(s).chunks)
    print(
        f"{len(text) / 1e6:.2f} MB text, {distinct} distinct sentences -> {chunks} chunks; whole ingest ({'real' if a.real else 'fake'} embedder): "
        f"median {statistics.median(times):.1f} s over {a.reps} runs ({', '.join(f'{x:.1f}' for x in times)})"
    )


if __name__ == "__main__":
    main()
