"""Process-wide resources (the wired services, store snapshots, retrievers with their models), opened once.

The parts come from the composition root (``services.build_services``), one ``Services`` per
distinct settings. Snapshots and retrievers are keyed by store directory *and version*: after a
re-ingest, new sessions get the new version while sessions that pinned the old one keep their
cached retriever on it (ingest keeps the previous version on disk). Settings are read fresh on
every run — cheap, and it keeps tests that change ``MGC_*`` variables between apps independent.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from chatbot.retrieval import Filters
from core.errors import StoreUnavailableError
from core.settings import Settings
from core.store import Snapshot, current_version, open_snapshot, snapshots_dir
from services import Services, build_services
from services.scoped import scoped


def load_settings() -> Settings:
    """The app's settings; an invalid MGC_* value stops the page with the one-line reason, not a traceback."""
    from core.errors import ConfigError
    from core.settings import load_settings as _load

    try:
        return _load()
    except ConfigError as exc:
        st.error(str(exc))
        st.stop()


def page_title() -> str:
    """The browser tab's title, named for the corpus's subject (its profile), never for one topic in code; a corpus
    without a profile name, or settings that do not load (the page then shows why), gets a plain title."""
    from core.domain import load_profile
    from core.errors import ConfigError
    from core.settings import load_settings as _load

    try:
        name = load_profile(_load().corpus_dir).name
    except (ConfigError, OSError, ValueError):
        name = ""
    return f"{name[:1].upper()}{name[1:]} — evidence check" if name else "Evidence check"


@st.cache_resource(max_entries=4, show_spinner=False)
def _services(settings_json: str) -> Services:
    return build_services(Settings.model_validate_json(settings_json))


def get_services(settings: Settings) -> Services:
    return _services(settings.model_dump_json())


@st.cache_resource(max_entries=8, show_spinner=False)
def _snapshot(store_dir: str, version: str, settings_json: str) -> Snapshot:
    return open_snapshot(Settings.model_validate_json(settings_json), version)


def get_snapshot(settings: Settings, version: str) -> Snapshot:
    return _snapshot(str(settings.store_dir), version, settings.model_dump_json())


@st.cache_resource(max_entries=4, show_spinner=False)  # app.warmup shows what is loading
def _retriever(store_dir: str, version: str, settings_json: str):
    retriever = _services(settings_json).retriever(_snapshot(store_dir, version, settings_json))
    # load the embedding model and open the collection now, once per process, rather than
    # inside the first reader's question (a cold start costs tens of seconds on a busy CPU)
    retriever.search("warm up", k=1)  # any words: this loads models, it asks nothing of the corpus (no topic in code)
    return retriever


def get_retriever_for(settings: Settings, version: str):
    return _retriever(str(settings.store_dir), version, settings.model_dump_json())


def get_answerer_for(settings: Settings, version: str, filters: Filters | None = None):
    """The answer service over this session's store version, with the claim auditor and verifier.

    With ``filters`` every search the service makes (its own and the claim check's) stays inside
    them, so a reader who chose "RCT only" is never quoted a cohort study.
    """
    return get_services(settings).answerer(scoped(get_retriever_for(settings, version), filters))


def version_exists(settings: Settings, version: str | None) -> bool:
    return bool(version) and (snapshots_dir(settings) / str(version) / "manifest.json").exists()


def session_version(settings: Settings) -> str | None:
    """The store version this browser session reads.

    Pinned on first use so a conversation never mixes versions; moved to the current version
    when the pinned one has been pruned (or when the session asks, via ``repin``).
    """
    pinned = st.session_state.get("store_version")
    if pinned and version_exists(settings, pinned):
        return pinned
    cur = current_version(settings)
    st.session_state["store_version"] = cur
    return cur


def repin(settings: Settings) -> str | None:
    st.session_state["store_version"] = current_version(settings)
    return st.session_state["store_version"]


@st.cache_data(ttl=20, show_spinner=False)
def chroma_problem(host: str | None, port: int) -> str | None:
    """Why the configured Chroma server cannot be used, or None; re-checked every 20 s so a
    server that comes back is noticed without hammering one that is down."""
    if not host:
        return None
    from core.store import chroma_client

    try:  # only the configured server's address matters here, so the rest are defaults
        chroma_client(Settings(chroma={"host": host, "port": port}))
    except StoreUnavailableError as exc:
        return str(exc)
    return None


def store_status(settings: Settings, snapshot: Snapshot | None) -> dict[str, Any]:
    from app.tables import store_stats

    if snapshot is None:
        return {}
    return store_stats(snapshot.manifest, len(snapshot.chunks))
