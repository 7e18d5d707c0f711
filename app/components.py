"""Streamlit drawing pieces shared by the pages: answers, sources, flags, verdicts, store status.

Every piece of document or answer text goes through ``app.render`` before ``st.markdown``;
nothing here uses ``unsafe_allow_html``.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from app.reasons import (
    HOW_DECIDED,
    STANCE_COLORS,
    Numbered,
    number_evidence,
    readable,
    reader_reasons,
    shared_reasons,
    stance_word,
)
from app.render import (
    answer_markdown,
    escape_inline,
    highlight,
    links_markdown,
    location_label,
    resolve_spans,
    role_label,
    source_heading,
    source_links,
    verdict_badge,
)
from core.audit_report import ClaimRecord
from core.contracts import AnswerRecord, Finding, Verdict


def draw_reasons(reasons: list[str]) -> None:
    if reasons:
        st.markdown("\n".join("- " + escape_inline(r) for r in reasons if r))


def draw_evidence(evidence: list[dict[str, Any]]) -> None:
    """Quoted evidence (already numbered by ``app.reasons.number_evidence``) with its stance in words;
    the quote is escaped document text."""
    for e in evidence or []:
        stance = str(e.get("stance") or "").lower()
        color = STANCE_COLORS.get(stance, "gray")
        head = f":{color}-badge[{escape_inline(stance_word(stance))}] " + source_heading(
            e.get("n"), e.get("title") or e.get("doc_id"), e.get("year"), e.get("study_type"), e.get("role")
        )
        st.markdown(head)
        st.markdown("> " + escape_inline(e.get("text") or e.get("sentence") or ""))


def draw_finding_detail(finding: dict[str, Any], numbered: Numbered, common: set[str] | None = None, show_head: bool = True) -> None:
    """A finding's reason, its further reasons and its evidence, all with the same [n] numbers."""
    head, rest = reader_reasons(finding.get("reason"), finding.get("reasons"), numbered, common)
    if show_head and head:
        st.markdown(escape_inline(head))
    draw_reasons(rest)
    draw_evidence(numbered.evidence)


def draw_how_decided(common: set[str] | None = None) -> None:
    """Said once per answer or page: how findings are decided (and any sentence every flag shared)."""
    with st.expander("How these findings are decided", icon=":material/info:"):
        st.markdown(escape_inline(HOW_DECIDED))
        draw_reasons([readable(c) for c in sorted(common or ()) if not c.lower().startswith(("decided by", "verifier:"))])


def draw_reason_and_evidence(head: str, rest: list[str], evidence: list[dict[str, Any]], title: str, small: bool = False) -> None:
    """A finding's one-line reason in view, its other reasons and its numbered evidence behind an expander."""
    if head:
        (st.caption if small else st.markdown)(escape_inline(head))
    if rest or evidence:
        with st.expander(title):
            draw_reasons(rest)
            draw_evidence(evidence)


def draw_claim_detail(c: ClaimRecord, heading: str) -> None:
    """One audited claim in full (audit and article pages): ``heading`` (markdown, already escaped), the claim
    quoted, its reason, the other reasons and the numbered evidence."""
    st.markdown(heading)
    st.markdown("> " + escape_inline(c.text))
    numbered = number_evidence(c.evidence_json())
    head, rest = reader_reasons(c.reason, c.reasons, numbered)
    if head:
        st.markdown(escape_inline(head))
    if rest:
        st.markdown("**Reasons**")
        draw_reasons(rest)
    if numbered.evidence:
        st.markdown(f"**Evidence** ({len(numbered.evidence)})")
        draw_evidence(numbered.evidence)
    else:
        st.caption("No passage in the corpus addresses this claim.")


def draw_verdict(verdict: dict[str, Any], numbers: dict[str, int] | None = None) -> None:
    """A claim typed as a question gets its verdict first, before any supporting prose."""
    numbered = number_evidence(verdict.get("evidence"), numbers, _next_free(numbers))
    with st.container(border=True):
        conf = verdict.get("confidence")
        conf_s = f" · confidence {float(conf):.2f}" if isinstance(conf, (int, float)) else ""
        st.markdown(f"**Finding on your claim:** {verdict_badge(verdict.get('finding') or verdict.get('verdict'))}{conf_s}")
        head, rest = reader_reasons(verdict.get("reason"), verdict.get("reasons"), numbered)
        draw_reason_and_evidence(head, rest, numbered.evidence, "Why, and the evidence")


def _next_free(numbers: dict[str, int] | None) -> int:
    return max((int(n) for n in (numbers or {}).values() if n), default=0) + 1


_SEVERITY = {
    Finding.contradicted: 0,
    Finding.conflicting: 1,
    Finding.extrapolated: 1,
    Verdict.mixed: 1,
    Finding.unsupported: 2,
    Finding.not_covered: 2,
    Verdict.no_evidence: 2,
}


def _flag_claim(f: dict[str, Any]) -> str:
    claim = f.get("claim") or f.get("text") or ""
    return claim.get("text", "") if isinstance(claim, dict) else str(claim)


def draw_flags(flags: list[dict[str, Any]], numbers: dict[str, int] | None = None) -> None:
    """One coloured badge per flagged article claim, expandable to reasons and evidence.

    Disagreements (contradicted, then mixed) come first, one by one; claims the corpus has no
    evidence on are gathered in one expander so they do not bury the disagreements. Evidence gets
    numbers that continue the answer's sources, so every [n] in the turn means one thing; a
    sentence all flags share is said once, under "How these findings are decided".
    """
    if not flags:
        return
    ordered = sorted(flags, key=lambda f: _SEVERITY.get(str(f.get("finding") or f.get("verdict")), 1))
    disputed = [f for f in ordered if f.get("verdict") != Verdict.no_evidence]
    unevidenced = [f for f in ordered if f.get("verdict") == Verdict.no_evidence]
    common = shared_reasons(flags)
    next_n = _next_free(numbers)
    st.markdown("**Where the article and the studies disagree**")
    for f in disputed:
        numbered = number_evidence(f.get("evidence"), numbers, next_n)
        next_n = numbered.next_n
        head, rest = reader_reasons(f.get("reason"), f.get("reasons"), numbered, common)
        st.markdown(f"{verdict_badge(f.get('finding') or f.get('verdict'))} The article says: *{escape_inline(_flag_claim(f))}*")
        draw_reason_and_evidence(head, rest, numbered.evidence, "Reasons and evidence", small=True)
    if unevidenced:
        n = len(unevidenced)
        label = (
            f"No evidence: {n} claim{'s' if n > 1 else ''} in these article passages "
            f"{'have' if n > 1 else 'has'} nothing in the literature corpus for or against {'them' if n > 1 else 'it'}"
        )
        with st.expander(label, expanded=not disputed, icon=":material/help:"):
            for f in unevidenced:
                numbered = number_evidence(f.get("evidence"), numbers, next_n)
                next_n = numbered.next_n
                head, rest = reader_reasons(f.get("reason"), f.get("reasons"), numbered, common)
                st.markdown(f"- *{escape_inline(_flag_claim(f))}*")
                draw_reasons([r for r in [head, *rest] if r])
    draw_how_decided(common)


def draw_citation(c: dict[str, Any]) -> None:
    """A numbered source with everything needed to check it: provenance, the passage with the
    cited sentences highlighted, and links to the original."""
    with st.container(border=True):
        st.markdown(source_heading(c.get("n"), c.get("title"), c.get("year"), c.get("study_type"), c.get("role")))
        bits = [role_label(c.get("role"), c.get("is_digest"))]  # our own constant labels
        loc = location_label(c.get("section"), c.get("page"))
        if loc:
            bits.append(loc)
        links = links_markdown(source_links(c.get("doi"), c.get("pmid"), c.get("pmcid"), c.get("url")))
        if links:
            bits.append(links)
        st.caption(" · ".join(bits))
        text = c.get("text") or ""
        st.markdown(highlight(text, resolve_spans(text, c.get("cited_sentences"))))


def draw_answer(a: AnswerRecord) -> None:
    """The whole assistant turn, drawn from the record: the finding on a claim (as a badge), the
    direct answer and the quoted statements, unsupported sentences, flags (as badges), sources."""
    numbers = {c.chunk_id: c.n for c in a.citations if c.chunk_id}
    if a.verdict is not None:
        draw_verdict(a.verdict.to_json(), numbers)
    body = "\n\n".join(t for t in (a.lead, a.body) if t).strip()
    if a.refused and not a.citations:
        st.info(escape_inline(body) or "No answer.")
    elif body:
        st.markdown(answer_markdown(body))
    if a.unsupported_sentences:
        listed = "\n".join("- " + escape_inline(s) for s in a.unsupported_sentences)
        st.warning("Not supported by the cited passages (shown for transparency, not as fact):\n\n" + listed)
    draw_flags([f.to_json() for f in a.flags], numbers)
    if a.citations:
        st.markdown(f"**Sources** ({len(a.citations)})")
        for c in a.citations:
            draw_citation(c.to_json())
    total = a.timings_ms.get("total")
    if total:
        st.caption(f"Answered by {escape_inline(a.answerer or 'deterministic')} in {total / 1000:.1f} s")


def draw_store_status(status: dict[str, Any], newer: str | None = None) -> None:
    """What store a session reads, so a reader can tell which corpus answered them."""
    if not status:
        return
    with st.sidebar.expander("Store status", expanded=False, icon=":material/database:"):
        c1, c2 = st.columns(2)
        c1.metric("Documents", status["documents"])
        c2.metric("Chunks", status["chunks"])
        st.caption(
            f"Version **{escape_inline(str(status['version']))}** · last ingest {escape_inline(str(status['created']))}"
            f" · Chroma: {escape_inline(str(status['chroma_mode']))}"
        )
        if newer:
            st.info(f"A newer store version ({escape_inline(newer)}) is available: press *Start over* to use it.")
