"""Real model and real Chroma: embedded PersistentClient, and a `chroma run` server on loopback."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from core.store import StoreUnavailableError, chroma_client, open_snapshot
from services import build_services

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parent.parent
DOCS = ["literature/abbasi2012.md", "literature/mayer1984_jphysiol.md", "literature/schuette1994.md"]


def _small_corpus(settings) -> None:
    for rel in DOCS:
        dst = settings.corpus_dir / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "corpus" / rel, dst)
    import yaml

    entries = [e for e in yaml.safe_load((ROOT / "corpus" / "manifest.yaml").read_text())["documents"] if e["path"] in DOCS]
    (settings.corpus_dir / "manifest.yaml").write_text(yaml.safe_dump({"documents": entries}))


def _check_store(settings) -> None:
    from core.embeddings import get_embeddings

    snap = open_snapshot(settings)
    assert set(snap.documents()) == {"abbasi2012", "mayer1984_jphysiol", "schuette1994"}
    coll = snap.collection()
    got = coll.get(ids=list(snap.chunks)[:5], include=["embeddings"])
    v = np.asarray(got["embeddings"], dtype=np.float32)
    assert v.shape[1] == 384 and np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-3)
    q = get_embeddings(settings).embed_query("magnesium blocks the NMDA receptor channel in a voltage-dependent way")
    res = coll.query(query_embeddings=[q], n_results=5, include=["metadatas", "distances"])
    docs = [m["doc_id"] for m in res["metadatas"][0]]
    assert "mayer1984_jphysiol" in docs[:3], docs
    assert coll.metadata.get("hnsw:space") == "cosine" or (coll.configuration_json or {}).get("hnsw", {}).get("space") == "cosine"


def test_real_model_embedded_chroma(real_settings):
    _small_corpus(real_settings)
    s = build_services(real_settings).ingest(audit=False)
    assert s.exit_code == 0 and s.documents == 3 and not s.failed
    _check_store(real_settings)
    again = build_services(real_settings).ingest(audit=False)
    assert not again.changed


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_chroma_api(settings, timeout: float = 300) -> None:
    """The server's port opens a moment before its API answers: poll until a client connects (the deadline bounds a failure only)."""
    deadline = time.time() + timeout
    while True:
        try:
            chroma_client(settings)
            return
        except StoreUnavailableError:
            assert time.time() < deadline, f"the Chroma API did not answer within {timeout:.0f} s"
            time.sleep(0.5)


@pytest.fixture
def chroma_server(tmp_path):
    exe = Path(sys.executable).with_name("chroma")
    if not exe.exists():
        pytest.skip("chroma CLI not installed")
    log = tmp_path / "chroma-server.log"
    for _ in range(3):  # another process may take the free port before chroma binds it: chroma exits, pick again
        port = _free_port()
        with open(log, "ab") as out:
            proc = subprocess.Popen(
                [str(exe), "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(tmp_path / "chroma-server")], stdout=out, stderr=subprocess.STDOUT
            )
        deadline = time.time() + 300  # bounds a failure only; a loaded machine starts it slowly
        while proc.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=5):
                    break
            except OSError:
                if time.time() > deadline:
                    proc.kill()
                    pytest.fail(f"chroma server did not start within 300 s:\n{log.read_text(errors='replace')[-2000:]}")
                time.sleep(0.2)
        if proc.poll() is None:  # listening, and it is ours (a server that lost the port has exited)
            break
    else:
        pytest.fail(f"chroma server did not start:\n{log.read_text(errors='replace')[-2000:]}")
    yield port
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_real_model_chroma_server(real_settings, chroma_server, monkeypatch):
    monkeypatch.setenv("MGC_CHROMA__HOST", "127.0.0.1")
    monkeypatch.setenv("MGC_CHROMA__PORT", str(chroma_server))
    from core.settings import Settings

    st = Settings(store_dir=real_settings.store_dir, corpus_dir=real_settings.corpus_dir, fetch_online=False)
    assert st.chroma.host == "127.0.0.1" and st.chroma.port == chroma_server
    _small_corpus(st)
    wait_for_chroma_api(st)
    s = build_services(st).ingest(audit=False)
    assert s.exit_code == 0 and s.documents == 3
    snap = open_snapshot(st)
    assert snap.manifest.chroma_mode == f"http://127.0.0.1:{chroma_server}"
    assert type(chroma_client(st)).__name__ != "PersistentClient"
    assert not (st.store_dir / "chroma").exists()  # nothing embedded on the side
    _check_store(st)
