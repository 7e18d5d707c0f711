"""What every training script does the same way: seeded, thread-pinned runs with a timestamped log,
and the fp16 safetensors + metrics.json the project ships."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch


def start_run(work: Path, seed: int, threads: int) -> Callable[[str], None]:
    """Seed python/numpy/torch, pin torch's threads, and return a logger writing to stdout and ``work/train.log``."""
    torch.manual_seed(seed)
    random.seed(seed)
    np.random.seed(seed)
    torch.set_num_threads(threads)
    work.mkdir(parents=True, exist_ok=True)
    logf = (work / "train.log").open("a")

    def log(msg: str) -> None:
        line = f"{time.strftime('%H:%M:%S')} {msg}"
        print(line, flush=True)
        logf.write(line + "\n")
        logf.flush()

    return log


def save_fp16(model, tok, out: Path, metrics: dict[str, Any] | None = None) -> None:
    """The shipped format: fp16 safetensors (half the size; cast back to fp32 at load), tokenizer, metrics.json."""
    out.mkdir(parents=True, exist_ok=True)
    model.half().save_pretrained(out, safe_serialization=True)
    tok.save_pretrained(out)
    if metrics is not None:
        (out / "metrics.json").write_text(json.dumps(metrics, indent=2))


def optimizer_step(loss: torch.Tensor, model: torch.nn.Module, opt: torch.optim.Optimizer, sched: Any, clip: float = 1.0) -> None:
    """One update as every training script here does it: backward, clip the gradient norm, step, schedule, zero."""
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
    opt.step()
    sched.step()
    opt.zero_grad()


def decay_groups(model: torch.nn.Module, weight_decay: float) -> list[dict[str, Any]]:
    """AdamW parameter groups as every training script here uses them: no weight decay on biases and LayerNorm weights."""
    no_decay = ("bias", "LayerNorm.weight")
    return [
        {"params": [p for n, p in model.named_parameters() if not any(nd in n for nd in no_decay)], "weight_decay": weight_decay},
        {"params": [p for n, p in model.named_parameters() if any(nd in n for nd in no_decay)], "weight_decay": 0.0},
    ]
