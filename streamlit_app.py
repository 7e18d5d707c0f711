"""The app's entry point (`streamlit run streamlit_app.py`): page setup and navigation only.

Pages live in ``app/pages``; what they draw comes from ``chatbot`` (answers, audit) and the store,
and every decision about how to show it safely lives in ``app``'s small pure modules.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:  # AppTest and `streamlit run` from another folder
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from app.resources import page_title  # noqa: E402

st.set_page_config(page_title=page_title(), page_icon=":material/science:", layout="wide")

pages = [
    st.Page("app/pages/chat.py", title="Chat", icon=":material/forum:", default=True),
    st.Page("app/pages/audit.py", title="Claim audit", icon=":material/fact_check:"),
    st.Page("app/pages/article.py", title="Read the article", icon=":material/article:"),
    st.Page("app/pages/corpus.py", title="Corpus", icon=":material/library_books:"),
    st.Page("app/pages/evals.py", title="Evals", icon=":material/monitoring:"),
]
st.navigation(pages).run()
