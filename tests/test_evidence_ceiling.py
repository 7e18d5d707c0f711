"""The verifier-ceiling diagnostic: its AUC, per-claim readings and sentence choice on fixed inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.text import split_sentences
from core.types import Chunk
from evals.evidence_ceiling import ClaimReading, by_finding, contrasts, reading, result_sentences, roc_auc


def test_roc_auc_counts_ties_half_and_needs_both_classes():
    assert roc_auc([0.9, 0.8], [0.1, 0.2]) == 1.0
    assert roc_auc([0.1], [0.9]) == 0.0
    assert roc_auc([0.5], [0.5]) == 0.5
    assert math.isnan(roc_auc([], [0.3]))


def test_reading_takes_best_support_refute_and_margin_per_claim():
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.4, 0.1, 0.5]])
    r = reading("c1", "supported", probs)
    assert (r.s_max, r.r_max, r.sentences) == (0.7, 0.8, 3)
    assert r.margin_max == pytest.approx(0.5)
    empty = reading("c2", "not_covered", np.zeros((0, 3)))
    assert empty.sentences == 0 and empty.margin_max == -1.0


def test_contrasts_and_summary_skip_claims_without_sentences():
    rs = [
        ClaimReading("a", "supported", 0.9, 0.1, 0.8, 2),
        ClaimReading("b", "contradicted", 0.2, 0.9, -0.7, 2),
        ClaimReading("c", "unsupported", 0.1, 0.3, -0.2, 1),
        ClaimReading("d", "extrapolated", 0.95, 0.0, 0.95, 1),
        ClaimReading("e", "contradicted", 0.0, 0.0, -1.0, 0),  # nothing judged: left out
    ]
    auc = contrasts(rs)
    assert auc["supported vs contradicted or unsupported"] == 1.0
    assert auc["supported vs extrapolated or conflicting"] == 0.0
    summary = by_finding(rs)
    assert summary["contradicted"]["claims"] == 1 and "not_covered" not in summary


def test_result_sentences_keep_results_and_conclusions_of_named_documents_only():
    text = "We aimed to test the drug. The drug lowered blood pressure by 10 mmHg compared with placebo. The authors conclude that it works."
    spans = split_sentences(text)
    chunk = Chunk("d1:0", "d1", text, 0, len(text), spans, title="T", role="literature", section="")
    other = Chunk("d2:0", "d2", text, 0, len(text), spans, title="U", role="literature", section="")
    out = result_sentences([chunk, other, chunk], {"d1"})
    assert set(out) == {"d1"}
    assert "The drug lowered blood pressure by 10 mmHg compared with placebo." in out["d1"]
    assert not any(s.startswith("We aimed") for s in out["d1"])  # an aim is no result
    assert len(out["d1"]) == len(set(out["d1"]))  # a chunk seen twice adds nothing


def test_a_bad_labelled_line_names_the_file_line_and_field(tmp_path):
    from core.errors import ConfigError
    from evals.labelled_claims import read_labelled

    f = tmp_path / "claims.jsonl"
    f.write_text('{"id": "c1", "claim": "A lowers B.", "label": "supported"}\n\n{"id": "c2", "label": "supported"}\n')
    with pytest.raises(ConfigError, match=r"claims.jsonl:3: claim: Field required"):
        read_labelled(f)
    f.write_text("not json\n")
    with pytest.raises(ConfigError, match=r"claims.jsonl:1: not JSON"):
        read_labelled(f)
    f.write_text('{"id": "c1", "claim": "A lowers B.", "label": "supported", "deciding_docs": ["d1"]}\n')
    assert read_labelled(f)[0].deciding_docs == ["d1"]
