"""The versioned store: what ingest writes and the chatbot reads.

Layout under ``settings.store_dir``::

    CURRENT                 name of the active version, e.g. "v3" (switched with os.replace)
    snapshots/vN/
        manifest.json       documents (hash, metadata, chunk ids), collection name, model, timings
        chunks.jsonl        every chunk with provenance and sentence offsets
        bm25/               lexical index over the same chunks
        audit.json          claim audit of the article against the literature
        domain.yaml         the corpus profile (copied from the corpus folder, when it has one)
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
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Mapping
from typing import Any, Callable

from core.errors import StoreMissingError, StoreUnavailableError
from core.records import DocumentRecord, StoreManifest
from core.settings import Settings, get_settings
from core.types import Chunk

log = logging.getLogger(__name__)

__all__ = [
    "Snapshot", "StoreManifest", "DocumentRecord", "StoreMissingError", "StoreUnavailableError", "atomic_write_text",
    "chroma_client", "chroma_mode", "collection_name", "current_version", "get_collection", "lexical_text", "next_version",
    "open_snapshot", "precomputed_ef", "prune_versions", "read_manifest", "set_current", "snapshots_dir", "write_version",
]


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


def chroma_mode(settings: Settings) -> str:
    """Where a version's vectors live: 'embedded' or the server URL (recorded in the manifest)."""
    return f"http://{settings.chroma.host}:{settings.chroma.port}" if settings.chroma.host else "embedded"


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
    manifest: StoreManifest
    chunks: dict[str, Chunk] = field(repr=False)

    @property
    def collection_name(self) -> str:
        return self.manifest.collection

    def collection(self):
        return get_collection(chroma_client(self.settings), self.collection_name)

    def documents(self) -> dict[str, DocumentRecord]:
        return self.manifest.documents

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
    manifest = read_manifest(s, v)
    chunks: dict[str, Chunk] = {}
    with (path / "chunks.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                c = Chunk.from_json(json.loads(line))
                chunks[c.chunk_id] = c
    return Snapshot(settings=s, version=v, path=path, manifest=manifest, chunks=chunks)


def read_manifest(settings: Settings, version: str) -> StoreManifest:
    """``snapshots/<version>/manifest.json``, validated (``OSError`` when missing, ``ValueError`` when malformed)."""
    return StoreManifest.model_validate_json((snapshots_dir(settings) / version / "manifest.json").read_text(encoding="utf-8"))


def _version_number(name: str) -> int:
    try:
        return int(name.lstrip("v").split(".")[0])
    except ValueError:
        return -1


def next_version(settings: Settings, client=None) -> str:
    """One above every version seen on disk or in Chroma (leftovers of a crashed build included)."""
    nums = [0]
    sd = snapshots_dir(settings)
    if sd.exists():
        nums += [_version_number(p.name.lstrip(".").split(".tmp")[0]) for p in sd.iterdir()]
    if client is not None:
        prefix = settings.chroma.collection + "__"
        for c in client.list_collections():
            name = c if isinstance(c, str) else c.name
            if name.startswith(prefix):
                nums.append(_version_number(name[len(prefix):]))
    return f"v{max(nums) + 1}"


def write_version(
    settings: Settings,
    chunks: list[Chunk],
    vectors: list[list[float]],
    manifest: StoreManifest | Mapping[str, Any],
    before_flip: Callable[[str], None] | None = None,
    batch: int = 1000,
    extra_files: dict[str, bytes] | None = None,
) -> str:
    """Write a complete new version and make it current; returns its name.

    Order matters for crash safety: Chroma collection, then the snapshot folder (written under a
    temporary name and renamed; ``extra_files`` name → bytes are written into it, e.g. the corpus
    profile), then ``before_flip(version)`` (post-build steps such as the claim audit), then
    CURRENT. Until the last step every reader keeps using the previous version. A plain mapping
    as ``manifest`` is validated as a ``StoreManifest`` first, so a wrongly shaped one fails here.
    """
    import shutil

    from core.lexical import LexicalIndex

    if len(chunks) != len(vectors):
        raise ValueError("one vector per chunk")
    if not isinstance(manifest, StoreManifest):
        manifest = StoreManifest.model_validate(manifest)
    client = chroma_client(settings)
    version = next_version(settings, client)
    name = collection_name(settings, version)
    coll = get_collection(client, name, create=True)
    for i in range(0, len(chunks), batch):
        part = chunks[i:i + batch]
        coll.add(
            ids=[c.chunk_id for c in part],
            embeddings=[list(map(float, v)) for v in vectors[i:i + batch]],
            documents=[c.text for c in part],
            metadatas=[c.chroma_metadata() for c in part],
        )
    final = snapshots_dir(settings) / version
    tmp = snapshots_dir(settings) / f".{version}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    with (tmp / "chunks.jsonl").open("w", encoding="utf-8") as fh:
        for c in chunks:
            fh.write(json.dumps(c.to_json(), ensure_ascii=False) + "\n")
    LexicalIndex.build([c.chunk_id for c in chunks], [lexical_text(c) for c in chunks]).save(tmp / "bm25")
    for fname, data in (extra_files or {}).items():
        (tmp / fname).write_bytes(data)
    manifest = manifest.model_copy(update={"version": version, "collection": name, "chroma_mode": chroma_mode(settings)})
    (tmp / "manifest.json").write_text(manifest.model_dump_json(indent=1), encoding="utf-8")
    os.replace(tmp, final)
    if before_flip is not None:
        before_flip(version)
    set_current(settings, version)
    prune_versions(settings, client)
    return version


def lexical_text(chunk: Chunk) -> str:
    """What BM25 indexes: the passage plus its title and section, so a paper's name finds it."""
    return f"{chunk.title}\n{chunk.section}\n{chunk.text}"


def prune_versions(settings: Settings, client=None) -> None:
    """Drop versions older than the newest ``keep_versions`` and leftovers of crashed builds."""
    import shutil

    client = client or chroma_client(settings)
    cur = current_version(settings)
    sd = snapshots_dir(settings)
    done = sorted((p.name for p in sd.iterdir() if p.name.startswith("v") and (p / "manifest.json").exists()), key=_version_number)
    keep = set(done[-max(1, settings.keep_versions):]) | ({cur} if cur else set())
    for p in sd.iterdir():
        if p.name not in keep:
            shutil.rmtree(p, ignore_errors=True)
    prefix = settings.chroma.collection + "__"
    for c in client.list_collections():
        name = c if isinstance(c, str) else c.name
        if name.startswith(prefix) and name[len(prefix):] not in keep:
            try:
                client.delete_collection(name)
            except Exception as exc:  # chromadb's errors have no common public base; pruning is best effort
                log.debug("could not delete collection %s: %s", name, exc)
