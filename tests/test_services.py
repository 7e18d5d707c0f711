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


def test_reranking_is_on_by_default_and_a_setting_turns_it_off(monkeypatch):
    """Issue 23: the product's default path reranks the first 15 fused candidates; MGC_RETRIEVAL__RERANK=false
    turns it off (tests/conftest.py sets it false for the unit tests, so it is removed here)."""
    from core.settings import Settings

    monkeypatch.delenv("MGC_RETRIEVAL__RERANK", raising=False)
    assert Settings().retrieval.rerank is True and Settings().retrieval.rerank_candidates == 15
    monkeypatch.setenv("MGC_RETRIEVAL__RERANK", "false")
    assert Settings().retrieval.rerank is False
    monkeypatch.setenv("MGC_RETRIEVAL__RERANK_CANDIDATES", "20")
    assert Settings().retrieval.rerank_candidates == 20


def test_the_default_retriever_reranks_with_the_wired_reranker(settings):
    """With reranking on, the services' retriever sends its fused candidates through the reranker, the
    configured number of them; switched off, the same services build a retriever without one."""
    from fakes import FakeReranker
    from services import build_services

    _store(settings)
    on = settings.model_copy(update={"retrieval": settings.retrieval.model_copy(update={"rerank": True, "rerank_candidates": 10})})
    fake = FakeReranker()
    s = build_services(on, embedder=FakeEmbeddings(), verifier=FakeVerifier(), reranker=fake)
    assert s.reranker is fake and s.retriever().reranker is fake
    s.retriever().search("magnesium oxide absorption")
    assert fake.calls and all(top == 10 for _, top in fake.calls)
    off = settings.model_copy(update={"retrieval": settings.retrieval.model_copy(update={"rerank": False})})
    assert build_services(off, embedder=FakeEmbeddings(), verifier=FakeVerifier()).retriever().reranker is None


def test_a_missing_reranker_model_is_logged_once_and_answers_keep_the_hybrid_order(settings, caplog):
    """Reranking is on by default, so a checkout without models/reranker must still answer: the reason is
    one logged line, the retriever has no reranker, and an explicit request (evals beir --rerank) still fails."""
    import logging

    from chatbot import rerank
    from services import build_services

    _store(settings)
    missing = settings.model_copy(
        update={"reranker_model": settings.store_dir / "no-reranker", "retrieval": settings.retrieval.model_copy(update={"rerank": True})}
    )
    rerank._warned.discard(str(missing.reranker_model))
    with caplog.at_level(logging.WARNING, logger="chatbot.rerank"):
        s = build_services(missing, embedder=FakeEmbeddings(), verifier=FakeVerifier())
        assert s.reranker is None and s.retriever().reranker is None
        assert s.answerer().answer("How well is magnesium oxide absorbed?").citations
        build_services(missing, embedder=FakeEmbeddings(), verifier=FakeVerifier()).reranker  # a second one: no second line
    lines = [r.getMessage() for r in caplog.records if r.name == "chatbot.rerank"]
    assert len(lines) == 1 and "no-reranker" in lines[0] and "MGC_RETRIEVAL__RERANK=false" in lines[0] and "\n" not in lines[0]
    with pytest.raises(rerank.MissingRerankerError):
        rerank.get_reranker(missing)


def test_the_app_warm_up_runs_the_reranker_once(settings):
    """app.warmup loads the reranker with the other models, so the first answer does not pay for it."""
    from app.warmup import warm_reranker
    from fakes import FakeReranker
    from services import build_services

    class Counting(FakeReranker):
        def scores(self, query, texts):
            self.calls.append((query, len(texts)))
            return super().scores(query, texts)

    fake = Counting()
    warm_reranker(build_services(settings, embedder=FakeEmbeddings(), reranker=fake))
    assert len(fake.calls) == 1
    warm_reranker(build_services(settings, embedder=FakeEmbeddings()))  # off (this test process's setting): a no-op


def test_the_claim_check_searches_without_the_reranker_unless_the_audit_asks(settings):
    """The decision layer was fitted on evidence in the hybrid order, so the claim check and the audit drop the
    reranker (Settings.audit.rerank false); a reader's filters still hold on that view; true keeps it."""
    from chatbot.retrieval import Filters
    from fakes import FakeReranker
    from services import build_services
    from services.scoped import ScopedRetriever, scoped

    _store(settings)
    on = settings.model_copy(update={"retrieval": settings.retrieval.model_copy(update={"rerank": True})})
    fake = FakeReranker()
    s = build_services(on, embedder=FakeEmbeddings(), verifier=FakeVerifier(), reranker=fake)
    view = scoped(s.retriever(), Filters(study_types=["rct"]))
    s.auditor.check_claim("Magnesium oxide is poorly absorbed.", view)
    assert fake.calls == []
    hybrid = view.hybrid_only()
    assert isinstance(hybrid, ScopedRetriever) and hybrid.scope == view.scope and hybrid.inner.reranker is None
    assert s.retriever().reranker is fake  # the answer's own retriever keeps it
    both = on.model_copy(update={"audit": on.audit.model_copy(update={"rerank": True})})
    s2 = build_services(both, embedder=FakeEmbeddings(), verifier=FakeVerifier(), reranker=fake)
    s2.auditor.check_claim("Magnesium oxide is poorly absorbed.", s2.retriever())
    assert fake.calls


def test_make_runs_store_check_runs(tmp_path):
    """`make run` asks python whether a store exists before it ingests: that snippet must run (it once called
    current_version() without its settings, so every start printed a traceback and re-ran ingest)."""
    import re
    import subprocess
    import sys
    from pathlib import Path

    make = (Path(__file__).resolve().parent.parent / "Makefile").read_text(encoding="utf-8")
    snippet = re.search(r'python -c "([^"]*current_version[^"]*)"', make).group(1)
    env = {**__import__("os").environ, "MGC_STORE_DIR": str(tmp_path / "store")}
    done = subprocess.run([sys.executable, "-c", snippet], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and not done.stderr, done.stderr  # no store yet: ingest follows, and nothing went wrong
