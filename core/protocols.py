"""The parts the composition root (``services``) wires together, as structural types.

Library code depends on these shapes, never on how a part is made: the real implementations live
in ``core.embeddings`` (Embedder), ``chatbot.retrieval`` (Retriever), ``chatbot.rerank``
(Reranker), ``chatbot.audit`` (Verifier, and the claim audit behind ``services``' Auditor) and
``chatbot.answer.service`` (Answerer); tests hand in fakes of the same shape.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Callable, Protocol, runtime_checkable

if TYPE_CHECKING:  # typing only: no import at run time
    from core.audit_report import AuditReport, ClaimFlag
    from core.contracts import AnswerRecord, AnswerStream
    from core.store import Snapshot


@runtime_checkable
class Embedder(Protocol):
    """Text → unit-length vectors (LangChain's ``Embeddings`` interface)."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


@runtime_checkable
class Retriever(Protocol):
    """Passages of one store version for a query (``chatbot.retrieval.HybridRetriever``)."""

    snapshot: Snapshot
    embeddings: Embedder

    def search(self, query: str, k: int | None = None, filters: Any = None, diversify: bool = True, timings: dict[str, float] | None = None) -> list[Any]: ...


@runtime_checkable
class Reranker(Protocol):
    """Rescores the head of a fused candidate list (``chatbot.rerank.CrossEncoderReranker``)."""

    def rerank(self, query: str, passages: list[Any], top: int = 30) -> list[Any]: ...


@runtime_checkable
class Verifier(Protocol):
    """(claim, evidence) pairs → probabilities, one row per pair, column 0 = SUPPORTS."""

    def score(self, pairs: Sequence[tuple[str, str]]) -> Any: ...


@runtime_checkable
class Auditor(Protocol):
    """The claim audit as the answerers and ingest use it."""

    def audit_snapshot(self, snapshot: Snapshot, previous: AuditReport | None) -> Any:
        """Audit of every article claim of ``snapshot`` (an ``AuditReport``, or JSON of its shape),
        reusing verdicts of ``previous`` whose inputs did not change."""

    def check_claim(self, text: str, retriever: Retriever) -> Any:
        """Verdict (with ``to_json()``) for one free-text claim against the literature."""

    def looks_like_claim(self, text: str) -> bool:
        """Whether a chat question asserts a checkable fact (it then gets a verdict first)."""

    def flags_for_passages(self, audit: AuditReport, passages: Iterable[Any]) -> list[ClaimFlag]:
        """Audited claims inside the given article passages whose verdict is not 'supported'."""


@runtime_checkable
class Answerer(Protocol):
    """Answers with numbered citations (``chatbot.answer.service.AnswerService``): an ``AnswerRecord``,
    or an ``AnswerStream`` that yields text pieces and then gives that record (``.record()``)."""

    def answer(
        self, question: str, history: Iterable[Any] | None = None, k: int | None = None, filters: Any = None, answerer: Any = "deterministic"
    ) -> AnswerRecord: ...

    def stream(
        self, question: str, history: Iterable[Any] | None = None, k: int | None = None, filters: Any = None, answerer: Any = "deterministic"
    ) -> AnswerStream: ...


#: A post-build step ingest runs on the staged version before it goes live: the claim audit.
#: Called with the staged snapshot and the previous version's audit (or None); returns the new audit.
AuditStep = Callable[["Snapshot", "AuditReport | None"], Any]
