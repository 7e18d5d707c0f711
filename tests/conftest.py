"""Shared fixtures: every test gets its own store and corpus folders and the fake embedder,
so unit tests never touch the real store or load a model.

The fake embedder is registered under the name "fake" by importing ``tests/fakes.py`` (the same
explicit registry a plugin uses); production code knows no such name."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
# The reranker is on by default (Settings.retrieval.rerank). Unit tests run with fakes and would
# otherwise load the real cross-encoder behind every search, in this process and in the app and CLI
# subprocesses they start; they inject tests/fakes.FakeReranker where reranking matters. The tests on
# the default store (real models, ``default_store``) turn it back on: they test the product's default path.
os.environ.setdefault("MGC_RETRIEVAL__RERANK", "false")

import fakes  # noqa: E402,F401 - registers the "fake" embedder for this test process

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture
def settings(tmp_path):
    """Settings isolated in tmp_path with the deterministic fake embedder."""
    from core.settings import Settings

    (tmp_path / "corpus").mkdir()
    return Settings(store_dir=tmp_path / "store", corpus_dir=tmp_path / "corpus", embedding_model=fakes.FAKE_EMBEDDER, fetch_online=False)


@pytest.fixture
def real_settings(tmp_path):
    """Settings isolated in tmp_path with the real packaged embedding model."""
    from core.settings import Settings

    (tmp_path / "corpus").mkdir(exist_ok=True)
    return Settings(store_dir=tmp_path / "store", corpus_dir=tmp_path / "corpus", fetch_online=False)


@pytest.fixture(scope="session")
def default_store(tmp_path_factory):
    """Settings of one store built by ingest (with its claim audit) from the default corpus, with the real models.

    Shared by the audit integration test and the CI eval subset: one ingest of the default corpus
    costs ~100 s on 2 cores, and both need exactly that store.
    """
    from core.settings import PROJECT_ROOT, Settings

    corpus = PROJECT_ROOT / "corpus"
    if not ((corpus / "article").is_dir() and (corpus / "literature").is_dir()):
        pytest.skip("no default corpus (corpus/ with article/ and literature/)")
    s = Settings(
        store_dir=tmp_path_factory.mktemp("default_store") / "store",
        corpus_dir=corpus,
        fetch_online=False,
        # the product's default (this process's environment turns it off for unit tests), at its full candidate count
        # whatever this machine's speed (rerank_budget_ms 0): the budget is tested on its own (test_rerank_budget)
        retrieval={"rerank": True, "rerank_budget_ms": 0},
    )
    if not (Path(s.verifier_model) / "config.json").exists():
        pytest.skip(f"no verifier weights at {s.verifier_model} (set MGC_VERIFIER_MODEL to a trained verifier)")
    from services import build_services

    summary = build_services(s).ingest()
    assert summary.version and not summary.failed, summary
    return s
