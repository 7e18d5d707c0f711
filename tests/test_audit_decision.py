"""The decision layer of the claim audit on fixed feature vectors (no evidence, no verifier, no store)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from pydantic import ValidationError

from chatbot.audit import decision
from chatbot.audit.features import FEATURE_NAMES
from core.settings import PROJECT_ROOT, Settings

NAMES = list(FEATURE_NAMES)
SHIPPED = PROJECT_ROOT / "models" / "decision" / "decision.json"


def vec(**values: float) -> np.ndarray:
    unknown = set(values) - set(NAMES)
    assert not unknown, unknown
    return np.asarray([float(values.get(n, 0.0)) for n in NAMES])


def separable(n: int = 30, seed: int = 0) -> tuple[np.ndarray, list[str]]:
    """Three clusters: support from matched studies, refutation, and nothing on topic."""
    rng = np.random.default_rng(seed)
    rows, labels = [], []
    for _ in range(n):
        hi, lo = rng.uniform(0.75, 1.0), rng.uniform(0.0, 0.15)
        rows.append(vec(s_max=hi, s_matched=hi, r_max=lo, s_docs=rng.integers(1, 3), top_rel=rng.uniform(0.5, 1.0)))
        labels.append("supported")
        rows.append(vec(s_max=lo, r_max=hi, r_docs=rng.integers(1, 3), num_bad=rng.integers(0, 2), top_rel=rng.uniform(0.5, 1.0)))
        labels.append("contradicted")
        rows.append(vec(s_max=lo, r_max=lo, top_rel=rng.uniform(0.0, 0.3), passage_rel=rng.uniform(0.0, 0.4)))
        labels.append("no_evidence")
    return np.asarray(rows), labels


def overlapping(seed: int = 1) -> tuple[np.ndarray, list[str]]:
    """Support that is sometimes wrong: a verifier's high P(SUPPORTS) on claims labelled otherwise."""
    rng = np.random.default_rng(seed)
    rows, labels = [], []
    for _ in range(60):
        s = rng.uniform(0.0, 1.0)
        truth = "supported" if s + rng.normal(0, 0.25) > 0.6 else rng.choice(["contradicted", "no_evidence"])
        rows.append(vec(s_max=s, s_matched=s, r_max=(1 - s) * rng.uniform(0, 1) if truth == "contradicted" else 0.1, top_rel=rng.uniform(0.3, 1.0)))
        labels.append(str(truth))
    return np.asarray(rows), labels


@pytest.fixture(scope="module")
def fitted() -> decision.DecisionModel:
    X, y = separable()
    return decision.fit(X, y, l2=1.0)


# ---------------------------------------------------------------------------- fit and proba


def test_fit_recovers_labels_of_a_separable_set(fitted):
    X, y = separable()
    pred = [fitted.classes[int(np.argmax(fitted.proba(x)))] for x in X]
    assert pred == y
    # and on fresh points from the same clusters
    X2, y2 = separable(n=10, seed=7)
    assert [fitted.classes[int(np.argmax(fitted.proba(x)))] for x in X2] == y2


def test_fitted_model_describes_itself(fitted):
    assert fitted.feature_names == NAMES and fitted.classes == list(decision.CLASSES)
    assert len(fitted.weights) == 3 and all(len(w) == len(NAMES) for w in fitted.weights)
    assert len(fitted.mean) == len(fitted.scale) == len(NAMES) and all(s > 0 for s in fitted.scale)


def test_proba_sums_to_one_and_accepts_a_mapping_or_a_vector(fitted):
    for x in (*separable(n=3)[0], np.zeros(len(NAMES)), np.full(len(NAMES), 5.0)):
        p = fitted.proba(x)
        assert p.shape == (3,) and np.all(p >= 0) and p.sum() == pytest.approx(1.0)
        assert np.allclose(fitted.proba(dict(zip(NAMES, x))), p)
    # a mapping may omit features (they read as 0)
    assert fitted.proba({"s_max": 0.9}).sum() == pytest.approx(1.0)
    assert np.allclose(fitted.proba({"s_max": 0.9}), fitted.proba(vec(s_max=0.9)))


def test_proba_is_stable_for_extreme_inputs(fitted):
    p = fitted.proba(np.full(len(NAMES), 1e4))
    assert np.all(np.isfinite(p)) and p.sum() == pytest.approx(1.0)


def test_fit_is_deterministic():
    X, y = separable()
    a, b = decision.fit(X, y, l2=1.0), decision.fit(X, y, l2=1.0)
    assert a.weights == b.weights and a.bias == b.bias


def test_stronger_l2_shrinks_weights():
    X, y = separable()
    loose, tight = decision.fit(X, y, l2=0.1), decision.fit(X, y, l2=100.0)
    assert np.abs(tight.weights).sum() < np.abs(loose.weights).sum()


def test_sample_weight_pulls_ambiguous_points_towards_the_heavier_class():
    X = np.asarray([vec(s_max=0.6), vec(s_max=0.6), vec(s_max=0.9), vec(s_max=0.1)])
    y = ["supported", "no_evidence", "supported", "no_evidence"]
    plain = decision.fit(X, y).proba(vec(s_max=0.6))
    heavy = decision.fit(X, y, sample_weight=np.asarray([5.0, 1.0, 1.0, 1.0])).proba(vec(s_max=0.6))
    k = decision.CLASSES.index("supported")
    assert heavy[k] > plain[k]


# ---------------------------------------------------------------------------- threshold


@pytest.mark.parametrize("target", [0.0, 0.02, 0.1, 0.3])
def test_choose_threshold_keeps_false_supported_at_or_below_target(target):
    X, y = overlapping()
    model = decision.fit(X, y, l2=1.0)
    t = decision.choose_threshold(model, X, y, target)
    P = np.asarray([model.proba(x) for x in X])
    neg = np.asarray([lab != "supported" for lab in y])
    assert neg.any() and (~neg).any()

    def false_rate(th: float) -> float:
        called = (P.argmax(axis=1) == 0) & (P[:, 0] >= th)
        return (called & neg).sum() / neg.sum()

    assert 0.30 <= t <= 0.96
    if t < 0.96:
        assert false_rate(t) <= target
        if t > 0.30:  # the lowest such threshold: one step lower breaks the target
            assert false_rate(round(t - 0.01, 2)) > target


def test_choose_threshold_rises_as_the_target_tightens():
    X, y = overlapping()
    model = decision.fit(X, y, l2=1.0)
    ts = [decision.choose_threshold(model, X, y, r) for r in (0.5, 0.1, 0.02, 0.0)]
    assert ts == sorted(ts)


def test_choose_threshold_without_negatives_is_the_lowest():
    X, y = separable()
    pos = [i for i, lab in enumerate(y) if lab == "supported"]
    model = decision.fit(X, y)
    assert decision.choose_threshold(model, X[pos], [y[i] for i in pos], 0.0) == pytest.approx(0.30)


# ---------------------------------------------------------------------------- contributions


def test_contributions_rank_the_driving_feature_first(fitted):
    sup = fitted.contributions(dict(zip(NAMES, vec(s_max=0.95, s_matched=0.95, s_docs=2, top_rel=0.8))), "supported")
    assert [n for n, _ in sup] and set(n for n, _ in sup) == set(NAMES)
    assert sup[0][0] in {"s_matched", "s_max", "s_docs"} and sup[0][1] > 0
    assert [v for _, v in sup] == sorted((v for _, v in sup), reverse=True)


def test_contributions_of_a_fitted_model_name_the_one_feature_that_separates_a_class():
    rng = np.random.default_rng(2)
    rows, labels = [], []
    for _ in range(30):
        noise = {"top_rel": rng.uniform(0.3, 0.9), "passage_rel": rng.uniform(0.3, 0.9)}
        rows += [vec(s_matched=rng.uniform(0.7, 1.0), **noise), vec(num_bad=1.0, **noise), vec(**noise)]
        labels += ["supported", "contradicted", "no_evidence"]
    m = decision.fit(np.asarray(rows), labels)
    f = dict(zip(NAMES, vec(num_bad=1.0, top_rel=0.6, passage_rel=0.6)))
    assert m.contributions(f, "contradicted")[0][0] == "num_bad"
    f = dict(zip(NAMES, vec(s_matched=0.9, top_rel=0.6, passage_rel=0.6)))
    assert m.contributions(f, "supported")[0][0] == "s_matched"


def test_contributions_of_a_hand_set_model_are_exact():
    W = np.zeros((3, len(NAMES)))
    W[0, NAMES.index("s_matched")] = 3.0
    W[0, NAMES.index("hedge")] = -1.0
    W[1, NAMES.index("num_bad")] = 2.0
    m = decision.DecisionModel(mean=[0.0] * len(NAMES), scale=[1.0] * len(NAMES), weights=W.tolist(), bias=[0.0, 0.0, 0.0])
    f = dict(zip(NAMES, vec(s_matched=0.9, num_bad=1.0, hedge=1.0)))
    sup = m.contributions(f, "supported")
    assert sup[0] == ("s_matched", pytest.approx(2.7))
    assert sup[-1][0] == "hedge" or dict(sup)["num_bad"] < 0
    assert dict(sup)["num_bad"] == pytest.approx(-1.0)  # pushes towards contradicted, so away from supported
    con = m.contributions(f, "contradicted")
    assert con[0] == ("num_bad", pytest.approx(2.0))


def test_plain_words_for_every_feature():
    for n in NAMES:
        assert decision.plain(n) and decision.plain(n) != n
    assert decision.plain("unknown_feature") == "unknown feature"


# ---------------------------------------------------------------------------- JSON and loading


def test_json_round_trip_gives_identical_probabilities(fitted):
    m = fitted.model_copy(update={"supported_threshold": 0.73, "fitted_on": {"synthetic": 90}, "metrics": {"acc": 1.0}, "note": "test"})
    back = decision.DecisionModel.model_validate_json(m.model_dump_json())
    assert back == m and back.fingerprint == m.fingerprint
    for x in separable(n=5, seed=3)[0]:
        assert np.array_equal(back.proba(x), m.proba(x))
    assert back.supported_threshold == 0.73 and back.fitted_on == {"synthetic": 90}


def test_load_reads_a_written_model_and_none_when_missing(tmp_path, fitted):
    assert decision.load(tmp_path / "missing.json") is None
    p = tmp_path / "decision.json"
    p.write_text(fitted.model_dump_json(), encoding="utf-8")
    loaded = decision.load(p)
    assert loaded is not None and loaded.fingerprint == fitted.fingerprint


def test_malformed_model_is_rejected(tmp_path):
    with pytest.raises(ValidationError):
        decision.DecisionModel.model_validate_json(json.dumps({"mean": [0.0], "scale": [1.0]}))  # no weights, no bias
    p = tmp_path / "bad.json"
    p.write_text(json.dumps({"mean": "not a list", "scale": [1.0], "weights": [[0.0]], "bias": [0.0]}), encoding="utf-8")
    with pytest.raises(ValidationError):
        decision.load(p)


def test_prior_model_is_conservative_and_complete():
    prior = decision.prior_model()
    assert prior.feature_names == NAMES and prior.classes == list(decision.CLASSES)
    assert prior.supported_threshold >= 0.5 and "prior" in prior.note
    k = decision.CLASSES.index("supported")
    nothing = prior.proba(vec())
    assert int(np.argmax(nothing)) == decision.CLASSES.index("no_evidence")
    strong = prior.proba(vec(s_max=0.95, s_matched=0.95, s_docs=2, top_rel=0.9, w_support=0.85))
    assert strong[k] >= prior.supported_threshold
    for doubt in (dict(num_bad=1.0), dict(null=1.0)):
        assert prior.proba(vec(s_max=0.95, s_matched=0.95, s_docs=1, top_rel=0.9, **doubt))[k] < strong[k]


def test_settings_name_the_shipped_model_path():
    assert Settings.model_fields["decision_model"].default == SHIPPED


def test_shipped_model_validates_and_weighs_only_computed_features():
    """Every feature the shipped layer weighs is computed, in the order it was fitted on. It may weigh fewer than are
    computed: the direction features (d_*) are computed and recorded, but a layer refitted with them did worse on the
    held-out SciFact claims (models/decision/README.md), so the shipped one predates them."""
    if not SHIPPED.is_file():
        pytest.skip(f"no fitted decision model at {SHIPPED} (python -m training.fit_decision writes it; the prior is used)")
    m = decision.load(SHIPPED)
    assert m is not None
    assert m.feature_names == [n for n in FEATURE_NAMES if n in m.feature_names] and set(m.feature_names) <= set(FEATURE_NAMES)
    assert m.classes == list(decision.CLASSES)
    assert len(m.weights) == len(m.classes) and all(len(w) == len(m.feature_names) for w in m.weights)
    assert len(m.mean) == len(m.scale) == len(m.feature_names) and len(m.bias) == len(m.classes)
    assert 0.0 < m.supported_threshold < 1.0
    assert m.proba({}).sum() == pytest.approx(1.0)
