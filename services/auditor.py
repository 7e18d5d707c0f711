"""The claim audit (``chatbot.audit``) bound to the verifier and retrievers the composition root chose.

``chatbot.audit`` is a set of functions that take a retriever, settings and a verifier; this object
implements ``core.protocols.Auditor`` by passing them in, so the answerers and ingest see one
object and never reach for the module themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from core.audit_report import AuditReport, ClaimFlag
from core.protocols import Retriever, Verifier
from core.settings import Settings
from core.store import Snapshot


class ClaimAuditor:
    def __init__(self, settings: Settings, verifier: Verifier, retriever_for: Callable[[Snapshot], Retriever], direction: Verifier | None = None):
        self.settings = settings
        self.verifier = verifier
        self.direction = direction  # the direction classifier (chatbot.audit.direction); None: the verifier alone decides
        self._retriever_for = retriever_for

    def audit_snapshot(self, snapshot: Snapshot, previous: AuditReport | None) -> AuditReport:
        from chatbot.audit import audit_snapshot

        return audit_snapshot(
            snapshot, previous, retriever=self._retriever_for(snapshot), settings=self.settings, verifier=self.verifier, direction=self.direction
        )

    def check_claim(self, text: str, retriever: Retriever) -> Any:
        from chatbot.audit import check_claim

        return check_claim(text, retriever, self.settings, verifier=self.verifier, direction=self.direction)

    def looks_like_claim(self, text: str) -> bool:
        from chatbot.audit import looks_like_claim

        return looks_like_claim(text)

    def flags_for_passages(self, audit: AuditReport, passages: Iterable[Any]) -> list[ClaimFlag]:
        from chatbot.audit import flags_for_passages

        return flags_for_passages(audit, passages)


class LazyVerifier:
    """Loads the verifier on first use, so wiring services costs nothing when no claim is checked.

    Any attribute (``score``, ``fingerprint``, ``path``) triggers the load; a missing model raises
    ``VerifierMissingError`` there, which the audit and the answerers report or degrade on.
    """

    def __init__(self, load: Callable[[], Verifier]):
        self._load = load
        self._verifier: Verifier | None = None

    def _get(self) -> Verifier:
        if self._verifier is None:
            self._verifier = self._load()
        return self._verifier

    def score(self, pairs):
        return self._get().score(pairs)

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._get(), name)
