"""Cited answers over the store: ``answer_question`` / ``stream_answer`` and the ``Answer`` type.

Imports are lazy so that ``from chatbot.answer import Answer`` doesn't pull in retrieval or models.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Answer", "Citation", "answer_question", "stream_answer", "standalone_query"]


def __getattr__(name: str) -> Any:
    if name in ("Answer", "Citation"):
        from chatbot.answer import types

        return getattr(types, name)
    if name in ("answer_question", "stream_answer"):
        from chatbot.answer import service

        return getattr(service, name)
    if name == "standalone_query":
        from chatbot.answer.conversation import standalone_query

        return standalone_query
    raise AttributeError(name)
