"""Who funded a study or employs its authors, answered from the digests' source notes (chatbot.answer.ties,
records.ties_answer): the notes are never quoted as findings, so these questions were refused."""

from __future__ import annotations

import pytest

from answer_helpers import build_store, make_chunk
from chatbot.answer.ties import asks_ties, tie_sentences, topic_words

PROFILE = {"subject": ["compound"], "forms": {"oxide": ["oxide"]}, "dose_units": {"mg": 1.0}}


@pytest.mark.parametrize(
    "q", ["Who funded the studies?", "Were the zinc trials industry funded?", "Any conflicts of interest?", "Which trials were sponsored by a company?"]
)
def test_questions_about_ties(q):
    assert asks_ties(q)


@pytest.mark.parametrize("q", ["What did the trial find?", "Who published the article?", "Which studies were done in animals?"])
def test_other_questions(q):
    assert not asks_ties(q)


def test_tie_sentences_and_topic_words():
    text = "**Source note.** Read from the abstract. The trial sponsor was Acme Corp. Zinc shortened colds."
    from core.text import split_sentences

    assert tie_sentences(text, split_sentences(text)) == ["The trial sponsor was Acme Corp."]
    assert topic_words("Were the zinc trials industry funded?") == {"zinc"}


def _store(settings):
    meta = {"authors": ["Lee K"], "digest_of": "abstract"}
    items = [
        make_chunk(
            "t1",
            "**Source note.** Read from the abstract. The trial sponsor was Acme Nutrition. **Results.** Compound oxide lowered stress.",
            title="Compound oxide and stress",
            year=2018,
            study_type="rct",
            meta=meta,
        ),
        make_chunk("t2", "**Results.** Compound citrate raised sleep quality.", title="Compound citrate and sleep", year=2010, study_type="rct", meta=meta),
        make_chunk("art", "Compound oxide is the best form.", role="article", title="The article"),
    ]
    return build_store(settings, items, None, PROFILE)


def test_the_answer_quotes_the_recorded_tie_with_its_citation(settings):
    from chatbot.answer.service import answer_question
    from chatbot.render_text import answer_text

    r = _store(settings)
    ans = answer_question("Who funded the studies?", settings=settings, retriever=r)
    text = answer_text(ans)
    assert not ans.refused and "“The trial sponsor was Acme Nutrition.” [1]" in text
    assert [c.doc_id for c in ans.citations] == ["t1"]
    assert "records none in its digest" in text  # the study with no note is not said to have no ties


def test_a_named_study_without_a_tie_says_so_and_shows_the_corpus(settings):
    from chatbot.answer.service import answer_question
    from chatbot.render_text import answer_text

    r = _store(settings)
    text = answer_text(answer_question("Was the citrate trial industry funded?", settings=settings, retriever=r))
    assert "None of the 1 study the question names records a sponsor" in text and "Acme Nutrition" in text
