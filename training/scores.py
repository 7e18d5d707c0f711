"""Per-class precision, recall and F1: one count for every training script's report (fit_decision,
train_direction, train_verifier printed the same table from three copies of this loop)."""

from __future__ import annotations

from typing import NamedTuple, Sequence


class ClassScore(NamedTuple):
    precision: float
    recall: float
    f1: float
    n: int  # gold examples of the class (0: absent from this data set)


def class_scores(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> dict[str, ClassScore]:
    """Each label's precision, recall and F1 of ``pred`` against ``gold`` (0.0 where undefined)."""
    out = {}
    for lab in labels:
        tp = sum(g == lab and p == lab for g, p in zip(gold, pred))
        fp = sum(g != lab and p == lab for g, p in zip(gold, pred))
        fn = sum(g == lab and p != lab for g, p in zip(gold, pred))
        pr = tp / (tp + fp) if tp + fp else 0.0
        rc = tp / (tp + fn) if tp + fn else 0.0
        out[lab] = ClassScore(pr, rc, 2 * pr * rc / (pr + rc) if pr + rc else 0.0, tp + fn)
    return out


def accuracy(gold: Sequence[str], pred: Sequence[str]) -> float:
    return sum(g == p for g, p in zip(gold, pred)) / max(1, len(gold))
