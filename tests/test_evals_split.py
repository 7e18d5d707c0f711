"""The held-out third of the eval questions (issue 23): drawn by a hash, stratified, recorded, reported apart."""

from __future__ import annotations

import json
from collections import Counter

from evals.dataset import heldout_split, load_questions, question_stratum, subset_ids


def _rows(n_per: dict[str, int]) -> list[dict]:
    return [{"id": f"{prefix}{i:02d}", "category": cat} for (cat, prefix), n in n_per.items() for i in range(n)]


def test_split_is_stratified_deterministic_and_order_free():
    rows = _rows({("single_study", "ds"): 8, ("single_study", "es"): 7, ("unanswerable", "u"): 15, ("follow_up", "f"): 13})
    tuning, held = heldout_split(rows)
    assert set(tuning).isdisjoint(held) and set(tuning) | set(held) == {r["id"] for r in rows}
    strata = Counter(question_stratum(r) for r in rows if r["id"] in held)
    assert strata == {"single_study/ds": 3, "single_study/es": 2, "unanswerable/u": 5, "follow_up/f": 4}
    assert heldout_split(list(reversed(rows)))[1] == sorted(held, key=[r["id"] for r in reversed(rows)].index)
    assert heldout_split(rows, salt="other")[1] != held  # the hash, not the file order, draws


def test_recorded_split_covers_every_question_once_and_is_the_drawn_one():
    questions = load_questions()
    tuning, held = subset_ids("tuning"), subset_ids("heldout")
    assert len(held) == 36 and len(tuning) == 72
    assert set(tuning).isdisjoint(held)
    assert set(tuning) | set(held) == {q["id"] for q in questions}, "a new question must be assigned to a split on purpose"
    assert (tuning, held) == heldout_split(questions)
    by_cat = Counter(q["category"] for q in questions)
    held_cat = Counter(q["category"] for q in questions if q["id"] in set(held))
    assert all(abs(held_cat[c] - n / 3) <= 1 for c, n in by_cat.items())
    assert load_questions("heldout")[0]["id"] == held[0]


def _row(qid, answerable, refused, key_facts=None, refusal_correct=None, category="single_study"):
    return {
        "id": qid,
        "category": category,
        "question": qid,
        "history": [],
        "answerable": answerable,
        "must_flag": False,
        "relevant_docs": [],
        "recall_at_5": 1.0,
        "recall_at_10": 1.0,
        "mrr": 1.0,
        "ndcg_at_10": 1.0,
        "passage_hit": 1.0,
        "refused": refused,
        "flagged": False,
        "key_facts": key_facts,
        "refusal_correct": refusal_correct,
        "citation": None if refused else {"recall": 1.0, "precision": 0.5},
        "answer": f"answer of {qid}",
        "missing_facts": [],
        "score": 0.0,
    }


def test_split_metrics_count_each_split_apart():
    from evals.runner import split_metrics

    rows = [_row("a", True, False, 1.0), _row("b", True, True, 0.0)]
    rows += [_row("c", False, True, refusal_correct=True), _row("d", False, False, refusal_correct=False)]
    sp = split_metrics(rows, {"tuning": ["a", "c"], "heldout": ["b", "d"], "empty": ["zz"]})
    assert set(sp) == {"tuning", "heldout"}
    assert sp["tuning"]["metrics"]["answer.key_facts"] == 1.0 and sp["tuning"]["unanswerable_refused"] == 1
    assert sp["heldout"]["answerable_refused"] == 1 and sp["heldout"]["unanswerable_refused"] == 0
    assert sp["heldout"]["metrics"]["answer.false_refusal_rate"] == 1.0 and sp["heldout"]["metrics"]["answer.refusal_correct_rate"] == 0.0


def test_report_shows_split_figures_but_never_a_heldout_answer(tmp_path):
    from evals.report import render_markdown, summary_text
    from evals.runner import aggregate, split_metrics

    rows = [_row("tune1", True, False, 0.5), _row("held1", True, False, 0.0)]
    rows[1]["answer"] = "SECRET held-out answer"
    res = aggregate(rows, [])
    res.update(questions=rows, claim_rows=[], splits=split_metrics(rows, {"tuning": ["tune1"], "heldout": ["held1"]}), heldout_ids=["held1"])
    md = render_markdown(res, [])
    assert "## Held-out third and tuning two-thirds" in md and "held-out third (1)" in md and "tuning two-thirds (1)" in md
    assert "SECRET" not in md and "### held1" not in md and "### tune1" in md
    assert "held-out third (1): key_facts=0.000" in summary_text(res)


def test_compare_on_one_subset_recomputes_from_question_rows(tmp_path, capsys):
    from evals.compare import main

    held, tuning = subset_ids("heldout"), subset_ids("tuning")
    old = [_row(tuning[0], True, False, 1.0), _row(held[0], True, False, 1.0)]
    new = [_row(tuning[0], True, False, 1.0), _row(held[0], True, False, 0.0)]
    for name, rows in (("old", old), ("new", new)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "results.json").write_text(json.dumps({"metrics": {"answer.key_facts": 1.0}, "questions": rows}))
    assert main(["compare", str(tmp_path / "old"), str(tmp_path / "new"), "--subset", "tuning"]) == 0
    assert main(["compare", str(tmp_path / "old"), str(tmp_path / "new"), "--subset", "heldout"]) == 1
    assert "REGRESSION in 1 metric(s): answer.key_facts" in capsys.readouterr().out
