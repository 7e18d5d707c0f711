"""Compares a stage-3 run with the shipped verifier and, only if it is better, copies it over
models/verifier with merged metrics.json and a regenerated model card.

    python -m training.promote_verifier --run training/runs/verifier_v2 --old-eval training/runs/eval_old_small.json [--apply]

"Better" (issue 10): HealthVer dev and SciFact held-out macro-F1 not worse, and REFUTES F1 on
HealthVer dev better. Without --apply it only prints the comparison and the decision.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from training.train_verifier import majority_baseline
from training.verifier_data import _read

SHIP = ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"]


def previous_block(old_metrics: dict, old_eval: dict | None) -> dict:
    """The shipped model's dev results: as its training run measured them, plus the splits that
    were re-measured (or are new, Check-COVID) with training.eval_verifier on the shipped weights."""
    prev = dict(old_metrics.get("final", {}))
    if old_eval:
        for k, v in old_eval.get("old", {}).items():
            prev.setdefault(k, v)  # new splits only; keep the numbers the card already reported
    return prev


def decide(prev: dict, new: dict) -> tuple[bool, list[str]]:
    why = []
    ok = True
    for k in ("dev_healthver", "dev_scifact"):
        a, b = prev[k]["macro_f1"], new[k]["macro_f1"]
        good = b >= a
        ok &= good
        why.append(f"{k} macro-F1 {a:.3f} -> {b:.3f} {'ok' if good else 'WORSE'}")
    a, b = prev["dev_healthver"]["per_class_f1"]["REFUTES"], new["dev_healthver"]["per_class_f1"]["REFUTES"]
    ok &= b > a
    why.append(f"dev_healthver REFUTES F1 {a:.3f} -> {b:.3f} {'ok' if b > a else 'NOT BETTER'}")
    return ok, why


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", default="training/runs/verifier_v2")
    ap.add_argument("--old-eval", default="training/runs/eval_old_small.json")
    ap.add_argument("--target", default="models/verifier")
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--wall-minutes", type=float, default=None, help="whole session (data, training, evaluation)")
    ap.add_argument("--first-pass", default=None, help="run folder of an earlier stage-3 pass that --run started from (its hparams and time are recorded)")
    ap.add_argument("--apply", action="store_true")
    args = ap.parse_args()
    run, target = Path(args.run), Path(args.target)
    old = json.loads((target / "metrics.json").read_text())
    old_eval = json.loads(Path(args.old_eval).read_text()) if Path(args.old_eval).exists() else None
    new = json.loads((run / "metrics.json").read_text())
    prev = previous_block(old, old_eval)
    ok, why = decide(prev, new["final"])
    print("\n".join(why))
    print("decision:", "REPLACE" if ok else "KEEP the shipped model")
    for k in new["final"]:
        if k in prev:
            print(f"  {k:24s} {prev[k]['macro_f1']:.3f} -> {new['final'][k]['macro_f1']:.3f}")
    if not (ok and args.apply):
        return
    cc = Path(args.shared) / "datasets/checkcovid/checkcovid_dev.jsonl"
    majority = dict(old["majority"])
    if cc.exists():
        majority.update(majority_baseline({"dev_checkcovid": [{"label": r["label"]} for r in _read(cc)]}))
    passes = []
    if args.first_pass:
        fp = json.loads((Path(args.first_pass) / "metrics.json").read_text())
        passes.append(
            {
                "out": args.first_pass,
                "hparams": fp["hparams"],
                "train_minutes": fp["train_minutes"],
                "eval_minutes": fp.get("eval_minutes"),
                "final": fp["final"],
            }
        )
    new["hparams"]["init"] = args.first_pass or new["hparams"]["init"]
    passes.append({"out": args.run, "hparams": new["hparams"], "train_minutes": new["train_minutes"], "eval_minutes": new.get("eval_minutes")})
    merged = {
        "hparams": old["hparams"],
        "hparams_continue": new["hparams"],
        "continue_passes": passes,
        "majority": majority,
        "untrained_encoder": old["untrained_encoder"],
        "after_general": old["after_general"],
        "after_domain": prev,
        "final": new["final"],
        "train_counts": old.get("train_counts"),
        "train_counts_continue": new["train_counts"],
        "train_pairs_continue": new["train_pairs"],
        "train_minutes_continue": round(sum(p["train_minutes"] for p in passes), 1),
        "eval_minutes_continue": round(sum(p.get("eval_minutes") or 0 for p in passes), 1),
        "wall_minutes_session": args.wall_minutes,
    }
    for name in SHIP:
        shutil.copy2(run / name, target / name)
    (target / "metrics.json").write_text(json.dumps(merged, indent=2))
    from training.model_card import verifier_card

    (target / "README.md").write_text(verifier_card(target))
    print(f"copied {SHIP} to {target}; wrote metrics.json and README.md")


if __name__ == "__main__":
    main()
