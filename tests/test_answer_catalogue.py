"""'Which studies were done in animals?' answered from the store's records of its documents (issue 23: questions about
the collection were refused, since no passage is close to their words)."""

from __future__ import annotations

import pytest

from answer_helpers import build_store, make_chunk
from chatbot.answer import catalogue
from core.records import DocumentRecord


@pytest.mark.parametrize(
    "q",
    [
        "Which studies were done in animals?",
        "What kinds of studies does the corpus contain?",
        "How many randomised controlled trials are there?",
        "List the reviews.",
    ],
)
def test_questions_about_the_collection(q):
    assert catalogue.asks_catalogue(q)


@pytest.mark.parametrize("q", ["Which studies tested zinc?", "What did the studies find about sleep?", "Which trial used 300 mg?"])
def test_questions_with_a_topic_are_left_to_retrieval(q):
    assert not catalogue.asks_catalogue(q)


def test_designs_asked():
    assert catalogue.designs_asked("Which studies were done in rats?") == ("animal",)
    assert "rct" in catalogue.designs_asked("Which studies were done in people?")
    assert "animal" not in catalogue.designs_asked("Which studies were done in people?")
    assert catalogue.designs_asked("What kinds of studies are there?") is None


def test_counts_name_designs_and_the_unstated():
    docs = {
        "a": DocumentRecord(hash="a", path="a", study_type="rct"),
        "b": DocumentRecord(hash="b", path="b", study_type="rct"),
        "c": DocumentRecord(hash="c", path="c", study_type="animal"),
        "d": DocumentRecord(hash="d", path="d", study_type=""),
    }
    assert catalogue.counts_line(docs) == "The corpus holds 4 literature documents: 2 RCTs, 1 animal study, 1 of a design not stated."


def test_answer_lists_the_studies_of_the_design_asked_with_citations(settings):
    from fakes import FakeEmbeddings

    from chatbot.answer.service import answer_question
    from chatbot.render_text import answer_text

    chunks = [
        make_chunk("notes", "Zinc calms the nervous system, the newsletter holds.", role="article", title="Zinc notes"),
        make_chunk("rat", "Zinc reduced anxiety-like behaviour in rats.", title="Zinc in rats", year=2015, study_type="animal"),
        make_chunk("trial", "Zinc did not change sleep onset latency (P = 0.6).", title="Zinc and sleep", year=2019, study_type="rct"),
    ]
    retriever = build_store(settings, chunks, FakeEmbeddings())
    ans = answer_question("Which studies were done in animals?", settings=settings, retriever=retriever)
    text = answer_text(ans)
    assert not ans.refused
    assert "2 literature documents: 1 RCT, 1 animal study" in text
    assert [c.doc_id for c in ans.citations] == ["rat"] and "“Zinc in rats” [1]" in text
