"""Claim extraction, check_claim, audit_snapshot (incremental), flags and claim-like questions,
with hand-made chunks, a tiny fake retriever and a stub verifier (no model, no store)."""

from __future__ import annotations

import re

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from chatbot.audit import FINDING_TO_VERDICT, FINDINGS, audit_snapshot, check_claim, claim_from_question, flags_for_passages, looks_like_claim
from chatbot.audit.claims import extract_claims, is_checkworthy
from chatbot.audit.features import FEATURE_NAMES
from core.audit_report import AuditReport
from core.domain import NEUTRAL, PROFILE_FILE, load_profile
from core.settings import PROJECT_ROOT, Settings
from core.store import Snapshot
from core.text import content_hash, split_sentences
from core.types import Chunk

MG = load_profile(PROJECT_ROOT / "corpus")
RECORD_KEYS = ["claim", "verdict", "finding", "reason", "confidence", "evidence", "reasons", "features", "probabilities"]

ARTICLE = """Magnesium and the brain

MAGNESIUM GLYCINATE
Clinical Outcomes
@ 200–300 mg/day

Anxiety\t– 32%
Sleep efficiency\t+ 67%
Bioavail.\t50-80%

In research and real-world use, Magnesium Glycinate repeatedly demonstrates:

- High absorption
- Zero gastrointestinal discomfort

People often report:

- "My thoughts finally slowed down."

At rest, magnesium naturally blocks the NMDA channel.

Why does this matter?

Thanks for reading! Subscribe for free to receive new posts.

At rest, magnesium naturally blocks the NMDA channel.
"""


def article_chunks(text: str = ARTICLE, size: int = 260) -> list[Chunk]:
    out = []
    paras = text.split("\n\n")
    buf_start, buf = 0, ""
    pos = 0
    for p in paras:
        if buf and len(buf) + len(p) > size:
            out.append((buf_start, buf))
            buf_start, buf = pos, ""
        buf = buf + ("\n\n" if buf else "") + p
        pos += len(p) + 2
    out.append((buf_start, buf))
    return [
        Chunk(
            chunk_id=content_hash("art", t),
            doc_id="article",
            text=t,
            start=a,
            end=a + len(t),
            sentences=split_sentences(t),
            title="Article",
            role="article",
            section="1. Intro",
        )
        for a, t in out
    ]


def lit(doc: str, text: str, study_type: str = "rct", **meta) -> Chunk:
    return Chunk(
        chunk_id=content_hash(doc, text),
        doc_id=doc,
        text=text,
        start=0,
        end=len(text),
        sentences=split_sentences(text),
        title=f"Paper {doc}",
        year=2001,
        role="literature",
        study_type=study_type,
        meta=meta,
    )


LIT = [
    lit(
        "schuette",
        "Magnesium diglycinate vs oxide in 12 patients with ileal resection. Overall absorption was 23.5% for the chelate vs 22.8% for magnesium oxide.",
        "pharmacokinetic",
        magnesium_form="glycinate",
        population="12 patients who had undergone ileal resection",
        intervention="single 100-mg dose",
    ),
    lit(
        "nowak",
        "With Mg2+ present the NMDA channel openings fell steeply with hyperpolarisation: the Mg2+ block of NMDA channels is voltage dependent.",
        "in-vitro",
        magnesium_form="unknown",
        population="cultured mouse central neurones",
    ),
    lit(
        "mayer",
        "Adding Mg2+ back antagonised NMDA responses in a voltage-dependent manner; Mg2+ blocks the NMDA channel.",
        "in-vitro",
        magnesium_form="unknown",
        population="cultured neurones from mouse spinal cord",
    ),
]


@dataclass
class P:
    chunk: Chunk
    score: float
    rank: int
    dense_rank: int | None = None
    bm25_rank: int | None = None


class FakeRetriever:
    """Word-overlap ranking over a fixed chunk list; honours Filters.role."""

    def __init__(self, chunks):
        self.chunks = chunks
        self.calls = []

    def search(self, query, k=None, filters=None, diversify=True):
        self.calls.append((query, k, getattr(filters, "role", None)))
        q = set(query.lower().split())
        role = getattr(filters, "role", None)
        cs = [c for c in self.chunks if role is None or c.role == role]
        cs.sort(key=lambda c: -len(q & set(c.text.lower().split())))
        return [P(c, 1.0 / (i + 1), i + 1) for i, c in enumerate(cs[: k or 6])]


class StubVerifier:
    """SUPPORTS for NMDA-block pairs, otherwise NOT_ENOUGH_INFO; a claim negated where the evidence is not (the audit asks
    the claim's negation, core.negation) is read the other way round, as a sane reader would; counts pairs."""

    fingerprint = "stub"
    path = "stub"

    def __init__(self):
        self.pairs = 0

    def score(self, pairs):
        self.pairs += len(pairs)
        rows = []
        for claim, ev in pairs:
            if "nmda" in claim.lower() and "block" in ev.lower():
                rows.append([0.9, 0.05, 0.05])
            elif "absorption" in claim.lower() and "absorption" in ev.lower():
                rows.append([0.7, 0.1, 0.2])  # the model is fooled by topical overlap
            else:
                rows.append([0.05, 0.05, 0.9])
            if _negated(claim) and not _negated(ev):
                rows[-1] = [rows[-1][1], rows[-1][0], rows[-1][2]]
        return np.array(rows, dtype=np.float32)


def _negated(text: str) -> bool:
    return bool(re.search(r"\b(?:not|no|never)\b", text, re.I))


def _settings(tmp_path: Path, corpus: Path | None = None) -> Settings:
    """No shipped decision model (a missing file): the hand-set prior decides, whatever models/ holds today."""
    corpus = corpus or tmp_path / "corpus"
    corpus.mkdir(exist_ok=True)
    return Settings(store_dir=tmp_path / "store", corpus_dir=corpus, embedding_model="fake", decision_model=tmp_path / "no-decision-model.json")


@pytest.fixture
def snapshot(tmp_path):
    """A store version of the magnesium corpus: its profile lies beside it, as ingest copies it."""
    version = tmp_path / "v1"
    version.mkdir()
    (version / PROFILE_FILE).write_text((PROJECT_ROOT / "corpus" / PROFILE_FILE).read_text(encoding="utf-8"), encoding="utf-8")
    chunks = article_chunks() + LIT
    return Snapshot(settings=_settings(tmp_path), version="v1", path=version, manifest={"version": "v1"}, chunks={c.chunk_id: c for c in chunks})


# ---------------------------------------------------------------------------- extraction


def test_extraction_lead_ins_infographic_and_filters(snapshot):
    claims = extract_claims(snapshot.ordered_chunks(), MG)
    texts = [c.text for c in claims]
    assert "In research and real-world use, Magnesium Glycinate repeatedly demonstrates zero gastrointestinal discomfort." in texts
    assert "The bioavailability of magnesium glycinate at 200–300 mg/day is 50–80%." in texts
    assert "Magnesium glycinate at 200–300 mg/day reduces anxiety by 32%." in texts
    assert "Magnesium glycinate at 200–300 mg/day increases sleep efficiency by 67%." in texts
    assert sum("blocks the NMDA channel" in t for t in texts) == 1  # repeated paragraph merged
    assert not any("Subscribe" in t or t.endswith("?") or "thoughts finally" in t for t in texts)
    doc = "".join(ARTICLE)
    for c in claims:
        assert c.id.startswith("c_") and c.chunk_id and c.section == "1. Intro"
        assert 0 <= c.start < c.end <= len(doc)
    nmda = next(c for c in claims if "NMDA" in c.text)
    assert doc[nmda.start : nmda.end] == "At rest, magnesium naturally blocks the NMDA channel."


def test_ids_stable_across_rechunking(snapshot):
    a = {c.id for c in extract_claims(article_chunks(size=260), MG)}
    b = {c.id for c in extract_claims(article_chunks(size=120), MG)}
    assert a == b


def test_snapshot_claims_use_the_profile_stored_with_the_version(snapshot):
    from chatbot.audit.claims import claims_from_snapshot

    texts = [c.text for c in claims_from_snapshot(snapshot)]
    assert "Magnesium glycinate at 200–300 mg/day reduces anxiety by 32%." in texts


SCIFACT_LIKE = """Breast cancer markers

ALDH1 expression is associated with poorer prognosis for breast cancer primary tumors.

Is ALDH1 a useful marker?

Take 300 mg before bed.

Vitamin D supplementation reduces the risk of hip fracture in older women.

Subscribe to our newsletter

Results and Discussion

Antiretroviral therapy reduces rates of tuberculosis across a broad range of CD4 strata.

Statin use is not associated with increased risk of diabetes.
"""


def test_extraction_is_general_one_claim_per_paragraph():
    """SciFact-like claims about any topic, one per paragraph, come out whole and nothing else does."""
    claims = extract_claims(article_chunks(SCIFACT_LIKE), NEUTRAL)
    assert [c.text for c in claims] == [
        "ALDH1 expression is associated with poorer prognosis for breast cancer primary tumors.",
        "Vitamin D supplementation reduces the risk of hip fracture in older women.",
        "Antiretroviral therapy reduces rates of tuberculosis across a broad range of CD4 strata.",
        "Statin use is not associated with increased risk of diabetes.",
    ]
    for c in claims:
        assert SCIFACT_LIKE[c.start : c.end] == c.text
    # the magnesium profile changes nothing for text that never names magnesium
    assert [c.text for c in extract_claims(article_chunks(SCIFACT_LIKE), MG)] == [c.text for c in claims]


@pytest.mark.parametrize(
    "text,ok",
    [
        ("ALDH1 expression is associated with poorer prognosis for breast cancer primary tumors.", True),
        ("Vitamin D supplementation reduces the risk of hip fracture in older women.", True),
        ("0-dimensional biomaterials show inductive properties.", True),
        ("Statin use is not associated with increased risk of diabetes.", True),
        ("Results and Discussion", False),
        ("Breast Cancer Prognosis and ALDH1 Expression", False),
        ("Is ALDH1 a marker of poor prognosis?", False),
        ("Take 300 mg before bed.", False),
        ("Consult your doctor before starting supplements.", False),
        ("You should take vitamin D with food.", False),
        ("Subscribe to our newsletter", False),
        ("Subscribe to our newsletter for weekly updates.", False),
        ("Click here to read more.", False),
        ("Table 1: Baseline characteristics of participants", False),
    ],
)
def test_checkworthiness_is_general(text, ok):
    assert is_checkworthy(text, NEUTRAL) is ok


@pytest.mark.parametrize(
    "text,ok",
    [
        ("Magnesium oxide is absorbed poorly, with 4% fractional absorption.", True),
        ("At rest, magnesium naturally blocks the NMDA channel.", True),
        ("Is magnesium good for sleep?", False),
        ('"I stopped waking up at 3 a.m."', False),
        ("Take 300 mg of magnesium glycinate before bed.", False),
        ("Thanks for reading Keyora's Substack!", False),
        ("Keyora Research Notes, Part II", False),
        ("This is not a personal failure.", False),
    ],
)
def test_checkworthiness(text, ok):
    assert is_checkworthy(text, MG) is ok


def test_profile_boilerplate_is_never_a_claim():
    text = "The Keyora series shows how magnesium reduces stress."
    assert is_checkworthy(text, NEUTRAL) and not is_checkworthy(text, MG)


# ---------------------------------------------------------------------------- check_claim


def test_check_claim_uses_literature_only(snapshot):
    r = FakeRetriever(snapshot.ordered_chunks())
    v = check_claim("At rest, magnesium naturally blocks the NMDA channel.", r, snapshot.settings, verifier=StubVerifier(), direction=None)
    assert r.calls and all(role == "literature" for _, _, role in r.calls)
    assert v.verdict == "supported" and v.finding == "supported"  # two concordant cell studies for a mechanism
    assert v.evidence and all(e.chunk.role == "literature" for e in v.evidence)
    assert {e.chunk.doc_id for e in v.evidence} == {"nowak", "mayer"} and "[1]" in v.reason and "[2]" in v.reason
    j = v.to_json()
    assert list(j) == RECORD_KEYS
    assert j["finding"] == "supported" and j["reason"] == v.reason and j["reasons"][0] == j["reason"]
    assert [e["n"] for e in j["evidence"]] == list(range(1, len(j["evidence"]) + 1))
    assert list(j["features"]) == list(FEATURE_NAMES)
    assert set(j["probabilities"]) == {"supported", "contradicted", "no_evidence"}


def test_check_claim_numbers_beat_a_fooled_model(snapshot):
    r = FakeRetriever(snapshot.ordered_chunks())
    v = check_claim("The absorption of magnesium glycinate is 50–80%.", r, snapshot.settings, verifier=StubVerifier(), direction=None)
    assert v.verdict == "contradicted" and v.finding == "contradicted"
    assert "23.5%" in v.reason and "50–80%" in v.reason and "[1]" in v.reason
    assert v.evidence[0].chunk.doc_id == "schuette"


def test_check_claim_question_form(snapshot):
    r = FakeRetriever(snapshot.ordered_chunks())
    v = check_claim("Is glycinate absorption 80%?", r, snapshot.settings, verifier=StubVerifier(), direction=None)
    assert v.claim == "Is glycinate absorption 80%?" and v.verdict != "supported"
    assert v.finding in FINDINGS and FINDING_TO_VERDICT[v.finding] == v.verdict


def test_check_claim_nothing_relevant(snapshot):
    r = FakeRetriever(snapshot.ordered_chunks())
    v = check_claim("Zinc cures the common cold in toddlers.", r, snapshot.settings, verifier=StubVerifier(), direction=None)
    assert v.verdict == "no_evidence" and v.finding == "not_covered" and v.evidence == []
    assert v.reason and v.to_json()["finding"] == "not_covered"


def test_check_claim_topic_without_a_result_is_unsupported(snapshot):
    r = FakeRetriever(snapshot.ordered_chunks())
    v = check_claim("Magnesium glycinate is absorbed better in patients with ileal resection.", r, snapshot.settings, verifier=StubVerifier(), direction=None)
    assert v.finding == "unsupported" and v.verdict == "no_evidence"
    assert "ileal resection" in v.reason and v.evidence and v.evidence[0].chunk.doc_id == "schuette"


def test_check_claim_uses_a_shipped_decision_model(snapshot, tmp_path):
    """settings.decision_model names the model; one that never says 'supported' is obeyed."""
    from chatbot.audit import decision

    never = decision.prior_model().model_copy(update={"supported_threshold": 1.01, "note": "never supported"})
    path = tmp_path / "decision.json"
    path.write_text(never.model_dump_json(), encoding="utf-8")
    s = snapshot.settings.model_copy(update={"decision_model": path})
    v = check_claim(
        "At rest, magnesium naturally blocks the NMDA channel.", FakeRetriever(snapshot.ordered_chunks()), s, verifier=StubVerifier(), direction=None
    )
    assert v.finding != "supported" and v.probabilities["supported"] < 1.01


VITD_LIT = [
    lit("trial", "In 2,686 older adults, hip fractures fell by 8% with vitamin D over five years.", "rct"),
    lit("cohort", "Serum vitamin D was measured in a cohort of nurses.", "cohort"),
]
VITD_ARTICLE = "Vitamin D and bones\n\nVitamin D supplementation reduced hip fractures by 30% in older adults.\n"


@pytest.fixture
def neutral_snapshot(tmp_path):
    """Another topic and no domain.yaml anywhere: the audit runs with the neutral profile."""
    version = tmp_path / "v1"
    version.mkdir()
    chunks = article_chunks(VITD_ARTICLE) + VITD_LIT
    return Snapshot(settings=_settings(tmp_path), version="v1", path=version, manifest={"version": "v1"}, chunks={c.chunk_id: c for c in chunks})


def test_neutral_profile_numbers_contradict_on_another_topic(neutral_snapshot):
    r = FakeRetriever(neutral_snapshot.ordered_chunks())
    v = check_claim("Vitamin D supplementation reduced hip fractures by 30%.", r, neutral_snapshot.settings, verifier=StubVerifier(), direction=None)
    assert v.finding == "contradicted"
    assert "8%" in v.reason and "30%" in v.reason
    a = audit_snapshot(
        neutral_snapshot,
        None,
        retriever=FakeRetriever(neutral_snapshot.ordered_chunks()),
        settings=neutral_snapshot.settings,
        verifier=StubVerifier(),
        direction=None,
    ).to_json()
    assert [c["text"] for c in a["claims"]] == ["Vitamin D supplementation reduced hip fractures by 30% in older adults."]
    assert a["claims"][0]["finding"] == "contradicted"


# ---------------------------------------------------------------------------- audit_snapshot


def test_audit_snapshot_incremental(snapshot):
    r = FakeRetriever(snapshot.ordered_chunks())
    ver = StubVerifier()
    report = audit_snapshot(snapshot, None, retriever=r, settings=snapshot.settings, verifier=ver, direction=None)
    a = report.to_json()  # the shape audit.json has on disk
    assert a["version"] == "v1" and a["claims"] and a["stats"]["reused"] == 0
    for c in a["claims"]:
        assert {"id", "text", "section", "start", "end", "chunk_id", "doc_id", *RECORD_KEYS} <= set(c)
        assert c["finding"] in FINDINGS and FINDING_TO_VERDICT[c["finding"]] == c["verdict"]
        assert c["reason"] and c["reasons"][0] == c["reason"] and list(c["features"]) == list(FEATURE_NAMES)
    bio = next(c for c in a["claims"] if "50–80%" in c["text"])
    assert bio["verdict"] != "supported" and bio["finding"] != "supported"
    nmda = next(c for c in a["claims"] if "NMDA" in c["text"])
    assert nmda["finding"] == "supported"
    st = a["stats"]
    assert set(st["findings"]) == set(FINDINGS) and sum(st["findings"].values()) == st["claims"] == len(a["claims"])
    assert sum(st["verdicts"].values()) == st["claims"]
    assert st["findings"]["supported"] == st["verdicts"]["supported"]
    assert a["decision"]["fingerprint"] and "prior" in a["decision"]["note"]
    pairs = ver.pairs
    b = audit_snapshot(snapshot, report, retriever=r, settings=snapshot.settings, verifier=ver, direction=None).to_json()
    assert ver.pairs == pairs and b["stats"]["reused"] == len(b["claims"])
    assert [c["id"] for c in a["claims"]] == [c["id"] for c in b["claims"]]
    assert [(c["finding"], c["reason"], c["features"]) for c in a["claims"]] == [(c["finding"], c["reason"], c["features"]) for c in b["claims"]]
    # an audit from before findings existed is re-judged, not reused
    old = {**a, "claims": [{k: v for k, v in c.items() if k not in ("finding", "reason", "features", "probabilities")} for c in a["claims"]]}
    d = audit_snapshot(snapshot, AuditReport.model_validate(old), retriever=r, settings=snapshot.settings, verifier=ver, direction=None).to_json()
    assert d["stats"]["reused"] == 0 and all("finding" in c for c in d["claims"])
    # a changed paper changes the evidence of the claims that retrieve it, and only those are re-verified
    changed = [
        c if c.doc_id != "schuette" else lit("schuette", c.text + " Absorption was 25%.", "pharmacokinetic", **c.meta) for c in snapshot.ordered_chunks()
    ]
    c2 = audit_snapshot(snapshot, report, retriever=FakeRetriever(changed), settings=snapshot.settings, verifier=ver, direction=None).to_json()
    assert 0 < c2["stats"]["reverified"] <= len(c2["claims"])


def test_audit_json_round_trips_unchanged(snapshot, monkeypatch, capsys):
    """audit.json as the audit writes it reads back into the typed report and writes out byte for byte the same;
    ``python -m cli audit --json`` prints exactly the file."""
    import json

    from chatbot.audit import save_audit
    from cli import audit as audit_cli

    report = audit_snapshot(
        snapshot, None, retriever=FakeRetriever(snapshot.ordered_chunks()), settings=snapshot.settings, verifier=StubVerifier(), direction=None
    )
    path = save_audit(snapshot, report)
    text = path.read_text(encoding="utf-8")
    again = snapshot.audit()
    assert again is not None and again.to_text() == text and again.to_json() == json.loads(text)
    assert [list(c) for c in json.loads(text)["claims"]] == [["id", "text", "section", "start", "end", "chunk_id", "doc_id", *RECORD_KEYS]] * len(again.claims)
    assert all(not c.finding_inferred for c in again.claims)
    monkeypatch.setattr(audit_cli, "open_snapshot", lambda settings=None, version=None: snapshot)
    assert audit_cli.main(["audit", "--json"]) == 0
    assert capsys.readouterr().out == text + "\n"


def test_flags_for_passages(snapshot):
    report = audit_snapshot(
        snapshot, None, retriever=FakeRetriever(snapshot.ordered_chunks()), settings=snapshot.settings, verifier=StubVerifier(), direction=None
    )
    a = report.to_json()
    bio = next(c for c in a["claims"] if "50–80%" in c["text"])
    cited = [P(snapshot.chunks[bio["chunk_id"]], 1.0, 1)]
    flags = flags_for_passages(report, cited)
    assert any(f.claim_id == bio["id"] for f in flags)
    assert all(f.verdict != "supported" and f.passage_chunk_id == bio["chunk_id"] for f in flags)
    assert all(set(f.to_json()) == {"claim_id", "claim", "verdict", "finding", "reason", "reasons", "evidence"} for f in flags)
    flag = next(f.to_json() for f in flags if f.claim_id == bio["id"])
    assert flag["finding"] == bio["finding"] and flag["reason"] == bio["reason"] and flag["evidence"] == bio["evidence"]
    assert flags_for_passages(report, [P(LIT[0], 1.0, 1)]) == []  # literature passages carry no article claims
    assert flags_for_passages(None, cited) == []


# ---------------------------------------------------------------------------- questions


@pytest.mark.parametrize(
    "q,ok",
    [
        ("Is glycinate 80% bioavailable?", True),
        ("Does magnesium glycinate improve sleep?", True),
        ("Magnesium blocks NMDA receptors.", True),
        ("Is it true that magnesium oxide is poorly absorbed?", True),
        ("What is magnesium glycinate?", False),
        ("How does magnesium affect GABA?", False),
        ("magnesium sleep", False),
        ("Is vitamin D associated with fractures?", True),
        ("Does caffeine improve reaction time?", True),
        ("ALDH1 expression is associated with poorer prognosis for breast cancer.", True),
        ("Statins are linked to diabetes.", True),
        ("What is vitamin D?", False),
        ("How does caffeine work?", False),
        ("vitamin D fractures", False),
        # how a study was done, or whether one exists: answered from the studies, not checked as a claim
        ("Was the Breus trial blinded?", False),
        ("Were the participants randomised?", False),
        ("Is there any study on zinc and depression?", False),
        ("Did any trial measure cortisol?", False),
        ("Did any study find that zinc lowers cortisol?", True),
        ("Is there evidence that zinc improves sleep?", True),
    ],
)
def test_looks_like_claim(q, ok):
    assert looks_like_claim(q) is ok


def test_claim_from_question():
    assert claim_from_question("Is glycinate 80% bioavailable?") == "glycinate is 80% bioavailable"
    assert claim_from_question("Does magnesium improve sleep?") == "magnesium improves sleep"
    assert claim_from_question("Is magnesium glycinate better absorbed than oxide?") == "magnesium glycinate is better absorbed than oxide"


@pytest.mark.parametrize(
    "q,claim",
    [
        ("Is vitamin D associated with fractures?", "vitamin D is associated with fractures"),
        ("Is ALDH1 expression associated with poorer prognosis?", "ALDH1 expression is associated with poorer prognosis"),
        ("Are statins linked to diabetes?", "statins are linked to diabetes"),
        ("Does vitamin D reduce fractures?", "vitamin D reduces fractures"),
        ("Is it true that coffee raises blood pressure?", "coffee raises blood pressure"),
        ("Caffeine improves reaction time.", "Caffeine improves reaction time."),
        ("Can exercise prevent depression?", "exercise can prevent depression"),
        # a pronoun is the whole subject; a determiner is not ("these findings")
        ("Can you deliver accurate tidal volume by manual resuscitator?", "you can deliver accurate tidal volume by manual resuscitator"),
        ("Are these findings robust?", "these findings are robust"),
        # a progressive verb after the subject, unless a predicate follows the -ing word
        ("Are laboratories reporting hCG results correctly?", "laboratories are reporting hCG results correctly"),
        ("Is cycling training effective?", "cycling training is effective"),
        # a verb after a modal starts the predicate; a participle right after an article is part of the subject
        ("Can bisphosphonate treatment be stopped in growing children?", "bisphosphonate treatment can be stopped in growing children"),
        ("Is the treated group better?", "the treated group is better"),
    ],
)
def test_claim_from_question_is_generic(q, claim):
    assert claim_from_question(q) == claim


# ---------------------------------------------------------------------------- what the audit retrieves for a claim


def test_retrieval_adds_a_retrieved_papers_result_and_other_papers_null_results():
    """A paper's methods chunk ranks first while its result sits in another chunk, and a paper that found no change
    on the claim's outcome shares little else with the claim's wording: both reach the judge."""
    from types import SimpleNamespace

    from chatbot.audit.pipeline import _retrieve

    methods = lit("zinc", "Healthy men received an overnight zinc infusion or placebo, and cortisol secretion was sampled hourly by zinc teams.")
    methods.section = "Methods"
    result = lit("zinc", "Cortisol secretion fell from 22:00 to 07:00.")
    result.chunk_id, result.section = "zinc-results", "Results"
    null = lit("other", "With zinc, cortisol showed no change and did not differ from placebo.")
    null.section = "Results"
    aspirin = lit("aspirin", "Cortisol showed no change with aspirin and did not differ from placebo.")  # another agent: no rival
    aspirin.section = "Results"
    noise = [lit(f"n{i}", f"Zinc zinc supplementation study {i} of healthy men and overnight sleep.") for i in range(8)]

    class Snapshotted(FakeRetriever):
        snapshot = SimpleNamespace(ordered_chunks=lambda: [methods, result, null, aspirin, *noise])

    r = Snapshotted([methods, *noise, aspirin, null])  # the result chunk is never returned by a search
    found = [getattr(p, "chunk", p) for p in _retrieve("Zinc supplementation lowers cortisol in healthy men.", r, 4)]
    got = {(c.doc_id, c.chunk_id) for c in found}
    assert ("zinc", "zinc-results") in got
    assert any(doc == "other" for doc, _ in got) and not any(doc == "aspirin" for doc, _ in got)


def test_a_term_the_studies_use_other_words_for_is_no_gap():
    """'gastrointestinal' is in no study, but the profile's other words for it are: the claim is on the studies' topic."""
    from chatbot.audit.pipeline import _named_otherwise
    from core.domain import DomainProfile

    profile = DomainProfile(subject=["zinc"], synonyms={"gastrointestinal": "side effects adverse events", "zinc": "Zn2+"})
    studies = [lit("a", "There were no reported adverse events in either arm.")]
    snap = Snapshot(settings=Settings(), version="v", path=None, manifest={}, chunks={c.chunk_id: c for c in studies})
    assert _named_otherwise("gastrointestinal", profile, snap)
    assert not _named_otherwise("hepatotoxicity", profile, snap)  # no other words for it
    other = [lit("b", "Serum zinc rose.")]
    elsewhere = Snapshot(settings=Settings(), version="w", path=None, manifest={}, chunks={c.chunk_id: c for c in other})
    assert not _named_otherwise("gastrointestinal", profile, elsewhere)


def test_topic_synonyms_leave_out_forms_and_the_subject():
    from core.domain import DomainProfile

    p = DomainProfile(subject=["zinc"], forms={"gluconate": ["gluconate"]}, synonyms={"gluconate": "gluconic", "zinc": "Zn", "cold": "rhinovirus"})
    assert p.topic_synonyms("Zinc gluconate shortens a cold") == [("cold", "rhinovirus")]


def test_an_audit_knows_when_it_was_computed_with_other_models_or_settings(snapshot):
    """`python -m cli audit --if-stale` (run by `make run`) recomputes a store's audit after an upgrade: ingest
    re-audits only a changed corpus."""
    from chatbot.audit import audit_is_current

    r = FakeRetriever(snapshot.ordered_chunks())
    ver = StubVerifier()
    report = audit_snapshot(snapshot, None, retriever=r, settings=snapshot.settings, verifier=ver, direction=None)
    assert report.parts_key and audit_is_current(report, snapshot, snapshot.settings, ver, None)
    stricter = snapshot.settings.model_copy(update={"audit": snapshot.settings.audit.model_copy(update={"verifier_refute_sure": 0.99})})
    assert not audit_is_current(report, snapshot, stricter, ver, None)
    other = StubVerifier()
    other.fingerprint = "other-weights"
    assert not audit_is_current(report, snapshot, snapshot.settings, other, None)
    assert not audit_is_current(None, snapshot, snapshot.settings, ver, None)
    older = AuditReport.model_validate({**report.to_json(), "parts_key": ""})  # written before the key existed
    assert not audit_is_current(older, snapshot, snapshot.settings, ver, None)


def test_an_audit_computed_by_older_rules_is_out_of_date(snapshot, monkeypatch):
    """An upgrade that changes how findings are decided (the code of chatbot/audit and core) makes a stored audit out
    of date, as new weights or settings do: `make run` re-audits instead of showing the old rules' findings."""
    from chatbot.audit import audit_is_current
    from chatbot.audit import pipeline

    fingerprint = pipeline.rules_fingerprint()
    assert len(fingerprint) == 12 and pipeline.rules_fingerprint() == fingerprint  # read once per process
    r = FakeRetriever(snapshot.ordered_chunks())
    ver = StubVerifier()
    report = audit_snapshot(snapshot, None, retriever=r, settings=snapshot.settings, verifier=ver, direction=None)
    assert audit_is_current(report, snapshot, snapshot.settings, ver, None)
    monkeypatch.setattr(pipeline, "rules_fingerprint", lambda: "newer-rules")
    assert not audit_is_current(report, snapshot, snapshot.settings, ver, None)
