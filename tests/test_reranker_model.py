"""The shipped reranker (models/reranker) is a working ranking model, on queries it never trained on.

It trained on SciFact train claims outside core.splits' 'dev' split; these tests use only dev claims.
The negatives are abstracts sampled at random from the corpus, so the test checks that the weights
rank (not how well: that is `python -m evals beir ... --rerank --query-split dev`)."""

from __future__ import annotations

import functools
import json
import random

import numpy as np
import pytest

from conftest import SHARED

SCIFACT = SHARED / "datasets" / "scifact"


@functools.lru_cache(maxsize=None)
def _dev_cases(n: int, negatives: int) -> list[tuple[str, str, list[str]]]:
    from core.splits import claim_split
    from evals.beir import doc_text, load_beir

    corpus, queries, qrels = load_beir(SCIFACT, "train")
    ids = sorted(corpus)
    rng = random.Random(7)
    cases = []
    for q in sorted(qrels, key=int):
        if claim_split(q) != "dev" or q not in queries:
            continue
        pos = next(d for d, g in sorted(qrels[q].items()) if g > 0)
        negs = [d for d in rng.sample(ids, negatives + 5) if d not in qrels[q]][:negatives]
        cases.append((queries[q], doc_text(corpus[pos]), [doc_text(corpus[d]) for d in negs]))
        if len(cases) == n:
            break
    return cases


@pytest.fixture(scope="module")
def reranker():
    from chatbot.rerank import CrossEncoderReranker
    from core.settings import Settings

    path = Settings().reranker_model
    if not (path / "config.json").exists():
        pytest.skip(f"no reranker weights at {path}")
    if not (SCIFACT / "corpus.jsonl").exists():
        pytest.skip("no SciFact data in ../shared")
    return CrossEncoderReranker(path)


def test_cited_abstract_outranks_random_ones_on_held_out_claims(reranker):
    cases = _dev_cases(12, 7)
    ranks = []
    for claim, pos, negs in cases:
        s = reranker.scores(claim, [pos, *negs])
        ranks.append(int((s > s[0]).sum()) + 1)
    # a random scorer puts the cited abstract first 1 time in 8; the trained one nearly always
    assert sum(r == 1 for r in ranks) >= 10, ranks
    assert max(ranks) <= 3, ranks


def test_bf16_path_keeps_the_order(reranker):
    from chatbot.rerank import CrossEncoderReranker
    from core.precision import cpu_has_bf16

    if not cpu_has_bf16():
        pytest.skip("this CPU has no native bf16")
    fast = CrossEncoderReranker(reranker.tok.name_or_path, bf16=True)
    claim, pos, negs = _dev_cases(12, 7)[0]
    a, b = reranker.scores(claim, [pos, *negs]), fast.scores(claim, [pos, *negs])
    assert np.corrcoef(a, b)[0, 1] > 0.99
    assert int(np.argmax(a)) == int(np.argmax(b)) == 0


def test_small_batches_score_as_one_batch(reranker):
    """Length-sorted batches of a few pairs (Settings.retrieval.rerank_batch) pad less, not differently:
    the logits match one batch of all the pairs (fp32)."""
    claim, pos, negs = _dev_cases(12, 7)[1]
    texts = [pos, *negs, "Magnesium.", claim]
    small = reranker._score(texts, claim)
    reranker.batch_size = 32
    try:
        whole = reranker._score(texts, claim)
    finally:
        reranker.batch_size = 4
    assert np.allclose(small, whole, atol=1e-4)


def test_fusion_weights_come_from_settings(tmp_path):
    from chatbot import rerank
    from core.settings import Settings

    s = Settings(store_dir=tmp_path / "store")
    s = s.model_copy(update={"retrieval": s.retrieval.model_copy(update={"rerank_weight": 3.5, "rerank_dense_weight": 0.5, "rerank_bm25_weight": 0.0})})
    if not (s.reranker_model / "config.json").exists():
        pytest.skip("no reranker weights")
    assert rerank.get_reranker(s).weights == (3.5, 0.5, 0.0)
    assert json.loads((s.reranker_model / "metrics.json").read_text())["fold"] == 0  # trained with core.splits' dev held out


def test_a_pair_scored_before_is_not_scored_again(reranker, monkeypatch):
    """A claim-like question is searched three times, the first two over mostly the same passages: pairs scored
    once come from the reranker's cache, with the same logits, and only the new ones reach the model."""
    from chatbot import rerank

    claim, pos, negs = _dev_cases(1, 3)[0]
    reranker.clear_cache()
    first = reranker.scores(claim, [pos, *negs])
    seen = []
    real = reranker._score
    monkeypatch.setattr(reranker, "_score", lambda texts, query: seen.append(len(texts)) or real(texts, query))
    again = reranker.scores(claim, [negs[1], "An unrelated passage about coral reefs.", pos])
    assert seen == [1]  # only the new passage
    assert again[0] == first[2] and again[2] == first[0]
    monkeypatch.setattr(rerank, "CACHE_PAIRS", 2)
    reranker.scores(claim, ["Another passage, about tides."])
    assert len(reranker._seen) == 2  # bounded: the oldest pairs go first
    reranker.clear_cache()
