"""A claim's negation (core.negation): the verifier's consistency check asks it, so it must read as plain English."""

from __future__ import annotations

import pytest

from core.direction import effect_verb
from core.negation import negate


@pytest.mark.parametrize(
    ("claim", "negation"),
    [
        # a "not" after the first auxiliary
        ("Elevated mtDNA levels are associated with mortality.", "Elevated mtDNA levels are not associated with mortality."),
        ("TMEM27 is a marker for beta cells.", "TMEM27 is not a marker for beta cells."),
        ("Magnesium has been shown to reduce anxiety.", "Magnesium has not been shown to reduce anxiety."),
        # "have" as the verb itself
        ("Ly6C hi monocytes have a higher inflammatory capacity.", "Ly6C hi monocytes do not have a higher inflammatory capacity."),
        # "does not" before a present-tense verb, in its base form
        ("Pyridostatin induces double-strand breaks.", "Pyridostatin does not induce double-strand breaks."),
        ("Delivery mode affects quality of life.", "Delivery mode does not affect quality of life."),
        ("Magnesium relieves muscle cramps.", "Magnesium does not relieve muscle cramps."),
        ("Antidepressants reduce the severity of migraines.", "Antidepressants do not reduce the severity of migraines."),
        # a negation taken out
        ("Magnesium does not cross the blood-brain barrier.", "Magnesium does cross the blood-brain barrier."),
        ("Magnesium cannot cross the blood-brain barrier.", "Magnesium can cross the blood-brain barrier."),
        ("The programme had no significant impact on weight loss.", "The programme had a significant impact on weight loss."),
        ("There is no association between X and Y.", "There is an association between X and Y."),
        # a past tense, with no verb form to be sure of: the whole claim is denied
        ("Magnesium glycinate made people sleep better.", "It is not true that magnesium glycinate made people sleep better."),
        ("DUSP4 downregulation deactivates the Ras-ERK pathway.", "It is not true that DUSP4 downregulation deactivates the Ras-ERK pathway."),
    ],
)
def test_negation_reads_as_english(claim: str, negation: str) -> None:
    assert negate(claim, effect_verb(claim)) == negation


def test_negating_twice_returns_the_claims_meaning() -> None:
    claim = "Glycine lowers core body temperature."
    once = negate(claim, effect_verb(claim))
    assert once == "Glycine does not lower core body temperature."
    assert negate(once, effect_verb(once)) == "Glycine does lower core body temperature."
