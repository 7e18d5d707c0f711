"""Refusals by general rules. The article's own furniture (the corpus profile's ``boilerplate``:
publisher, series, "in Part II we will examine …") is never quoted as an answer, so a question about
text the corpus only announces is refused, while the same article's statements still answer. A yes/no question about an outcome the literature
mentions only in passing (a background sentence, a source note) and no study reports on is refused;
one whose outcome a study's results (or a profile synonym of it) report is answered.

Stores are built like ingest builds them (cards.json and domain.yaml beside the manifest) from
hand-made chunks, with the fake embedder (the helpers of ``test_answer_lead``)."""

from __future__ import annotations


import pytest

from answer_helpers import build_store, make_chunk
from chatbot.render_text import answer_text

PROFILE = {
    "subject": ["compound"],
    "forms": {"oxide": ["oxide"]},
    "boilerplate": [r"\bacme\b", r"part (?:i|ii)\b", "series", r"we will (?:map|examine)"],
}
FURNITURE = (
    "Thank you for reading Part I of this Acme Notes series on dosing strategies. "
    "In Part II, we will examine the dosing strategies that follow from these mechanisms."
)
STATEMENTS = "Compound oxide settles the nervous system through three receptor pathways, the article holds."
TRIAL = "**Results.** Compound oxide shortened sleep onset latency by 17 minutes compared with placebo (P = 0.02)."


def _chunks() -> list:
    return [
        make_chunk("article", FURNITURE, role="article", title="Acme Notes, Part I"),
        make_chunk("article", STATEMENTS, role="article", title="Acme Notes, Part I", start=400),
        make_chunk("trial", TRIAL, title="Compound oxide and sleep", year=2012, study_type="rct", meta={"authors": ["Smith J"], "form": "oxide"}),
    ]


def build(settings, items, profile):
    """Write ``items`` as a store version with its cards and ``profile``, as ingest does."""
    from fakes import FakeEmbeddings

    return build_store(settings, items, FakeEmbeddings(), profile)


@pytest.fixture
def retriever(settings):
    return build(settings, _chunks(), PROFILE)


def ask(retriever, settings, q):
    from chatbot.answer.service import answer_question

    return answer_question(q, settings=settings, retriever=retriever)


def test_question_only_the_furniture_mentions_is_refused(retriever, settings):
    ans = ask(retriever, settings, "What dosing strategies does Part II of the Acme series recommend?")
    assert ans.refused
    assert "we will examine" not in answer_text(ans) and "Thank you for reading" not in answer_text(ans)


def test_the_articles_statements_still_answer(retriever, settings):
    ans = ask(retriever, settings, "Through how many receptor pathways does the article say compound oxide settles the nervous system?")
    assert not ans.refused and "three receptor pathways" in answer_text(ans)


def test_candidates_skip_furniture_of_the_article_only():
    import re

    from chatbot.answer.deterministic import candidates

    class P:
        def __init__(self, chunk):
            self.chunk = chunk

    furniture = re.compile("|".join(f"(?:{b})" for b in PROFILE["boilerplate"]), re.I)
    lit = make_chunk("review", "**Results.** The review of this series of trials found that compound oxide shortened sleep onset by 17 minutes.")
    art = make_chunk("article", FURNITURE, role="article")
    texts = [c.text for c in candidates([P(art), P(lit)], None, furniture)]
    assert not any("Part II" in t or "Thank you" in t for t in texts)
    assert any("series of trials" in t for t in texts)  # a study's sentence is never furniture
    assert len(candidates([P(art)], None, None)) == 2  # without a profile's patterns nothing is dropped


OUTCOME_PROFILE = {"subject": ["compound"], "forms": {"oxide": ["oxide"]}, "synonyms": {"gastrointestinal": "tolerated"}}
REVIEW = (
    "**Background.** Compound is a cofactor of many enzymes and takes part in the regulation of blood pressure and of blood glucose; "
    "high doses can cause gastrointestinal trouble. "
    "**Methods.** Adults with hypertension and insomnia were given 300 mg compound oxide or placebo for 8 weeks. "
    "**Results.** Compound oxide shortened sleep onset latency in adults with hypertension by 12 minutes (p = 0.03); "
    "all participants tolerated it well."
)


@pytest.fixture
def outcome_store(settings):
    chunk = make_chunk(
        "review", REVIEW, title="Compound oxide and sleep in hypertension", year=2015, study_type="rct", meta={"authors": ["Lee K"], "form": "oxide"}
    )
    return build(settings, [chunk], OUTCOME_PROFILE)


def test_outcome_only_a_background_sentence_mentions_is_refused(outcome_store, settings):
    ans = ask(outcome_store, settings, "Does compound oxide lower blood pressure in people with hypertension?")
    assert ans.refused
    assert "No study in the corpus reports on “blood pressure”: the literature mentions it only in passing." in answer_text(ans)
    assert any("blood pressure" in g for g in ans.gaps)


@pytest.mark.parametrize(
    "q",
    [
        "Does compound oxide shorten sleep onset latency in people with hypertension?",  # a result reports it
        "Does compound oxide cause gastrointestinal discomfort?",  # only the background has it, but its profile synonym ("tolerated") is reported
        "Does the cofactor form of compound shorten sleep onset latency?",  # "cofactor" precedes the subject: not the outcome
    ],
)
def test_outcome_a_study_reports_is_no_gap(outcome_store, q):
    from chatbot.answer.lead import unreported_outcome
    from chatbot.answer.service import snapshot_cards
    from core.domain import DomainProfile

    cards = snapshot_cards(outcome_store.snapshot)
    assert unreported_outcome(q, cards, DomainProfile.model_validate(OUTCOME_PROFILE)) == []
    without_synonyms = DomainProfile.model_validate(dict(OUTCOME_PROFILE, synonyms={}))
    assert unreported_outcome("Does compound oxide cause gastrointestinal discomfort?", cards, without_synonyms) == ["gastrointestinal"]


def test_outcome_a_result_reports_is_answered(outcome_store, settings):
    ans = ask(outcome_store, settings, "Does compound oxide shorten sleep onset latency in people with hypertension?")
    assert not ans.refused and "12 minutes" in answer_text(ans)


def test_open_questions_and_questions_without_the_subject_have_no_outcome_gap(outcome_store):
    from chatbot.answer.lead import unreported_outcome
    from chatbot.answer.service import snapshot_cards
    from core.domain import DomainProfile

    cards = snapshot_cards(outcome_store.snapshot)
    profile = DomainProfile.model_validate(OUTCOME_PROFILE)
    assert unreported_outcome("What does compound oxide do to blood pressure?", cards, profile) == []  # not a yes/no question
    assert unreported_outcome("Does it lower blood pressure?", cards, profile) == []  # no mention of the subject to read the outcome after
    assert unreported_outcome("Does compound oxide lower blood pressure?", cards, profile) == ["blood pressure"]


@pytest.mark.parametrize(
    ("q", "phrase"),
    [
        ("What is the tolerable upper intake level for magnesium in adults?", "tolerable upper intake level"),
        ("What's the blood glucose threshold of compound oxide?", "blood glucose threshold"),
        ("Which were the main side effects?", "main side effects"),
        ("What does compound oxide do to blood pressure?", ""),  # asks what happened, not for a named thing
        ("How many minutes did sleep onset shorten?", ""),
    ],
)
def test_asked_phrase_is_what_an_open_question_names(q, phrase):
    from chatbot.answer.lead import asked_phrase

    assert asked_phrase(q) == phrase


def test_a_named_thing_only_background_mentions_is_unreported(outcome_store, settings):
    """Issue 23, part 3: "What is the tolerable upper intake level …?" was answered from neighbouring passages.
    The signal is general: a word of the thing an open question asks for that the studies mention only in
    background (here "glucose") and that no method, result or conclusion sentence reports."""
    from chatbot.answer.lead import unreported_outcome
    from chatbot.answer.service import snapshot_cards
    from core.domain import DomainProfile

    cards = snapshot_cards(outcome_store.snapshot)
    profile = DomainProfile.model_validate(OUTCOME_PROFILE)
    assert unreported_outcome("What is the blood glucose threshold of compound oxide?", cards, profile) == ["blood glucose threshold"]
    assert unreported_outcome("What is the sleep onset latency with compound oxide?", cards, profile) == []  # a result reports it
    assert unreported_outcome("What is the dose of compound oxide in hypertension?", cards, profile) == []  # a method sentence states it
    ans = ask(outcome_store, settings, "What is the blood glucose threshold of compound oxide?")
    assert ans.refused and "No study in the corpus reports on “blood glucose threshold”" in answer_text(ans)
    ans = ask(outcome_store, settings, "What is the sleep onset latency change with compound oxide in adults with hypertension?")
    assert not ans.refused and "12 minutes" in answer_text(ans)


@pytest.mark.parametrize(
    ("q", "terms"),
    [
        ("What does the article say about sleep onset?", {"articl", "sleep", "onset"}),
        ("What does the article claim about sleep?", {"articl", "sleep"}),
        ("How does the article describe glycine?", {"articl", "glycin"}),
        ("Tell me about the Smith trial.", {"smith", "trial"}),
        ("How long did the glycine study last?", {"glycin", "studi"}),
        ("What side effects were reported?", {"side", "effect", "advers"}),
        ("What happened to cortisol?", {"cortisol"}),
        ("Sample sizes of the trials?", {"particip", "patient", "adult", "volunt", "peopl", "subject", "trial"}),
    ],
)
def test_asking_words_are_no_topic_terms(q, terms):
    """Issue 23: a question whose only word beyond the corpus-wide ones was an asking word ("about", "claim",
    "describe", "me", "how long ... last") shared no topic term with any sentence, and was refused."""
    from chatbot.answer.sentences import query_terms

    assert set(query_terms(q)) == terms


def test_a_question_naming_a_study_is_answered(retriever, settings):
    ans = ask(retriever, settings, "Tell me about the Smith trial.")
    assert not ans.refused, answer_text(ans)


def test_a_named_study_is_summarised_by_its_results(retriever, settings):
    ans = ask(retriever, settings, "Tell me about the Smith trial.")
    assert "shortened sleep onset latency by 17 minutes" in answer_text(ans)


def test_what_a_question_judges_the_subject_by_is_no_outcome(settings):
    """ "Is serum magnesium a reliable test?" was refused as "No study reports on “reliable”": an evaluation the answer
    weighs (reliable, harmful, suitable), not an outcome a study must report."""
    from chatbot.answer.lead import unreported_outcome
    from chatbot.answer.service import snapshot_cards
    from core.domain import DomainProfile

    text = "**Background.** A reliable treatment for insomnia in hypertension is lacking. " + REVIEW
    chunk = make_chunk("review", text, title="Compound oxide and sleep", year=2015, study_type="rct", meta={"form": "oxide"})
    store = build(settings, [chunk], OUTCOME_PROFILE)
    cards = snapshot_cards(store.snapshot)
    profile = DomainProfile.model_validate(OUTCOME_PROFILE)
    assert unreported_outcome("Is compound oxide a reliable aid for sleep onset latency?", cards, profile) == []
    assert unreported_outcome("Does compound oxide lower blood pressure?", cards, profile) == ["blood pressure"]  # outcomes still count
