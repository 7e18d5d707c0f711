"""Trains the direction classifier: (frame, sentence) → increased / decreased / no_difference / not_reported.

Run (CPU, bf16 autocast, ~15 min on one core):
    python -m training.train_direction --out models/direction

Starts from the shipped claim verifier (a MiniLM-L6 cross-encoder that already reads claim/evidence
pairs) with a new 4-way head, and fine-tunes on Evidence Inference (``training/direction_data.py``).
A checkpoint is written after every epoch; ``--resume DIR`` continues from one. The epoch with the
best validation macro-F1 ships; the held-out test articles are scored once, at the end.
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

from core.direction import DIRECTIONS
from core.precision import cpu_has_bf16
from training.direction_data import SEED, Pair, build, stats
from training.runlog import decay_groups, optimizer_step, save_fp16, start_run
from training.scores import accuracy, class_scores

HPARAMS = {"max_length": 160, "batch_size": 16, "lr": 4e-5, "epochs": 3, "warmup_ratio": 0.06, "weight_decay": 0.01, "seed": SEED, "base": "models/verifier"}


def _batches(rows: list[Pair], bs: int, rng: random.Random) -> list[list[Pair]]:
    idx = list(range(len(rows)))
    rng.shuffle(idx)
    out = []
    for k in range(0, len(idx), bs * 50):
        ch = sorted(idx[k : k + bs * 50], key=lambda i: len(rows[i].frame) + len(rows[i].sentence))
        out += [[rows[i] for i in ch[j : j + bs]] for j in range(0, len(ch), bs)]
    rng.shuffle(out)
    return out


def _encode(tok, batch: list[Pair], max_length: int):
    return tok([p.frame for p in batch], [p.sentence for p in batch], truncation="longest_first", max_length=max_length, padding=True, return_tensors="pt")


@torch.no_grad()
def predict(model, tok, rows: list[Pair], max_length: int, bf16: bool, bs: int = 64) -> np.ndarray:
    model.eval()
    order = sorted(range(len(rows)), key=lambda i: len(rows[i].frame) + len(rows[i].sentence))
    probs = np.zeros((len(rows), len(DIRECTIONS)), dtype=np.float32)
    for j in range(0, len(order), bs):
        ids = order[j : j + bs]
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            logits = model(**_encode(tok, [rows[i] for i in ids], max_length)).logits
        probs[ids] = torch.softmax(logits.float(), -1).numpy()
    return probs


def report(gold: list[str], pred: list[str], labels: tuple[str, ...] = DIRECTIONS) -> dict:
    """Macro-F1 over ``labels``, per-class F1, accuracy and the confusion counts."""
    per = {lab: round(sc.f1, 4) for lab, sc in class_scores(gold, pred, labels).items()}
    acc = accuracy(gold, pred)
    confusion = {g: {p: sum(1 for a, b in zip(gold, pred) if a == g and b == p) for p in DIRECTIONS} for g in labels}
    return {"macro_f1": round(sum(per.values()) / len(per), 4), "per_class_f1": per, "accuracy": round(acc, 4), "n": len(gold), "confusion": confusion}


def evaluate(model, tok, rows: list[Pair], hp: dict, bf16: bool) -> dict:
    probs = predict(model, tok, rows, hp["max_length"], bf16)
    gold = [p.label for p in rows]
    pred = [DIRECTIONS[int(i)] for i in probs.argmax(1)]
    # the direction of a sentence that does report the outcome: argmax over the three directions
    pos = [i for i, g in enumerate(gold) if g != "not_reported"]
    pred3 = [DIRECTIONS[int(np.argmax(probs[i, :3]))] for i in pos]
    return {"four_way": report(gold, pred), "direction_of_reported": report([gold[i] for i in pos], pred3, DIRECTIONS[:3])}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--out", default="models/direction")
    ap.add_argument("--work", default="training/runs/direction", help="checkpoints and log (not shipped)")
    ap.add_argument("--resume", default=None, help="checkpoint folder to continue from (its epoch number is read from its name)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=HPARAMS["epochs"])
    a = ap.parse_args()
    hp = dict(HPARAMS, epochs=a.epochs)
    work, out = Path(a.work), Path(a.out)
    log = start_run(work, SEED, a.threads)
    bf16 = cpu_has_bf16()
    data = build(Path(a.shared))
    log(f"data {json.dumps(stats(data))}; bf16 {bf16}")
    id2label = dict(enumerate(DIRECTIONS))
    label2id = {v: k for k, v in id2label.items()}
    start_ep = 0
    if a.resume:
        model = AutoModelForSequenceClassification.from_pretrained(a.resume, torch_dtype=torch.float32)
        tok = AutoTokenizer.from_pretrained(a.resume)
        start_ep = int(Path(a.resume).name.rsplit("ep", 1)[1]) + 1
    else:
        tok = AutoTokenizer.from_pretrained(hp["base"])
        model = AutoModelForSequenceClassification.from_pretrained(
            hp["base"], num_labels=len(DIRECTIONS), id2label=id2label, label2id=label2id, ignore_mismatched_sizes=True, torch_dtype=torch.float32
        )
    model.float()
    rows = data["train"]
    steps = math.ceil(len(rows) / hp["batch_size"]) * hp["epochs"]
    opt = torch.optim.AdamW(decay_groups(model, hp["weight_decay"]), lr=hp["lr"])
    sched = get_linear_schedule_with_warmup(opt, int(hp["warmup_ratio"] * steps), steps)
    for _ in range(start_ep * math.ceil(len(rows) / hp["batch_size"])):
        sched.step()  # a resumed run continues the schedule where it stopped
    best: tuple[float, Path | None] = (-1.0, None)
    history = []
    for ep in range(start_ep, hp["epochs"]):
        model.train()
        rng = random.Random(hp["seed"] + ep)
        t0, seen = time.time(), 0
        for step, batch in enumerate(_batches(rows, hp["batch_size"], rng), 1):
            y = torch.tensor([label2id[p.label] for p in batch])
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                logits = model(**_encode(tok, batch, hp["max_length"])).logits
            optimizer_step(torch.nn.functional.cross_entropy(logits.float(), y), model, opt, sched)
            seen += len(batch)
            if step % 50 == 0:
                log(f"ep{ep} step {step} {seen / (time.time() - t0):.1f} pairs/s")
        ck = work / f"checkpoint-ep{ep}"
        model.save_pretrained(ck)
        tok.save_pretrained(ck)
        val = evaluate(model, tok, data["validation"], hp, bf16)
        history.append({"epoch": ep, "validation": val})
        (work / "history.json").write_text(json.dumps(history, indent=2))
        log(f"ep{ep} validation four-way {val['four_way']['macro_f1']} direction {val['direction_of_reported']['macro_f1']} -> {ck}")
        if val["four_way"]["macro_f1"] > best[0]:
            best = (val["four_way"]["macro_f1"], ck)
    chosen = best[1] or Path(a.resume)
    model = AutoModelForSequenceClassification.from_pretrained(chosen, torch_dtype=torch.float32)
    metrics = {
        "hparams": hp,
        "chosen_checkpoint": chosen.name,
        "train_counts": stats(data),
        "validation": evaluate(model, tok, data["validation"], hp, bf16),
        "test": evaluate(model, tok, data["test"], hp, bf16),
        "history": history,
    }
    log(f"test four-way {metrics['test']['four_way']['macro_f1']} direction {metrics['test']['direction_of_reported']['macro_f1']}")
    save_fp16(model, tok, out, metrics)
    log(f"wrote {out}")


if __name__ == "__main__":
    main()
