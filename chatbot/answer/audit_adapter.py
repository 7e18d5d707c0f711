"""The answerers' only door into ``chatbot.audit`` (claim flags, claim verdicts, the verifier).

Why an adapter: the audit package is built separately and may be missing, half-built, or the
store may have no audit yet; answering must still work, just without flags or verdicts. Every
call here degrades to "nothing" and logs why, instead of failing the answer.
"""

from __future__ import annotations

import functools
import importlib
import logging
from typing import Any

log = logging.getLogger(__name__)


def _audit_module():
    try:
        return importlib.import_module("chatbot.audit")  # honours sys.modules (tests swap in fakes)
    except Exception as exc:  # ImportError, or a syntax/runtime error in a package under construction
        log.debug("chatbot.audit unavailable: %s", exc)
        return None


def flags_for(retriever, passages: list) -> list[dict[str, Any]]:
    """Audited article claims in the cited article passages whose verdict is not ``supported``."""
    article = [p for p in passages if getattr(p.chunk, "role", "") == "article"]
    if not article:
        return []
    audit = _audit_module()
    fn = getattr(audit, "flags_for_passages", None) if audit else None
    if fn is None:
        return []
    try:
        data = retriever.snapshot.audit()
    except Exception as exc:
        log.debug("no audit in snapshot: %s", exc)
        return []
    if not data:
        return []
    try:
        flags = list(fn(data, article) or [])
    except Exception as exc:
        log.warning("flags_for_passages failed, answering without flags: %s", exc)
        return []
    return [f for f in flags if str(f.get("verdict", "")).lower() != "supported"]


def looks_like_claim(question: str) -> bool:
    audit = _audit_module()
    fn = getattr(audit, "looks_like_claim", None) if audit else None
    if fn is None:
        return False
    try:
        return bool(fn(question))
    except Exception as exc:
        log.warning("looks_like_claim failed: %s", exc)
        return False


def check_claim(text: str, retriever, settings=None) -> dict[str, Any] | None:
    """The verdict as JSON, or None when the audit is unavailable or fails."""
    audit = _audit_module()
    fn = getattr(audit, "check_claim", None) if audit else None
    if fn is None:
        return None
    try:
        v = fn(text, retriever, settings=settings)
    except Exception as exc:
        log.warning("check_claim failed, answering without a verdict: %s", exc)
        return None
    if v is None:
        return None
    return v.to_json() if hasattr(v, "to_json") else dict(v)


@functools.lru_cache(maxsize=2)
def _verifier(settings_json: str):
    try:
        vmod = importlib.import_module("chatbot.audit.verifier")
    except Exception as exc:
        log.debug("no verifier module: %s", exc)
        return None
    from core.settings import Settings

    try:
        return vmod.get_verifier(Settings.model_validate_json(settings_json))
    except Exception as exc:  # weights not trained/shipped yet
        log.info("verifier not loadable, support is checked by overlap: %s", exc)
        return None


def entailment(settings, evidence: list[str], sentence: str) -> bool | None:
    """Does any evidence sentence (or pair of adjacent sentences) support ``sentence`` per the
    trained verifier? None when no verifier is available, so callers fall back to overlap."""
    if settings is None or not evidence:
        return None
    v = _verifier(settings.model_dump_json())
    if v is None:
        return None
    windows = list(evidence) + [f"{a} {b}" for a, b in zip(evidence, evidence[1:])]
    try:
        probs = v.score([(sentence, w) for w in windows])
    except Exception as exc:
        log.warning("verifier call failed, falling back to overlap: %s", exc)
        return None
    threshold = getattr(getattr(settings, "audit", None), "support_min", 0.6)
    return bool(len(probs) and float(probs[:, 0].max()) >= threshold)  # column 0 = SUPPORTS
