"""The out-of-corpus guard: a question naming something no document mentions is not answered
from passages about other things, while ordinary wording differences never trigger it."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import pytest

from answer_helpers import build_store, make_chunk
from chatbot.scope import closest_heading, corpus_vocabulary, gap_message, missing_terms
from chatbot.render_text import answer_text


@pytest.fixture
def model_dir():
    """The packaged embedding model's folder: its WordPiece vocab.txt is the list of common words."""
    from pathlib import Path

    from core.settings import Settings

    path = Settings().embedding_model
    if not (Path(path) / "vocab.txt").exists():
        pytest.skip(f"no vocab.txt under {path}")
    return path


_versions = itertools.count()


def snapshot(*chunks):
    return SimpleNamespace(path="/nowhere", version=f"t{next(_versions)}", chunks={c.chunk_id: c for c in chunks})


@pytest.fixture
def snap():
    return snapshot(
        make_chunk(
            "walker2003",
            "Magnesium citrate was better absorbed than magnesium oxide in 46 adults; cortisol was not measured.",
            title="Mg citrate bioavailability",
            meta={"authors": ["Walker AF", "Marakis G"]},
        ),
        make_chunk("yamadera2007", "Glycine before bed improved polysomnography measures of sleep; Bmal1 was not studied.", meta={"authors": ["Yamadera W"]}),
        make_chunk("keyora2025", "Keyora says glycinate is absorbed through the PEPT1 transporter.", role="article"),
    )


def test_a_rare_term_no_document_mentions_is_missing(snap, model_dir):
    assert missing_terms("Does ashwagandha lower cortisol in stressed adults?", snap, model_dir) == ["ashwagandha"]
    assert missing_terms("Does magnesium interact with levothyroxine or sertraline?", snap, model_dir) == ["levothyroxine", "sertraline"]


def test_terms_the_corpus_has_are_not_missing_even_inflected_or_misspelt(snap, model_dir):
    assert missing_terms("What did polysomnographic recordings show after glycine?", snap, model_dir) == []
    assert missing_terms("How well is magnesuim citrate absorbed?", snap, model_dir) == []
    assert missing_terms("Was Bmal1 expression measured?", snap, model_dir) == []
    # one letter dropped inside the word, where no shared prefix helps ("plysomnography")
    assert missing_terms("Did plysomnography show better sleep after glycine?", snap, model_dir) == []


def test_a_thing_the_corpus_names_another_way_is_not_missing(model_dir):
    """A word with letters outside ASCII is one word ("Sjögren's", not "gren's"); an acronym's plural is the acronym
    ("HPVs"); an adjective in -tic names the noun in -sis ("septic" / "sepsis"); and a long form the question defines
    is present when the corpus uses its short form. All four refused answerable PubMedQA questions (fit half)."""
    s = snapshot(
        make_chunk("a", "Fatigue was common in patients with primary Sjögren's syndrome and fibromyalgia."),
        make_chunk("b", "HPV DNA was detected in 4 of 120 breast milk samples."),
        make_chunk("c", "As an adjuvant, IgM-enriched immunoglobulin lowered mortality in VLBW infants with sepsis."),
    )
    assert missing_terms("Fatigue in primary Sjögren's syndrome: is there a link with fibromyalgia?", s, model_dir) == []
    assert missing_terms("Can high-risk human papillomaviruses (HPVs) be detected in human breast milk?", s, model_dir) == []
    assert missing_terms("Are IgM-enriched immunoglobulins an effective adjuvant in septic VLBW infants?", s, model_dir) == []
    # ... while a term the corpus lacks under every name is still missing
    assert missing_terms("Are papillomaviruses found in saliva?", s, model_dir) == ["papillomaviruses"]
    assert missing_terms("Is Ménière's disease linked to fatigue?", s, model_dir) == ["Ménière's"]


def test_a_code_one_character_from_a_corpus_word_is_still_missing(snap, model_dir):
    """Short names and codes differ by one character on purpose: Bmal2 is not Bmal1."""
    assert missing_terms("Was Bmal2 expression measured?", snap, model_dir) == ["Bmal2"]


def test_a_code_written_with_or_without_its_hyphen_is_not_missing(snap, model_dir):
    """The corpus writes "PEPT1"; a reader's "PEPT-1" names the same transporter (and "Bmal-2" is still not "Bmal1")."""
    assert missing_terms("Is glycinate carried by PEPT-1?", snap, model_dir) == []
    assert missing_terms("Was Bmal-2 expression measured?", snap, model_dir) == ["Bmal-2"]


def test_common_words_units_and_compounds_never_trigger(snap, model_dir):
    q = "Which kind of overnight trial would prove a cure, at 80 micromolar, in a two-week study? Tell me."
    assert missing_terms(q, snap, model_dir) == []


def test_a_cited_author_not_in_the_corpus_is_missing_but_a_cited_author_in_it_is_not(snap, model_dir):
    assert missing_terms("How many participants were in the Schuster 2025 trial?", snap, model_dir) == ["Schuster"]
    assert missing_terms("What dose did Walker et al. give?", snap, model_dir) == []
    assert missing_terms("What did Walker 2003 find?", snap, model_dir) == []


def test_role_restricts_the_vocabulary(snap, model_dir):
    """The article mentions PEPT1, no study does: a claim about it has no literature to check against."""
    assert missing_terms("Glycinate uses the PEPT1 transporter", snap, model_dir) == []
    assert missing_terms("Glycinate uses the PEPT1 transporter", snap, model_dir, role="literature") == ["PEPT1"]
    assert "pept1" in corpus_vocabulary(snap, "article") and "pept1" not in corpus_vocabulary(snap, "literature")


def test_empty_store_or_no_vocabulary_file_reports_nothing(snap, tmp_path):
    assert missing_terms("Does ashwagandha help?", snapshot(), str(tmp_path)) == []
    # without a vocabulary only cited names are checked
    assert missing_terms("Does ashwagandha help?", snap, str(tmp_path / "missing")) == []
    assert missing_terms("What did Schuster 2025 find?", snap, None) == ["Schuster"]


def test_gap_message_names_the_terms():
    msg = gap_message(["ashwagandha"], 40)
    assert "ashwagandha" in msg and "40 documents" in msg and "won't guess" in msg
    assert "ashwagandha" in closest_heading(["ashwagandha"])


def test_answer_and_check_say_the_corpus_does_not_cover_it(settings, model_dir, snap):
    """The answer leads with the gap and is marked refused (the LLM is never asked); the claim
    check says no_evidence without running the verifier."""
    from chatbot.answer.service import answer_question
    from chatbot.audit.pipeline import check_claim

    s = settings.model_copy(update={"embedding_model": model_dir})
    retriever = build_store(settings, list(snap.chunks.values()))
    ans = answer_question("Does ashwagandha lower cortisol in stressed adults?", settings=s, retriever=retriever)
    assert ans.refused and answer_text(ans).startswith("None of the 3 documents in the corpus mentions “ashwagandha”")
    if ans.citations:  # what the corpus has on the rest of the question is labelled as not about it
        assert "none of it mentions “ashwagandha”" in answer_text(ans)

    class NeverCalled:
        fingerprint = "x"

        def __getattr__(self, name):
            raise AssertionError("the verifier must not run for a claim the literature never mentions")

    v = check_claim("Magnesium glycinate interacts with levothyroxine", retriever, s, verifier=NeverCalled(), direction=None)
    assert v.verdict == "no_evidence" and not v.evidence and "levothyroxine" in v.reasons[0]


def test_an_llm_is_not_asked_about_something_the_corpus_never_mentions(settings, model_dir, snap):
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    from chatbot.answer.service import answer_question

    s = settings.model_copy(update={"embedding_model": model_dir})
    retriever = build_store(settings, list(snap.chunks.values()))
    llm = FakeListChatModel(responses=["Ashwagandha lowers cortisol by 30% [1]."])
    ans = answer_question("Does ashwagandha lower cortisol in stressed adults?", settings=s, retriever=retriever, answerer=llm)
    assert ans.refused and "30%" not in answer_text(ans) and "mentions “ashwagandha”" in answer_text(ans)


def test_a_premise_the_corpus_cannot_confirm_is_said_and_the_question_answered(settings, model_dir, snap):
    from chatbot.answer.service import answer_question

    s = settings.model_copy(update={"embedding_model": model_dir})
    retriever = build_store(settings, list(snap.chunks.values()))
    q = "Since glycine is a xenobiotic, did glycine before bed improve polysomnography measures of sleep?"
    assert missing_terms(q, snap, model_dir) == ["xenobiotic"]
    ans = answer_question(q, settings=s, retriever=retriever)
    text = answer_text(ans)
    assert text.startswith("None of the 3 documents in the corpus mentions “xenobiotic”, so the corpus cannot confirm the question's premise")
    assert not ans.refused and "Glycine before bed improved polysomnography measures of sleep" in text


@pytest.mark.parametrize(
    ("q", "terms", "ok"),
    [
        ("Since glycine is a sedative drug, how much did it help sleep?", ["sedative"], True),
        ("Given that oxide is worthless, which form was absorbed best?", ["worthless"], True),
        ("Since ashwagandha is popular, does it lower cortisol?", ["ashwagandha"], False),  # the premise's subject
        ("Since I take levothyroxine, can I take zinc?", ["levothyroxine"], False),  # what the asker does
        ("Does ashwagandha lower cortisol?", ["ashwagandha"], False),
        ("Since glycine is a sedative, is a sedative safe?", ["sedative"], False),  # the question names it too
    ],
)
def test_a_missing_word_only_in_a_premise_about_the_subject(q, terms, ok):
    from chatbot.scope import premise_only

    assert premise_only(q, terms) is ok


def test_typos_of_corpus_words_are_not_missing_but_a_word_the_corpus_lacks_still_is(snap, model_dir):
    """A dropped letter the stemmer hides ("evidnce": stem "evidnc" vs "evid") and two swapped letters ("abosrbed")
    are misspellings of words the corpus has, checked against its plain words."""
    typed = snapshot(make_chunk("walker2003", "The evidence that magnesium citrate was better absorbed than oxide is weak."))
    assert missing_terms("whats the evidnce that magnesium citrate is abosrbed?", typed, model_dir) == []
    assert missing_terms("Is ashwagandha abosrbed?", typed, model_dir) == ["ashwagandha"]


def test_a_one_word_label_before_a_question_with_its_own_subject_is_not_a_term(snap, model_dir):
    assert missing_terms("ELI5: how well is magnesium citrate absorbed?", snap, model_dir) == []
    # ... but a label the rest points back at is what is asked about
    assert missing_terms("Ashwagandha: is it absorbed like magnesium citrate?", snap, model_dir) == ["Ashwagandha"]
    assert missing_terms("Ashwagandha or glycine: which helps sleep?", snap, model_dir) == ["Ashwagandha"]


def test_a_question_in_another_language_is_told_to_ask_in_english(snap, model_dir):
    q = "¿Qué dosis de magnesio se usó en el ensayo de insomnio en ancianos?"
    terms = missing_terms(q, snap, model_dir)
    assert "Ask it in English" in gap_message(terms, 3, question=q).replace("ask it", "Ask it")
    # an English question naming two things the corpus lacks is not told so
    q = "Ashwagandha, levothyroxine or sertraline?"
    assert "English" not in gap_message(missing_terms(q, snap, model_dir), 3, question=q)


def test_a_combining_prefix_on_a_corpus_word_is_not_missing(model_dir):
    """ "Oligometastases" are metastases, few of them: a question about them is answerable from a corpus that writes
    "metastases" (an answerable PubMedQA fit-half question was refused). A word with no corpus root stays missing."""
    s = snapshot(make_chunk("a", "Patients with five or fewer bone metastases had longer metastasis-free survival."))
    assert missing_terms("Is there a favorable subset of patients who develop oligometastases?", s, model_dir) == []
    assert missing_terms("Do patients with oligoastrocytomas live longer?", s, model_dir) == ["oligoastrocytomas"]


def test_a_misspelt_long_word_is_searched_as_the_corpus_spells_it(snap, model_dir):
    """BM25 finds nothing for "anxeity"; the corpus's own spelling is searched instead. Codes, names and words the
    corpus or English has are left as typed."""
    from chatbot.scope import corrected_spelling

    assert corrected_spelling("How well is magnesuim citrate absorbed?", snap, model_dir) == "How well is magnesium citrate absorbed?"
    assert corrected_spelling("What did plysomnography show?", snap, model_dir) == "What did polysomnography show?"
    for unchanged in ("Was Bmal2 expression measured?", "Does ashwagandha lower cortisol?", "Did Walkers find it?", "Is it absorbed?"):
        assert corrected_spelling(unchanged, snap, model_dir) == unchanged
