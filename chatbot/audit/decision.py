"""The decision layer: claim features → support / contradiction / neither, with a calibrated probability.

A multinomial logistic regression over ``features.FEATURE_NAMES`` (standardised), fitted on
labelled claims by ``python -m training.fit_decision`` and shipped as JSON in
``models/decision/decision.json`` with the data it was fitted on and its held-out figures. It
replaces a chain of hand-set thresholds: how much a verifier probability, a matching number or
a null result counts is learned, and the reasons name the features that pushed the decision.

A false "supported" is the worst error the product can make, so "supported" also needs its
probability to clear ``supported_threshold``, chosen at fitting as the lowest threshold that
keeps false "supported" at or below the target rate on the fitting data.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
from pydantic import BaseModel, Field

from chatbot.audit.features import FEATURE_NAMES

CLASSES: tuple[str, str, str] = ("supported", "contradicted", "no_evidence")

_PLAIN = {
    "s_max": "a study sentence reads as stating the claim",
    "r_max": "a study sentence reads as stating the opposite",
    "s_matched": "support from studies of the claim's own conditions",
    "s_mismatched": "support only from studies of other conditions",
    "s_docs": "several studies support it",
    "r_docs": "several studies report against it",
    "num_ok": "a reported number matches the claimed one",
    "num_bad": "reported numbers differ from the claimed ones",
    "null": "a study reports a null result on the topic",
    "hedge": "the authors hedge their result",
    "top_rel": "a study sentence carries the claim's words",
    "passage_rel": "retrieved passages are on the claim's topic",
    "w_support": "the supporting study's design is strong",
    "w_refute": "the contradicting study's design is strong",
    "claim_number": "the claim states a number",
    "claim_null": "the claim states that something has no effect",
    "n_gated": "how many passages bear on the claim",
    "sim_max": "a study sentence says nearly the same thing",
    "sim_support": "the closest study sentence reads as stating the claim",
    "sim_refute": "the closest study sentence reads as stating the opposite",
    "sim_opposite": "the closest study sentence reports the effect in the other direction",
    "opposite_any": "a study sentence reports the effect in the other direction",
    "d_agree": "a study reports the change the claim states",
    "d_oppose": "a study reports the opposite change, or no significant difference",
    "d_agree_matched": "a study of the claim's own conditions reports the change the claim states",
    "d_oppose_matched": "a study of the claim's own conditions reports otherwise",
    "d_agree_docs": "several studies report the change the claim states",
    "d_oppose_docs": "several studies report otherwise",
}


class DecisionModel(BaseModel):
    """Fitted weights and where they came from (shipped as JSON, validated when read)."""

    feature_names: list[str] = Field(default_factory=lambda: list(FEATURE_NAMES))
    classes: list[str] = Field(default_factory=lambda: list(CLASSES))
    mean: list[float]
    scale: list[float]
    weights: list[list[float]]  # [class][feature]
    bias: list[float]
    supported_threshold: float = Field(0.5, description="P(supported) needed for 'supported'.")
    l2: float = 1.0
    fitted_on: dict[str, int] = Field(default_factory=dict, description="Claims per source used for fitting.")
    metrics: dict[str, float] = Field(default_factory=dict, description="Figures measured when fitted.")
    note: str = ""

    def proba(self, features: Mapping[str, float] | Sequence[float]) -> np.ndarray:
        x = self._vector(features)
        z = (x - np.asarray(self.mean)) / np.asarray(self.scale)
        logits = np.asarray(self.weights) @ z + np.asarray(self.bias)
        e = np.exp(logits - logits.max())
        return e / e.sum()

    def contributions(self, features: Mapping[str, float], cls: str) -> list[tuple[str, float]]:
        """Each feature's push towards ``cls`` relative to the other classes, largest first."""
        x = self._vector(features)
        z = (x - np.asarray(self.mean)) / np.asarray(self.scale)
        w = np.asarray(self.weights)
        k = self.classes.index(cls)
        rel = w[k] - np.delete(w, k, axis=0).mean(axis=0)
        push = rel * z
        order = np.argsort(-push)
        return [(self.feature_names[i], float(push[i])) for i in order]

    def _vector(self, features: Mapping[str, float] | Sequence[float]) -> np.ndarray:
        if isinstance(features, Mapping):
            return np.asarray([float(features.get(n, 0.0)) for n in self.feature_names])
        return np.asarray(list(features), dtype=float)

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:12]


def plain(feature: str) -> str:
    return _PLAIN.get(feature, feature.replace("_", " "))


def fit(X: np.ndarray, y: Sequence[str], *, l2: float = 1.0, iters: int = 3000, lr: float = 0.2, sample_weight: np.ndarray | None = None) -> DecisionModel:
    """Multinomial logistic regression by full-batch gradient descent (small data, deterministic)."""
    X = np.asarray(X, dtype=float)
    n, d = X.shape
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    scale[scale < 1e-6] = 1.0
    Z = (X - mean) / scale
    Y = np.zeros((n, len(CLASSES)))
    for i, lab in enumerate(y):
        Y[i, CLASSES.index(lab)] = 1.0
    sw = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    sw = sw / sw.mean()
    W = np.zeros((len(CLASSES), d))
    b = np.log((Y * sw[:, None]).sum(axis=0) + 1.0)
    for _ in range(iters):
        logits = Z @ W.T + b
        logits -= logits.max(axis=1, keepdims=True)
        P = np.exp(logits)
        P /= P.sum(axis=1, keepdims=True)
        G = (P - Y) * sw[:, None]
        W -= lr * (G.T @ Z / n + l2 * W / n)
        b -= lr * G.mean(axis=0)
    return DecisionModel(mean=mean.round(6).tolist(), scale=scale.round(6).tolist(), weights=W.round(6).tolist(), bias=b.round(6).tolist(), l2=l2)


def choose_threshold(model: DecisionModel | None, X: np.ndarray, y: Sequence[str], max_false_rate: float, probs: np.ndarray | None = None) -> float:
    """Lowest P(supported) threshold whose false 'supported' rate on (X, y) is at most ``max_false_rate``.

    ``probs``: out-of-fold probabilities for the same rows. Probabilities of the rows a model was
    fitted on are overconfident, and a threshold chosen on them let 10 % false 'supported' through
    on held-out SciFact claims; out-of-fold ones behave like new claims.
    """
    p = np.asarray(probs) if probs is not None else np.asarray([model.proba(x) for x in X])
    pred_sup = p.argmax(axis=1) == 0
    neg = np.asarray([lab != "supported" for lab in y])
    for t in np.round(np.arange(0.30, 0.96, 0.01), 2):
        called = pred_sup & (p[:, 0] >= t)
        if neg.sum() == 0 or (called & neg).sum() / neg.sum() <= max_false_rate:
            return float(t)
    return 0.96


def load(path: str | Path) -> DecisionModel | None:
    p = Path(path)
    if not p.is_file():
        return None
    return _load(str(p), p.stat().st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _load(path: str, _mtime: int) -> DecisionModel:
    return DecisionModel.model_validate(json.loads(Path(path).read_text(encoding="utf-8")))


def prior_model() -> DecisionModel:
    """Weights set by hand, used only when no fitted model is shipped (e.g. before the first fit).

    Deliberately conservative: support needs high verifier support from condition-matched studies.
    """
    names = list(FEATURE_NAMES)
    d = len(names)
    W = np.zeros((3, d))

    def w(cls: int, name: str, v: float) -> None:
        W[cls, names.index(name)] = v

    w(0, "s_matched", 2.0)
    w(0, "s_docs", 0.8)
    w(0, "num_ok", 0.8)
    w(0, "null", -1.0)
    w(0, "hedge", -0.5)
    w(0, "top_rel", 0.8)
    w(0, "num_bad", -1.5)
    w(1, "r_max", 1.6)
    w(1, "num_bad", 1.5)
    w(1, "r_docs", 0.6)
    w(1, "null", 0.6)
    w(2, "passage_rel", -0.2)
    return DecisionModel(
        mean=[0.0] * d, scale=[1.0] * d, weights=W.tolist(), bias=[-1.6, -1.3, 0.0], supported_threshold=0.6, note="hand-set prior (no fitted model found)"
    )
