"""Study cards: sentence roles, extraction from real digests and from a generated PDF, storage with
the store version (and rebuilt when a version's cards are missing or of an older format)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from fakes import FakeEmbeddings
from core.cards import CARDS_FILE, cards_current, classify_sentence, load_cards
from core.domain import load_profile
from core.records import DocumentRecord
from ingest.cards import build_cards, extract_card
from tests.ingest_fixtures import make_pdf

ROOT = Path(__file__).resolve().parent.parent
LIT = ROOT / "corpus" / "literature"


@pytest.mark.parametrize(
    "text, section, role",
    [
        ("Read from the PubMed Central abstract; the body of the review was not retrieved.", "Source note", "source_note"),
        ("No group means, effect sizes or percentage changes appear in the available abstract.", "Results", "source_note"),
        ("The abstract does not state the number of participants.", "Design", "source_note"),
        ("They assessed the effectiveness and safety of the supplements for insomnia in older adults.", "Background", "objective"),
        ("We conducted this study to ascertain the effects of obesity on the outcome of injured children.", "", "objective"),
        ("This trial was undertaken to clarify the role of glycine in sleep.", "", "objective"),
        ("Compared with placebo, the treated group had a lower ISI score (P = 0.006).", "Results", "result"),
        ("Total sleep time was 16.06 minutes longer, a difference that was not statistically significant.", "", "result"),
        ("The authors conclude that the supplement appears to improve subjective indices of insomnia.", "Conclusion", "conclusion"),
        ("Randomised, double-blind trial: 46 older participants were assigned to the supplement or placebo for 8 weeks.", "Methods", "method"),
        ("The small sample limits the conclusions that can be drawn.", "Limitations", "limitation"),
        ("Anxiety disorders are the most common affective disorders.", "Background", "background"),
        (
            "Intracellular levels rose with the oxide (34.4 to 36.3 mEq/L, p < 0.001); platelet figures are cut off in the available text.",
            "Results available",
            "result",
        ),  # a trailing note does not make reported statistics a source note
        ("According to the secondary copies, awakening fell (P = 0.08).", "Results", "source_note"),
        # a fact sheet's attributed excerpts are its content, not a note on the source (the whole sheet was unquotable)
        ("The mineral is needed for energy production and for glycolysis.", "What the attributed excerpts say", "background"),
        ("Other sections of the fact sheet were not available.", "Not covered by the available excerpts", "source_note"),
    ],
)
def test_sentence_roles(text, section, role):
    assert classify_sentence(text, section) == role


def _digest_card(name: str):
    """A card from a real digest, chunked the way the answer tests chunk corpus files."""
    from answer_helpers import corpus_chunks

    chunks = corpus_chunks(ROOT / "corpus", [name], article=False)
    import yaml

    fm = yaml.safe_load((LIT / f"{name}.md").read_text(encoding="utf-8").split("---\n")[1])
    meta = {k: fm[k] for k in ("n", "population", "intervention", "authors") if fm.get(k)}
    if fm.get("magnesium_form"):
        meta["form"] = fm["magnesium_form"]
    rec = DocumentRecord(
        hash="h",
        path=f"literature/{name}.md",
        title=fm["title"],
        year=fm["year"],
        study_type=fm["study_type"],
        meta=meta,
        chunk_ids=[c.chunk_id for c in chunks],
    )
    return extract_card(name, rec, chunks, load_profile(ROOT / "corpus"))


def test_card_of_a_trial_digest():
    card = _digest_card("abbasi2012")
    assert card.design == "rct" and card.n == 46
    assert card.intervention.dose == "500 mg" and card.intervention.duration == "8 weeks"
    assert card.intervention.form == "oxide" and card.comparator == "placebo"
    assert any(o.p == "P = 0.002" and o.significant for o in card.outcomes)
    assert "appears" in card.hedges and card.conclusion.startswith("The authors conclude")
    note = next(s for s in card.sentences if "Read from the PubMed Central abstract" in s.text)
    aim = next(s for s in card.sentences if "aimed to test" in s.text)
    assert note.role == "source_note" and aim.role == "objective"
    assert card.label() == "Abbasi 2012"


def test_card_of_a_meta_analysis_digest_reads_numbers():
    card = _digest_card("mah2021")
    pooled = next(o for o in card.outcomes if "17.36" in o.text)
    assert pooled.effect == "17.36 minutes" and pooled.ci.startswith("95% CI -27.27") and pooled.p == "p = 0.0006"
    assert pooled.significant is True
    assert next(o for o in card.outcomes if "16.06" in o.text).significant is False


def test_card_without_curated_fields_reads_them_from_text():
    """No n / population / intervention in the metadata: they come from the method sentences."""
    from answer_helpers import make_chunk

    text = (
        "Methods. Randomised, placebo-controlled trial: 60 adults with migraine received 600 mg of the compound per day "
        "or placebo for 12 weeks. Results. Attack frequency fell by 41% (p = 0.03). Conclusion. The authors conclude "
        "that the compound may reduce attack frequency; larger trials are needed."
    )
    c = make_chunk("x", text)
    card = extract_card("x", DocumentRecord(hash="h", path="x.md", chunk_ids=[c.chunk_id]), [c])
    assert card.n == 60 and card.design == "rct" and card.comparator == "placebo"
    assert card.intervention.dose.startswith("600 mg") and card.intervention.duration == "12 weeks"
    assert card.outcomes and card.outcomes[0].effect == "41%" and card.outcomes[0].significant
    assert {"may", "needed"} <= set(card.hedges)


def test_pdf_in_pipeline_gets_a_card(settings):
    from ingest.pipeline import run_ingest
    from core.store import open_snapshot

    pdf = make_pdf(
        [
            [
                "Methods",
                "In a randomised trial, 40 adults took 300 mg of the compound daily or placebo for 6 weeks.",
                "Results",
                "Sleep latency fell by 12 minutes compared with placebo (p = 0.01).",
                "Conclusion",
                "The authors conclude that the compound may shorten sleep latency.",
            ]
        ],
        title="PDF trial",
    )
    (settings.corpus_dir / "trial.pdf").write_bytes(pdf)
    run_ingest(settings, audit=False, embeddings=FakeEmbeddings())
    snap = open_snapshot(settings)
    cards = load_cards(snap.path)
    card = cards["trial"]
    assert card.title == "PDF trial" and card.n == 40 and card.intervention.dose.startswith("300 mg")
    assert card.intervention.duration == "6 weeks" and card.comparator == "placebo"
    assert any(o.effect == "12 minutes" and o.significant for o in card.outcomes)
    assert any(s.role == "conclusion" for s in card.sentences)


def test_cards_stored_with_the_version_and_rebuilt_when_stale(settings):
    from ingest.pipeline import run_ingest
    from core.store import open_snapshot

    shutil.copy(LIT / "abbasi2012.md", settings.corpus_dir / "abbasi2012.md")
    first = run_ingest(settings, audit=False, embeddings=FakeEmbeddings())
    snap = open_snapshot(settings)
    assert cards_current(snap.path) and load_cards(snap.path)["abbasi2012"].n == 46
    assert not run_ingest(settings, audit=False, embeddings=FakeEmbeddings()).changed  # unchanged corpus, current cards: nothing written
    (snap.path / CARDS_FILE).write_text(json.dumps({"format": 0, "cards": {}}))  # an older extractor's cards
    again = run_ingest(settings, audit=False, embeddings=FakeEmbeddings())
    assert again.changed and again.version != first.version and again.embedded == 0
    assert load_cards(open_snapshot(settings).path)["abbasi2012"].intervention.dose == "500 mg"


def test_damaged_or_missing_cards_load_as_none(tmp_path):
    assert load_cards(tmp_path) == {} and load_cards(None) == {}
    (tmp_path / CARDS_FILE).write_text("{not json")
    assert load_cards(tmp_path) == {} and not cards_current(tmp_path)


def test_article_gets_no_card():
    from answer_helpers import make_chunk

    a = make_chunk("art", "The article claims the compound works. It is the best form.", role="article")
    docs = {"art": DocumentRecord(hash="h", path="a.txt", role="article", chunk_ids=[a.chunk_id])}
    assert build_cards(docs, [a]) == {}


def test_authors_stating_what_they_found_is_a_conclusion_and_what_they_showed_before_is_background():
    assert classify_sentence("Here, we demonstrate that the CD28 pathway regulates the trafficking of T cells to tissues.") == "conclusion"
    assert classify_sentence("We found that memory CD4+ T cells enhance production of inflammatory cytokines.") == "conclusion"
    assert classify_sentence("Our data reveal that MVP sorts miR-193a into exosomes.") == "conclusion"
    assert classify_sentence("We previously showed in mice that reduction of H3K9me3 improves embryo development.") == "background"


@pytest.mark.parametrize(
    "sentence, role",
    [
        ("CONCLUSIONS When incorporated into a screening programme, HPV screening was more sensitive than cytology.", "conclusion"),
        ("CONCLUSIONS AND RELEVANCE Among patients with fractures, there was no significant difference between arms.", "conclusion"),
        ("RESULTS: Of the 32,441 appendix samples 16 were positive.", "result"),
        ("BACKGROUND HPV testing is more sensitive for the detection of lesions than is cytology.", "background"),
        ("MAIN OUTCOME MEASURES Incidence of new vertebral fractures.", "method"),
        ("HPV testing was more sensitive.", "background"),  # an acronym is no heading
    ],
)
def test_a_structured_abstracts_heading_run_into_the_sentence_gives_its_role(sentence, role):
    assert classify_sentence(sentence) == role


def test_a_plain_sentence_after_the_authors_say_what_they_found_is_a_result():
    from core.cards import role_in_passage

    passage = (
        "Trimethylamine N-oxide is linked to heart disease. We demonstrate here that gut microbes make it from carnitine. "
        "Omnivorous subjects produced more of it than vegans did."
    )
    plain = "Omnivorous subjects produced more of it than vegans did."
    assert classify_sentence(plain) == "background"
    assert role_in_passage(plain, "", passage) == "result"
    # before the turn, or under a heading that says otherwise, it stays what it was
    assert role_in_passage("Trimethylamine N-oxide is linked to heart disease.", "", passage) == "background"
    assert role_in_passage(plain, "Background", passage) == "background"
    assert classify_sentence("We demonstrate here that gut microbes make it from carnitine.") == "conclusion"


def test_the_authors_turn_in_the_perfect_tense_or_as_determined_counts_too():
    """ "We have determined the crystal structure …, revealing …": the plain sentence after it ("C2 acts synergistically
    with A769662 to activate AMPK") is a finding (a SciFact fit-half claim was missed)."""
    from core.cards import role_in_passage

    plain = "C2 acts synergistically with the drug A769662 to activate AMPK complexes."
    for turn in ("We have determined the crystal structure of AMPK bound to C2.", "We have now shown that C2 binds AMPK.", "We determined how C2 binds."):
        passage = f"AMPK regulates metabolism. {turn} {plain}"
        assert role_in_passage(plain, "", passage) == "result", turn
    assert role_in_passage(plain, "", f"AMPK regulates metabolism. We have little data on C2. {plain}") == "background"


def test_the_authors_turn_in_an_earlier_chunk_makes_a_plain_sentence_a_finding():
    """SciFact's unheaded abstracts are cut into 2-3 chunks: "We found that …" often sits in the chunk before the result
    sentence. The audit's retrieval marks such chunks (chatbot.audit.pipeline._with_findings_before)."""
    from types import SimpleNamespace

    from chatbot.audit.pipeline import _with_findings_before
    from chatbot.audit.stance import FINDINGS_BEFORE
    from core.cards import role_in_passage
    from core.types import Chunk

    def chunk(i: int, text: str) -> Chunk:
        return Chunk(chunk_id=f"d:{i}", doc_id="d", text=text, start=100 * i, end=100 * i + len(text), sentences=[(0, len(text))])

    first = chunk(0, "Stem cells respond to matrix stiffness. We found that soft matrices favour mesoderm.")
    second = chunk(1, "On a stiff matrix, cells show elevated GSK3 activity that inhibits differentiation.")
    other = chunk(2, "Stem cells respond to matrix stiffness.")
    snap = SimpleNamespace(ordered_chunks=lambda: [first, second])
    marked = _with_findings_before([second, first], SimpleNamespace(snapshot=snap))
    assert marked[0].meta.get(FINDINGS_BEFORE) is True and not first.meta  # the first has nothing before it
    plain = second.text
    assert role_in_passage(plain, "", plain) == "background"
    assert role_in_passage(plain, "", plain, findings_before=True) == "result"
    unmarked = _with_findings_before([other], SimpleNamespace(snapshot=SimpleNamespace(ordered_chunks=lambda: [other])))
    assert not unmarked[0].meta


def test_what_other_studies_suggested_is_retold_not_stated_but_a_reviews_count_of_trials_is_its_result():
    from core.cards import retells_other_work

    assert retells_other_work("Some studies have suggested that women benefit less, but others found no sex differences.")
    assert retells_other_work("Studies have shown that neck pain is associated with worse quality of life.")
    assert not retells_other_work("Twelve trials reported lower anxiety scores with magnesium.")
