"""Who wrote or published a document, answered from the store's record of it (issue 23: a question about the
article's publisher was refused, since no passage says who published it)."""

from __future__ import annotations

import pytest

from answer_helpers import build_store, make_chunk
from chatbot.answer.bibliography import asks_bibliographic, which_document
from core.records import DocumentRecord


@pytest.mark.parametrize(
    "q",
    [
        "Who published the article?",
        "Who wrote the piece on sleep and zinc?",
        "What company is behind the Acme Notes?",
        "Which journal published the Smith trial?",
        "When was the article published?",
        "Who are the authors of the zinc trial?",
    ],
)
def test_provenance_questions_are_recognised(q):
    assert asks_bibliographic(q)


@pytest.mark.parametrize("q", ["What did the trial find?", "Who was studied?", "Which company's product was tested?", "When was the dose taken?"])
def test_other_questions_are_not(q):
    assert not asks_bibliographic(q)


def _docs() -> dict[str, DocumentRecord]:
    return {
        "notes": DocumentRecord(
            hash="a", path="a.md", title="Zinc and the Brain, Part I", role="article", meta={"authors": ["Acme Notes"], "journal": "Acme Notes (a newsletter)"}
        ),
        "smith": DocumentRecord(
            hash="b", path="b.md", title="Zinc supplementation and sleep: a randomised trial", year=2019, meta={"authors": ["Smith J", "Lee K"]}
        ),
        "jones": DocumentRecord(hash="c", path="c.md", title="Zinc absorption from two salts", year=2004, meta={"authors": ["Jones P"]}),
    }


@pytest.mark.parametrize(
    ("q", "doc"),
    [
        ("Who published the article?", "notes"),
        ("What company is behind the Acme Notes?", "notes"),
        ("Who wrote the randomised trial of zinc and sleep?", "smith"),
        ("When was the study of zinc absorption from salts published?", "jones"),
        ("Who wrote it?", None),
    ],
)
def test_the_document_is_found_from_the_questions_words(q, doc):
    assert which_document(q, _docs()) == doc


def test_answer_says_who_published_the_article_with_a_citation(settings):
    from fakes import FakeEmbeddings

    from chatbot.answer.service import answer_question
    from chatbot.render_text import answer_text

    chunks = [
        make_chunk(
            "notes",
            "Zinc calms the nervous system through three receptor pathways, the newsletter holds.",
            role="article",
            title="Zinc and the Brain, Part I",
            meta={"authors": ["Acme Notes"], "journal": "Acme Notes (a newsletter)", "doi": "10.1/x"},
        ),
        make_chunk(
            "smith",
            "Zinc shortened sleep onset latency by 12 minutes compared with placebo (P = 0.02).",
            title="Zinc and sleep",
            year=2019,
            study_type="rct",
            meta={"authors": ["Smith J"]},
        ),
    ]
    retriever = build_store(settings, chunks, FakeEmbeddings())
    ans = answer_question("Who published the article, and when?", settings=settings, retriever=retriever)
    text = answer_text(ans)
    assert not ans.refused
    assert "Acme Notes (a newsletter)" in text and "https://doi.org/10.1/x" in text
    cited = [c for c in ans.citations if c.doc_id == "notes"]
    assert cited and f"[{cited[0].n}]" in text


def test_a_provenance_question_naming_what_only_the_article_names_is_answered(settings):
    """ "What company is behind the Keyora Research Notes?" crashed once the answer learnt to say that no study
    mentions a term only the article has: an answer from the store's records has no lead to put that before."""
    from fakes import FakeEmbeddings

    from chatbot.answer.service import answer_question
    from core.settings import Settings

    chunks = [
        make_chunk(
            "notes",
            "Zinc calms the nervous system through three receptor pathways, the Acmetronic newsletter holds.",
            role="article",
            title="Zinc and the Brain, Part I",
            meta={"authors": ["Acmetronic Notes"], "journal": "Acmetronic Notes (a newsletter)"},
        ),
        make_chunk("smith", "Zinc shortened sleep onset latency by 12 minutes (P = 0.02).", title="Zinc and sleep", year=2019, study_type="rct"),
    ]
    retriever = build_store(settings, chunks, FakeEmbeddings())
    settings = settings.model_copy(update={"embedding_model": Settings().embedding_model})  # its vocabulary says "Acmetronic" is specific
    ans = answer_question("What company is behind the Acmetronic Notes?", settings=settings, retriever=retriever)
    assert not ans.refused and "Acmetronic Notes (a newsletter)" in ans.body


def test_what_the_literature_documents_are_is_answered_from_their_records(settings):
    """ "Are these summaries the full papers or just abstracts?" was refused: no passage says what the digests are,
    but every literature document records what it was read from."""
    from fakes import FakeEmbeddings

    from chatbot.answer.catalogue import asks_what_the_documents_are
    from chatbot.answer.service import answer_question

    chunks = [
        make_chunk("notes", "Zinc calms the nervous system, the newsletter holds.", role="article", title="Zinc and the Brain"),
        make_chunk("smith", "Zinc shortened sleep onset by 12 minutes (P = 0.02).", title="Zinc and sleep", year=2019, meta={"digest_of": "abstract"}),
        make_chunk("lee", "Zinc was absorbed better from the gluconate.", title="Zinc absorption", year=2004, meta={"digest_of": "secondary-copy"}),
        make_chunk("kim", "Zinc intake was linked with mood.", title="Zinc and mood", year=2010, meta={"digest_of": "abstract"}),
    ]
    retriever = build_store(settings, chunks, FakeEmbeddings())
    ans = answer_question("Are these summaries the full papers or just abstracts?", settings=settings, retriever=retriever)
    assert not ans.refused
    assert ans.body.startswith(
        "3 of the corpus's 3 literature documents are digests written in our own words, not the papers' text: 2 from the abstract, 1 from"
    )
    assert "Zinc absorption" in ans.body and [c.doc_id for c in ans.citations] == ["lee"]  # the one read at second hand, cited
    assert not asks_what_the_documents_are("What did the studies find about sleep?")
