"""Shared fixtures: every test gets its own store and corpus folders and the fake embedder,
so unit tests never touch the real store or load a model."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture
def settings(tmp_path):
    """Settings isolated in tmp_path with the deterministic fake embedder."""
    from core.settings import Settings

    (tmp_path / "corpus").mkdir()
    return Settings(store_dir=tmp_path / "store", corpus_dir=tmp_path / "corpus", embedding_model="fake", fetch_online=False)


@pytest.fixture
def real_settings(tmp_path):
    """Settings isolated in tmp_path with the real packaged embedding model."""
    from core.settings import Settings

    (tmp_path / "corpus").mkdir(exist_ok=True)
    return Settings(store_dir=tmp_path / "store", corpus_dir=tmp_path / "corpus", fetch_online=False)
