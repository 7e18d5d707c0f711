"""Each loader on fixtures built in the test, including the files that must fail with a reason."""

from __future__ import annotations

import random

import pytest

from ingest.document import LoadError
from ingest.pipeline import load_document
from tests.ingest_fixtures import HTML, JATS, encrypt_pdf, make_pdf


def _load(settings, name: str, data: bytes | str):
    p = settings.corpus_dir / name
    p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return load_document(p, settings.corpus_dir, None, settings)


def _reason(settings, name: str, data: bytes | str) -> str:
    with pytest.raises(LoadError) as ei:
        _load(settings, name, data)
    return ei.value.reason


def test_markdown_front_matter_and_bold_labels(settings):
    md = (
        '---\nid: doe2020\ntitle: "A trial"\nyear: 2020\nstudy_type: rct\nn: 80\nmagnesium_form: glycinate\n'
        "doi: 10.1/x\nlicense_of_original: CC BY 4.0\n---\n\n# Heading one\n\nFirst paragraph is here and long enough.\n\n"
        "**Results.** Sleep onset latency fell by 9 minutes with [magnesium](https://x.org/a) (P = 0.03).\n"
    )
    doc, chunks = _load(settings, "whatever.md", md)
    assert doc.doc_id == "doe2020" and doc.year == 2020 and doc.study_type == "rct" and doc.title == "A trial"
    assert doc.meta["licence"] == "CC BY 4.0" and doc.meta["n"] == 80 and doc.meta["source_path"] == "whatever.md"
    assert [c.section for c in chunks] == ["Heading one", "Results"] or {c.section for c in chunks} == {"Heading one", "Results"}
    results = next(c for c in chunks if c.section == "Results")
    assert "**" not in results.text and "https://" not in results.text and "with magnesium (P = 0.03)" in results.text
    for c in chunks:
        assert doc.text[c.start : c.end] == c.text
        assert all(0 <= a < b <= len(c.text) for a, b in c.sentences)


def test_plain_text_without_metadata_uses_file_name(settings):
    doc, chunks = _load(settings, "my notes-2.txt", "Magnesium is an essential mineral. It is found in nuts and seeds.\n")
    assert doc.doc_id == "my_notes-2" and doc.role == "literature" and chunks[0].title == "my notes 2"


def test_html_strips_script_style_nav(settings):
    doc, chunks = _load(settings, "glycine.html", HTML)
    assert doc.title == "Glycine ingestion improves subjective sleep quality"
    assert doc.year == 2007 and doc.meta["doi"] == "10.1111/j.1479-8425.2007.00262.x" and doc.meta["authors"] == ["Yamadera W", "Inagawa K"]
    assert "noise" not in doc.text and "tracking" not in doc.text and "color" not in doc.text
    assert {c.section for c in chunks} == {"Abstract", "Results"}
    assert "shorter sleep onset latency; less daytime sleepiness" in doc.text


def test_jats_sections_without_reference_noise(settings):
    doc, chunks = _load(settings, "PMC7654321.xml", JATS)
    assert doc.title == "Magnesium bisglycinate and sleep onset in adults"
    assert doc.meta["pmcid"] == "PMC7654321" and doc.meta["pmid"] == "12345678" and doc.meta["doi"] == "10.1234/jst.2020.42"
    assert doc.year == 2020 and doc.meta["authors"] == ["Doe JA", "Roe R"] and "creativecommons" in doc.meta["licence"]
    assert {"Abstract", "Introduction", "Participants", "Results"} <= {c.section for c in chunks}
    assert "Reference-noise" not in doc.text and "noise-cell" not in doc.text and "[1]" not in doc.text
    assert "blocks the NMDA receptor channel at rest. Glycine may also aid sleep." in doc.text
    assert "Baseline characteristics of the participants." in doc.text


def test_pdf_pages_and_headings(settings):
    pdf = make_pdf(
        [
            ["1. Introduction", "Magnesium blocks NMDA receptors. It is com-", "mon in food."],
            ["Results", "Sleep latency fell by 9 minutes (P = 0.03)."],
            ["References", "Ref noise 1999."],
        ],
        title="A Test Paper",
        author="Doe J; Roe R",
    )
    doc, chunks = _load(settings, "paper.pdf", pdf)
    assert doc.title == "A Test Paper" and doc.meta["authors"] == ["Doe J", "Roe R"] and doc.year == 2019
    assert [(c.section, c.page) for c in chunks] == [("1. Introduction", 1), ("Results", 2)]
    assert "common in food" in chunks[0].text and "Ref noise" not in doc.text


def test_pdf_without_headings_gets_page_sections(settings):
    doc, chunks = _load(settings, "p.pdf", make_pdf([["Plain text on page one."], ["More plain text on page two."]]))
    assert [(c.section, c.page) for c in chunks] == [("page 1", 1), ("page 2", 2)]


@pytest.mark.parametrize(
    "name,data,expected",
    [
        ("empty.md", b"", "empty file"),
        ("blank.txt", b"   \n\n  ", "empty file"),
        ("only-front.md", b"---\nid: x\n---\n", "empty file"),
        ("paper.docx", b"PK\x03\x04 not really", "unsupported file type '.docx'"),
        ("bad.xml", b"<root><child>text</child></root>", "not a JATS article"),
        ("broken.xml", b"<article><p>unclosed", "malformed XML"),
        ("bad-front.md", b"---\nid: [unclosed\n---\ntext here.\n", "invalid YAML front matter"),
    ],
)
def test_bad_files_fail_with_specific_reason(settings, name, data, expected):
    assert expected in _reason(settings, name, data)


def test_encrypted_pdf(settings):
    pdf = encrypt_pdf(make_pdf([["Secret text about magnesium."]]))
    assert _reason(settings, "locked.pdf", pdf).startswith("encrypted PDF")


def test_pdf_without_text_layer(settings):
    assert _reason(settings, "scan.pdf", make_pdf([[], []])).startswith("no extractable text")


def test_non_utf8_legacy_text_is_decoded(settings):
    """Decision: cp1252 prose (common for Windows files) is read, not refused."""
    data = "Magnésium bisglycinate – a chelate “for sleep”. Café naïve test.".encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    doc, _ = _load(settings, "legacy.txt", data)
    assert "Magnésium bisglycinate – a chelate" in doc.text


def test_other_scripts_in_legacy_encodings_are_detected(settings):
    """cp1252 cannot read Cyrillic cp1251 or Shift-JIS; charset-normalizer can, after the cp1252 pass refuses them."""
    ru = "Магний снижает тревожность у взрослых людей в этом исследовании сна."
    ja = "マグネシウムは睡眠の質を改善した。参加者は四十人でした。"
    doc, _ = _load(settings, "ru.txt", ru.encode("cp1251"))
    assert ru in doc.text
    doc, _ = _load(settings, "ja.txt", ja.encode("shift_jis"))
    assert ja.split("。")[0] in doc.text


def test_non_utf8_binary_is_unreadable_encoding(settings):
    rnd = random.Random(7)
    data = bytes(rnd.randrange(256) for _ in range(4000))
    assert _reason(settings, "garbage.txt", data).startswith("unreadable encoding")


def test_utf8_bom_and_utf16_are_read(settings):
    doc, _ = _load(settings, "bom.txt", "\ufeffMagnesium and sleep in adults.".encode("utf-8"))
    assert doc.text.startswith("Magnesium")
    doc, _ = _load(settings, "u16.txt", "Magnesium and sleep in older adults.".encode("utf-16"))
    assert doc.text.startswith("Magnesium")
