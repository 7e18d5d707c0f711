"""The answerers' only door into the claim audit (claim flags, claim verdicts, the verifier).

The auditor and the verifier are handed in (``services.Services`` builds them; tests pass fakes,
``None`` means "answer without"). Why an adapter: the store may have no audit yet, the verifier
weights may be missing, and an audit bug must not take an answer down; answering then still
works, just without flags or verdicts. Every call here degrades to "nothing" and logs why.
"""

from __future__ import annotations

import logging
from typing import Any

from core.audit_report import VerdictRecord
from core.protocols import Auditor, Verifier

log = logging.getLogger(__name__)


def flags_for(auditor: Auditor | None, retriever, passages: list) -> list[dict[str, Any]]:
    """Audited article claims in the cited article passages whose verdict is not ``supported``."""
    article = [p for p in passages if getattr(p.chunk, "role", "") == "article"]
    if auditor is None or not article:
        return []
    try:
        data = retriever.snapshot.audit()
    except (OSError, ValueError) as exc:  # unreadable or malformed audit.json
        log.debug("no audit in snapshot: %s", exc)
        return []
    if not data:
        return []
    try:
        flags = list(auditor.flags_for_passages(data, article) or [])
    except Exception as exc:  # any audit bug: answer without flags, and say why in the log
        log.warning("flags_for_passages failed, answering without flags: %s", exc)
        return []
    return [f for f in flags if f.verdict.lower() != "supported"]


def looks_like_claim(auditor: Auditor | None, question: str) -> bool:
    if auditor is None:
        return False
    try:
        return bool(auditor.looks_like_claim(question))
    except Exception as exc:  # any audit bug: treat the question as an ordinary one
        log.warning("looks_like_claim failed: %s", exc)
        return False


def check_claim(auditor: Auditor | None, text: str, retriever) -> VerdictRecord | None:
    """The finding on the claim as a typed record (the shape ``check --json`` prints), or None when there is no auditor
    or it fails."""
    if auditor is None:
        return None
    try:
        v = auditor.check_claim(text, retriever)
    except Exception as exc:  # verifier missing or an audit bug: answer without a verdict
        log.warning("check_claim failed, answering without a verdict: %s", exc)
        return None
    if v is None:
        return None
    return VerdictRecord.model_validate(v.to_json() if hasattr(v, "to_json") else dict(v))


def entailment(verifier: Verifier | None, evidence: list[str], sentence: str, threshold: float = 0.6) -> bool | None:
    """Does any evidence sentence (or pair of adjacent sentences) support ``sentence`` per the
    trained verifier? None when no verifier is available, so callers fall back to overlap."""
    if verifier is None or not evidence:
        return None
    windows = list(evidence) + [f"{a} {b}" for a, b in zip(evidence, evidence[1:])]
    try:
        probs = verifier.score([(sentence, w) for w in windows])
    except Exception as exc:  # a failing model call (any error): fall back to overlap
        log.warning("verifier call failed, falling back to overlap: %s", exc)
        return None
    return bool(len(probs) and float(probs[:, 0].max()) >= threshold)  # column 0 = SUPPORTS
