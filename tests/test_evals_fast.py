"""CI subset of the eval suite on a store built from the default corpus with the real models.

Thresholds sit a little below the values measured on the baseline run, so a real regression in
retrieval, answers, flags or claim verdicts fails CI while run-to-run noise does not. Latency is
not asserted here (the CI machine is shared); `python -m evals compare` covers it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent

# Measured with `python -m pytest -q tests/test_evals_fast.py` (same as
# `python -m evals run --subset fast` on a fresh store built by run_ingest from corpus/) on the
# 2-core dev machine; each threshold = measured value minus a margin of about one item.
# name: (direction, threshold)   # measured value
THRESHOLDS: dict[str, tuple[str, float]] = {
    "retrieval.recall@10": (">=", 0.80),
    "retrieval.mrr@10": (">=", 0.70),
    "retrieval.ndcg@10": (">=", 0.70),
    "answer.key_facts": (">=", 0.50),
    "answer.false_refusal_rate": ("<=", 0.15),
    "citation.recall": (">=", 0.50),
    "claims.accuracy": (">=", 0.30),
    "claims.false_supported": ("<=", 2),
}


@pytest.fixture(scope="module")
def fast_results(tmp_path_factory):
    from chatbot.audit.verifier import VerifierMissingError, resolve_model_path
    from core.settings import PROJECT_ROOT, Settings

    tmp = tmp_path_factory.mktemp("evals_fast")
    settings = Settings(store_dir=tmp / "store", corpus_dir=PROJECT_ROOT / "corpus", fetch_online=False)
    try:
        resolve_model_path(settings.verifier_model)
    except VerifierMissingError as exc:
        pytest.skip(f"verifier weights not shipped yet: {exc}")
    import torch

    from evals.runner import main
    from ingest.pipeline import run_ingest

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # two OpenMP threads spin-wait on each other on a loaded 2-core CI box
    try:
        yield _build_and_run(settings, tmp, main, run_ingest)
    finally:
        torch.set_num_threads(threads)


def _build_and_run(settings, tmp, main, run_ingest) -> dict:
    summary = run_ingest(settings)
    assert summary.version and not summary.failed, summary
    out = tmp / "report"
    assert main(["run", "--subset", "fast", "--out", str(out), "--quiet"], settings=settings) == 0
    return json.loads((out / "results.json").read_text(encoding="utf-8"))


def test_fast_subset_writes_a_complete_report(fast_results):
    p = fast_results["provenance"]
    assert p["subset"] == "fast" and p["questions"] >= 8 and p["claims"] >= 8
    assert p["store"]["audit"], "the store built by ingest must carry the claim audit (flags depend on it)"
    assert fast_results["metrics"]["answer.error_rate"] == 0.0
    assert all(r["error"] is None for r in fast_results["claim_rows"])


@pytest.mark.parametrize("name", sorted(THRESHOLDS))
def test_fast_subset_meets_baseline(fast_results, name):
    op, threshold = THRESHOLDS[name]
    value = fast_results["metrics"].get(name)
    assert value is not None, f"{name} missing from results"
    if op == ">=":
        assert value >= threshold, f"{name} = {value:.3f} fell below {threshold}"
    else:
        assert value <= threshold, f"{name} = {value:.3f} rose above {threshold}"
