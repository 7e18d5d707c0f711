"""BEIR evaluation: metric definitions and the CLI on a tiny hand-made folder."""

from __future__ import annotations

import json
import math

import pytest

from evals.beir import evaluate, mrr_at, ndcg_at, recall_at

DOCS = {
    "d1": ("Magnesium and sleep", "Magnesium supplementation improved insomnia severity in elderly adults."),
    "d2": ("Citrate absorption", "Magnesium citrate was more bioavailable than magnesium oxide."),
    "d3": ("Glycine", "Glycine before bedtime improved subjective sleep quality."),
    "d4": ("NMDA block", "Extracellular magnesium blocks the NMDA receptor channel in a voltage-dependent way."),
    "d5": ("Cortisol", "Serum cortisol fell after magnesium in the trial."),
    "d6": ("Unrelated", "Coral reefs bleach when ocean temperatures rise."),
}
QUERIES = {
    "q1": "magnesium citrate bioavailable oxide",
    "q2": "NMDA receptor channel magnesium block",
    "q3": "coral reefs bleach ocean temperatures",
    "q4": "a query without qrels in this split",
}
QRELS = [("q1", "d2", 1), ("q2", "d4", 2), ("q2", "d1", 1), ("q3", "d6", 1)]


@pytest.fixture
def beir_dir(tmp_path):
    d = tmp_path / "tiny"
    (d / "qrels").mkdir(parents=True)
    (d / "corpus.jsonl").write_text("\n".join(json.dumps({"_id": k, "title": t, "text": x}) for k, (t, x) in DOCS.items()))
    (d / "queries.jsonl").write_text("\n".join(json.dumps({"_id": k, "text": v}) for k, v in QUERIES.items()))
    (d / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n" + "\n".join(f"{q}\t{c}\t{s}" for q, c, s in QRELS))
    return d


def test_ndcg_graded():
    assert ndcg_at(["a", "b", "c"], {"a": 1}) == 1.0
    assert ndcg_at(["x", "a"], {"a": 1}) == pytest.approx(1 / math.log2(3))
    dcg = 1 + 2 / math.log2(3)
    idcg = 2 + 1 / math.log2(3)
    assert ndcg_at(["a", "b"], {"a": 1, "b": 2}) == pytest.approx(dcg / idcg)
    assert ndcg_at(["x"] * 10 + ["a"], {"a": 1}, k=10) == 0.0
    assert ndcg_at(["a"], {"a": 0}) == 0.0  # grade 0 is not relevant


def test_recall_and_mrr():
    assert recall_at(["a", "x", "b"], {"a": 1, "b": 1, "c": 1}, k=100) == pytest.approx(2 / 3)
    assert recall_at(["a", "b"], {"a": 1, "b": 1}, k=1) == 0.5
    assert mrr_at(["x", "y", "a"], {"a": 1}) == pytest.approx(1 / 3)
    assert mrr_at(["x"] * 10 + ["a"], {"a": 1}) == 0.0


def test_evaluate_only_queries_with_qrels():
    out = evaluate({"q1": ["d2"], "q9": ["d1"]}, {"q1": {"d2": 1}})
    assert out == {"ndcg@10": 1.0, "recall@100": 1.0, "mrr@10": 1.0, "queries": 1}


def test_cli_on_tiny_folder(beir_dir, capsys, monkeypatch, tmp_path):
    from core.settings import get_settings

    from evals import beir
    from evals.__main__ import main

    monkeypatch.setenv("MGC_EMBEDDING_MODEL", "fake")
    monkeypatch.setattr(beir, "CACHE_DIR", tmp_path / "cache")
    get_settings.cache_clear()
    try:
        assert main(["beir", str(beir_dir), "--split", "test"]) == 0
    finally:
        get_settings.cache_clear()
    out = capsys.readouterr().out.strip()
    res = json.loads(out)  # exactly one JSON object on stdout
    assert set(res) == {"hybrid", "dense", "bm25"}
    for m in res.values():
        assert set(m) == {"ndcg@10", "recall@100", "mrr@10", "queries", "seconds"}
        assert m["queries"] == 3 and m["recall@100"] == 1.0
    assert res["bm25"]["mrr@10"] == 1.0  # every query names its document's words
    assert res["hybrid"]["ndcg@10"] >= 0.9
    assert list((tmp_path / "cache").glob("*.npy"))  # corpus vectors cached for the rerun


def test_cli_limit_and_missing_split(beir_dir, capsys, monkeypatch, tmp_path):
    from core.settings import get_settings

    from evals import beir

    monkeypatch.setenv("MGC_EMBEDDING_MODEL", "fake")
    monkeypatch.setattr(beir, "CACHE_DIR", tmp_path / "cache")
    get_settings.cache_clear()
    try:
        assert beir.main(["beir", str(beir_dir), "--split", "test", "--limit", "1"]) == 0
        assert json.loads(capsys.readouterr().out)["dense"]["queries"] == 1
        assert beir.main(["beir", str(beir_dir), "--split", "dev"]) == 2
        assert "qrels/dev.tsv" in capsys.readouterr().err
    finally:
        get_settings.cache_clear()


def test_rerank_without_weights_exits_2(beir_dir, capsys, monkeypatch, tmp_path):
    from core.settings import get_settings

    from evals import beir

    monkeypatch.setenv("MGC_EMBEDDING_MODEL", "fake")
    monkeypatch.setenv("MGC_RERANKER_MODEL", str(tmp_path / "no-reranker"))
    monkeypatch.setattr(beir, "CACHE_DIR", tmp_path / "cache")
    get_settings.cache_clear()
    try:
        with pytest.raises(SystemExit) as exc:
            beir.main(["beir", str(beir_dir), "--rerank"])
        assert exc.value.code == 2
        assert "reranker" in capsys.readouterr().err
    finally:
        get_settings.cache_clear()


def test_rerank_uses_the_products_candidate_count_unless_told(beir_dir, capsys, monkeypatch, tmp_path):
    """evals beir --rerank reranks Settings.retrieval.rerank_candidates documents, the chatbot's default path;
    --rerank-candidates N M scores each count as its own method."""
    from core.settings import get_settings
    from fakes import FakeReranker

    from evals import beir

    fake = FakeReranker()
    monkeypatch.setenv("MGC_EMBEDDING_MODEL", "fake")
    monkeypatch.setenv("MGC_RETRIEVAL__RERANK_CANDIDATES", "3")
    monkeypatch.setattr(beir, "CACHE_DIR", tmp_path / "cache")
    monkeypatch.setattr(beir, "_reranker", lambda settings: fake)
    get_settings.cache_clear()
    try:
        assert beir.main(["beir", str(beir_dir), "--rerank"]) == 0
        assert "hybrid+rerank" in json.loads(capsys.readouterr().out)
        assert fake.calls and {top for _, top in fake.calls} == {3}
        fake.calls.clear()
        assert beir.main(["beir", str(beir_dir), "--rerank", "--rerank-candidates", "2", "4"]) == 0
        res = json.loads(capsys.readouterr().out)
        assert {"hybrid+rerank@2", "hybrid+rerank@4"} <= set(res) and "hybrid+rerank" not in res
        assert [top for _, top in fake.calls] == [4, 2] * 3  # per query, the largest count first
        with pytest.raises(SystemExit):
            beir.main(["beir", str(beir_dir), "--rerank-candidates", "2"])  # without --rerank
    finally:
        get_settings.cache_clear()


def test_best_passage_docs_ranks_a_document_at_its_best_passage():
    from evals.beir import best_passage_docs

    owner = {"a1": "A", "a2": "A", "b1": "B", "c1": "C"}
    assert best_passage_docs(["b1", "a2", "a1", "c1"], owner, 10) == ["B", "A", "C"]
    assert best_passage_docs(["b1", "a2", "a1", "c1"], owner, 2) == ["B", "A"]


def test_passages_are_cut_by_the_ingest_chunker():
    from core.settings import ChunkSettings

    from evals.beir import passages_of

    long_text = " ".join(f"Sentence number {i} about coral reefs and warm water." for i in range(60))
    corpus = {"long": {"title": "Reefs", "text": long_text}, "short": {"title": "Short", "text": "One short abstract."}}
    pids, owners, dense, lex = passages_of(corpus, ChunkSettings(size=300, overlap=0, min_size=50))
    assert owners.count("long") > 1 and owners.count("short") == 1
    assert all(len(t) <= 300 for t, o in zip(dense, owners) if o == "long")
    assert all(x.startswith("Reefs") for x, o in zip(lex, owners) if o == "long")  # BM25 sees the title, as in the store
    assert "".join(dense).count("Sentence number 59") == 1


def test_cli_passage_mode(beir_dir, capsys, monkeypatch, tmp_path):
    from core.settings import get_settings

    from evals import beir

    monkeypatch.setenv("MGC_EMBEDDING_MODEL", "fake")
    monkeypatch.setattr(beir, "CACHE_DIR", tmp_path / "cache")
    get_settings.cache_clear()
    try:
        assert beir.main(["beir", str(beir_dir), "--split", "test", "--passages"]) == 0
    finally:
        get_settings.cache_clear()
    res = json.loads(capsys.readouterr().out)
    assert res["bm25"]["mrr@10"] == 1.0 and res["hybrid"]["queries"] == 3


def test_query_split_scores_only_that_claim_split(beir_dir, capsys, monkeypatch, tmp_path):
    """A trained reranker is scored on the queries it never trained on: --query-split selects them by
    core.splits.claim_split, and the two splits partition the queries."""
    from core.settings import get_settings
    from core.splits import claim_split

    from evals import beir

    monkeypatch.setenv("MGC_EMBEDDING_MODEL", "fake")
    monkeypatch.setattr(beir, "CACHE_DIR", tmp_path / "cache")
    for name in ("queries.jsonl", "qrels/test.tsv"):  # q6 falls in the dev split, q1 and q2 in train
        f = beir_dir / name
        f.write_text(f.read_text().replace('"q3"', '"q6"').replace("q3\t", "q6\t"))
    with_qrels = {"q1", "q2", "q6"}
    expected = {s: sum(claim_split(q) == s for q in with_qrels) for s in ("train", "dev")}
    get_settings.cache_clear()
    try:
        counts = {}
        for split in ("train", "dev", *(f"fold{k}" for k in range(5))):
            assert beir.main(["beir", str(beir_dir), "--split", "test", "--query-split", split]) == 0
            counts[split] = json.loads(capsys.readouterr().out)["hybrid"]["queries"]
    finally:
        get_settings.cache_clear()
    assert expected == {"train": 2, "dev": 1}
    assert {k: counts[k] for k in ("train", "dev")} == expected
    # the cross-fit's five folds partition the queries, and fold 0 is the dev split
    assert sum(counts[f"fold{k}"] for k in range(5)) == 3 and counts["fold0"] == counts["dev"]


def test_crossfit_merges_the_five_folds_into_every_query(beir_dir, capsys, monkeypatch, tmp_path):
    """--crossfit M0..M4: model K reranks fold K, and the merged figures weight each fold by its queries, so the
    hybrid's merged nDCG is exactly its nDCG over all queries (the reranker does not touch it)."""
    from core.settings import PROJECT_ROOT, get_settings

    from evals import beir

    shipped = PROJECT_ROOT / "models" / "reranker"
    if not (shipped / "config.json").exists():
        pytest.skip("no reranker weights")
    monkeypatch.setenv("MGC_EMBEDDING_MODEL", "fake")
    monkeypatch.setattr(beir, "CACHE_DIR", tmp_path / "cache")
    get_settings.cache_clear()
    try:
        assert beir.main(["beir", str(beir_dir), "--split", "test"]) == 0
        whole = json.loads(capsys.readouterr().out)
        assert beir.main(["beir", str(beir_dir), "--split", "test", "--crossfit", *[str(shipped)] * 5]) == 0
        res = json.loads(capsys.readouterr().out)
        assert beir.main(["beir", str(beir_dir), "--split", "test", "--crossfit", *[str(tmp_path / "none")] * 5]) == 2
        assert "holds no reranker" in capsys.readouterr().err
    finally:
        get_settings.cache_clear()
    assert set(res) == {"all", *(f"fold{k}" for k in range(5))}
    assert res["all"]["hybrid+rerank"]["queries"] == res["all"]["hybrid"]["queries"] == whole["hybrid"]["queries"] == 3
    assert sum(res[f"fold{k}"]["hybrid"]["queries"] for k in range(5)) == 3
    assert res["all"]["hybrid"]["ndcg@10"] == pytest.approx(whole["hybrid"]["ndcg@10"], abs=1e-4)
    assert 0.0 <= res["all"]["hybrid+rerank"]["ndcg@10"] <= 1.0
