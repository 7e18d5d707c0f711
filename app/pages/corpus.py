"""Corpus page: what is in the store, adding documents, and re-ingesting from the browser."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.render import code_inline, escape_inline
from app.resources import get_snapshot, load_settings, session_version, store_status
from app.store_ui import draw_missing_store, run_ingest_ui
from app.tables import documents_rows
from app.uploads import UPLOAD_SUBDIR, UploadRejected, check_upload, save_upload
from app.components import draw_store_status
from core.store import current_version

settings = load_settings()
st.title("Corpus")

version = session_version(settings)
snap = get_snapshot(settings, version) if version else None
if snap is None:
    draw_missing_store(settings, key="build_store_corpus")
else:
    cur = current_version(settings)
    draw_store_status(store_status(settings, snap), newer=cur if cur and cur != version else None)
    rows = documents_rows(snap.documents())
    st.caption(
        f"{len(rows)} documents, {len(snap.chunks)} passages in store version {escape_inline(snap.version)}. "
        "Study digests are summaries of each paper's abstract written in our own words; follow the DOI or "
        "PubMed link for the paper itself."
    )
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        width="stretch",
        column_order=["title", "year", "study_type", "role", "chunks", "doi", "pmid", "doc_id"],
        column_config={
            "title": st.column_config.TextColumn("Title", width="large"),
            "year": st.column_config.NumberColumn("Year", format="%d"),
            "study_type": "Study type",
            "role": "Role",
            "chunks": "Chunks",
            "doi": "DOI",
            "pmid": "PMID",
            "doc_id": "ID",
        },
    )
    if rows:
        ids = [r["doc_id"] for r in rows]
        titles = {r["doc_id"]: r["title"] for r in rows}
        pick = st.selectbox("Document metadata", ids, format_func=lambda d: f"{d} · {titles[d][:90]}", key="corpus_doc")
        if pick:
            doc = snap.documents()[pick]
            st.json(
                {
                    "doc_id": pick,
                    "path": doc.path,
                    "hash": doc.hash,
                    "title": doc.title,
                    "year": doc.year,
                    "role": doc.role,
                    "study_type": doc.study_type,
                    "chunks": len(doc.chunk_ids),
                    "meta": doc.meta,
                },
                expanded=True,
            )

st.subheader("Add documents")
st.caption(
    f"PDF, Markdown, HTML or JATS XML, up to {settings.max_upload_mb} MB each. Files are saved to the corpus "
    f"folder's {code_inline(UPLOAD_SUBDIR + '/')}; a different file with the same name as an earlier upload is kept "
    "beside it under a new name. Press *Re-ingest* afterwards to add them to the store."
)
with st.form("upload", clear_on_submit=True):
    # no type filter here: the browser would drop a refused file silently, and the reader would never learn why
    files = st.file_uploader(
        "Documents", accept_multiple_files=True, max_upload_size=settings.max_upload_mb, help="PDF, Markdown, plain text, HTML or JATS XML"
    )
    submitted = st.form_submit_button("Save to corpus", icon=":material/upload:")
if submitted:
    if not files:
        st.warning("No file was chosen: drop or browse for PDF, Markdown, HTML or JATS XML files first, then press *Save*.")
    for f in files or []:
        check = check_upload(f.name, f.size, settings.max_upload_mb)
        if not check.ok:
            st.error(escape_inline(check.message))
            continue
        try:
            saved = save_upload(settings.corpus_dir, f.name, f.getvalue(), settings.max_upload_mb)
        except UploadRejected as exc:
            st.error(escape_inline(str(exc)))
        else:
            (st.info if saved.duplicate or saved.renamed else st.success)(escape_inline(saved.message))

st.subheader("Re-ingest")
st.caption(
    "Builds a new store version from the corpus folder (unchanged files are skipped). People chatting now keep "
    "answering from the current version until they start over."
)
if st.button("Re-ingest the corpus", type="primary", icon=":material/sync:"):
    if run_ingest_ui(settings) is not None:
        st.rerun()  # redraw the document table from the new version; the summary is kept below

last = st.session_state.get("last_ingest")
if last:
    st.markdown(
        f"**Last ingest from this session:** version {escape_inline(str(last.get('version') or 'unchanged'))} · "
        f"{last['added']} added, {last['updated']} updated, {last['skipped']} unchanged, {last['removed']} removed, "
        f"{last['chunks']} chunks in {last['seconds']:.1f} s · audit: {escape_inline(last.get('audit') or '')}"
    )
    if last["failed"]:
        st.error(f"{len(last['failed'])} file(s) could not be ingested:")
        st.dataframe(pd.DataFrame(last["failed"], columns=["file", "reason"]), hide_index=True, width="stretch")
