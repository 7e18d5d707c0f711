"""`python -m evals run` end to end with fakes: a tiny fake-embedder store, a fake answerer, a fake
claim checker and a toy entailment, so the runner, report and plots are tested without models."""

from __future__ import annotations

import json
import re

import pytest

from fakes import FakeEmbeddings
from core.store import write_version
from core.types import Chunk

DOCS = [
    ("keyora2025", "article", "Magnesium glycinate has 50-80% bioavailability and zero gastrointestinal discomfort."),
    ("schuette1994", "literature", "Absorption was 23.5% for the chelate vs 22.8% for magnesium oxide."),
    ("mah2021", "literature", "Sleep onset latency after treatment was 17.36 minutes shorter with magnesium."),
    ("nowak1984", "literature", "Magnesium gives a voltage-dependent block of NMDA receptor channels."),
]

QUESTIONS = [
    {
        "id": "q1",
        "question": "Absorption for the chelate vs magnesium oxide?",
        "category": "single_study",
        "history": [],
        "relevant_docs": ["schuette1994"],
        "relevant_chunks_contain": ["23.5% for the chelate"],
        "key_facts": [["23.5"], ["placebo"]],
        "must_flag": False,
        "answerable": True,
    },
    {
        "id": "q2",
        "question": "Is glycinate 80% bioavailable?",
        "category": "article_vs_literature",
        "history": [],
        "relevant_docs": ["keyora2025", "schuette1994"],
        "relevant_chunks_contain": [],
        "key_facts": [["23.5"]],
        "must_flag": True,
        "answerable": True,
    },
    {
        "id": "q3",
        "question": "Does ashwagandha lower cortisol?",
        "category": "unanswerable",
        "history": [],
        "relevant_docs": [],
        "relevant_chunks_contain": [],
        "key_facts": [],
        "must_flag": False,
        "answerable": False,
    },
    {
        "id": "q4",
        "question": "And by how many minutes?",
        "category": "follow_up",
        "history": ["What did the sleep meta-analysis find?"],
        "relevant_docs": ["mah2021"],
        "relevant_chunks_contain": [],
        "key_facts": [["17.36"]],
        "must_flag": False,
        "answerable": True,
    },
]
CLAIMS = [
    {"id": "c1", "claim": "Magnesium blocks NMDA channels voltage-dependently.", "label": "supported", "deciding_docs": ["nowak1984"], "note": ""},
    {"id": "c2", "claim": "Glycinate is 80% absorbed.", "label": "contradicted", "deciding_docs": ["schuette1994"], "note": ""},
    {"id": "c3", "claim": "Magnesium cures tinnitus.", "label": "no_evidence", "deciding_docs": [], "note": ""},
]


def _store(settings):
    chunks = [Chunk(chunk_id=f"c{i}", doc_id=d, text=t, start=0, end=len(t), sentences=[(0, len(t))], role=r, title=d) for i, (d, r, t) in enumerate(DOCS)]
    write_version(settings, chunks, FakeEmbeddings().embed_documents([c.text for c in chunks]), {"documents": {}})


def _fake_answer(retriever):
    def answer_fn(question, history):
        if "ashwagandha" in question:
            return {
                "answer": "The corpus does not answer this.",
                "citations": [],
                "flags": [],
                "verdict": None,
                "refused": True,
                "timings_ms": {"retrieve": 1.0, "total": 2.0},
            }
        ps = retriever.search(" ".join(history + [question]), k=2)
        body = "\n".join(f"- {p.chunk.text} [{i + 1}]" for i, p in enumerate(ps))
        cites = [{"n": i + 1, "doc_id": p.chunk.doc_id, "chunk_id": p.chunk.chunk_id, "text": p.chunk.text} for i, p in enumerate(ps)]
        flags = [{"claim_id": "k1", "verdict": "contradicted"}] if any(p.chunk.role == "article" for p in ps) else []
        return {
            "answer": "What the studies found\n" + body,
            "citations": cites,
            "flags": flags,
            "verdict": None,
            "refused": False,
            "timings_ms": {"retrieve": 3.0, "compose": 5.0, "total": 9.0},
        }

    return answer_fn


def _check(claim):
    if "NMDA" in claim:
        return {"verdict": "supported", "confidence": 0.9, "evidence": [{"doc_id": "nowak1984"}], "reasons": ["ok"]}
    if "80%" in claim:
        return {"verdict": "supported", "confidence": 0.6, "evidence": [{"doc_id": "schuette1994"}], "reasons": ["wrong"]}
    raise RuntimeError("checker crashed")


def _entails(premise, hypothesis):
    words = lambda s: set(re.findall(r"[a-z0-9.%]+", s.lower()))  # noqa: E731
    return words(hypothesis) <= words(premise)


def test_run_suite_and_report(settings, tmp_path):
    from services import build_services
    from evals.report import summary_text, write_report
    from evals.runner import provenance, run_suite

    _store(settings)
    r = build_services(settings).retriever()
    res = run_suite(QUESTIONS, CLAIMS, r, _fake_answer(r), _check, lambda q, h: " ".join(h + [q]), _entails, progress=False)
    m = res["metrics"]
    assert 0 <= m["retrieval.recall@10"] <= 1 and m["retrieval.recall@10"] > 0
    assert m["answer.refusal_correct_rate"] == 1.0
    assert m["answer.false_refusal_rate"] == 0.0
    assert m["citation.recall"] == 1.0  # extractive fake: every statement is its cited passage
    assert m["claims.false_supported"] == 1.0  # c2
    assert m["claims.accuracy"] == pytest.approx(1 / 3)  # c3 crashed -> "error", counted wrong
    assert "latency.answer.total.p50" in m and "latency.claim.check.p95" in m
    assert set(res["categories"]) == {q["category"] for q in QUESTIONS}
    q1 = next(q for q in res["questions"] if q["id"] == "q1")
    assert q1["key_facts"] == 0.5 and q1["missing_facts"] == [["placebo"]]
    res["provenance"] = provenance(settings, r, "deterministic", {"path": "models/verifier", "fingerprint": "abc"}, None, 4, 3)
    out = tmp_path / "report"
    paths = write_report(res, out)
    assert {p.name for p in paths} >= {"report.md", "results.json", "metrics.png", "confusion.png", "latency.png"}
    md = (out / "report.md").read_text()
    assert "produced by" in md and "models/verifier" in md and "rrf_k" in md and "Worst questions" in md
    data = json.loads((out / "results.json").read_text())
    assert all(isinstance(v, (int, float)) for v in data["metrics"].values())
    assert "answerer deterministic" in summary_text(res)


def test_main_without_store_is_clear(settings, monkeypatch, capsys):
    from core import settings as core_settings
    from evals.runner import main

    monkeypatch.setattr(core_settings, "get_settings", lambda: settings)
    assert main(["run", "--quiet"]) == 2
    assert "python -m cli ingest" in capsys.readouterr().err


def test_main_end_to_end_with_fakes(settings, monkeypatch, tmp_path, capsys):
    from core import settings as core_settings
    from evals import nli, runner

    _store(settings)
    monkeypatch.setattr(core_settings, "get_settings", lambda: settings)

    def fake_calls(s, retriever, answerer, with_claims):
        return _fake_answer(retriever), _check, (lambda q, h: " ".join(h + [q]))

    monkeypatch.setattr(runner, "_real_calls", fake_calls)
    monkeypatch.setattr(nli, "verifier_entailer", lambda s=None: (_entails, {"path": "fake", "fingerprint": "0"}))
    monkeypatch.setattr(runner, "load_questions", lambda subset=None: QUESTIONS)
    monkeypatch.setattr(runner, "load_claims", lambda subset=None: CLAIMS)
    out = tmp_path / "o"
    assert runner.main(["run", "--out", str(out), "--quiet", "--limit", "3"]) == 0
    printed = capsys.readouterr().out
    assert "Eval summary" in printed and "retrieval" in printed
    data = json.loads((out / "results.json").read_text())
    assert data["provenance"]["questions"] == 3 and data["provenance"]["command"].startswith("python -m evals run")


def test_windowed_entailer_caches_and_windows():
    import numpy as np

    from evals.nli import WindowedEntailer, premise_windows

    assert premise_windows("A one. B two. C three.", 2, singles=False) == ["A one. B two.", "B two. C three."]
    # every sentence is a window of its own too, so a neighbour cannot hide a quoted sentence
    assert premise_windows("A one. B two. C three.", 2) == ["A one.", "B two.", "C three.", "A one. B two.", "B two. C three."]
    assert premise_windows("A one.", 2) == ["A one."]
    calls = []

    def scorer(pairs):
        calls.append(len(pairs))
        return np.array([[0.9, 0.05, 0.05] if h.lower() in w.lower() else [0.1, 0.1, 0.8] for h, w in pairs])

    e = WindowedEntailer(scorer)
    assert e("A one. B two. C three.", "c three")
    assert not e("A one. B two. C three.", "d four")
    assert e("A one. B two. C three.", "c three")
    assert sum(calls) == 10  # 5 windows per statement; the repeated question was answered from the cache
    seen = []
    WindowedEntailer(lambda pairs: seen.extend(pairs) or np.zeros((len(pairs), 3)), max_words=5)("x y.", "a b c d e f g h")
    assert seen[0][0] == "a b c d e"  # over-long statements are cut before reaching the verifier


def test_threads_flag_survives_model_loads(monkeypatch):
    # `evals run --threads 2` used to be reset to Settings.torch_threads (1) by the first model load
    import torch

    from core.embeddings import apply_torch_threads
    from core.settings import Settings, get_settings
    from evals.runner import with_threads

    before = torch.get_num_threads()
    monkeypatch.delenv("MGC_TORCH_THREADS", raising=False)
    try:
        s = with_threads(Settings(), 2)
        apply_torch_threads()  # what every model load does
        assert s.torch_threads == 2 and get_settings().torch_threads == 2 and torch.get_num_threads() == 2
        assert with_threads(s, None) is s
    finally:
        monkeypatch.delenv("MGC_TORCH_THREADS", raising=False)
        get_settings.cache_clear()
        torch.set_num_threads(before)
