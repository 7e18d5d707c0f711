"""Unit tests for the eval metrics, the eval data files and `evals compare` (no models, no store)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from evals import metrics as M

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "evals" / "data"


# -- retrieval ---------------------------------------------------------------------------------------
def test_doc_ranking_dedupes_in_order():
    assert M.doc_ranking(["a", "b", "a", "c", "b"]) == ["a", "b", "c"]


def test_recall_mrr_ndcg():
    ranked = ["x", "a", "y", "b"]
    assert M.recall_at_k(ranked, ["a", "b"], 2) == 0.5
    assert M.recall_at_k(ranked, ["a", "b"], 4) == 1.0
    assert M.recall_at_k(ranked, [], 4) is None
    assert M.reciprocal_rank(ranked, ["b", "a"]) == 0.5
    assert M.reciprocal_rank(ranked, ["z"]) == 0.0
    assert M.ndcg_at_k(["a", "b"], ["a", "b"], 10) == pytest.approx(1.0)
    # one relevant at rank 2: (1/log2 3) / 1
    assert M.ndcg_at_k(["x", "a"], ["a"], 10) == pytest.approx(1 / 1.5849625, rel=1e-6)
    assert M.ndcg_at_k(["x"] * 10 + ["a"], ["a"], 10) == 0.0


def test_chunk_hit_rate_ignores_whitespace_and_case():
    assert M.chunk_hit_rate(["The  chelate\nwas 23.5% vs", "other"], ["chelate was 23.5%", "absent"]) == 0.5
    assert M.chunk_hit_rate(["x"], []) is None


# -- content, refusals, flags ------------------------------------------------------------------------
def test_key_facts_accept_any_spelling():
    ans = "Absorption was 23.5% for the chelate; oxide given as MgO."
    assert M.key_fact_hits(ans, [["23.5"], ["magnesium oxide", "oxide"], ["placebo"]]) == [True, True, False]
    assert M.key_fact_coverage(ans, [["23.5"], ["placebo"]]) == 0.5
    assert M.key_fact_coverage(ans, []) is None


def test_refusal_and_gap():
    assert M.is_refusal({"refused": True, "answer": ""})
    assert not M.is_refusal({"answer": "The corpus does not answer this."})
    assert M.refusal_correct({"refused": True, "answer": "The corpus does not answer this."})
    gap = [["breaks off", "not available"]]
    assert M.refusal_correct({"refused": False, "answer": "- The summary breaks off mid-sentence [1]"}, gap)
    assert not M.refusal_correct({"refused": False, "answer": "- Glycine 3 g improved sleep [1]"}, gap)
    # a hedge inside an unrelated extractive answer is not a refusal when no gap facts are labelled
    assert not M.refusal_correct({"refused": False, "answer": "- The abstract does not state the dose [1]"})


def test_flagged_by_flags_or_verdict():
    assert M.is_flagged({"flags": [{"claim_id": "x"}]})
    assert M.is_flagged({"flags": [], "verdict": {"verdict": "contradicted"}})
    assert not M.is_flagged({"flags": [], "verdict": {"verdict": "supported"}})
    assert not M.is_flagged({"flags": [], "verdict": None})


# -- citations ---------------------------------------------------------------------------------------
ANSWER = """Verdict: contradicted.

What the article says
- Glycinate is 50-80% bioavailable. [1]

What the studies found
- Absorption was 23.5% for the chelate. [2] (pharmacokinetic study, 1994)
- Both forms were absorbed alike [2, 3] and tolerated.
- An uncited statement here.
"""


def test_cited_sentences_parses_markers_and_skips_headings():
    got = M.cited_sentences(ANSWER)
    texts = [t for t, _ in got]
    assert "What the studies found" not in texts
    assert ("Glycinate is 50-80% bioavailable.", [1]) in got
    assert ("Absorption was 23.5% for the chelate.", [2]) in got
    assert ("Both forms were absorbed alike and tolerated.", [2, 3]) in got
    assert ("An uncited statement here.", []) in got
    assert M._numbers("1-3, 5") == [1, 2, 3, 5]


def _entails(premise: str, hypothesis: str) -> bool:
    """Toy NLI: every word of the hypothesis occurs in the premise."""
    words = lambda s: set(re.findall(r"[a-z0-9.]+", s.lower()))  # noqa: E731
    return words(hypothesis) <= words(premise)


def test_citation_recall_and_precision_alce():
    passages = {1: "alpha beta", 2: "gamma delta", 3: "unrelated words"}
    sents = [
        ("alpha beta", [1]),  # supported, precise
        ("alpha gamma", [1, 2]),  # needs both: both precise
        ("gamma delta", [2, 3]),  # 3 is redundant -> imprecise
        ("epsilon", [1]),  # unsupported -> its citation imprecise
        ("alpha", []),  # uncited -> recall 0
        ("alpha", [9]),  # unknown number -> cites nothing
    ]
    q = M.citation_quality(sents, passages, _entails)
    assert q["recall"] == pytest.approx(3 / 6)
    # citations: 1 + 2 + 2 + 1 + 0 + 1 = 7; precise: 1 + 2 + 1 + 0 + 0 + 0 = 4
    assert q["precision"] == pytest.approx(4 / 7)
    assert q["n_statements"] == 6


def test_citation_quality_empty():
    q = M.citation_quality([], {}, _entails)
    assert q["recall"] is None and q["precision"] is None


# -- claims and latency ------------------------------------------------------------------------------
def test_classification_summary():
    gold = ["supported", "contradicted", "mixed", "no_evidence", "contradicted"]
    pred = ["supported", "supported", "mixed", "no_evidence", "mixed"]
    s = M.classification_summary(gold, pred)
    assert s["accuracy"] == pytest.approx(3 / 5)
    assert s["false_supported"] == 1
    assert s["confusion"][1] == [1, 0, 1, 0]  # gold contradicted -> supported, mixed
    assert s["f1"]["contradicted"] == 0.0
    assert s["f1"]["supported"] == pytest.approx(2 / 3)
    assert s["macro_f1"] == pytest.approx((2 / 3 + 0 + 2 / 3 + 1) / 4)


def test_classification_skips_absent_class():
    s = M.classification_summary(["supported"], ["supported"])
    assert s["macro_f1"] == 1.0 and list(s["f1"]) == ["supported"]


def test_percentiles_and_latency_summary():
    assert M.percentile([1, 2, 3, 4], 50) == 2.5
    assert M.percentile([], 50) is None
    assert M.percentile(list(range(101)), 95) == pytest.approx(95)
    s = M.latency_summary([{"retrieval": 10, "total": 20}, {"retrieval": 30}, {"flag": True}])
    assert s["retrieval"]["p50"] == 20 and s["retrieval"]["n"] == 2
    assert s["total"]["n"] == 1 and "flag" not in s


# -- the data files ----------------------------------------------------------------------------------
def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _corpus_texts() -> dict[str, str]:
    norm = lambda t: re.sub(r"\s+", " ", t.replace("*", "")).strip().lower()  # noqa: E731
    texts = {p.stem: norm(p.read_text(encoding="utf-8")) for p in (ROOT / "corpus" / "literature").glob("*.md")}
    art = sorted((ROOT / "corpus" / "article").glob("*.txt"))
    if art:
        texts["keyora2025"] = norm(art[0].read_text(encoding="utf-8"))
    return texts


def test_question_set_is_well_formed():
    from evals.dataset import load_questions

    qs = load_questions()
    assert len(qs) >= 45
    assert len({q["id"] for q in qs}) == len(qs)
    cats = {q["category"] for q in qs}
    assert cats == {"single_study", "synthesis", "article_only", "article_vs_literature", "follow_up", "unanswerable", "adversarial"}
    texts = _corpus_texts()
    for q in qs:
        assert set(q) >= {"id", "question", "category", "history", "relevant_docs", "relevant_chunks_contain", "key_facts", "must_flag", "answerable"}
        for d in q["relevant_docs"]:
            assert d in texts, (q["id"], d)
        for s in q["relevant_chunks_contain"]:  # each snippet is really in one of the labelled documents
            assert any(re.sub(r"\s+", " ", s).lower() in texts[d] for d in q["relevant_docs"]), (q["id"], s)
        assert all(isinstance(alts, list) and alts for alts in q["key_facts"])
        if q["category"] == "follow_up":
            assert q["history"]
        if q["answerable"]:
            assert q["relevant_docs"], q["id"]
        else:
            assert not q["must_flag"]


# the kinds of question issue 11 asks the set to cover, each with a few items
QUESTION_TYPES = {"dose": 5, "effect_size": 5, "population": 5, "follow_up": 5, "strong_claim": 5, "unanswerable": 5}
# a right answer to "does X cure Y?" says that no study tested it: such a fact is an absence, not a quote
ABSENCE_FACTS = {"no study", "no trial", "not tested", "no cure"}


def test_question_set_covers_the_issue_types():
    """>= 90 questions; the typed ones (dose, effect size, population, follow-up, strong claim,
    unanswerable) are grounded: every key fact of an answerable one is spelled, in one of its accepted
    forms, in a labelled document (absence facts of strong claims excepted)."""
    from evals.dataset import load_questions

    qs = load_questions()
    assert len(qs) >= 90
    counts = {t: sum(q.get("type") == t for q in qs) for t in QUESTION_TYPES}
    assert all(counts[t] >= n for t, n in QUESTION_TYPES.items()), counts
    texts = _corpus_texts()
    norm = lambda t: re.sub(r"\s+", " ", t.replace("*", "")).strip().lower()  # noqa: E731
    for q in qs:
        if not q.get("type"):
            continue
        assert q["type"] in QUESTION_TYPES, q["id"]
        if q["type"] == "follow_up":
            assert q["history"], q["id"]
        if q["type"] == "strong_claim":
            assert q["must_flag"] and q["answerable"], q["id"]
        if not q["answerable"]:
            continue
        for alts in q["key_facts"]:
            if {a.lower() for a in alts} <= ABSENCE_FACTS:
                continue
            assert any(norm(a) in texts[d] for a in alts for d in q["relevant_docs"]), (q["id"], alts)


def test_answer_statements_leave_out_the_flag_appendix():
    text = "Lead sentence [1].\n\nWhat the studies found\n- A finding. [2]\n\nAudit flags here\n- Audit flag (UNSUPPORTED): x."
    assert M.answer_statements_text(text, "Audit flags here") == "Lead sentence [1].\n\nWhat the studies found\n- A finding. [2]"
    assert [t for t, _ in M.cited_sentences(M.answer_statements_text(text, "Audit flags here"))] == ["Lead sentence.", "A finding."]
    assert M.answer_statements_text("No appendix [1].", "Audit flags here") == "No appendix [1]."


def test_claim_set_is_balanced_and_grounded():
    from evals.dataset import load_claims

    cs = load_claims()
    assert len(cs) >= 30
    labels = [c["label"] for c in cs]
    assert set(labels) == set(M.VERDICTS)
    assert min(labels.count(verdict) for verdict in M.VERDICTS) >= 6
    texts = _corpus_texts()
    for c in cs:
        assert all(d in texts for d in c["deciding_docs"]), c["id"]
        assert c["note"] and (c["deciding_docs"] or c["label"] == "no_evidence")


def test_fast_subset_covers_categories_and_labels():
    from evals.dataset import load_claims, load_questions

    qs = load_questions(subset="fast")
    cs = load_claims(subset="fast")
    assert 8 <= len(qs) <= 12 and 8 <= len(cs) <= 12
    assert {q["category"] for q in qs} == {q["category"] for q in load_questions()}
    assert {c["label"] for c in cs} == set(M.VERDICTS)


# -- compare -----------------------------------------------------------------------------------------
def _results(tmp_path: Path, name: str, metrics: dict) -> Path:
    p = tmp_path / name
    p.mkdir()
    (p / "results.json").write_text(json.dumps({"metrics": metrics}))
    return p


def test_compare_direction_aware(tmp_path, capsys):
    from evals.compare import compare, main, tolerance_for

    assert tolerance_for("latency.answer.total.p50").direction == "lower"
    assert tolerance_for("claims.false_supported").abs_tol == 0
    assert tolerance_for("retrieval.ndcg@10").direction == "higher"
    old = {"retrieval.ndcg@10": 0.80, "latency.answer.total.p50": 100.0, "claims.false_supported": 1}
    rows = {r["metric"]: r for r in compare(old, {"retrieval.ndcg@10": 0.85, "latency.answer.total.p50": 140.0, "claims.false_supported": 1})}
    assert rows["retrieval.ndcg@10"]["status"] == "better"
    assert rows["latency.answer.total.p50"]["status"] == "worse"  # +40 ms within 50 %
    assert rows["claims.false_supported"]["status"] == "ok"

    a = _results(tmp_path, "a", old)
    b = _results(tmp_path, "b", {"retrieval.ndcg@10": 0.70, "latency.answer.total.p50": 90.0, "claims.false_supported": 2})
    assert main(["compare", str(a), str(b)]) == 1
    out = capsys.readouterr().out
    assert "REGRESSED" in out and "claims.false_supported" in out and "retrieval.ndcg@10" in out
    c = _results(tmp_path, "c", dict(old, **{"latency.answer.total.p50": 400.0}))
    assert main(["compare", str(a / "results.json"), str(c)]) == 1  # latency quadrupled
    assert main(["compare", str(a), str(a)]) == 0
    d = _results(tmp_path, "d", {"retrieval.ndcg@10": 0.80})
    assert main(["compare", str(a), str(d)]) == 1  # metrics disappeared
    assert main(["compare", str(a), str(d), "--allow-missing"]) == 0
