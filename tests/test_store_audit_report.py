"""The claim audit at the store boundary (``core.audit_report``): an older audit.json still reads, a
damaged or ill-shaped one is one clear error naming the file, never a traceback from deep in a page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.audit_report import AUDIT_FILE, AuditFileError, AuditReport, read_audit
from core.settings import Settings
from core.store import Snapshot

OLD = {  # written before findings, features and the decision layer existed
    "version": "v3",
    "created": "2025-11-01T10:00:00+00:00",
    "claims": [
        {"id": "c1", "text": "A raises B.", "start": 0, "end": 11, "verdict": "mixed", "confidence": 0.5, "evidence": [{"doc_id": "d", "stance": "supports"}]},
        {"id": "c2", "text": "C lowers D.", "verdict": "no_evidence", "reasons": ["nothing on it"]},
    ],
    "stats": {"claims": 2, "verdicts": {"mixed": 1, "no_evidence": 1}},
}


def _snapshot(tmp_path: Path, audit_text: str | None) -> Snapshot:
    version = tmp_path / "v1"
    version.mkdir()
    if audit_text is not None:
        (version / AUDIT_FILE).write_text(audit_text, encoding="utf-8")
    settings = Settings(store_dir=tmp_path / "store", corpus_dir=tmp_path)
    return Snapshot(settings=settings, version="v1", path=version, manifest={"version": "v1"}, chunks={})


def test_no_audit_is_none(tmp_path):
    assert _snapshot(tmp_path, None).audit() is None


def test_an_older_audit_without_findings_still_reads_and_writes_back_unchanged(tmp_path):
    report = _snapshot(tmp_path, json.dumps(OLD)).audit()
    assert isinstance(report, AuditReport) and report.version == "v3" and report.stats.claims == 2
    c1, c2 = report.claims
    assert (c1.finding, c2.finding) == ("conflicting", "unsupported")  # what the 4-way verdict implies
    assert c1.finding_inferred and c2.finding_inferred
    assert c1.evidence[0].doc_id == "d" and c1.evidence[0].stance == "supports" and c2.reasons == ["nothing on it"]
    assert report.to_json() == OLD  # nothing added, nothing lost


def test_keys_a_newer_writer_adds_are_kept(tmp_path):
    newer = {**OLD, "extra_top": {"a": 1}, "claims": [{**OLD["claims"][0], "finding": "extrapolated", "new_field": [1, 2]}]}
    report = _snapshot(tmp_path, json.dumps(newer)).audit()
    assert report.claims[0].finding == "extrapolated" and not report.claims[0].finding_inferred
    assert report.to_json() == newer


@pytest.mark.parametrize(
    "text,says",
    [
        ('{"version": "v1", "claims": [', "not valid JSON"),
        ("[1, 2, 3]", "not a claim audit"),
        ('{"claims": "every claim"}', "claims"),
        ('{"claims": [{"text": "no id"}]}', "claims.0.id"),
        ('{"claims": [{"id": "c", "text": "t", "confidence": "high"}]}', "claims.0.confidence"),
        ('{"claims": [{"id": "c", "text": "t", "evidence": [{"year": "last year"}]}]}', "claims.0.evidence.0.year"),
        (b"\xff\xfe\x00garbage", "cannot be read"),
    ],
)
def test_a_damaged_audit_is_one_error_naming_the_file(tmp_path, text, says):
    snap = _snapshot(tmp_path, None)
    path = snap.path / AUDIT_FILE
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(AuditFileError) as err:
        snap.audit()
    msg = str(err.value)
    assert str(path) in msg and says in msg and "\n" not in msg and "--refresh" in msg
    assert isinstance(err.value, ValueError)  # readers that degrade on a bad file (except ValueError) still do
    with pytest.raises(AuditFileError):
        read_audit(path)


def test_cli_says_what_is_wrong_with_a_damaged_audit(tmp_path, monkeypatch, capsys):
    from cli import audit as audit_cli

    snap = _snapshot(tmp_path, '{"claims": [{"id": 3}]}')
    monkeypatch.setattr(audit_cli, "open_snapshot", lambda settings=None, version=None: snap)
    assert audit_cli.main(["audit", "--json"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and str(snap.path / AUDIT_FILE) in err and "Traceback" not in err


def test_ingest_rechecks_every_claim_when_the_previous_audit_is_damaged(tmp_path):
    from ingest.pipeline import _read_audit

    snap = _snapshot(tmp_path, "{broken")
    assert _read_audit(snap.path) is None
    (snap.path / AUDIT_FILE).write_text(json.dumps(OLD))
    assert _read_audit(snap.path).to_json() == OLD
