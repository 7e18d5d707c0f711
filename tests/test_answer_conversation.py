"""Follow-up questions become standalone retrieval queries (deterministic, no LLM)."""

from __future__ import annotations

import pytest

from chatbot.answer.conversation import is_follow_up, key_terms, standalone_query
from chatbot.render_text import answer_text


@pytest.mark.parametrize("q", ["and at what dose?", "What about children?", "How long does it take?", "Is that safe?", "and for how long?", "what dose"])
def test_follow_ups_detected(q):
    assert is_follow_up(q)


@pytest.mark.parametrize(
    "q",
    [
        "Does magnesium glycinate improve sleep in the elderly?",
        "What did the Abbasi 2012 insomnia trial find?",
        "How is magnesium citrate absorbed compared with oxide?",
    ],
)
def test_standalone_questions_untouched(q):
    assert not is_follow_up(q)
    assert standalone_query(q, ["Does glycine help sleep?"]) == q


def test_dose_follow_up_carries_topic():
    q = standalone_query("and at what dose?", ["Does magnesium improve sleep in elderly people with insomnia?"])
    assert q.startswith("at what dose?")
    for t in ("magnesium", "improve", "sleep", "elderly", "insomnia"):
        assert t in q


def test_chain_of_follow_ups_keeps_original_topic():
    hist = [
        {"role": "user", "content": "Does magnesium glycinate reduce anxiety?"},
        {"role": "assistant", "content": "What the studies found ..."},
        {"role": "user", "content": "and at what dose?"},
    ]
    q = standalone_query("for how long?", hist)
    assert "anxiety" in q and "glycinate" in q and "dose" in q


def test_history_forms():
    prev = "Does magnesium lower cortisol?"
    for hist in ([prev], [(prev, "answer")], [{"question": prev}]):
        assert "cortisol" in standalone_query("and in the elderly?", hist)
    assert standalone_query("and in the elderly?", None) == "and in the elderly?"


def test_key_terms_drop_question_words():
    assert key_terms("What does the article say about NMDA receptors?") == ["article", "NMDA", "receptors"]


def test_follow_up_retrieves_in_context(settings):
    """End to end: the follow-up alone would not find the trial; rewritten, it does."""
    from answer_helpers import build_store
    from test_answer_deterministic import corpus

    from chatbot.answer.service import answer_question

    r = build_store(settings, corpus())
    hist = ["Did elderly adults with primary insomnia sleep longer with magnesium?"]
    ans = answer_question("and what dose did they receive?", history=hist, settings=settings, retriever=r)
    assert "insomnia" in ans.query and not ans.refused
    assert any(c.doc_id == "abbasi2012" for c in ans.citations)
    assert "500 mg" in answer_text(ans)


@pytest.mark.parametrize(
    "q",
    [
        "How big was the effect, and in which population?",
        "How many patients took part, and how big was each dose?",
        "Do the studies agree with that figure?",
        "Was it blinded, and who were the participants?",
        "How many trials and participants did it pool?",  # what a study did ("pool", "enrol") is a facet, not a topic
        "Who did they enrol, and what was reported?",
    ],
)
def test_questions_without_a_topic_are_follow_ups(q):
    """Only facets (effect, population, dose, participants): the topic comes from the earlier turn."""
    assert is_follow_up(q)
    assert "anxiety" in standalone_query(q, ["Does magnesium reduce anxiety?"])


@pytest.mark.parametrize(
    "q",
    [
        "Is it true that glycinate is 80 % bioavailable?",
        "Is it the case that magnesium cures insomnia?",
        "It is often said that glycine deepens sleep: does it?",
        "What dose of glycine did they use?",
    ],
)
def test_questions_with_their_own_topic_are_not_follow_ups(q):
    """A pronoun alone does not make a follow-up: "is it true that X" is a question about X."""
    assert not is_follow_up(q)
    assert standalone_query(q, ["Does magnesium reduce anxiety?"]) == q
