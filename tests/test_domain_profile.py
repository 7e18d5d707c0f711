"""The corpus profile: domain vocabulary is data (corpus/domain.yaml), with a neutral default."""

from __future__ import annotations

import pytest

from core.domain import NEUTRAL, DomainProfile, DomainProfileError, load_profile, profile_for
from core.settings import PROJECT_ROOT


def test_missing_profile_is_neutral(tmp_path):
    p = load_profile(tmp_path)
    assert p == NEUTRAL and not p.subject and not p.forms and p.forms_in("magnesium glycinate") == set()
    assert load_profile(None) == NEUTRAL


def test_default_corpus_profile_carries_the_magnesium_vocabulary():
    p = load_profile(PROJECT_ROOT / "corpus")
    assert p.subject == ["magnesium"]
    assert p.forms_in("magnesium bisglycinate chelate") == {"glycinate"}
    assert p.forms_in("an amino-acid chelate") == {"amino-acid chelate"}
    assert p.forms_in("magnesium oxide and an amino acid chelate") == {"oxide"}  # umbrella form dropped beside a salt
    assert p.normalise_aliases("Mg2+ blocks the channel") == "magnesium blocks the channel"
    assert "glycine" in p.agents_in("3 g glycine before bed")
    assert "absorption absorbed" in p.expand_query("glycinate bioavailability")


def test_malformed_profile_names_the_field(tmp_path):
    (tmp_path / "domain.yaml").write_text("forms: [not, a, mapping]\n", encoding="utf-8")
    with pytest.raises(DomainProfileError, match="forms"):
        load_profile(tmp_path)
    (tmp_path / "domain.yaml").write_text("subject: [unclosed\n", encoding="utf-8")
    with pytest.raises(DomainProfileError, match="not valid YAML"):
        load_profile(tmp_path)


def test_store_version_profile_wins_over_the_corpus_folder(tmp_path):
    snap_dir, corpus = tmp_path / "snap", tmp_path / "corpus"
    snap_dir.mkdir()
    corpus.mkdir()
    (snap_dir / "domain.yaml").write_text("subject: [caffeine]\n", encoding="utf-8")
    (corpus / "domain.yaml").write_text("subject: [vitamin d]\n", encoding="utf-8")

    class Snap:
        path = snap_dir

    class S:
        corpus_dir = corpus

    assert profile_for(Snap(), S()).subject == ["caffeine"]
    assert profile_for(None, S()).subject == ["vitamin d"]


def test_another_subject_needs_no_code():
    p = DomainProfile(subject=["caffeine"], forms={"anhydrous": ["anhydrous"], "coffee": ["coffee", "espresso"]}, other_agents=["l-theanine"])
    assert p.mentions_subject("two cups of espresso") and p.forms_in("espresso") == {"coffee"}
    assert not p.mentions_subject("magnesium glycinate")


def test_ingest_refuses_a_malformed_profile_before_writing(tmp_path):
    """Bad input: one clear message naming the corpus file and field; the store is left as it was."""
    from core.settings import Settings
    from fakes import FakeEmbeddings
    from ingest.pipeline import run_ingest

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.md").write_text("---\nrole: article\n---\n\nCoffee raises alertness in adults.\n", encoding="utf-8")
    (corpus / "domain.yaml").write_text("forms: [a, b]\n", encoding="utf-8")
    s = Settings(corpus_dir=corpus, store_dir=tmp_path / "store", fetch_online=False)
    with pytest.raises(DomainProfileError, match=r"corpus/domain\.yaml: field 'forms'"):
        run_ingest(s, audit=False, embeddings=FakeEmbeddings())
    assert not (tmp_path / "store" / "snapshots").exists() or not any((tmp_path / "store" / "snapshots").iterdir())
