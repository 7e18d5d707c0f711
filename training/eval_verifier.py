"""Evaluates one or more verifier folders on every dev split of `training.verifier_data.build`
with the same code the training run uses (`predict` / `f1_report`, max_length 128, fp32), so
numbers are comparable with models/verifier/metrics.json.

    python -m training.eval_verifier --model old=models/verifier --model new=training/runs/verifier_v2 \
        --out training/runs/eval_old_new.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from training.train_verifier import HPARAMS, evaluate
from training.verifier_data import build


def eval_folder(path: str | Path, data: dict, max_length: int = HPARAMS["max_length"]) -> dict:
    tok = AutoTokenizer.from_pretrained(path)
    model = AutoModelForSequenceClassification.from_pretrained(path).to(torch.float32).eval()
    return evaluate(model, tok, data, max_length)


def table(res: dict) -> str:
    lines = []
    for name, m in res.items():
        pc = m["per_class_f1"]
        lines.append(
            f"{name:24s} n={m['n']:5d} macroF1={m['macro_f1']:.3f} S={pc.get('SUPPORTS', float('nan')):.3f} "
            f"R={pc.get('REFUTES', float('nan')):.3f} N={pc.get('NOT_ENOUGH_INFO', float('nan')):.3f} acc={m['accuracy']:.3f}"
        )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--model", action="append", required=True, help="name=folder")
    ap.add_argument("--only", default=None, help="comma-separated dev split names (e.g. dev_healthver,dev_scifact)")
    ap.add_argument("--nli4ct", action="store_true", help="also evaluate NLI4CT's dev split (training.nli4ct_pairs)")
    ap.add_argument("--out", default=None)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    data = {k: v for k, v in build(Path(args.shared)).items() if k.startswith("dev_")}
    if args.nli4ct:
        import random

        from training.nli4ct_pairs import nli4ct_rows
        from training.verifier_data import SEED

        data["dev_nli4ct"] = nli4ct_rows(Path(args.shared) / "datasets/nli4ct/Complete_dataset.zip", "dev", random.Random(SEED))
    if args.only:
        data = {k: v for k, v in data.items() if k in args.only.split(",")}
    results = {}
    for spec in args.model:
        name, path = spec.split("=", 1)
        t0 = time.time()
        results[name] = eval_folder(path, data)
        print(f"== {name} ({path}) {time.time() - t0:.0f}s\n{table(results[name])}", flush=True)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
