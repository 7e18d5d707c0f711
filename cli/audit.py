"""`python -m cli check "CLAIM" [--json]` and `python -m cli audit [--json] [--refresh | --if-stale]`.

``audit`` only reads the audit.json that ingest stored with the current version (instant);
``--refresh`` recomputes it for that version and replaces the file atomically; ``--if-stale`` does so only when the
stored audit was computed with other models, audit settings or corpus profile than today's (after an upgrade: ingest
re-audits only a changed corpus), which ``make run`` asks before the app starts.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Callable

from chatbot.audit import audit_is_current, audit_snapshot, check_claim, save_audit
from core.audit_report import VerdictRecord
from core.cli import utf8_text
from core.errors import MagcheckError
from core.store import open_snapshot
from services import Services, build_services

_MARK = {
    "supported": "SUPPORTED",
    "contradicted": "CONTRADICTED",
    "mixed": "MIXED",
    "no_evidence": "NO EVIDENCE",
    "extrapolated": "EXTRAPOLATED",
    "conflicting": "CONFLICTING",
    "unsupported": "UNSUPPORTED",
    "not_covered": "NOT COVERED",
}


def _print_verdict(v: VerdictRecord, indent: str = "") -> None:
    w = textwrap.TextWrapper(width=100, initial_indent=indent + "    ", subsequent_indent=indent + "    ")
    print(f"{indent}{_MARK.get(v.finding, v.finding)}  (verdict {v.verdict}, confidence {v.confidence or 0.0:.2f})")
    if v.reason:
        print(w.fill(v.reason))
    for r in v.reasons[1 if v.reason else 0 :]:
        print(w.fill("- " + r))
    for i, e in enumerate(v.evidence, 1):
        print(f"{indent}  [{i}] {e.stance} ({e.score or 0.0:.2f}) · digest of {e.title or e.doc_id} ({e.year or 'n.d.'}, {e.study_type or 'study'})")
        print(w.fill(f"\u201c{e.text}\u201d"))
        for r in e.reasons:
            print(w.fill("· " + r))


def _check(args: argparse.Namespace, services: Services) -> int:
    if len(args.claim.split()) < 2:
        print(f"error: give a claim to check, a statement of a few words (got {args.claim!r})", file=sys.stderr)
        return 2
    v = VerdictRecord.model_validate(
        check_claim(args.claim, services.retriever(), services.settings, verifier=services.verifier, direction=services.direction).to_json()
    )
    if args.json:
        print(json.dumps(v.to_json(), indent=1, ensure_ascii=False))
    else:
        print(f"Claim: {v.claim}")
        _print_verdict(v)
    return 0


def _audit(args: argparse.Namespace, services: Services) -> int:
    snap = open_snapshot(services.settings)
    audit = snap.audit()
    stale = args.if_stale and not audit_is_current(audit, snap, services.settings, services.verifier, services.direction)
    if args.if_stale and not stale:
        print(f"The audit of store version {snap.version} is current.")
        return 0
    if stale:
        print(f"The audit of store version {snap.version} was computed with other models or settings; recomputing it.", file=sys.stderr)
    if args.refresh or stale:
        retriever = services.retriever(snap)
        audit = audit_snapshot(
            snap, None, retriever=retriever, settings=services.settings, verifier=services.verifier, direction=services.direction, progress=not args.json
        )
        save_audit(snap, audit)
    elif audit is None:
        print(f"No audit stored for store version {snap.version}; run `python -m cli audit --refresh`.", file=sys.stderr)
        return 1
    if args.json:
        print(audit.to_text())
        return 0
    st = audit.stats
    counts = (st.findings or st.verdicts) if st is not None else {}
    print(
        f"Claim audit of store version {audit.version} ({audit.created or None}): {st.claims if st is not None else None} claims, "
        + ", ".join(f"{k} {n}" for k, n in counts.items())
    )
    for c in audit.claims:
        print(f"\n[{c.id}] {c.section or ''} @{c.start}-{c.end}")
        print(f"  {c.text}")
        _print_verdict(c, indent="  ")
    return 0


def main(argv: list[str] | None = None, services: Services | None = None) -> int:
    """``services`` (a ``services.Services``) defaults to the one built from the environment's settings:
    every part (retriever, verifier) comes from the composition root, none from a fallback in the library."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in {"check", "audit"}:
        print("usage: python -m cli {check CLAIM [--json] | audit [--json] [--refresh | --if-stale]}", file=sys.stderr)
        return 2
    cmd, rest = argv[0], argv[1:]
    if cmd == "check":
        ap = argparse.ArgumentParser(prog="python -m cli check", description="Verdict for one claim against the literature")
        ap.add_argument("claim", type=utf8_text)
        ap.add_argument("--json", action="store_true", help="print the verdict as JSON")
        return _run(_check, ap.parse_args(rest), services)
    ap = argparse.ArgumentParser(prog="python -m cli audit", description="Audited claims of the article")
    ap.add_argument("--json", action="store_true", help="print the whole audit as JSON")
    how = ap.add_mutually_exclusive_group()
    how.add_argument("--refresh", action="store_true", help="recompute the audit for the current version and rewrite it")
    how.add_argument("--if-stale", action="store_true", help="recompute it only when it was computed with other models, settings or profile")
    return _run(_audit, ap.parse_args(rest), services)


def _run(fn: Callable[[argparse.Namespace, Services], int], args: argparse.Namespace, services: Services | None) -> int:
    try:
        if services is None:
            services = build_services()
        return fn(args, services)
    except MagcheckError as exc:  # no store, a damaged one, the Chroma server down, no verifier: one line, not a traceback
        print(f"error: {exc}", file=sys.stderr)
        return 1
