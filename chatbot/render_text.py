"""An ``AnswerRecord`` as plain text and as the JSON of ``python -m cli ask --json`` (the CLI and the evals).

One of the two places an answer is rendered (the other is the app's widgets, ``app.components``).
The service returns data; here the claim check becomes its "Claim check: …" line before the lead,
the audit flags become an appendix under ``FLAGS_HEADING``, and each reason's references
(``core.contracts.Reason``) get the numbers of the answer's sources. The JSON keys and their text
are the ones ``ask --json`` has always printed: ``answer`` is the whole plain-text answer, ``lead``
the claim check line and the direct answer.
"""

from __future__ import annotations

from typing import Any

from core.audit_report import ClaimFlag
from core.contracts import AnswerRecord, Citation, ClaimCheck, Reason, study_label

# heads the plain-text appendix of audit flags (the evals leave the appendix out of citation metrics: its
# lines are the audit's verdicts on article claims, not statements drawn from the cited passages)
FLAGS_HEADING = "Audit flags on the article passages cited above"


def verdict_line(check: ClaimCheck) -> str:
    """ "Claim check: FINDING (confidence p). reason [n]." with the reason's evidence numbered as the answer's sources."""
    v = check.verdict
    label = check.finding.replace("_", " ").upper()
    conf = v.confidence
    head = f"Claim check: {label}" + (f" (confidence {float(conf):.2f})" if conf is not None else "")
    reason = check.reason
    first = reason.numbered(check.refs).rstrip(".") if reason is not None else ""
    marks = "".join(f"[{n}]" for n in check.cites if f"[{n}]" not in first)  # a reason may already cite the study it quotes
    # the evidence numbers close the sentence they back (a trailing "Evidence: [1][2]" read as a sentence of its own)
    if first:
        return f"{head}. {first} {marks}.".replace(" .", ".") if marks else f"{head}. {first}."
    return f"{head} {marks}." if marks else f"{head}."


def flag_lines(flags: list[ClaimFlag], citations: list[Citation]) -> list[str]:
    """One line per flagged article claim, citing the answer's number of the passage it lies in."""
    by_chunk = {c.chunk_id: c.n for c in citations}
    lines = []
    for f in flags:
        verdict = f.verdict.replace("_", " ")
        finding = (f.finding or f.verdict).replace("_", " ")
        if not f.claim or not verdict:
            continue
        n = by_chunk.get(f.passage_chunk_id)
        ref = f" [{n}]" if n else ""
        reasons = [f.reason] if f.reason else f.reasons
        # the reason's own [k] point into the audit's evidence list, not this answer's sources: said in words instead
        why = f": {Reason.parse(reasons[0]).in_words().rstrip('.')}" if reasons else ""
        lines.append(f'- Audit flag ({finding.upper()}, verdict {verdict.upper()}): the article\'s claim "{f.claim.strip()}"{ref}{why}.')
    return lines


def lead_text(a: AnswerRecord) -> str:
    """The claim check line (when the question was read as a claim) and the direct answer."""
    return "\n\n".join(t for t in (verdict_line(a.claim_check) if a.claim_check is not None else "", a.lead) if t)


def answer_text(a: AnswerRecord) -> str:
    """The whole answer as text: the lead, the statements, and the audit flags as an appendix."""
    lead = lead_text(a)
    text = f"{lead}\n\n{a.body}" if lead else a.body
    lines = flag_lines(a.flags, a.citations)
    if lines:
        text += f"\n\n{FLAGS_HEADING}\n" + "\n".join(lines)
    return text


def answer_json(a: AnswerRecord) -> dict[str, Any]:
    """The JSON contract of ``ask --json`` and the evals (keys in this order; add, never rename)."""
    return {
        "question": a.question,
        "answer": answer_text(a),
        "citations": [c.to_json() for c in a.citations],
        "unsupported_sentences": list(a.unsupported_sentences),
        "flags": [f.to_json() for f in a.flags],
        "verdict": a.verdict.to_json() if a.verdict is not None else None,
        "timings_ms": {k: round(float(v), 2) for k, v in a.timings_ms.items()},
        "answerer": a.answerer,
        "refused": bool(a.refused),
        "lead": lead_text(a),
        "findings": [s.to_json() for s in a.statements],
        "gaps": list(a.gaps),
        "cards": [c.model_dump(mode="json", exclude={"sentences"}) for c in a.cards],
    }


def format_source(c: Citation) -> str:
    """One numbered source for a reader: what it is, where in it, and a link."""
    if c.role == "article":
        what = f"{c.title or c.doc_id} (the article)"
    else:
        kind = ", ".join(b for b in (study_label(c.study_type), str(c.year) if c.year else "") if b)
        what = (f'digest of "{c.title}"' if c.is_digest else f'"{c.title}"') + (f" ({kind})" if kind else "")
    where = ", ".join(b for b in (f"section: {c.section}" if c.section else "", f"page {c.page}" if c.page else "") if b)
    parts = [f"[{c.n}] {what}"] + ([where] if where else []) + ([c.url] if c.url else [])
    return " — ".join(parts)


def format_plain(a: AnswerRecord) -> str:
    """The answer for a terminal: its text, a note on unsupported sentences, then the numbered sources."""
    out = [answer_text(a)]
    if a.unsupported_sentences:
        out += ["", f"{len(a.unsupported_sentences)} sentence(s) marked [unsupported] are not backed by the cited passages."]
    if a.citations:
        out += ["", "Sources"] + [format_source(c) for c in a.citations]
    return "\n".join(out)
