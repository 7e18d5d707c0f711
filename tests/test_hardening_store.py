"""Hardening of the versioned store (issue 14): half-built versions never count, leftovers of a kill
are cleaned, damage is reported in one line and repaired by the next ingest."""

from __future__ import annotations

import os
import shutil

import pytest

from fakes import FakeEmbeddings
from core.errors import StoreDamagedError
from core.store import chroma_client, collection_name, get_collection, open_snapshot, snapshots_dir
from ingest.pipeline import run_ingest


def _doc(i: int) -> str:
    return (
        f'---\nid: doc{i}\ntitle: "Study {i}"\nyear: {2000 + i}\nstudy_type: rct\n---\n\n'
        f"**Background.** Study {i} asked whether magnesium dose {i}00 mg changes sleep in group {i}. "
        f"The participants in study {i} were adults aged {20 + i} to {60 + i} years.\n\n"
        f"**Results.** In study {i}, sleep onset latency fell by {i + 3} minutes compared with placebo.\n"
    )


def _corpus(settings, n: int = 3) -> None:
    for i in range(n):
        (settings.corpus_dir / f"doc{i}.md").write_text(_doc(i))


def _collections(settings) -> set[str]:
    return {c if isinstance(c, str) else c.name for c in chroma_client(settings).list_collections()}


def _fresh_clients() -> None:
    """What a new process sees: no cached Chroma client (the cached one would keep a deleted database open)."""
    from chromadb.api.shared_system_client import SharedSystemClient

    from core.store import _persistent_client

    _persistent_client.cache_clear()
    SharedSystemClient.clear_system_cache()


def _answers(settings) -> bool:
    snap = open_snapshot(settings)
    res = snap.collection().query(query_embeddings=[FakeEmbeddings().embed_query("sleep onset latency in study 1")], n_results=2)
    return bool(res["ids"][0]) and set(res["ids"][0]) <= set(snap.chunks)


class Killed(BaseException):
    """Stands for SIGKILL between staging a version and switching it live (nothing after it runs)."""


def _killed_build(settings) -> None:
    def audit_step(snapshot, previous):
        raise Killed()

    with pytest.raises(Killed):
        run_ingest(settings, audit_step=audit_step, embeddings=FakeEmbeddings())


# --- 3. pruning after a crash -------------------------------------------------------------------


def test_half_built_version_never_pushes_out_the_live_one(settings):
    _corpus(settings, 2)
    run_ingest(settings, audit=False, embeddings=FakeEmbeddings())
    v1 = open_snapshot(settings)
    (settings.corpus_dir / "doc2.md").write_text(_doc(2))
    _killed_build(settings)  # v2 staged (folder and collection complete), never switched live
    assert (snapshots_dir(settings) / "v2" / "manifest.json").exists() and open_snapshot(settings).version == "v1"

    s = run_ingest(settings, audit=False, embeddings=FakeEmbeddings())
    assert s.version == "v3"
    # keep_versions=2 keeps the two newest versions that went live: v1 and v3, not the dead v2
    assert sorted(p.name for p in snapshots_dir(settings).iterdir()) == ["v1", "v3"]
    assert _collections(settings) == {v1.collection_name, open_snapshot(settings).collection_name}
    assert _answers(settings) and open_snapshot(settings, "v1").collection().count() == len(v1.chunks)


def test_leftovers_of_a_kill_are_removed_by_the_next_ingest_even_without_changes(settings):
    _corpus(settings, 2)
    run_ingest(settings, audit=False, embeddings=FakeEmbeddings())
    live = open_snapshot(settings)
    (settings.corpus_dir / "doc2.md").write_text(_doc(2))
    _killed_build(settings)
    (settings.corpus_dir / "doc2.md").unlink()  # the corpus is back to what v1 holds: nothing to write
    s = run_ingest(settings, audit=False, embeddings=FakeEmbeddings())
    assert not s.changed and "snapshots/v2" in s.cleaned and "interrupted ingest" in s.format()
    assert sorted(p.name for p in snapshots_dir(settings).iterdir()) == ["v1"]
    assert _collections(settings) == {live.collection_name}
    assert not (settings.store_dir / "BUILDING").exists() and _answers(settings)

    # a kill during pruning: a collection without its folder, and the marker still there
    get_collection(chroma_client(settings), collection_name(settings, "v7"), create=True)
    (settings.store_dir / "BUILDING").write_text("v7\n")
    s = run_ingest(settings, audit=False, embeddings=FakeEmbeddings())
    assert collection_name(settings, "v7") in s.cleaned and _collections(settings) == {live.collection_name}
    assert run_ingest(settings, audit=False, embeddings=FakeEmbeddings()).cleaned == []  # nothing left: the fast path stays quiet


# --- 4. a damaged store ---------------------------------------------------------------------------


def _built(settings, n: int = 3):
    _corpus(settings, n)
    run_ingest(settings, audit=False, embeddings=FakeEmbeddings())
    return open_snapshot(settings)


class MustNotEmbed(FakeEmbeddings):
    def embed_documents(self, texts):
        raise AssertionError(f"re-embedded {len(texts)} chunks that had stored vectors")


def test_missing_bm25_index_is_reported_and_rebuilt_from_stored_vectors(settings):
    v1 = _built(settings)
    shutil.rmtree(v1.path / "bm25")
    with pytest.raises(StoreDamagedError, match=r"^store version v1 is damaged: its BM25 index is missing; run `python -m cli ingest`"):
        open_snapshot(settings)
    s = run_ingest(settings, audit=False, embeddings=MustNotEmbed())
    assert s.changed and s.version == "v2" and s.reused == s.chunks and s.embedded == 0
    assert any("BM25 index is missing" in r for r in s.repaired) and "rebuilt from what was intact" in s.format()
    assert _answers(settings) and (open_snapshot(settings).path / "bm25" / "ids.json").exists()
    assert not run_ingest(settings, audit=False, embeddings=FakeEmbeddings()).changed


@pytest.mark.parametrize("damage", ["deleted", "truncated"])
def test_damaged_vector_database_is_reported_and_rebuilt(settings, damage):
    v1 = _built(settings)
    db = settings.store_dir / "chroma" / "chroma.sqlite3"
    if damage == "deleted":
        db.unlink()
    else:
        with open(db, "r+b") as fh:
            fh.truncate(db.stat().st_size // 2)
    _fresh_clients()
    with pytest.raises(StoreDamagedError, match="run `python -m cli ingest` to repair it") as err:
        open_snapshot(settings).collection()
    assert "\n" not in str(err.value)
    _fresh_clients()
    s = run_ingest(settings, audit=False, embeddings=FakeEmbeddings())
    assert s.changed and s.repaired and s.embedded == s.chunks == len(v1.chunks)  # the vectors were lost: computed again
    _fresh_clients()
    assert _answers(settings) and not run_ingest(settings, audit=False, embeddings=FakeEmbeddings()).changed
    if damage == "truncated":
        assert (settings.store_dir / "chroma.damaged").is_dir()  # kept aside, not deleted


def test_current_naming_a_missing_version_reuses_the_intact_one(settings):
    v1 = _built(settings)
    (settings.store_dir / "CURRENT").write_text("v2\n")  # e.g. v2's folder deleted by hand
    with pytest.raises(StoreDamagedError, match=r"CURRENT names version v2, which is missing or incomplete \(v1 is intact\)"):
        open_snapshot(settings)
    s = run_ingest(settings, audit=False, embeddings=MustNotEmbed())
    assert s.version == "v3" and s.reused == len(v1.chunks) and s.embedded == 0 and s.repaired
    assert set(open_snapshot(settings).documents()) == set(v1.documents()) and _answers(settings)


def test_collection_with_wrong_count_is_refilled(settings):
    v1 = _built(settings)
    lost = sorted(v1.chunks)[:2]
    v1.collection().delete(ids=lost)
    s = run_ingest(settings, audit=False, embeddings=FakeEmbeddings())
    assert s.changed and s.embedded == 2 and s.reused == len(v1.chunks) - 2
    assert any("holds" in r and "vectors" in r for r in s.repaired)
    assert open_snapshot(settings).collection().count() == len(v1.chunks)


def test_inconsistent_manifest_rebuilds_from_the_files(settings):
    v1 = _built(settings)
    lines = (v1.path / "chunks.jsonl").read_text().splitlines()
    (v1.path / "chunks.jsonl").write_text("\n".join(lines[:-1]) + "\n")  # one chunk lost from the file
    s = run_ingest(settings, audit=False, embeddings=MustNotEmbed())  # every document is loaded again; vectors are reused by chunk id
    assert s.changed and s.embedded == 0 and s.reused == len(v1.chunks) and any("not the same" in r for r in s.repaired)
    assert set(open_snapshot(settings).chunks) == set(v1.chunks)


def test_force_rebuilds_from_scratch(settings):
    v1 = _built(settings)
    s = run_ingest(settings, audit=False, force=True, embeddings=FakeEmbeddings())
    assert s.forced and s.changed and s.version == "v2" and s.embedded == len(v1.chunks) and s.reused == 0
    assert "--force" in s.format() and _answers(settings)


def test_damaged_store_gives_one_line_at_the_cli(settings, capsys):
    from cli import ask as cli_ask
    from services import build_services

    v1 = _built(settings)
    shutil.rmtree(v1.path / "bm25")
    code = cli_ask.main(["ask", "does magnesium change sleep?"], services=build_services(settings, embedder=FakeEmbeddings()))
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: store version v1 is damaged") and err.count("\n") == 1 and "Traceback" not in err


def test_ingest_cli_force_flag(settings, capsys, monkeypatch):
    from cli import ingest as ingest_cli

    _built(settings, 2)
    monkeypatch.setenv("MGC_EMBEDDING_MODEL", "fake")
    monkeypatch.setenv("MGC_FETCH_ONLINE", "false")
    code = ingest_cli.main(["ingest", "--corpus", str(settings.corpus_dir), "--store", str(settings.store_dir), "--no-audit", "--force", "--json"])
    import json

    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["forced"] and out["version"] == "v2" and out["reused"] == 0
    assert os.path.exists(settings.store_dir / "snapshots" / "v2" / "bm25")


def test_ingest_checks_an_unreachable_server_before_embedding(settings):
    import socket

    from core.errors import StoreUnavailableError

    _corpus(settings, 2)
    with socket.socket() as sock:  # bound, never listening: connections are refused for the whole test
        sock.bind(("127.0.0.1", 0))
        st = settings.model_copy(update={"chroma": settings.chroma.model_copy(update={"host": "127.0.0.1", "port": sock.getsockname()[1]})})
        with pytest.raises(StoreUnavailableError, match="is not reachable"):
            run_ingest(st, audit=False, embeddings=MustNotEmbed())


def test_twenty_threads_open_the_store_from_cold(settings):
    """The first queries of a process arrive together: the Chroma client must be created once, under a lock
    (unlocked, 2-11 of 20 failed with "Could not connect to tenant default_tenant" or a KeyError)."""
    import threading

    v1 = _built(settings)
    _fresh_clients()
    errors: list[BaseException] = []
    counts: list[int] = []
    start = threading.Barrier(20)

    def first_query():
        try:
            start.wait()
            counts.append(open_snapshot(settings).collection().count())
        except BaseException as exc:  # noqa: BLE001 - collected and asserted on below
            errors.append(exc)

    threads = [threading.Thread(target=first_query) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    assert counts == [len(v1.chunks)] * 20


def test_embedded_collections_made_under_another_base_name_are_still_this_stores(settings):
    # the collection base name is a setting (default "corpus"); an embedded store made under another one keeps its
    # vectors (reused, not re-embedded) and its old collections are pruned like any others
    old = settings.model_copy(update={"chroma": settings.chroma.model_copy(update={"collection": "oldname"})})
    _corpus(old)
    run_ingest(old, audit=False, embeddings=FakeEmbeddings())
    assert any(n.startswith("oldname__") for n in _collections(old))
    (settings.corpus_dir / "doc9.md").write_text(_doc(9))
    s = run_ingest(settings, audit=False, embeddings=FakeEmbeddings())
    assert s.added == ["doc9"] and s.reused > 0  # the old-named vectors were reused, not re-embedded
    for i in range(10, 12):  # two more versions: the one made under the old name falls out of keep_versions
        (settings.corpus_dir / f"doc{i}.md").write_text(_doc(i))
        run_ingest(settings, audit=False, embeddings=FakeEmbeddings())
    assert not any(n.startswith("oldname__") for n in _collections(settings))
    assert _answers(settings)
