"""A retriever seen through a reader's filters: every search, whoever makes it, stays inside them.

Why a view and not a ``filters`` argument: the answer service passes the reader's filters to its own
search, but the claim check it runs on a claim-like question searches with filters of its own
(literature only) and would otherwise quote a cohort study to a reader who chose "RCT" only. The
view ANDs the reader's scope into every ``search``, so nothing the answer cites or quotes can come
from outside it, without each caller having to remember to pass it on.
"""

from __future__ import annotations

from typing import Any

from chatbot.retrieval import Filters
from core.protocols import Retriever


def combine(scope: Filters | None, extra: Filters | None) -> Filters | None:
    """Both filters at once (AND), or None when they cannot both hold (e.g. article only and literature only)."""
    a, b = scope or Filters(), extra or Filters()
    if a.role and b.role and a.role != b.role:
        return None
    types = _both(a.study_types, b.study_types)
    docs = _both(a.doc_ids, b.doc_ids)
    if types == [] or docs == []:
        return None
    lows = [y for y in (a.year_min, b.year_min) if y is not None]
    highs = [y for y in (a.year_max, b.year_max) if y is not None]
    lo, hi = (max(lows) if lows else None), (min(highs) if highs else None)
    if lo is not None and hi is not None and lo > hi:
        return None
    return Filters(role=a.role or b.role, study_types=types, year_min=lo, year_max=hi, doc_ids=docs)


def _both(a: list[str] | None, b: list[str] | None) -> list[str] | None:
    """The values allowed by both lists (None: no restriction; []: nothing allowed)."""
    if not a:
        return list(b) if b else None
    if not b:
        return list(a)
    return [x for x in a if x in set(b)]


class ScopedRetriever:
    """``inner`` with ``scope`` applied to every search (the ``core.protocols.Retriever`` shape)."""

    def __init__(self, inner: Retriever, scope: Filters):
        self.inner = inner
        self.scope = scope

    @property
    def snapshot(self) -> Any:
        return self.inner.snapshot

    @property
    def embeddings(self) -> Any:
        return self.inner.embeddings

    def search(self, query: str, k: int | None = None, filters: Any = None, diversify: bool = True, timings: dict[str, float] | None = None) -> list[Any]:
        merged = combine(self.scope, filters)
        if merged is None:  # the caller's filters and the reader's cannot both hold: nothing qualifies
            return []
        return self.inner.search(query, k=k, filters=merged, diversify=diversify, timings=timings)

    def hybrid_only(self) -> Retriever:
        """The same scope over the inner retriever without its reranker (the claim audit's view)."""
        from chatbot.retrieval import hybrid_only

        inner = hybrid_only(self.inner)
        return self if inner is self.inner else ScopedRetriever(inner, self.scope)

    def __getattr__(self, name: str) -> Any:  # settings, lexical, … of the wrapped retriever
        if name in ("inner", "scope"):  # not set yet (copy, unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.inner, name)


def scoped(retriever: Retriever, scope: Filters | None) -> Retriever:
    """``retriever`` limited to ``scope``; the retriever itself when there is nothing to limit."""
    if scope is None or scope.is_empty():
        return retriever
    return ScopedRetriever(retriever, scope)  # type: ignore[return-value]
