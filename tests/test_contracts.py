"""The typed contracts of the answer path (``core.contracts``): enums that are the audit's strings,
reasons whose references are data, and the one streaming shape."""

from __future__ import annotations

import json

import pytest

from core.audit_report import VerdictRecord
from core.contracts import AnswerRecord, AnswerStream, CheckKind, Finding, Reason, Stance, Verdict, verdict_reasons


def test_enums_are_the_strings_the_audit_writes():
    assert Finding.not_covered == "not_covered" and f"{Finding.not_covered}" == "not_covered"
    assert json.dumps({Verdict.no_evidence: Stance.supports_other_conditions}) == '{"no_evidence": "supports_other_conditions"}'
    assert {k.value for k in Finding} == {"supported", "contradicted", "extrapolated", "conflicting", "unsupported", "not_covered"}
    assert {k.value for k in Verdict} == {"supported", "contradicted", "mixed", "no_evidence"}
    assert CheckKind("sample_size") is CheckKind.sample_size


def test_a_reason_lifts_its_references_out_and_a_renderer_numbers_them():
    r = Reason.parse("closest: “A quote.” [1]; also [2] and [uysal2019].", "unsupported")
    assert r.kind == "unsupported" and "[" not in r.text
    assert [(x.n, x.doc) for x in r.refs] == [(1, None), (2, None), (None, "uysal2019")]
    assert r.numbered({1: 4}) == "closest: “A quote.” [4]; also  and [uysal2019]."  # unmapped numbers dropped, ids kept
    assert r.render(lambda ref: ref.written) == "closest: “A quote.” [1]; also [2] and [uysal2019]."
    assert Reason.parse("no refs").refs == ()


@pytest.mark.parametrize(
    "written, said",
    [
        ("studies disagree: [1] [2] [3] support it, [4] reports otherwise", "studies disagree: 3 studies support it, one study reports otherwise"),
        (
            "1 study (1 RCT) states it under the claim's conditions ([1]); [2] [3] lean the same way",
            "1 study (1 RCT) states it under the claim's conditions; 2 studies lean the same way",
        ),
        ("no study states this; the closest reported result: “A quote.” [1]", "no study states this; the closest reported result: “A quote.”"),
        ("other conditions: form differs ([1] [2])", "other conditions: form differs"),
        ("[1] and [2] report otherwise, as [uysal2019] does", "2 studies report otherwise, as [uysal2019] does"),
    ],
)
def test_a_reason_for_a_reader_without_the_evidence_list_says_its_references_in_words(written, said):
    """A plain-text answer's audit flags cannot show the audit's evidence: dropped bare, the references left
    'studies disagree:  support it, reports otherwise' and 'conditions ()'."""
    assert Reason.parse(written).in_words() == said


def test_verdict_reasons_put_the_headline_first_with_the_finding_as_kind():
    v = VerdictRecord(verdict="mixed", finding="extrapolated", reason="other form [1]", reasons=["other form [1]", "dose differs"])
    rs = verdict_reasons(v)
    assert [r.kind for r in rs] == ["extrapolated", "", ""] and rs[2].text == "dose differs"


def test_a_stream_yields_text_then_gives_its_record():
    def pieces():
        yield "a"
        yield "b"
        return AnswerRecord(question="q", body="ab")

    s = AnswerStream(pieces())
    assert list(s) == ["a", "b"] and s.record().body == "ab"
    assert list(s) == [] and s.record().body == "ab"  # iterating again keeps the record
    assert AnswerStream(pieces()).record().question == "q"  # a caller that wants only the record gets it
