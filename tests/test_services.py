"""The composition root: parts injected or built from settings, nothing loaded up front, plugins."""

from __future__ import annotations

import pytest

from answer_helpers import build_store, make_chunk
from fakes import FakeEmbeddings, FakeVerifier


def _store(settings):
    return build_store(
        settings,
        [
            make_chunk("a", "Magnesium glycinate is absorbed far better than oxide.", role="article", title="Art", year=2025),
            make_chunk("p", "Magnesium oxide fractional absorption was only 4% in the urinary excretion study.", title="P", year=2001, study_type="rct"),
        ],
    )


def test_injected_parts_are_used_and_nothing_loads_up_front(settings):
    from services import build_services

    emb, ver = FakeEmbeddings(), FakeVerifier()
    s = build_services(settings, embedder=emb, verifier=ver)
    assert s.embedder is emb and s.verifier is ver and s.reranker is None
    assert s.auditor is not None and s.auditor.verifier is ver
    assert build_services(settings, audit=False).auditor is None


def test_retriever_is_one_per_version_and_answerer_wires_the_audit(settings):
    from core.errors import StoreMissingError
    from core.store import open_snapshot
    from services import build_services

    s = build_services(settings, embedder=FakeEmbeddings(), verifier=FakeVerifier())
    with pytest.raises(StoreMissingError):
        s.retriever()
    _store(settings)
    r = s.retriever()
    assert r is s.retriever() and r.embeddings is s.embedder
    pinned = open_snapshot(settings)
    assert s.retriever(pinned).snapshot is pinned
    service = s.answerer(r)
    assert service.auditor is s.auditor and service.verifier is s.verifier
    ans = service.answer("How well is magnesium oxide absorbed?")
    assert ans.citations and ans.answerer == "deterministic"


def test_lazy_verifier_loads_on_first_use(settings):
    from services.auditor import LazyVerifier

    loads = []

    def load():
        loads.append(1)
        return FakeVerifier(lambda c, e: (0.9, 0.05, 0.05))

    v = LazyVerifier(load)
    assert not loads
    assert v.fingerprint == "fake-verifier" and float(v.score([("a", "b")])[0, 0]) == pytest.approx(0.9)
    assert loads == [1]


def test_embedders_are_registered_explicitly(settings):
    from core.embeddings import get_embeddings, register_embedder, registered_embedders, unregister_embedder
    from core.errors import ConfigError

    assert "fake" in registered_embedders()  # by tests/conftest.py importing tests/fakes.py
    register_embedder("tiny", lambda s: FakeEmbeddings(dim=8))
    try:
        e = get_embeddings(settings.model_copy(update={"embedding_model": "tiny"}))
        assert len(e.embed_query("magnesium")) == 8
    finally:
        unregister_embedder("tiny")
    with pytest.raises(ConfigError):
        register_embedder("/models/minilm", lambda s: FakeEmbeddings())  # a path is a model folder, not a name


def test_plugins_are_imported_and_a_missing_one_is_reported(settings):
    from core.errors import ConfigError
    from services import build_services

    build_services(settings.model_copy(update={"plugins": ["fakes"]}))
    with pytest.raises(ConfigError, match="no_such_plugin_module"):
        build_services(settings.model_copy(update={"plugins": ["no_such_plugin_module"]}))


def test_errors_share_one_base():
    from app.uploads import UploadRejected
    from chatbot.answer.llm import LLMUnavailableError
    from chatbot.rerank import MissingRerankerError
    from core.embeddings import MissingModelError
    from core.errors import MagcheckError
    from core.store import StoreMissingError, StoreUnavailableError
    from ingest.document import LoadError
    from ingest.pipeline import IngestBusyError

    for cls in (
        LLMUnavailableError,
        MissingRerankerError,
        MissingModelError,
        StoreMissingError,
        StoreUnavailableError,
        LoadError,
        IngestBusyError,
        UploadRejected,
    ):
        assert issubclass(cls, MagcheckError), cls
    assert issubclass(StoreMissingError, RuntimeError) and issubclass(UploadRejected, ValueError)  # old bases kept
