"""The app's pure helpers: escaping, highlighting, links, badges, tables, upload checks."""

from __future__ import annotations

import json
from pathlib import Path
import string

import pytest

from app.render import (
    answer_markdown,
    escape_md,
    highlight,
    resolve_spans,
    role_label,
    source_links,
    strongest_study_type,
    verdict_badge,
)
from app.reports import report_markdown
from app.tables import audit_csv, audit_frame, documents_rows, filter_audit, summary_view, verdict_counts
from app.uploads import UploadRejected, check_upload, sanitize_filename, save_upload
from core.audit_report import AuditReport, ClaimRecord


# --- escaping ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        "![x](http://evil/x.png)",
        "[click](javascript:alert(1))",
        "<img src=x onerror=alert(1)>",
        "# Heading",
        "| a | b |",
        ":red[big]",
        "$x^2$",
        "http://evil.example/x",
        "www.evil.example",
        "a@evil.example",
        "**bold** _it_ `code`",
        "&lt;script&gt;",
        "1. list",
        "- item",
        "> quote",
        "~~strike~~",
        ":material/home:",
    ],
)
def test_escape_leaves_no_live_markdown(hostile):
    out = escape_md(hostile)
    # every ASCII punctuation character is backslash-escaped, so none can start markup
    i = 0
    while i < len(out):
        if out[i] == "\\":
            assert out[i + 1] in string.punctuation
            i += 2
            continue
        assert out[i] not in string.punctuation, (hostile, out)
        i += 1


def test_escape_round_trips_visible_text():
    text = "Mg 500 mg/day (p < 0.05) vs. 4% — ok?"
    out = escape_md(text)
    assert out.replace("\\", "") == text


def test_highlight_marks_only_cited_sentences_after_escaping():
    text = "First <b>one</b>. Cited ![x](y) sentence. Last."
    spans = resolve_spans(text, ["Cited ![x](y) sentence."])
    out = highlight(text, spans)
    assert out.count(":orange-background[**") == 1
    assert "Cited \\!\\[x\\]\\(y\\) sentence\\." in out
    assert "\\<b\\>one\\<\\/b\\>" in out


def test_resolve_spans_accepts_indices_pairs_and_loose_whitespace():
    text = "Alpha one. Beta  two\nlines. Gamma three."
    assert resolve_spans(text, [0]) == [(0, 10)]
    assert resolve_spans(text, [[11, 27]]) == [(11, 27)]
    assert resolve_spans(text, ["Beta two lines."]) == [(11, 27)]
    assert resolve_spans(text, ["not there"]) == []


def test_answer_markdown_keeps_structure_and_citations_only():
    md = answer_markdown("What the article says\n- Claim <i>x</i> [1]\n\nWhat the studies found\n- Finding [2] (RCT, 2012)")
    assert md.startswith("**What the article says**")
    assert "- Claim \\<i\\>x\\<\\/i\\> **\\[1\\]**" in md
    assert "**\\[2\\]** \\(RCT\\, 2012\\)" in md


def test_verdict_badges_have_distinct_colours():
    assert verdict_badge("contradicted").startswith(":red-badge[")
    assert verdict_badge("mixed").startswith(":orange-badge[")
    assert verdict_badge("no_evidence").startswith(":gray-badge[")
    assert verdict_badge("supported").startswith(":green-badge[")
    assert verdict_badge("weird]verdict").startswith(":gray-badge[") and "weird\\]verdict" in verdict_badge("weird]verdict")


def test_role_labels():
    assert role_label("article") == "Article"
    assert role_label("literature", True).startswith("Study digest (digest of the paper's abstract")
    assert "own text" in role_label("literature", False)


def test_source_links_validate_identifiers():
    links = dict(source_links("10.1093/jn/123(4)", "23853635", "pmc3703169", None))
    assert links["DOI"] == "https://doi.org/10.1093/jn/123%284%29"
    assert links["PubMed"] == "https://pubmed.ncbi.nlm.nih.gov/23853635/"
    assert links["PMC"] == "https://pmc.ncbi.nlm.nih.gov/articles/PMC3703169/"
    assert source_links("https://doi.org/10.1000/abc")[0][1] == "https://doi.org/10.1000/abc"
    assert source_links("not a doi", "12ab", "PMCx", "javascript:alert(1)") == []
    assert source_links(url="https://example.org/a paper)") == [("Original", "https://example.org/a%20paper%29")]
    # a PMC page URL becomes the PMC link (not a duplicate "Original")
    assert source_links(pmid="1", url="https://pmc.ncbi.nlm.nih.gov/articles/PMC3703169/") == [
        ("PubMed", "https://pubmed.ncbi.nlm.nih.gov/1/"),
        ("PMC", "https://pmc.ncbi.nlm.nih.gov/articles/PMC3703169/"),
    ]
    assert source_links("10.1000/abc", url="https://doi.org/10.1000/abc") == [("DOI", "https://doi.org/10.1000/abc")]


def test_strongest_study_type_follows_the_evidence_hierarchy():
    ev = [{"study_type": "animal"}, {"study_type": "rct"}, {"study_type": "narrative-review"}]
    assert strongest_study_type(ev) == "rct"
    assert strongest_study_type(ev + [{"study_type": "meta-analysis"}]) == "meta-analysis"
    assert strongest_study_type([]) == ""


# --- tables -----------------------------------------------------------------------------------

AUDIT = AuditReport.model_validate(
    {
        "claims": [
            {
                "id": "a",
                "text": '=HYPERLINK("http://evil")',
                "section": "S1",
                "verdict": "contradicted",
                "confidence": 0.9,
                "evidence": [{"study_type": "animal"}, {"study_type": "rct"}],
            },
            {"id": "b", "text": "Glycine helps sleep", "section": "S2", "verdict": "supported", "evidence": []},
            {
                "id": "c",
                "text": "Glycinate cures insomnia",
                "section": "S2",
                "verdict": "mixed",
                "finding": "extrapolated",
                "reason": "evidence exists only under other conditions: magnesium form differs",
                "evidence": [],
            },
        ]
    }
)


def test_audit_table_filters_counts_and_exports():
    df = audit_frame(AUDIT)
    # claims needing attention first: contradicted, then extrapolated, then supported
    assert list(df["id"]) == ["a", "c", "b"]
    assert list(df["evidence"]) == [2, 0, 0] and list(df["strongest_study_type"]) == ["rct", "", ""]
    # a record written before findings existed gets the finding its verdict implies
    assert list(df["finding"]) == ["contradicted", "extrapolated", "supported"]
    assert df.set_index("id").loc["c", "reason"].startswith("evidence exists only under other conditions")
    assert list(filter_audit(df, verdicts=["supported"])["id"]) == ["b"]
    assert list(filter_audit(df, verdicts=["extrapolated"])["id"]) == ["c"]
    assert list(filter_audit(df, verdicts=["mixed"])["id"]) == ["c"]  # the 4-way verdict still filters
    assert list(filter_audit(df, text="GLYCINE")["id"]) == ["b"]
    assert list(filter_audit(df, sections=["S1"])["id"]) == ["a"]
    counts = dict(zip(verdict_counts(AUDIT)["verdict"], verdict_counts(AUDIT)["claims"]))
    assert counts == {"Contradicted": 1, "Conflicting": 0, "Extrapolated": 1, "Unsupported": 0, "Not covered": 0, "Supported": 1}
    csv = audit_csv(AUDIT).decode()
    assert "'=HYPERLINK" in csv  # formula injection neutralised
    assert audit_frame(None).empty


def test_documents_rows_put_the_article_first():
    from core.records import StoreManifest

    # the shape ingest writes to manifest.json: title/year/role/study_type beside meta, not inside it
    manifest = StoreManifest.model_validate(
        {
            "documents": {
                "p": {
                    "hash": "h1",
                    "path": "literature/p.md",
                    "title": "Paper",
                    "year": 2001,
                    "study_type": "rct",
                    "chunk_ids": ["1"],
                    "meta": {"doi": "10.1/x", "pmid": 123, "source_path": "literature/p.md"},
                },
                "a": {"hash": "h2", "path": "article/a.txt", "title": "Art", "year": 2025, "role": "article", "chunk_ids": ["1", "2"], "meta": {}},
            }
        }
    )
    rows = documents_rows(manifest.documents)
    assert [r["doc_id"] for r in rows] == ["a", "p"] and rows[0]["chunks"] == 2
    assert (rows[0]["title"], rows[0]["year"], rows[0]["role"]) == ("Art", 2025, "Article")
    assert (rows[1]["title"], rows[1]["year"], rows[1]["role"], rows[1]["study_type"]) == ("Paper", 2001, "Study digest", "rct")
    assert (rows[1]["doi"], rows[1]["pmid"], rows[1]["source"]) == ("10.1/x", "123", "literature/p.md")


def test_store_manifest_rejects_a_misplaced_field():
    import pydantic

    from core.records import DocumentRecord

    with pytest.raises(pydantic.ValidationError):
        DocumentRecord.model_validate({"hash": "h", "path": "p.md", "role": "digest"})  # not article/literature
    with pytest.raises(pydantic.ValidationError):
        DocumentRecord.model_validate({"chunk_ids": ["1"], "meta": {"title": "Paper"}})  # no hash/path: not a manifest entry


def test_summary_view_accepts_dataclass_or_dict():
    from ingest.pipeline import Summary

    s = Summary(added=["a"], skipped=["b", "c"], failed=[("x.pdf", "encrypted PDF")], chunks=9, seconds=2.5)
    v = summary_view(s)
    assert (v["added"], v["skipped"], v["failed"], v["chunks"]) == (1, 2, [("x.pdf", "encrypted PDF")], 9)
    assert summary_view({"added": 3})["added"] == 3


def test_report_markdown_drops_images_and_html():
    md = report_markdown("# Report\n![plot](https://evil/p.png)\n<img src=x> | a |\n")
    assert "![" not in md and "<img" not in md and "# Report" in md


# --- uploads ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,expected",
    [
        ("paper.pdf", "paper.pdf"),
        ("../../etc/passwd.md", "passwd.md"),
        ("C:\\Users\\x\\My Paper (final).pdf", "My_Paper_final_.pdf"),
        ("a..b.md", "a.b.md"),
        ("weird name; rm -rf.html", "weird_name_rm_-rf.html"),
        ("Étude été.xml", "tude_t_.xml"),
    ],
)
def test_sanitize_filename(name, expected):
    safe = sanitize_filename(name)
    assert safe == expected
    assert "/" not in safe and "\\" not in safe and ".." not in safe and not safe.startswith(".")


@pytest.mark.parametrize("name", [".bashrc.md", "..", "../.hidden.pdf", "", "///", "..."])
def test_sanitize_filename_refuses_hidden_or_empty(name):
    with pytest.raises(UploadRejected):
        sanitize_filename(name)


def test_check_upload_refuses_type_and_size():
    assert check_upload("x.pdf", 1000, 25).ok
    assert not check_upload("x.exe", 1000, 25).ok and "unsupported" in check_upload("x.exe", 1000, 25).message
    assert not check_upload("x.docx", 1000, 25).ok
    big = check_upload("x.pdf", 26 * 1024 * 1024, 25)
    assert not big.ok and "25 MB" in big.message
    assert not check_upload("x.md", 0, 25).ok


def test_save_upload_stays_inside_the_corpus(tmp_path):
    p = save_upload(tmp_path, "../../evil.md", b"# Title\n\ntext", 25).path
    assert p.resolve() == (tmp_path / "uploads" / "evil.md").resolve()
    assert p.read_bytes().startswith(b"# Title")
    assert not any(x.name.startswith(".") for x in p.parent.iterdir())  # no temp file left
    with pytest.raises(UploadRejected, match="not a PDF"):
        save_upload(tmp_path, "fake.pdf", b"MZ\x90\x00binary", 25)
    with pytest.raises(UploadRejected, match="binary"):
        save_upload(tmp_path, "fake.md", b"\x00\x01\x02" * 10, 25)
    with pytest.raises(UploadRejected):
        save_upload(tmp_path, "x.md", b"x" * (2 * 1024 * 1024), 1)
    assert json.dumps(sorted(x.name for x in (tmp_path / "uploads").iterdir())) == '["evil.md"]'


def test_an_upload_never_replaces_another(tmp_path):
    first = save_upload(tmp_path, "paper.md", b"# One\n\nfirst text", 25)
    again = save_upload(tmp_path, "paper.md", b"# One\n\nfirst text", 25)
    other = save_upload(tmp_path, "paper.md", b"# Two\n\nsecond text", 25)
    assert first.path.name == "paper.md" and not (first.renamed or first.duplicate)
    assert again.duplicate and again.path == first.path and "not saved again" in again.message
    assert other.renamed and other.path.name == "paper-2.md" and "both are kept" in other.message
    assert first.path.read_bytes() == b"# One\n\nfirst text" and other.path.read_bytes() == b"# Two\n\nsecond text"
    assert sorted(x.name for x in (tmp_path / "uploads").iterdir()) == ["paper-2.md", "paper.md"]  # no temp files


def test_binary_sniffing_reads_the_whole_file(tmp_path):
    from app.uploads import looks_binary

    disguised = b"# A harmless heading\n\n" + b"text " * 2000 + b"MZ\x90\x00\x03\x00\x00\x00"  # NULs after 10 KB
    assert looks_binary(disguised)
    with pytest.raises(UploadRejected, match="binary"):
        save_upload(tmp_path, "notes.md", disguised, 25)
    assert not looks_binary("Magnesium".encode("utf-16"))  # UTF-16 text with its byte-order mark


def test_a_linked_uploads_folder_is_refused(tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "uploads").symlink_to(outside, target_is_directory=True)
    with pytest.raises(UploadRejected, match="is a link"):
        save_upload(corpus, "paper.md", b"# Paper\n\ntext", 25)
    assert list(outside.iterdir()) == []  # nothing written through the link


def test_upload_limit_matches_the_setting():
    import tomllib

    from core.settings import Settings

    config = tomllib.loads((Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == Settings().max_upload_mb


def test_audit_table_puts_disagreements_first():
    from app.tables import audit_frame

    audit = {
        "claims": [
            {"id": f"c{i}", "text": f"claim {i}", "verdict": v, "evidence": []}
            for i, v in enumerate(["no_evidence", "supported", "mixed", "contradicted", "mixed"])
        ]
    }
    audit = AuditReport.model_validate(audit)
    assert list(audit_frame(audit)["verdict"]) == ["contradicted", "mixed", "mixed", "supported", "no_evidence"]
    assert list(audit_frame(audit)["id"])[1:3] == ["c2", "c4"]  # article order kept within a verdict


# --- the reader's filters as a retriever view --------------------------------------------------


def test_scope_is_anded_into_every_search():
    from chatbot.retrieval import Filters
    from services.scoped import combine, scoped

    rct = Filters(study_types=["rct"], year_min=2000)
    merged = combine(rct, Filters(role="literature", year_min=2010, year_max=2020))
    assert (merged.role, merged.study_types, merged.year_min, merged.year_max) == ("literature", ["rct"], 2010, 2020)
    assert combine(Filters(role="article"), Filters(role="literature")) is None  # cannot both hold
    assert combine(rct, Filters(study_types=["cohort"])) is None

    class Inner:
        snapshot, embeddings = "snap", "emb"

        def __init__(self):
            self.calls = []

        def search(self, query, k=None, filters=None, diversify=True, timings=None):
            self.calls.append(filters)
            return ["p"]

    inner = Inner()
    view = scoped(inner, rct)
    assert view.snapshot == "snap" and view.embeddings == "emb"
    assert view.search("q", filters=Filters(role="literature")) == ["p"]
    assert inner.calls[-1].study_types == ["rct"] and inner.calls[-1].role == "literature"
    assert view.search("q", filters=Filters(study_types=["cohort"])) == []  # nothing outside the scope
    assert scoped(inner, None) is inner and scoped(inner, Filters()) is inner


# --- reasons in a reader's words ------------------------------------------------------------------


def test_reasons_get_screen_numbers_not_document_ids_or_tags():
    from app.reasons import number_evidence, readable, reader_reasons, shared_reasons

    ev = [
        {"doc_id": "uysal2019", "chunk_id": "u-0", "n": 1, "stance": "supports_other_conditions"},
        {"doc_id": "abbasi2012", "chunk_id": "a-3", "n": 2, "stance": "refutes"},
    ]
    numbered = number_evidence(ev, numbers={"a-3": 2}, next_n=4)  # a-3 is the answer's source [2]
    assert [e["n"] for e in numbered.evidence] == [4, 2] and numbered.next_n == 5
    assert readable("only in rats [uysal2019]; a null result [2]", numbered) == "only in rats [4]; a null result [2]"
    assert readable("stance supports_other_conditions [1]", numbered) == "stance supports, under other conditions [4]"
    assert readable("see [nobody2001]") == "see"  # an id with no evidence behind it is dropped, not shown
    weighted = "Evidence weighted by study type: meta-analyses and RCTs count more than animal studies."
    flags = [{"reasons": ["a [1]", weighted, "decided by: x"]}, {"reasons": ["b [1]", weighted]}]
    common = shared_reasons(flags)
    assert common == {weighted}
    head, rest = reader_reasons(None, flags[0]["reasons"], numbered, common)
    assert head == "a [4]" and rest == []  # no repeated sentence, no tuning line


# --- the article reader ------------------------------------------------------------------------------


def _article_chunks():
    from core.text import split_sentences
    from core.types import Chunk

    t1 = "Intro <script>x</script> text. Magnesium calms the brain within days. It ends here."
    t2 = "It ends here. The dose is 200 mg [see](http://evil) a day. Two things: rest; sleep better at night."
    return [
        Chunk(chunk_id="a-0", doc_id="a", text=t1, start=0, end=len(t1), sentences=split_sentences(t1), role="article", section="One"),
        Chunk(chunk_id="a-1", doc_id="a", text=t2, start=60, end=60 + len(t2), sentences=split_sentences(t2), role="article", section="One"),
        Chunk(chunk_id="p-0", doc_id="p", text="A study.", start=0, end=8, sentences=[(0, 8)], role="literature"),
    ]


def test_article_sections_claims_and_markup():
    from app.article import article_chunks, place_claims, section_markdown, sections_of

    sections = sections_of(article_chunks(_article_chunks()))
    assert len(sections) == 1 and sections[0].text.count("It ends here.") == 1  # the overlap sentence shown once
    claims = [
        {"id": "x", "text": "Magnesium calms the brain within days.", "chunk_id": "a-0", "start": 10, "finding": "contradicted"},
        {"id": "y", "text": "Two things: sleep better at night.", "chunk_id": "a-1", "start": 90, "verdict": "no_evidence", "finding": "unsupported"},
        {"id": "z", "text": "Nowhere in this article at all.", "chunk_id": "a-1", "start": 99, "finding": "not_covered"},
    ]
    placed = place_claims(sections, [ClaimRecord.model_validate(c) for c in claims])
    assert [(p.number, p.finding, p.section is not None) for p in placed] == [(1, "contradicted", True), (2, "unsupported", True), (3, "not_covered", False)]
    md = section_markdown(sections[0], placed, 0, selected=2)
    assert ":red-background[Magnesium calms the brain within days\\.] :red[\\#1]" in md
    assert ":yellow-background[sleep better at night\\.] :yellow[**\\#2**]" in md  # a list item joined to its lead-in
    assert "\\<script\\>" in md and "\\[see\\]\\(http\\:" in md  # document text stays inert
    assert "<script>" not in md.replace("\\<script\\>", "")


def test_audit_table_reasons_are_in_a_readers_words():
    audit = {
        "claims": [
            {
                "id": "a",
                "text": "Glycinate calms.",
                "verdict": "mixed",
                "finding": "extrapolated",
                "reason": "stance supports_other_conditions in rats [uysal2019]",
                "evidence": [{"doc_id": "uysal2019", "n": 1, "study_type": "animal"}],
            }
        ]
    }
    assert audit_frame(AuditReport.model_validate(audit)).iloc[0]["reason"] == "stance supports, under other conditions in rats [1]"


# --- the browser tab's title ------------------------------------------------------------------


def test_page_title_names_the_corpus_profile_subject_not_a_topic_in_code(tmp_path, monkeypatch):
    from app.resources import page_title

    (tmp_path / "domain.yaml").write_text("name: vitamin D\n", encoding="utf-8")
    monkeypatch.setenv("MGC_CORPUS_DIR", str(tmp_path))
    assert page_title() == "Vitamin D — evidence check"
    bare = tmp_path / "bare"
    bare.mkdir()
    monkeypatch.setenv("MGC_CORPUS_DIR", str(bare))
    assert page_title() == "Evidence check"
