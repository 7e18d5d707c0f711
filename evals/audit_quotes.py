"""`python -m evals audit-quotes [--fresh]`: what the claim audit quotes as "the closest reported result".

Why: an ``unsupported`` finding promises the reader what the nearest study actually reports. A rationale
("it has been proposed that supplementation might reduce anxiety"), an aim or a digest's note about its
source is no reported result, so this counts, over the store's audit, the role of every such quote — found
in the store's chunks and classified with the section it sits in (``core.cards.classify_sentence``).
``--fresh`` re-runs the audit with the current code instead of reading the stored ``audit.json``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from typing import Sequence

_QUOTE = re.compile(r"the closest reported result: “(.*?)” \[\d+\]")


def quoted_role(quote: str, chunks: Sequence) -> str:
    """Role of the sentence a quote starts in ('?' when no literature chunk holds it)."""
    from core.cards import classify_sentence

    head = quote.rstrip("…").strip()[:60]
    for c in chunks:
        at = c.text.find(head)
        if at < 0:
            continue
        for a, b in c.sentences:
            if a <= at < b or (at < a and head in c.text[a:b]):
                return classify_sentence(c.text[a:b].strip(), c.section or "")
    return "?"


def count_roles(reasons: Sequence[str], chunks: Sequence) -> Counter:
    out: Counter = Counter()
    for r in reasons:
        m = _QUOTE.search(r or "")
        out[quoted_role(m.group(1), chunks) if m else "no quote"] += 1
    return out


def main(argv: list[str]) -> int:
    from core.settings import get_settings
    from core.store import open_snapshot

    p = argparse.ArgumentParser(prog="python -m evals audit-quotes", description=__doc__.splitlines()[0])
    p.add_argument("--fresh", action="store_true", help="audit the store again with the current code (about a minute)")
    a = p.parse_args(argv[1:])
    s = get_settings()
    snap = open_snapshot(s)
    if a.fresh:
        from services import build_services

        report = build_services(s).audit_step(snap, None)  # the real verifier, direction classifier and retriever
    else:
        report = snap.audit()
    if report is None:
        print("error: the store has no claim audit; run `python -m cli ingest` first", file=sys.stderr)
        return 2
    chunks = [c for c in snap.ordered_chunks() if c.role == "literature"]
    unsupported = [c.reason for c in report.claims if c.finding == "unsupported"]
    roles = count_roles(unsupported, chunks)
    results = roles.get("result", 0) + roles.get("conclusion", 0)
    print(json.dumps({"unsupported": len(unsupported), "quote_is_result_or_conclusion": results, "roles": dict(roles.most_common())}))
    return 0
