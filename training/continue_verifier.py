"""Stage 3 ("continue"): one more epoch from the shipped verifier, on domain pairs plus data it
never saw: Check-COVID train, a TaxiNLI (MultiNLI) sample and synthetic contrastive pairs
(`training/synthetic_pairs.py`) that teach paraphrase = SUPPORTS and small decisive edits
(number, direction, negation) = REFUTES.

    python -m training.continue_verifier --init models/verifier --out training/runs/verifier_v2
    # resumes from the newest training/runs/verifier_v2_work/step-* checkpoint when one exists

Runs on one CPU thread; bf16 autocast when the CPU has native bf16 (AMX / AVX512-BF16), else fp32.
Master weights stay fp32; the result is saved as fp16 safetensors like the shipped model.
Dev metrics (same `evaluate` as stage 1-2, fp32, max_length 128) go to <out>/metrics.json.
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import random
import shutil
import time
from pathlib import Path

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer, get_linear_schedule_with_warmup

from training.runlog import decay_groups, optimizer_step, save_fp16, start_run
from training.nli4ct_pairs import nli4ct_rows
from training.synthetic_pairs import make_mirrored_pairs, make_pairs
from training.train_verifier import batches, encode, evaluate
from training.verifier_data import LABELS, NLI_MAP, SEED, _read, build

HPARAMS_CONTINUE = {
    "init": "models/verifier (stage 1+2 model, fp16 weights cast to fp32)",
    "max_length": 128,
    "batch_size": 16,
    "lr": 3e-5,
    "epochs": 1,
    "warmup_ratio": 0.06,
    "weight_decay": 0.01,
    "checkcovid_repeat": 2,
    "taxinli_sample": 5000,
    "general_replay": 1500,
    "synthetic": {"paraphrase": 2400, "number": 800, "direction": 1200, "negation": 1000, "unrelated": 1400},
    "mirrored_groups": 0,  # stage 4: training.synthetic_pairs.make_mirrored_pairs contrast groups (4 pairs each + quotes)
    "mnli_sample": 0,  # stage 5 (issue 21): MultiNLI dev pairs not in TaxiNLI (--mnli N)
    "nli4ct_repeat": 0,  # stage 8 (issue 21): NLI4CT train pairs, this many times (--nli4ct N); its dev split is evaluated
    "checkpoint_every": 200,
    "seed": SEED,
}


def bf16_supported() -> tuple[bool, str]:
    """Native bf16 on this CPU (core.precision), oneDNN present, and a bf16 autocast matmul that works?"""
    from core.precision import cpu_has_bf16

    if not cpu_has_bf16():
        return False, "no amx_bf16/avx512_bf16 cpu flag"
    if not torch.backends.mkldnn.is_available():
        return False, "oneDNN (mkldnn) not available"
    try:
        with torch.autocast("cpu", dtype=torch.bfloat16):
            a = torch.randn(16, 32)
            y = torch.nn.functional.linear(a, torch.randn(8, 32))
        if y.dtype != torch.bfloat16 or not torch.isfinite(y.float()).all():
            return False, f"autocast gave {y.dtype}"
    except Exception as e:  # noqa: BLE001 - any failure means: use fp32
        return False, f"bf16 autocast failed: {e!r}"
    return True, "native bf16 cpu flag"


def mnli_rows(ds: Path, taxi: list[dict], n: int, rng: random.Random) -> list[dict]:
    """MultiNLI dev (matched + mismatched) pairs, less those TaxiNLI already holds (same premise and hypothesis)."""
    import csv

    seen = {(r["premise"].strip(), r["hypothesis"].strip()) for r in taxi}
    with (ds / "nli/mnli_dev_matched_mismatched.csv").open(encoding="utf-8") as fh:
        pool = [r for r in csv.DictReader(fh) if r.get("label") in NLI_MAP and (r["premise"].strip(), r["hypothesis"].strip()) not in seen]
    return [{"claim": r["hypothesis"], "evidence": r["premise"], "label": NLI_MAP[r["label"]], "source": "mnli"} for r in rng.sample(pool, min(n, len(pool)))]


def build_rows(shared: Path, hp: dict, log) -> tuple[list[dict], dict]:
    ds = shared / "datasets"
    data = build(shared)
    rng = random.Random(SEED + 7)
    rows = list(data["domain"])  # HealthVer train, SciFact train (80 % claims), COVID-Fact train
    cc = [
        {"claim": r["claim"], "evidence": r["evidence"], "label": r["label"], "source": "checkcovid"} for r in _read(ds / "checkcovid/checkcovid_train.jsonl")
    ]
    rows += cc * hp["checkcovid_repeat"]
    taxi = [r for r in _read(ds / "nli/taxinli_mnli_10k.jsonl") if r.get("label") in NLI_MAP]
    rows += [
        {"claim": r["hypothesis"], "evidence": r["premise"], "label": NLI_MAP[r["label"]], "source": "taxinli"}
        for r in rng.sample(taxi, min(hp["taxinli_sample"], len(taxi)))
    ]
    rows += rng.sample(data["general"], hp["general_replay"])
    if hp.get("mnli_sample"):
        rows += mnli_rows(ds, taxi, hp["mnli_sample"], rng)
    if hp.get("nli4ct_repeat"):
        rows += nli4ct_rows(ds / "nli4ct/Complete_dataset.zip", "train", rng) * hp["nli4ct_repeat"]
    rows += make_pairs(shared, hp["synthetic"])
    if hp.get("mirrored_groups"):
        rows += make_mirrored_pairs(shared, hp["mirrored_groups"])
    rng.shuffle(rows)
    dev = {k: v for k, v in data.items() if k.startswith("dev_")}
    if hp.get("nli4ct_repeat"):
        dev["dev_nli4ct"] = nli4ct_rows(ds / "nli4ct/Complete_dataset.zip", "dev", random.Random(SEED))
    # sanity: no dev claim is trained on
    dev_claims = {r["claim"].strip() for k in ("dev_scifact", "dev_healthver", "dev_checkcovid") for r in dev.get(k, [])}
    leak = sum(r["claim"].strip() in dev_claims for r in rows)
    # SciFact repeats a few claim texts under two ids, one on each side of `_claim_split`: drop those
    rows = [r for r in rows if r["claim"].strip() not in dev_claims]
    log(
        f"rows {len(rows)} by source {dict(collections.Counter(r.get('source', '-').split('-')[0] for r in rows))}; "
        f"labels {dict(collections.Counter(r['label'] for r in rows))}; dev-claim text overlap {leak} (dropped)"
    )
    return rows, dev


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--init", default="models/verifier")
    ap.add_argument("--out", default="training/runs/verifier_v2")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--no-bf16", action="store_true")
    ap.add_argument(
        "--start-step",
        type=int,
        default=0,
        help="second pass: skip the first N batches of the same shuffled plan (those an earlier run with "
        "--max-steps N trained on) and run a fresh schedule over the rest, from --init",
    )
    ap.add_argument("--lr", type=float, default=None)
    ap.add_argument("--mirrored", type=int, default=None, help="add this many mirrored contrast groups (training.synthetic_pairs.make_mirrored_pairs)")
    ap.add_argument("--mnli", type=int, default=None, help="add this many MultiNLI dev pairs not in TaxiNLI (stage 5)")
    ap.add_argument("--nli4ct", type=int, default=None, help="add NLI4CT train pairs this many times and evaluate its dev split (stage 8)")
    ap.add_argument("--epochs", type=int, default=None, help="passes over the pool (default: HPARAMS_CONTINUE['epochs'])")
    ap.add_argument(
        "--max-steps",
        type=int,
        default=None,
        help="stop after this many batches (the schedule decays to 0 there); batches are shuffled, so this trains on a random subset of the pairs",
    )
    ap.add_argument("--old-metrics", default="training/runs/eval_old.json", help="old model's results from training.eval_verifier, kept beside the new ones")
    args = ap.parse_args()
    t_start = time.time()
    hp = dict(HPARAMS_CONTINUE)
    if args.init != "models/verifier":
        hp["init"] = args.init
    if args.lr:
        hp["lr"] = args.lr
    if args.epochs:
        hp["epochs"] = args.epochs
    if args.mirrored is not None:
        hp["mirrored_groups"] = args.mirrored
    if args.mnli is not None:
        hp["mnli_sample"] = args.mnli
    if args.nli4ct is not None:
        hp["nli4ct_repeat"] = args.nli4ct
    if args.start_step:
        hp["init"] = f"{args.init} (after batches 0-{args.start_step - 1} of the same plan)"
        hp["start_step"] = args.start_step
    out = Path(args.out)
    work = Path(str(out) + "_work")
    log = start_run(work, SEED, args.threads)

    use_bf16, why = (False, "--no-bf16") if args.no_bf16 else bf16_supported()
    hp["bf16_autocast"] = use_bf16
    log(f"bf16 autocast: {use_bf16} ({why}); threads {args.threads}")
    rows, dev = build_rows(Path(args.shared), hp, log)

    tok = AutoTokenizer.from_pretrained(args.init)
    model = AutoModelForSequenceClassification.from_pretrained(args.init).to(torch.float32)
    assert [model.config.id2label[i].upper() for i in range(3)] == LABELS, model.config.id2label

    bs = hp["batch_size"]
    total = math.ceil(len(rows) / bs) * hp["epochs"]
    if args.max_steps:
        total = min(total, args.max_steps)
        hp["max_steps"] = total
    groups = decay_groups(model, hp["weight_decay"])
    opt = torch.optim.AdamW(groups, lr=hp["lr"])
    n_sched = total - args.start_step
    sched = get_linear_schedule_with_warmup(opt, int(hp["warmup_ratio"] * n_sched), n_sched)
    step, prior_s = args.start_step, 0.0
    cks = sorted(work.glob("step-*"), key=lambda p: int(p.name.split("-")[1]))
    if cks:
        ck = cks[-1]
        state = torch.load(ck / "state.pt", weights_only=False)
        model = AutoModelForSequenceClassification.from_pretrained(ck).to(torch.float32)
        groups = decay_groups(model, hp["weight_decay"])
        opt = torch.optim.AdamW(groups, lr=hp["lr"])
        sched = get_linear_schedule_with_warmup(opt, int(hp["warmup_ratio"] * n_sched), n_sched)
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        step, prior_s = state["step"], state["elapsed_s"]
        log(f"resumed from {ck} at step {step}")

    lab2id = {label: i for i, label in enumerate(LABELS)}
    t0, seen = time.time(), 0
    for ep in range(hp["epochs"]):
        plan = batches(rows, bs, random.Random(SEED + 100 + ep))
        model.train()
        for bi, batch in enumerate(plan):
            gstep = ep * len(plan) + bi
            if gstep < step:
                continue  # done before a resume
            if gstep >= total:
                break
            enc = encode(tok, batch, hp["max_length"])
            y = torch.tensor([lab2id[r["label"]] for r in batch])
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=use_bf16):
                logits = model(**enc).logits
            loss = torch.nn.functional.cross_entropy(logits.float(), y)
            optimizer_step(loss, model, opt, sched)
            step = gstep + 1
            seen += len(batch)
            if step % 50 == 0:
                log(f"step {step}/{total} loss {loss.item():.4f} {seen / (time.time() - t0):.1f} pairs/s")
            if step % hp["checkpoint_every"] == 0 and step < total:
                ck = work / f"step-{step}"
                model.save_pretrained(ck)
                tok.save_pretrained(ck)
                torch.save({"opt": opt.state_dict(), "sched": sched.state_dict(), "step": step, "elapsed_s": prior_s + time.time() - t0}, ck / "state.pt")
                for old in sorted(work.glob("step-*"), key=lambda p: int(p.name.split("-")[1]))[:-1]:
                    shutil.rmtree(old)
                log(f"checkpoint {ck}")
    train_s = prior_s + time.time() - t0
    hp["pairs_seen"] = (total - args.start_step) * bs
    log(f"training done in {train_s / 60:.1f} min")

    t_eval = time.time()
    model.eval()
    final = evaluate(model, tok, dev, hp["max_length"])
    log("final: " + json.dumps({k: v["macro_f1"] for k, v in final.items()}))
    metrics = {
        "hparams": hp,
        "final": final,
        "train_counts": dict(collections.Counter(r.get("source", "-").split("-")[0] for r in rows)),
        "train_pairs": len(rows),
        "train_minutes": round(train_s / 60, 1),
        "eval_minutes": round((time.time() - t_eval) / 60, 1),
    }
    old = Path(args.old_metrics)
    if old.exists():
        metrics["previous_model"] = json.loads(old.read_text()).get("old")
    save_fp16(model, tok, out, metrics)
    log(f"wrote fp16 model and metrics to {out}; total {(time.time() - t_start) / 60:.1f} min")


if __name__ == "__main__":
    main()
