"""Hybrid retriever on a tiny store built with the fake embedder."""

from __future__ import annotations

import pytest

from chatbot.retrieval import Filters, get_retriever, rrf_fuse
from services import build_services
from fakes import FakeEmbeddings
from core.store import StoreMissingError, write_version
from core.types import Chunk

DOCS = [
    ("keyora", "article", None, "Magnesium glycinate is 80% bioavailable and crosses into neurons."),
    ("firoz2001", "literature", 2001, "Magnesium oxide fractional absorption was only 4% in the urinary excretion study."),
    ("firoz2001", "literature", 2001, "Chloride, lactate and aspartate were absorbed equally and better than oxide."),
    ("firoz2001", "literature", 2001, "Oxide absorption of magnesium was lowest of the four products."),
    ("yamadera2007", "literature", 2007, "Glycine 3 g before bed improved subjective sleep quality."),
    ("kawai2015", "literature", 2015, "Rats given oral glycine had more NREM sleep and lower core temperature."),
    ("mah2021", "literature", 2021, "Meta-analysis: magnesium shortened sleep onset latency by 17 minutes in older adults."),
]


def _store(settings):
    chunks = [
        Chunk(
            chunk_id=f"c{i}",
            doc_id=d,
            text=t,
            start=0,
            end=len(t),
            sentences=[(0, len(t))],
            role=r,
            year=y,
            study_type="article" if r == "article" else ("animal" if d == "kawai2015" else "rct"),
            title=d,
        )
        for i, (d, r, y, t) in enumerate(DOCS)
    ]
    emb = FakeEmbeddings()
    write_version(settings, chunks, emb.embed_documents([c.text for c in chunks]), {"documents": {}})
    return build_services(settings).retriever()


def test_rrf_uses_ranks_not_scores():
    fused = rrf_fuse([["a", "b", "c"], ["b", "c", "a"]], k=60)
    assert [d for d, _ in fused][:1] == ["b"]  # 2nd + 1st beats 1st + 3rd
    assert rrf_fuse([["x"], []])[0][0] == "x"


def test_search_finds_lexical_and_dense_matches(settings):
    r = _store(settings)
    hits = r.search("oxide absorption", k=3)
    assert hits[0].chunk.doc_id == "firoz2001"
    assert all(h.rank >= 1 for h in hits)


def test_diversity_caps_passages_per_document(settings):
    settings.retrieval.max_per_doc = 1
    r = _store(settings)
    hits = r.search("magnesium oxide absorption", k=4)
    docs = [h.chunk.doc_id for h in hits]
    assert docs.count("firoz2001") == 1


def test_article_passage_included_when_relevant(settings):
    r = _store(settings)
    hits = r.search("magnesium glycinate bioavailable absorption", k=3)
    assert any(h.chunk.role == "article" for h in hits)
    assert any(h.chunk.role == "literature" for h in hits)


def test_filters(settings):
    r = _store(settings)
    assert all(h.chunk.role == "literature" for h in r.search("glycinate", k=5, filters=Filters(role="literature")))
    assert {h.chunk.doc_id for h in r.search("sleep", k=5, filters=Filters(year_min=2010))} <= {"kawai2015", "mah2021"}
    assert {h.chunk.study_type for h in r.search("sleep glycine", k=5, filters=Filters(study_types=["animal"]))} == {"animal"}
    assert {h.chunk.doc_id for h in r.search("sleep", k=5, filters=Filters(doc_ids=["mah2021"]))} == {"mah2021"}


def test_langchain_interface(settings):
    r = _store(settings)
    docs = r.invoke("glycine sleep")
    assert docs and docs[0].metadata["doc_id"] in {"yamadera2007", "kawai2015"}
    assert "score" in docs[0].metadata


def test_missing_store_is_clear(settings):
    with pytest.raises(StoreMissingError, match="python -m cli ingest"):
        build_services(settings).retriever()


def test_reranker_sums_standardised_signals_with_the_configured_weights(settings):
    """The reranker orders by w_ce*z(logit) + w_dense*z(cosine) + w_bm25*z(BM25) over the reranked head:
    the retriever hands it each passage's own cosine and BM25 score, and the weights decide."""
    import numpy as np

    from chatbot import rerank
    from chatbot.fusion import standardise

    r = _store(settings)
    passages = r.search("magnesium oxide absorption", k=3, diversify=False)
    assert all(p.dense_score is not None and -1.0 <= p.dense_score <= 1.0 for p in passages)
    assert any(p.bm25_score for p in passages)
    ce = object.__new__(rerank.CrossEncoderReranker)  # a stub scorer makes the fusion arithmetic exact
    ce.scores = lambda query, texts: np.arange(len(texts), dtype=np.float32)  # reverses the hybrid order
    ce.weights = (1.0, 0.0, 0.0)  # the cross-encoder alone
    out = ce.rerank("magnesium oxide absorption", passages, top=3)
    assert [p.chunk.chunk_id for p in out] == [p.chunk.chunk_id for p in reversed(passages)]
    assert [p.extra["rerank_score"] for p in out] == [2.0, 1.0, 0.0]
    ce.weights = (0.0, 1.0, 0.0)  # cosine alone: the dense order
    out = ce.rerank("magnesium oxide absorption", passages, top=3)
    assert [p.chunk.chunk_id for p in out] == [p.chunk.chunk_id for p in sorted(passages, key=lambda p: -p.dense_score)]
    ce.weights = (1.0, 1.0, 0.75)
    out = ce.rerank("magnesium oxide absorption", passages, top=3)
    want = standardise([0.0, 1.0, 2.0]) + standardise([p.dense_score for p in passages]) + 0.75 * standardise([p.bm25_score for p in passages])
    assert sorted(p.score for p in out) == pytest.approx(sorted(want.tolist()))
    assert [p.rank for p in out] == [1, 2, 3]
    with pytest.raises(rerank.MissingRerankerError):
        rerank.get_reranker(settings.model_copy(update={"reranker_model": settings.store_dir / "none"}))


def test_reranker_rescores_only_the_configured_number_of_candidates(settings):
    """Settings.retrieval.rerank_candidates bounds the reranker's cost: it sees that many fused passages, no more."""
    seen = []

    class Spy:
        def rerank(self, query, passages, top=30):
            seen.append((len(passages), top))
            return passages

    r = _store(settings)
    few = settings.model_copy(update={"retrieval": settings.retrieval.model_copy(update={"rerank_candidates": 2})})
    spied = get_retriever(few, r.snapshot, embeddings=FakeEmbeddings(), reranker=Spy())
    assert spied.search("magnesium oxide absorption", k=3)
    assert seen and all(top == 2 for _, top in seen) and all(n > 2 for n, _ in seen)


@pytest.mark.parametrize("n", [1, 3, 5])
def test_retriever_reranks_exactly_the_configured_number_of_candidates(settings, n):
    """With rerank_candidates=n the reranker rescores the hybrid's first n fused passages, exactly those,
    and every passage after them keeps its hybrid order (tests/fakes.FakeReranker reverses what it rescores)."""
    from fakes import FakeReranker

    r = _store(settings)
    hybrid = [p.chunk.chunk_id for p in r.search("magnesium absorption sleep", k=8, diversify=False)]
    assert len(hybrid) > n + 1
    fake = FakeReranker()
    s = settings.model_copy(update={"retrieval": settings.retrieval.model_copy(update={"rerank_candidates": n})})
    out = get_retriever(s, r.snapshot, embeddings=FakeEmbeddings(), reranker=fake).search("magnesium absorption sleep", k=8, diversify=False)
    assert fake.rescored == [hybrid[:n]]
    assert [p.chunk.chunk_id for p in out] == hybrid[:n][::-1] + hybrid[n:]


def test_cross_encoder_scores_only_the_head_it_is_given(settings):
    """CrossEncoderReranker.rerank sends the model the first ``top`` passages and no others."""
    import numpy as np

    from chatbot import rerank

    r = _store(settings)
    passages = r.search("magnesium absorption sleep", k=8, diversify=False)
    scored = []
    ce = object.__new__(rerank.CrossEncoderReranker)
    ce.scores = lambda query, texts: scored.append(len(texts)) or np.zeros(len(texts), dtype=np.float32)
    ce.weights = (1.0, 1.0, 0.75)
    out = ce.rerank("magnesium absorption sleep", passages, top=4)
    assert scored == [4] and len(out) == len(passages)
    assert [p.chunk.chunk_id for p in out[4:]] == [p.chunk.chunk_id for p in passages[4:]]


def test_filtered_search_never_loops_over_chunks_in_python(settings, monkeypatch):
    """A filtered query masks BM25 rows with numpy columns built once per retriever, not Filters.matches per chunk."""
    r = _store(settings)
    calls = []
    monkeypatch.setattr(Filters, "matches", lambda self, c: calls.append(c) or True)
    hits = r.search("sleep", k=5, filters=Filters(year_min=2010))
    assert hits and {h.chunk.doc_id for h in hits} <= {"kawai2015", "mah2021"}
    assert calls == []


def test_filter_columns_agree_with_filters_matches(settings):
    import itertools

    from chatbot.retrieval import FilterColumns

    r = _store(settings)
    chunks = r.snapshot.chunks
    ids = list(r.lexical.ids) + ["gone"]  # a row whose chunk is missing never matches
    cols = FilterColumns.build(ids, chunks)
    options = itertools.product(
        [None, "article", "literature"], [None, ["rct"], ["animal", "article"]], [None, 2005], [None, 2015], [None, ["firoz2001", "kawai2015"]]
    )
    for role, types, y0, y1, docs in options:
        f = Filters(role=role, study_types=types, year_min=y0, year_max=y1, doc_ids=docs)
        want = [cid in chunks and f.matches(chunks[cid]) for cid in ids]
        assert cols.mask(f).tolist() == want, f


def test_bm25_index_is_loaded_once_per_store_version(settings):
    from core.lexical import LexicalIndex

    r = _store(settings)
    again = get_retriever(settings, r.snapshot, embeddings=FakeEmbeddings(), reranker=r.reranker)
    assert again.lexical is r.lexical
    assert LexicalIndex.load(r.snapshot.path / "bm25") is r.lexical


@pytest.mark.parametrize(
    "filters", [Filters(role="literature"), Filters(year_min=2005), Filters(study_types=["rct"], year_max=2010), Filters(doc_ids=["mah2021"])]
)
def test_broad_filters_skip_chromas_where_and_find_the_same_passages(settings, filters):
    """Chroma's where-filter collects every matching id per query; a broad filter is applied to an unfiltered search instead."""
    r = _store(settings)
    wheres = []
    coll = r._collection()
    real_query = coll.query

    class Spy:
        def query(self, **kw):
            wheres.append(kw.get("where"))
            return real_query(**kw)

    object.__setattr__(r, "_coll", Spy())
    got = [h.chunk.chunk_id for h in r.search("magnesium sleep oxide", k=4, filters=filters, diversify=False)]
    share = r._mask(filters).mean()
    assert (wheres == [None]) == (share >= settings.retrieval.dense_postfilter_share)
    strict = settings.model_copy(update={"retrieval": settings.retrieval.model_copy(update={"dense_postfilter_share": 1.01})})
    r2 = get_retriever(strict, r.snapshot, embeddings=FakeEmbeddings(), reranker=r.reranker)
    assert got == [h.chunk.chunk_id for h in r2.search("magnesium sleep oxide", k=4, filters=filters, diversify=False)]


def test_vocabulary_equals_the_union_of_tokenize():
    """core.lexical.vocabulary (stems each distinct word once; used for the out-of-corpus check) is tokenize's union."""
    from core.lexical import tokenize, vocabulary

    texts = [t for *_, t in DOCS] + ["Non-REM sleep, well-being and 5-HT2A; Magnesium's 3 g dose", "", "the of and"]
    assert vocabulary(texts) == {tok for t in texts for tok in tokenize(t)}
    assert vocabulary(iter(texts)) == vocabulary(texts)  # one pass over a generator is enough


def test_a_hyphenated_code_meets_its_spelling_without_the_hyphen():
    """Authors write one code both ways ("A-769662" / "A769662", "IL-6" / "IL6"): each spelling yields the other's token,
    so BM25 matches across them and neither looks absent from a corpus that has the other."""
    from core.lexical import LexicalIndex, tokenize

    assert "a769662" in tokenize("with A-769662") and "il6" in tokenize("IL-6 rose")
    idx = LexicalIndex.build(["ampk", "il"], ["C2 acts with the drug A769662 on AMPK.", "IL6 levels rose after surgery."])
    assert [c for c, _ in idx.search("A-769662", 2)] == ["ampk"] and [c for c, _ in idx.search("IL-6", 2)] == ["il"]
    idx = LexicalIndex.build(["ampk"], ["C2 acts with the drug A-769662 on AMPK."])
    assert [c for c, _ in idx.search("A769662", 2)] == ["ampk"]


def test_coded_column_matches_like_strings():
    import numpy as np

    from chatbot.retrieval import CodedColumn

    col = CodedColumn.build(["rct", "animal", "rct", "", "cohort"])
    assert col.isin(["rct"]).tolist() == [True, False, True, False, False]
    assert col.isin(["animal", "cohort", "unknown"]).tolist() == [False, True, False, False, True]
    assert not col.isin(["unknown"]).any() and not col.isin([]).any()
    assert col.codes.dtype == np.int32


def test_bm25_finds_a_spelling_variant_or_typo_of_an_indexed_word():
    """A query word the index lacks, one edit from an indexed word of 7+ letters ("diarrhea" / "diarrhoea", "anxeity"),
    matches that word; shorter words and codes never do ("DUSP4" must not find "DUSP6")."""
    from core.lexical import LexicalIndex

    idx = LexicalIndex.build(["gi", "mood", "gene"], ["Diarrhoea was common with citrate.", "Anxiety scores fell.", "DUSP6 was downregulated."])
    assert idx.variants("diarrhea") == ["diarrhoea"] and [c for c, _ in idx.search("does it cause diarrhea?", 3)] == ["gi"]
    assert [c for c, _ in idx.search("anxeity", 3)] == ["mood"]
    assert idx.variants("dusp4") == [] and idx.search("DUSP4", 3) == []
    assert idx.variants("zzzzzzzz") == []
