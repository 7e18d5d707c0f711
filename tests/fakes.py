"""Fakes the tests hand to the composition root (``services.build_services``) or the pipeline.

``FakeEmbeddings`` is a deterministic hashed bag-of-words: similar texts get similar vectors, so
retrieval tests mean something without a model. ``register()`` makes it selectable by name
(``embedding_model="fake"`` / ``MGC_EMBEDDING_MODEL=fake``) through the same explicit registry a
plugin would use: ``tests/conftest.py`` calls it for the test process, and a subprocess (the app
under ``streamlit run``) gets it with ``MGC_PLUGINS='["fakes"]'`` and ``tests/`` on its path,
because importing this module registers it.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np
from langchain_core.embeddings import Embeddings

FAKE_EMBEDDER = "fake"
_TOKEN = re.compile(r"[a-z0-9]+")


class FakeEmbeddings(Embeddings):
    """Deterministic hashed bag-of-words (with bigrams), L2-normalised."""

    def __init__(self, dim: int = 256):
        self.dim = dim
        self.name = f"fake-{dim}"

    def _vec(self, text: str) -> list[float]:
        toks = _TOKEN.findall(text.lower())
        v = np.zeros(self.dim, dtype=np.float32)
        for t in toks + [a + "_" + b for a, b in zip(toks, toks[1:])]:
            h = int.from_bytes(hashlib.md5(t.encode()).digest()[:4], "little")
            v[h % self.dim] += 1.0 if h & 1 << 31 else -1.0
        n = np.linalg.norm(v)
        return (v / n if n else v).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vec(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vec(text)


class FakeVerifier:
    """A verifier that answers from a rule: ``decide(claim, evidence)`` → (supports, refutes, nei)."""

    fingerprint = "fake-verifier"
    path = "fake"

    def __init__(self, decide=None):
        self.decide = decide or (lambda claim, evidence: (0.1, 0.1, 0.8))

    def score(self, pairs):
        return np.array([self.decide(c, e) for c, e in pairs], dtype=np.float32).reshape(-1, 3)


class FakeReranker:
    """A reranker that reverses the order of the passages it rescores and records each call's ``top``."""

    def __init__(self):
        self.calls: list[tuple[str, int]] = []
        self.rescored: list[list[str]] = []  # chunk ids of the passages each call rescored

    def scores(self, query, texts):
        return np.arange(len(texts), dtype=np.float32)

    def rerank(self, query, passages, top=30):
        from dataclasses import replace

        self.calls.append((query, top))
        self.rescored.append([p.chunk.chunk_id for p in passages[:top]])
        head = list(reversed(passages[:top]))
        return [replace(p, rank=i + 1) for i, p in enumerate(head + passages[top:])]


def register() -> None:
    """Make ``embedding_model="fake"`` select ``FakeEmbeddings`` (idempotent)."""
    from core.embeddings import register_embedder

    register_embedder(FAKE_EMBEDDER, lambda settings: FakeEmbeddings())


register()  # importing this module is the registration (what MGC_PLUGINS relies on)
