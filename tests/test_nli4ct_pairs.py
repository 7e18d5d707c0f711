"""NLI4CT pairs for the verifier (training.nli4ct_pairs), read from the shared zip in place."""

from __future__ import annotations

import collections
import random

import pytest

from conftest import SHARED

ZIP = SHARED / "datasets/nli4ct/Complete_dataset.zip"
pytestmark = pytest.mark.skipif(not ZIP.is_file(), reason="NLI4CT zip not in ../shared")


def test_dev_pairs_carry_all_three_labels_and_the_header_of_each_evidence_line():
    from training.nli4ct_pairs import nli4ct_rows

    rows = nli4ct_rows(ZIP, "dev", random.Random(13))
    labels = collections.Counter(r["label"] for r in rows)
    assert labels["SUPPORTS"] == labels["REFUTES"] == 100 and 0 < labels["NOT_ENOUGH_INFO"] < 100
    assert all(r["claim"] and len(r["evidence"].split()) >= 3 and r["source"] == "nli4ct-dev" for r in rows)
    # an excluded condition keeps its header, so it cannot read as a required one
    her2 = next(r for r in rows if r["claim"].startswith("a patient with a HER2-positive status can not take part"))
    assert her2["evidence"].startswith("Exclusion Criteria:")
    assert nli4ct_rows(ZIP, "dev", random.Random(13)) == rows  # deterministic for a seed
