"""Read the article: its cleaned text with every audited claim highlighted in the colour of its
finding; picking a claim shows the finding, the reason and the quoted evidence."""

from __future__ import annotations

import streamlit as st

from app.article import article_chunks, place_claims, section_markdown, sections_of
from app.components import draw_claim_detail, draw_how_decided
from app.render import VERDICT_COLORS, VERDICT_LABELS, escape_inline, verdict_badge
from app.resources import load_settings
from app.store_ui import require_snapshot, snapshot_audit
from core.contracts import Finding

settings = load_settings()
snap = require_snapshot(settings)
audit = snapshot_audit(snap)

chunks = article_chunks(snap.ordered_chunks())
if not chunks:
    st.title("Read the article")
    st.info("This store has no article: add one to the corpus (with role *article* in its manifest entry) and re-ingest.", icon=":material/article:")
    st.stop()

st.title(escape_inline(chunks[0].title) or "Read the article")
sections = sections_of(chunks)
placed = place_claims(sections, audit.claims if audit is not None else [])
if not placed:
    st.info("This store version has no claim audit yet, so the article is shown without highlights. It is computed at ingest.", icon=":material/info:")

FINDINGS = tuple(Finding)  # in the audit's order, supported first
counts = {f: sum(1 for p in placed if p.finding == f) for f in FINDINGS}
st.markdown(
    "Each check-worthy claim is highlighted in the colour of its finding and numbered; pick a number on the "
    "right to see why. " + " ".join(f":{VERDICT_COLORS.get(f, 'gray')}-background[{VERDICT_LABELS.get(f, f)} ({counts[f]})]" for f in FINDINGS)
)

by_number = {p.number: p for p in placed}
left, right = st.columns([3, 2], gap="large")

with right:
    chosen = st.selectbox(
        "Claim",
        [p.number for p in placed],
        key="article_claim",
        index=None,
        placeholder="Pick a claim by its number",
        format_func=lambda n: f"#{n} · {VERDICT_LABELS.get(by_number[n].finding, by_number[n].finding)} · " + " ".join(by_number[n].claim.text.split())[:90],
    )
    if chosen:
        p = by_number[chosen]
        c = p.claim
        with st.container(border=True):
            draw_claim_detail(c, f"**\\#{p.number}** {verdict_badge(p.finding)}" + (f" · {escape_inline(c.section)}" if c.section else ""))
            if p.section is None:
                st.caption("This claim joins several sentences (or a list or table) of the article, so it is not marked in the text.")
        draw_how_decided()

with left, st.container(height=900, border=False):
    for i, sec in enumerate(sections):
        if sec.heading and (i == 0 or sec.heading != sections[i - 1].heading):
            st.markdown(f"#### {escape_inline(sec.heading)}")
        st.markdown(section_markdown(sec, placed, i, selected=chosen))
    unplaced = [p for p in placed if p.section is None]
    if unplaced:
        with st.expander(f"{len(unplaced)} claims not marked in the text (each joins several sentences, a list or a table)"):
            st.markdown("\n".join(f"- :{p.color}-background[\\#{p.number} {escape_inline(p.claim.text)}]" for p in unplaced))
