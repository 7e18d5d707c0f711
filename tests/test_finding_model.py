"""The sentence model that reads whether an unplaced sentence reports a finding, and the audit gate that asks it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chatbot.audit.stance import reports_result
from core.cards import classify_sentence, cued_role
from core.finding_model import FindingModel, load_finding_model, ngrams
from core.settings import AuditSettings

SHIPPED = Path(__file__).resolve().parents[1] / "models" / "finding" / "finding.json"


def test_ngrams_read_every_digit_as_zero_and_pair_neighbours():
    assert ngrams("P < 0.05 in 12 mice") == ["p", "<", "0", "00", "in", "00", "mice", "p <", "< 0", "0 00", "00 in", "in 00", "00 mice"]


def test_probability_is_the_sigmoid_of_the_distinct_ngrams_weights():
    m = FindingModel({"found": 2.0, "we found": 1.0, "aim": -3.0}, bias=-1.0)
    assert m.probability("We found it; we found it again.") == pytest.approx(1 / (1 + pow(2.718281828, -2.0)), rel=1e-6)
    assert m.probability("The aim was this.") < 0.05
    assert m.probability("nothing known") == pytest.approx(1 / (1 + pow(2.718281828, 1.0)), rel=1e-6)


def test_a_missing_weights_file_is_no_model(tmp_path):
    assert load_finding_model(str(tmp_path / "absent.json")) is None


def test_cued_role_is_none_only_where_classify_sentence_falls_back_to_background():
    unplaced = "TFF1 interacts with the C-terminal portion of the Piezo1 protein."
    assert cued_role(unplaced) is None and classify_sentence(unplaced) == "background"
    assert cued_role("The aim of this study was to test X.") == "objective"
    assert cued_role("Scores were significantly lower with X (p = 0.01).") == "result"


def _settings(tmp_path: Path, weights: dict[str, float], bias: float = 0.0, finding_min: float = 0.5) -> AuditSettings:
    path = tmp_path / "finding.json"
    path.write_text(json.dumps({"bias": bias, "weights": weights}))
    return AuditSettings(finding_model=path, finding_min=finding_min)


def test_reports_result_asks_the_model_only_for_unplaced_sentences(tmp_path):
    s = _settings(tmp_path, {"interacts": 3.0, "aim": 5.0}, bias=-1.0)
    assert reports_result("TFF1 interacts with Piezo1.", "", s)  # unplaced: the model reads it as a finding
    assert not reports_result("TFF1 binds Piezo1.", "", s)  # unplaced, and the model gives it 0.27
    assert not reports_result("The aim of this study was to test whether TFF1 interacts with Piezo1.", "", s)  # an aim, whatever the model says
    assert reports_result("TFF1 binds Piezo1.", "Results", s)  # the section places it
    assert not reports_result("TFF1 interacts with Piezo1.", "", None)  # without settings: the rules alone


def test_reports_result_follows_the_threshold_and_a_missing_model(tmp_path):
    assert not reports_result("TFF1 interacts with Piezo1.", "", _settings(tmp_path, {"interacts": 1.0}, finding_min=0.9))
    assert not reports_result("TFF1 interacts with Piezo1.", "", AuditSettings(finding_model=tmp_path / "none.json"))


@pytest.mark.skipif(not SHIPPED.is_file(), reason="models/finding not present")
def test_the_shipped_model_tells_aims_methods_and_background_from_findings():
    m = load_finding_model(str(SHIPPED))
    assert m is not None
    for not_finding in (
        "The purpose of this investigation was to determine whether maximal oxygen consumption differed between groups.",
        "Chronic pain is a common condition that affects millions of people worldwide.",
        "Blood samples were collected at baseline and after eight weeks.",
    ):
        assert m.probability(not_finding) < 0.1, not_finding
    for finding in ("These results indicate that the protein is required for repair.", "In conclusion, the drug was well tolerated."):
        assert m.probability(finding) > 0.9, finding
