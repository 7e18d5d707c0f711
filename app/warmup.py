"""Loading the models behind the first answer while the reader looks at the first page.

A cold start loads the embedding model, opens the store and loads the passage reranker (on by
default, ``Settings.retrieval.rerank``) and the claim verifier: tens of
seconds on a busy CPU. Done inside the page script, it kept the page "running" and the chat input
answered nothing until it was over. Here it runs once per process and store version in a
background thread that fills the same caches the pages read (``app.resources``), so the first page
draws at once; a question asked before the models are ready waits for the thread, with a status
line that says what is still loading, instead of a frozen page.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

import streamlit as st

from app.resources import get_retriever_for, get_services
from core.settings import Settings
from services import Services

log = logging.getLogger("app.warmup")


@dataclass
class Warmup:
    """What the background load has done so far; ``done`` is set when it has finished or failed."""

    done: threading.Event = field(default_factory=threading.Event)
    waiting: threading.Event = field(default_factory=threading.Event)  # set once a question waits for the load
    stage: str = "starting"
    error: str | None = None
    started: float = field(default_factory=time.monotonic)
    seconds: float | None = None


def warm_verifier(services: Services, text: str) -> None:
    """Load the claim verifier (it loads on first use) by scoring one pair: ``text`` (a passage of the
    served corpus, so no subject is named in code) against itself."""
    text = " ".join(text.split()[:40]) or "."
    services.verifier.score([(text, text)])


def warm_reranker(services: Services, text: str = "a short passage") -> None:
    """Load the passage reranker and run it once (its first call is slower than the rest); a no-op when it
    is off, or missing (``Services.reranker`` then logs why and retrieval keeps the hybrid order). ``text``: any
    words (no subject is named in code); what is scored does not matter, only that the model ran once."""
    reranker = services.reranker
    if reranker is not None and hasattr(reranker, "scores"):
        reranker.scores(text, [text])


def _load(settings: Settings, version: str, w: Warmup) -> None:
    try:
        services = get_services(settings)
        if settings.retrieval.rerank:
            w.stage = "the passage reranker"
            warm_reranker(services)  # before the retriever, which is built with it
        w.stage = "the store and the embedding model"
        retriever = get_retriever_for(settings, version)  # opens the store and embeds one query: the model is in memory
        if services.audit:
            w.stage = "the claim verifier"
            warm_verifier(services, next((c.text for c in retriever.snapshot.chunks.values()), ""))
        w.stage = "ready"
    except Exception as exc:  # the outer edge of a thread: keep the reason; the question that needs it reports it
        w.error = f"{type(exc).__name__}: {exc}"
        w.stage = "failed"
        log.warning("warm-up failed: %s", w.error)
    finally:
        w.seconds = time.monotonic() - w.started
        w.done.set()


@st.cache_resource(max_entries=4, show_spinner=False)
def _warmup(store_dir: str, version: str, settings_json: str) -> Warmup:
    w = Warmup()
    settings = Settings.model_validate_json(settings_json)
    threading.Thread(target=_load, args=(settings, version, w), name=f"magcheck-warmup-{version}", daemon=True).start()
    return w


def start_warmup(settings: Settings, version: str) -> Warmup:
    """Start loading (once per process and store version) and return at once."""
    return _warmup(str(settings.store_dir), version, settings.model_dump_json())


def wait_until_warm(w: Warmup, poll_s: float = 0.5) -> None:
    """Block until the background load is over, showing what is still loading; a no-op when it is.

    ``poll_s`` only paces the status line; the wait itself ends the moment the load does."""
    if w.done.is_set():
        return
    w.waiting.set()
    with st.status("Loading the models for the first answer after a start…", expanded=False) as status:
        while not w.done.wait(poll_s):
            status.update(label=f"Loading {w.stage} ({time.monotonic() - w.started:.0f} s)…")
        status.update(
            label=f"Models loaded in {w.seconds or 0:.0f} s" if not w.error else "Loading the models failed", state="complete" if not w.error else "error"
        )
