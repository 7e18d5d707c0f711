"""Opening the store for a page, and (re)building it from the app, with messages a non-technical
reader can act on instead of tracebacks."""

from __future__ import annotations

import threading
from typing import Any

import streamlit as st

from app.render import code_inline, escape_inline
from app.resources import chroma_problem, get_services, get_snapshot, repin, session_version, store_status
from app.tables import summary_view
from core.audit_report import AuditReport
from core.errors import AuditFileError, IngestBusyError, MagcheckError, StoreMissingError, StoreUnavailableError
from core.settings import Settings
from core.store import Snapshot, current_version


@st.cache_resource(show_spinner=False)
def _ingest_lock() -> threading.Lock:
    """One ingest per process: two sessions pressing the button must not build two versions."""
    return threading.Lock()


def draw_missing_store(settings: Settings, key: str = "build_store") -> None:
    st.warning(
        "**The document store has not been built yet**, so there is nothing to answer from.\n\n"
        f"Build it from a terminal with `python -m cli ingest` (or `make run`), or press the button below. "
        f"It reads the corpus folder {code_inline(str(settings.corpus_dir))} and takes a few minutes on a CPU.",
        icon=":material/inventory_2:",
    )
    if st.button("Build the store now", key=key, type="primary", icon=":material/build:"):
        if run_ingest_ui(settings):
            st.rerun()


def draw_chroma_unavailable(problem: str) -> None:
    st.error(
        "**The vector database is not reachable.** The app is configured to use a Chroma server, "
        "but it does not answer, so questions cannot be searched right now.\n\n"
        f"Details: {escape_inline(problem)}\n\n"
        "Ask whoever runs this app to start the database server, or to switch the app to its built-in store "
        "(the README's *Configuration* section says how), then reload this page.",
        icon=":material/cloud_off:",
    )


def require_snapshot(settings: Settings, need_chroma: bool = False) -> Snapshot:
    """The session's snapshot, or draw why there is none and stop the page."""
    version = session_version(settings)
    if version is None:
        draw_missing_store(settings)
        st.stop()
    if need_chroma:
        problem = chroma_problem(settings.chroma.host, settings.chroma.port)
        if problem:
            draw_chroma_unavailable(problem)
            st.stop()
    try:
        snap = get_snapshot(settings, version)
    except (StoreMissingError, FileNotFoundError):
        draw_missing_store(settings)
        st.stop()
    cur = current_version(settings)
    from app.components import draw_store_status

    draw_store_status(store_status(settings, snap), newer=cur if cur and cur != version else None)
    return snap


def snapshot_audit(snap: Snapshot) -> AuditReport | None:
    """The version's claim audit; a damaged ``audit.json`` is said in one line (naming the file) and read as none."""
    try:
        return snap.audit()
    except AuditFileError as exc:
        st.error(f"**The stored claim audit cannot be read.** {escape_inline(str(exc))}", icon=":material/error:")
        return None


def run_ingest_ui(settings: Settings, dry_run: bool = False) -> dict[str, Any] | None:
    """Run ingest with a live progress display; returns the summary (also kept in the session).

    Readers elsewhere keep their pinned snapshot: ingest writes a new version and flips CURRENT
    only when it is complete. This session moves to the new version when it is done.
    """
    lock = _ingest_lock()
    if not lock.acquire(blocking=False):
        st.warning("An ingest is already running (started from another session). Try again when it has finished.")
        return None
    summary: dict[str, Any] | None = None
    try:
        with st.status("Ingesting the corpus…", expanded=True) as status:
            bar = st.progress(0.0, text="Starting…")

            def progress(done: int, total: int, message: str = "") -> None:
                frac = min(1.0, max(0.0, done / total)) if total else 0.0
                try:
                    bar.progress(frac, text=f"{done}/{total} · {escape_inline(str(message))[:160]}")
                except Exception:  # called from a worker thread without a script context
                    pass

            try:
                result = get_services(settings).ingest(dry_run=dry_run, audit=True, progress=progress)
            except StoreUnavailableError as exc:
                status.update(label="Ingest failed: the vector database is not reachable", state="error")
                st.error(escape_inline(str(exc)))
                return None
            except IngestBusyError:
                status.update(label="Another ingest is running", state="error")
                st.warning("Another ingest (from a terminal or another app) is running; try again when it has finished.")
                return None
            except MagcheckError as exc:  # a known failure with a message meant for the user
                status.update(label="Ingest failed; the previous store version is still in use", state="error")
                st.error(escape_inline(str(exc)))
                return None
            except Exception as exc:  # the outer edge: a bug; show what failed, the previous version stays current
                status.update(label="Ingest failed; the previous store version is still in use", state="error")
                st.error(f"{type(exc).__name__}: {escape_inline(str(exc))}")
                return None
            summary = summary_view(result)
            bar.progress(1.0, text="Done")
            failed = len(summary["failed"])
            label = (
                f"Ingest finished in {summary['seconds']:.0f} s: {summary['added']} added, {summary['updated']} updated, "
                f"{summary['skipped']} unchanged, {summary['removed']} removed" + (f", {failed} failed" if failed else "")
            )
            nothing_done = not (summary["added"] or summary["updated"] or summary["skipped"])
            status.update(label=label, state="error" if failed and nothing_done else "complete", expanded=False)
    finally:
        lock.release()
    repin(settings)
    st.session_state["last_ingest"] = summary
    return summary
