"""The claim audit as stored beside a store version (``snapshots/vN/audit.json``), validated when read.

The audit (``chatbot.audit.pipeline``) writes it at ingest; the app's audit and article pages, the
chat's claim flags, ``python -m cli audit`` and the evals read it. All of them go through these
records, so a key one side writes and another reads under another name fails here, with the file
named, instead of showing up as an empty column or a ``KeyError`` deep in a page.

The JSON on disk and every ``--json`` output keep their shape: ``to_json`` writes back exactly the
keys that were read or set (``exclude_unset``) in the order the writer uses, and keys a newer
writer adds are kept (``extra="allow"``), so a report read and written again is unchanged.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from core.errors import AuditFileError

AUDIT_FILE = "audit.json"

# what a record written before findings existed is read as: the finding its 4-way verdict implies
# (``chatbot.audit.aggregate.finding_of`` applies the same rule to any verdict record)
LEGACY_FINDING = {"supported": "supported", "contradicted": "contradicted", "mixed": "conflicting"}
LEGACY_DEFAULT_FINDING = "unsupported"


class _Record(BaseModel):
    """Keys a newer writer adds are kept and written back; ``to_json`` writes only what was read or set."""

    model_config = ConfigDict(extra="allow")

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True)


class EvidenceRecord(_Record):
    """One quoted literature passage behind a finding (``chatbot.audit.stance.EvidenceItem.to_json``)."""

    doc_id: str = Field("", description="Document the passage comes from.")
    chunk_id: str | None = Field(None, description="Chunk id of the passage in this store version.")
    title: str = Field("", description="Title of its document.")
    year: int | None = Field(None, description="Publication year, when known.")
    study_type: str | None = Field("", description="Study design of its document (rct, animal, ...).")
    text: str = Field("", description="The sentences quoted as evidence.")
    stance: str = Field("", description="What the passage says of the claim (supports, refutes, not_enough_info, ...).")
    score: float | None = Field(None, description="The verifier's probability for that stance.")
    reasons: list[str] = Field(default_factory=list, description="Why the stance, and which conditions differ.")
    n: int | None = Field(None, description="The number the finding's reason cites it by ([n]).")


class VerdictRecord(_Record):
    """The finding on one claim, as ``python -m cli check --json`` prints it and every audited claim carries it
    (``chatbot.audit.aggregate.Verdict.to_json``)."""

    claim: str = Field("", description="The statement judged (the claim text, or a question read as its claim).")
    verdict: str = Field("", description="The older 4-way verdict: supported, contradicted, mixed, no_evidence.")
    finding: str = Field(
        "", description="supported, contradicted, extrapolated, conflicting, unsupported or not_covered; from the verdict when the file has none."
    )
    reason: str = Field("", description="The finding's one-line reason, citing evidence as [n].")
    confidence: float | None = Field(None, description="Calibrated probability of the decision layer's call.")
    evidence: list[EvidenceRecord] = Field(default_factory=list, description="Quoted evidence, numbered [1], [2], ...")
    reasons: list[str] = Field(default_factory=list, description="Every reason, the headline first.")
    features: dict[str, float] = Field(default_factory=dict, description="The decision layer's input features.")
    probabilities: dict[str, float] = Field(default_factory=dict, description="The decision layer's class probabilities.")

    _finding_inferred: bool = PrivateAttr(False)

    def model_post_init(self, _ctx: Any) -> None:
        # written before findings existed: read as the finding the verdict implies, without marking the
        # field as set, so the record is written back as it was read
        if not self.finding:
            self.__dict__["finding"] = LEGACY_FINDING.get(self.verdict, LEGACY_DEFAULT_FINDING)
            self._finding_inferred = True

    @property
    def finding_inferred(self) -> bool:
        """The file stated no finding (a record from before findings existed): ``finding`` comes from ``verdict``."""
        return self._finding_inferred

    def evidence_json(self) -> list[dict[str, Any]]:
        """The evidence as the JSON items the chat flags and the app's evidence lists share."""
        return [e.to_json() for e in self.evidence]


class ClaimPlace(_Record):
    """Where an audited claim stands in the article."""

    id: str = Field(description="Stable claim id (a hash of its text).")
    text: str = Field(description="The claim as extracted from the article.")
    section: str | None = Field("", description="Article section it stands in.")
    start: int | None = Field(None, description="Character offset of the claim in the article (None: not known).")
    end: int | None = Field(None, description="End offset of the claim in the article.")
    chunk_id: str | None = Field(None, description="Article chunk the claim was extracted from.")
    doc_id: str | None = Field(None, description="The article's document id.")


class ClaimRecord(VerdictRecord, ClaimPlace):
    """One audited claim of the article: where it stands (its keys first, as the audit writes them), and the finding on it."""


class ClaimFlag(BaseModel):
    """An audited claim of the article inside a passage an answer cites, whose finding is not 'supported': what the
    chat shows beside the answer (``chatbot.audit.flags_for_passages`` makes it, ``Answer.flags`` carries it)."""

    claim_id: str = Field(description="The audited claim's id.")
    claim: str = Field(description="The claim as the article states it.")
    verdict: str = Field(description="4-way verdict (supported, contradicted, mixed, no_evidence).")
    finding: str = Field(description="The finding (contradicted, extrapolated, conflicting, unsupported, not_covered).")
    reason: str = Field("", description="The finding's one-line reason; its [n] number the flag's own evidence.")
    reasons: list[str] = Field(default_factory=list, description="Every reason, the headline first.")
    evidence: list[EvidenceRecord] = Field(default_factory=list, description="The studies behind the finding.")
    passage_chunk_id: str = Field("", description="The cited article passage the claim lies in (not in the JSON).")

    def to_json(self) -> dict[str, Any]:
        """The shape ``ask --json`` and the app have always read (the passage id stays internal)."""
        return {
            "claim_id": self.claim_id,
            "claim": self.claim,
            "verdict": self.verdict,
            "finding": self.finding,
            "reason": self.reason,
            "reasons": list(self.reasons),
            "evidence": [e.to_json() for e in self.evidence],
        }


class VerifierInfo(_Record):
    path: str = Field("", description="Folder of the verifier weights used.")
    fingerprint: str = Field("", description="Fingerprint of those weights (a changed one re-verifies every claim).")


class DecisionInfo(_Record):
    fingerprint: str = Field("", description="Fingerprint of the decision layer used.")
    note: str = Field("", description="How it was fitted.")
    fitted_on: dict[str, Any] = Field(default_factory=dict, description="What it was fitted on (counts).")


class AuditStats(_Record):
    claims: int = Field(0, description="Claims audited.")
    verdicts: dict[str, int] = Field(default_factory=dict, description="Claims per 4-way verdict.")
    findings: dict[str, int] = Field(default_factory=dict, description="Claims per finding.")
    reverified: int = Field(0, description="Claims judged anew.")
    reused: int = Field(0, description="Claims whose finding was reused from the previous audit (inputs unchanged).")
    seconds: float = Field(0.0, description="Wall time of the audit.")


class AuditReport(_Record):
    """``snapshots/vN/audit.json``: every check-worthy claim of the article with its finding."""

    version: str | None = Field(None, description="Store version audited.")
    created: str = Field("", description="UTC time of the audit (ISO 8601).")
    verifier: VerifierInfo | None = None
    decision: DecisionInfo | None = None
    claims: list[ClaimRecord] = Field(default_factory=list)
    keys: dict[str, str] = Field(default_factory=dict, description="Per claim id, the hash of its inputs (reuse when unchanged).")
    parts_key: str = Field(
        "",
        description="The models, audit settings and corpus profile the audit was computed with "
        "(chatbot.audit.pipeline._parts); another key now means the stored findings are out of date.",
    )
    stats: AuditStats | None = None

    def claim(self, claim_id: str) -> ClaimRecord | None:
        return next((c for c in self.claims if c.id == claim_id), None)

    def to_text(self) -> str:
        """The file's text, as the audit writes it."""
        return json.dumps(self.to_json(), indent=1, ensure_ascii=False)


def parse_audit(data: Any, source: str | Path = AUDIT_FILE) -> AuditReport:
    """An audit report from parsed JSON (``AuditFileError`` naming ``source`` when it is not one)."""
    if isinstance(data, AuditReport):
        return data
    try:
        return AuditReport.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first.get("loc", ())) or "top level"
        raise AuditFileError(f"{source} is not a claim audit ({where}: {first.get('msg')}; {exc.error_count()} problem(s)); {_FIX}") from exc


def read_audit(path: str | Path) -> AuditReport | None:
    """The audit report in ``path`` (an ``audit.json``), None when there is none.

    An unreadable, truncated or ill-shaped file raises ``AuditFileError`` (a ``ValueError``) whose
    one-line message names the file and what is wrong with it."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditFileError(f"{p} cannot be read ({type(exc).__name__}: {exc}); {_FIX}") from exc
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise AuditFileError(f"{p} is not valid JSON ({exc}); {_FIX}") from exc
    return parse_audit(data, p)


_FIX = "run `python -m cli audit --refresh` (or `python -m cli ingest`) to recompute it"

__all__ = [
    "AUDIT_FILE",
    "AuditFileError",
    "AuditReport",
    "AuditStats",
    "ClaimPlace",
    "ClaimRecord",
    "DecisionInfo",
    "EvidenceRecord",
    "VerdictRecord",
    "VerifierInfo",
    "parse_audit",
    "read_audit",
]
