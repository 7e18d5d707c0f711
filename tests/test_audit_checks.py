"""Hand-written examples for every explicit check of the claim audit (no model, no store).

The magnesium examples run with the default corpus's profile (``corpus/domain.yaml``), bound by
``C``; the checks' own default is the topic-neutral profile, tested at the end of this file."""

from __future__ import annotations

import pytest

import functools
import inspect

from chatbot.audit import checks
from core.domain import NEUTRAL, DomainProfile, load_profile
from core.settings import PROJECT_ROOT

MG = load_profile(PROJECT_ROOT / "corpus")
CAFFEINE = DomainProfile(subject=["caffeine"], forms={"anhydrous": ["anhydrous"], "coffee": ["coffee"]}, other_agents=["l-theanine"])


class _WithProfile:
    """``checks`` with ``profile=`` bound on every function that takes one (the magnesium examples need the
    corpus profile; the checks' default is the topic-neutral one)."""

    def __init__(self, module, profile: DomainProfile):
        self._module, self._profile = module, profile

    def __getattr__(self, name):
        f = getattr(self._module, name)
        if callable(f) and not isinstance(f, type) and "profile" in inspect.signature(f).parameters:
            return functools.partial(f, profile=self._profile)
        return f


C = _WithProfile(checks, MG)


def test_magnesium_profile_is_the_default_corpus_one():
    assert MG.subject == ["magnesium"] and "glycinate" in MG.forms and "glycine" in MG.other_agents
    assert MG.form_label == "magnesium form"


BIOAVAIL = "The bioavailability of magnesium glycinate at 200–300 mg/day is 50–80%."


# ---------------------------------------------------------------------------- quantities


def test_quantities_ranges_signs_units_and_topics():
    qs = C.quantities("Magnesium glycinate at 200–300 mg/day reduces anxiety by 32%.")
    dose = next(q for q in qs if q.unit == "mg")
    pct = next(q for q in qs if q.unit == "%")
    assert (dose.low, dose.high) == (200, 300)
    assert pct.low == 32 and pct.topic == "anxiety"
    assert C.quantities("Anxiety – 32%")[0].sign == "-"
    assert C.quantities("Sleep efficiency + 67%")[0].sign == "+"
    r = C.quantities("Bioavail. 50-80%")[0]
    assert (r.low, r.high, r.topic) == (50, 80, "absorption")


def test_doses_convert_g_mmol_meq_and_skip_other_agents():
    assert C.doses("1 g/day of a magnesium product")[0].low == 1000
    assert round(C.doses("titrated to 30 mmol/day")[0].low) == 729
    assert round(C.doses("about 21 mEq magnesium per day")[0].low) == 255
    assert C.doses("3 g glycine at bedtime") == []
    assert C.doses("5 mg melatonin") == []
    assert C.doses("26Mg-labelled magnesium") == []  # element symbol, not milligrams


def test_sample_size_is_read():
    n = [q for q in C.quantities("46 elderly adults (aged 60-75) were randomised") if q.unit == "n"]
    assert n and n[0].low == 46


# ---------------------------------------------------------------------------- numeric consistency


def test_numeric_far_from_claimed_range_contradicts():
    ev = "Whole group: 26Mg absorption was low and did not differ between the two forms (23.5% for the chelate vs 22.8% for magnesium oxide)."
    f = C.numeric_consistency(BIOAVAIL, ev)
    assert [x.effect for x in f] == ["contradicts"]
    assert "23.5%" in f[0].reason and "50–80%" in f[0].reason


def test_numeric_inside_range_is_consistent():
    f = C.numeric_consistency(BIOAVAIL, "Fractional absorption of the chelate was 62% in healthy volunteers.")
    assert [x.effect for x in f] == ["consistent"]


def test_numeric_other_topic_is_not_compared():
    claim = "Magnesium glycinate at 200–300 mg/day reduces anxiety by 32%."
    assert C.numeric_consistency(claim, "Stress scores fell 44.9% and 42.4% in the two groups.") == []
    assert C.numeric_consistency(claim, "Plasma levels rose within 2 hours.") == []


def test_numeric_tolerance_keeps_near_values():
    claim = "Magnesium reduces anxiety by 32%."
    assert C.numeric_consistency(claim, "anxiety scores fell by 35%")[0].effect == "consistent"
    assert C.numeric_consistency(claim, "anxiety scores fell by 5%")[0].effect == "contradicts"


def test_sample_size_mismatch():
    f = C.numeric_consistency("A trial of 500 participants showed better sleep.", "46 participants were randomised.")
    assert f and f[0].kind == "sample_size" and f[0].effect == "contradicts"


# ---------------------------------------------------------------------------- conditions


def test_form_mismatch_from_text_and_metadata():
    claim = "Magnesium glycinate improves sleep."
    f = C.form_mismatch(claim, "Magnesium oxide 500 mg improved sleep efficiency.")
    assert f and f[0].reason == "magnesium form differs: evidence concerns magnesium oxide, not glycinate"
    f = C.form_mismatch(claim, "Magnesium improved sleep efficiency.", {"magnesium_form": "citrate"})
    assert f and f[0].reason == "magnesium form differs: study used magnesium citrate, not glycinate"
    f = C.form_mismatch(claim, "Magnesium improved sleep efficiency.", {"magnesium_form": "unknown"})
    assert f and f[0].reason.startswith("magnesium form not stated") and "glycinate" in f[0].reason
    # the passage names the form the sentence does not
    f = C.form_mismatch(claim, "Sleep efficiency improved.", {}, "Participants took magnesium oxide nightly.")
    assert f and f[0].reason.startswith("magnesium form differs: study concerns magnesium oxide")
    assert C.form_mismatch(claim, "Sleep efficiency improved.", {}, "Participants took magnesium bisglycinate nightly.") == []


def test_form_match_and_general_claims():
    assert C.form_mismatch("Magnesium glycinate is well tolerated.", "The bisglycinate chelate was tolerated better.") == []
    assert C.form_mismatch("Magnesium glycinate is absorbed.", "absorption 23.5% vs 22.8% for magnesium oxide", {"magnesium_form": "glycinate"}) == []
    assert C.form_mismatch("Magnesium improves sleep.", "Magnesium oxide improved sleep.") == []


def test_dose_mismatch():
    claim = "Magnesium glycinate at 200–300 mg/day improves sleep."
    f = C.dose_mismatch(claim, "Participants took 500 mg magnesium daily for 8 weeks.")
    assert f and f[0].reason == "dose differs: study used 500 mg, claim says 200–300 mg"
    assert C.dose_mismatch(claim, "225 mg magnesium nightly") == []
    assert C.dose_mismatch(claim, "no dose given") == []
    f = C.dose_mismatch(claim, "", {"intervention": "titrated to 30 mmol/day for 20 days"})
    assert f and f[0].reason.startswith("dose differs: study used 30 mmol")


def test_population_mismatch():
    f = C.population_mismatch("Magnesium improves sleep onset in older adults.", "", {"population": "23 amateur rugby players"})
    assert f and f[0].reason.startswith("population differs: studied in athletes (23 amateur rugby players)")
    assert f[0].reason.endswith("not elderly people")
    f = C.population_mismatch("Magnesium lowers cortisol in athletes.", "", {"population": "healthy men"})
    assert f and f[0].reason.startswith("population differs") and "not athletes" in f[0].reason
    # without metadata the evidence sentence says who was studied
    f = C.population_mismatch("Magnesium improves sleep in older adults.", "In 30 adolescent athletes, sleep improved.")
    assert f and f[0].kind == "population" and "athletes" in f[0].reason
    assert C.population_mismatch("Magnesium lowers cortisol in athletes.", "", {"population": "23 amateur rugby players"}) == []
    assert C.population_mismatch("Magnesium improves sleep.", "", {"population": "healthy adult volunteers"}) == []
    assert C.population_mismatch("Magnesium improves sleep in older adults.", "", {"population": "46 elderly adults"}) == []


def test_population_counts_only_when_the_claim_names_one():
    """A claim naming no population states no condition: a study of elderly people does not make it extrapolated."""
    meta = {"population": "46 elderly adults (aged 60-75) with primary insomnia"}
    assert C.population_mismatch("Magnesium improves sleep onset.", "", meta) == []
    assert C.population_mismatch("Magnesium improves sleep onset.", "Elderly patients slept better.") == []
    assert not any(f.kind == "population" for f in C.condition_checks("Magnesium improves sleep onset.", "Sleep onset improved.", meta, "rct"))


def test_species_only_in_animals_or_cells_for_clinical_claims():
    f = C.species_mismatch(
        "Magnesium reduces anxiety.", "Mg deficiency increased anxiety-like behaviour.", {"population": "mice fed a magnesium-deficient diet"}, "animal"
    )
    assert f and f[0].reason.startswith("species differs: shown only in animals (mice")
    f = C.species_mismatch(
        "Magnesium enhances GABA-A receptor function.", "Mg2+ shifted the curve.", {"population": "primary cultured rat hippocampal neurons"}, "in-vitro"
    )
    assert f == [] or "cells" in f[0].reason
    f = C.species_mismatch("Magnesium improves sleep.", "", {"population": "primary cultured rat hippocampal neurons"}, "in-vitro")
    assert f and f[0].reason.startswith("species differs: shown only in cells")
    # a claim that names its own model states it: animal work is not a mismatch there
    assert C.species_mismatch("Magnesium reduces anxiety-like behaviour in mice.", "", {"population": "mice"}, "animal") == []
    # ... by the adjective that names it too ("simian" virus: monkeys), and a primate is an animal
    assert (
        C.species_mismatch("Simian immunodeficiency virus infection depletes Th17 cells.", "Th17 cells were depleted in SIV-infected macaques and in mice.")
        == []
    )
    f = C.species_mismatch("Caffeine improves memory.", "Memory improved in rhesus macaques given caffeine.")
    assert f and f[0].reason.startswith("species differs: shown only in animals (macaques")
    # a claim about species at large, or across them, is not one about people
    assert C.species_mismatch("Caffeine tolerance differs across species.", "Tolerance developed faster in rhesus macaques than in mice.") == []
    assert C.species_mismatch("The receptor is conserved in mammals.", "The receptor was found in rat and mouse brain.") == []


def test_a_claim_word_said_only_with_a_negating_prefix():
    assert C.negated_by_prefix("Uptake is ZIP4-dependent.", "Uptake was ZIP4-independent but ATP-dependent.") == "zip4-dependent"
    assert C.negated_by_prefix("The effect was significant.", "The effect was non-significant.") == "significant"
    assert C.negated_by_prefix("Levels changed after dosing.", "Levels were unchanged after dosing.") == "changed"
    assert C.negated_by_prefix("The effect was significant.", "Significant, not nonsignificant.") == ""  # the claim's word is there too
    # prefixes that make other words, not opposites: "formation" / "information", "formed" / "informed"
    assert C.negated_by_prefix("Bone formation rises.", "Information on bone.") == ""
    assert C.negated_by_prefix("Plaques formed in the artery.", "All gave informed consent.") == ""


def test_species_not_flagged_for_mechanism_claims_or_human_studies():
    claim = "At rest, magnesium blocks the NMDA channel."
    assert C.is_mechanism_claim(claim)
    assert C.species_mismatch(claim, "voltage-dependent Mg2+ block", {"population": "cultured mouse neurones"}, "in-vitro", mechanism=True) == []
    assert C.species_mismatch("Magnesium improves sleep.", "sleep time rose", {"population": "46 elderly adults"}, "rct") == []


def test_intervention_glycine_alone_vs_magnesium():
    f = C.intervention_mismatch(
        "Magnesium glycinate reduces sleep latency.",
        "3 g glycine before bed shortened latency.",
        {"magnesium_form": "none", "intervention": "3 g glycine before bedtime vs placebo"},
    )
    assert f and f[0].reason == "intervention differs: study gave glycine alone (3 g), not magnesium"
    f = C.intervention_mismatch("Glycine reduces sleep latency.", "Magnesium oxide shortened sleep onset latency.", {"magnesium_form": "oxide"})
    assert f and f[0].reason == "intervention differs: study concerns magnesium, not glycine"
    assert C.intervention_mismatch("Glycine reduces sleep latency.", "3 g glycine shortened latency.", {"magnesium_form": "none"}) == []


def test_intervention_combination_and_diet():
    f = C.intervention_mismatch("Magnesium improves insomnia.", "", {"intervention": "melatonin 5 mg + 225 mg Mg + 11.25 mg zinc vs placebo"})
    assert f and f[0].reason.startswith("co-intervention: magnesium was given together with melatonin and zinc")
    assert C.intervention_mismatch("Magnesium reduces stress.", "", {"intervention": "Mg + vitamin B6 vs Mg alone"}) == []
    f = C.intervention_mismatch("Magnesium glycinate improves sleep.", "", {"magnesium_form": "none", "intervention": "dietary magnesium intake"})
    assert f and f[0].reason.startswith("intervention differs: study examined dietary magnesium intake")


def test_an_observational_study_of_intake_is_about_the_subject_and_gave_no_co_intervention():
    """A cohort measuring magnesium intake and the calcium-to-magnesium ratio studied magnesium: it neither "gave calcium
    alone" nor gave calcium with magnesium; a claim about what people took in is a claim about intake, not a supplement."""
    meta = {"magnesium_form": "none", "study_type": "cohort", "intervention": "none (observational); magnesium intake and calcium-to-magnesium intake ratio"}
    claim = "The people who took in the most magnesium were less likely to be short sleepers."
    assert C.intervention_mismatch(claim, "People in the top quartile were less likely to sleep under 7 hours.", meta) == []
    f = C.intervention_mismatch("Magnesium glycinate improves sleep.", "", meta)
    assert [x.reason for x in f] == ["intervention differs: study examined dietary magnesium intake (observational), not a supplement"]


def test_small_counts_in_words_match_digits():
    from chatbot.audit.stance import relevance

    assert relevance("under seven hours a night", "under 7 hours each night") == 1.0


def test_route_mismatch():
    f = C.route_mismatch("Magnesium lowers ACTH.", "", {"intervention": "overnight intravenous MgSO4 infusion"})
    assert f and f[0].reason == "route differs: given intravenously, not by mouth"
    assert C.route_mismatch("Magnesium lowers ACTH.", "oral magnesium 500 mg") == []


@pytest.mark.parametrize(
    "evidence",
    ["Investigator-blinded phase IV trial of oral magnesium.", "NHEJ needs XRCC4-DNA ligase IV.", "Patients with stage IV disease took the drug."],
)
def test_iv_as_a_roman_numeral_is_no_route(evidence):
    """ "Phase IV trial" (the stress trial's method sentence) read as an intravenous route."""
    assert C.route_mismatch("Zinc lowers stress.", evidence) == []
    assert C.route_mismatch("Zinc lowers stress.", "Zinc was given IV over 2 hours.")


def test_condition_checks_combines():
    found = C.condition_checks(
        "Magnesium glycinate at 200–300 mg/day improves sleep in older adults.",
        "Magnesium oxide 500 mg improved sleep time.",
        {"population": "23 amateur rugby players", "magnesium_form": "oxide"},
        "rct",
    )
    assert {"form", "dose", "population"} <= {f.kind for f in found}
    assert all(f.effect == "mismatch" and f.kind in checks.CONDITION_KINDS for f in found)
    # every reason opens with the condition it is about
    starts = {"form": "magnesium form", "dose": "dose differs", "population": "population differs"}
    assert all(f.reason.startswith(starts[f.kind]) for f in found if f.kind in starts)


# ---------------------------------------------------------------------------- hedges and nulls


def test_null_results_found_and_quoted():
    f = C.hedges("Total sleep time did not differ between groups (P = 0.37).", "Magnesium increases total sleep time.")
    assert f and f[0].kind == "null" and "did not differ" in f[0].reason
    for text in ("There was no significant difference in anxiety.", "The effect on anxiety was not significant.", "Delta power in sleep was unchanged."):
        assert any(x.kind == "null" for x in C.hedges(text)), text


def test_null_on_other_topic_is_ignored_with_claim():
    assert not any(x.kind == "null" for x in C.hedges("Delta power was unchanged.", "Magnesium lowers cortisol."))


def test_hedges():
    for text, word in (
        ("RCT results were conflicting.", "conflicting"),
        ("Certainty was low to very low certainty.", "certainty"),
        ("Evidence was rated poor quality.", "poor quality"),
        ("This pilot found changes.", "pilot"),
    ):
        f = C.hedges(text)
        assert f and f[0].kind == "hedge" and word in f[0].reason.lower(), text
    assert C.hedges("Magnesium blocks NMDA channels in a voltage-dependent manner.") == []


@pytest.mark.parametrize(
    "text",
    [
        "Categories included conflicting information and disagreement about side effects.",
        "Overexpression of full-length Tmem27, but not the truncated or soluble protein, increased proliferation.",
        "Peripheral blood monocytes are a heterogeneous population of circulating leukocytes.",
        "Marginal zone B cells expanded after immunisation.",
        "Patients with borderline personality disorder were excluded.",
    ],
)
def test_a_hedge_word_describing_something_else_than_the_evidence_is_no_hedge(text):
    """Such a word in another sentence of the passage kept "TMEM27 is a marker for beta cells" from supported."""
    assert not [f for f in C.hedges(text) if f.kind == "hedge"], text


@pytest.mark.parametrize(
    "text",
    [
        "Data were heterogeneous and most studies had few participants.",
        "Both fell, with marginal between-group significance (P = 0.08).",
        "Their closing statement is truncated in the available text.",
        "The association with better sleep quality was borderline.",
        "There was substantial heterogeneity between trials.",
        "Observational studies produced inconsistent findings.",
    ],
)
def test_a_hedge_about_the_evidence_is_still_heard(text):
    assert [f for f in C.hedges(text) if f.kind == "hedge"], text


def test_claimed_null_against_significant_effect():
    claim = "Magnesium oxide supplements failed to raise intracellular magnesium in healthy adults."
    ev = "Intracellular magnesium rose significantly with magnesium oxide (34.4 to 36.3 mEq/L, p < 0.001)."
    f = C.effect_against_null_claim(claim, ev)
    assert f and f[0].kind == "effect" and f[0].effect == "contradicts" and "significant" in f[0].reason
    # a study that itself reports no significant change agrees with the claim; an off-topic effect is no evidence
    assert C.effect_against_null_claim(claim, "Intracellular magnesium did not change significantly.") == []
    assert C.effect_against_null_claim(claim, "Sleep efficiency improved significantly with melatonin.") == []
    # a claim of an effect is not this check's business
    assert C.effect_against_null_claim("Magnesium oxide raised intracellular magnesium.", ev) == []
    both = "Intracellular magnesium rose significantly with magnesium oxide (p < 0.001) but not significantly with citrate (p = 0.097)."
    assert C.effect_against_null_claim(claim, both), "the significant clause is about the claim's form"


# ---------------------------------------------------------------------------- the neutral profile and others

VITD = "Vitamin D supplementation reduced fractures by 30%"


def test_neutral_profile_compares_numbers_by_the_words_before_them():
    f = checks.numeric_consistency(VITD, "fractures fell by 8% with vitamin D", profile=NEUTRAL)
    assert [(x.kind, x.effect) for x in f] == [("numeric", "contradicts")]
    assert "8%" in f[0].reason and "30%" in f[0].reason
    ok = checks.numeric_consistency(VITD, "fractures fell by 29% with vitamin D", profile=NEUTRAL)
    assert [x.effect for x in ok] == ["consistent"]
    # a number about something else (falls, not fractures) is not compared
    assert checks.numeric_consistency(VITD, "falls fell by 8% with vitamin D", profile=NEUTRAL) == []
    # the default profile is the neutral one
    assert checks.numeric_consistency(VITD, "fractures fell by 8% with vitamin D") == f


def test_neutral_profile_fires_no_form_or_intervention_findings():
    ev = "Fractures fell by 8% with vitamin D3 (cholecalciferol) given with calcium."
    assert checks.forms_in(VITD, profile=NEUTRAL) == set()
    assert checks.form_mismatch(VITD, ev, {"form": "cholecalciferol"}, profile=NEUTRAL) == []
    assert checks.intervention_mismatch(VITD, ev, {"intervention": "vitamin D plus calcium"}, profile=NEUTRAL) == []
    # the magnesium examples, too, are nothing special without the magnesium profile
    assert checks.form_mismatch("Magnesium glycinate improves sleep.", "Magnesium oxide improved sleep.", profile=NEUTRAL) == []
    assert (
        checks.intervention_mismatch(
            "Magnesium glycinate reduces sleep latency.",
            "3 g glycine shortened latency.",
            {"magnesium_form": "none", "intervention": "3 g glycine"},
            profile=NEUTRAL,
        )
        == []
    )
    kinds = {f.kind for f in checks.condition_checks(VITD, ev, {"intervention": "vitamin D plus calcium"}, "rct", profile=NEUTRAL)}
    assert not kinds & {"form", "intervention"}


def test_neutral_profile_keeps_general_checks():
    """Populations, species, route, nulls and hedges are general biomedical vocabulary, not the corpus's."""
    assert checks.population_mismatch("Vitamin D reduces fractures in older adults.", "", {"population": "30 young athletes"})
    assert checks.species_mismatch("Vitamin D reduces fractures.", "", {"population": "ovariectomised rats"}, "animal")
    assert checks.route_mismatch("Vitamin D reduces fractures.", "", {"intervention": "intravenous infusion"})
    f = checks.hedges("Fracture rates did not differ between groups.", "Vitamin D reduces fracture rates.", profile=NEUTRAL)
    assert f and f[0].kind == "null"
    f = checks.effect_against_null_claim(
        "Vitamin D did not reduce fracture rates in older women.",
        "Fracture rates in older women fell significantly with vitamin D (p < 0.01).",
        profile=NEUTRAL,
    )
    assert f and f[0].effect == "contradicts"


def test_custom_profile_makes_form_and_intervention_checks_fire():
    f = checks.form_mismatch("Anhydrous caffeine improves reaction time.", "Coffee improved reaction time.", profile=CAFFEINE)
    assert f and f[0].kind == "form" and f[0].reason.startswith("form differs") and "coffee" in f[0].reason
    assert "anhydrous" in f[0].reason
    assert checks.form_mismatch("Anhydrous caffeine improves reaction time.", "Anhydrous caffeine improved it.", profile=CAFFEINE) == []
    f = checks.intervention_mismatch(
        "Caffeine improves reaction time.", "Reaction time improved.", {"intervention": "caffeine 100 mg plus l-theanine 200 mg"}, profile=CAFFEINE
    )
    assert f and f[0].reason.startswith("co-intervention: caffeine was given together with l-theanine")
    f = checks.intervention_mismatch(
        "Caffeine improves reaction time.", "L-theanine 200 mg improved reaction time.", {"intervention": "l-theanine 200 mg"}, profile=CAFFEINE
    )
    assert f and f[0].reason.startswith("intervention differs: study gave l-theanine alone")
    # the same pair under the neutral profile: nothing to say
    assert (
        checks.intervention_mismatch(
            "Caffeine improves reaction time.", "Reaction time improved.", {"intervention": "caffeine 100 mg plus l-theanine 200 mg"}, profile=NEUTRAL
        )
        == []
    )


def test_mechanism_terms_come_from_the_profile():
    claim = "Magnesium shapes HPA axis activity."
    assert not checks.is_mechanism_claim(claim, profile=NEUTRAL)
    assert checks.is_mechanism_claim(claim, profile=MG)
    assert checks.is_mechanism_claim("ALDH1 binding to the receptor alters its conformation.", profile=NEUTRAL)
    assert not checks.is_mechanism_claim("The receptor antagonist reduced symptoms in patients.", profile=NEUTRAL)


@pytest.mark.parametrize(
    ("claim", "evidence", "against"),
    [
        ("DUSP4 downregulation deactivates the Ras-ERK pathway.", "DUSP4 downregulation activates the Ras-ERK pathway.", True),
        ("Delivery mode affects quality of life.", "Delivery mode did not affect quality of life.", True),
        ("Magnesium lowers cortisol.", "Cortisol was higher with magnesium.", True),
        ("The system can save up to $5 billion.", "The system could save as much as $750 million.", True),
        ("Magnesium improves sleep quality.", "Sleep quality was worse with magnesium.", True),
        # a sign against a valence is no contrast: a better lipid level is a lower one
        ("Airway surgery lowers serum lipid levels.", "Surgery may improve blood lipid levels.", False),
        ("Chaalia is harmful for health.", "Chaalia was considered harmful for health by 96% of respondents.", False),
        ("All ethnic groups exhibit mortality gradients.", "All four ethnic groups exhibit deprivation gradients in mortality.", False),
    ],
)
def test_a_word_that_sets_the_evidence_against_the_claim(claim: str, evidence: str, against: bool) -> None:
    assert checks.contrasts(claim, evidence) is against
