"""Claim audit page: every check-worthy claim of the article with its verdict against the studies."""

from __future__ import annotations

import altair as alt
import streamlit as st

from app.components import draw_claim_detail, draw_how_decided
from app.render import VERDICT_COLORS, VERDICT_LABELS, escape_inline, verdict_badge
from app.resources import load_settings
from app.store_ui import require_snapshot, snapshot_audit
from app.tables import audit_claims, audit_frame, audit_json, display_frame, filter_audit, table_csv, verdict_counts

CHART_COLORS = {"green": "#2e9e5b", "red": "#d64545", "orange": "#e8912d", "violet": "#8e5cc4", "yellow": "#d4b106", "gray": "#8c8c8c"}

settings = load_settings()
snap = require_snapshot(settings)
audit = snapshot_audit(snap)

st.title("Claim audit")
st.caption(
    "Each check-worthy claim of the article, checked against the study digests when the store was built. "
    "*Supported*: condition-matched studies state it; *contradicted*: they report otherwise; *extrapolated*: "
    "evidence exists only under other conditions (form, dose, population, species, co-intervention); "
    "*conflicting*: matched studies disagree; *unsupported*: the corpus studies the topic but no study reports "
    "what the claim states (the closest result is quoted); *not covered*: nothing in the corpus on it."
)

if not audit or not audit_claims(audit):
    st.info(
        "This store version has no claim audit yet. It is computed at ingest; run `python -m cli ingest` (or `python -m cli audit --refresh`) to produce it.",
        icon=":material/info:",
    )
    st.stop()

df = audit_frame(audit)
counts = verdict_counts(audit)

cols = st.columns(len(counts) + 1)
cols[0].metric("Claims", len(df))
for col, (_, row) in zip(cols[1:], counts.iterrows()):
    col.metric(row["verdict"], int(row["claims"]))

names = list(counts["verdict"])
order = {VERDICT_LABELS[v]: CHART_COLORS[c] for v, c in VERDICT_COLORS.items()}
chart = (
    alt.Chart(counts)
    .mark_bar()
    .encode(
        x=alt.X("claims:Q", title="Claims", axis=alt.Axis(tickMinStep=1, format="d")),
        y=alt.Y("verdict:N", sort=names, title=None),
        color=alt.Color("verdict:N", scale=alt.Scale(domain=names, range=[order.get(n, "#8c8c8c") for n in names]), legend=None),
        tooltip=["verdict", "claims"],
    )
    .properties(height=34 * len(names))  # room for every label
)
st.altair_chart(chart, width="stretch")

f1, f2, f3 = st.columns([2, 2, 3])
verdicts = f1.multiselect("Finding", sorted(df["finding"].unique()), format_func=lambda v: VERDICT_LABELS.get(v, v), placeholder="All findings")
sections = f2.multiselect("Section", sorted(s for s in df["section"].unique() if s), placeholder="All sections")
text = f3.text_input("Search claims", placeholder="e.g. cortisol")
view = filter_audit(df, verdicts, sections, text)

st.dataframe(
    display_frame(view),
    hide_index=True,
    width="stretch",
    column_config={  # pixel widths that fit a laptop screen side by side; long cells show in full on hover
        "claim": st.column_config.TextColumn("Claim", width=250),
        "finding": st.column_config.TextColumn("Finding", width=100),
        "reason": st.column_config.TextColumn("Why", width=250),
        "section": st.column_config.TextColumn("Section", width=95),
        "evidence": st.column_config.NumberColumn("Evidence", help="Evidence passages found", width=70),
        "strongest_study_type": st.column_config.TextColumn("Best study", help="Strongest study design among the evidence", width=95),
        "confidence": st.column_config.ProgressColumn("Confidence", min_value=0.0, max_value=1.0, format="%.2f", width=85),
    },
)
st.caption(f"{len(view)} of {len(df)} claims shown · store version {escape_inline(snap.version)}")

with st.container(horizontal=True, gap="small"):
    n = len(view)
    shown = "all claims" if n == len(df) else f"the {n} claim{'' if n == 1 else 's'} shown"
    for kind, data, mime, hint in (
        ("CSV", table_csv(view), "text/csv", f"A table of {shown}"),
        ("JSON", audit_json(audit), "application/json", "The whole audit with its evidence, for scripts"),
    ):
        st.download_button(
            f"Download {kind}",
            data,
            file_name=f"claim-audit-{snap.version}.{kind.lower()}",
            mime=mime,
            icon=":material/download:",
            on_click="ignore",
            width="content",
            help=hint,
        )

st.subheader("Claim detail")
claims = {c.id: c for c in audit_claims(audit)}
ids = list(view["id"]) or list(claims)


def _label(cid: str) -> str:
    c = claims[cid]
    t = " ".join(c.text.split())
    return f"{VERDICT_LABELS.get(c.finding, c.finding)} · {t[:110]}{'…' if len(t) > 110 else ''}"


chosen = st.selectbox("Claim", ids, format_func=_label, key="audit_claim")
if chosen:
    c = claims[chosen]
    with st.container(border=True):
        draw_claim_detail(
            c,
            verdict_badge(c.finding)
            + (f" · confidence {c.confidence:.2f}" if c.confidence is not None else "")
            + (f" · section: {escape_inline(c.section)}" if c.section else ""),
        )
    draw_how_decided()
