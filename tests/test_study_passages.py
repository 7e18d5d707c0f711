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
