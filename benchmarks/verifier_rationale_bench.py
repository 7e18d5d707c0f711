"""How the claim verifier reads SciFact's own gold rationales, on the claims it never trained on (issue 21).

    python benchmarks/verifier_rationale_bench.py [--shared ../shared]

Why: the claim audit's `supported` needs the verifier to be sure (P(SUPPORTS) >= 0.9) or a restatement; when
supported recall stays low, this says whether retrieval or the verifier is the limit. It scores, for every claim of
SciFact's dev split (``core.splits.claim_split``: held out of the verifier's training), each gold rationale against the
claim, plus one other sentence of the cited abstract as a not-enough-info pair, and reports per gold label how often
the verifier is sure, forward (claim, evidence) and reversed, and the support share P(S) / (P(S) + P(R)) among the pairs
it reads as relevant (P(NEI) < 0.5). Skips with a message when the dataset is not there.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def pairs(shared: Path) -> tuple[list[tuple[str, str]], list[str]]:
    from core.splits import claim_split

    root = shared / "datasets" / "scifact" / "allenai_release"
    corpus = {str(d["doc_id"]): d for d in map(json.loads, (root / "corpus.jsonl").open(encoding="utf-8"))}
    rng = random.Random(1)
    out: list[tuple[str, str]] = []
    labels: list[str] = []
    for claim in map(json.loads, (root / "claims_train.jsonl").open(encoding="utf-8")):
        if claim_split(claim["id"]) != "dev":
            continue
        for doc_id, rationales in claim["evidence"].items():
            abstract = corpus[doc_id]["abstract"]
            used = {i for r in rationales for i in r["sentences"]}
            for r in rationales:
                out.append((claim["claim"], " ".join(abstract[i] for i in r["sentences"])))
                labels.append(r["label"])
            others = [i for i in range(len(abstract)) if i not in used]
            if others:
                out.append((claim["claim"], abstract[rng.choice(others)]))
                labels.append("NEI")
    return out, labels


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=Path("../shared"))
    a = ap.parse_args()
    if not (a.shared / "datasets" / "scifact" / "allenai_release" / "claims_train.jsonl").exists():
        print(f"skipped: no SciFact release under {a.shared}/datasets/scifact")
        return 0
    import numpy as np

    from chatbot.audit.verifier import get_verifier
    from core.settings import Settings

    ps, labels = pairs(a.shared)
    lab = np.array(labels)
    verifier = get_verifier(Settings())
    forward = verifier.score(ps)
    reverse = verifier.score([(e, c) for c, e in ps])
    print(f"pairs by gold label: {dict(Counter(labels))}")
    for name, p in (("forward", forward), ("reversed", reverse)):
        s = p[lab == "SUPPORT", 0]
        print(f"{name}: supporting rationales with P(S) >= 0.5 {np.mean(s >= 0.5):.2f}, >= 0.9 {np.mean(s >= 0.9):.2f}")
    share = forward[:, 0] / np.maximum(forward[:, 0] + forward[:, 1], 1e-9)
    relevant = forward[:, 2] < 0.5
    for t in (0.5, 0.7, 0.9):
        kept = relevant & (share >= t)
        counts = {g: int((kept & (lab == g)).sum()) for g in ("SUPPORT", "CONTRADICT", "NEI")}
        print(f"P(NEI) < 0.5 and support share >= {t}: {counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
