"""Topic coverage: an answer whose cited documents are only neighbours of the question's topic is refused as
off-topic (chatbot.answer.coverage), while a document that carries the question's distinctive words is not."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import pytest

from answer_helpers import build_store, make_chunk
from chatbot.answer.coverage import TopicCoverage, document_terms, off_topic_message, topic_coverage, topic_terms
from core.lexical import tokenize

_versions = itertools.count()


def snapshot(*chunks):
    return SimpleNamespace(path="/nowhere", version=f"cov{next(_versions)}", chunks={c.chunk_id: c for c in chunks})


CHUNKS = [
    make_chunk("embolism", "Mechanical ventilation and inotropic support were needed in patients with pulmonary embolism and right ventricular dysfunction."),
    make_chunk("music", "Music therapy lowered anxiety and stress hormones in mechanically ventilated patients in the intensive care unit."),
    make_chunk("gout", "Coffee intake was associated with a lower risk of gout in men followed for twelve years."),
    make_chunk("fractures", "Hip fractures in patients were more frequent in winter.", meta={"authors": ["Larsson K"]}),
]


@pytest.fixture
def snap():
    return snapshot(*CHUNKS)


def test_topic_terms_leave_out_question_words_framing_and_asking_phrases():
    assert topic_terms("Does music influence stress in mechanically ventilated patients?") == tokenize(
        "music influence stress mechanically ventilated patients"
    )
    assert topic_terms("Summarise the evidence on coffee and gout.") == tokenize("coffee gout")
    assert "side" not in topic_terms("What were the side effects reported with coffee?")
    assert topic_terms("How long did it last?") == []


def test_the_document_on_the_topic_covers_it_and_a_neighbour_does_not(snap):
    q = "Does music influence stress in mechanically ventilated patients?"
    on = topic_coverage(q, ["music"], snap)
    off = topic_coverage(q, ["embolism"], snap)
    assert on.doc_id == "music" and off.doc_id == "embolism"
    assert off.score < 0.5 < on.score
    assert off.missing[:2] == ("music", "stress")  # the most specific words first, as written in the question
    both = topic_coverage(q, ["embolism", "music"], snap)
    assert both == on  # the best of the cited documents counts


def test_words_no_document_has_and_empty_questions_are_not_judged(snap):
    assert topic_coverage("Does pretend tell me?", ["gout"], snap) == TopicCoverage(1.0)
    assert topic_coverage("", ["gout"], snap).score == 1.0
    # an author's name counts as a document's word (metadata, not only text)
    assert topic_coverage("What did Larsson find about hip fractures?", ["fractures"], snap).score == 1.0


def test_a_spelling_variant_counts_as_the_same_word():
    snap = snapshot(make_chunk("gi", "Diarrhoea was the most common adverse event of magnesium citrate."), *CHUNKS)
    assert topic_coverage("Can magnesium citrate cause diarrhea?", ["gi"], snap).score == 1.0


def test_document_terms_are_cached_per_store_version(snap):
    assert document_terms(snap) is document_terms(snap)
    assert document_terms(snapshot(*CHUNKS)) is not document_terms(snap)
    assert document_terms(snap).n_docs == 4 and document_terms(snap).df["patient"] == 3


def test_message_names_only_words_no_closest_document_has(snap):
    q = "Does music influence stress in mechanically ventilated patients?"
    cov = topic_coverage(q, ["embolism", "gout"], snap)
    assert cov.doc_id == "embolism" and "music" in cov.absent and "patients" not in cov.absent
    msg = off_topic_message(TopicCoverage(0.2, "embolism", ("music", "stress", "influence", "extra"), ("music", "stress", "influence", "extra")))
    assert msg.startswith("I found no passage that addresses this question") and "“music”, “stress”, “influence”" in msg and "extra" not in msg
    # every word is in one document or another: none is named, so none contradicts a quote that follows
    assert "mentions" not in off_topic_message(TopicCoverage(0.2, "embolism", ("music",), ()))


class LogitReranker:
    """Keeps the order and gives every passage the same cross-encoder logit, as the real reranker records it."""

    def __init__(self, logit: float):
        self.logit = logit

    def rerank(self, query, passages, top=30):
        from dataclasses import replace

        return [replace(p, extra={**p.extra, "rerank_score": self.logit}) if i < top else p for i, p in enumerate(passages)]


def _answers(settings, retr, logit: float | None, min_coverage: float = 0.8):
    from services import build_services

    compose = settings.compose.model_copy(update={"min_topic_coverage": min_coverage})
    retrieval = settings.retrieval.model_copy(update={"rerank": logit is not None})
    s = settings.model_copy(update={"compose": compose, "retrieval": retrieval})
    services = build_services(s, embedder=retr.embeddings, reranker=LogitReranker(logit if logit is not None else 0.0), audit=False)
    return services.answerer(services.retriever(retr.snapshot))


def test_the_answer_refuses_an_off_topic_question_and_says_why(settings):
    neighbour = make_chunk("embolism", "Mechanically ventilated patients with pulmonary embolism showed stress on the right ventricle.")
    elsewhere = make_chunk("lessons", "Music lessons improved reading in schoolchildren.")
    retr = build_store(settings, [neighbour, elsewhere] + [c for c in CHUNKS if c.doc_id in ("gout", "fractures")])
    question = "Does music influence stress in mechanically ventilated patients?"
    rec = _answers(settings, retr, logit=-5.0).answer(question)
    assert rec.refused and not rec.lead
    assert rec.body.startswith("I found no passage that addresses this question")
    assert rec.gaps and "addresses this question" in rec.gaps[0]
    # it names no word the quoted neighbour uses ("stress"), and the closest passages follow, labelled as such
    assert "“stress”" not in rec.body.split("\n\n")[0] and "Mechanically ventilated patients" in rec.body
    assert "What the corpus has" in rec.body
    kept = _answers(settings, retr, logit=-5.0).answer("Was coffee intake associated with the risk of gout?")
    assert not kept.refused and [c.doc_id for c in kept.citations][:1] == ["gout"]
    # the two readings must agree: a relevant passage by the reranker, no reranker, or the check off keep the answer
    for answers in (_answers(settings, retr, logit=2.0), _answers(settings, retr, logit=None), _answers(settings, retr, logit=-5.0, min_coverage=0.0)):
        assert "addresses this question" not in answers.answer(question).body


class ScoreOnlyReranker(LogitReranker):
    """A machine too slow to reorder (``chatbot.rerank_budget``: most 0): searches keep the hybrid order and carry no
    logits, but the model still scores passages when asked."""

    most = 0

    def __init__(self, logit: float):
        super().__init__(logit)
        self.asked: list[str] = []

    def rerank(self, query, passages, top=30):
        return passages

    def scores(self, query, texts):
        self.asked.append(query)
        return [self.logit] * len(texts)


def test_without_reordering_the_off_topic_check_still_hears_the_reranker(settings):
    """The budget left no reordering: the off-topic check scores the passages itself, and only for a question whose
    words already look off-topic (PubMedQA fit half: questions whose abstract is absent were answered 19 times in 40
    without the reranker's reading, 7 with it)."""
    from services import build_services

    neighbour = make_chunk("embolism", "Mechanically ventilated patients with pulmonary embolism showed stress on the right ventricle.")
    elsewhere = make_chunk("lessons", "Music lessons improved reading in schoolchildren.")
    retr = build_store(settings, [neighbour, elsewhere] + [c for c in CHUNKS if c.doc_id in ("gout", "fractures")])
    s = settings.model_copy(
        update={"compose": settings.compose.model_copy(update={"min_topic_coverage": 0.8}), "retrieval": settings.retrieval.model_copy(update={"rerank": True})}
    )
    for logit, refused in ((-5.0, True), (2.0, False)):
        model = ScoreOnlyReranker(logit)
        services = build_services(s, embedder=retr.embeddings, reranker=model, audit=False)
        answers = services.answerer(services.retriever(retr.snapshot))
        rec = answers.answer("Does music influence stress in mechanically ventilated patients?")
        assert rec.refused is refused and ("addresses this question" in rec.body) is refused and len(model.asked) == 1
        answers.answer("Was coffee intake associated with the risk of gout?")  # on-topic by its words: no scoring
        assert len(model.asked) == 1


def test_a_hyphenated_word_is_named_once(snap):
    cov = topic_coverage(
        "Did the meta-analysis of gout find heterogeneity?", ["fractures"], snapshot(make_chunk("ma", "A meta-analysis of heterogeneity."), *CHUNKS)
    )
    assert cov.missing.count("meta-analysis") == 1
