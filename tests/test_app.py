"""The Streamlit app driven headlessly with AppTest against a tiny prepared store (fake embedder)."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from appstore import AUDIT_CLAIMS, DOCS, TIMEOUT, build_app_store, join_warmups, new_app, use_app_store
from core.audit_report import VerdictRecord

ROOT = Path(__file__).resolve().parent.parent
CORPUS_PAGE = str(ROOT / "app" / "pages" / "corpus.py")


@pytest.fixture
def app_env(tmp_path, monkeypatch):
    yield use_app_store(tmp_path, monkeypatch)
    join_warmups()


_app = new_app


def _ask(at: AppTest, question: str) -> AppTest:
    at.chat_input[0].set_value(question).run()
    assert not at.exception, at.exception
    return at


def _md(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown]


def _all_text(at: AppTest) -> str:
    parts = _md(at) + [c.value for c in at.caption] + [e.label for e in at.expander]
    parts += [w.value for w in at.warning] + [w.value for w in at.error] + [w.value for w in at.info]
    return "\n".join(str(p) for p in parts)


def test_first_visit_shows_examples_and_store_status(app_env):
    at = _app().run()
    assert not at.exception, at.exception
    labels = [b.label for b in at.button]
    assert "Start over" in labels
    assert any("older adults" in lbl for lbl in labels)  # example questions
    assert any(e.label == "Store status" for e in at.expander)
    assert [m.value for m in at.metric] == ["4", "4"]  # documents, chunks
    radio = at.radio(key="answerer")
    assert radio.disabled  # no LLM configured
    text = _all_text(at)
    assert "MGC_" not in text and "language model" in text and "README" in text  # said in a reader's words


def test_question_gets_answer_with_sources(app_env):
    at = _ask(_app().run(), "How well is magnesium oxide absorbed compared with other salts?")
    text = _all_text(at)
    assert "**Sources**" in text
    assert "Oral magnesium absorption of four salts" in text
    assert "RCT" in text  # study type label
    assert "Study digest (digest of the paper" in text  # role of a literature digest
    assert "[PubMed](https://pubmed.ncbi.nlm.nih.gov/11794633/)" in text
    assert ":orange-background[**" in text  # the cited sentence highlighted
    assert any("**\\[1\\]**" in m for m in _md(at))  # inline citation number in the answer
    assert len(at.chat_message) == 2
    # the conversation is kept: a follow-up adds two more turns
    _ask(at, "And what about sleep in the elderly?")
    assert len(at.chat_message) == 4


def test_flagged_claim_gets_badge_with_reasons_and_evidence(app_env):
    at = _ask(_app().run(), "How is magnesium glycinate absorbed compared with magnesium oxide?")
    md = _md(at)
    flagged = [m for m in md if m.startswith(":") and "The article says" in m]
    assert flagged, md
    assert any(":red-badge[" in m and "Contradicted" in m and "cortisol by 40" in m for m in flagged)
    assert any(":orange-badge[" in m and "Mixed evidence" in m for m in flagged)
    assert not any("restores mitochondrial" in m for m in flagged)  # no_evidence claim is in another passage
    assert any(e.label == "Reasons and evidence" for e in at.expander)
    assert "magnesium oxide in elderly insomnia patients" in _all_text(at)  # reason text
    assert any(":red-badge[contradicts]" in m for m in md)  # stance of the quoted evidence


def test_claim_question_leads_with_verdict(app_env, monkeypatch):
    from chatbot.answer import audit_adapter

    verdict = {
        "claim": "Magnesium glycinate lowers cortisol.",
        "verdict": "contradicted",
        "confidence": 0.71,
        "reasons": ["The cortisol result is from magnesium oxide."],
        "evidence": [
            {
                "doc_id": "abbasi2012",
                "chunk_id": "abbasi2012-0",
                "title": "Magnesium supplementation",
                "year": 2012,
                "study_type": "rct",
                "stance": "refutes",
                "text": "Serum cortisol fell with magnesium oxide in elderly adults with insomnia.",
            }
        ],
    }
    monkeypatch.setattr(audit_adapter, "looks_like_claim", lambda auditor, q: True)
    monkeypatch.setattr(audit_adapter, "check_claim", lambda auditor, text, retriever: VerdictRecord.model_validate(verdict))
    at = _ask(_app().run(), "Magnesium glycinate lowers cortisol.")
    md = _md(at)
    lead = [i for i, m in enumerate(md) if m.startswith("**Finding on your claim:**")]
    assert lead and ":red-badge[" in md[lead[0]]
    assistant = [i for i, m in enumerate(md) if "Sources" in m]
    assert lead[0] < assistant[0]  # the verdict comes before the answer and its sources
    assert not any(m.startswith("Claim check:") for m in md)  # not repeated as plain text


def test_start_over_clears_the_conversation(app_env):
    at = _ask(_app().run(), "How well is magnesium oxide absorbed?")
    assert len(at.chat_message) == 2
    [b for b in at.button if b.label == "Start over"][0].click().run()
    assert len(at.chat_message) == 0
    assert any("older adults" in b.label for b in at.button)


def test_example_question_button_asks_it(app_env):
    at = _app().run()
    [b for b in at.button if b.label.startswith("How well is magnesium glycinate absorbed")][0].click().run()
    assert not at.exception, at.exception
    assert len(at.chat_message) == 2
    assert "**Sources**" in _all_text(at)


def test_document_markup_renders_inert(app_env):
    at = _ask(_app().run(), "What did glycine before bed do to sleep quality in the trial figure?")
    md = _md(at)
    joined = "\n".join(md + [c.value for c in at.caption])
    assert "alert" in joined and "evil" in joined, joined  # the hostile passage was cited ...
    assert "\\<script\\>alert\\(\\'pwned\\'\\)\\<\\/script\\>" in joined  # ... and shown as escaped text
    assert "!\\[x\\]\\(http\\:\\/\\/evil\\/x\\.png\\)" in joined
    for m in md + [c.value for c in at.caption]:
        assert not re.search(r"(?<!\\)<(script|img)", m), m  # every < is backslash-escaped
        assert "![" not in m and "](http://evil" not in m, m
        assert "javascript:" not in m, m  # a javascript: URL in metadata never becomes a link
        assert "http://evil" not in m, m  # not even as an autolink


def test_audit_page_lists_every_claim(app_env):
    at = _app().run()
    at.switch_page("app/pages/audit.py").run()
    assert not at.exception, at.exception
    df = at.dataframe[0].value
    assert len(df) == len(AUDIT_CLAIMS)
    # findings in words, not the scripts' labels; legacy records get the finding their verdict implies
    assert set(df["finding"]) == {"Contradicted", "Conflicting", "Supported", "Unsupported"}
    by_claim = df.set_index("claim")
    assert by_claim.loc[AUDIT_CLAIMS[0][1], "strongest_study_type"] == "RCT"
    assert by_claim.loc[AUDIT_CLAIMS[3][1], "evidence"] == 0
    assert "id" not in df and "verdict" not in df  # internal ids and the 4-way verdict stay in the JSON
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Claims"] == "4" and metrics["Contradicted"] == "1"
    assert {b.label for b in at.get("download_button")} == {"Download CSV", "Download JSON"}
    # detail view: choose the contradicted claim; the picker shows claim text, not ids
    picker = at.selectbox(key="audit_claim")
    assert all(not o.startswith("k") and " · " in o for o in picker.options), picker.options
    picker.set_value("k1").run()
    md = _md(at)
    assert any(m.startswith(":red-badge[") for m in md)
    assert "only cortisol result" in _all_text(at)
    # filtering narrows the table
    at.multiselect[0].set_value(["supported"]).run()
    assert list(at.dataframe[0].value["claim"]) == [AUDIT_CLAIMS[2][1]]


def test_corpus_page_lists_documents(app_env):
    at = _app().run()
    at.switch_page("app/pages/corpus.py").run()
    assert not at.exception, at.exception
    df = at.dataframe[0].value
    assert len(df) == 4 and df.iloc[0]["role"] == "Article"
    for doc_id, d in DOCS.items():
        row = df[df["doc_id"] == doc_id].iloc[0]
        assert (row["title"], row["year"], row["study_type"]) == (d["title"], d["year"], d["study_type"])
        assert row["role"] == ("Article" if d["role"] == "article" else "Study digest")
    assert any(b.label == "Re-ingest the corpus" for b in at.button)


def _corpus_table(monkeypatch, settings):
    """The Corpus page's document table for the store of ``settings`` (page run on its own)."""
    for k, v in {"MGC_STORE_DIR": str(settings.store_dir), "MGC_CORPUS_DIR": str(settings.corpus_dir), "MGC_EMBEDDING_MODEL": settings.embedding_model}.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("MGC_CHROMA__HOST", raising=False)
    at = AppTest.from_file(CORPUS_PAGE, default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    return at.dataframe[0].value


def _expected_rows(corpus_dir: Path, ids: set[str] | None = None) -> dict[str, dict]:
    """What the curated corpus manifest says about each document."""
    import yaml

    entries = yaml.safe_load((corpus_dir / "manifest.yaml").read_text(encoding="utf-8"))["documents"]
    return {e["id"]: e for e in entries if ids is None or e["id"] in ids}


def _check_corpus_table(df, expected: dict[str, dict]) -> None:
    assert set(expected) <= set(df["doc_id"])
    for doc_id, e in expected.items():
        row = df[df["doc_id"] == doc_id].iloc[0]
        if e.get("title"):  # else the file's front matter or its name decides
            assert row["title"] == " ".join(str(e["title"]).split()), (doc_id, row["title"])
        assert row["title"]
        if e.get("year") is not None:  # else the file's own front matter decides
            assert row["year"] == e["year"], (doc_id, row["year"])
        assert row["study_type"] == e["study_type"]
        assert row["role"] == ("Article" if e["role"] == "article" else "Study digest")
    assert df.iloc[0]["role"] == "Article"


def test_corpus_page_shows_what_ingest_wrote(settings, monkeypatch, tmp_path):
    """A store built by the real ingest pipeline (fake embedder) from part of the default corpus:
    the Corpus page shows each document's real title, year, role and study type, not its id."""
    import shutil

    corpus = ROOT / "corpus"
    keep = {"keyora2025", "abbasi2012", "schuette1994"}
    expected = _expected_rows(corpus, keep)
    shutil.copy(corpus / "manifest.yaml", settings.corpus_dir / "manifest.yaml")
    for e in expected.values():
        (settings.corpus_dir / e["path"]).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(corpus / e["path"], settings.corpus_dir / e["path"])
    from fakes import FakeEmbeddings
    from ingest.pipeline import run_ingest

    s = run_ingest(settings, audit=False, embeddings=FakeEmbeddings())
    assert set(s.added) == keep, s.format()
    df = _corpus_table(monkeypatch, settings)
    assert len(df) == len(keep)
    _check_corpus_table(df, expected)


@pytest.mark.integration
def test_corpus_page_on_the_default_store(default_store, monkeypatch):
    """The done-when of issue 12: the default store, ingested with the real models, shows the real
    titles, years, roles and study types of every document of the curated manifest."""
    df = _corpus_table(monkeypatch, default_store)
    _check_corpus_table(df, _expected_rows(default_store.corpus_dir))


def test_evals_page_explains_how_to_run_without_a_report(app_env, tmp_path, monkeypatch):
    monkeypatch.setenv("MGC_EVALS_REPORTS_DIR", str(tmp_path / "reports"))
    at = _app().run()
    at.switch_page("app/pages/evals.py").run()
    assert not at.exception, at.exception
    assert "python -m evals run" in _all_text(at)


def test_evals_page_shows_latest_report_and_plots(app_env, tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    latest = tmp_path / "reports" / "latest"
    latest.mkdir(parents=True)
    (latest / "report.md").write_text(
        "# Eval report\n\n| metric | value |\n|---|---|\n| recall@5 | 0.81 |\n\n<script>x</script>\n\n## Plots\n\n![metrics](metrics.png)\n"
    )
    plt.figure(figsize=(2, 1)).savefig(latest / "metrics.png")
    (latest / "results.json").write_text("{}")
    monkeypatch.setenv("MGC_EVALS_REPORTS_DIR", str(tmp_path / "reports"))
    at = _app().run()
    at.switch_page("app/pages/evals.py").run()
    assert not at.exception, at.exception
    md = "\n".join(_md(at))
    assert "recall@5" in md and "![metrics]" not in md and "<script>" not in md
    assert len(at.get("image")) == 1


def test_missing_store_gives_guidance_and_builds_it(tmp_path, monkeypatch):
    for k, v in {"MGC_STORE_DIR": str(tmp_path / "nostore"), "MGC_CORPUS_DIR": str(tmp_path / "corpus"), "MGC_EMBEDDING_MODEL": "fake"}.items():
        monkeypatch.setenv(k, v)
    at = _app().run()
    assert not at.exception, at.exception
    assert any("has not been built yet" in w.value and "python -m cli ingest" in w.value for w in at.warning)
    assert not at.chat_input  # nothing to ask yet

    import ingest.pipeline

    def fake_ingest(settings, dry_run=False, audit=True, progress=None, **kw):
        progress(1, 2, "loading")
        build_app_store(tmp_path / "built")
        import shutil

        shutil.copytree(tmp_path / "built" / "store", settings.store_dir)
        progress(2, 2, "done")
        return {
            "added": ["a", "b", "c", "d"],
            "failed": [("x.pdf", "encrypted PDF")],
            "chunks": 4,
            "documents": 4,
            "seconds": 1.0,
            "version": "v1",
            "changed": True,
        }

    monkeypatch.setattr(ingest.pipeline, "run_ingest", fake_ingest)
    [b for b in at.button if b.label == "Build the store now"][0].click().run()
    assert not at.exception, at.exception
    assert at.chat_input  # the chat is usable now
    assert not any("has not been built yet" in w.value for w in at.warning)


def test_unreachable_chroma_server_is_reported(app_env, monkeypatch):
    # a port nobody listens on: bound but never listening for the whole test, so connections are
    # refused and no other process can start listening on it meanwhile
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        monkeypatch.setenv("MGC_CHROMA__HOST", "127.0.0.1")
        monkeypatch.setenv("MGC_CHROMA__PORT", str(port))
        at = _app().run()
        assert not at.exception, at.exception
        assert any("not reachable" in e.value for e in at.error)
        # the audit page reads only the snapshot on disk and still works
        at.switch_page("app/pages/audit.py").run()
        assert not at.exception and at.dataframe


def test_reingest_keeps_open_sessions_on_their_version(app_env, tmp_path):
    """A session that started on v1 keeps answering from v1 after v2 is written; new sessions get v2."""
    from fakes import FakeEmbeddings
    from core.records import DocumentRecord, StoreManifest
    from core.settings import Settings
    from core.store import current_version, write_version
    from core.types import Chunk

    old = _ask(_app().run(), "How well is magnesium oxide absorbed?")
    settings = Settings()
    t = "Magnesium citrate was absorbed better than magnesium oxide in healthy volunteers."
    c = Chunk(
        chunk_id="new-0", doc_id="new", text=t, start=0, end=len(t), sentences=[(0, len(t))], title="New study", year=2024, role="literature", study_type="rct"
    )
    write_version(
        settings,
        [c],
        FakeEmbeddings().embed_documents([t]),
        StoreManifest(documents={"new": DocumentRecord(hash="new", path="new.md", title="New study", chunk_ids=["new-0"])}),
    )
    assert current_version(settings) == "v2"

    _ask(old, "And how is magnesium oxide absorbed in the urinary excretion study?")
    assert len(old.chat_message) == 4
    assert "Oral magnesium absorption of four salts" in _all_text(old)  # still v1's documents
    assert "A newer store version (v2)" in _all_text(old)

    fresh = _app().run()
    assert [m.value for m in fresh.metric] == ["1", "1"]  # a new session reads v2


def test_llm_answer_is_streamed_and_checked(app_env, monkeypatch):
    """With an LLM configured the answer streams through st.write_stream, then the checked answer
    (citations attached by the support check) replaces the streamed text."""
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    import chatbot.answer.llm as llm
    from chatbot.answer import audit_adapter

    monkeypatch.setenv("MGC_LLM__PROVIDER", "ollama")
    monkeypatch.setenv("MGC_LLM__MODEL", "fake-model")
    model = FakeListChatModel(responses=["Magnesium oxide fractional absorption was only 4% in the urinary excretion study."])
    monkeypatch.setattr(llm, "get_chat_model", lambda settings, spec=None: model)
    monkeypatch.setattr(audit_adapter, "entailment", lambda *a, **k: None)
    at = _app().run()
    radio = at.radio(key="answerer")
    assert not radio.disabled and "fake-model" in radio.options[1]
    radio.set_value("llm").run()
    _ask(at, "How well is magnesium oxide absorbed?")
    text = _all_text(at)
    assert "only 4% in the urinary excretion study" in text.replace("\\", "")
    assert "Oral magnesium absorption of four salts" in text  # the checker cited the source
    assert "Answered by llm" in text.replace("\\", "")


def test_corpus_reingest_shows_progress_summary_and_failures(app_env, monkeypatch):
    import ingest.pipeline
    from fakes import FakeEmbeddings
    from core.records import DocumentRecord, StoreManifest
    from core.store import write_version
    from core.types import Chunk

    calls = []

    def fake_ingest(settings, dry_run=False, audit=True, progress=None, **kw):
        calls.append(settings.corpus_dir)
        progress(1, 2, "loading <b>x.md</b>")
        t = "Magnesium citrate was absorbed better than magnesium oxide."
        c = Chunk(chunk_id="n-0", doc_id="n", text=t, start=0, end=len(t), sentences=[(0, len(t))], title="New")
        v = write_version(
            settings,
            [c],
            FakeEmbeddings().embed_documents([t]),
            StoreManifest(documents={"n": DocumentRecord(hash="n", path="n.md", title="New", chunk_ids=["n-0"])}),
        )
        progress(2, 2, "done")
        return ingest.pipeline.Summary(
            added=["n"],
            removed=["a", "b", "c", "d"],
            failed=[("uploads/bad.pdf", "encrypted PDF")],
            chunks=1,
            documents=1,
            seconds=0.5,
            version=v,
            changed=True,
        )

    monkeypatch.setattr(ingest.pipeline, "run_ingest", fake_ingest)
    at = _app().run()
    at.switch_page("app/pages/corpus.py").run()
    [b for b in at.button if b.label == "Re-ingest the corpus"][0].click().run()
    assert not at.exception, at.exception
    assert calls == [Path(app_env["MGC_CORPUS_DIR"])]
    assert any("could not be ingested" in e.value for e in at.error)
    failed = at.dataframe[-1].value
    assert list(failed["reason"]) == ["encrypted PDF"]
    assert "version v2" in _all_text(at)
    assert len(at.dataframe[0].value) == 1  # this session now reads the new version


def test_a_failing_answer_is_reported_not_crashed(app_env, monkeypatch):
    import chatbot.answer.service as service

    def boom(*a, **k):
        raise RuntimeError("index exploded")

    monkeypatch.setattr(service, "answer_question", boom)
    at = _app().run()
    at.chat_input[0].set_value("How well is magnesium oxide absorbed?").run()
    assert not at.exception, at.exception
    assert any("index exploded" in e.value for e in at.error)
    assert at.chat_input  # the page is still usable


def _flags_script(root: str):
    import sys

    sys.path.insert(0, root)  # the project root, whatever the working directory
    from app.components import draw_flags

    draw_flags(
        [
            {"claim": "Glycinate crosses into neurons.", "verdict": "no_evidence", "reasons": ["no literature passage bears on the claim"]},
            {"claim": "Glycinate is 80% absorbed.", "verdict": "contradicted", "reasons": ["reported 23.5%"], "evidence": []},
            {"claim": "Glycinate restores ATP.", "verdict": "no_evidence", "reasons": ["nothing found"]},
        ]
    )


def test_disagreements_come_first_and_unevidenced_claims_are_grouped():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_flags_script, args=(str(ROOT),), default_timeout=TIMEOUT).run()
    md = [m.value for m in at.markdown]
    claims = [m for m in md if "The article says" in m]
    assert len(claims) == 1 and "Contradicted" in claims[0] and "80\\% absorbed" in claims[0]  # escaped Markdown
    group = [e for e in at.expander if e.label.startswith("No evidence: 2 claims")]
    assert group, [e.label for e in at.expander]
    assert any("crosses into neurons" in m for m in md) and any("restores ATP" in m for m in md)


def test_an_invalid_setting_is_one_line_on_the_page(tmp_path, monkeypatch):
    """A bad MGC_* value shows the variable and the rule on the page, not a traceback."""
    monkeypatch.setenv("MGC_STORE_DIR", str(tmp_path / "store"))
    monkeypatch.setenv("MGC_RETRIEVAL__RERANK_WEIGHT", "-1")
    at = AppTest.from_file(CORPUS_PAGE, default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    assert any("MGC_RETRIEVAL__RERANK_WEIGHT" in e.value and "greater than 0" in e.value for e in at.error), [e.value for e in at.error]
