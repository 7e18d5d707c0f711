"""Deterministic answerer on a hand-made store with the fake embedder."""

from __future__ import annotations

import re

import pytest

from answer_helpers import ANSWER_JSON_KEYS, build_store, make_chunk
from chatbot.render_text import answer_json, answer_text

ARTICLE = (
    "Magnesium glycinate is absorbed far better than magnesium oxide, the article says. "
    "Magnesium acts as a natural blocker of the NMDA receptor channel in neurons. "
    "The article claims glycinate calms the nervous system and improves sleep quality."
)
ARTICLE_DUP = (
    "Magnesium glycinate is absorbed far better than magnesium oxide, the article says! "
    "Magnesium glycinate is one of the gentlest forms for the nervous system and sleep."
)
ABBASI = (
    "Elderly adults with primary insomnia received 500 mg elemental magnesium daily for 8 weeks. "
    "Compared with placebo, the magnesium group had longer sleep time and higher sleep efficiency in elderly insomnia. "
    "Serum cortisol was lower in the magnesium group than in the placebo group."
)
ABSORB = (
    "Magnesium citrate was absorbed better than magnesium oxide in healthy volunteers. "
    "Urinary magnesium excretion rose more after the organic salt than after the oxide."
)
GLYCINE = "Glycine taken before bedtime improved subjective sleep quality in volunteers with sleep complaints."


def corpus() -> list:
    return [
        make_chunk("article", ARTICLE, role="article", title="The Neuroscience of Magnesium Glycinate", year=2025),
        make_chunk("article", ARTICLE_DUP, role="article", title="The Neuroscience of Magnesium Glycinate", year=2025, start=500),
        make_chunk(
            "abbasi2012",
            ABBASI,
            title="Magnesium supplementation and primary insomnia in elderly",
            year=2012,
            study_type="rct",
            meta={"pmid": "23853635", "url": "https://pmc.ncbi.nlm.nih.gov/articles/PMC3703169/", "digest_of": "abstract", "authors": ["Abbasi B"]},
        ),
        make_chunk(
            "walker2003",
            ABSORB,
            title="Mg citrate found more bioavailable than other Mg preparations",
            year=2003,
            study_type="crossover-trial",
            meta={"doi": "10.1000/x", "digest_of": "abstract"},
        ),
        make_chunk("yamadera2007", GLYCINE, title="Glycine ingestion improves subjective sleep quality", year=2007, study_type="crossover-trial"),
    ]


@pytest.fixture
def retriever(settings):
    return build_store(settings, corpus())


def _ask(retriever, settings, q, **kw):
    from chatbot.answer.service import answer_question

    return answer_question(q, settings=settings, retriever=retriever, **kw)


def test_every_sentence_cited_and_every_number_resolves(retriever, settings):
    ans = _ask(retriever, settings, "Does magnesium improve sleep in elderly people with insomnia?")
    assert not ans.refused
    listed = {c.n for c in ans.citations}
    bullets = [line for line in answer_text(ans).splitlines() if line.startswith("- ")]
    assert bullets
    for line in bullets:
        assert re.search(r"\[\d+\]( \([^)]*\))?$", line), line
    used = {int(n) for n in re.findall(r"\[(\d+)\]", answer_text(ans))}
    assert used and used <= listed
    assert listed == used  # no listed source goes uncited
    for c in ans.citations:
        for s in c.cited_sentences:
            assert s.split()[0] in c.text
    assert "What the studies found" in answer_text(ans)


def test_literature_tag_shows_type_and_year(retriever, settings):
    ans = _ask(retriever, settings, "Compared with placebo, did elderly insomnia patients sleep longer with magnesium?")
    abbasi = [c for c in ans.citations if c.doc_id == "abbasi2012"]
    assert abbasi, answer_text(ans)
    assert f"[{abbasi[0].n}] (RCT, 2012)" in answer_text(ans)
    assert abbasi[0].is_digest and abbasi[0].url.startswith("https://pmc")


def test_groups_article_and_studies(retriever, settings):
    ans = _ask(retriever, settings, "Is magnesium glycinate absorbed better than magnesium oxide?")
    assert "What the article says" in answer_text(ans) and "What the studies found" in answer_text(ans)
    art = answer_text(ans).index("What the article says")
    stu = answer_text(ans).index("What the studies found")
    assert art < stu
    roles = {c.role for c in ans.citations}
    assert roles == {"article", "literature"}


def test_near_duplicates_are_dropped(retriever, settings):
    ans = _ask(retriever, settings, "Is magnesium glycinate absorbed better than magnesium oxide?")
    assert answer_text(ans).count("absorbed far better than magnesium oxide") == 1


def test_refuses_irrelevant_question(retriever, settings):
    ans = _ask(retriever, settings, "What is the capital of France and who painted the Mona Lisa?")
    assert ans.refused
    assert ans.citations == []
    assert "does not answer" in answer_text(ans)
    assert not re.search(r"\[\d+\]", answer_text(ans))


def test_empty_store_message(settings):
    from types import SimpleNamespace

    from fakes import FakeEmbeddings

    class Empty:
        snapshot = SimpleNamespace(chunks={}, audit=lambda: None)
        embeddings = FakeEmbeddings()

        def search(self, query, k=None, filters=None, diversify=True):
            return []

    ans = _ask(Empty(), settings, "Does magnesium help sleep?")
    assert ans.refused and "empty" in answer_text(ans).lower() and "ingest" in answer_text(ans)


def test_missing_store_raises(settings):
    from core.store import StoreMissingError

    from fakes import FakeEmbeddings
    from services import build_services

    with pytest.raises(StoreMissingError):  # the composition root opens the store; the service is handed a retriever
        build_services(settings, embedder=FakeEmbeddings()).answerer().answer("Does magnesium help sleep?")


def test_json_shape_and_timings(retriever, settings):
    ans = _ask(retriever, settings, "Does magnesium lower cortisol?")
    d = answer_json(ans)
    # the original fields first and unchanged; the structured parts added after them
    assert list(d) == ANSWER_JSON_KEYS
    assert set(d["citations"][0]) == {
        "n",
        "doc_id",
        "chunk_id",
        "title",
        "year",
        "role",
        "study_type",
        "section",
        "page",
        "text",
        "url",
        "doi",
        "pmid",
        "is_digest",
        "cited_sentences",
        "chunk_ids",
        "anchor",
        "card",
    }
    assert {"retrieve", "compose", "verify", "total"} <= set(d["timings_ms"])
    assert d["answerer"] == "deterministic" and d["verdict"] is None


def test_role_filter(retriever, settings):
    from chatbot.retrieval import Filters

    ans = _ask(retriever, settings, "Does magnesium improve sleep?", filters=Filters(role="literature"))
    assert ans.citations and all(c.role == "literature" for c in ans.citations)


def test_clean_sentence_strips_markup():
    from chatbot.answer.sentences import clean_sentence

    assert clean_sentence("**Results.** Baseline values did **not** differ.") == "Baseline values did not differ."
    assert clean_sentence("- 🧠 Magnesium calms [the brain](https://x.y).") == "Magnesium calms the brain."


def test_a_term_only_the_article_uses_is_said_first(retriever, settings):
    """Where the article names something no study mentions, the reader learns that before its claim is quoted (which
    words are specific is read from the real embedding model's vocabulary; the store keeps the fake embedder)."""
    from core.settings import Settings

    settings = settings.model_copy(update={"embedding_model": Settings().embedding_model})
    ans = _ask(retriever, settings, "Does magnesium block the NMDA receptor channel?")
    assert not ans.refused
    assert ans.lead.startswith("No study or other literature document in the corpus mentions “NMDA”; only the article does.")
    assert "mentions" not in _ask(retriever, settings, "Was magnesium citrate absorbed better than magnesium oxide?").lead


def test_a_claim_named_in_the_article_asks_what_the_article_says():
    from chatbot.answer.intent import asks_what_the_article_says

    assert asks_what_the_article_says("Explain the PEPT1 claim in the article and whether any study tested it.")
    assert asks_what_the_article_says("Which statements made by the author are wrong?")
    assert not asks_what_the_article_says("Which claim did the trial test?")


def test_a_term_the_studies_name_in_other_words_is_no_divergence(settings):
    """The corpus profile's synonyms ("nmda" → "glutamate") say the studies name it otherwise: no note."""
    from core.settings import Settings

    extra = make_chunk("nowak1984", "Glutamate receptor currents fell when magnesium was present.", title="Magnesium and glutamate", year=1984)
    retriever = build_store(settings, corpus() + [extra], profile={"synonyms": {"nmda": "glutamate"}})
    settings = settings.model_copy(update={"embedding_model": Settings().embedding_model})
    assert "only the article does" not in _ask(retriever, settings, "Does magnesium block the NMDA receptor channel?").lead
