"""The eval report carries the claim audit on unseen corpora (python -m evals audit-corpus) beside the answer figures."""

from __future__ import annotations

import json

from evals.report import audit_corpus_summaries


def test_audit_corpus_summaries_read_each_report_and_flag_a_damaged_one(tmp_path):
    good = tmp_path / "scifact-test-all"
    good.mkdir()
    (good / "results.json").write_text(
        json.dumps(
            {
                "command": "python -m evals audit-corpus DIR --split test",
                "metrics": {
                    "gold_claims": 85,
                    "claims_extracted": 1.0,
                    "three_way": {"claims": 85, "macro_f1": 0.243, "accuracy": 0.388, "per_class": {"S": {}}},
                },
            }
        )
    )
    bad = tmp_path / "broken"
    bad.mkdir()
    (bad / "results.json").write_text("{not json")
    rows = {r["name"]: r for r in audit_corpus_summaries(tmp_path)}
    assert rows["scifact-test-all"]["macro_f1"] == 0.243 and rows["scifact-test-all"]["claims"] == 85
    assert "per_class" not in rows["scifact-test-all"]
    assert rows["broken"]["command"].startswith("unreadable:")


def test_shipped_report_lists_the_scifact_test_half():
    names = {r["name"] for r in audit_corpus_summaries()}
    assert "scifact-test-all" in names
