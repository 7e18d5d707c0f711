"""The app's one door into the answer service (``core.protocols.Answerer``, wired by ``services``).

Keeps the pages free of answerer details: the chat page gets either a finished ``AnswerRecord``
or the service's one streaming shape, ``core.contracts.AnswerStream`` (iterate it for text pieces,
then ``.record()``). The page draws the record with ``app.components.draw_answer``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from chatbot.retrieval import Filters
from core.contracts import AnswerRecord, AnswerStream
from core.protocols import Answerer


@dataclass
class ChatOptions:
    """What the sidebar decides for the next answer."""

    answerer: str = "deterministic"
    k: int = 6
    role: str | None = None  # None (all), "article" or "literature"
    study_types: list[str] = field(default_factory=list)
    year_min: int | None = None
    year_max: int | None = None

    def filters(self) -> Filters | None:
        f = Filters(role=self.role, study_types=list(self.study_types) or None, year_min=self.year_min, year_max=self.year_max)
        return None if f.is_empty() else f

    def describe(self, label: Callable[[str], str] = str) -> str:
        """The active filters in a reader's words ('' when none), so the chat can say what it answered from;
        ``label`` names a study type ("rct" -> "RCT")."""
        bits = []
        if self.role:
            bits.append(ROLE_WORDS.get(self.role, self.role))
        if self.study_types:
            bits.append("study types: " + ", ".join(label(t) for t in self.study_types))
        if self.year_min is not None or self.year_max is not None:
            lo = "" if self.year_min is None else str(self.year_min)
            hi = "" if self.year_max is None else str(self.year_max)
            bits.append(f"years {lo}–{hi}")
        return " · ".join(bits)


ROLE_WORDS = {"article": "the article only", "literature": "the studies only"}


def history_for_service(messages: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Earlier turns as role/content pairs, which the service's follow-up rewriting accepts."""
    out = []
    for m in messages:
        if m.get("role") == "user":
            out.append({"role": "user", "content": str(m.get("content", ""))})
        elif m.get("role") == "assistant":
            a = m.get("answer")
            out.append({"role": "assistant", "content": a.body if isinstance(a, AnswerRecord) else ""})
    return out


def answer(question: str, history: list[dict[str, str]], opts: ChatOptions, service: Answerer) -> AnswerRecord:
    """A complete answer (the deterministic path: fast, so no streaming needed)."""
    return service.answer(question, history=history, k=opts.k, filters=opts.filters(), answerer=opts.answerer)


def stream(question: str, history: list[dict[str, str]], opts: ChatOptions, service: Answerer) -> AnswerStream:
    """The answer as it is written: iterate for the text pieces (what ``st.write_stream`` draws), then ``.record()``."""
    return service.stream(question, history=history, k=opts.k, filters=opts.filters(), answerer=opts.answerer)
