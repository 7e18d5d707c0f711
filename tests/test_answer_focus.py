"""The study a question is about, and what its lead quotes (issue 11, helper 2): the named study's card
answers, a plural question has no focus, two result clauses answer a two-part question, a study's gap
note is quoted only when it is about what was asked, sentinel forms are never reported, and a claim
check cites the study it quotes. Deterministic: hand-made chunks, cards built as ingest builds them."""

from __future__ import annotations

import pytest

from answer_helpers import make_chunk
from test_answer_lead import _lead_for, _meta

from core.audit_report import VerdictRecord
from chatbot.answer.intent import read_intent
from chatbot.render_text import answer_text, lead_text


def _cards(items):
    from core.domain import DomainProfile
    from core.records import DocumentRecord
    from ingest.cards import build_cards

    from test_answer_lead import PROFILE

    docs: dict[str, DocumentRecord] = {}
    for c in items:
        docs.setdefault(
            c.doc_id, DocumentRecord(hash="h", path=c.doc_id, title=c.title, year=c.year, study_type=c.study_type, meta=dict(c.meta))
        ).chunk_ids.append(c.chunk_id)
    return build_cards(docs, items, DomainProfile.model_validate(PROFILE))


COHORT_M = make_chunk(
    "cohort", "**Methods.** 3,964 participants of the ARDENT cohort reported sleep duration.", title="Intake and sleep duration", year=2022, meta=_meta()
)
COHORT_R = make_chunk(
    "cohort",
    "**Results.** People in the top intake quartile were less likely to sleep under 7 hours (OR 0.64).",
    title="Intake and sleep duration",
    year=2022,
    meta=_meta(),
    start=300,
)
TRIAL = make_chunk(
    "trial",
    "**Results.** Compound oxide shortened sleep latency by 17 minutes (P = 0.02) in 46 adults with insomnia.",
    title="Oxide trial for insomnia",
    year=2012,
    meta=_meta(form="oxide"),
)
REVIEW = make_chunk(
    "review",
    "**Results.** Trials of compound for sleep gave conflicting results (P = 0.2) and were small.",
    title="Review of compound and sleep",
    year=2023,
    meta=_meta(form="mixed"),
)


def test_named_study_is_the_focus_and_its_card_answers():
    """The trial's sentence was the one quoted, but the question names the cohort: the cohort's own result leads,
    from its card, although only its methods passage was retrieved."""
    items = [TRIAL, REVIEW, COHORT_M, COHORT_R]
    lead, composed = _lead_for(
        "In the ARDENT cohort, were people with the top intake less likely to sleep under 7 hours?", {TRIAL.chunk_id, REVIEW.chunk_id, COHORT_M.chunk_id}, items
    )
    assert "less likely to sleep under 7 hours (OR 0.64)" in lead.text
    cohort = next(c for c in composed.citations if c.doc_id == "cohort")
    assert COHORT_R.chunk_id in cohort.chunk_ids  # cited with the passage that holds the quoted sentence


def test_focus_needs_a_clear_margin_and_a_single_study():
    from chatbot.answer.lead import focus_study

    items = [TRIAL, REVIEW, COHORT_M, COHORT_R]
    cards = _cards(items)
    carded = [(c, cards[c.doc_id]) for c in (TRIAL, REVIEW, COHORT_M)]
    got = focus_study("What did the ARDENT cohort report about sleep duration?", carded, cards, margin=1.5)
    assert got is not None and got[0].doc_id == "cohort"
    assert focus_study("What did the studies report about sleep duration in the ARDENT cohort?", carded, cards, 1.5) is None  # plural: several
    assert focus_study("How does compound affect sleep?", carded, cards, margin=1.5) is None  # no distinctive term


def test_two_part_results_question_gets_both_results():
    m = make_chunk("inf", "**Methods.** Ten men received compound infusions overnight; blood was sampled for ACTH and cortisol.", title="Infusion", year=1998)
    r = make_chunk(
        "inf",
        "**Results.** Spindle power rose in the third cycle. ACTH was suppressed from 22:00 to 07:00. Cortisol and prolactin secretion showed no changes.",
        title="Infusion",
        year=1998,
        start=200,
    )
    lead, _ = _lead_for("When compound was infused overnight, what happened to ACTH and to cortisol?", {m.chunk_id}, [m, r])
    assert "ACTH was suppressed from 22:00 to 07:00 [1]" in lead.text
    assert "Cortisol and prolactin secretion showed no changes [1]" in lead.text


def test_gap_note_only_when_it_is_about_what_was_asked():
    note_off = make_chunk(
        "rev",
        "**Source note.** Read from the abstract page; the last sentence of the abstract is cut off.\n\n"
        "**Results.** Sleep quality was linked with intake in observational studies (OR 1.2).",
        title="Review",
        year=2023,
    )
    lead, _ = _lead_for("What did the review find about sleep quality?", {note_off.chunk_id}, [note_off])
    assert "cut off" not in lead.text  # a note about the abstract's last sentence does not answer this
    note_on = make_chunk(
        "arms",
        "**Methods.** Three preparations were compared for 60 days.\n\n"
        "**Results available.** The summary breaks off before the serum results of each arm, so they are not available.",
        title="Three arms",
        year=2003,
    )
    lead, composed = _lead_for("What were the serum results of each arm in the 60-day comparison?", {note_on.chunk_id}, [note_on])
    assert "What the corpus lacks" in lead.text and "serum results of each arm" in lead.text


def test_sentinel_forms_are_not_reported():
    from chatbot.answer.lead import _form_of, _tested

    cards = _cards([REVIEW, TRIAL])
    assert _form_of(cards["review"]) == "" and "mixed" not in _tested(cards["review"])
    assert _form_of(cards["trial"]) == "oxide"


@pytest.mark.parametrize(
    "q, kinds",
    [
        ("How was the dose increased over each treatment interval?", {"dose"}),  # names a dose, asks nothing else
        ("Does the form matter more than the dose?", {"yes_no"}),  # a yes/no question about dose as a factor
        ("How much sooner did the isotope peak with the chelate?", {"effect"}),
        ("How many older adults were pooled, and from which countries?", {"population"}),
        ("How much water did they drink?", set()),
        ("Which animals were used to compare the compounds?", {"population"}),
        ("Give me the sample sizes of every trial.", {"population"}),
    ],
)
def test_more_question_kinds(q, kinds):
    i = read_intent(q)
    assert {k for k in ("yes_no", "dose", "effect", "population", "form", "strong_claim") if getattr(i, k)} == kinds


def test_strong_claim_gap_uses_the_right_article(settings):
    from test_answer_lead import ClaimAuditor, ask, build

    ans = ask(build(settings), settings, "Does compound oxide eliminate insomnia?", auditor=ClaimAuditor())
    assert "No study in the corpus reports an elimination." in lead_text(ans)


def test_claim_check_line_cites_the_study_it_quotes():
    from chatbot.answer.service import _quotes
    from chatbot.render_text import verdict_line
    from core.contracts import ClaimCheck

    verdict = VerdictRecord.model_validate(
        {
            "verdict": "no_evidence",
            "finding": "unsupported",
            "reason": "no study states this; the closest reported result: “ACTH concentration rose significantly in the treated group…”",
            "evidence": [{"text": "Sleep was recorded."}, {"text": "ACTH concentration rose significantly in the treated group relative to controls."}],
        }
    )
    assert _quotes(verdict) == ["acth concentration rose significantly in the treated group"]
    line = verdict_line(ClaimCheck(verdict, [2]))
    assert line.startswith("Claim check: UNSUPPORTED.") and line.endswith("group…” [2].")
    assert "Evidence:" not in line
    assert verdict_line(ClaimCheck(VerdictRecord(verdict="no_evidence"), [1, 3])) == "Claim check: NO EVIDENCE [1][3]."  # a record from before findings


def test_verbatim_statement_is_entailed_without_the_model():
    import numpy as np

    from evals.nli import WindowedEntailer, quoted_in

    premise = "**Results.** Cortisol, growth hormone and prolactin secretion showed no changes. Delta power did not change."
    assert quoted_in(premise, "Cortisol, growth hormone and prolactin secretion showed no changes.")
    assert not quoted_in(premise, "Cortisol secretion fell.")  # not word for word: the verifier decides
    assert not quoted_in(premise, "Delta power")  # too short to stand on its own
    calls = []
    e = WindowedEntailer(lambda pairs: calls.append(len(pairs)) or np.tile([0.1, 0.1, 0.8], (len(pairs), 1)))
    assert e(premise, "cortisol, growth hormone and prolactin secretion showed NO changes")
    assert calls == [] and e.verbatim_hits == 1


def test_study_that_cannot_tell_says_so_for_a_comparative_question():
    """ "Which raised it more?" asks for a result; the study's own sentence says the material cannot tell."""
    aim = make_chunk(
        "pk",
        "**Aim and design.** Serum levels were compared over 4 hours after a single dose of compound citrate or compound chelate.\n\n"
        "**Results and conclusion.** Which preparation produced the larger serum rise cannot be reported from the material available here.",
        title="Serum after citrate or chelate",
        year=2002,
    )
    lead, _ = _lead_for("Which preparation raised serum levels more in the 4-hour comparison?", {aim.chunk_id}, [aim])
    assert "What the corpus lacks" in lead.text and "cannot be reported" in lead.text


def test_population_from_the_card_when_no_sentence_says_who():
    pooled = make_chunk(
        "meta",
        "**Results.** In the pooled analysis, sleep latency was 17 minutes shorter (p = 0.0006).",
        title="Meta-analysis of compound for insomnia",
        year=2021,
        meta=_meta(population="151 older adults in 3 trials (Iran, Germany, USA)"),
    )
    lead, composed = _lead_for("How many older adults were pooled in the meta-analysis, and from which countries?", {pooled.chunk_id}, [pooled])
    assert "Who was studied (Smith 2021): 151 older adults in 3 trials (Iran, Germany, USA) [1]." in lead.text


def test_prepositions_are_not_topic_terms():
    """ "cost per bottle" shares no topic with "21 mEq per day"."""
    from chatbot.answer.sentences import has_topic_term, query_terms

    assert "per" not in query_terms("How much does the product cost per bottle?")
    assert not has_topic_term("How much does the product cost per bottle?", "Volunteers took 21 mEq per day of each preparation.", frozenset())


def test_gap_note_sharing_the_rarer_term_wins():
    """Two notes each share one question term: the one sharing the term fewer studies use is the one about what was asked."""
    from chatbot.answer.lead import _gap_note, _UNAVAILABLE
    from core.domain import NEUTRAL

    arms = make_chunk(
        "arms",
        "**Source note.** Read from a copy whose summary is cut off early in the Results.\n\n"
        "**Results available.** The summary breaks off before the comparison of the arms, which is not available.",
        title="Three arms",
        year=2003,
    )
    other = make_chunk("o", "**Results.** The results were positive in every arm of the trial.", title="Other", year=2010)
    cards = _cards([arms, other])
    from chatbot.answer.lead import _card_terms

    note = _gap_note(cards["arms"], "What were the results of the comparison?", _UNAVAILABLE, NEUTRAL, _card_terms(cards)[1])
    assert note is not None and "comparison of the arms" in note.text


def test_gap_note_for_a_dose_question_names_the_dose():
    """A note that merely shares the topic ("sleep") is not about a dose: it must name the facet asked."""
    from chatbot.answer.intent import read_intent
    from chatbot.answer.lead import _UNAVAILABLE, _card_terms, _facet_words, _gap_note
    from core.domain import NEUTRAL

    review = make_chunk(
        "rev",
        "**Source note.** They say trials are needed to clarify how intake relates to sleep; the rest of that sentence is not available.\n\n"
        "**Source note.** The abstract does not state which doses were tested in the sleep trials.",
        title="Sleep review",
        year=2023,
    )
    cards = _cards([review])
    question = "What dose did the sleep trials use?"
    facet = _facet_words(read_intent(question), NEUTRAL)
    assert facet is not None and _facet_words(read_intent("What did the sleep trials find?"), NEUTRAL) is None
    note = _gap_note(cards["rev"], question, _UNAVAILABLE, NEUTRAL, _card_terms(cards)[1], facet)
    assert note is not None and "which doses were tested" in note.text
    only_topic = make_chunk("rev2", "**Source note.** The rest of the sentence on sleep is not available.", title="Other review", year=2023)
    cards2 = _cards([only_topic])
    assert _gap_note(cards2["rev2"], question, _UNAVAILABLE, NEUTRAL, _card_terms(cards2)[1], facet) is None


def test_clauses_split_at_semicolons_outside_brackets_only():
    from chatbot.answer.lead import _clauses

    assert _clauses("Whole group: a; Subgroup: b (stress ≥ 25; N = 162) was 24% greater; Tolerance: c.") == [
        "Whole group: a",
        "Subgroup: b (stress ≥ 25; N = 162) was 24% greater",
        "Tolerance: c.",
    ]


def test_claim_check_line_does_not_repeat_a_marker_its_reason_has():
    from chatbot.render_text import verdict_line
    from core.contracts import ClaimCheck

    record = VerdictRecord(verdict="no_evidence", finding="unsupported", reason="closest: “A sentence here that is long enough.” [1]")
    line = verdict_line(ClaimCheck(record, [2], {1: 2}))
    assert line.count("[2]") == 1


def test_named_study_matches_the_cards_own_first_author_and_year():
    """A question cites a study as "Author Year": the match is the card's own first author (not a review that
    lists the study), the year must agree when given, and without a year the name must be capitalised."""
    from core.cards import StudyCard
    from chatbot.answer.lead import named_study

    cards = [
        StudyCard(doc_id="abbasi", authors=["Abbasi B", "Kimiagar M"], year=2012, title="Magnesium and insomnia"),
        StudyCard(doc_id="held", authors=["Held K"], year=2002, title="Oral magnesium and sleep EEG"),
        StudyCard(doc_id="mah", authors=["Mah J"], year=2021, title="Review listing Abbasi et al. 2012 and Held et al. 2002"),
        StudyCard(doc_id="smith_a", authors=["Smith A"], year=2010, title="First Smith"),
        StudyCard(doc_id="smith_b", authors=["Smith B"], year=2015, title="Second Smith"),
    ]

    def hit(q):
        card = named_study(q, cards)
        return card.doc_id if card else None

    assert hit("What did the Abbasi 2012 trial find?") == "abbasi"
    assert hit("what did abbasi 2012 find") == "abbasi"  # a year makes the lowercase name a citation
    assert hit("What did Abbasi find?") == "abbasi"
    assert hit("What did Held 2002 report?") == "held"
    assert hit("What held the trials back?") is None  # a verb, not the name
    assert hit("What did Abbasi 2015 find?") is None  # wrong year
    assert hit("What did Smith find?") is None  # two studies by Smith: ambiguous
    assert hit("What did Smith 2015 find?") == "smith_b"
    assert hit("What do the reviews say about sleep?") is None


def test_question_naming_only_a_study_is_answered_from_it(default_store):
    """ "What did the Walker 2003 study find?" has nothing but the citation to match: retrieval need not find the
    study and no sentence scores close enough, so it was refused. It is answered from that study, cited."""
    from chatbot.answer.service import answer_question
    from services import build_services

    r = build_services(default_store).retriever()
    for q, doc in (("What did the Walker 2003 study find?", "walker2003"), ("What did the Abbasi 2012 trial find?", "abbasi2012")):
        ans = answer_question(q, settings=default_store, retriever=r)
        assert not ans.refused, answer_text(ans)
        assert ans.citations and ans.citations[0].doc_id == doc, [c.doc_id for c in ans.citations]
        assert lead_text(ans) and "[1]" in lead_text(ans)


def test_question_citing_a_study_is_answered_about_that_study(default_store):
    """ "What dose did Abbasi use?" used to lead with rats and other trials' doses (retrieval never found Abbasi):
    the cited study's passages join the retrieved ones and it is the one the lead is about."""
    from chatbot.answer.service import answer_question
    from services import build_services

    ans = answer_question("What dose did Abbasi use?", settings=default_store, retriever=build_services(default_store).retriever())
    assert lead_text(ans) and "Abbasi 2012" in lead_text(ans), answer_text(ans)
    assert "rats" not in lead_text(ans)


def test_named_study_by_year_and_design():
    """'What did the 2017 review conclude?' names one study by its year and design, and no author."""
    from core.cards import StudyCard
    from chatbot.answer.lead import named_study

    cards = [
        StudyCard(doc_id="boyle", authors=["Boyle N"], year=2017, design="systematic-review", title="Magnesium and anxiety"),
        StudyCard(doc_id="kappeler", authors=["Kappeler D"], year=2017, design="pharmacokinetic", title="Citrate and oxide"),
        StudyCard(doc_id="abbasi", authors=["Abbasi B"], year=2012, design="rct", title="Magnesium and insomnia"),
    ]

    def hit(q):
        card = named_study(q, cards)
        return card.doc_id if card else None

    assert hit("What did the 2017 review conclude?") == "boyle"
    assert hit("What did the 2012 trial find?") == "abbasi"
    assert hit("What did the 2017 study find?") is None  # two studies of 2017
    assert hit("What did Abbasi 2017 find?") is None  # a name with the wrong year


def test_named_studies_lists_every_study_a_year_and_design_fit():
    from core.cards import StudyCard
    from chatbot.answer.lead import named_studies

    cards = [
        StudyCard(doc_id="a", authors=["Boyle N"], year=2017, design="systematic-review"),
        StudyCard(doc_id="b", authors=["Schuchardt J"], year=2017, design="narrative-review"),
        StudyCard(doc_id="c", authors=["Kappeler D"], year=2017, design="pharmacokinetic"),
    ]
    assert [c.doc_id for c in named_studies("What did the 2017 review conclude?", cards)] == ["a", "b"]


@pytest.mark.parametrize(
    "q, place",
    [
        ("Where in the brain did it act?", True),
        ("In which region did the compound act?", True),
        ("Which countries were the trials run in?", True),
        ("Where is the evidence for that?", False),  # asks for a source, not a place
        ("Where does the article say that?", False),
        ("What dose did they take?", False),
    ],
)
def test_a_question_asking_where(q, place):
    assert read_intent(q).place is place


def test_a_where_question_hears_the_sentence_naming_the_place(settings):
    """A question asking where ("Where in the brain did it act?") is answered by "… in the shell of the suprachiasmatic nucleus (SCN)", which
    shares no topic word with the question: for a place question, naming a place is the overlap asked for."""
    from answer_helpers import build_store, make_chunk
    from chatbot.answer.deterministic import candidates, score_candidates
    from chatbot.retrieval import Passage

    text = "Oral glycine increased non-REM sleep in rats. After glycine, c-Fos appeared in the shell of the suprachiasmatic nucleus (SCN)."
    chunk = make_chunk("kawai2015", text, title="An amino acid and rest", study_type="animal")
    retriever = build_store(settings, [chunk])
    passages = [Passage(chunk=chunk, score=1.0, rank=1)]
    query = "Where in the brain did it act?"
    place = {}
    for q in (query, "What did it do in the brain?"):
        cands = candidates(passages)
        score_candidates(query, passages, cands, retriever.embeddings, settings.compose, read_intent(q))
        place[q] = next(c for c in cands if "SCN" in c.text).key_overlap
    assert place == {query: True, "What did it do in the brain?": False}
