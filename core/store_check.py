"""Is the live store version whole? What ingest looks at before deciding there is nothing to do.

A store can be damaged behind ingest's back: ``chroma.sqlite3`` deleted or truncated, the BM25
index removed, CURRENT naming a version whose folder is gone. Diffing the corpus against the
manifest alone then says "no changes" and leaves readers broken. ``check_store`` finds such damage
and names a base to rebuild from: the newest version whose manifest and chunks are intact (their
chunks are reused as they are) and the collections whose stored vectors may still be reused.

Checking must stay cheap, because it runs on every ingest, including the no-op re-run that
otherwise imports nothing heavy: in embedded mode the collection's row count is read from
``chroma.sqlite3`` with the standard library, read-only; only when Chroma's schema is not the one
expected (another Chroma version) or a server holds the vectors is the Chroma client used.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import StoreError
from core.records import StoreManifest
from core.settings import Settings
from core.store import chroma_mode, current_pointer, live_history, read_chunks, read_manifest, snapshot_files_problem, snapshots_dir

log = logging.getLogger(__name__)

__all__ = ["StoreCheck", "check_store", "collection_problem"]

_COUNT_SQL = (
    "SELECT count(*) FROM embeddings e JOIN segments s ON e.segment_id = s.id JOIN collections c ON s.collection = c.id "
    "WHERE c.name = ? AND s.scope = 'METADATA'"
)


@dataclass
class StoreCheck:
    """The state of the live version, as ingest needs it."""

    live: str | None = None  # what CURRENT names (None: no store was ever switched live)
    base: str | None = None  # newest version whose manifest and chunks are intact: diff and reuse chunks from it
    problems: list[str] = field(default_factory=list)  # one line each; empty: the live version is whole
    vector_sources: list[str] = field(default_factory=list)  # collections (same model, same Chroma) to try for stored vectors
    chroma_broken: bool = False  # the embedded Chroma database itself cannot be opened

    @property
    def ok(self) -> bool:
        return not self.problems


def _embedded_count(settings: Settings, name: str) -> int | None:
    """Rows of collection ``name`` in the embedded database; None when it has no such collection.

    ``StoreError`` when the database file is missing or unreadable; ``LookupError`` when its schema
    is not the one this reads (the caller falls back to the Chroma client)."""
    db = Path(settings.store_dir) / "chroma" / "chroma.sqlite3"
    if not db.is_file():
        raise StoreError(f"the vector database {db.name} is missing")
    if db.stat().st_size == 0:
        raise StoreError(f"the vector database {db.name} is empty (truncated)")
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    except sqlite3.Error as exc:
        raise StoreError(f"the vector database {db.name} cannot be opened ({exc})") from exc
    try:
        if con.execute("SELECT 1 FROM collections WHERE name = ?", (name,)).fetchone() is None:
            return None
        return int(con.execute(_COUNT_SQL, (name,)).fetchone()[0])
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc) or "no such column" in str(exc):
            raise LookupError(str(exc)) from exc
        raise StoreError(f"the vector database {db.name} is unreadable ({exc})") from exc
    except sqlite3.DatabaseError as exc:  # "file is not a database", "database disk image is malformed"
        raise StoreError(f"the vector database {db.name} is damaged ({exc})") from exc
    finally:
        con.close()


def _client_count(settings: Settings, name: str) -> int | None:
    from core.store import chroma_client, get_collection

    client = chroma_client(settings)  # StoreUnavailableError (server down) / StoreDamagedError propagate
    try:
        return int(get_collection(client, name).count())
    except Exception as exc:  # chromadb's NotFoundError has no public base shared across versions
        log.debug("collection %s not readable: %s", name, exc)
        return None


def collection_problem(settings: Settings, manifest: StoreManifest) -> str | None:
    """What is wrong with a version's vectors (collection missing, wrong count, database damaged), or None."""
    want = sum(len(d.chunk_ids) for d in manifest.documents.values())
    name = manifest.collection
    if settings.chroma.host:
        got = _client_count(settings, name)
    else:
        try:
            got = _embedded_count(settings, name)
        except LookupError:
            got = _client_count(settings, name)
    if got is None:
        return f"its vectors (collection {name}) are missing"
    if got != want:
        return f"its collection {name} holds {got} vectors, the manifest lists {want} chunks"
    return None


def _version_state(settings: Settings, version: str) -> tuple[StoreManifest | None, bool, str | None]:
    """(manifest or None, whether manifest and chunks are intact and agree, the first problem or None)."""
    path = snapshots_dir(settings) / version
    if not path.is_dir():
        return None, False, "its folder is missing"
    try:
        manifest = read_manifest(settings, version)
    except FileNotFoundError:
        return None, False, "manifest.json is missing"
    except (OSError, ValueError) as exc:
        return None, False, f"manifest.json is unreadable ({type(exc).__name__})"
    try:
        chunks = read_chunks(path)
    except FileNotFoundError:
        return manifest, False, "chunks.jsonl is missing"
    except (OSError, ValueError) as exc:
        return manifest, False, f"chunks.jsonl is unreadable ({str(exc)[:100]})"
    listed = {cid for d in manifest.documents.values() for cid in d.chunk_ids}
    if set(chunks) != listed:
        return manifest, False, f"the manifest lists {len(listed)} chunks, chunks.jsonl holds {len(chunks)} (not the same)"
    return manifest, True, snapshot_files_problem(path)  # e.g. the BM25 index: rebuilt from the chunks


def _same_vectors(settings: Settings, manifest: StoreManifest | None) -> bool:
    return (
        manifest is not None
        and bool(manifest.collection)
        and manifest.embedding_model == settings.embedding_model
        and manifest.chroma_mode == chroma_mode(settings)
    )


def check_store(settings: Settings) -> StoreCheck:
    """Verify the live version (files, manifest against chunks, collection count) and pick what to rebuild from."""
    check = StoreCheck(live=current_pointer(settings))
    if check.live is None:
        return check
    manifest, intact, problem = _version_state(settings, check.live)
    if _same_vectors(settings, manifest):
        check.vector_sources.append(manifest.collection)
    if intact:
        check.base = check.live
        try:
            vectors = collection_problem(settings, manifest)
        except StoreError as exc:
            vectors = str(exc)
            check.chroma_broken = not settings.chroma.host and "missing" not in vectors
        if vectors:
            check.problems.append(f"version {check.live}: {vectors}")
            if "missing" in vectors:  # nothing to reuse there
                check.vector_sources.remove(manifest.collection)
    if problem:
        check.problems.insert(0, f"version {check.live} named by CURRENT: {problem}")
    for v in reversed(live_history(settings)):  # older live versions: another base, more stored vectors
        if v == check.live:
            continue
        m, ok, _ = _version_state(settings, v)
        if _same_vectors(settings, m) and m.collection not in check.vector_sources:
            check.vector_sources.append(m.collection)
        if ok and check.base is None:
            check.base = v
    return check
