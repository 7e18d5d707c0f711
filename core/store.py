"""The versioned store: what ingest writes and the chatbot reads.

Layout under ``settings.store_dir``::

    CURRENT                 name of the active version, e.g. "v3" (switched with os.replace)
    LIVE                    every version that went live, oldest first (only these count when pruning)
    STORE_ID                random id of this store, part of its collection names
    BUILDING                present while a version is being built or old ones pruned (a kill leaves it)
    snapshots/vN/
        manifest.json       documents (hash, metadata, chunk ids), collection name, model, timings
        chunks.jsonl        every chunk with provenance and sentence offsets
        bm25/               lexical index over the same chunks
        audit.json          claim audit of the article against the literature
        domain.yaml         the corpus profile (copied from the corpus folder, when it has one)
    chroma/                 Chroma PersistentClient data (embedded mode only)

Every ingest that changes anything writes a complete new version (a new Chroma collection
``<name>__<store id>__vN`` plus its snapshot folder) and only then flips CURRENT. A crash at any
point leaves CURRENT naming the previous complete version, and a reader that opened version N keeps
reading N even while N+1 is built, so no reader ever sees a mix.

After the switch, versions beyond the newest ``keep_versions`` *that went live* are deleted, and so
is anything a killed build left behind (a version staged but never switched live, a collection
without its folder): a half-built version never counts, so it can never push the live one out. The
store id keeps two stores on one ``chroma run`` server apart: each creates, and prunes, only
collections carrying its own id. (Stores built before the id existed named collections
``<name>__vN``; on a server those names are ambiguous, so pruning leaves them alone there.)
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import secrets
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Mapping
from typing import Any, Callable

from core.audit_report import AUDIT_FILE, AuditReport, read_audit
from core.errors import StoreDamagedError, StoreMissingError, StoreUnavailableError
from core.records import DocumentRecord, StoreManifest
from core.settings import Settings
from core.types import Chunk

log = logging.getLogger(__name__)

__all__ = [
    "Snapshot",
    "StoreManifest",
    "DocumentRecord",
    "StoreDamagedError",
    "StoreMissingError",
    "StoreUnavailableError",
    "atomic_write_text",
    "chroma_client",
    "chroma_mode",
    "collection_name",
    "collection_prefix",
    "current_pointer",
    "current_version",
    "get_collection",
    "lexical_text",
    "live_history",
    "next_version",
    "open_snapshot",
    "precomputed_ef",
    "prune_needed",
    "prune_versions",
    "read_manifest",
    "reset_embedded_chroma",
    "set_current",
    "snapshots_dir",
    "store_id",
    "write_version",
]

STORE_ID_FILE = "STORE_ID"
LIVE_FILE = "LIVE"
BUILDING_FILE = "BUILDING"
BM25_FILES = ("ids.json", "params.index.json", "vocab.index.json", "data.csc.index.npy", "indices.csc.index.npy", "indptr.csc.index.npy")


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


_CLIENT_LOCK = threading.RLock()  # first use from many threads at once: Chroma's client set-up is not thread-safe


@functools.lru_cache(maxsize=1)
def _precomputed_ef():
    return _register_precomputed_ef()()


def precomputed_ef():
    with _CLIENT_LOCK:
        return _precomputed_ef()


def chroma_client(settings: Settings):
    """Embedded PersistentClient by default, HttpClient when a server host is configured."""
    import chromadb
    from chromadb.config import Settings as ChromaConfig

    cfg = ChromaConfig(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma.host:
        try:
            client = chromadb.HttpClient(host=settings.chroma.host, port=settings.chroma.port, settings=cfg)
            client.heartbeat()
            return client
        except Exception as exc:  # connection refused, DNS, timeout
            raise StoreUnavailableError(f"Chroma server at {settings.chroma.host}:{settings.chroma.port} is not reachable: {exc}") from exc
    path = Path(settings.store_dir) / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    try:
        with _CLIENT_LOCK:
            return _persistent_client(str(path))
    except Exception as exc:  # a truncated or corrupt chroma.sqlite3 (sqlite and Rust errors share no base)
        raise StoreDamagedError(
            f"the store's vector database {path / 'chroma.sqlite3'} cannot be opened ({type(exc).__name__}: "
            f"{str(exc)[:120]}); run `python -m cli ingest` to repair it"
        ) from exc


def reset_embedded_chroma(settings: Settings) -> Path | None:
    """Move a damaged embedded Chroma folder aside (``chroma.damaged``) so a fresh one can be built; returns where it went."""
    import shutil

    path = Path(settings.store_dir) / "chroma"
    if not path.exists():
        return None
    aside = path.with_name("chroma.damaged")
    shutil.rmtree(aside, ignore_errors=True)
    with _CLIENT_LOCK:
        _persistent_client.cache_clear()
        try:
            from chromadb.api.shared_system_client import SharedSystemClient

            SharedSystemClient.clear_system_cache()  # Chroma keeps one system per path in-process
        except ImportError:
            pass
        os.replace(path, aside)
    return aside


@functools.lru_cache(maxsize=8)
def _persistent_client(path: str):
    import chromadb
    from chromadb.config import Settings as ChromaConfig

    return chromadb.PersistentClient(path=path, settings=ChromaConfig(anonymized_telemetry=False))


def chroma_mode(settings: Settings) -> str:
    """Where a version's vectors live: 'embedded' or the server URL (recorded in the manifest)."""
    return f"http://{settings.chroma.host}:{settings.chroma.port}" if settings.chroma.host else "embedded"


def store_id(settings: Settings, create: bool = False) -> str | None:
    """This store's random id (``STORE_ID``), created on first use when ``create``; None for a store that has none yet."""
    p = Path(settings.store_dir) / STORE_ID_FILE
    try:
        sid = p.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        sid = ""
    if sid or not create:
        return sid or None
    sid = secrets.token_hex(4)
    atomic_write_text(p, sid + "\n")
    return sid


def collection_prefix(settings: Settings, sid: str) -> str:
    return f"{settings.chroma.collection}__{sid}__"


def own_version(settings: Settings, sid: str | None, name: str) -> str | None:
    """The version a collection holds if this store made it, else None. On a shared server only
    ``<base>__<store id>__vN`` is ours. An embedded Chroma lives in the store's own folder, so every collection
    there is this store's, whatever base name or id it was made under (older stores had no id, and the base
    name is a setting): its trailing ``__vN`` is the version."""
    if settings.chroma.host:
        prefix = collection_prefix(settings, sid) if sid else None
        return name[len(prefix) :] if prefix and name.startswith(prefix) else None
    return name.rsplit("__", 1)[-1] if "__" in name else None


def collection_name(settings: Settings, version: str) -> str:
    """``<name>__<store id>__<version>``: unique per store, so stores sharing a Chroma server never touch each other's."""
    return collection_prefix(settings, store_id(settings, create=True) or "") + version


def get_collection(client, name: str, create: bool = False):
    if create:
        return client.create_collection(name=name, embedding_function=precomputed_ef(), metadata={"hnsw:space": "cosine"})
    return client.get_collection(name=name, embedding_function=precomputed_ef())


def snapshots_dir(settings: Settings) -> Path:
    return Path(settings.store_dir) / "snapshots"


def current_pointer(settings: Settings) -> str | None:
    """The version CURRENT names, whether or not it exists (None without a CURRENT file)."""
    try:
        v = (Path(settings.store_dir) / "CURRENT").read_text().strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, UnicodeDecodeError):
        return "?"
    return v or "?"


def current_version(settings: Settings) -> str | None:
    """The live version, or None when there is none (or CURRENT names one that is gone: ``open_snapshot`` says which)."""
    v = current_pointer(settings)
    return v if v and v != "?" and (snapshots_dir(settings) / v / "manifest.json").exists() else None


def live_history(settings: Settings) -> list[str]:
    """Versions that went live, oldest first (``LIVE``). A store from before the file existed: its complete
    versions up to the current one."""
    p = Path(settings.store_dir) / LIVE_FILE
    try:
        return [v for v in p.read_text(encoding="utf-8").split() if v]
    except FileNotFoundError:
        pass
    cur = current_version(settings)
    if not cur:
        return []
    sd = snapshots_dir(settings)
    done = [d.name for d in sd.iterdir() if d.name.startswith("v") and (d / "manifest.json").exists()] if sd.is_dir() else []
    return sorted((v for v in done if _version_number(v) <= _version_number(cur)), key=_version_number)


def atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def set_current(settings: Settings, version: str) -> None:
    """Switch readers to ``version``; it joins ``LIVE`` first, so whatever CURRENT names counts as having gone live."""
    hist = [v for v in live_history(settings) if v != version] + [version]
    atomic_write_text(Path(settings.store_dir) / LIVE_FILE, "\n".join(hist[-50:]) + "\n")
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
        """This version's Chroma collection (``StoreDamagedError`` when it is gone or unreadable)."""
        client = chroma_client(self.settings)
        try:
            return get_collection(client, self.collection_name)
        except Exception as exc:  # chromadb's NotFoundError and sqlite errors share no public base
            if type(exc).__name__ in {"ConnectionError", "ConnectError", "ReadTimeout"}:
                raise StoreUnavailableError(f"Chroma server {self.manifest.chroma_mode} stopped answering: {exc}") from exc
            raise StoreDamagedError(
                f"store version {self.version} is damaged: its vectors (collection {self.collection_name}) are "
                f"missing or unreadable ({type(exc).__name__}); run `python -m cli ingest` to repair it"
            ) from exc

    def documents(self) -> dict[str, DocumentRecord]:
        return self.manifest.documents

    def audit(self) -> AuditReport | None:
        """This version's claim audit, validated (None when it has none; ``AuditFileError`` naming the file when it
        is unreadable or not of the audit's shape)."""
        return read_audit(self.path / AUDIT_FILE)

    def ordered_chunks(self) -> list[Chunk]:
        """Chunks in a fixed order (the order of chunks.jsonl), the order the BM25 index uses."""
        return list(self.chunks.values())


def open_snapshot(settings: Settings, version: str | None = None) -> Snapshot:
    """A complete version (default: the live one). ``StoreMissingError`` when none was ever built;
    ``StoreDamagedError`` (one line, says what is missing) when its files are missing or unreadable."""
    v = version or current_version(settings)
    if not v:
        named = current_pointer(settings)
        if named:
            older = [h for h in live_history_intact(settings) if h != named]
            hint = f" ({older[-1]} is intact)" if older else ""
            raise StoreDamagedError(
                f"the store at {settings.store_dir} is damaged: CURRENT names version {named}, which is missing or incomplete"
                f"{hint}; run `python -m cli ingest` to repair it"
            )
        raise StoreMissingError(f"No store found at {settings.store_dir}. Build it with `python -m cli ingest` (ingests {settings.corpus_dir}).")
    path = snapshots_dir(settings) / v
    problem = snapshot_files_problem(path)
    if problem:
        raise StoreDamagedError(f"store version {v} is damaged: {problem}; run `python -m cli ingest` to repair it")
    try:
        manifest = read_manifest(settings, v)
        chunks = read_chunks(path)
    except (OSError, ValueError) as exc:
        raise StoreDamagedError(f"store version {v} is damaged: {type(exc).__name__}: {str(exc)[:160]}; run `python -m cli ingest` to repair it") from exc
    return Snapshot(settings=settings, version=v, path=path, manifest=manifest, chunks=chunks)


def read_chunks(path: Path) -> dict[str, Chunk]:
    """``chunks.jsonl`` of a version folder (``OSError``/``ValueError``/``TypeError`` as ``ValueError`` when unreadable)."""
    chunks: dict[str, Chunk] = {}
    with (Path(path) / "chunks.jsonl").open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    c = Chunk.from_json(json.loads(line))
                except (ValueError, TypeError) as exc:
                    raise ValueError(f"chunks.jsonl line {n} is unreadable ({exc})") from exc
                chunks[c.chunk_id] = c
    return chunks


def snapshot_files_problem(path: Path) -> str | None:
    """What is missing from a version folder (manifest, chunks, BM25 index), or None; only looks at files."""
    path = Path(path)
    if not path.is_dir():
        return "its folder is missing"
    for rel in ("manifest.json", "chunks.jsonl"):
        if not (path / rel).is_file():
            return f"{rel} is missing"
    missing = [f for f in BM25_FILES if not (path / "bm25" / f).is_file()]
    if missing:
        return "its BM25 index is missing" if len(missing) == len(BM25_FILES) else f"its BM25 index is incomplete ({', '.join(missing)} missing)"
    return None


def live_history_intact(settings: Settings) -> list[str]:
    """Versions that went live and whose folder is still complete, oldest first."""
    return [v for v in live_history(settings) if snapshot_files_problem(snapshots_dir(settings) / v) is None]


def read_manifest(settings: Settings, version: str) -> StoreManifest:
    """``snapshots/<version>/manifest.json``, validated (``OSError`` when missing, ``ValueError`` when malformed)."""
    return StoreManifest.model_validate_json((snapshots_dir(settings) / version / "manifest.json").read_text(encoding="utf-8"))


def _version_number(name: str) -> int:
    try:
        return int(name.lstrip("v").split(".")[0])
    except ValueError:
        return -1


def _collection_names(client) -> list[str]:
    return [c if isinstance(c, str) else c.name for c in client.list_collections()]


def next_version(settings: Settings, client=None) -> str:
    """One above every version seen on disk, in ``LIVE``/CURRENT or among this store's collections (crash leftovers included)."""
    nums = [0] + [_version_number(v) for v in live_history(settings)]
    sd = snapshots_dir(settings)
    if sd.exists():
        nums += [_version_number(p.name.lstrip(".").split(".tmp")[0]) for p in sd.iterdir()]
    pointer = current_pointer(settings)
    if pointer:
        nums.append(_version_number(pointer))
    if client is not None:
        sid = store_id(settings)
        for name in _collection_names(client):
            v = own_version(settings, sid, name)
            if v is not None:
                nums.append(_version_number(v))
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
    store_id(settings, create=True)
    version = next_version(settings, client)
    atomic_write_text(Path(settings.store_dir) / BUILDING_FILE, version + "\n")  # removed once pruning is done
    name = collection_name(settings, version)
    coll = get_collection(client, name, create=True)
    for i in range(0, len(chunks), batch):
        part = chunks[i : i + batch]
        coll.add(
            ids=[c.chunk_id for c in part],
            embeddings=[list(map(float, v)) for v in vectors[i : i + batch]],
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


def _kept(settings: Settings) -> set[str]:
    """Versions pruning keeps: the newest ``keep_versions`` that went live, and whatever CURRENT names."""
    hist = live_history_intact(settings)
    cur = current_version(settings)
    return set(hist[-max(1, settings.keep_versions) :]) | ({cur} if cur else set())


def prune_needed(settings: Settings) -> bool:
    """Whether a killed build or prune left something behind (cheap: files only, no Chroma)."""
    if (Path(settings.store_dir) / BUILDING_FILE).exists():
        return True
    sd = snapshots_dir(settings)
    if not sd.is_dir():
        return False
    keep = _kept(settings)
    return any(p.name not in keep for p in sd.iterdir())


def prune_versions(settings: Settings, client=None) -> list[str]:
    """Drop versions older than the newest ``keep_versions`` that went live, and every leftover of a killed
    build (a version staged but never switched live, a collection without its folder). Returns what was removed.

    Only this store's collections are touched: those carrying its store id, and, in embedded mode (where
    the Chroma folder is this store's alone), the names of stores from before the id existed. A kill
    part-way leaves ``BUILDING`` in place, so the next ingest finishes the job (``prune_needed``).
    """
    import shutil

    client = client or chroma_client(settings)
    keep = _kept(settings)
    sd = snapshots_dir(settings)
    doomed = [p for p in sd.iterdir() if p.name not in keep] if sd.is_dir() else []
    keep_colls: set[str] = set()
    for v in keep:
        try:
            keep_colls.add(read_manifest(settings, v).collection)
        except (OSError, ValueError):
            pass
    sid = store_id(settings)
    removed: list[str] = []
    for name in _collection_names(client):  # collections first: a kill here leaves folders, which the next prune finds
        v = own_version(settings, sid, name)
        if v is None or name in keep_colls or v in keep:
            continue
        try:
            client.delete_collection(name)
            removed.append(name)
        except Exception as exc:  # chromadb's errors have no common public base; the next prune retries
            log.warning("could not delete collection %s: %s", name, exc)
    for p in doomed:
        shutil.rmtree(p, ignore_errors=True)
        removed.append(f"snapshots/{p.name}")
    with contextlib.suppress(FileNotFoundError):
        (Path(settings.store_dir) / BUILDING_FILE).unlink()
    return removed
