"""Evals page: the latest evaluation report (``python -m evals run``) with its plots."""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from app.reports import list_reports, report_markdown
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
if report.exists():
    st.caption(f"`{name}/report.md`")
    st.markdown(report_markdown(report.read_text(encoding="utf-8", errors="replace")))
else:
    st.warning(f"`{name}` has no report.md; run `python -m evals run` again.")
for png in sorted(folder.glob("*.png")):
    st.image(str(png), caption=png.stem.replace("_", " "))
results = folder / "results.json"
if results.exists():
    st.download_button("Download results.json", results.read_bytes(), file_name=f"results-{name}.json",
                       mime="application/json", on_click="ignore", icon=":material/download:")
