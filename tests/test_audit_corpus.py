"""`python -m evals audit-corpus`: corpus building, splits, matching and metrics on a tiny fake
SciFact folder (no models: the fake embedder and a stub verifier), plus one integration run with
the real models on a small caffeine-and-sleep corpus (tests/fixtures/audit_corpus_caffeine)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from core.audit_report import ClaimRecord
from evals import audit_corpus as ac

FIXTURES = Path(__file__).resolve().parent / "fixtures"

ABSTRACTS = {
    "11": (
        "Magnesium and sleep in older adults",
        "Magnesium supplementation improved sleep efficiency in 46 older adults with insomnia. Serum melatonin rose and cortisol fell compared with placebo.",
    ),
    "12": (
        "Glycine before bedtime",
        "Three grams of glycine before bed improved subjective sleep quality in healthy volunteers. Fatigue the next day was lower.",
    ),
    "13": (
        "NMDA receptor block by magnesium",
        "Extracellular magnesium blocks the NMDA receptor channel at resting membrane potential. Depolarisation relieves the block.",
    ),
    "14": ("Magnesium oxide absorption", "Fractional absorption of magnesium oxide was about 4 % in healthy adults, lower than that of magnesium citrate."),
    "15": ("Neuron death in culture", "Cortical neurons in culture died after glutamate exposure; magnesium reduced cell death."),
    "16": ("Vitamin K and coagulation", "Vitamin K antagonists lengthen prothrombin time in patients with atrial fibrillation."),
    "17": ("Hip fractures in winter", "Hip fractures were more frequent in winter months in a Swedish registry."),
    "18": ("Statins and cholesterol", "Statins lowered LDL cholesterol by 30 % in a meta-analysis of trials."),
    "19": ("Malaria vaccine trial", "The vaccine reduced clinical malaria episodes in African children by a third."),
    "20": ("Stress and cortisol", "Acute psychosocial stress raised salivary cortisol in healthy students."),
    "21": ("Sleep deprivation and memory", "One night of sleep deprivation impaired memory consolidation in young adults."),
    "22": ("Zinc and colds", "Zinc lozenges shortened the duration of common colds by two days."),
}
# (id, claim, evidence {doc: [labels]}, cited)
CLAIMS = [
    (0, "Magnesium supplementation improves sleep efficiency in older adults with insomnia", {"11": ["SUPPORT"]}, ["11"]),
    (1, "Magnesium blocks the NMDA receptor channel at resting membrane potential.", {"13": ["SUPPORT"]}, ["13"]),
    (2, "Magnesium oxide is absorbed better than magnesium citrate.", {"14": ["CONTRADICT"]}, ["14"]),
    (3, "Glycine at bedtime increases brain serotonin by 50 %.", {}, ["12"]),
    (4, "Magnesium reduces glutamate-induced death of cultured neurons.", {"15": ["SUPPORT"]}, ["15"]),
    (5, "Acute stress lowers cortisol in students.", {"20": ["CONTRADICT"]}, ["20"]),
    (6, "Magnesium reduces cell death and increases cell death.", {"15": ["SUPPORT"], "11": ["CONTRADICT"]}, ["15", "11"]),  # disagree
    (7, "Magnesium deficiency causes stress in rats.", {}, ["999"]),  # cited abstract missing from the corpus
    (8, "The sky appears blue on clear days.", {}, ["17"]),  # no check-worthy wording: the audit may skip it
]


def write_fake_scifact(root: Path, claims=CLAIMS) -> Path:
    (root / "allenai_release").mkdir(parents=True, exist_ok=True)
    with (root / "corpus.jsonl").open("w") as fh:
        for d, (title, text) in ABSTRACTS.items():
            fh.write(json.dumps({"_id": d, "title": title, "text": text}) + "\n")
    with (root / "allenai_release" / "claims_train.jsonl").open("w") as fh:
        for cid, text, ev, cited in claims:
            evidence = {d: [{"sentences": [0], "label": lab} for lab in labs] for d, labs in ev.items()}
            fh.write(json.dumps({"id": cid, "claim": text, "evidence": evidence, "cited_doc_ids": [int(x) for x in cited]}) + "\n")
    return root


@pytest.fixture
def fake_src(tmp_path):
    return write_fake_scifact(tmp_path / "scifact")


# -- splits and labels ------------------------------------------------------------------------------
def test_claim_split_partitions_the_verifier_dev_part():
    from training.verifier_data import _claim_split

    parts = {i: ac.claim_split(i) for i in range(2000)}
    assert set(parts.values()) == {"train", "fit", "test"}
    for i, part in parts.items():
        assert (part == "train") == (_claim_split(i) == "train")
        assert ac.in_split(i, "all")
        assert ac.in_split(i, "dev") == (part in {"fit", "test"})
        assert sum(ac.in_split(i, s) for s in ("train", "fit", "test")) == 1
    dev = [i for i, p in parts.items() if p != "train"]
    share_test = sum(parts[i] == "test" for i in dev) / len(dev)
    assert 0.35 < share_test < 0.65
    assert [ac.claim_split(i) for i in range(50)] == [ac.claim_split(str(i)) for i in range(50)]  # int or str id
    with pytest.raises(ValueError):
        ac.in_split(1, "validation")


def test_gold_label_from_release_evidence():
    assert ac.gold_label({}) == "no_evidence"
    assert ac.gold_label({"1": [{"label": "SUPPORT"}], "2": [{"label": "SUPPORT"}]}) == "supported"
    assert ac.gold_label({"1": [{"label": "CONTRADICT"}]}) == "contradicted"
    assert ac.gold_label({"1": [{"label": "SUPPORT"}], "2": [{"label": "CONTRADICT"}]}) == "disagree"


def test_load_claims_falls_back_to_pairs(tmp_path):
    rows = [
        {"claim": "A causes B.", "evidence": "x", "label": "SUPPORTS", "doc_id": "5", "claim_id": 3},
        {"claim": "A causes B.", "evidence": "y", "label": "NOT_ENOUGH_INFO", "doc_id": "6", "claim_id": 3},
        {"claim": "C lowers D.", "evidence": "z", "label": "NOT_ENOUGH_INFO", "doc_id": "7", "claim_id": 4},
    ]
    (tmp_path / "pairs_train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    got = {c["id"]: c for c in ac.load_claims(tmp_path)}
    assert got["3"]["gold"] == "supported" and got["3"]["cited_doc_ids"] == ["5", "6"] and got["3"]["evidence_doc_ids"] == ["5"]
    assert got["4"]["gold"] == "no_evidence"


# -- building the corpus ----------------------------------------------------------------------------
def test_build_corpus_writes_one_article_and_the_literature(fake_src, tmp_path):
    from ingest.loaders import split_front_matter

    built = ac.build_corpus(fake_src, tmp_path / "corpus", split="all", limit=None, distractors_per_claim=2, seed=1)
    assert built.skipped == {"cited documents disagree": 1, "cited abstract missing": 1}
    assert {c.claim_id for c in built.claims} == {"0", "1", "2", "3", "4", "5", "8"}
    gold = {c.claim_id: c.gold for c in built.claims}
    assert gold["0"] == "supported" and gold["2"] == "contradicted" and gold["3"] == "no_evidence"
    assert all(c.text.endswith(".") for c in built.claims)  # claim 0 had no final period

    meta, body = split_front_matter(built.article_path.read_text())
    assert meta["role"] == "article" and meta["id"] == ac.ARTICLE_ID
    paragraphs = [p.strip() for p in body.split("\n\n") if p.strip()]
    assert paragraphs == [c.text for c in built.claims]

    files = sorted((tmp_path / "corpus" / "literature").glob("*.md"))
    assert {f.stem for f in files} == {ac.literature_doc_id(d) for d in built.literature}
    for d, c in [(d, c) for c in built.claims for d in c.cited_doc_ids]:
        assert built.literature[d] == "cited"
    assert set(built.literature.values()) == {"cited", "nearest", "random"}
    m, text = split_front_matter(files[0].read_text())
    assert m["role"] == "literature" and m["study_type"] == "unknown" and m["year"] is None and m["title"]
    assert text.strip() == ABSTRACTS[files[0].stem[3:]][1]
    with pytest.raises(FileExistsError):
        ac.build_corpus(fake_src, tmp_path / "corpus", split="all")


def test_build_corpus_split_limit_seed(fake_src, tmp_path):
    dev_ids = {str(c[0]) for c in CLAIMS if ac.claim_split(c[0]) in {"fit", "test"}}
    built = ac.build_corpus(fake_src, tmp_path / "a", split="dev", distractors_per_claim=0)
    assert {c.claim_id for c in built.claims} <= dev_ids
    assert set(built.literature.values()) <= {"cited"}
    for split in ("test", "fit", "train"):
        b = ac.build_corpus(fake_src, tmp_path / f"s_{split}", split=split, distractors_per_claim=0)
        assert all(c.split == split for c in b.claims)
    a1 = ac.build_corpus(fake_src, tmp_path / "l1", split="all", limit=3, seed=5)
    a2 = ac.build_corpus(fake_src, tmp_path / "l2", split="all", limit=3, seed=5)
    assert len(a1.claims) == 3 and [c.claim_id for c in a1.claims] == [c.claim_id for c in a2.claims]
    assert a1.literature == a2.literature


def test_nearest_distractors_share_the_claims_words(fake_src, tmp_path):
    claims = [(1, "Magnesium blocks the NMDA receptor channel at resting membrane potential.", {"13": ["SUPPORT"]}, ["13"])]
    src = write_fake_scifact(tmp_path / "one", claims)
    built = ac.build_corpus(src, tmp_path / "c", split="all", distractors_per_claim=1)
    near = [d for d, why in built.literature.items() if why == "nearest"]
    assert len(near) == 1 and "magnesium" in ABSTRACTS[near[0]][1].lower()


# -- matching ---------------------------------------------------------------------------------------
def _gold(*texts):
    return [ac.GoldClaim(str(i), t, "supported", "test", ["1"], ["1"]) for i, t in enumerate(texts)]


def test_gold_spans_and_matching_by_span_and_text():
    claims = _gold(
        "Magnesium blocks NMDA channels. It also binds ATP.",
        "Glycine improves sleep quality.",
        "Zinc shortens colds by two days.",
        "Statins lower LDL cholesterol.",
    )
    doc = "\n".join([claims[0].text, "", "Glycine  improves sleep quality.", "", claims[2].text, "", "Unrelated heading", "", claims[3].text])
    spans = ac.gold_spans(doc, claims)
    assert spans[0] == (0, len(claims[0].text))
    assert spans[1] is not None and doc[spans[1][0] : spans[1][1]] == "Glycine  improves sleep quality."  # fuzzy
    assert doc[spans[3][0] : spans[3][1]] == claims[3].text
    s0 = spans[0][0]
    records = [
        {"id": "a", "text": "Magnesium blocks NMDA channels", "start": s0, "end": s0 + 31, "doc_id": ac.ARTICLE_ID},
        # pronoun resolved by the audit: the text carries the previous sentence, the span does not
        {"id": "b", "text": "Magnesium blocks NMDA channels. It also binds ATP", "start": s0 + 32, "end": spans[0][1], "doc_id": ac.ARTICLE_ID},
        {"id": "c", "text": "Zinc shortens colds by two days"},  # no span: matched by text
        {"id": "d", "text": "Something else entirely about vitamins", "start": 10_000, "end": 10_040},
        {"id": "e", "text": claims[3].text, "start": spans[3][0], "end": spans[3][1], "doc_id": "other_article"},
    ]
    m = ac.match_claims([ClaimRecord.model_validate(r) for r in records], claims, spans)
    assert [r.id for r in m[0]] == ["a", "b"]
    assert m[1] == [] and [r.id for r in m[2]] == ["c"] and m[3] == []


# -- metrics ----------------------------------------------------------------------------------------
def test_finding_falls_back_to_verdict():
    def finding(**record):
        return ClaimRecord.model_validate({"id": "x", "text": "t", **record}).finding

    assert finding(verdict="mixed") == "conflicting"
    assert finding(verdict="no_evidence") == "unsupported"
    assert finding(verdict="supported") == "supported"
    assert finding(verdict="mixed", finding="extrapolated") == "extrapolated"
    assert [ac.collapse(f) for f in ac.FINDINGS] == ["S", "C", "N", "N", "N", "N"]
    assert ac.collapse("no_evidence") == "N"


def test_three_way_metrics_by_hand():
    pairs = [
        ("supported", "supported"),
        ("supported", "conflicting"),
        ("contradicted", "contradicted"),
        ("contradicted", "supported"),
        ("no_evidence", "unsupported"),
        ("no_evidence", "supported"),
        ("no_evidence", "not_covered"),
        ("contradicted", "extrapolated"),
    ]
    m = ac.three_way_metrics(pairs)
    # S: tp 1, pred 3, gold 2 -> P 1/3 R 1/2 F1 0.4; C: tp 1, pred 1, gold 3 -> F1 0.5; N: tp 2, pred 4, gold 3 -> F1 4/7
    assert m["macro_f1"] == pytest.approx((0.4 + 0.5 + 4 / 7) / 3, abs=1e-4)
    assert m["contradiction_recall"] == pytest.approx(1 / 3, abs=1e-4)
    assert m["supported_precision"] == pytest.approx(1 / 3, abs=1e-4)
    assert m["false_supported_rate"] == pytest.approx(2 / 6, abs=1e-4)
    assert m["accuracy"] == pytest.approx(4 / 8)
    assert m["per_class"]["N"]["gold"] == 3 and m["per_class"]["N"]["predicted"] == 4
    empty = ac.three_way_metrics([])
    assert empty["macro_f1"] is None and empty["supported_precision"] is None and empty["claims"] == 0
    conf = ac.confusion(pairs)
    assert list(conf) == list(ac.GOLD) and list(conf["supported"]) == list(ac.FINDINGS)
    assert conf["no_evidence"]["supported"] == 1 and sum(sum(r.values()) for r in conf.values()) == len(pairs)


def test_score_rows_and_report():
    claims = _gold("A raises B.", "C lowers D.", "E causes F.")
    claims[1].gold, claims[2].gold = "contradicted", "no_evidence"
    matches = [
        [
            {
                "id": "x",
                "text": "A raises B",
                "verdict": "supported",
                "finding": "supported",
                "features": {"p": 0.9},
                "reasons": ["two studies"],
                "evidence": [{"doc_id": "sf_1"}],
            }
        ],
        [{"id": "y", "text": "C lowers D", "verdict": "mixed", "reasons": [], "evidence": [{"doc_id": "sf_9"}]}],
        [],
    ]
    res = ac.score(claims, [[ClaimRecord.model_validate(r) for r in recs] for recs in matches])
    rows, m = res["rows"], res["metrics"]
    assert [r["extracted"] for r in rows] == [True, True, False]
    assert rows[0]["finding"] == "supported" and rows[0]["features"] == {"p": 0.9} and rows[0]["cited_doc_in_evidence"]
    assert rows[1]["finding"] == "conflicting" and rows[1]["finding_source"] == "verdict" and not rows[1]["cited_doc_in_evidence"]
    assert m["claims_extracted"] == pytest.approx(2 / 3, abs=1e-4) and m["not_extracted_by_gold"]["no_evidence"] == 1
    assert m["three_way"]["claims"] == 2 and m["three_way_end_to_end"]["claims"] == 3
    assert m["confusion"]["contradicted"]["conflicting"] == 1
    result = {
        "config": {"src": "x", "split": "test", "limit": 3, "distractors": 3, "seed": 13, "created": "now"},
        "corpus": {"claims": 3, "skipped": {}, "literature": {"cited": 3}, "documents": 4, "chunks": 5, "gold_paragraphs_located": 3},
        "audit": {"claims": 2, "verifier": {"path": "v"}},
        "timings": {"total_s": 1.0, "build_s": 0.1, "ingest_s": 0.5, "audit_s": 0.2},
        "metrics": m,
        "rows": rows,
    }
    md = ac.render_report(result, "python -m evals audit-corpus x")
    assert "| gold \\ finding |" in md and "macro-F1" in md and "mapped from the 4-way verdict" in md


# -- the whole command without models ---------------------------------------------------------------
class HashEmbeddings:
    """Deterministic hashed bag-of-words vectors (similar texts, similar vectors); no model."""

    dim = 128
    name = "audit-corpus-fake"

    def _vec(self, text: str) -> list[float]:
        import hashlib
        import re

        v = np.zeros(self.dim, dtype=np.float32)
        for t in re.findall(r"[a-z0-9]+", text.lower()):
            h = int.from_bytes(hashlib.md5(t.encode()).digest()[:4], "little")
            v[h % self.dim] += 1.0 if h & 1 << 31 else -1.0
        n = np.linalg.norm(v)
        return (v / n if n else v).tolist()

    def embed_documents(self, texts):
        return [self._vec(t) for t in texts]

    def embed_query(self, text):
        return self._vec(text)


@pytest.fixture
def fake_embedder():
    """Name of a registered model-free embedder (``core.embeddings.register_embedder``), unregistered afterwards."""
    import core.embeddings as emb

    if not hasattr(emb, "register_embedder"):  # older core: a built-in fake under this name
        yield "fake"
        return
    emb.register_embedder(HashEmbeddings.name, lambda settings: HashEmbeddings())
    yield HashEmbeddings.name
    emb.unregister_embedder(HashEmbeddings.name)


class StubVerifier:
    """SUPPORTS when the evidence repeats most of the claim's words, otherwise NOT_ENOUGH_INFO."""

    fingerprint = "stub"
    path = "stub"

    def score(self, pairs):
        rows = []
        for claim, ev in pairs:
            cw = {w for w in claim.lower().split() if len(w) > 3}
            share = len(cw & set(ev.lower().split())) / max(1, len(cw))
            rows.append([0.9, 0.05, 0.05] if share > 0.6 else [0.05, 0.05, 0.9])
        return np.array(rows, dtype=np.float32)


def test_cli_end_to_end_with_fake_models(fake_src, tmp_path, monkeypatch, fake_embedder):
    """Build → ingest (fake embedder, real Chroma) → audit (stub verifier) → report, through `python -m evals`."""
    import chatbot.audit.verifier as verifier_mod
    from evals.__main__ import main

    stub = StubVerifier()
    monkeypatch.setattr(verifier_mod, "get_verifier", lambda *a, **k: stub)
    monkeypatch.setenv("MGC_EMBEDDING_MODEL", fake_embedder)
    out, keep = tmp_path / "report", tmp_path / "kept"
    rc = main(["audit-corpus", str(fake_src), "--split", "all", "--distractors", "1", "--out", str(out), "--keep-store", str(keep), "--bypass-extraction"])
    assert rc == 0
    res = json.loads((out / "results.json").read_text())
    m = res["metrics"]
    assert m["gold_claims"] == 7 and res["corpus"]["gold_paragraphs_located"] == 7
    assert 1 <= m["extracted"] <= 7 and m["claims_extracted"] == pytest.approx(m["extracted"] / 7, abs=1e-3)
    assert sum(sum(r.values()) for r in m["confusion"].values()) == m["extracted"]
    bypass = res["bypass"]["metrics"]
    assert bypass["extracted"] == 7  # every gold claim judged when extraction is bypassed
    rows = [json.loads(x) for x in (out / "claims.jsonl").read_text().splitlines()]
    assert len(rows) == 7 and {r["gold"] for r in rows} == {"supported", "contradicted", "no_evidence"}
    assert all(r["finding"] in ac.FINDINGS for r in rows if r["extracted"])
    assert len((out / "claims_bypass.jsonl").read_text().splitlines()) == 7
    report = (out / "report.md").read_text()
    assert "Claims extracted by the audit" in report and "extraction bypassed" in report
    assert (keep / "corpus" / "article" / "scifact-claims.md").exists() and (keep / "store" / "CURRENT").exists()
    assert main(["audit-corpus", str(fake_src), "--keep-store", str(keep)]) == 2  # not empty: refused


def test_cli_rejects_a_missing_folder(tmp_path, capsys):
    from evals.__main__ import main

    assert main(["audit-corpus", str(tmp_path / "nope")]) == 2
    assert main(["audit-corpus", str(tmp_path)]) == 2  # no corpus.jsonl
    assert "error" in capsys.readouterr().err


# -- integration: real embedder and verifier, a non-magnesium corpus --------------------------------
@pytest.mark.integration
def test_audit_corpus_on_caffeine_fixture(tmp_path):
    from core.settings import Settings

    base = Settings(fetch_online=False)
    if not (Path(base.verifier_model) / "config.json").exists():
        pytest.skip(f"no verifier weights at {base.verifier_model}")
    src = FIXTURES / "audit_corpus_caffeine"
    result = ac.run(src, split="all", distractors=2, work_dir=tmp_path / "work", settings=base)
    m = result["metrics"]
    assert result["corpus"]["claims"] == 6 and result["corpus"]["gold_paragraphs_located"] == 6
    assert m["gold_distribution"] == {"supported": 2, "contradicted": 2, "no_evidence": 2}
    assert m["extracted"] >= 5, [r["text"] for r in result["rows"] if not r["extracted"]]
    assert sum(sum(r.values()) for r in m["confusion"].values()) == m["extracted"]
    for key in ("macro_f1", "accuracy", "false_supported_rate"):
        v = m["three_way"][key]
        assert v is None or 0.0 <= v <= 1.0
    assert m["cited_doc_in_evidence"] >= 0.6  # 12 abstracts: retrieval finds the cited one for most claims
    for r in result["rows"]:
        if r["extracted"]:
            assert r["finding"] in ac.FINDINGS and r["verdict"] in {"supported", "contradicted", "mixed", "no_evidence"}
            assert isinstance(r["features"], dict) and isinstance(r["reason"], str)
    # decided from parts (issue 21): a result stated in the study's own words is supported, a reported reduction
    # against a claimed increase contradicts, and nothing without support is called supported
    by_text = {r["text"]: r for r in result["rows"] if r["extracted"]}
    verbatim = next((r for t, r in by_text.items() if t.startswith("Caffeine taken 6 hours before bedtime")), None)
    reversed_ = next((r for t, r in by_text.items() if t.startswith("Evening caffeine increases slow-wave sleep")), None)
    assert verbatim is not None and verbatim["finding"] == "supported", verbatim
    assert reversed_ is not None and reversed_["finding"] == "contradicted", reversed_
    assert not [r for r in by_text.values() if r["finding"] == "supported" and r["gold"] != "supported"]
    out = ac.write_report(result, tmp_path / "report", "test")
    assert {p.name for p in out.iterdir()} >= {"report.md", "results.json", "claims.jsonl"}
    assert "caffeine" in (out / "claims.jsonl").read_text().lower()


def test_claim_fold_zero_of_five_is_the_dev_split():
    """The reranker's cross-fitting folds share the split's hash: fold 0 of 5 holds exactly the 'dev' claims."""
    from core.splits import claim_fold, claim_split

    assert all((claim_fold(i, 5) == 0) == (claim_split(i) == "dev") for i in range(2000))
    assert {claim_fold(i, 5) for i in range(2000)} == {0, 1, 2, 3, 4}
