"""Abbreviations a passage defines, spelled out for the word-share gates (core.abbreviations)."""

from __future__ import annotations

from core.abbreviations import definitions, spelled_out

ABSTRACT = (
    "Intestinal microbial metabolism produces trimethylamine N-oxide (TMAO). Antiretroviral therapy (ART) lowers "
    "transmission. Interleukin-6 (IL-6) rose in 30 patients (n = 30) of a randomized controlled trial (RCT)."
)


def test_short_forms_are_matched_to_the_words_before_their_parenthesis():
    defs = dict(definitions(ABSTRACT))
    assert defs["TMAO"] == "trimethylamine N-oxide"
    assert defs["ART"] == "Antiretroviral therapy"
    assert defs["IL-6"] == "Interleukin-6"
    assert defs["RCT"] == "randomized controlled trial"
    assert "n = 30" not in defs  # a parenthesis that is no short form


def test_a_parenthesis_whose_letters_the_words_before_it_lack_defines_nothing():
    assert definitions("Sleep improved in the treated group (P4) and in controls (see Table).") == ()


def test_a_sentence_is_read_with_its_short_forms_spelled_out_once():
    defs = definitions(ABSTRACT)
    out = spelled_out("Omnivores produced more TMAO than vegans, and ART-naive TMAO-rich samples.", defs)
    assert out.startswith("Omnivores produced more trimethylamine N-oxide (TMAO) than vegans")
    assert "ART-naive TMAO-rich" in out  # part of a longer word: left alone
    assert spelled_out("metabolism produces trimethylamine N-oxide (TMAO).", defs) == "metabolism produces trimethylamine N-oxide (TMAO)."
