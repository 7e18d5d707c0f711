"""A tiny prepared store for the app tests (AppTest and the real browser): four documents, one of
them carrying hostile markup, and an audit.json with one claim of each verdict."""

from __future__ import annotations

import json
import os
from pathlib import Path

from core.records import DocumentRecord, StoreManifest
from core.settings import PROJECT_ROOT, Settings
from core.store import snapshots_dir, write_version
from core.types import Chunk
from core.text import split_sentences
from fakes import FAKE_EMBEDDER, FakeEmbeddings

TESTS_DIR = Path(__file__).resolve().parent

EVIL = "Glycine before bed improved sleep quality <script>alert('pwned')</script> in the trial. See ![x](http://evil/x.png) for the figure."

DOCS = {
    "keyora": dict(
        title="The Neuroscience of Magnesium Glycinate",
        year=2025,
        role="article",
        study_type="article",
        section="HPA axis",
        meta={"doi": "10.5281/zenodo.16880133"},
        text="Magnesium glycinate is absorbed far better than magnesium oxide. Magnesium glycinate lowers cortisol by 40% within a week.",
    ),
    "firoz2001": dict(
        title="Oral magnesium absorption of four salts",
        year=2001,
        role="literature",
        study_type="rct",
        section="Results",
        meta={"pmid": "11794633", "digest_of": "abstract"},
        text="Magnesium oxide fractional absorption was only 4% in the urinary excretion study. "
        "Chloride, lactate and aspartate magnesium were absorbed better than magnesium oxide.",
    ),
    "abbasi2012": dict(
        title="Magnesium supplementation and primary insomnia in elderly",
        year=2012,
        role="literature",
        study_type="rct",
        section="Results",
        meta={"pmid": "23853635", "pmcid": "PMC3703169", "digest_of": "abstract"},
        text="Magnesium supplementation improved sleep efficiency and sleep onset latency in elderly adults. "
        "Serum cortisol fell with magnesium oxide in elderly adults with insomnia.",
    ),
    "evil2020": dict(
        title="Glycine and sleep <img src=x onerror=alert(1)>",
        year=2020,
        role="literature",
        study_type="crossover-trial",
        section="Abstract",
        meta={"digest_of": "abstract", "url": "javascript:alert(1)"},
        text=EVIL,
    ),
}

AUDIT_CLAIMS = [
    (
        "k1",
        "Magnesium glycinate lowers cortisol by 40% within a week.",
        "contradicted",
        ["The only cortisol result is from magnesium oxide in elderly insomnia patients, with no 40% figure."],
        "abbasi2012",
        "refutes",  # the stance the audit writes (core.contracts.Stance); the app shows it as "contradicts"
    ),
    (
        "k2",
        "Magnesium glycinate is absorbed far better than magnesium oxide.",
        "mixed",
        ["Oxide is poorly absorbed, but no study in the corpus measured glycinate."],
        "firoz2001",
        "qualifies",
    ),
    (
        "k3",
        "Magnesium improves sleep onset latency in older adults.",
        "supported",
        ["An RCT in elderly adults found shorter sleep onset latency."],
        "abbasi2012",
        "supports",
    ),
    ("k4", "Magnesium glycinate restores mitochondrial neuroenergetics.", "no_evidence", ["No passage addresses this."], None, None),
]


def build_app_store(root: Path) -> dict[str, str]:
    """Write the store under ``root`` and return the environment variables that point the app at it."""
    settings = Settings(store_dir=root / "store", corpus_dir=root / "corpus", embedding_model=FAKE_EMBEDDER, fetch_online=False)
    (root / "corpus").mkdir(parents=True, exist_ok=True)
    chunks, documents = [], {}
    for doc_id, d in DOCS.items():
        c = Chunk(
            chunk_id=f"{doc_id}-0",
            doc_id=doc_id,
            text=d["text"],
            start=0,
            end=len(d["text"]),
            sentences=split_sentences(d["text"]),
            title=d["title"],
            year=d["year"],
            role=d["role"],
            study_type=d["study_type"],
            section=d["section"],
            meta=dict(d["meta"]),
        )
        chunks.append(c)
        documents[doc_id] = DocumentRecord(
            hash=doc_id,
            path=f"{doc_id}.md",
            title=d["title"],
            year=d["year"],
            role=d["role"],
            study_type=d["study_type"],
            meta=dict(d["meta"], source_path=f"{doc_id}.md"),
            chunk_ids=[c.chunk_id],
            chars=len(d["text"]),
        )
    by_doc = {c.doc_id: c for c in chunks}

    def write_audit(version: str) -> None:
        claims = []
        for cid, text, verdict, reasons, ev_doc, stance in AUDIT_CLAIMS:
            ev = []
            if ev_doc:
                c = by_doc[ev_doc]
                ev.append(
                    {
                        "doc_id": ev_doc,
                        "chunk_id": c.chunk_id,
                        "title": c.title,
                        "year": c.year,
                        "study_type": c.study_type,
                        "text": c.sentence_texts()[-1],
                        "stance": stance,
                        "score": 0.9,
                    }
                )
            start = DOCS["keyora"]["text"].find(text)
            claims.append(
                {
                    "id": cid,
                    "text": text,
                    "section": "HPA axis",
                    "start": max(start, 0),
                    "end": max(start, 0) + len(text),
                    "chunk_id": "keyora-0" if start >= 0 else None,
                    "verdict": verdict,
                    "confidence": 0.8,
                    "evidence": ev,
                    "reasons": reasons,
                }
            )
        audit = {
            "version": version,
            "created": "2025-11-25T10:00:00",
            "verifier": {"path": "test", "fingerprint": "test"},
            "claims": claims,
            "stats": {"claims": len(claims)},
        }
        (snapshots_dir(settings) / version / "audit.json").write_text(json.dumps(audit))

    emb = FakeEmbeddings()
    write_version(
        settings,
        chunks,
        emb.embed_documents([c.text for c in chunks]),
        StoreManifest(created="2025-11-25T10:00:00", documents=documents, embedding_model=FAKE_EMBEDDER),
        before_flip=write_audit,
        extra_files={"domain.yaml": (PROJECT_ROOT / "corpus" / "domain.yaml").read_bytes()},  # as ingest copies the corpus profile
    )
    # a `streamlit run` subprocess registers the fake embedder by importing tests/fakes.py as a plugin
    pythonpath = os.pathsep.join(p for p in (str(TESTS_DIR), os.environ.get("PYTHONPATH", "")) if p)
    return {
        "MGC_STORE_DIR": str(root / "store"),
        "MGC_CORPUS_DIR": str(root / "corpus"),
        "MGC_EMBEDDING_MODEL": FAKE_EMBEDDER,
        "MGC_FETCH_ONLINE": "false",
        "MGC_PLUGINS": '["fakes"]',
        "PYTHONPATH": pythonpath,
    }


def fake_flags(audit: dict, passages: list) -> list[dict]:
    """What ``chatbot.audit.flags_for_passages`` returns, for use until/unless it is available."""
    ids = {p.chunk.chunk_id for p in passages}
    return [
        {"claim_id": c["id"], "claim": c["text"], "chunk_id": c["chunk_id"], "verdict": c["verdict"], "reasons": c["reasons"], "evidence": c["evidence"]}
        for c in audit["claims"]
        if c["chunk_id"] in ids and c["verdict"] != "supported"
    ]


# --- AppTest set-up shared by test_app.py and test_app_pages.py --------------------------------------------------------

APP = str(TESTS_DIR.parent / "streamlit_app.py")
TIMEOUT = 120


def use_app_store(tmp_path: Path, monkeypatch) -> dict[str, str]:
    """Point the app at a fresh tiny store, with no server, no LLM, no claim check and no real verifier load."""
    env = build_app_store(tmp_path)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("MGC_CHROMA__HOST", raising=False)
    monkeypatch.delenv("MGC_LLM__PROVIDER", raising=False)
    from chatbot.answer import audit_adapter

    # questions here are not claims; keep the (model-loading) claim verifier out of these tests
    monkeypatch.setattr(audit_adapter, "looks_like_claim", lambda auditor, q: False)
    import app.warmup

    monkeypatch.setattr(app.warmup, "warm_verifier", lambda services, text: None)  # no real verifier load behind each page
    return env


def join_warmups(timeout: float = 120) -> None:
    """Wait for the pages' background warm-ups of this test to end, so none overlaps the next test's store."""
    import threading

    for t in threading.enumerate():
        if t.name.startswith("magcheck-warmup-"):
            t.join(timeout)
            assert not t.is_alive(), f"{t.name} still running after {timeout:.0f} s"


def new_app():
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(APP, default_timeout=TIMEOUT)
