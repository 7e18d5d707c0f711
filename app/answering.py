"""The app's one door into the answer service (``core.protocols.Answerer``, wired by ``services``).

Keeps the pages free of answerer details: the chat page gets either a finished answer (as the
JSON contract of ``Answer.to_json()``) or a stream of text pieces followed by that JSON, whatever
shape the service's stream takes (text pieces then an ``Answer``, or a generator that *returns*
the ``Answer``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from chatbot.retrieval import Filters
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
            out.append({"role": "assistant", "content": str((m.get("answer") or {}).get("answer", ""))})
    return out


def answer(question: str, history: list[dict[str, str]], opts: ChatOptions, service: Answerer) -> dict[str, Any]:
    """A complete answer as JSON (the deterministic path: fast, so no streaming needed)."""
    a = service.answer(question, history=history, k=opts.k, filters=opts.filters(), answerer=opts.answerer)
    return a.to_json() if hasattr(a, "to_json") else dict(a)


class AnswerStream:
    """Iterate for the text pieces (what ``st.write_stream`` draws); ``result`` is the final
    answer JSON once iteration is over."""

    def __init__(self, question: str, history: list[dict[str, str]], opts: ChatOptions, service: Answerer):
        self._args = (question, history, opts, service)
        self.result: dict[str, Any] | None = None

    def __iter__(self) -> Iterator[str]:
        question, history, opts, service = self._args
        gen = service.stream(question, history=history, k=opts.k, filters=opts.filters(), answerer=opts.answerer)
        it = iter(gen)
        while True:
            try:
                item = next(it)
            except StopIteration as stop:
                if stop.value is not None and self.result is None:
                    self.result = _as_json(stop.value)
                return
            if isinstance(item, str):
                yield item
            elif isinstance(item, dict) and "type" in item:  # event-style streams
                if item.get("type") in ("token", "text", "delta"):
                    yield str(item.get("text") or item.get("content") or "")
                elif item.get("type") in ("answer", "final", "done") and item.get("answer") is not None:
                    self.result = _as_json(item["answer"])
            else:
                self.result = _as_json(item)


def _as_json(a: Any) -> dict[str, Any]:
    return a.to_json() if hasattr(a, "to_json") else dict(a)
