"""The versioned store: what ingest writes and the chatbot reads.

Layout under ``settings.store_dir``::

    CURRENT                 name of the active version, e.g. "v3" (switched with os.replace)
    snapshots/vN/
        manifest.json       documents (hash, metadata, chunk ids), collection name, model, timings
        chunks.jsonl        every chunk with provenance and sentence offsets
        bm25/               lexical index over the same chunks
        audit.json          claim audit of the article against the literature
    chroma/                 Chroma PersistentClient data (embedded mode only)

Every ingest that changes anything writes a complete new version (a new Chroma collection
``<name>__vN`` plus its snapshot folder) and only then flips CURRENT. A crash at any point leaves
CURRENT naming the previous complete version, and a reader that opened version N keeps reading N
even while N+1 is built, so no reader ever sees a mix. Old versions beyond ``keep_versions`` are
deleted after the switch.
"""

from __future__ import annotations

import functools
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.settings import Settings, get_settings
from core.types import Chunk


class StoreMissingError(RuntimeError):
    """No complete store exists yet."""


class StoreUnavailableError(RuntimeError):
    """The configured Chroma server cannot be reached."""


def _register_precomputed_ef():
    from chromadb.utils.embedding_functions import register_embedding_function
    from chromadb.api.types import EmbeddingFunction

    @register_embedding_function
    class PrecomputedOnly(EmbeddingFunction):
        """Refuses to embed: every vector we store or query with is computed by our own model."""

        def __init__(self) -> None:
            pass

        def __call__(self, input):  # noqa: A002 - Chroma's signature
            raise RuntimeError("Chroma must not embed: pass embeddings/query_embeddings computed by core.embeddings")

        @staticmethod
        def name() -> str:
            return "magcheck-precomputed"

        def get_config(self) -> dict[str, Any]:
            return {}

        @staticmethod
        def build_from_config(config: dict[str, Any]) -> "PrecomputedOnly":
            return PrecomputedOnly()

        def default_space(self):
            return "cosine"

    return PrecomputedOnly


@functools.lru_cache(maxsize=1)
def precomputed_ef():
    return _register_precomputed_ef()()


def chroma_client(settings: Settings | None = None):
    """Embedded PersistentClient by default, HttpClient when a server host is configured."""
    import chromadb
    from chromadb.config import Settings as ChromaConfig

    s = settings or get_settings()
    cfg = ChromaConfig(anonymized_telemetry=False, allow_reset=False)
    if s.chroma.host:
        try:
            client = chromadb.HttpClient(host=s.chroma.host, port=s.chroma.port, settings=cfg)
            client.heartbeat()
            return client
        except Exception as exc:  # connection refused, DNS, timeout
            raise StoreUnavailableError(f"Chroma server at {s.chroma.host}:{s.chroma.port} is not reachable: {exc}") from exc
    path = Path(s.store_dir) / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return _persistent_client(str(path))


@functools.lru_cache(maxsize=8)
def _persistent_client(path: str):
    import chromadb
    from chromadb.config import Settings as ChromaConfig

    return chromadb.PersistentClient(path=path, settings=ChromaConfig(anonymized_telemetry=False))


def collection_name(settings: Settings, version: str) -> str:
    return f"{settings.chroma.collection}__{version}"


def get_collection(client, name: str, create: bool = False):
    if create:
        return client.create_collection(name=name, embedding_function=precomputed_ef(), metadata={"hnsw:space": "cosine"})
    return client.get_collection(name=name, embedding_function=precomputed_ef())


def snapshots_dir(settings: Settings) -> Path:
    return Path(settings.store_dir) / "snapshots"


def current_version(settings: Settings | None = None) -> str | None:
    s = settings or get_settings()
    p = Path(s.store_dir) / "CURRENT"
    try:
        v = p.read_text().strip()
    except FileNotFoundError:
        return None
    return v if v and (snapshots_dir(s) / v / "manifest.json").exists() else None


def atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def set_current(settings: Settings, version: str) -> None:
    atomic_write_text(Path(settings.store_dir) / "CURRENT", version + "\n")


@dataclass
class Snapshot:
    """One complete, immutable version of the store, as a reader sees it."""

    settings: Settings
    version: str
    path: Path
    manifest: dict[str, Any]
    chunks: dict[str, Chunk] = field(repr=False)

    @property
    def collection_name(self) -> str:
        return self.manifest["collection"]

    def collection(self):
        return get_collection(chroma_client(self.settings), self.collection_name)

    def documents(self) -> dict[str, dict[str, Any]]:
        return self.manifest.get("documents", {})

    def audit(self) -> dict[str, Any] | None:
        p = self.path / "audit.json"
        return json.loads(p.read_text()) if p.exists() else None

    def ordered_chunks(self) -> list[Chunk]:
        """Chunks in a fixed order (the order of chunks.jsonl), the order the BM25 index uses."""
        return list(self.chunks.values())


def open_snapshot(settings: Settings | None = None, version: str | None = None) -> Snapshot:
    s = settings or get_settings()
    v = version or current_version(s)
    if not v:
        raise StoreMissingError(
            f"No store found at {s.store_dir}. Build it with `python -m ingest` (ingests {s.corpus_dir})."
        )
    path = snapshots_dir(s) / v
    manifest = json.loads((path / "manifest.json").read_text())
    chunks: dict[str, Chunk] = {}
    with (path / "chunks.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                c = Chunk.from_json(json.loads(line))
                chunks[c.chunk_id] = c
    return Snapshot(settings=s, version=v, path=path, manifest=manifest, chunks=chunks)
