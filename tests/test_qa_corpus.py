"""`python -m evals qa-corpus`: a corpus built from a PubMedQA-style file, asked through the answer service.

A tiny fake ``ori_pqal.json`` (eight abstracts on unrelated topics) and the fake embedder: the split is stable,
held-out abstracts never enter the corpus, each literature file carries the abstract's sections and
conclusion, and the end-to-end run scores answerable and unanswerable questions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals import qa_corpus as qa

TOPICS = [
    ("Does vitamin K lengthen prothrombin time in atrial fibrillation?", "Vitamin K antagonists lengthened prothrombin time in 120 patients.", "yes"),
    ("Are hip fractures more frequent in winter?", "Hip fractures were more frequent in winter months in a Swedish registry of 8,000 patients.", "yes"),
    ("Do statins lower LDL cholesterol?", "Statins lowered LDL cholesterol by 30 % in a meta-analysis of 14 trials.", "yes"),
    ("Does the malaria vaccine reduce clinical episodes in children?", "The vaccine reduced clinical malaria episodes in African children by a third.", "yes"),
    ("Does acute stress lower salivary cortisol?", "Acute psychosocial stress raised salivary cortisol in 40 healthy students.", "no"),
    ("Does sleep deprivation spare memory consolidation?", "One night of sleep deprivation impaired memory consolidation in young adults.", "no"),
    ("Do zinc lozenges shorten common colds?", "Zinc lozenges shortened the duration of common colds by two days in 200 adults.", "yes"),
    ("Does coffee intake change the risk of gout?", "Coffee intake was associated with a lower risk of gout in 45,000 men followed for 12 years.", "maybe"),
]


def write_fake_pubmedqa(root: Path) -> Path:
    items = {
        str(1000 + i): {
            "QUESTION": q,
            "CONTEXTS": [f"We asked whether {q[:-1].lower()}.", result],
            "LABELS": ["BACKGROUND", "RESULTS"],
            "YEAR": "2015",
            "LONG_ANSWER": result.split(" in ")[0] + ".",
            "final_decision": label,
        }
        for i, (q, result, label) in enumerate(TOPICS)
    }
    root.mkdir(parents=True, exist_ok=True)
    (root / "ori_pqal.json").write_text(json.dumps(items), encoding="utf-8")
    return root


@pytest.fixture
def fake_src(tmp_path):
    return write_fake_pubmedqa(tmp_path / "pubmedqa")


def test_split_is_stable_and_halves_the_ids():
    ids = [str(i) for i in range(2000)]
    splits = [qa.split_of(i) for i in ids]
    assert splits == [qa.split_of(i) for i in ids]
    assert 0.4 < splits.count("fit") / len(ids) < 0.6


def test_choose_keeps_held_out_abstracts_out_of_the_corpus(fake_src):
    items = qa.load_items(fake_src)
    for split in qa.SPLITS:
        mine = [p for p in items if qa.split_of(p) == split]
        qs, literature = qa.choose(items, split, answerable=2, unanswerable=1, seed=3)
        assert len(qs) == min(3, len(mine))
        for q in qs:
            assert qa.split_of(q.pmid) == split
            assert (q.pmid in literature) == q.answerable
            if q.answerable:
                assert literature[q.pmid] == "cited"
        assert sum(v == "nearest" for v in literature.values()) <= sum(q.answerable for q in qs)


def test_literature_file_has_sections_conclusion_and_provenance(fake_src, tmp_path):
    items = qa.load_items(fake_src)
    pmid = sorted(items)[0]
    text = qa.literature_text(pmid, items[pmid])
    assert "role: literature" in text and f"id: pq_{pmid}" in text and "MIT (PubMedQA)" in text
    assert "## Background" in text and "## Results" in text and "## Conclusions" in text
    assert items[pmid]["QUESTION"] not in text.split("---")[1]  # the title is not the question


def test_metrics_by_hand():
    rows = [
        qa.QARow("1", "q1", True, "yes", False, ["pq_1"], True, True, "supported", "", 10),
        qa.QARow("2", "q2", True, "no", True, [], False, False, "", "", 30),
        qa.QARow("3", "q3", False, "yes", True, [], False, False, "", "", 20),
        qa.QARow("4", "q4", False, "no", False, ["pq_9"], False, False, "", "", 40),
    ]
    m = qa.metrics(rows)
    assert (m["answerable"], m["answerable_refused"], m["false_refusal_rate"]) == (2, 1, 0.5)
    assert (m["gold_cited"], m["gold_first"]) == (0.5, 0.5)
    assert (m["unanswerable"], m["unanswerable_answered"], m["refusal_rate"]) == (2, 1, 0.5)
    assert m["answer_ms_p50"] == 30
    assert m["claim_check_by_label"] == {"no->none": 1, "yes->supported": 1}


def test_cli_end_to_end_with_the_fake_embedder(fake_src, tmp_path, monkeypatch):
    from evals.__main__ import main

    monkeypatch.setenv("MGC_EMBEDDING_MODEL", "fake")  # registered by tests/fakes.py
    out, keep = tmp_path / "report", tmp_path / "kept"
    items = qa.load_items(fake_src)
    split = qa.split_of(sorted(items)[0])
    rc = main(
        [
            "qa-corpus",
            str(fake_src),
            "--split",
            split,
            "--answerable",
            "2",
            "--unanswerable",
            "1",
            "--out",
            str(out),
            "--keep-store",
            str(keep),
            "--no-claim-checks",
        ]
    )
    assert rc == 0
    res = json.loads((out / "results.json").read_text())
    rows = [json.loads(x) for x in (out / "rows.jsonl").read_text().splitlines()]
    assert len(rows) == res["metrics"]["answerable"] + res["metrics"]["unanswerable"] >= 2
    for r in rows:
        assert r["refused"] or r["cited"], r  # every answer either refuses or cites
        assert all(d.startswith("pq_") for d in r["cited"])
        held = (keep / "corpus" / "literature" / f"pq_{r['pmid']}.md").exists()
        assert held == r["answerable"]
    assert "Answers on a corpus never tuned on" in (out / "report.md").read_text()


def test_cli_rejects_a_folder_without_the_file(tmp_path, capsys):
    from evals.__main__ import main

    assert main(["qa-corpus", str(tmp_path)]) == 2
    assert "ori_pqal.json" in capsys.readouterr().err


def test_cli_rejects_bad_counts_and_a_used_store_folder_before_writing(fake_src, tmp_path, capsys):
    from evals.__main__ import main

    assert main(["qa-corpus", str(fake_src), "--answerable", "0"]) == 2
    assert "--answerable must be at least 1" in capsys.readouterr().err
    used = tmp_path / "used"
    used.mkdir()
    (used / "keep.txt").write_text("mine")
    assert main(["qa-corpus", str(fake_src), "--keep-store", str(used)]) == 2
    assert "not empty" in capsys.readouterr().err and (used / "keep.txt").read_text() == "mine" and len(list(used.iterdir())) == 1
