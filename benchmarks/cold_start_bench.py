"""First answer after the app starts: ``streamlit run`` from nothing to an answered question.

What a reader meets after a deploy or a restart: the server starts, the first page draws, and the
first question waits for the models (reranker, embedding model, store, claim verifier) that the app loads in
a background thread (``app/warmup.py``). Measured in headless Chromium with the browser-test helpers
(``tests/browser_support.py``): Chromium is started first, so only the app is on the clock.

    python benchmarks/cold_start_bench.py [--runs 3] [--question "..."] [--json]
    python benchmarks/cold_start_bench.py --phases     # where a cold start's time goes, in one process

On a shared machine the wall-clock figures grow with the load (the app, its warm-up thread and
Chromium share the CPU with everything else), so ``--phases`` also reports the CPU seconds of each
step of a cold start in a fresh process (imports, store, embedding model, verifier, first answer):
their sum is what the first answer costs on an otherwise idle core.

Each run is a fresh ``streamlit run`` process (a cold start of the app; the OS file cache stays
warm after the first run, as it does on a server that restarts). Printed per run and as medians:
seconds to the health endpoint, to the first drawn page (chat input present), to the first answer
(its script run finished), and the second answer in the same session as the warm reference.
Target (issue 13): first answer ≤ 10 s after start. Skips (exit 0) when no store has been built.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

QUESTION = "Does magnesium improve sleep in older adults?"  # a yes/no claim: retrieval, answer and claim check
FOLLOW_UP = "How well is magnesium glycinate absorbed compared with magnesium oxide?"


def one_run(question: str, tmp: Path, run: int) -> dict[str, float]:
    from browser_support import CHAT_INPUT, ask, chromium, running_app, wait_for, wait_idle

    with chromium(tmp / f"profile{run}") as d:
        t0 = time.perf_counter()
        with running_app(log=tmp / f"streamlit{run}.log") as url:
            t_health = time.perf_counter() - t0
            d.get(url)
            wait_for(d, CHAT_INPUT)
            t_page = time.perf_counter() - t0
            ask(d, question, 1)
            t_answer = time.perf_counter() - t0
            t1 = time.perf_counter()
            ask(d, FOLLOW_UP, 2)
            t_warm = time.perf_counter() - t1
            wait_idle(d)
    return {"health_s": t_health, "first_page_s": t_page, "first_answer_s": t_answer, "warm_answer_s": t_warm}


def phases(question: str) -> list[tuple[str, float, float]]:
    """(step, wall s, CPU s) of a cold start, in this process: what the app and its warm-up do."""
    marks: list[tuple[str, float, float]] = []
    w0, c0 = time.perf_counter(), time.process_time()

    def mark(name: str) -> None:
        nonlocal w0, c0
        w, c = time.perf_counter(), time.process_time()
        marks.append((name, w - w0, c - c0))
        w0, c0 = w, c

    import streamlit  # noqa: F401

    import app.components  # noqa: F401
    import app.resources  # noqa: F401

    mark("imports (streamlit, app, services, retrieval)")
    from core.settings import Settings
    from core.store import current_version, open_snapshot
    from services import build_services

    settings = Settings()
    services = build_services(settings)
    if services.reranker is not None and hasattr(services.reranker, "scores"):
        services.reranker.scores("Magnesium improves sleep.", ["Magnesium improved sleep quality."])
    mark("passage reranker (on by default)")
    snap = open_snapshot(settings, current_version(settings))
    retriever = services.retriever(snap)
    mark("store: snapshot, BM25, collection")
    retriever.search("magnesium", k=1)
    mark("embedding model (first query)")
    services.verifier.score([("Magnesium improves sleep.", "Magnesium improved sleep quality.")])
    mark("claim verifier")
    answerer = services.answerer(retriever)
    answerer.answer(question)
    mark("first answer")
    answerer.answer(FOLLOW_UP)
    mark("a later answer (reference)")
    return marks


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--question", default=QUESTION)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--phases", action="store_true", help="CPU and wall seconds of each cold-start step, in-process")
    args = ap.parse_args(argv)

    from browser_support import missing_browser

    from core.settings import Settings
    from core.store import current_version

    if current_version(Settings()) is None:
        print("no store built yet (python -m cli ingest); nothing to measure")
        return 0
    if args.phases:
        marks = phases(args.question)
        if args.json:
            print(json.dumps([{"step": n, "wall_s": w, "cpu_s": c} for n, w, c in marks], indent=1))
        else:
            for n, w, c in marks:
                print(f"{n:46s} wall {w:6.2f} s   cpu {c:6.2f} s")
            cold = marks[:-1]
            print(
                f"cold start to first answer: wall {sum(m[1] for m in cold):.1f} s, cpu {sum(m[2] for m in cold):.1f} s "
                f"(target ≤ 10 s; a later answer: wall {marks[-1][1]:.2f} s)"
            )
        return 0
    why = missing_browser()
    if why:
        print(f"cannot measure: {why}")
        return 0
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(max(1, args.runs)):
            r = one_run(args.question, Path(tmp), i)
            runs.append(r)
            if not args.json:
                print(f"run {i + 1}: " + ", ".join(f"{k} {v:.1f}" for k, v in r.items()), flush=True)
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    result = {
        "runs": runs,
        "median": med,
        "question": args.question,
        "target_first_answer_s": 10.0,
        "ratio_first_to_warm_answer": med["first_answer_s"] / med["warm_answer_s"] if med["warm_answer_s"] else None,
    }
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print(
            f"median of {len(runs)}: health {med['health_s']:.1f} s, first page {med['first_page_s']:.1f} s, "
            f"first answer {med['first_answer_s']:.1f} s after start (target ≤ 10 s), "
            f"a later answer {med['warm_answer_s']:.1f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
