"""The age group a claim names against the ages a study states (chatbot.audit.ages, checks.age_differs):
general English, no topic."""

from __future__ import annotations

import pytest

from chatbot.audit import checks
from chatbot.audit.ages import age_mismatch, claim_ages, stated_ages


def test_the_fracture_peak_in_older_children_is_not_one_in_toddlers():
    """The verifier read this pair as support (P(SUPPORTS) above the layer's threshold): a false 'supported'."""
    got = age_mismatch(
        "The peak incidence of fractures occurs in toddlers.",
        "The peak incidence and greatest increase occurred between ages 11 and 14 years in boys and 8 and 11 years in girls.",
    )
    assert got == ("ages 11 and 14 years", "1–3 years")
    f = checks.condition_checks("The peak incidence of fractures occurs in toddlers.", "Peak incidence was between ages 11 and 14 years.")
    assert [x.kind for x in f] == ["population"] and f[0].effect == "mismatch" and "ages 11 and 14 years" in f[0].reason


@pytest.mark.parametrize(
    "text, spans",
    [
        ("46 participants aged 60-75 took the drug", [(60, 75)]),
        ("between the ages of 5 and 17", [(5, 17)]),
        ("infants 6 to 24 months of age", [(0.5, 2)]),
        ("a 70-year-old man", [(70, 70)]),
        ("adults (mean age 46.01 years)", [(31.01, 61.01)]),
        ("follow-up of 2-3 years", []),  # a duration, not an age
        ("aged cheese", []),
    ],
)
def test_stated_ages(text, spans):
    assert [(round(a, 2), round(b, 2)) for a, b, _ in stated_ages(text)] == spans


@pytest.mark.parametrize(
    "claim, evidence",
    [
        ("Zinc helps older adults sleep.", "Participants aged 60-75 slept longer with zinc."),  # inside the group
        ("Zinc helps children focus.", "Children aged 11 to 14 years focused better."),
        ("Zinc helps sleep.", "Participants aged 60-75 slept longer."),  # the claim names no age group
        ("Zinc helps toddlers sleep.", "Sleep improved with zinc."),  # the study states no age
        ("Zinc helps adolescents.", "In 500 teens followed for 2-3 years, zinc helped."),
    ],
)
def test_no_mismatch_without_a_clear_difference(claim, evidence):
    assert age_mismatch(claim, evidence) is None


def test_claim_age_groups():
    assert claim_ages("in older adults") == (55.0, 120.0)
    assert claim_ages("in infants and toddlers") == (0.0, 3.0)
    assert claim_ages("in people") is None
    # a study's recorded population counts like its sentence
    assert age_mismatch("Zinc calms children.", "Anxiety fell.", {"population": "30 adults aged 40-60"}) == ("aged 40-60", "0–17 years")
