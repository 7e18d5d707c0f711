"""Builds the verifier's training and dev pairs from ../shared/datasets, deterministically.

Why this file exists apart from the training loop: the exact data a shipped model saw must be
reproducible and inspectable (`python -m training.verifier_data --stats`).

Design choices (see the model card for the reasons):
- Every pair is (claim, short evidence passage). NOT_ENOUGH_INFO evidence is cut to a window of
  1-3 sentences so that length cannot give the label away (the SciFact/HealthVer abstract caveat).
- Dev splits are never trained on: HealthVer dev, COVID-Fact test, a claim-level 20 % slice of
  SciFact train and of Climate-FEVER, SNLI test.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import re
from pathlib import Path

from core.splits import claim_split

LABELS = ["SUPPORTS", "REFUTES", "NOT_ENOUGH_INFO"]
NLI_MAP = {"entailment": "SUPPORTS", "contradiction": "REFUTES", "neutral": "NOT_ENOUGH_INFO"}
SEED = 13
_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[])")


def _read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENT.split(text or "") if s.strip()]


def _window(sents: list[str], rng: random.Random, avoid: set[int] | None = None) -> str | None:
    """A 1-3 sentence window, avoiding rationale sentences, about the length of real evidence."""
    avoid = avoid or set()
    idx = [i for i in range(len(sents)) if i not in avoid]
    if not idx:
        return None
    start = rng.choice(idx)
    size = rng.choice([1, 1, 2, 2, 3])
    out = []
    for i in range(start, min(len(sents), start + size)):
        if i in avoid:
            break
        out.append(sents[i])
    text = " ".join(out)
    return text if len(text.split()) >= 5 else None


def _claim_split(claim_id, dev_fraction: float = 0.2) -> str:
    """Stable, order-independent split by claim id (core.splits, shared with the audit evaluation)."""
    return claim_split(claim_id, dev_fraction)


def _abstract_pairs(rows: list[dict], rng: random.Random, source: str, extra_nei: float) -> list[dict]:
    """Rationale pairs as given; NEI as sentence windows; extra NEI from non-rationale sentences."""
    out = []
    for r in rows:
        claim = r["claim"].strip()
        label = r["label"]
        sents = _sentences(r.get("abstract") or r["evidence"])
        if label == "NOT_ENOUGH_INFO":
            ev = _window(sents, rng)
            if ev:
                out.append({"claim": claim, "evidence": ev, "label": label, "source": source})
            continue
        out.append({"claim": claim, "evidence": r["evidence"].strip(), "label": label, "source": source})
        rat = set(r.get("rationale_sentence_ids") or [])
        if rat and rng.random() < extra_nei:
            ev = _window(sents, rng, avoid=rat)
            if ev:
                out.append({"claim": claim, "evidence": ev, "label": "NOT_ENOUGH_INFO", "source": source + "-nonrationale"})
    return out


def build(shared: Path) -> dict[str, list[dict]]:
    """Returns {"general": [...], "domain": [...], dev splits...}; same output on every run."""
    rng = random.Random(SEED)
    ds = shared / "datasets"
    data: dict[str, list[dict]] = {}

    snli_dev = _read(ds / "nli/snli_dev.jsonl")
    snli_test = _read(ds / "nli/snli_test.jsonl")
    general = [
        {"claim": r["hypothesis"], "evidence": r["premise"], "label": NLI_MAP[r["label"]], "source": "snli"} for r in snli_dev if r.get("label") in NLI_MAP
    ]
    fever = _read(ds / "fever/fever_dev_pairs.jsonl")
    rng.shuffle(fever)
    general += [{"claim": r["claim"], "evidence": r["evidence"], "label": r["label"], "source": "fever"} for r in fever[:5000]]
    climate = _read(ds / "climate_fever/climate_fever_pairs.jsonl")
    climate_train = [r for r in climate if _claim_split(r["claim_id"]) == "train"]
    climate_dev = [r for r in climate if _claim_split(r["claim_id"]) == "dev"]
    # Climate-FEVER is 64 % NEI; keep every S/R and half of the NEI to stay near balance.
    general += [
        {"claim": r["claim"], "evidence": r["evidence"], "label": r["label"], "source": "climate_fever"}
        for r in climate_train
        if r["label"] != "NOT_ENOUGH_INFO" or rng.random() < 0.5
    ]
    rng.shuffle(general)
    data["general"] = general

    hv_train = _read(ds / "healthver/train_abstract_pairs.jsonl")
    sf = _read(ds / "scifact/pairs_train.jsonl")
    sf_train = [r for r in sf if _claim_split(r["claim_id"]) == "train"]
    sf_dev = [r for r in sf if _claim_split(r["claim_id"]) == "dev"]
    cf_train = _read(ds / "covidfact/pairs_multivers_train.jsonl")
    domain = _abstract_pairs(hv_train, rng, "healthver", extra_nei=0.35)
    domain += _abstract_pairs(sf_train, rng, "scifact", extra_nei=0.35)
    domain += [{"claim": r["claim"], "evidence": r["evidence"], "label": r["label"], "source": "covidfact"} for r in cf_train]
    rng.shuffle(domain)
    data["domain"] = domain

    dev_rng = random.Random(SEED + 1)
    data["dev_healthver"] = [{"claim": r["claim"], "evidence": r["evidence"], "label": r["label"]} for r in _read(ds / "healthver/dev.jsonl")]
    data["dev_healthver_abstract"] = _abstract_pairs(_read(ds / "healthver/dev_abstract_pairs.jsonl"), dev_rng, "hv-dev", extra_nei=0.0)
    data["dev_scifact"] = _abstract_pairs(sf_dev, dev_rng, "sf-dev", extra_nei=0.0)
    data["dev_covidfact"] = [{"claim": r["claim"], "evidence": r["evidence"], "label": r["label"]} for r in _read(ds / "covidfact/pairs_multivers_test.jsonl")]
    data["dev_climate_fever"] = [{"claim": r["claim"], "evidence": r["evidence"], "label": r["label"]} for r in climate_dev]
    data["dev_snli"] = [{"claim": r["hypothesis"], "evidence": r["premise"], "label": NLI_MAP[r["label"]]} for r in snli_test if r.get("label") in NLI_MAP][
        :3000
    ]
    cc_dev = ds / "checkcovid/checkcovid_dev.jsonl"
    if cc_dev.exists():  # added with stage 3; reads no rng, so the pairs above are unchanged
        data["dev_checkcovid"] = [{"claim": r["claim"], "evidence": r["evidence"], "label": r["label"]} for r in _read(cc_dev)]
    return data


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--stats", action="store_true")
    args = ap.parse_args()
    data = build(Path(args.shared))
    for name, rows in data.items():
        c = collections.Counter(r["label"] for r in rows)
        src = collections.Counter(r.get("source", "-") for r in rows)
        words = sorted(len(r["evidence"].split()) for r in rows)
        print(f"{name:24s} {len(rows):6d} {dict(c)} median_ev_words={words[len(words) // 2]} {dict(src) if args.stats else ''}")


if __name__ == "__main__":
    main()
