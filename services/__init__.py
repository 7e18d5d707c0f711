"""The composition root: one ``Services`` object, built from ``Settings``, wires every part.

Front ends (``python -m cli …``, ``python -m evals …``, the app, the
benchmarks) call ``build_services(settings)`` and take their parts from it; library code in
``core``, ``ingest`` and ``chatbot`` never imports this package, it receives what it needs as
arguments typed by ``core.protocols``. Tests hand in fakes::

    services = build_services(settings, embedder=FakeEmbeddings(), verifier=FakeVerifier())

Nothing is loaded when the object is built: the embedding model, the verifier and the reranker
load on first use, so a command that needs none of them (an ingest with nothing to do) stays fast.
"""

from __future__ import annotations

import importlib
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from core.audit_report import AuditReport
from core.errors import ConfigError
from core.protocols import Auditor, Embedder, Reranker, Verifier
from core.settings import Settings, get_settings
from core.store import Snapshot, current_version, open_snapshot, snapshots_dir

__all__ = ["Services", "build_services", "load_plugins"]


@dataclass(eq=False)
class Services:
    """The wired parts. Use ``build_services``; the private fields hold injected overrides."""

    settings: Settings
    _embedder: Embedder | None = field(default=None, repr=False)
    _verifier: Verifier | None = field(default=None, repr=False)
    _direction: Verifier | None = field(default=None, repr=False)
    _reranker: Reranker | None = field(default=None, repr=False)
    _auditor: Auditor | None = field(default=None, repr=False)
    _reranker_tried: bool = field(default=False, repr=False)
    audit: bool = True  # False: answers carry no claim verdicts or flags, ingest writes no audit
    _injected_verifier: Verifier | None = field(default=None, repr=False)  # the verifier a caller passed (then no real direction model)
    _retrievers: OrderedDict[str, Any] = field(default_factory=OrderedDict, repr=False)  # newest last
    max_retrievers: int = 4  # versions kept warm (a long-running app sees a new one per re-ingest)

    # -- parts ---------------------------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            from core.embeddings import get_embeddings

            self._embedder = get_embeddings(self.settings)
        return self._embedder

    @property
    def verifier(self) -> Verifier:
        """The claim verifier (loaded on first use; ``VerifierMissingError`` then if absent)."""
        if self._verifier is None:
            from services.auditor import LazyVerifier

            def load() -> Verifier:
                from chatbot.audit.verifier import get_verifier

                return get_verifier(self.settings)

            self._verifier = LazyVerifier(load)
        return self._verifier

    @property
    def direction(self) -> Verifier | None:
        """The direction classifier (loaded on first use), or None: when it is not installed, or when a verifier was
        injected without one (a fake verifier is never paired with a real model)."""
        if self._direction is None and self._injected_verifier is None:
            from chatbot.audit.direction import get_direction, installed

            if installed(self.settings):
                from services.auditor import LazyVerifier

                self._direction = LazyVerifier(lambda: get_direction(self.settings))
            else:
                get_direction(self.settings)  # says once, in one line, that claims are judged without it
        return self._direction

    @property
    def reranker(self) -> Reranker | None:
        """The cross-encoder reranker when ``settings.retrieval.rerank`` is on (the default), or the injected one.

        None when it is off, or when its model cannot be loaded: then the reason is logged once and
        retrieval keeps the hybrid order, so a checkout without ``models/reranker`` still answers."""
        if self._reranker is None and self.settings.retrieval.rerank and not self._reranker_tried:
            from chatbot.rerank import reranker_or_none

            self._reranker_tried = True  # a missing model is looked for once, not on every retriever
            self._reranker = reranker_or_none(self.settings)
        return self._reranker

    @property
    def auditor(self) -> Auditor | None:
        """The claim audit with this verifier and these retrievers; None when auditing is off."""
        if not self.audit:
            return None
        if self._auditor is None:
            from services.auditor import ClaimAuditor

            self._auditor = ClaimAuditor(self.settings, self.verifier, self.retriever, self.direction)
        return self._auditor

    def retriever(self, snapshot: Snapshot | None = None):
        """A hybrid retriever over ``snapshot`` (default: the current version), one per version.

        Raises ``core.errors.StoreMissingError`` when no store has been built yet.
        """
        if snapshot is None:
            version = current_version(self.settings)
            if version is None:
                open_snapshot(self.settings)  # raises StoreMissingError with guidance
            key = str(snapshots_dir(self.settings) / str(version))
            r = self._retrievers.get(key)
            if r is not None:
                self._retrievers.move_to_end(key)
                return r
            snapshot = open_snapshot(self.settings, version)
        key = str(snapshot.path)
        r = self._retrievers.get(key)
        if r is None or r.snapshot is not snapshot:
            from chatbot.retrieval import get_retriever

            r = get_retriever(self.settings, snapshot=snapshot, embeddings=self.embedder, reranker=self.reranker)
            self._retrievers[key] = r
        self._retrievers.move_to_end(key)
        while len(self._retrievers) > self.max_retrievers:
            self._retrievers.popitem(last=False)
        return r

    def answerer(self, retriever=None):
        """The answer service (``core.protocols.Answerer``) over ``retriever`` (default: the current version)."""
        from chatbot.answer.service import AnswerService

        return AnswerService(
            self.settings, retriever if retriever is not None else self.retriever(), auditor=self.auditor, verifier=self.verifier if self.audit else None
        )

    # -- jobs ------------------------------------------------------------------------------------
    def audit_step(self, snapshot: Snapshot, previous: AuditReport | None) -> Any:
        """The post-build step ingest runs on a staged version: the claim audit of its article."""
        auditor = self.auditor
        if auditor is None:
            raise ConfigError("claim audit is switched off for these services")
        return auditor.audit_snapshot(snapshot, previous)

    def ingest(self, *, dry_run: bool = False, audit: bool = True, progress=None, bar: bool = False, force: bool = False):
        """``ingest.pipeline.run_ingest`` with this embedder and the claim audit as its post-build step (``force``: rebuild from scratch)."""
        from ingest import pipeline

        do_audit = audit and self.audit
        return pipeline.run_ingest(
            self.settings,
            dry_run=dry_run,
            audit=do_audit,
            progress=progress,
            embeddings=self.embedder,  # built, not loaded: the model loads on the first text to embed
            bar=bar,
            audit_step=self.audit_step if do_audit else None,
            force=force,
        )


def load_plugins(settings: Settings) -> None:
    """Import the modules named in ``settings.plugins`` (they register components by name)."""
    for name in getattr(settings, "plugins", None) or []:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise ConfigError(f"plugin module {name!r} (MGC_PLUGINS) cannot be imported: {exc}") from exc


def build_services(
    settings: Settings | None = None,
    *,
    embedder: Embedder | None = None,
    verifier: Verifier | None = None,
    direction: Verifier | None = None,
    reranker: Reranker | None = None,
    auditor: Auditor | None = None,
    audit: bool = True,
) -> Services:
    """Wire the parts for ``settings`` (default: the environment's). Every keyword replaces one
    part (tests pass fakes); ``audit=False`` switches the claim audit off everywhere."""
    s = settings or get_settings()
    load_plugins(s)
    return Services(
        settings=s, _embedder=embedder, _verifier=verifier, _direction=direction, _reranker=reranker, _auditor=auditor, audit=audit, _injected_verifier=verifier
    )
