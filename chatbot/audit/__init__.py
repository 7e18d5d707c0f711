"""Claim audit: where the article and the literature disagree (issue 4).

``check_claim`` serves ``python -m cli check`` and questions that are themselves claims in
``ask``; ``audit_snapshot`` is called by ingest on the staged version before CURRENT flips and
its result is stored as ``audit.json`` beside the snapshot, so the app reads verdicts instantly;
``flags_for_passages`` turns that audit into warnings next to cited article passages.
"""

from chatbot.audit.aggregate import FINDING_TO_VERDICT, FINDINGS, VERDICTS, Verdict
from chatbot.audit.pipeline import (
    AUDIT_FILE,
    audit_is_current,
    audit_snapshot,
    check_claim,
    claim_from_question,
    flags_for_passages,
    looks_like_claim,
    save_audit,
)

__all__ = [
    "AUDIT_FILE",
    "FINDINGS",
    "FINDING_TO_VERDICT",
    "VERDICTS",
    "Verdict",
    "audit_is_current",
    "audit_snapshot",
    "check_claim",
    "claim_from_question",
    "flags_for_passages",
    "looks_like_claim",
    "save_audit",
]
