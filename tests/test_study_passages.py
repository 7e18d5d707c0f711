"""A study found only by its source note brings what it reports (chatbot.answer.study_passages.past_notes),
and only when retrieval ranked that note above every passage with something to quote."""

from __future__ import annotations

from answer_helpers import build_store, make_chunk
from chatbot.answer.service import snapshot_cards
from chatbot.answer.study_passages import past_notes
from chatbot.retrieval import Passage

PROFILE = {"subject": ["compound"], "forms": {"oxide": ["oxide"]}, "dose_units": {"mg": 1.0}}
NOTE = "**Source note.** Read from the publisher's abstract. This is a rat study."
RESULTS = "**Results.** Compound oxide raised brain compound levels in rats by 20% (p < 0.05)."
ARTICLE = "Compound oxide is the form the brain absorbs best, our readers tell us."


def _store(settings):
    meta = {"authors": ["Lee K"], "digest_of": "abstract"}
    items = [
        make_chunk("rat", NOTE, title="Compound oxide in rats", year=2019, study_type="animal", meta=meta),
        make_chunk("rat", RESULTS, title="Compound oxide in rats", year=2019, study_type="animal", meta=meta, start=200),
        make_chunk("art", ARTICLE, role="article", title="The article"),
    ]
    return build_store(settings, items, None, PROFILE), items


def test_a_note_ranked_first_brings_its_study_results(settings):
    r, (note, results, article) = _store(settings)
    got = past_notes([Passage(note, 1.0, 1), Passage(article, 0.5, 2)], snapshot_cards(r.snapshot), r, per_doc=2)
    joined = [p for p in got if p.extra.get("joined")]
    assert [p.chunk.chunk_id for p in joined] == [results.chunk_id]
    assert [p.chunk.chunk_id for p in got[:2]] == [note.chunk_id, article.chunk_id]  # the retrieved order stays first


def test_a_note_ranked_below_a_quotable_passage_joins_nothing(settings):
    r, (note, _results, article) = _store(settings)
    got = past_notes([Passage(article, 1.0, 1), Passage(note, 0.5, 2)], snapshot_cards(r.snapshot), r, per_doc=2)
    assert len(got) == 2 and not any(p.extra.get("joined") for p in got)


def test_a_study_already_retrieved_is_not_joined_twice(settings):
    r, (note, results, _article) = _store(settings)
    got = past_notes([Passage(note, 1.0, 1), Passage(results, 0.5, 2)], snapshot_cards(r.snapshot), r, per_doc=2)
    assert [p.chunk.chunk_id for p in got] == [note.chunk_id, results.chunk_id]


def test_a_question_about_what_the_article_says_brings_the_article_passage(settings):
    from chatbot.answer.study_passages import with_article

    r, (note, results, article) = _store(settings)
    got = with_article("What does the article claim about compound oxide in the brain?", [Passage(results, 1.0, 1)], r, 2)
    assert article.chunk_id in [p.chunk.chunk_id for p in got if p.extra.get("joined") == "article"]
    # a question about the studies brings nothing
    assert with_article("What did the rat study find about compound oxide?", [Passage(results, 1.0, 1)], r, 2) == [Passage(results, 1.0, 1)]


def test_asking_what_the_article_says():
    from chatbot.answer.intent import asks_what_the_article_says, read_intent

    for q in ("What does the article claim about sleep onset?", "How does the author describe the HPA axis?", "What is the article's take on zinc?"):
        assert asks_what_the_article_says(q) and read_intent(q).article, q
    for q in ("What did the trial find?", "Which studies support the article?", "Is the article accurate?"):
        assert not asks_what_the_article_says(q), q


def test_the_article_sentence_is_kept_below_the_studies_floor_when_asked_for():
    import numpy as np

    from chatbot.answer.deterministic import Candidate, select
    from core.settings import Settings

    cfg = Settings().compose
    study = Candidate(0, "Compound oxide shortened sleep onset by 17 minutes.", "literature", kind="result", doc_id="t")
    art = Candidate(1, "Compound oxide improves sleep onset.", "article", doc_id="a")
    for c, score in ((study, 1.0), (art, 0.1)):
        c.cos, c.coverage, c.key_overlap, c.score = 0.6, 1.0, True, score
    vecs = np.eye(2, dtype=np.float32)
    assert [c.role for c in select([study, art], vecs, cfg)] == ["literature"]
    assert {c.role for c in select([study, art], vecs, cfg, article_asked=True)} == {"literature", "article"}
