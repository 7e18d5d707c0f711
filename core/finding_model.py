"""Does a sentence report a finding? A linear model over word n-grams, for sentences no cue word places.

Why: ``core.cards.classify_sentence`` reads roles from cue words and section headings. An abstract
without headings ("TFF1 interacts with the C-terminal portion of Piezo1.", "No association was
detected between surgery and fractures.") gives most result sentences no cue, so the rules call them
background, and the claim audit never hears what they report: 447 of the 826 rationale sentences of
SciFact's training claims were "background". This model, fitted on the headed sections of
structured RCT abstracts (Evidence Inference, MIT; ``training/train_finding_model.py``), gives the
probability that a sentence is a result or a conclusion rather than background, aim or method. It is
data, not rules: it knows no topic, only how findings are worded (tense, "we show", statistics).

The weights ship as JSON (``models/finding/finding.json``); without the file every caller keeps the rules.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

# words, digit runs (each digit read as 0, so "p < 0.05" and "p < 0.01" share features) and the signs statistics use
_TOKEN = re.compile(r"[a-z]+|0+|[%<>=±]")


def ngrams(sentence: str) -> list[str]:
    """The unigrams and bigrams the model weighs (the training script uses this same function)."""
    toks = _TOKEN.findall(re.sub(r"\d", "0", sentence.lower()))
    return toks + [f"{a} {b}" for a, b in zip(toks, toks[1:])]


@dataclass(frozen=True)
class FindingModel:
    """Logistic regression: P(finding) = sigmoid(bias + sum of the weights of the sentence's distinct n-grams)."""

    weights: dict[str, float]
    bias: float
    fingerprint: str = ""  # of the weights file: an audit computed with other weights is out of date

    def probability(self, sentence: str) -> float:
        z = self.bias + sum(self.weights.get(g, 0.0) for g in set(ngrams(sentence)))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@functools.lru_cache(maxsize=4)
def load_finding_model(path: str) -> FindingModel | None:
    """The model at ``path``, or None when there is no such file (callers then keep the rules alone)."""
    p = Path(path)
    if not p.is_file():
        return None
    raw = p.read_bytes()
    data = json.loads(raw.decode("utf-8"))
    return FindingModel({str(k): float(v) for k, v in data["weights"].items()}, float(data["bias"]), hashlib.sha256(raw).hexdigest()[:12])
