"""Regression pairs for the shipped claim verifier (models/verifier).

tests/data/verifier_regression.jsonl holds hand-written (claim, evidence) pairs on several health
topics, in seven kinds: a paraphrase of the evidence (SUPPORTS), a negation inserted or removed,
a number changed a lot, a direction flipped (REFUTES), evidence on the topic that does not
say anything about the claim (NOT_ENOUGH_INFO), a sentence quoted verbatim (SUPPORTS), and mirrored
groups (a claim and its flipped twin, each against a sentence and its flipped twin). The minimum per kind is what the current model
achieves (see models/verifier/README.md); the model before stage 3 fails the number, direction and
unrelated floors and the glycine case, so a regression to it, or to something like it, fails here.
"""

from __future__ import annotations

import collections
import json
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data" / "verifier_regression.jsonl"

# kind -> minimum number of pairs labelled right (out of the count in the data file)
# Set from the stage-7 model (issue 21, 2026-12-06): 8, 8, 7, 6, 8, 8 and 6 (51 of 58). The stage-6 model it replaced got
# 8, 8, 8, 5, 8, 6 and 6 (49); the stage-3 model 6, 7, 7, 4, 8, 4 and 6 (42); the stage 1+2 model 7, 7, 2, 0 and 5 on the
# first five kinds. Paraphrases with a different verb than the evidence ("lowers" vs "reduced ... by 8 mmHg") were read as
# REFUTES 4 times in 10 by the stage-3 model, 2 by the later ones: raise a floor when a model does better, never lower it
# silently. The number floor was lowered once, by one pair, and said: stage 7 reads "The trial enrolled 2,000 patients."
# against a trial of 200 as NOT_ENOUGH_INFO (0.52) rather than REFUTES (0.46); every dev set's REFUTES F1 that matters
# (HealthVer 0.393 -> 0.427) and two more kinds here went up (models/verifier/README.md, "Stage 7").
MIN_CORRECT = {
    "paraphrase": 8,  # of 10
    "negation": 8,  # of 8
    "number": 7,  # of 8
    "direction": 6,  # of 8
    "unrelated": 8,  # of 8
    # A sentence quoted verbatim (or its first clause) must support itself; the stage-3 model read 4 of 8 as REFUTES, the
    # stage-6 one 2, this one none.
    "quote": 8,  # of 8
    # The same claim against a sentence and against its direction-flipped twin: 2 groups of 4 pairs.
    "mirrored": 6,  # of 8
}


def _pairs() -> list[dict]:
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_regression_file_is_well_formed():
    pairs = _pairs()
    kinds = collections.Counter(p["kind"] for p in pairs)
    assert set(kinds) == set(MIN_CORRECT)
    expected = {
        "paraphrase": {"SUPPORTS"},
        "negation": {"REFUTES"},
        "number": {"REFUTES"},
        "direction": {"REFUTES"},
        "unrelated": {"NOT_ENOUGH_INFO"},
        "quote": {"SUPPORTS"},
        "mirrored": {"SUPPORTS", "REFUTES"},
    }
    for p in pairs:
        assert p["label"] in expected[p["kind"]], p
        assert p["claim"].strip() and p["evidence"].strip()
    for kind, n in MIN_CORRECT.items():
        assert 0 < n <= kinds[kind], (kind, n, kinds[kind])


@pytest.fixture(scope="module")
def verifier():
    from chatbot.audit.verifier import VerifierMissingError, get_verifier
    from core.settings import get_settings

    try:
        return get_verifier(get_settings())
    except VerifierMissingError as e:
        pytest.skip(str(e))


@pytest.mark.integration
def test_verifier_regression_pairs(verifier):
    pairs = _pairs()
    probs = verifier.score([(p["claim"], p["evidence"]) for p in pairs])
    labels = verifier.label(probs)
    right = collections.Counter()
    wrong: dict[str, list[str]] = collections.defaultdict(list)
    for p, lab, pr in zip(pairs, labels, probs):
        if lab == p["label"]:
            right[p["kind"]] += 1
        else:
            wrong[p["kind"]].append(f"{p['claim']!r} -> {lab} {[round(float(x), 2) for x in pr]}")
    failures = [f"{kind}: {right[kind]} right, need {n}; wrong: {wrong[kind]}" for kind, n in MIN_CORRECT.items() if right[kind] < n]
    assert not failures, "\n".join(failures)


@pytest.mark.integration
def test_glycine_paraphrase_is_not_read_as_refuting(verifier):
    # the case from issue 10: the old model gave P(REFUTES) 0.64 here
    p = verifier.score([("Glycine taken before bed shortens sleep latency.", "On PSG, glycine shortened the latency to sleep onset.")])[0]
    assert p[0] > 0.5 and p[1] < 0.25, p
