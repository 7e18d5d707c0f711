"""Incremental ingest: corpus folder → a new complete store version, or nothing at all.

Each file is hashed (bytes + loader version + its manifest entry + chunking settings) and compared
with the current version's manifest. Unchanged documents keep their chunks and their stored
vectors; only new or changed chunks are embedded. When nothing changed, nothing is written and
no heavy library is imported, so a re-run costs about a second. Writing goes through
``core.store.write_version``, which builds the new version beside the old one and flips CURRENT
last: a crash or kill at any point leaves the previous version current and complete.

The corpus profile ``domain.yaml`` (when the corpus folder has one) is copied into every version
and counts as an input: editing it alone writes a new version. The claim audit is not run here:
the caller hands in an ``audit_step`` (``services.Services.ingest`` passes the claim auditor), which
runs on the staged version before CURRENT flips, so ingest never imports the chatbot.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from core.audit_report import AUDIT_FILE, AuditFileError, AuditReport, parse_audit, read_audit
from core.cards import CARDS_FILE, cards_current
from core.domain import PROFILE_FILE, load_profile
from core.errors import IngestBusyError, LoadError
from core.protocols import AuditStep, Embedder
from core.records import DocumentRecord, FailedFile, StoreManifest, UnavailableEntry
from core.settings import Settings
from core.store import (
    atomic_write_text,
    chroma_mode,
    current_version,
    open_snapshot,
    own_version,
    prune_needed,
    prune_versions,
    read_chunks,
    read_manifest,
    reset_embedded_chroma,
    snapshots_dir,
    store_id,
)
from core.store_check import StoreCheck, check_store
from core.types import Chunk

from ingest import LOADER_VERSION
from ingest.corpus_scan import read_inside, scan_corpus as _scan
from ingest.document import Document
from ingest.metadata import MANIFEST_NAME, read_manifest as read_corpus_manifest

log = logging.getLogger("ingest")

Progress = Callable[[int, int, str], None]

__all__ = ["IngestBusyError", "Summary", "chroma_mode", "file_hash", "ingest_lock", "load_document", "run_ingest", "scan_corpus"]


@dataclass
class Summary:
    """What an ingest did (or, with ``dry_run``, would do)."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    unavailable: list[tuple[str, str]] = field(default_factory=list)  # (doc_id, reason)
    fetched: list[str] = field(default_factory=list)
    chunks: int = 0
    embedded: int = 0
    reused: int = 0
    documents: int = 0
    seconds: float = 0.0
    version: str | None = None
    previous: str | None = None
    changed: bool = False
    dry_run: bool = False
    audit: str = "not run"
    forced: bool = False
    repaired: list[str] = field(default_factory=list)  # damage found in the live version (rebuilt from what was intact)
    cleaned: list[str] = field(default_factory=list)  # leftovers of a killed build or prune that were removed

    @property
    def exit_code(self) -> int:
        """Non-zero only when the store ends up (or would end up) with nothing usable."""
        return 0 if self.documents > 0 else 1

    def format(self) -> str:
        head = "DRY RUN - nothing written. " if self.dry_run else ""
        if self.changed:
            state = (
                f"would write a new version after {self.previous or 'none'}"
                if self.dry_run
                else f"store version {self.version} (was {self.previous or 'none'})"
            )
        else:
            state = f"no changes; store stays at {self.previous or 'none'}"
        lines = [
            f"{head}{state}",
            f"documents: {len(self.added)} added, {len(self.updated)} updated, {len(self.skipped)} skipped (unchanged), "
            f"{len(self.removed)} removed, {len(self.failed)} failed; {self.documents} in store",
            f"chunks: {self.chunks} in store, {self.embedded} embedded, {self.reused} reused; {self.seconds:.2f} s",
        ]
        for label, ids in (("added", self.added), ("updated", self.updated), ("removed", self.removed), ("fetched", self.fetched)):
            if ids:
                lines.append(f"{label}: {', '.join(ids)}")
        if self.failed:
            lines.append("failed:")
            lines += [f"  {p}: {r}" for p, r in self.failed]
        if self.unavailable:
            lines.append("unavailable:")
            lines += [f"  {d}: {r}" for d, r in self.unavailable]
        if self.repaired:
            lines.append("found damaged, " + ("would rebuild:" if self.dry_run else "rebuilt from what was intact:"))
            lines += [f"  {r}" for r in self.repaired]
        if self.forced:
            lines.append("--force: " + ("would rebuild" if self.dry_run else "rebuilt") + " every document and vector from scratch")
        if self.cleaned:
            lines.append(f"removed leftovers of an interrupted ingest: {', '.join(self.cleaned)}")
        if self.changed and not self.dry_run:
            lines.append(f"claim audit: {self.audit}")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        from dataclasses import asdict

        d = asdict(self)
        d["exit_code"] = self.exit_code
        return d


# --- helpers -----------------------------------------------------------------------------------


@contextlib.contextmanager
def ingest_lock(store_dir: Path) -> Iterator[None]:
    """One ingest at a time per store (a second one fails fast instead of racing for versions).

    ``filelock`` (an OS lock on ``ingest.lock``, released by the kernel when the holder dies, so a
    killed ingest never leaves the store locked); a fresh lock object each time, so a second ingest
    in the same process is refused too."""
    from filelock import FileLock, Timeout

    store_dir = Path(store_dir)
    store_dir.mkdir(parents=True, exist_ok=True)
    path = store_dir / "ingest.lock"
    lock = FileLock(path, timeout=0, is_singleton=False, thread_local=False)
    try:
        lock.acquire()
    except Timeout as exc:
        raise IngestBusyError(f"another ingest is running on {store_dir} (lock {path}); wait for it to finish") from exc
    try:
        yield
    finally:
        lock.release()


def scan_corpus(corpus_dir: Path) -> list[Path]:
    """Every candidate document (see ``ingest.corpus_scan``; links leading outside the corpus are left out)."""
    return _scan(corpus_dir).files


def file_hash(data: bytes, entry: dict[str, Any] | None, settings: Settings) -> str:
    h = hashlib.sha256(data)
    h.update(f"\0loader={LOADER_VERSION}\0".encode())
    h.update(json.dumps(entry or {}, sort_keys=True, default=str).encode())
    h.update(json.dumps(settings.chunk.model_dump(), sort_keys=True).encode())
    return h.hexdigest()[:32]


def profile_bytes(corpus_dir: Path) -> bytes | None:
    """The corpus profile (``domain.yaml``) as it will be copied into the version, or None (also when it leads outside the corpus)."""
    p = Path(corpus_dir) / PROFILE_FILE
    try:
        return read_inside(p, corpus_dir) if p.is_file() else None
    except LoadError:
        return None


def _profile_hash(data: bytes | None) -> str | None:
    return hashlib.sha256(data).hexdigest()[:32] if data is not None else None


def _base_manifest(settings: Settings, check: StoreCheck) -> tuple[str | None, StoreManifest | None, dict[str, Chunk]]:
    """The version to diff against (the live one, or the newest intact one when it is damaged), its manifest and chunks."""
    v = check.base
    if not v:
        return None, None, {}
    try:
        return v, read_manifest(settings, v), read_chunks(snapshots_dir(settings) / v)
    except (OSError, ValueError) as exc:  # changed under us since the check: build from scratch
        log.warning("version %s unreadable, rebuilding everything: %s", v, exc)
        return None, None, {}


def _compatible(prev: StoreManifest | None, settings: Settings) -> bool:
    """Whether the previous version's vectors and layout can be reused as they are."""
    return (
        prev is not None
        and prev.embedding_model == settings.embedding_model
        and prev.chroma_mode == chroma_mode(settings)
        and own_version(settings, store_id(settings), prev.collection) is not None
    )


def load_document(path: Path, corpus_dir: Path, entry: dict[str, Any] | None, settings: Settings, data: bytes | None = None) -> tuple[Document, list[Chunk]]:
    """One file → cleaned ``Document`` and its chunks (``LoadError`` on a bad file).

    ``data`` is the file's content when the caller has already read it (through ``read_inside``);
    otherwise it is read here, never through a link leading outside ``corpus_dir``."""
    from ingest.chunking import chunk_document
    from ingest.clean import CleanTimeout, assemble, clean_blocks
    from ingest.loaders import load_file
    from ingest.metadata import build_document

    budget = settings.ingest.file_seconds
    deadline = time.monotonic() + budget
    loaded = load_file(path, data if data is not None else read_inside(path, corpus_dir))
    try:
        blocks = clean_blocks(loaded.blocks, aggressive=loaded.profile == "web", deadline=deadline, max_candidates=settings.ingest.dedup_candidates)
    except CleanTimeout as exc:
        raise CleanTimeout(
            f"cleaning took more than {budget:g} s, the time budget for one file (MGC_INGEST__FILE_SECONDS); skipped so the rest can ingest"
        ) from exc
    text, sections = assemble(blocks)
    if not text.strip() or not sections:
        raise LoadError("no text left after cleaning")
    rel = _rel(path, corpus_dir)
    doc = build_document(path, rel, loaded, entry, text, sections)
    chunks = chunk_document(doc, settings.chunk)
    if not chunks:
        raise LoadError("no text left after cleaning")
    return doc, chunks


def _too_big(path: Path, settings: Settings) -> str | None:
    """Why a file is above the size limit for one file (``Settings.ingest.max_file_mb``), or None."""
    try:
        size = path.stat().st_size
    except OSError:
        return None  # reading it reports the problem
    limit = settings.ingest.max_file_mb
    if size <= limit * 1_000_000:
        return None
    return f"file is {size / 1_000_000:.1f} MB, above the {limit:g} MB limit for one file (MGC_INGEST__MAX_FILE_MB); not read"


def _rel(path: Path, corpus_dir: Path) -> str:
    if Path(path).is_relative_to(corpus_dir):  # a link keeps its own name
        return Path(path).relative_to(corpus_dir).as_posix()
    try:
        return Path(path).resolve().relative_to(Path(corpus_dir).resolve()).as_posix()
    except ValueError:
        return str(path)


class _Reporter:
    def __init__(self, progress: Progress | None, bar: bool):
        self.progress = progress
        self.bar = bar
        self._tqdm = None

    def start(self, total: int, desc: str) -> None:
        self.close()
        if self.bar and total:
            import sys

            from tqdm import tqdm

            self._tqdm = tqdm(total=total, desc=desc, unit="it", file=sys.stderr, leave=False, dynamic_ncols=True)
        self.desc, self.total, self.done = desc, total, 0

    def step(self, n: int, message: str) -> None:
        self.done += n
        if self._tqdm is not None:
            self._tqdm.update(n)
        if self.progress is not None:
            try:
                self.progress(self.done, self.total, f"{self.desc}: {message}")
            except Exception:  # a broken UI callback (any error) must not break the ingest
                log.debug("progress callback failed", exc_info=True)

    def close(self) -> None:
        if self._tqdm is not None:
            self._tqdm.close()
            self._tqdm = None


# --- the pipeline ------------------------------------------------------------------------------


def run_ingest(
    settings: Settings,
    dry_run: bool = False,
    audit: bool = True,
    progress: Progress | None = None,
    *,
    embeddings: Embedder,
    bar: bool = False,
    audit_step: AuditStep | None = None,
    force: bool = False,
) -> Summary:
    """Bring the store in line with the corpus folder; see the module docstring for guarantees.

    ``progress(done, total, message)`` is called while files load and chunks embed (the app's
    progress bar); ``embeddings`` embeds the chunks no stored version holds; ``bar`` draws tqdm on stderr
    (the CLI). ``audit_step(staged_snapshot, previous_audit)`` returns the claim audit of a new
    version (written as ``audit.json`` before the version goes live); ``audit=False`` skips it.
    Front ends call this through ``services.Services.ingest``, which supplies the settings, the embedder and the audit step.

    The live version is verified first (``core.store_check``): damage (files, vectors, CURRENT)
    makes a new version from what is intact, reusing stored vectors where they survive. ``force``
    ignores the previous version entirely: every document is loaded and embedded again.
    """
    t0 = time.perf_counter()
    summary = Summary(dry_run=dry_run, forced=force)
    lock = contextlib.nullcontext() if dry_run else ingest_lock(Path(settings.store_dir))
    rep = _Reporter(progress, bar)
    try:
        with lock:
            step = audit_step if audit else None
            _run(settings, summary, dry_run, step, rep, embeddings, force)
            if summary.changed and not dry_run and step is None:
                summary.audit = "disabled (--no-audit)" if not audit else "not run (no audit step given)"
    finally:
        rep.close()
    summary.seconds = time.perf_counter() - t0
    return summary


def _run(s: Settings, summary: Summary, dry_run: bool, audit_step: AuditStep | None, rep: _Reporter, embeddings, force: bool = False) -> None:
    """One ingest, in named steps: manifest entries, the base version, what changed, loading, the new version."""
    corpus = Path(s.corpus_dir)
    by_path = _manifest_entries(s, corpus, summary, dry_run)
    if s.chroma.host and not dry_run:  # an unreachable server fails here, before anything is loaded or embedded
        from core.store import chroma_client

        chroma_client(s)
    check, prev_version, prev, old_chunks = _base_version(s, summary, dry_run, force)
    compatible = _compatible(prev, s)
    prev_docs: dict[str, DocumentRecord] = prev.documents if prev else {}
    profile = profile_bytes(corpus)
    if profile is not None:
        load_profile(corpus)  # a malformed domain.yaml stops here, naming the file and field, before anything is written
    cards_stale = prev_version is not None and not cards_current(snapshots_dir(s) / prev_version)  # study cards of an older format
    profile_hash = _profile_hash(profile)
    profile_changed = prev is not None and prev.profile_hash != profile_hash
    unchanged, to_load = _changed_files(s, corpus, by_path, prev_docs, compatible, summary)

    if not to_load and compatible and set(unchanged) == set(prev_docs) and not profile_changed and check.ok and not force and not cards_stale:
        summary.skipped = sorted(unchanged)
        summary.documents = len(unchanged)
        summary.chunks = sum(len(d.chunk_ids) for d in prev_docs.values())
        if not dry_run and prune_needed(s):  # a killed build or prune left something behind
            summary.cleaned = prune_versions(s)
        return  # the fast path: nothing imported, nothing written

    loaded = _load_all(s, corpus, to_load, unchanged, summary, rep)
    for doc_id in loaded:
        (summary.updated if doc_id in prev_docs else summary.added).append(doc_id)
    final_ids = set(unchanged) | set(loaded)
    summary.removed = sorted(set(prev_docs) - final_ids)
    summary.skipped = sorted(unchanged)
    summary.added.sort()
    summary.updated.sort()
    summary.documents = len(final_ids)
    summary.changed = bool(summary.added or summary.updated or summary.removed or profile_changed or summary.repaired or force or cards_stale)
    if not summary.changed or not final_ids:
        # nothing new to write (only failures), or nothing usable at all: the store is left as it is
        summary.chunks = sum(len(c) for _, c, _, _ in loaded.values()) + sum(len(prev_docs[d].chunk_ids) for d in unchanged)
        summary.changed = False
        return

    chunks, documents = _assemble(final_ids, loaded, prev_docs, old_chunks)
    summary.chunks = len(chunks)
    if dry_run:
        old_ids = set(old_chunks) if compatible and check.vector_sources else set()
        summary.reused = sum(1 for c in chunks if c.chunk_id in old_ids)
        summary.embedded = len(chunks) - summary.reused
        return
    vectors = _vectors(s, chunks, check.vector_sources, summary, rep, embeddings)
    _write(s, corpus, summary, rep, chunks, vectors, documents, profile, profile_hash, prev_version, audit_step)


def _manifest_entries(s: Settings, corpus: Path, summary: Summary, dry_run: bool) -> dict[str, dict[str, Any]]:
    """The manifest's entries by file path (fetching those missing when online); a broken manifest or a missing
    file is reported, never hides the documents."""
    try:
        entries = read_corpus_manifest(corpus)
    except (OSError, ValueError) as exc:  # a broken manifest (ConfigError is a ValueError) must not hide the documents
        summary.failed.append((MANIFEST_NAME, f"unreadable manifest: {exc}"))
        entries = []
    _fetch_missing(s, entries, summary, dry_run)
    by_path = {str(e["path"]): e for e in entries if e.get("path")}
    by_path.update({p: e for e in entries if not e.get("path") for p in _fetched_paths(corpus, e)})
    for e in entries:
        if e.get("path") and not (corpus / str(e["path"])).exists() and not any(d == e["id"] for d, _ in summary.unavailable):
            summary.unavailable.append((str(e["id"]), f"file missing: {e['path']}"))
    return by_path


def _base_version(s: Settings, summary: Summary, dry_run: bool, force: bool) -> tuple[Any, str | None, StoreManifest | None, dict[str, Chunk]]:
    """The live version checked (its damage listed as repaired), and what the new version builds on:
    (check, its version, its manifest, its chunks by id); nothing with ``force``."""
    check = check_store(s)
    summary.previous = current_version(s) or check.live
    summary.repaired = list(check.problems)
    if force:
        prev_version, prev, old_chunks = None, None, {}
        check.vector_sources = []
    else:
        prev_version, prev, old_chunks = _base_manifest(s, check)
    if check.chroma_broken and not dry_run:  # nothing can be written into it: start a fresh one, keep the old one aside
        aside = reset_embedded_chroma(s)
        summary.repaired.append(f"the damaged vector database was moved to {aside}; every vector is computed again")
        check.vector_sources = []
    return check, prev_version, prev, old_chunks


def _changed_files(
    s: Settings, corpus: Path, by_path: dict[str, dict[str, Any]], prev_docs: dict[str, DocumentRecord], compatible: bool, summary: Summary
) -> tuple[dict[str, str], list[tuple[Path, str, str, dict[str, Any] | None]]]:
    """(unchanged doc_id -> path, files to load): a file is unchanged when its hash matches the previous version's."""
    prev_by_path = {d.path: (doc_id, d) for doc_id, d in prev_docs.items()}
    unchanged: dict[str, str] = {}  # doc_id -> rel path
    to_load: list[tuple[Path, str, str, dict[str, Any] | None]] = []
    scan = _scan(corpus)
    summary.failed.extend(scan.refused)
    for path in scan.files:
        rel = path.relative_to(corpus).as_posix()
        entry = by_path.get(rel)
        too_big = _too_big(path, s)
        if too_big:
            summary.failed.append((rel, too_big))
            continue
        try:
            h = file_hash(read_inside(path, corpus), entry, s)
        except LoadError as exc:
            summary.failed.append((rel, exc.reason))
            continue
        hit = prev_by_path.get(rel)
        if compatible and hit and hit[1].hash == h and hit[0] not in unchanged:
            unchanged[hit[0]] = rel
        else:
            to_load.append((path, rel, h, entry))
    return unchanged, to_load


def _load_all(
    s: Settings, corpus: Path, to_load: list[tuple[Path, str, str, dict[str, Any] | None]], unchanged: dict[str, str], summary: Summary, rep: _Reporter
) -> dict[str, tuple[Document, list[Chunk], str, str]]:
    """Load and chunk each file (doc_id -> (document, chunks, hash, path)); a failure is reported per file."""
    loaded: dict[str, tuple[Document, list[Chunk], str, str]] = {}
    seen_ids = dict(unchanged)
    rep.start(len(to_load), "loading")
    for path, rel, h, entry in to_load:
        try:
            doc, chunks = load_document(path, corpus, entry, s)
            if doc.doc_id in seen_ids:
                raise LoadError(f"duplicate document id '{doc.doc_id}' (also {seen_ids[doc.doc_id]}); give one an id in the manifest or front matter")
            seen_ids[doc.doc_id] = rel
            loaded[doc.doc_id] = (doc, chunks, h, rel)
        except LoadError as exc:
            summary.failed.append((rel, exc.reason))
        except Exception as exc:  # a loader bug on one file (any error) must not stop the others: reported per file
            log.debug("loader crashed on %s", rel, exc_info=True)
            summary.failed.append((rel, f"unexpected error: {type(exc).__name__}: {exc}"))
        rep.step(1, rel)
    rep.close()
    return loaded


def _assemble(
    final_ids: set[str], loaded: dict[str, tuple[Document, list[Chunk], str, str]], prev_docs: dict[str, DocumentRecord], old_chunks: dict[str, Chunk]
) -> tuple[list[Chunk], dict[str, DocumentRecord]]:
    """The new version's chunks and document records, the article first: loaded ones new, unchanged ones carried over."""
    chunks: list[Chunk] = []
    documents: dict[str, DocumentRecord] = {}
    for doc_id in sorted(final_ids, key=lambda d: (0 if _role(d, loaded, prev_docs) == "article" else 1, d)):
        if doc_id in loaded:
            doc, doc_chunks, h, rel = loaded[doc_id]
            documents[doc_id] = DocumentRecord(
                hash=h,
                path=rel,
                title=doc.title,
                year=doc.year,
                role=doc.role,
                study_type=doc.study_type,
                meta=doc.meta,
                curated=doc.curated,
                declared=doc.declared,
                chunk_ids=[c.chunk_id for c in doc_chunks],
                chars=len(doc.text),
            )
        else:
            documents[doc_id] = prev_docs[doc_id]
            doc_chunks = [old_chunks[cid] for cid in prev_docs[doc_id].chunk_ids]
        chunks.extend(doc_chunks)
    return chunks, documents


def _write(
    s: Settings,
    corpus: Path,
    summary: Summary,
    rep: _Reporter,
    chunks: list[Chunk],
    vectors,
    documents: dict[str, DocumentRecord],
    profile: bytes | None,
    profile_hash: str | None,
    prev_version: str | None,
    audit_step: AuditStep | None,
) -> None:
    """Write the new version (manifest, study cards, profile) with the audit step run before CURRENT flips."""
    t_write = time.perf_counter()
    manifest = StoreManifest(
        created=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        embedding_model=s.embedding_model,
        loader_version=LOADER_VERSION,
        chunking=s.chunk.model_dump(),
        corpus_dir=str(corpus),
        profile_hash=profile_hash,
        documents=documents,
        failed=[FailedFile(path=p, reason=r) for p, r in summary.failed],
        unavailable=[UnavailableEntry(id=d, reason=r) for d, r in summary.unavailable],
        stats={
            "documents": len(documents),
            "chunks": len(chunks),
            "embedded": summary.embedded,
            "reused": summary.reused,
            "added": summary.added,
            "updated": summary.updated,
            "removed": summary.removed,
        },
    )
    before_flip = None
    if audit_step is not None:
        previous_audit = _read_audit(snapshots_dir(s) / prev_version) if prev_version else None
        before_flip = _audit_hook(s, audit_step, previous_audit, summary)
    from core.store import write_version

    from ingest.cards import cards_file

    extra = {CARDS_FILE: cards_file(documents, chunks, load_profile(corpus))}  # study cards beside the manifest
    if profile is not None:
        extra[PROFILE_FILE] = profile
    rep.start(1, "writing")
    summary.version = write_version(s, chunks, vectors, manifest, before_flip=before_flip, extra_files=extra)
    rep.step(1, f"version {summary.version}")
    log.debug("write_version took %.2f s", time.perf_counter() - t_write)


def _role(doc_id: str, loaded, prev_docs: dict[str, DocumentRecord]) -> str:
    if doc_id in loaded:
        return loaded[doc_id][0].role
    prev = prev_docs.get(doc_id)
    return prev.role if prev is not None else "literature"


def _vectors(s: Settings, chunks: list[Chunk], sources: list[str], summary: Summary, rep: _Reporter, embeddings) -> list[list[float]]:
    """Stored vectors (chunk ids are content hashes) from the first of ``sources`` that has them; the embedder for the rest."""
    vec: dict[str, list[float]] = {}
    if sources:
        from core.store import chroma_client, get_collection

        for name in sources:
            wanted = [c.chunk_id for c in chunks if c.chunk_id not in vec]
            if not wanted:
                break
            try:
                coll = get_collection(chroma_client(s), name)
                for i in range(0, len(wanted), 2000):
                    got = coll.get(ids=wanted[i : i + 2000], include=["embeddings"])
                    for cid, v in zip(got["ids"], got["embeddings"]):
                        vec[cid] = [float(x) for x in v]
            except Exception as exc:  # collection gone (pruned, damaged, other server; chromadb errors share no base): embed afresh
                log.warning("could not reuse vectors of %s (%s)", name, exc)
    summary.reused = len(vec)
    todo = [c for c in chunks if c.chunk_id not in vec]
    summary.embedded = len(todo)
    if todo:
        rep.start(len(todo), "embedding")
        bs = max(1, s.batch_size)
        for i in range(0, len(todo), bs):
            part = todo[i : i + bs]
            for c, v in zip(part, embeddings.embed_documents([c.text for c in part])):
                vec[c.chunk_id] = v
            rep.step(len(part), f"{min(i + bs, len(todo))}/{len(todo)} chunks")
        rep.close()
    return [vec[c.chunk_id] for c in chunks]


def _read_audit(path: Path) -> AuditReport | None:
    """A version's claim audit, handed to the next audit so it only re-checks what changed (None when absent or unreadable)."""
    try:
        return read_audit(path / AUDIT_FILE)
    except AuditFileError as exc:
        log.warning("previous claim audit ignored, every claim is re-checked: %s", exc)
        return None


def _audit_hook(s: Settings, audit_step: AuditStep, previous: AuditReport | None, summary: Summary) -> Callable[[str], None]:
    """Run the audit step on the staged version before it becomes current; a failing audit leaves
    the version without audit.json but does not stop it going live."""

    def before_flip(version: str) -> None:
        try:
            report = parse_audit(audit_step(open_snapshot(s, version=version), previous), "the claim audit step's result")
        except Exception as exc:  # verifier model missing, or an audit bug (any error): the store is still good
            summary.audit = f"skipped ({type(exc).__name__}: {exc})"
            log.warning("claim audit failed, version %s has no audit: %s", version, exc)
            return
        atomic_write_text(snapshots_dir(s) / version / AUDIT_FILE, report.to_text())
        summary.audit = "written"

    return before_flip


def _fetched_paths(corpus: Path, entry: dict[str, Any]) -> list[str]:
    d = corpus / "fetched"
    if not d.is_dir():
        return []
    return [p.relative_to(corpus).as_posix() for p in sorted(d.glob(f"{entry['id']}.*")) if not p.name.startswith(".")]


def _fetch_missing(s: Settings, entries: list[dict[str, Any]], summary: Summary, dry_run: bool) -> None:
    from ingest.fetch import fetch_entry, fetch_source

    corpus = Path(s.corpus_dir)
    for e in entries:
        if not fetch_source(e):
            continue
        present = (corpus / str(e["path"])).exists() if e.get("path") else bool(_fetched_paths(corpus, e))
        if present:
            continue
        if dry_run:
            summary.unavailable.append((str(e["id"]), "not downloaded (dry run)"))
        elif not s.fetch_online:
            summary.unavailable.append((str(e["id"]), "unavailable: not in the corpus folder and online fetch is off"))
        else:
            r = fetch_entry(e, s)
            if r.path is not None:
                summary.fetched.append(r.doc_id)
            else:
                summary.unavailable.append((r.doc_id, r.error or "unavailable"))
