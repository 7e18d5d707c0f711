"""The reported-direction route of the claim audit, from fixed parts: a claim's frame, the arithmetic of
agreement, the stance it decides, and ``assess`` with a deterministic direction scorer in place of the model.
The real classifier on fixed sentences is in ``test_direction_model.py`` (integration)."""

from __future__ import annotations

import numpy as np
import pytest

from chatbot.audit import checks as C
from chatbot.audit.direction import direction_pairs, read, rule_direction
from chatbot.audit.features import FEATURE_NAMES, claim_features
from chatbot.audit.stance import NEI, OTHER_CONDITIONS, REFUTES, SUPPORTS, assess, decide_stance, relevance
from core.direction import DIRECTIONS, agreement, claim_direction, claim_frame, claim_frame_text, frame_text
from core.settings import AuditSettings, Settings
from core.types import Chunk
from fakes import FakeVerifier

S = AuditSettings()


@pytest.mark.parametrize(
    "claim, intervention, outcome",
    [
        ("Caffeine cuts reaction time by about 12%.", "Caffeine", "reaction time"),
        ("Aspirin reduces the risk of colorectal cancer.", "Aspirin", "the risk of colorectal cancer"),
        ("ALDH1 expression is associated with poorer prognosis in breast cancer.", "ALDH1 expression", "poorer prognosis in breast cancer"),
        ("Vitamin D does not change bone density in healthy adults.", "Vitamin D", "bone density in healthy adults"),
        ("Statin use has no effect on dementia risk.", "Statin use", "dementia risk"),
        ("Zinc does nothing to cold duration in adults.", "Zinc", "cold duration in adults"),
    ],
)
def test_claim_frame_splits_at_the_effect_verb(claim, intervention, outcome):
    assert claim_frame(claim) == (intervention, outcome)


@pytest.mark.parametrize(
    "claim, intervention, outcome",
    [
        # a verb's stem inside a hyphenated word or a noun is no verb: "T-helper", "β-blockers", "heart failure"
        (
            "Depletion of T-helper 17 (Th17) cells during SIV infection increases dissemination of Salmonella from the gut.",
            "Depletion of T-helper 17 (Th17) cells during SIV infection",
            "dissemination of Salmonella from the gut",
        ),
        (
            "In adults with heart defects, β-blockers significantly improve heart failure outcomes.",
            "In adults with heart defects, β-blockers",
            "heart failure outcomes",
        ),
        ("PCSK9 inhibitors decrease plasma Lp(a) levels.", "PCSK9 inhibitors", "plasma Lp(a) levels"),
        (
            "Chronic HIV stimulation of B cells leads to the premature exhaustion of B cells.",
            "Chronic HIV stimulation of B cells",
            "the premature exhaustion of B cells",
        ),
    ],
)
def test_the_effect_verb_is_a_whole_word_in_a_verbs_form(claim, intervention, outcome):
    assert claim_frame(claim) == (intervention, outcome)


@pytest.mark.parametrize("claim", ["Cellular clocks are not predictive of mitosis timing.", "TNFAIP3 is a tumor enhancer in glioblastoma."])
def test_an_adjective_or_noun_from_a_verbs_stem_gives_no_frame(claim):
    assert claim_frame(claim) == ("", claim.rstrip("."))


def test_a_sign_word_after_an_article_is_an_adjective_not_the_claims_verb():
    """ "with a lower birth weight" describes who; read as the verb it gave the claim the direction "decreased"."""
    claim = "Women with a lower birth weight are more likely to develop breast cancer later in life."
    assert claim_frame(claim) == ("Women with a lower birth weight", "develop breast cancer later in life")
    # "more likely" is the verb, not "lower"; but the exposure has a sign of its own, and a result for its other end
    # ("heavier birth weights … increased risk") must not read as agreeing, so the claim states no direction to compare
    assert rule_direction(claim) == (0, 0, 0, 0)
    assert claim_frame("The reduced dose improves sleep quality.") == ("The reduced dose", "sleep quality")


def test_a_claim_without_an_effect_verb_is_read_whole_as_the_outcome():
    assert claim_frame("Only 4% of the oxide salt was absorbed.") == ("", "Only 4% of the oxide salt was absorbed")
    assert claim_frame_text("Only 4% of the oxide salt was absorbed.") == "outcome: Only 4% of the oxide salt was absorbed"
    assert frame_text("drug", "pain", "placebo") == "intervention: drug | comparator: placebo | outcome: pain"


def test_agreement_same_direction_agrees_other_direction_and_null_oppose():
    up = claim_direction([0.9, 0.05, 0.05, 0.0])
    assert agreement(up, [0.9, 0.0, 0.0, 0.1])[0] > 0.75
    assert agreement(up, [0.0, 0.9, 0.0, 0.1])[1] > 0.75
    agree, oppose = agreement(up, [0.0, 0.0, 0.9, 0.1])  # no significant difference against a claimed increase
    assert oppose > 0.75 and agree < 0.1
    null = claim_direction([0.0, 0.0, 1.0, 0.0])
    assert agreement(null, [0.0, 0.0, 0.95, 0.05])[0] > 0.9  # a null claim is supported by a null result
    assert agreement(null, [0.95, 0.0, 0.0, 0.05])[1] > 0.9


def test_a_sentence_about_something_else_decides_nothing():
    up = claim_direction([0.9, 0.05, 0.05, 0.0])
    agree, oppose = agreement(up, [0.02, 0.02, 0.02, 0.94])
    assert agree < 0.1 and oppose < 0.1


def test_a_claim_that_states_no_direction_carries_no_weight():
    assert sum(claim_direction([0.1, 0.1, 0.1, 0.7])) == pytest.approx(0.3)
    assert claim_direction([0.0, 0.0, 0.0, 1.0]) == (0.0, 0.0, 0.0, 0.0)


@pytest.mark.parametrize(
    "claim, stated",
    [
        ("Caffeine raises alertness in shift workers.", "increased"),
        ("Aspirin lowers the risk of colorectal cancer.", "decreased"),
        ("Vitamin D does not change bone density.", "no_difference"),
        ("Statin use has no bearing on dementia risk.", "no_difference"),
        ("Drug A is as effective as drug B.", "no_difference"),
        ("Exercise improves sleep quality.", "changed"),  # valence: a higher score or a shorter latency
        ("Ketamine alters the architecture of sleep.", "changed"),
        ("The sky over the clinic was blue.", None),
        ("Decreased diastolic pressure is associated with aneurysm.", None),  # the sign is the exposure's, not the outcome's
        ("Smoking is associated with a higher risk of stroke.", "increased"),
    ],
)
def test_a_claims_stated_direction_from_its_words(claim, stated):
    w = rule_direction(claim)
    names = ("increased", "decreased", "no_difference", "changed")
    assert (names[w.index(1.0)] if 1.0 in w else None) == stated


def test_a_change_of_either_sign_half_agrees_with_both_and_opposes_a_null():
    """'Improves sleep' may be a higher efficiency or a shorter latency: either sign is half a match, never enough
    for 'supported' from parts alone; no significant difference opposes it fully."""
    changed = (0.0, 0.0, 0.0, 1.0)
    assert 0.4 < agreement(changed, [0.9, 0.0, 0.05, 0.05])[0] < S.direction_support_min
    assert 0.4 < agreement(changed, [0.0, 0.9, 0.05, 0.05])[0] < S.direction_support_min
    assert agreement(changed, [0.02, 0.02, 0.9, 0.06])[1] > 0.85


def test_a_ratio_with_its_interval_states_its_direction():
    from chatbot.audit.direction import ratio_direction

    assert ratio_direction("The odds ratio for gastric cancer with a history of infection was 2.77 (95% confidence interval 1.04-7.97).") == "increased"
    assert ratio_direction("The association held (OR 0.64; 95% CI 0.49 to 0.82; p < 0.001).") == "decreased"
    assert ratio_direction("HR 1.10 (95% CI 0.90-1.30)") == "no_difference"
    assert ratio_direction("The mean was 2.3 (95% CI 1.1-3.3).") is None  # not a ratio
    # ratios listed by outcome: a direction only when every one reports the same
    listed = "Users had higher adjusted hazard ratios for falls (1.66, 1.56 to 1.77), stroke (1.37, 1.22 to 1.55) and fracture (1.64, 1.46 to 1.84)."
    assert ratio_direction(listed) == "increased"
    assert ratio_direction("Hazard ratios for death (0.71; 95% CI 0.60-0.84) and stroke (0.80, 0.70 to 0.91) favoured it.") == "decreased"
    assert ratio_direction("Odds ratios were lower for A (0.8, 0.7 to 0.9) and higher for B (1.2, 1.1 to 1.3).") is None
    assert ratio_direction("Means were 12 for A (12, 10 to 14) and 15 for B (15, 13 to 17).") is None  # no ratio named


def test_a_ratio_of_the_chance_of_a_fall_is_a_fall():
    """'More likely to reduce the intensity of headaches (RR 1.41)' is a greater chance of a fall: read as a rise, it
    opposed the claim that antidepressants reduce migraine."""
    from chatbot.audit.direction import ratio_direction

    likely = "Tricyclics were more likely to reduce the intensity of headaches than placebo (relative risk 1.41, 95% confidence interval 1.02 to 1.89)."
    assert ratio_direction(likely) == "decreased"
    assert ratio_direction("Patients on X were less likely to reduce their dose (OR 0.5, 95% CI 0.3 to 0.8).") == "increased"
    assert ratio_direction("Users had higher odds of a decline in function (OR 2.1, 95% CI 1.3-3.4).") == "decreased"
    assert ratio_direction("The risk of death was higher (HR 1.5, 95% CI 1.2-1.9).") == "increased"  # the event is no fall
    assert ratio_direction("They were more likely to improve (OR 1.8, 95% CI 1.2-2.6).") == "increased"  # valence: read by what improves
    assert ratio_direction("They were as likely to reduce their dose (OR 1.1, 95% CI 0.8-1.4).") == "no_difference"


def test_prevention_stated_as_a_result_is_a_fall():
    """'Effective in preventing migraine' reports a fall in migraine, which the classifier (no such sentence in Evidence
    Inference) read as reporting nothing; an aim, a name, a null or another word of sign is not read this way."""
    from chatbot.audit.direction import prevention_direction

    stated = (
        "CONCLUSIONS Tricyclic antidepressants are effective in preventing migraine and are more effective than selective serotonin "
        "reuptake inhibitors, although with greater adverse effects."
    )
    assert prevention_direction(stated) == "decreased"
    assert prevention_direction("Aspirin protects against colorectal cancer.") == "decreased"
    assert prevention_direction("Genetic knockdown of PKD1 prevented phosphorylation of AMPK.") == "decreased"
    assert prevention_direction("Tricyclic antidepressants did not prevent migraine.") is None  # a null
    assert prevention_direction("The drug failed to prevent relapse.") is None
    assert prevention_direction("We developed strategies to prevent HIV transmission.") is None  # an aim
    assert prevention_direction("The Centers for Disease Control and Prevention issued guidance.") is None  # a name
    assert prevention_direction("The drug prevented the decline of memory.") is None  # the decline is what fell


def test_the_direction_read_uses_the_prevention_rule():
    """``read`` replaces the classifier's reading of a prevention sentence, so it agrees with a claim of a fall."""
    from chatbot.audit.direction import agree_oppose, read

    class Nothing:
        def score(self, pairs):
            return [[0.0, 0.0, 0.0, 1.0] for _ in pairs]

    cd, probs = read("Antidepressants reduce the severity of migraines.", ["Tricyclic antidepressants prevented migraine."], Nothing())
    assert agree_oppose(cd, probs[0])[0] > 0.9


def test_an_equality_in_words_is_no_difference():
    from chatbot.audit.direction import equality_direction

    assert equality_direction("An inorganic salt (the chloride) can be as bioavailable as organic salts.") == "no_difference"
    assert equality_direction("The two groups did not differ in pain scores.") == "no_difference"
    assert equality_direction("The effervescent tablet was absorbed twice as well as the plain one.") is None
    assert equality_direction("A was more bioavailable than B, and C and D were equivalent.") is None  # a change too: the model decides


def test_the_outcome_leaves_out_the_comparator():
    assert claim_frame("Drug A lowers blood pressure more than drug B.") == ("Drug A", "blood pressure more")


FORM = C.Finding("form", "mismatch", "the study used another form")
NUM_BAD = C.Finding("numeric", "contradicts", "reported 4%, claimed 50-80%")


def test_stance_from_direction_parts():
    neutral = (0.1, 0.1, 0.8)  # the verifier undecided: the direction decides
    assert decide_stance(neutral, [], S, agree=0.9, oppose=0.05)[0] == SUPPORTS
    assert decide_stance(neutral, [FORM], S, agree=0.9, oppose=0.05)[0] == OTHER_CONDITIONS
    assert decide_stance(neutral, [], S, agree=0.05, oppose=0.9)[0] == REFUTES
    assert decide_stance(neutral, [], S, agree=0.3, oppose=0.3)[0] == NEI
    # paraphrased support the verifier reads as refutation: the reported direction wins
    assert decide_stance((0.1, 0.85, 0.05), [], S, agree=0.9, oppose=0.05)[0] == SUPPORTS
    # numbers far off beat a matching direction
    assert decide_stance(neutral, [NUM_BAD], S, agree=0.9, oppose=0.05)[0] == REFUTES
    # a sentence sharing almost none of the claim's words decides nothing, whatever its direction
    assert decide_stance(neutral, [], S, relevance=0.05, agree=0.9)[0] == NEI


class RuleDirection:
    """A deterministic direction scorer: reads 'rose'/'fell'/'no significant' in the sentence and the claim."""

    labels = DIRECTIONS
    fingerprint = "rule-direction"

    def score(self, pairs):
        out = []
        for _frame, s in pairs:
            t = s.lower()
            if "no significant" in t or "did not" in t:
                out.append((0.02, 0.02, 0.94, 0.02))
            elif any(w in t for w in ("rose", "raised", "raises", "increase")):
                out.append((0.94, 0.02, 0.02, 0.02))
            elif any(w in t for w in ("fell", "lowered", "lowers", "reduce")):
                out.append((0.02, 0.94, 0.02, 0.02))
            else:
                out.append((0.02, 0.02, 0.02, 0.94))
        return np.asarray(out, dtype=np.float32)


def _chunk(doc: str, text: str) -> Chunk:
    return Chunk(
        chunk_id=f"{doc}-0",
        doc_id=doc,
        text=text,
        start=0,
        end=len(text),
        sentences=[(0, len(text))],
        title=doc,
        year=2020,
        role="literature",
        study_type="rct",
        meta={},
        section="Results",
    )


def test_read_scores_the_claim_and_its_windows_in_one_call():
    claim = "Caffeine raises alertness scores in shift workers."
    pairs = direction_pairs(claim, ["Alertness scores rose with caffeine."])
    assert pairs[0] == (claim_frame_text(claim), claim)
    cd, probs = read(claim, ["Alertness scores rose with caffeine.", "Alertness scores fell."], RuleDirection())
    assert cd.probs[0] > 0.9 and probs.shape == (2, 4)


def test_assess_decides_from_the_reported_direction():
    claim = "Caffeine raises alertness scores in shift workers."
    passages = [
        _chunk("up", "In shift workers, caffeine significantly raised alertness scores compared with placebo."),
        _chunk("null", "In shift workers, caffeine did not change alertness scores compared with placebo."),
        _chunk("down", "In shift workers, alertness scores fell after caffeine compared with placebo."),
    ]
    items = assess(claim, passages, FakeVerifier(), Settings(), direction=RuleDirection())
    by = {i.chunk.doc_id: i for i in items}
    assert by["up"].stance == SUPPORTS and by["up"].agree > 0.8
    assert by["null"].stance == REFUTES and by["null"].oppose > 0.8
    assert by["down"].stance == REFUTES
    f = claim_features(claim, items, S.relevance_min, claim_number=False, claim_null=False)
    assert set(FEATURE_NAMES) == set(f)
    assert f["d_agree_matched"] > 0.8 and f["d_oppose_docs"] == 2.0 and f["d_agree_docs"] == 1.0


def test_the_verb_of_adding_names_no_agent():
    """ "Including pharmacists in rounding teams" acts as pharmacists: a passage that never names them reports no result
    for it, however its "included" matches the claim's "Including" (a database that "included" 520,000 drug-event
    associations was read as reporting more adverse drug events against the claim)."""
    claim = "Including pharmacists in ward rounds reduces medication errors."
    other = _chunk("other", "The registry included 5,000 reports, and medication errors rose over the decade.")
    named = _chunk("named", "With pharmacists on ward rounds, medication errors rose over the decade.")
    by = {i.chunk.doc_id: i for i in assess(claim, [other, named], FakeVerifier(), Settings(), direction=RuleDirection())}
    assert by["other"].oppose == 0.0 and by["named"].oppose > 0.8


def test_a_claim_with_a_direction_hears_a_verifier_sure_of_support_unless_a_reported_direction_is_against_it():
    """AuditSettings.verifier_sure_for_directed_claims: "RIM1 is required for IME1 expression" states "Mutations in RIM1
    decrease levels of IME1 RNA" without a sign the direction classifier reads; a verifier sure of it (P >= 0.9, about
    the claim as a whole) is heard. Not where the sentence reports the other direction, nor with the setting off."""
    claim = "Mutations in RIM1 decrease levels of IME1 RNA."
    sure = FakeVerifier(lambda c, e: (0.95, 0.02, 0.03))
    stated = _chunk("stated", "RIM1 mutants are required for IME1 RNA expression in yeast.")
    against = _chunk("against", "IME1 RNA levels rose in RIM1 mutants.")

    def stances(settings: Settings) -> dict[str, str]:
        return {i.chunk.doc_id: i.stance for i in assess(claim, [stated, against], sure, settings, direction=RuleDirection())}

    on = stances(Settings())
    assert on == {"stated": SUPPORTS, "against": REFUTES}
    off = stances(Settings(audit=AuditSettings(verifier_sure_for_directed_claims=False)))
    assert off == {"stated": NEI, "against": REFUTES}
    unsure = {i.chunk.doc_id: i.stance for i in assess(claim, [stated], FakeVerifier(lambda c, e: (0.8, 0.1, 0.1)), Settings(), direction=RuleDirection())}
    assert unsure == {"stated": NEI}  # below verifier_support_sure, and no cosine to call it a restatement


def test_assess_without_a_direction_model_is_the_verifier_alone():
    claim = "Caffeine raises alertness scores in shift workers."
    passages = [_chunk("up", "In shift workers, caffeine significantly raised alertness scores compared with placebo.")]
    items = assess(claim, passages, FakeVerifier(), Settings())
    assert items[0].agree == 0.0 and items[0].oppose == 0.0 and items[0].stance == NEI


# ---------------------------------------------------------------------------- the finding from parts


def _decide_on(items):
    from chatbot.audit.aggregate import decide
    from chatbot.audit.decision import prior_model

    claim = "Caffeine raises alertness scores in shift workers."
    f = claim_features(claim, items, S.relevance_min, claim_number=False, claim_null=False)
    return decide(claim, items, f, prior_model().model_copy(update={"supported_threshold": 0.99}), S)


def _parts_item(doc: str, text: str, agree: float, oppose: float, findings=()) -> "object":
    from chatbot.audit.stance import EvidenceItem

    it = EvidenceItem(chunk=_chunk(doc, text), text=text, probs=(0.1, 0.8, 0.1), relevance=0.9, findings=list(findings), weight=0.8)
    it.quote_relevance, it.outcome_relevance, it.agree, it.oppose = 0.8, 1.0, agree, oppose
    it.stance, it.reasons = decide_stance(it.probs, it.findings, S, it.quote_relevance, agree, oppose)
    return it


def test_supported_from_parts_even_when_the_layer_and_the_verifier_would_not_say_so():
    up = _parts_item("up", "In shift workers, caffeine significantly raised alertness scores.", agree=0.95, oppose=0.03)
    v = _decide_on([up])
    assert v.finding == "supported", v.reason


def test_a_condition_matched_study_reporting_otherwise_makes_it_conflicting():
    up = _parts_item("up", "In shift workers, caffeine significantly raised alertness scores.", agree=0.95, oppose=0.03)
    null = _parts_item("null", "In shift workers, caffeine did not change alertness scores (p = 0.4).", agree=0.02, oppose=0.95)
    assert _decide_on([up, null]).finding == "conflicting"


def test_a_study_reporting_otherwise_under_other_conditions_keeps_it_from_supported():
    """A claim stated more generally than the studies that support it: a null result on the same outcome under another
    route makes it conflicting, and the reason names the condition that differs."""
    route = C.Finding("route", "mismatch", "route differs: given intravenously, not by mouth")
    up = _parts_item("up", "In shift workers, caffeine significantly raised alertness scores.", agree=0.95, oppose=0.03)
    iv = _parts_item("iv", "Alertness scores showed no changes with intravenous caffeine.", agree=0.02, oppose=0.95, findings=[route])
    v = _decide_on([up, iv])
    assert v.finding == "conflicting", v.reason
    assert "otherwise under other conditions (route differs: given intravenously, not by mouth)" in v.reason
    assert [e.chunk.doc_id for e in v.evidence] == ["up", "iv"]


def test_a_result_sentence_that_leaves_what_acted_implicit_counts_what_the_paper_studies():
    from chatbot.audit.stance import NEUTRAL, _frame_relevance

    claim_actor = "Intravenous caffeine"
    sentence = "Alertness scores rose from 22:00 to 07:00."
    assert _frame_relevance(claim_actor, sentence, 1.0, [], NEUTRAL) == 0.0
    assert _frame_relevance(claim_actor, sentence, 1.0, [], NEUTRAL, paper="intravenous caffeine, 200 mg at night") == 1.0
    # a paper on something else lends nothing
    assert _frame_relevance(claim_actor, sentence, 1.0, [], NEUTRAL, paper="melatonin, 3 mg at night") == 0.0


def test_who_took_how_much_of_what_acts_is_not_a_word_a_result_sentence_must_repeat():
    """A cohort's exposure is stated as a level ("the people who took in the most zinc"), its result by the group ("People
    in the top quartile …"): the verb of taking, the relative pronoun and the level are no words of what acts."""
    from chatbot.audit.stance import NEUTRAL, _actor_share

    sentence = "People in the top quartile were less likely to catch a cold (OR 0.64)."
    assert _actor_share("the people who took in the most zinc", sentence, ["zinc"], NEUTRAL) == 1.0
    assert _actor_share("the children who ate the least zinc", sentence, ["zinc"], NEUTRAL) == 0.0  # other people


def test_no_supported_from_parts_under_other_conditions_or_against_numbers():
    form = _parts_item("up", "In shift workers, caffeine significantly raised alertness scores.", 0.95, 0.03, [FORM])
    assert _decide_on([form]).finding != "supported"
    num = _parts_item("up", "In shift workers, caffeine significantly raised alertness scores.", 0.95, 0.03, [NUM_BAD])
    assert _decide_on([num]).finding != "supported"


def test_an_extrapolated_claim_with_a_figure_quotes_the_closest_reported_figure():
    """'Reduces X by 41%' with evidence only under other conditions: the reason also quotes what was measured."""
    from chatbot.audit.aggregate import decide
    from chatbot.audit.decision import prior_model

    claim = "Caffeine gum cuts alertness lapses by 41%."
    text = "In shift workers, caffeine tablets cut alertness lapses by 17 minutes a night compared with placebo."
    it = _parts_item("tab", text, agree=0.95, oppose=0.03, findings=[FORM])
    it.quote_relevance = relevance(claim, text)
    f = claim_features(claim, [it], S.relevance_min, claim_number=True, claim_null=False)
    v = decide(claim, [it], f, prior_model(), S)
    assert v.finding == "extrapolated", v.reason
    assert "the closest reported figure: “In shift workers, caffeine tablets cut alertness lapses by 17 minutes" in v.reason and v.reason.endswith("[1]")


def test_direction_thresholds_are_bounded():
    import pydantic

    with pytest.raises(pydantic.ValidationError):
        AuditSettings(direction_supported_min=2.0)


def test_a_missing_direction_classifier_is_said_once_and_the_verifier_decides(settings, tmp_path, caplog):
    from services import build_services

    s = settings.model_copy(update={"direction_model": tmp_path / "nowhere"})
    with caplog.at_level("WARNING"):
        assert build_services(s).direction is None
    assert any("direction classifier not found" in r.getMessage() for r in caplog.records)


# ---------------------------------------------------------------------------- what acts and the outcome, conditions aside


@pytest.mark.parametrize(
    "claim, actor, outcome",
    [
        ("Pooled trials in older adults found that caffeine shortened the time taken to fall asleep.", "caffeine", "the time taken to fall asleep"),
        ("In a crossover study of people aged 60-80, oral caffeine increased reaction speed.", "oral caffeine", "reaction speed"),
        ("Caffeine raises alertness scores.", "Caffeine", "alertness scores"),
        # who the outcome was measured in is a condition: "ACTH was suppressed" reports on "ACTH secretion in healthy men"
        ("An overnight caffeine infusion suppressed ACTH secretion in healthy men.", "An overnight caffeine infusion", "ACTH secretion"),
        ("Caffeine lengthened time in slow-wave sleep among older adults aged 60-80.", "Caffeine", "time in slow-wave sleep"),
        # ... but not an outcome's own "in": the time is spent in slow-wave sleep
        ("Caffeine increased time in slow-wave sleep.", "Caffeine", "time in slow-wave sleep"),
        # ... nor does "of" start a population: the outcome runs up to "in patients with …"
        ("Caffeine does not enhance the chance of cancer mortality in patients with eye disease.", "Caffeine", "the chance of cancer mortality"),
        # a population after what acts is a condition too; a share of a population ("50% of patients") is not one
        ("Vision screening in elderly populations leads to improved vision.", "Vision screening", "improved vision"),
        ("Lack of FGF21 in mice increases life expectancy.", "Lack of FGF21", "life expectancy"),
        ("50% of patients exposed to radiation have activated markers.", "50% of patients exposed to radiation have", "markers"),
    ],
)
def test_claim_core_leaves_out_reporting_clauses_and_leading_conditions(claim, actor, outcome):
    from core.direction import claim_core

    assert claim_core(claim) == (actor, outcome)


def test_the_frame_names_the_profiles_other_words_for_the_outcome():
    frame = claim_frame_text("In older adults, caffeine shortened the time taken to fall asleep.", ("fall asleep", "latency", "sleep onset"))
    assert frame == "intervention: caffeine | outcome: the time taken to fall asleep (latency, sleep onset)"


def test_focus_reads_the_sentence_naming_the_outcome_in_the_profiles_words():
    from chatbot.audit.direction import focus

    claim = "Caffeine shortened the time taken to fall asleep."
    window = "Sleep onset latency was 17 minutes shorter with caffeine than with placebo. Total sleep time did not differ between groups."
    assert focus(claim, window).startswith("Total sleep time")  # "time" is the only shared word
    assert focus(claim, window, ("latency", "sleep onset")).startswith("Sleep onset latency")


def test_a_stance_from_the_direction_is_gated_on_what_acts_and_the_outcome():
    """A claim whose words are mostly conditions ("In a crossover study of people aged 60-80, …") is still decided by a
    result sentence naming what acted and the outcome; the condition checks judge the rest."""
    from chatbot.audit.features import deciding_items

    claim = "In a placebo-controlled crossover study of night nurses aged 60-80, oral caffeine raised alertness scores."
    passages = [_chunk("up", "Caffeine significantly raised alertness scores compared with placebo.")]
    items = assess(claim, passages, FakeVerifier(), Settings(), direction=RuleDirection())
    up = items[0]
    assert up.quote_relevance < S.direction_supported_relevance_min <= up.frame_relevance
    assert up.stance == SUPPORTS and up.by_direction
    assert deciding_items(items, S.relevance_min)["support"] == [up]


def test_no_supported_from_parts_without_the_claims_effect_size():
    """The direction agrees, but the claim's figure is its point: 41% is not stated by "17 minutes shorter", a size in
    words cannot be checked, and a matching figure can."""
    text = "In shift workers, caffeine shortened alertness lapses by 17 minutes compared with placebo."
    it = _parts_item("up", text, agree=0.95, oppose=0.03)
    from chatbot.audit.aggregate import _stated_by_parts

    assert not _stated_by_parts([it], S, "Caffeine shortens alertness lapses by around 41%.")
    assert not _stated_by_parts([it], S, "Caffeine shortens alertness lapses by two fifths.")
    assert _stated_by_parts([it], S, "Caffeine shortens alertness lapses by around 17 minutes.")
    assert _stated_by_parts([it], S, "Caffeine shortens alertness lapses.")


def test_a_list_setting_that_is_not_json_is_one_config_error(monkeypatch):
    """A malformed list in the environment is a one-line error naming the field, not a pydantic-settings traceback."""
    from core.errors import ConfigError
    from core.settings import load_settings

    monkeypatch.setenv("MGC_AUDIT__SUPPORTED_FROM_PARTS_EXCLUDED", "narrative-review")
    with pytest.raises(ConfigError, match="audit.*JSON"):
        load_settings()


@pytest.mark.parametrize(
    "claim, intervention, outcome, stated",
    [
        # a comparison with another treatment: the outcome is what they were compared on, the comparator is left out
        ("Surgery is not superior to non-surgical in treating adults with fractures.", "Surgery", "treating adults with fractures", (0, 0, 1, 0)),
        ("Drug A is no more effective than placebo for pain.", "Drug A", "pain", (0, 0, 1, 0)),
        ("Drug B is as effective as drug C in lowering blood pressure.", "Drug B", "lowering blood pressure", (0, 0, 1, 0)),
        # better is a valence, not a sign: a better pain score is a lower one
        ("Drug A is more effective than placebo for pain.", "Drug A", "pain", (0, 0, 0, 1)),
        ("Drug A is superior to drug B at preventing relapse.", "Drug A", "preventing relapse", (0, 0, 0, 1)),
    ],
)
def test_a_comparison_with_another_treatment_is_framed_on_what_they_were_compared_on(claim, intervention, outcome, stated):
    assert claim_frame(claim) == (intervention, outcome)
    assert rule_direction(claim) == stated


def test_a_comparison_naming_no_outcome_has_no_frame():
    """'X is better than Y' names no outcome: the comparator is not one to read results for."""
    claim = "Magnesium glycinate is better than magnesium oxide."
    assert claim_frame(claim) == ("", claim.rstrip("."))


def test_a_hyphenated_word_after_the_verb_is_the_outcomes_not_a_particle():
    """'decreases in-hospital mortality': 'in' belongs to 'in-hospital', the outcome is not '-hospital mortality'."""
    assert claim_frame("Early screening decreases in-hospital mortality.") == ("Early screening", "in-hospital mortality")


@pytest.mark.parametrize(
    "claim, intervention, outcome",
    [
        # passive: the subject is the outcome, what acts is the agent after "by" or the condition after the verb
        ("Cortisol was lowered by magnesium in older adults.", "magnesium", "Cortisol"),
        ("Sympathetic nerve activity is reduced throughout normal pregnancy.", "normal pregnancy", "Sympathetic nerve activity"),
        ("Blood pressure is increased in smokers.", "smokers", "Blood pressure"),
        ("Anxiety was reduced by 32% with magnesium.", "magnesium", "Anxiety"),
        ("Sleep quality was not improved by glycine.", "glycine", "Sleep quality"),
    ],
)
def test_a_passive_claims_subject_is_its_outcome(claim, intervention, outcome):
    assert claim_frame(claim) == (intervention, outcome)


def test_a_passive_claim_naming_nothing_that_acts_is_read_whole():
    assert claim_frame("Anxiety was significantly reduced.") == ("", "Anxiety was significantly reduced")


def test_more_or_less_likely_is_the_claims_verb():
    claim = "People with the highest intake were less likely to be short sleepers than those with the lowest."
    assert claim_frame(claim) == ("People with the highest intake", "short sleepers")
    assert rule_direction(claim) == (0, 1, 0, 0)


def test_a_result_against_another_comparator_neither_states_nor_refutes_a_comparison():
    """'as bioavailable as lactate' is not refuted by 'more bioavailable than oxide' (read as an increase, it opposed
    the claimed equality); trial-design comparators (placebo, control group) are one and the same."""
    from chatbot.audit.direction import other_comparison

    claim = "Magnesium chloride is as bioavailable as the lactate salt."
    assert other_comparison(claim, "Chloride and lactate were more bioavailable than oxide.")
    assert not other_comparison(claim, "Chloride was as bioavailable as lactate.")
    assert not other_comparison("Drug A reduced pain more than placebo.", "Drug A reduced pain compared with the control group.")
    assert other_comparison("Drug A is as effective as drug B.", "Drug A reduced pain compared with the placebo group.")
    assert not other_comparison("Drug A reduces pain.", "Drug A reduced pain more than drug B.")  # the claim compares nothing


def test_read_finds_nothing_reported_in_a_comparison_with_something_else():
    claim = "Magnesium chloride is as bioavailable as the lactate salt."
    _, probs = read(claim, ["Chloride was more bioavailable than oxide."], RuleDirection(), "rules")
    assert DIRECTIONS[int(np.argmax(probs[0]))] == "not_reported"


def test_a_result_under_the_removal_of_something_reports_no_direction_for_a_claim_about_its_presence():
    """'Without X, the channels did not depend on voltage' is the experiment's contrast condition: read as no difference,
    it opposed 'X blocks the channel in a voltage-dependent way', which the same study states."""
    from chatbot.audit.direction import under_absence

    claim = "Zinc ions block the receptor channel in a voltage-dependent way."
    assert under_absence(claim, "Without Zn2+, the agonists opened channels whose behaviour did not depend on voltage.")
    assert under_absence(claim, "When zinc was removed from the bath, responses lost their voltage sensitivity.")
    assert under_absence(claim, "In the absence of zinc, currents did not change.")
    assert not under_absence(claim, "Drug A reduced pain without side effects.")  # a trailing 'without' is no condition
    assert not under_absence("Without zinc, the channels lose their voltage dependence.", "Without Zn2+, the channels did not depend on voltage.")
    _, probs = read(claim, ["Without Zn2+, the channels did not depend on voltage."], RuleDirection(), "rules")
    assert DIRECTIONS[int(np.argmax(probs[0]))] == "not_reported"


def test_a_result_for_the_opposite_manipulation_reports_no_direction():
    """A knockout's claim is neither stated nor refuted by what overexpression did, nor the reverse: "mice overexpressing
    SIRT1 … are more resistant to diet-induced obesity" agreed (0.86) with "Mice lacking Sirt1 … are immune to
    diet-induced obesity", which the same study contradicts."""
    from chatbot.audit.direction import opposite_manipulation

    claim = "Mice lacking the zinc transporter are protected from weight gain."
    overexpressed = "Conversely, mice overexpressing the zinc transporter showed an increase in resistance to weight gain."
    assert opposite_manipulation(claim, overexpressed)
    assert opposite_manipulation("Overexpression of the transporter raises zinc uptake.", "Transporter-deficient cells took up less zinc.")
    assert not opposite_manipulation(claim, "Mice lacking the transporter gained less weight.")  # the same manipulation
    assert not opposite_manipulation("The transporter raises zinc uptake.", overexpressed)  # the claim names none
    assert not opposite_manipulation("Overexpression of the transporter raises uptake.", "Uptake rose; the null hypothesis was rejected.")
    assert opposite_manipulation("Overexpression of the transporter raises uptake.", "In transporter-null mice uptake fell.")
    _, probs = read(claim, [overexpressed, "Mice lacking the transporter showed an increase in resistance to weight gain."], RuleDirection(), "rules")
    assert [DIRECTIONS[int(np.argmax(p))] for p in probs] == ["not_reported", "increased"]


@pytest.mark.parametrize(
    "claim, actor, outcome, stated",
    [
        (
            "Omnivores produce more trimethylamine N-oxide from dietary carnitine than vegans.",
            "Omnivores",
            "trimethylamine N-oxide from dietary carnitine",
            (1, 0, 0, 0),
        ),
        ("Ly6C hi monocytes have a higher inflammatory capacity than Ly6C lo monocytes.", "Ly6C hi monocytes", "inflammatory capacity", (1, 0, 0, 0)),
        (
            "Flexible molecules experience less steric hindrance in tumours than rigid molecules.",
            "Flexible molecules",
            "steric hindrance in tumours",
            (0, 1, 0, 0),
        ),
    ],
)
def test_a_comparison_of_two_groups_by_an_amount_has_a_frame_and_a_sign(claim, actor, outcome, stated):
    assert claim_frame(claim) == (actor, outcome)
    assert rule_direction(claim) == stated


def test_a_comparison_without_an_outcome_between_comparative_and_than_is_read_whole():
    claim = "Incidence of dementia is higher than the incidence of delirium."
    assert claim_frame(claim) == ("", claim.rstrip("."))


def test_a_result_said_by_its_valence_neither_states_nor_refutes_a_claimed_rise_or_fall():
    class UpForRescue(RuleDirection):
        def score(self, pairs):  # the trained classifier read "rescued" as an increase (0.75)
            return [(0.94, 0.02, 0.02, 0.02) if "rescued" in s else row for (_, s), row in zip(pairs, super().score(pairs))]

    claim = "Gene editing prevents the pathology in neurons."
    windows = ["Gene editing rescued these phenotypes in neurons.", "Gene editing lowers the pathology."]
    assert read(claim, windows, UpForRescue())[1][0][0] > 0.9  # off by default (AuditSettings.valence_states_no_sign)
    _, probs = read(claim, windows, UpForRescue(), valence=True)
    assert probs[0][3] > 0.9  # not reported: no sign
    assert probs[1][1] > 0.9  # a sign word: the classifier's reading stands


def test_a_passage_that_never_names_what_acts_lends_the_claim_no_direction():
    claim = "Caffeine raises alertness scores in shift workers."
    other = _chunk("other", "In shift workers, alertness scores rose significantly after a nap compared with no nap.")
    named = _chunk("named", "In shift workers given caffeine, alertness scores rose significantly compared with placebo.")
    by = {i.chunk.doc_id: i for i in assess(claim, [other, named], FakeVerifier(), Settings(), direction=RuleDirection())}
    assert by["other"].agree == 0.0 and by["other"].stance == NEI
    assert by["named"].agree > 0.8 and by["named"].stance == SUPPORTS


def test_a_short_form_the_passage_defines_counts_as_its_long_form_for_the_outcome():
    claim = "Caffeine raises trimethylamine N-oxide in shift workers."
    text = "Caffeine is metabolised to trimethylamine N-oxide (TMAO). In shift workers, caffeine significantly raised TMAO compared with placebo."
    (item,) = assess(claim, [_chunk("tmao", text)], FakeVerifier(), Settings(), direction=RuleDirection())
    assert item.outcome_relevance == 1.0 and item.stance == SUPPORTS
    assert "trimethylamine N-oxide (TMAO)" not in item.text.split(". ")[-1]  # the quote keeps the authors' words


def test_a_reading_the_sentence_has_no_words_for_is_nothing_reported():
    class Sure:  # a classifier sure of a direction whatever it reads, as the trained one was on descriptions
        def __init__(self, row):
            self.row = row

        def score(self, pairs):
            return [self.row for _ in pairs]

    claim = "Caffeine lowers anxiety in adults."
    description = "Eight trials assessed sleep outcomes and seven assessed anxiety outcomes, with one trial examining both."
    _, up = read(claim, [description, "Anxiety scores were higher with caffeine (p = 0.01)."], Sure((0.77, 0.15, 0.0, 0.08)))
    assert up[0][3] > 0.99 and up[1][0] > 0.7  # a description reports nothing; a figure and a sign word keep the reading
    _, null = read(claim, [description, "Anxiety scores did not differ between the groups."], Sure((0.0, 0.04, 0.9, 0.06)))
    assert null[0][3] > 0.9 and null[1][2] > 0.8  # "no difference" needs null wording


def test_a_rival_short_of_a_contradiction_on_its_own_still_keeps_a_claim_from_supported():
    up = _parts_item("up", "In shift workers, caffeine significantly raised alertness scores.", agree=0.95, oppose=0.03)
    down = _parts_item("down", "In shift workers, alertness scores fell from 22:00 to 07:00 after caffeine.", agree=0.05, oppose=0.85)
    down.probs = (0.1, 0.1, 0.8)  # the verifier is not sure of it: only the reported direction makes it a rival
    down.stance, down.reasons = decide_stance(down.probs, down.findings, S, down.quote_relevance, down.agree, down.oppose)
    assert S.direction_rival_min <= 0.85 < S.direction_contradicted_min
    assert _decide_on([up, down]).finding == "conflicting"


def test_words_of_measure_and_of_giving_are_not_what_a_result_must_name():
    """ "levels of IME1 RNA" is reported as "reduced expression of IME1", "the chance of cancer mortality" as "cancer
    mortality", and "immunosuppressive therapy" acts as "immunosuppressive drugs" do: the measure and the word for giving
    are no part of what the sentence must name. An outcome of nothing but a measure word keeps it."""
    from chatbot.audit.stance import _frame_relevance, _outcome_relevance
    from core.domain import NEUTRAL

    assert _outcome_relevance("levels of IME1 RNA", set(), "rim1 mutations cause reduced expression of IME1", [], NEUTRAL) == 0.5
    sentence = "Most commonly used immunosuppressive drugs do not seem to increase overall or cancer mortality."
    on = _outcome_relevance("the chance of cancer mortality", set(), sentence, [], NEUTRAL)
    assert on == 1.0
    assert _frame_relevance("Systemic immunosuppressive therapy", sentence, on, [], NEUTRAL) == 0.75
    assert _outcome_relevance("levels", set(), "levels rose", [], NEUTRAL) == 1.0
    assert _outcome_relevance("anxiety scores", set(), "anxiety fell", [], NEUTRAL) == 0.5


def test_more_likely_is_a_comparison_of_risks_not_a_tentative_reading():
    from chatbot.audit.stance import TENTATIVE

    assert not TENTATIVE.search("Tricyclics were more likely to reduce the intensity of headaches than placebo.")
    assert not TENTATIVE.search("Smokers were less likely to quit.")
    assert TENTATIVE.search("Magnesium is likely to help.") and TENTATIVE.search("It seems to improve sleep.")


def test_function_words_are_no_part_of_what_acts():
    """ "during" is no word of what acts a result sentence must repeat (the index's stopword list keeps it): "Depletion of
    Th17 cells during SIV infection" is named by "Th17 cells were depleted in SIV-infected macaques"."""
    from chatbot.audit.stance import NEUTRAL, _actor_share

    assert _actor_share("Depletion of Th17 cells during SIV infection", "Th17 cells were depleted in SIV-infected macaques.", [], NEUTRAL) == 1.0


def test_assess_asks_the_verifier_about_the_claims_negation_only_where_it_leans_one_way():
    """``stance._ask_negation``: one extra pair per quote the verifier leans to refute or to support, the claim negated
    in plain English (core.negation); none where it leans neither way, or with AuditSettings.negation_check off."""
    claim = "Caffeine raises alertness scores in shift workers."
    asked: list[str] = []

    def decide(c: str, e: str) -> tuple[float, float, float]:
        asked.append(c)
        if c != claim:  # the negation: supported by the quote that refutes the claim
            return (0.8, 0.1, 0.1) if "did not" in e else (0.1, 0.8, 0.1)
        return (0.05, 0.9, 0.05) if "did not" in e else (0.9, 0.05, 0.05) if "raised" in e else (0.1, 0.1, 0.8)

    passages = [
        _chunk("null", "In shift workers, caffeine did not raise alertness scores compared with placebo."),
        _chunk("other", "In shift workers, caffeine was given at night compared with placebo."),
        _chunk("raised", "In shift workers, caffeine raised alertness scores compared with placebo."),
    ]
    items = {i.chunk.doc_id: i for i in assess(claim, passages, FakeVerifier(decide), Settings())}
    assert items["null"].negation_probs[0] == pytest.approx(0.8) and items["other"].negation_probs == ()
    assert items["raised"].negation_probs[1] == pytest.approx(0.8)
    assert set(asked) - {claim} == {"Caffeine does not raise alertness scores in shift workers."}
    asked.clear()
    off = assess(claim, passages, FakeVerifier(decide), Settings(audit=AuditSettings(negation_check=False)))
    assert all(i.negation_probs == () for i in off) and set(asked) == {claim}


def test_a_supports_negation_is_read_on_the_sentence_that_states_the_claim():
    """A two-sentence quote whose other sentence negates something else ("Removal of copper does not block uptake") made
    the verifier support the claim's negation from the whole quote; read on the sentence stating the claim, which the
    verifier supports on its own, the negation is refuted and the support holds (``stance._ask_negation``). Where the
    sentence alone does not state the claim, the quote's reading stands."""
    from chatbot.audit.stance import support_holds

    claim = "Zinc binds the insulin receptor in hepatocytes."
    states = "We show that zinc binds the insulin receptor in hepatocytes."
    other = "Removal of copper does not block uptake."

    def decide(c: str, e: str) -> tuple[float, float, float]:
        if c != claim:  # the negation: misread as supported wherever a "does not" is in sight
            return (0.85, 0.1, 0.05) if "does not" in e else (0.05, 0.9, 0.05) if "binds" in e else (0.1, 0.1, 0.8)
        return (0.95, 0.03, 0.02) if e == f"{states} {other}" else (0.9, 0.05, 0.05) if "binds" in e else (0.1, 0.1, 0.8)

    item = assess(claim, [_chunk("two", f"{states} {other}")], FakeVerifier(decide), Settings())[0]
    assert item.text == f"{states} {other}" and item.negation_probs[1] == pytest.approx(0.9)
    assert support_holds(item, claim, Settings().audit)

    def alone_unsure(c: str, e: str) -> tuple[float, float, float]:
        return (0.2, 0.1, 0.7) if c == claim and e == states else decide(c, e)

    item = assess(claim, [_chunk("two", f"{states} {other}")], FakeVerifier(alone_unsure), Settings())[0]
    assert item.negation_probs[0] == pytest.approx(0.85) and not support_holds(item, claim, Settings().audit)


def test_focus_reads_the_contrasted_clause_that_names_the_claims_outcome():
    """A sentence that reports two results set against each other ("did not reduce allergies overall, although atopic
    eczema was lower") is read at the clause naming the claim's outcome; a contrast too short to report a result
    ("but not in mice") stays with its clause."""
    from chatbot.audit.direction import _contrasted, focus

    sentence = (
        "Supplementation in pregnancy did not reduce the overall incidence of allergies in the first year of life, "
        "although atopic eczema and egg sensitisation were lower."
    )
    claim = "Fish oil supplementation lowers rates of atopic eczema."
    assert focus(claim, sentence).strip() == "although atopic eczema and egg sensitisation were lower."
    assert focus("Fish oil supplementation reduces allergies in the first year of life.", sentence).startswith("Supplementation in pregnancy")
    assert _contrasted("ApoE4 increased amyloid production in human neurons, but not in mouse.") == [
        "ApoE4 increased amyloid production in human neurons, but not in mouse."
    ]
    # a claim without what acts has no outcome apart from its other words: its contrasted sentence is read whole
    two_parts = "Surgery offers better gait efficiency than amputation, but does not improve the patients' quality of life."
    assert focus("limb-salvage surgery offer patients better quality of life and functional capacity than amputation", two_parts) == two_parts
    # a comma inside brackets is no clause boundary
    assert len(_contrasted("Levels rose (p < 0.01, while fasting), whereas in controls the levels fell sharply over time.")) == 2
