"""Evals page: the latest evaluation report (``python -m evals run``) with its plots."""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from app.render import escape_inline
from app.reports import list_reports, report_info, report_markdown, store_mismatch, without_absolute_paths
from app.resources import load_settings, session_version
from core.settings import PROJECT_ROOT

# where `python -m evals run` writes; overridable so tests (and other checkouts) can point elsewhere
REPORTS = Path(os.environ.get("MGC_EVALS_REPORTS_DIR") or PROJECT_ROOT / "evals" / "reports")

st.title("Evaluation report")
reports = list_reports(REPORTS)
if not reports:
    st.info(
        "No evaluation report yet. Run it from a terminal:\n\n"
        "```bash\npython -m evals run            # writes evals/reports/latest/\n```\n\n"
        "It answers the evaluation questions and claims against the current store and writes `report.md`, "
        "`results.json` and plots; this page then shows them.",
        icon=":material/monitoring:",
    )
    st.stop()

names = [p.name for p in reports]
name = st.selectbox("Report", names, index=names.index("latest") if "latest" in names else 0) if len(names) > 1 else names[0]
folder = REPORTS / name
report = folder / "report.md"
info = report_info(folder)
settings = load_settings()
mismatch = store_mismatch(info, session_version(settings), settings.store_dir)
if mismatch:
    st.warning(
        escape_inline(mismatch) + " Its figures may not match the answers you get here; run `python -m evals run` to make a report for this version.",
        icon=":material/history:",
    )
if report.exists():
    made = " · ".join(x for x in (f"made {info.date}" if info.date else "", f"store version {info.store_version}" if info.store_version else "") if x)
    st.caption(f"`{name}/report.md`" + (f" · {escape_inline(made)}" if made else ""))
    st.markdown(report_markdown(without_absolute_paths(report.read_text(encoding="utf-8", errors="replace"), PROJECT_ROOT)))
else:
    st.warning(f"`{name}` has no report.md; run `python -m evals run` again.")
for png in sorted(folder.glob("*.png")):
    st.image(str(png), caption=png.stem.replace("_", " "))
results = folder / "results.json"
if results.exists():
    st.download_button(
        "Download results.json", results.read_bytes(), file_name=f"results-{name}.json", mime="application/json", on_click="ignore", icon=":material/download:"
    )
