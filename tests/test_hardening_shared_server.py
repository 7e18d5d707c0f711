"""Two stores on one `chroma run` server (issue 14): each creates and prunes only its own collections."""

from __future__ import annotations


import pytest

from fakes import FakeEmbeddings
from core.settings import Settings
from core.store import chroma_client, open_snapshot
from ingest.pipeline import run_ingest
from tests.test_ingest_integration import chroma_server, wait_for_chroma_api  # noqa: F401 - the fixture that starts `chroma run` on loopback

pytestmark = pytest.mark.integration


def _doc(store: str, i: int) -> str:
    return (
        f'---\nid: {store}doc{i}\ntitle: "Study {i} of {store}"\n---\n\n'
        f"Study {i} of {store} asked whether magnesium dose {i}00 mg changes sleep. Sleep onset latency fell by {i + 3} minutes.\n"
    )


def _store(tmp_path, name: str, port: int) -> Settings:
    (tmp_path / name / "corpus").mkdir(parents=True)
    return Settings(
        store_dir=tmp_path / name / "store",
        corpus_dir=tmp_path / name / "corpus",
        embedding_model="fake",
        fetch_online=False,
        chroma={"host": "127.0.0.1", "port": port},
    )


def _answers(settings) -> set[str]:
    snap = open_snapshot(settings)
    res = snap.collection().query(query_embeddings=[FakeEmbeddings().embed_query("sleep onset latency")], n_results=3)
    assert set(res["ids"][0]) <= set(snap.chunks)
    return {snap.chunks[c].doc_id for c in res["ids"][0]}


def test_two_stores_on_one_server_never_delete_each_other(tmp_path, chroma_server):  # noqa: F811
    a, b = _store(tmp_path, "a", chroma_server), _store(tmp_path, "b", chroma_server)
    wait_for_chroma_api(a)
    for i in range(2):
        (a.corpus_dir / f"doc{i}.md").write_text(_doc("a", i))
        (b.corpus_dir / f"doc{i}.md").write_text(_doc("b", i))
    assert run_ingest(a, audit=False, embeddings=FakeEmbeddings()).version == "v1"
    a1 = open_snapshot(a).collection_name
    for n in range(2, 5):  # store b goes through versions v1..v3, pruning each time (keep_versions=2)
        (b.corpus_dir / f"doc{n}.md").write_text(_doc("b", n))
        run_ingest(b, audit=False, embeddings=FakeEmbeddings())
    b_live = open_snapshot(b)
    assert b_live.version == "v3" and a1 != b_live.collection_name

    names = {c if isinstance(c, str) else c.name for c in chroma_client(a).list_collections()}
    assert a1 in names  # b's pruning left a's live collection alone
    assert _answers(a) <= {"adoc0", "adoc1"} and _answers(b) <= {f"bdoc{i}" for i in range(5)}
    assert not run_ingest(a, audit=False, embeddings=FakeEmbeddings()).changed  # a is whole: nothing to repair, nothing re-embedded
    (a.corpus_dir / "doc1.md").unlink()
    assert run_ingest(a, audit=False, embeddings=FakeEmbeddings()).version == "v2"
    names = {c if isinstance(c, str) else c.name for c in chroma_client(a).list_collections()}
    assert b_live.collection_name in names and open_snapshot(b).collection().count() == len(b_live.chunks)
