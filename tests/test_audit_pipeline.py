"""Claim extraction, check_claim, audit_snapshot (incremental), flags and claim-like questions,
with hand-made chunks, a tiny fake retriever and a stub verifier (no model, no store)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from chatbot.audit import (audit_snapshot, check_claim, claim_from_question, flags_for_passages, looks_like_claim)
from chatbot.audit.claims import extract_claims, is_checkworthy
from core.settings import Settings
from core.store import Snapshot
from core.text import content_hash, split_sentences
from core.types import Chunk

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
    out, start = [], 0
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
    return [Chunk(chunk_id=content_hash("art", t), doc_id="article", text=t, start=a, end=a + len(t),
                  sentences=split_sentences(t), title="Article", role="article", section="1. Intro") for a, t in out]


def lit(doc: str, text: str, study_type: str = "rct", **meta) -> Chunk:
    return Chunk(chunk_id=content_hash(doc, text), doc_id=doc, text=text, start=0, end=len(text),
                 sentences=split_sentences(text), title=f"Paper {doc}", year=2001, role="literature",
                 study_type=study_type, meta=meta)


LIT = [
    lit("schuette", "Magnesium diglycinate vs oxide in 12 patients with ileal resection. Overall absorption was "
        "23.5% for the chelate vs 22.8% for magnesium oxide.", "pharmacokinetic", magnesium_form="glycinate",
        population="12 patients who had undergone ileal resection", intervention="single 100-mg dose"),
    lit("nowak", "With Mg2+ present the NMDA channel openings fell steeply with hyperpolarisation: the Mg2+ block "
        "of NMDA channels is voltage dependent.", "in-vitro", magnesium_form="unknown", population="cultured mouse central neurones"),
    lit("mayer", "Adding Mg2+ back antagonised NMDA responses in a voltage-dependent manner; Mg2+ blocks the NMDA channel.",
        "in-vitro", magnesium_form="unknown", population="cultured neurones from mouse spinal cord"),
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
    """SUPPORTS for NMDA-block pairs, REFUTES never, otherwise NOT_ENOUGH_INFO; counts pairs."""

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
        return np.array(rows, dtype=np.float32)


@pytest.fixture
def snapshot(tmp_path):
    s = Settings(store_dir=tmp_path / "store", embedding_model="fake")
    chunks = article_chunks() + LIT
    return Snapshot(settings=s, version="v1", path=tmp_path, manifest={"version": "v1"}, chunks={c.chunk_id: c for c in chunks})


# ---------------------------------------------------------------------------- extraction

def test_extraction_lead_ins_infographic_and_filters(snapshot):
    claims = extract_claims(snapshot.ordered_chunks())
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
    assert doc[nmda.start:nmda.end] == "At rest, magnesium naturally blocks the NMDA channel."


def test_ids_stable_across_rechunking(snapshot):
    a = {c.id for c in extract_claims(article_chunks(size=260))}
    b = {c.id for c in extract_claims(article_chunks(size=120))}
    assert a == b


@pytest.mark.parametrize("text,ok", [
    ("Magnesium oxide is absorbed poorly, with 4% fractional absorption.", True),
    ("At rest, magnesium naturally blocks the NMDA channel.", True),
    ("Is magnesium good for sleep?", False),
    ('"I stopped waking up at 3 a.m."', False),
    ("Take 300 mg of magnesium glycinate before bed.", False),
    ("Thanks for reading Keyora's Substack!", False),
    ("This is not a personal failure.", False),
])
def test_checkworthiness(text, ok):
    assert is_checkworthy(text) is ok


# ---------------------------------------------------------------------------- check_claim

def test_check_claim_uses_literature_only(snapshot):
    r = FakeRetriever(snapshot.ordered_chunks())
    v = check_claim("At rest, magnesium naturally blocks the NMDA channel.", r, snapshot.settings, verifier=StubVerifier())
    assert r.calls and all(role == "literature" for _, _, role in r.calls)
    assert v.verdict == "supported"  # two concordant cell studies for a mechanism
    assert v.evidence and all(e.chunk.role == "literature" for e in v.evidence)
    j = v.to_json()
    assert list(j) == ["claim", "verdict", "confidence", "evidence", "reasons"]


def test_check_claim_numbers_beat_a_fooled_model(snapshot):
    r = FakeRetriever(snapshot.ordered_chunks())
    v = check_claim("The absorption of magnesium glycinate is 50–80%.", r, snapshot.settings, verifier=StubVerifier())
    assert v.verdict == "contradicted"
    assert any("23.5%" in x for x in v.reasons)


def test_check_claim_question_form(snapshot):
    r = FakeRetriever(snapshot.ordered_chunks())
    v = check_claim("Is glycinate absorption 80%?", r, snapshot.settings, verifier=StubVerifier())
    assert v.claim == "Is glycinate absorption 80%?" and v.verdict != "supported"


def test_check_claim_nothing_relevant(snapshot):
    r = FakeRetriever(snapshot.ordered_chunks())
    v = check_claim("Zinc cures the common cold in toddlers.", r, snapshot.settings, verifier=StubVerifier())
    assert v.verdict == "no_evidence" and v.evidence == []


# ---------------------------------------------------------------------------- audit_snapshot

def test_audit_snapshot_incremental(snapshot):
    r = FakeRetriever(snapshot.ordered_chunks())
    ver = StubVerifier()
    a = audit_snapshot(snapshot, None, retriever=r, verifier=ver)
    assert a["version"] == "v1" and a["claims"] and a["stats"]["reused"] == 0
    for c in a["claims"]:
        assert {"id", "text", "section", "start", "end", "chunk_id", "claim", "verdict", "confidence", "evidence", "reasons"} <= set(c)
    bio = next(c for c in a["claims"] if "50–80%" in c["text"])
    assert bio["verdict"] != "supported"
    pairs = ver.pairs
    b = audit_snapshot(snapshot, a, retriever=r, verifier=ver)
    assert ver.pairs == pairs and b["stats"]["reused"] == len(b["claims"])
    assert [c["id"] for c in a["claims"]] == [c["id"] for c in b["claims"]]
    # a changed paper changes the evidence of the claims that retrieve it, and only those are re-verified
    changed = [c if c.doc_id != "schuette" else lit("schuette", c.text + " Absorption was 25%.", "pharmacokinetic",
                                                    **c.meta) for c in snapshot.ordered_chunks()]
    c2 = audit_snapshot(snapshot, a, retriever=FakeRetriever(changed), verifier=ver)
    assert 0 < c2["stats"]["reverified"] <= len(c2["claims"])


def test_flags_for_passages(snapshot):
    a = audit_snapshot(snapshot, None, retriever=FakeRetriever(snapshot.ordered_chunks()), verifier=StubVerifier())
    bio = next(c for c in a["claims"] if "50–80%" in c["text"])
    cited = [P(snapshot.chunks[bio["chunk_id"]], 1.0, 1)]
    flags = flags_for_passages(a, cited)
    assert any(f["claim_id"] == bio["id"] for f in flags)
    assert all(set(f) == {"claim_id", "claim", "verdict", "reasons", "evidence"} and f["verdict"] != "supported" for f in flags)
    assert flags_for_passages(a, [P(LIT[0], 1.0, 1)]) == []  # literature passages carry no article claims
    assert flags_for_passages(None, cited) == []


# ---------------------------------------------------------------------------- questions

@pytest.mark.parametrize("q,ok", [
    ("Is glycinate 80% bioavailable?", True),
    ("Does magnesium glycinate improve sleep?", True),
    ("Magnesium blocks NMDA receptors.", True),
    ("Is it true that magnesium oxide is poorly absorbed?", True),
    ("What is magnesium glycinate?", False),
    ("How does magnesium affect GABA?", False),
    ("magnesium sleep", False),
])
def test_looks_like_claim(q, ok):
    assert looks_like_claim(q) is ok


def test_claim_from_question():
    assert claim_from_question("Is glycinate 80% bioavailable?") == "glycinate is 80% bioavailable"
    assert claim_from_question("Does magnesium improve sleep?") == "magnesium improves sleep"
    assert claim_from_question("Is magnesium glycinate better absorbed than oxide?") == "magnesium glycinate is better absorbed than oxide"
