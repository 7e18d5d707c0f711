"""The reranker rescores as many candidates as its measured cost per pair fits in the budget (chatbot.rerank_budget)."""

from __future__ import annotations

import logging

import pytest

from chatbot import rerank
from chatbot.rerank_budget import affordable_candidates, calibration_pairs, pair_cost_ms


@pytest.mark.parametrize(
    ("pair_ms", "budget", "want"),
    [
        (13.5, 225, 15),  # native bf16: 16 fit, capped at rerank_candidates
        (20.0, 225, 11),
        (46.0, 225, 0),  # fp32 without AVX512: 4 fit, fewer than rerank_fewest (5)
        (45.0, 225, 5),  # exactly rerank_fewest
        (500.0, 0, 15),  # no budget: always rerank_candidates
        (0.0, 225, 15),  # a cost too small to measure
    ],
)
def test_affordable_candidates(pair_ms, budget, want):
    assert affordable_candidates(pair_ms, budget, most=15, fewest=5) == want


def test_calibration_pairs_are_distinct_and_about_the_asked_length():
    pairs = calibration_pairs(4, 140)
    assert len({p for _, p in pairs}) == 4  # no pair is answered from the reranker's cache
    for q, p in pairs:
        assert 130 <= len(q.split()) + len(p.split()) <= 145


def test_pair_cost_is_the_median_per_pair_after_an_untimed_first_run(monkeypatch):
    clock = [0.0]
    calls = []

    def score(question, texts):  # a fake model: 5 ms a pair, except the first call (allocation) at 100 ms a pair
        calls.append(question)
        clock[0] += (0.1 if len(calls) == 1 else 0.005) * len(texts)

    import chatbot.rerank_budget as rb

    monkeypatch.setattr(rb.time, "perf_counter", lambda: clock[0])
    assert pair_cost_ms(score, calibration_pairs(4, 60), reps=3) == pytest.approx(5.0)
    assert len(calls) == 4 and len(set(calls)) == 4  # each timed run asks a new question: no cache answers it


class _Timed:
    """A reranker whose cost per pair is given, not measured."""

    def __init__(self, ms: float):
        self.ms, self.most, self.asked = ms, None, 0

    def pair_ms(self, tokens):
        self.asked += 1
        return self.ms


def _settings(tmp_path, **retrieval):
    from core.settings import Settings

    s = Settings(store_dir=tmp_path / "store")
    return s.model_copy(update={"retrieval": s.retrieval.model_copy(update={"rerank": True, **retrieval})})


def test_a_fast_machine_reranks_what_the_budget_buys_and_the_loaded_model_is_not_changed(tmp_path, monkeypatch):
    fast = _Timed(20.0)
    monkeypatch.setattr(rerank, "get_reranker", lambda s: fast)
    got = rerank.reranker_or_none(_settings(tmp_path))
    assert got is not fast and got.most == 11 and fast.most is None  # a copy carries the limit
    assert rerank.reranker_or_none(_settings(tmp_path, rerank_budget_ms=0)).most == 15  # no budget: no timing either
    assert fast.asked == 1


def test_a_slow_machine_keeps_the_hybrid_order_and_says_why_once(tmp_path, monkeypatch, caplog):
    slow = _Timed(54.0)
    monkeypatch.setattr(rerank, "get_reranker", lambda s: slow)
    with caplog.at_level(logging.INFO, logger="chatbot.rerank"):
        for _ in range(2):  # the model stays at hand (the off-topic check scores with it); searches do not reorder
            got = rerank.reranker_or_none(_settings(tmp_path))
            assert got is not slow and got.most == 0 and slow.most is None
    lines = [r.getMessage() for r in caplog.records if "hybrid order" in r.getMessage()]
    assert len(lines) == 1 and "54 ms" in lines[0] and "MGC_RETRIEVAL__RERANK_BUDGET_MS=0" in lines[0]
    assert rerank.reranker_or_none(_settings(tmp_path, rerank_budget_ms=0)).most == 15  # the way to rerank regardless


def test_a_limited_reranker_rescores_only_its_most(tmp_path):
    """The real model: a copy limited to 3 rescores 3 of 8 candidates, times a pair once, and shares the loaded model."""
    import copy

    from core.settings import Settings

    path = Settings().reranker_model
    if not (path / "config.json").exists():
        pytest.skip(f"no reranker weights at {path}")
    from chatbot.retrieval import Passage
    from answer_helpers import make_chunk

    model = rerank.CrossEncoderReranker(path)
    ms = model.pair_ms(40)
    assert ms > 0 and model.pair_ms(40) == ms  # measured once
    limited = copy.copy(model)
    limited.most = 3
    out = limited.rerank(
        "magnesium and sleep",
        [
            Passage(make_chunk(f"c{i}", f"Passage {i} on magnesium and sleep in adults."), 1.0 - i / 10, i + 1, dense_score=0.5, bm25_score=1.0)
            for i in range(8)
        ],
        top=15,
    )
    assert sum("rerank_score" in p.extra for p in out) == 3 and len(out) == 8
    assert limited.model is model.model and model.most is None


def test_reports_record_how_many_candidates_were_reranked_here(tmp_path):
    """Results depend on the machine now, so the eval report says what the budget left (evals.runner.provenance)."""
    from evals.report import _retrieval_desc
    from evals.runner import provenance

    s = _settings(tmp_path)
    limited = _Timed(54.0)
    limited.most = 0

    class Retr:
        reranker = limited
        snapshot = None
        embeddings = None

    assert rerank.reranked_candidates(None, s) == 0 and rerank.reranked_candidates(_Timed(1.0), s) == 15
    p = provenance(s, Retr(), "deterministic", None, None, 1, 0)
    assert p["reranked_candidates"] == 0 and p["inference"].startswith(("fp32", "bf16"))
    assert "0 candidates reranked here" in _retrieval_desc(p) and "inference " in _retrieval_desc(p)
