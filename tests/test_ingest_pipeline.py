"""Incremental ingest with the fake embedder: diffs, no-op re-runs, failures, lock, fetch, audit step, profile, kill."""

from __future__ import annotations

import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from fakes import FakeEmbeddings
from core.store import open_snapshot
from ingest.pipeline import IngestBusyError, ingest_lock, run_ingest
from tests.ingest_fixtures import JATS, make_pdf

ROOT = Path(__file__).resolve().parent.parent


def _doc(i: int, extra: str = "") -> str:
    return (
        f'---\nid: doc{i}\ntitle: "Study {i}"\nyear: {2000 + i}\nstudy_type: rct\n---\n\n'
        f"**Background.** Study {i} asked whether magnesium dose {i}00 mg changes sleep in group {i}. "
        f"The participants in study {i} were adults aged {20 + i} to {60 + i} years.\n\n"
        f"**Results.** In study {i}, sleep onset latency fell by {i + 3} minutes compared with placebo. {extra}\n"
    )


def _corpus(settings, n: int = 3) -> None:
    for i in range(n):
        (settings.corpus_dir / f"doc{i}.md").write_text(_doc(i))


def _tree(path: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(path)): (p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(path.rglob("*")) if p.is_file()}


def _collection_ids(snap) -> set[str]:
    return set(snap.collection().get(include=[])["ids"])


def test_cold_ingest_and_failures_reported(settings):
    _corpus(settings)
    (settings.corpus_dir / "empty.txt").write_bytes(b"")
    (settings.corpus_dir / "slides.pptx").write_bytes(b"PK..")
    progress: list[tuple[int, int, str]] = []
    s = run_ingest(settings, audit=False, progress=lambda d, t, m: progress.append((d, t, m)), embeddings=FakeEmbeddings())
    assert s.version == "v1" and s.added == ["doc0", "doc1", "doc2"] and s.documents == 3 and s.exit_code == 0
    assert dict(s.failed) == {"empty.txt": "empty file", "slides.pptx": dict(s.failed)["slides.pptx"]}
    assert "unsupported file type '.pptx'" in dict(s.failed)["slides.pptx"]
    assert progress and progress[-1][0] == progress[-1][1]
    text = s.format()
    assert "3 added" in text and "2 failed" in text and "empty.txt: empty file" in text
    snap = open_snapshot(settings)
    assert set(snap.documents()) == {"doc0", "doc1", "doc2"}
    assert _collection_ids(snap) == set(snap.chunks) and len(snap.chunks) == s.chunks
    c = next(c for c in snap.chunks.values() if c.doc_id == "doc1")
    assert c.title == "Study 1" and c.year == 2001 and c.study_type == "rct" and c.role == "literature" and c.section in {"Background", "Results"}
    assert snap.manifest.failed and snap.manifest.embedding_model == "fake"
    rec = snap.documents()["doc1"]  # the typed record ingest wrote, as readers get it
    assert (rec.title, rec.year, rec.role, rec.study_type, rec.path) == ("Study 1", 2001, "literature", "rct", "doc1.md")
    assert rec.meta["source_path"] == "doc1.md" and rec.chunk_ids and rec.chars > 0


def test_edit_delete_and_unchanged_rerun(settings):
    _corpus(settings, 4)
    run_ingest(settings, audit=False, embeddings=FakeEmbeddings())
    v1 = open_snapshot(settings)
    by_doc = {d: set(v.chunk_ids) for d, v in v1.documents().items()}

    (settings.corpus_dir / "doc1.md").write_text(_doc(1, extra="A new sentence about cortisol was added here."))
    s = run_ingest(settings, audit=False, embeddings=FakeEmbeddings())
    assert (s.updated, s.added, s.removed, s.version) == (["doc1"], [], [], "v2") and len(s.skipped) == 3
    v2 = open_snapshot(settings)
    new_by_doc = {d: set(v.chunk_ids) for d, v in v2.documents().items()}
    for d in ("doc0", "doc2", "doc3"):
        assert new_by_doc[d] == by_doc[d]
    assert new_by_doc["doc1"] != by_doc["doc1"] and new_by_doc["doc1"] & by_doc["doc1"]  # the untouched section kept its id
    assert s.embedded == len(new_by_doc["doc1"] - by_doc["doc1"]) and s.reused == s.chunks - s.embedded
    assert _collection_ids(v2) == set(v2.chunks) and len(v2.chunks) == len(set(v2.chunks))
    assert "cortisol" in " ".join(c.text for c in v2.chunks.values())
    # reused vectors are the stored ones
    cid = next(iter(by_doc["doc0"]))
    old = v1.collection().get(ids=[cid], include=["embeddings"])["embeddings"][0]
    new = v2.collection().get(ids=[cid], include=["embeddings"])["embeddings"][0]
    assert list(map(float, old)) == list(map(float, new))

    (settings.corpus_dir / "doc2.md").unlink()
    s = run_ingest(settings, audit=False, embeddings=FakeEmbeddings())
    assert s.removed == ["doc2"] and s.embedded == 0 and s.version == "v3"
    v3 = open_snapshot(settings)
    assert "doc2" not in v3.documents() and not any(c.doc_id == "doc2" for c in v3.chunks.values())
    assert not any(i.startswith("doc2:") for i in _collection_ids(v3))

    before = _tree(settings.store_dir)

    class MustNotEmbed(FakeEmbeddings):  # what would make a no-op re-run slow (a wall-clock budget raced the machine's load)
        def embed_documents(self, texts):
            raise AssertionError(f"a no-op re-run embedded {len(texts)} chunks")

    s = run_ingest(settings, audit=False, embeddings=MustNotEmbed())
    assert not s.changed and s.version is None and len(s.skipped) == 3 and s.exit_code == 0 and s.embedded == 0
    assert _tree(settings.store_dir) == before  # not a single byte written
    # earlier readers keep their version; keep_versions=2 prunes v1
    assert sorted(p.name for p in (settings.store_dir / "snapshots").iterdir()) == ["v2", "v3"]


def test_dry_run_writes_nothing(settings):
    _corpus(settings)
    s = run_ingest(settings, dry_run=True, embeddings=FakeEmbeddings())
    assert s.dry_run and s.changed and s.added == ["doc0", "doc1", "doc2"] and s.embedded == s.chunks > 0
    assert not settings.store_dir.exists()
    run_ingest(settings, audit=False, embeddings=FakeEmbeddings())
    (settings.corpus_dir / "doc0.md").write_text(_doc(0, extra="Changed."))
    before = _tree(settings.store_dir)
    s = run_ingest(settings, dry_run=True, embeddings=FakeEmbeddings())
    assert s.updated == ["doc0"] and s.reused > 0 and "DRY RUN" in s.format()
    assert _tree(settings.store_dir) == before


def test_nothing_usable_exits_non_zero(settings):
    (settings.corpus_dir / "a.txt").write_bytes(b"")
    s = run_ingest(settings, audit=False, embeddings=FakeEmbeddings())
    assert s.exit_code == 1 and s.failed and s.version is None and not (settings.store_dir / "CURRENT").exists()


def test_renamed_file_and_changed_settings(settings):
    _corpus(settings, 2)
    run_ingest(settings, audit=False, embeddings=FakeEmbeddings())
    (settings.corpus_dir / "doc1.md").rename(settings.corpus_dir / "renamed.md")
    s = run_ingest(settings, audit=False, embeddings=FakeEmbeddings())
    assert s.updated == ["doc1"] and s.embedded == 0  # same id and text: vectors reused
    rechunked = settings.model_copy(update={"chunk": settings.chunk.model_copy(update={"size": 120, "min_size": 20})})
    s2 = run_ingest(rechunked, audit=False, embeddings=FakeEmbeddings())
    assert sorted(s2.updated) == ["doc0", "doc1"]  # chunking changed: every document re-chunked


def test_lock_prevents_concurrent_ingest(settings):
    _corpus(settings, 1)
    with ingest_lock(settings.store_dir):
        with pytest.raises(IngestBusyError, match="another ingest"):
            run_ingest(settings, audit=False, embeddings=FakeEmbeddings())
    assert run_ingest(settings, audit=False, embeddings=FakeEmbeddings()).version == "v1"


def test_pdf_and_jats_in_pipeline(settings):
    (settings.corpus_dir / "paper.pdf").write_bytes(make_pdf([["Results", "Magnesium lowered cortisol by 12 percent."]], title="PDF paper"))
    (settings.corpus_dir / "PMC7654321.xml").write_text(JATS)
    run_ingest(settings, audit=False, embeddings=FakeEmbeddings())
    snap = open_snapshot(settings)
    pdf_chunk = next(c for c in snap.chunks.values() if c.doc_id == "paper")
    assert pdf_chunk.page == 1 and pdf_chunk.title == "PDF paper"
    assert snap.documents()["PMC7654321"].meta["pmid"] == "12345678"


def test_audit_step_writes_audit_json(settings):
    _corpus(settings, 2)
    calls = []

    def audit_snapshot(snapshot, previous):
        calls.append((snapshot.version, previous))
        assert (settings.store_dir / "CURRENT").exists() is False or snapshot.version != open_snapshot(settings).version
        return {"claims": [], "version": snapshot.version}

    s = run_ingest(settings, audit_step=audit_snapshot, embeddings=FakeEmbeddings())
    assert s.audit == "written" and calls == [("v1", None)]
    assert json.loads((settings.store_dir / "snapshots" / "v1" / "audit.json").read_text())["version"] == "v1"
    (settings.corpus_dir / "doc0.md").write_text(_doc(0, extra="Changed."))
    run_ingest(settings, audit_step=audit_snapshot, embeddings=FakeEmbeddings())
    assert calls[-1][0] == "v2" and calls[-1][1].to_json() == {"claims": [], "version": "v1"}  # incremental: the previous audit is handed in

    def broken(snapshot, previous):
        raise FileNotFoundError("verifier model missing")

    (settings.corpus_dir / "doc0.md").write_text(_doc(0, extra="Changed again."))
    s = run_ingest(settings, audit_step=broken, embeddings=FakeEmbeddings())
    assert s.version == "v3" and "verifier model missing" in s.audit and open_snapshot(settings).version == "v3"

    (settings.corpus_dir / "doc0.md").write_text(_doc(0, extra="Changed once more."))
    assert run_ingest(settings, audit=False, audit_step=audit_snapshot, embeddings=FakeEmbeddings()).audit == "disabled (--no-audit)"
    assert len(calls) == 2
    (settings.corpus_dir / "doc0.md").write_text(_doc(0, extra="And again."))
    assert run_ingest(settings, embeddings=FakeEmbeddings()).audit == "not run (no audit step given)"


def test_services_hand_the_claim_audit_to_ingest(settings):
    """The composition root wires the claim auditor as ingest's post-build step (ingest itself never imports the chatbot)."""
    from fakes import FakeEmbeddings
    from services import build_services

    class Auditor:
        def __init__(self):
            self.calls = []

        def audit_snapshot(self, snapshot, previous):
            self.calls.append(snapshot.version)
            assert snapshot.path.name == snapshot.version  # the staged folder, before CURRENT flips
            return {"version": snapshot.version, "claims": []}

    _corpus(settings, 2)
    auditor = Auditor()
    s = build_services(settings, embedder=FakeEmbeddings(), auditor=auditor).ingest()
    assert s.audit == "written" and auditor.calls == ["v1"]
    assert open_snapshot(settings).audit().to_json() == {"version": "v1", "claims": []}
    assert build_services(settings, auditor=auditor).ingest(audit=False).audit == "not run"  # nothing changed


def test_domain_profile_is_copied_and_counts_as_input(settings):
    _corpus(settings, 2)
    profile = settings.corpus_dir / "domain.yaml"
    profile.write_text("name: magnesium\nsubject: [magnesium]\n")
    s = run_ingest(settings, audit=False, embeddings=FakeEmbeddings())
    assert s.version == "v1" and not s.failed  # the profile is not ingested as a document
    snap = open_snapshot(settings)
    assert (snap.path / "domain.yaml").read_text() == profile.read_text()
    assert not run_ingest(settings, audit=False, embeddings=FakeEmbeddings()).changed  # unchanged profile: nothing to do

    profile.write_text("name: magnesium\nsubject: [magnesium, Mg]\n")
    s = run_ingest(settings, audit=False, embeddings=FakeEmbeddings())
    assert s.changed and s.version == "v2" and not (s.added or s.updated or s.removed) and s.reused == s.chunks
    assert "Mg" in (open_snapshot(settings).path / "domain.yaml").read_text()

    profile.unlink()
    s = run_ingest(settings, audit=False, embeddings=FakeEmbeddings())
    assert s.version == "v3" and not (open_snapshot(settings).path / "domain.yaml").exists()


# --- online fetch against a loopback server ----------------------------------------------------


@pytest.fixture
def dead_port():
    """A loopback port that refuses connections for the whole test: bound (so no other process can
    take it meanwhile) but never listening."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.fixture
def loopback():
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            requests.append(self.path)
            if self.path.startswith("/efetch") and "7654321" in self.path:
                body, ctype = JATS.encode(), "text/xml"
            elif self.path == "/page.html":
                body, ctype = b"<html><head><title>A web page</title></head><body><p>Glycine improves sleep quality in adults.</p></body></html>", "text/html"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}", requests
    srv.shutdown()
    srv.server_close()


def test_fetch_missing_entries_from_loopback(settings, loopback, dead_port):
    base, requests = loopback
    dead = f"http://127.0.0.1:{dead_port}/gone.html"
    _corpus(settings, 1)
    (settings.corpus_dir / "manifest.yaml").write_text(
        textwrap.dedent(f"""
        documents:
          - id: doe2020_full
            path: fulltext/doe2020.xml
            role: literature
            study_type: rct
            fetch: {{pmcid: PMC7654321}}
          - id: webpage
            fetch: {{url: "{base}/page.html"}}
          - id: offline_one
            fetch: {{url: "{dead}"}}
          - id: no_such_pmc
            fetch: {{pmcid: PMC1}}
        """)
    )
    # the dead port refuses at once; the timeout only bounds the loopback server's answers on a busy machine
    st = settings.model_copy(update={"fetch_online": True, "fetch_timeout": 60.0, "fetch_pmc_url": base + "/efetch?db=pmc&id={pmcid_num}"})
    s = run_ingest(st, audit=False, embeddings=FakeEmbeddings())
    assert sorted(s.fetched) == ["doe2020_full", "webpage"]
    assert {d for d, _ in s.unavailable} == {"offline_one", "no_such_pmc"}
    assert all(r.startswith("unavailable") for _, r in s.unavailable)
    assert (settings.corpus_dir / "fulltext" / "doe2020.xml").exists() and (settings.corpus_dir / "fetched" / "webpage.html").exists()
    assert set(s.added) == {"doc0", "doe2020_full", "webpage"} and s.exit_code == 0
    snap = open_snapshot(settings)
    full = snap.documents()["doe2020_full"]
    assert full.meta["pmcid"] == "PMC7654321" and full.study_type == "rct"
    n = len(requests)
    s = run_ingest(st, audit=False, embeddings=FakeEmbeddings())  # present now: not downloaded again, nothing changed
    assert not s.changed and sum(1 for r in requests[n:] if "7654321" in r or "page.html" in r) == 0


def test_fetch_off_reports_unavailable(settings):
    _corpus(settings, 1)
    (settings.corpus_dir / "manifest.yaml").write_text("documents:\n  - id: x\n    fetch: {pmcid: PMC7654321}\n")
    s = run_ingest(settings, audit=False, embeddings=FakeEmbeddings())
    assert s.unavailable and s.unavailable[0][0] == "x" and s.added == ["doc0"]


# --- kill -9 in the middle of an ingest --------------------------------------------------------

KILL_SCRIPT = r"""
import pathlib, sys, threading
sys.path.insert(0, sys.argv[4])
sys.path.insert(0, str(pathlib.Path(sys.argv[4]) / "tests"))
from core.settings import Settings
from fakes import FakeEmbeddings
from ingest.pipeline import run_ingest
marker = pathlib.Path(sys.argv[3])
phase = sys.argv[5]

class Slow(FakeEmbeddings):
    def embed_documents(self, texts):
        if phase == "embed":
            marker.touch()
            threading.Event().wait()  # mid-embedding until killed (a short pause let a slow test miss the window)
        return super().embed_documents(texts)

def audit_snapshot(snapshot, previous):
    marker.touch()
    threading.Event().wait()  # staged, not yet current, until killed

s = Settings(store_dir=sys.argv[1], corpus_dir=sys.argv[2], embedding_model="fake", fetch_online=False, batch_size=2)
run_ingest(s, audit=(phase == "flip"), embeddings=Slow(), audit_step=audit_snapshot)
"""


@pytest.mark.parametrize("phase", ["embed", "flip"])
def test_kill_during_ingest_leaves_old_version(settings, tmp_path, phase):
    _corpus(settings, 2)
    run_ingest(settings, audit=False, embeddings=FakeEmbeddings())
    old = open_snapshot(settings)
    for i in range(2, 8):
        (settings.corpus_dir / f"doc{i}.md").write_text(_doc(i))
    (settings.corpus_dir / "doc0.md").unlink()
    marker = tmp_path / "started"
    script = tmp_path / "kill_ingest.py"
    script.write_text(KILL_SCRIPT)
    proc = subprocess.Popen(
        [sys.executable, str(script), str(settings.store_dir), str(settings.corpus_dir), str(marker), str(ROOT), phase],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.time() + 300  # bounds a failure only: the subprocess imports chromadb first
        while not marker.exists():
            assert proc.poll() is None, proc.stdout.read().decode()
            assert time.time() < deadline
            time.sleep(0.05)
        if phase == "flip":
            assert any(p.name.startswith("v2") for p in (settings.store_dir / "snapshots").iterdir())
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()

    snap = open_snapshot(settings)
    assert snap.version == old.version == "v1" and set(snap.chunks) == set(old.chunks)
    assert set(snap.documents()) == {"doc0", "doc1"}
    q = FakeEmbeddings().embed_query("sleep onset latency fell in study 1")
    res = snap.collection().query(query_embeddings=[q], n_results=3)
    assert res["ids"][0] and set(res["ids"][0]) <= set(old.chunks)

    s = run_ingest(settings, audit=False, embeddings=FakeEmbeddings())  # the next ingest recovers and never reuses the dead version's name
    assert s.version == ("v3" if phase == "flip" else "v2") and set(open_snapshot(settings).documents()) == {f"doc{i}" for i in range(1, 8)}
    assert not any(p.name.startswith(".") for p in (settings.store_dir / "snapshots").iterdir())
