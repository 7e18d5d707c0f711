"""Chat page: questions in, cited answers out, with flags where the article and studies disagree."""

from __future__ import annotations

import logging

import streamlit as st

from app.answering import ChatOptions, answer, history_for_service, stream
from app.components import draw_answer
from app.render import escape_inline, escape_md, study_label
from app.resources import chroma_problem, get_answerer_for, load_settings, repin
from app.store_ui import draw_chroma_unavailable, draw_missing_store, require_snapshot
from app.warmup import start_warmup, wait_until_warm
from core.domain import profile_for
from core.errors import LLMUnavailableError, StoreMissingError, StoreUnavailableError

ROLE_CHOICES = {"All sources": None, "Article only": "article", "Studies only": "literature"}
FILTER_KEYS = ("role", "study_types", "years")  # the sidebar widgets that narrow the sources

log = logging.getLogger("app.chat")
settings = load_settings()
snap = require_snapshot(settings, need_chroma=True)
profile = profile_for(snap, settings)  # the corpus's own subject and examples: nothing about one topic in code
EXAMPLES = list(profile.example_questions)
ARTICLES = [d.title for d in snap.documents().values() if d.role == "article" and d.title]


def _chroma_down() -> bool:
    """Re-check now (not the cached answer): the server may have gone away mid-session."""
    chroma_problem.clear()
    return chroma_problem(settings.chroma.host, settings.chroma.port) is not None


def _start_over() -> None:
    """A fresh conversation: no history, the newest store version, and no filters left on from before."""
    st.session_state["messages"] = []
    st.session_state.pop("pending_question", None)
    for key in FILTER_KEYS:
        st.session_state.pop(key, None)
    repin(settings)


def _ask(q: str) -> None:
    st.session_state["pending_question"] = q


def sidebar() -> ChatOptions:
    sb = st.sidebar
    sb.button("Start over", on_click=_start_over, icon=":material/restart_alt:", width="stretch")
    llm = settings.llm
    no_llm = llm.provider == "none"
    labels = {"deterministic": "Quotes from the sources (deterministic)", "llm": f"Language model ({llm.provider}{': ' + llm.model if llm.model else ''})"}
    answerer = sb.radio(
        "Answerer",
        list(labels),
        format_func=labels.get,
        key="answerer",
        disabled=no_llm,
        index=0,
        help="The deterministic answerer only quotes retrieved sentences; an LLM writes prose whose sentences are then checked against the sources.",
    )
    if no_llm:
        sb.caption(
            "Answers quote the sources word for word. Written answers from a language model are not switched on "
            "for this app; whoever runs it can turn them on (the README's *Configuration* section says how)."
        )
    k = sb.slider("Passages to retrieve", 2, 12, int(settings.retrieval.k), key="k")
    role = ROLE_CHOICES[sb.radio("Sources", list(ROLE_CHOICES), key="role", horizontal=False)]
    chunks = snap.chunks.values()
    types = sorted({c.study_type for c in chunks if c.role != "article" and c.study_type})
    study_types = sb.multiselect("Study types", types, key="study_types", disabled=role == "article", placeholder="All study types")
    years = sorted({int(c.year) for c in chunks if c.year})
    y_min = y_max = None
    if len(years) > 1:
        lo, hi = sb.slider("Publication years", years[0], years[-1], (years[0], years[-1]), key="years")
        if (lo, hi) != (years[0], years[-1]):
            y_min, y_max = lo, hi
    return ChatOptions(
        answerer=answerer if not no_llm else "deterministic",
        k=k,
        role=role,
        study_types=[] if role == "article" else list(study_types),
        year_min=y_min,
        year_max=y_max,
    )


opts = sidebar()
messages: list[dict] = st.session_state.setdefault("messages", [])

st.title(f"Ask about {profile.name}" if profile.name else "Ask about this corpus")
source = f"the article *{escape_inline(ARTICLES[0])}*" if len(ARTICLES) == 1 else "the corpus's articles"
st.caption(
    f"Answers are built only from {source} and digests of the studies behind it. Every statement carries the number "
    "of its source; coloured badges mark where the article and the studies disagree. This is research support, not medical advice."
)

scope = opts.describe(study_label)
if scope:
    st.info(
        f"**Filters on** (answers and claim checks use only these sources): {escape_inline(scope)}. "
        "Change them in the sidebar, or press *Start over* to clear them.",
        icon=":material/filter_alt:",
    )

typed = st.chat_input("Ask a question, or paste a claim to check it…", max_chars=1000)
if EXAMPLES and not messages and not typed and "pending_question" not in st.session_state:
    st.markdown("**New here? Try one of these** (or type a claim to have it checked):")
    cols = st.columns(2)
    for i, q in enumerate(EXAMPLES):
        cols[i % 2].button(q, key=f"example_{i}", on_click=_ask, args=(q,), width="stretch")

for m in messages:
    with st.chat_message(m["role"]):
        if m["role"] == "user":
            st.markdown(escape_md(m["content"]))
        else:
            draw_answer(m["answer"])
            if m.get("scope"):
                st.caption(f"Filters: {escape_inline(m['scope'])}")

question = typed or st.session_state.pop("pending_question", None)

if question and question.strip():
    question = question.strip()
    with st.chat_message("user"):
        st.markdown(escape_md(question))
    history = history_for_service(messages)
    with st.chat_message("assistant"):
        result = None
        try:
            wait_until_warm(start_warmup(settings, snap.version))  # right after a start: wait here, with a status line
            service = get_answerer_for(settings, snap.version, opts.filters())
            if opts.answerer == "deterministic":
                with st.spinner("Searching the article and the studies…"):
                    result = answer(question, history, opts, service)
            else:
                pieces = stream(question, history, opts, service)
                slot = st.empty()
                with slot.container():
                    st.write_stream(escape_md(piece) for piece in pieces)
                result = pieces.record()
                slot.empty()
        except StoreUnavailableError as exc:
            draw_chroma_unavailable(str(exc))
        except StoreMissingError:
            draw_missing_store(settings, key="build_store_chat")
        except LLMUnavailableError as exc:
            st.error(f"The language model is not available: {escape_inline(str(exc))}. Switch the answerer to *deterministic* in the sidebar.")
        except Exception as exc:  # the outer edge: an answer that fails must not take the page (and the history) down
            if settings.chroma.host and _chroma_down():
                draw_chroma_unavailable(f"{type(exc).__name__}: {exc}")
            else:
                log.exception("answering failed")
                st.error(f"Sorry, answering failed ({escape_inline(type(exc).__name__)}: {escape_inline(str(exc))[:300]}). Try again, or start over.")
        if result is not None:
            draw_answer(result)
            if scope:
                st.caption(f"Filters: {escape_inline(scope)}")
    if result is not None:
        messages.append({"role": "user", "content": question})
        messages.append({"role": "assistant", "answer": result, "scope": scope})

# Load the models behind the drawn page (once per process and version; returns at once). Started last so
# the loading thread does not compete with drawing the first page for the interpreter.
start_warmup(settings, snap.version)
