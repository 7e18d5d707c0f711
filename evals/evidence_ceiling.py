"""`python -m evals evidence-ceiling`: how well the claim verifier separates our labelled findings, with the
right studies handed to it and through the audit pipeline.

Why: the claim audit's figures on our labelled claims are far from their targets, and the question for
whoever works on it next is *where* the signal is lost — in retrieval, in choosing the sentence to judge,
in the decision layer, or in the verifier itself. This command answers it with two readings of the same
verifier on the same claims:

- **oracle**: every result or conclusion sentence (``core.cards.classify_sentence``) of the studies a
  labelled claim names as deciding (``deciding_docs``), from the store's own chunks;
- **pipeline**: the evidence the audit itself judged (retrieval, windows, gate), as
  ``training.fit_decision`` computes it.

For each gold finding it prints the mean of the claim's highest P(SUPPORTS) and P(REFUTES), and ROC AUCs
of the claim's best support margin (P(S) − P(R)) for ``supported`` against the findings a reader must
not confuse with it. An AUC near 0.5 means the verifier cannot tell those claims apart, whatever layer
sits on top.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

FINDING_ORDER = ("supported", "contradicted", "extrapolated", "conflicting", "unsupported", "not_covered")
CONTRASTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("contradicted or unsupported", ("contradicted", "unsupported")),
    ("contradicted", ("contradicted",)),
    ("unsupported", ("unsupported",)),
    ("extrapolated or conflicting", ("extrapolated", "conflicting")),
)


@dataclass
class ClaimReading:
    """One labelled claim's best verifier readings over a set of evidence sentences."""

    claim_id: str
    finding: str
    s_max: float = 0.0
    r_max: float = 0.0
    margin_max: float = -1.0
    sentences: int = 0


@dataclass
class CeilingReport:
    oracle: list[ClaimReading] = field(default_factory=list)
    pipeline: list[ClaimReading] = field(default_factory=list)


def roc_auc(positive: Sequence[float], negative: Sequence[float]) -> float:
    """Mann–Whitney estimate of P(score of a positive > score of a negative), ties counting half."""
    if not positive or not negative:
        return float("nan")
    p = np.asarray(positive, dtype=float)[:, None]
    n = np.asarray(negative, dtype=float)[None, :]
    return float(((p > n).sum() + 0.5 * (p == n).sum()) / (p.size * n.size))


def reading(claim_id: str, finding: str, probs: np.ndarray) -> ClaimReading:
    """Best support, refutation and support margin over one claim's judged sentences (rows: S, R, NEI)."""
    r = ClaimReading(claim_id, finding, sentences=int(len(probs)))
    if len(probs):
        r.s_max = float(probs[:, 0].max())
        r.r_max = float(probs[:, 1].max())
        r.margin_max = float((probs[:, 0] - probs[:, 1]).max())
    return r


def result_sentences(chunks: Sequence, doc_ids: set[str]) -> dict[str, list[str]]:
    """Each named document's result and conclusion sentences, in reading order, without repeats."""
    from core.cards import classify_sentence

    out: dict[str, list[str]] = {d: [] for d in doc_ids}
    for c in chunks:
        if c.doc_id not in doc_ids:
            continue
        for a, b in c.sentences:
            s = c.text[a:b].strip()
            if len(s) > 20 and classify_sentence(s, c.section or "") in ("result", "conclusion") and s not in out[c.doc_id]:
                out[c.doc_id].append(s)
    return out


def contrasts(readings: Sequence[ClaimReading]) -> dict[str, float]:
    sup = [r.margin_max for r in readings if r.finding == "supported" and r.sentences]
    out = {}
    for name, negs in CONTRASTS:
        out[f"supported vs {name}"] = round(roc_auc(sup, [r.margin_max for r in readings if r.finding in negs and r.sentences]), 3)
    return out


def by_finding(readings: Sequence[ClaimReading]) -> dict[str, dict[str, float]]:
    out = {}
    for f in FINDING_ORDER:
        rs = [r for r in readings if r.finding == f and r.sentences]
        if rs:
            out[f] = {
                "claims": len(rs),
                "mean_max_support": round(float(np.mean([r.s_max for r in rs])), 3),
                "mean_max_refute": round(float(np.mean([r.r_max for r in rs])), 3),
            }
    return out


def run(labelled: Path, settings=None) -> CeilingReport:
    from chatbot.audit.verifier import get_verifier
    from core.settings import get_settings
    from core.store import open_snapshot
    from evals.labelled_claims import judge_labelled, read_labelled

    s = settings or get_settings()
    rows = read_labelled(labelled)
    verifier = get_verifier(s)
    chunks = [c for c in open_snapshot(s).ordered_chunks() if c.role == "literature"]
    named = {d for r in rows for d in r.deciding_docs}
    sentences = result_sentences(chunks, named)
    report = CeilingReport()
    for r in rows:
        ev = [x for d in r.deciding_docs for x in sentences.get(d, [])]
        probs = verifier.score([(r.claim, x) for x in ev]) if ev else np.zeros((0, 3))
        report.oracle.append(reading(r.id, r.finding, probs))
    for j in judge_labelled(rows, s):
        probs = np.asarray([i.probs for i in j.items], dtype=float).reshape(-1, 3)
        report.pipeline.append(reading(j.id, j.finding, probs))
    return report


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m evals evidence-ceiling", description=__doc__.splitlines()[0])
    p.add_argument("--labelled", type=Path, default=Path("evals/data/claims.jsonl"), help="labelled claims with deciding_docs")
    a = p.parse_args(argv[1:])
    if not a.labelled.exists():
        print(f"error: {a.labelled} not found", file=sys.stderr)
        return 2
    rep = run(a.labelled)
    out = {name: {"by_finding": by_finding(rs), "auc_of_support_margin": contrasts(rs)} for name, rs in (("oracle", rep.oracle), ("pipeline", rep.pipeline))}
    print(json.dumps(out, indent=1))
    return 0
