"""`python -m evals compare OLD NEW`: per-metric deltas between two eval runs; exit 1 on regression.

Why a tolerance per metric and not one global threshold: the metrics move on different scales
and with different noise (a 0.03 drop in recall@10 over ~50 questions is one question, latency
on a shared 2-core machine jitters by tens of percent), and some are lower-is-better (latency,
false `supported`, false refusals, false flags). One table below is the single place to tune it.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Tolerance:
    direction: str  # "higher" (higher is better) or "lower"
    abs_tol: float  # allowed worsening in the metric's own units ...
    rel_tol: float = 0.0  # ... or this share of the old value, whichever is larger


# First matching pattern wins, so specific names go above the globs that would also match them.
TOLERANCES: list[tuple[str, Tolerance]] = [
    ("latency.*", Tolerance("lower", 25.0, 0.50)),  # ms; shared CPUs are noisy
    ("claims.false_supported", Tolerance("lower", 0.0)),  # the worst error: any increase fails
    ("answer.false_refusal_rate", Tolerance("lower", 0.05)),
    ("answer.false_flag_rate", Tolerance("lower", 0.10)),
    ("retrieval.*", Tolerance("higher", 0.03)),
    ("citation.*", Tolerance("higher", 0.05)),
    ("answer.*", Tolerance("higher", 0.05)),
    ("claims.*", Tolerance("higher", 0.05)),
    ("*", Tolerance("higher", 0.05)),
]


def tolerance_for(name: str) -> Tolerance:
    for pattern, tol in TOLERANCES:
        if fnmatch.fnmatchcase(name, pattern):
            return tol
    raise KeyError(name)  # unreachable: "*" matches everything


def load_metrics(path: str | Path) -> dict[str, float]:
    """The flat ``metrics`` dict of a results.json (or of the results.json inside a folder)."""
    p = Path(path)
    if p.is_dir():
        p = p / "results.json"
    data = json.loads(p.read_text(encoding="utf-8"))
    return {k: float(v) for k, v in data.get("metrics", {}).items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


def load_subset_metrics(path: str | Path, subset: str) -> dict[str, float]:
    """Question metrics of a results.json recomputed over the questions of one named subset (e.g. 'tuning'), so
    a run of the whole set (the baseline) and a run of the subset alone can be compared on the same questions."""
    from evals.dataset import subset_ids
    from evals.runner import _question_metrics

    p = Path(path)
    if p.is_dir():
        p = p / "results.json"
    data = json.loads(p.read_text(encoding="utf-8"))
    keep = set(subset_ids(subset))
    rows = [r for r in data.get("questions", []) if r.get("id") in keep]
    return {k: float(v) for k, v in _question_metrics(rows).items() if v is not None} if rows else {}


def compare(old: dict[str, float], new: dict[str, float]) -> list[dict[str, Any]]:
    """One row per metric in either run: old, new, delta, allowed worsening and status
    (ok / better / worse / REGRESSED / missing / new)."""
    rows: list[dict[str, Any]] = []
    for name in sorted(set(old) | set(new)):
        tol = tolerance_for(name)
        o, n = old.get(name), new.get(name)
        row: dict[str, Any] = {"metric": name, "old": o, "new": n, "delta": None, "direction": tol.direction}
        if o is None or n is None:
            row["status"] = "new" if o is None else "missing"
            rows.append(row)
            continue
        delta = n - o
        worsening = -delta if tol.direction == "higher" else delta
        allowed = max(tol.abs_tol, tol.rel_tol * abs(o))
        row.update(delta=delta, allowed=allowed)
        if worsening > allowed + 1e-12:
            row["status"] = "REGRESSED"
        elif worsening > 1e-12:
            row["status"] = "worse"
        elif worsening < -1e-12:
            row["status"] = "better"
        else:
            row["status"] = "ok"
        rows.append(row)
    return rows


def _fmt(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v:.1f}" if abs(v) >= 10 else f"{v:.3f}"


def format_rows(rows: list[dict[str, Any]]) -> str:
    width = max([len(r["metric"]) for r in rows] + [6])
    lines = [f"{'metric':{width}s} {'old':>9s} {'new':>9s} {'delta':>9s} {'allowed':>8s}  status"]
    for r in rows:
        d = "-" if r["delta"] is None else (("+" if r["delta"] >= 0 else "") + _fmt(r["delta"]))
        lines.append(f"{r['metric']:{width}s} {_fmt(r['old']):>9s} {_fmt(r['new']):>9s} {d:>9s} {_fmt(r.get('allowed')):>8s}  {r['status']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "compare":
        argv = argv[1:]
    ap = argparse.ArgumentParser(
        prog="python -m evals compare", description="Compare two results.json files (or report folders); exit 1 when a metric falls beyond its tolerance."
    )
    ap.add_argument("old", help="baseline results.json or report folder (e.g. evals/reports/baseline)")
    ap.add_argument("new", help="new results.json or report folder (e.g. evals/reports/latest)")
    ap.add_argument("--allow-missing", action="store_true", help="don't fail when a baseline metric is absent from the new run")
    ap.add_argument(
        "--subset",
        default=None,
        help="compare only the questions of this subset of evals/data/subsets.json (e.g. tuning), recomputed from each run's "
        "question rows; claim and latency metrics are left out",
    )
    args = ap.parse_args(argv)
    try:
        if args.subset:
            old, new = load_subset_metrics(args.old, args.subset), load_subset_metrics(args.new, args.subset)
        else:
            old, new = load_metrics(args.old), load_metrics(args.new)
    except (OSError, json.JSONDecodeError, ValueError) as exc:
        print(f"cannot read results: {exc}", file=sys.stderr)
        return 2
    rows = compare(old, new)
    print(format_rows(rows))
    bad = [r["metric"] for r in rows if r["status"] == "REGRESSED" or (r["status"] == "missing" and not args.allow_missing)]
    if bad:
        print(f"\nREGRESSION in {len(bad)} metric(s): {', '.join(bad)}")
        return 1
    print("\nno regression beyond tolerance")
    return 0


if __name__ == "__main__":
    sys.exit(main())
