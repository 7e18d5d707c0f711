"""The article's cleaning (no passage twice, no distinct sentence lost) and chunk invariants."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest

from core.settings import ChunkSettings
from core.text import split_sentences
from ingest.chunking import chunk_document
from ingest.clean import blocks_from_text, clean_blocks, clean_inline, dedupe, is_boilerplate, normalize_sentence
from ingest.document import Block
from ingest.pipeline import load_document

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "corpus" / "article" / "keyora-neuroscience-of-magnesium-glycinate-part1.txt"


@pytest.fixture(scope="module")
def article(tmp_path_factory):
    from core.settings import Settings

    s = Settings(corpus_dir=ROOT / "corpus", store_dir=tmp_path_factory.mktemp("st"), embedding_model="fake")
    return load_document(ARTICLE, s.corpus_dir, None, s)


def _norm_sents(text: str) -> list[str]:
    return [n for a, b in split_sentences(text) if (n := normalize_sentence(text[a:b]))]


def _near(a: str, b: str) -> bool:
    """The deduper's notion of "the same sentence": token-set Jaccard or character ratio >= 0.9."""
    ta, tb = set(a.split()), set(b.split())
    return len(ta & tb) / max(1, len(ta | tb)) >= 0.9 or difflib.SequenceMatcher(None, a, b).ratio() >= 0.9


def test_no_sentence_in_two_chunks_without_overlap(article):
    doc, _ = article
    chunks = chunk_document(doc, ChunkSettings(overlap=0))
    owner: dict[str, str] = {}
    for c in chunks:
        for n in _norm_sents(c.text):
            assert n not in owner or owner[n] == c.chunk_id, f"sentence cited twice: {n!r}"
            owner[n] = c.chunk_id


def test_overlap_only_repeats_the_boundary_sentence(article):
    doc, chunks = article  # default settings: 1 sentence of overlap within a section
    for prev, nxt in zip(chunks, chunks[1:]):
        shared = set(_norm_sents(prev.text)) & set(_norm_sents(nxt.text))
        if shared:
            assert prev.section == nxt.section and len(shared) <= 1 and nxt.start < prev.end
    seen: dict[str, int] = {}
    for i, c in enumerate(chunks):
        for n in set(_norm_sents(c.text)):
            assert n not in seen or seen[n] == i - 1, f"sentence in non-adjacent chunks: {n!r}"
            seen[n] = i


def test_distinct_sentences_survive(article):
    """Every sentence of the raw scrape (minus boilerplate) is still in the cleaned text, near-verbatim."""
    doc, _ = article
    clean_norm = " " + " ".join(_norm_sents(doc.text)) + " "
    clean_sents = _norm_sents(doc.text)
    raw = ARTICLE.read_text(encoding="utf-8")
    missing = []
    for para in re.split(r"\n\s*\n", raw):
        for line in para.split("\n"):
            line = clean_inline(re.sub(r"^\s*(?:[-*•]|\d+[.)])\s+", "", line))
            if not line or is_boilerplate(line):
                continue
            for a, b in split_sentences(line):
                n = normalize_sentence(line[a:b])
                if len(n.split()) < 3 or f" {n} " in clean_norm:
                    continue
                if not any(_near(n, c) for c in clean_sents):
                    missing.append(n)
    # sentences the scrape broke across lines are checked as their halves, which are substrings
    assert not missing, missing[:5]


def test_duplicates_and_markup_removed(article):
    doc, _ = article
    text = doc.text
    assert text.count("We are living inside a nervous system") == 1
    assert text.count("These four systems do not operate independently") == 1
    assert text.count("Thank you for reading Part I") == 1
    assert text.count("I'm exhausted, but I can't fall asleep") == 1
    assert text.count("converge into a") == 1  # near-duplicate ("coherent, practical" vs "practical") dropped
    for residue in ("<p", "**", "](", "Subscribe", "Thanks for reading", "Share\n", "☹", "🌙", "✓"):
        assert residue not in text, residue
    assert "Anxiety | – 32%" in text  # the garbled infographic keeps its figures
    assert "magnesium attached to amino acids or peptides" in text  # a sentence broken by the scrape re-joined


def test_numbered_headings_become_sections(article):
    _, chunks = article
    sections = {c.section for c in chunks}
    for s in (
        "1.2 Magnesium as a Membrane Stabilizer",
        "2.1 Chelation: Why Glycine Changes Everything",
        "3. Mechanism Axis I - GABAergic Stabilization (The Brake System)",
        "4.2 Magnesium as a Natural NMDA Gatekeeper",
        "6. Mechanism Axis IV - Mitochondrial–Neuroenergetic Restoration",
    ):
        assert s in sections
    assert not any(s.startswith(("1. Magnesium Replenishment", "2. Glycine Release", "3. Bidirectional")) for s in sections)


def test_chunk_invariants(article):
    doc, chunks = article
    cfg = ChunkSettings()
    assert len({c.chunk_id for c in chunks}) == len(chunks)
    for c in chunks:
        assert c.chunk_id.startswith("keyora-neuroscience-of-magnesium-glycinate-part1:")
        assert doc.text[c.start : c.end] == c.text
        assert c.sentences[0][0] == 0 and c.sentences[-1][1] == len(c.text)
        assert all(c.text[a:b].strip() == c.text[a:b] and b > a for a, b in c.sentences)
        assert len(c.text) <= 2 * cfg.size


def test_chunk_ids_are_stable_and_local(article, settings):
    doc, chunks = article
    again = chunk_document(doc, ChunkSettings())
    assert [c.chunk_id for c in again] == [c.chunk_id for c in chunks]
    body = "\n\n".join(f"# Part {i}\n\nSentence number {i} is about magnesium and sleep in some detail." for i in range(5))
    p = settings.corpus_dir / "d.md"
    p.write_text(body)
    _, a = load_document(p, settings.corpus_dir, None, settings)
    p.write_text(body.replace("Sentence number 3", "Sentence number three"))
    _, b = load_document(p, settings.corpus_dir, None, settings)
    assert len(set(c.chunk_id for c in a) ^ set(c.chunk_id for c in b)) == 2  # only the edited chunk changed


def test_dedupe_keeps_new_sentences_of_a_near_duplicate_paragraph():
    blocks = [
        Block("Magnesium blocks the NMDA channel at rest. It sits inside the receptor."),
        Block("Magnesium blocks the NMDA channel at rest! It sits inside the receptor. A new distinct claim appears here."),
    ]
    out = dedupe(blocks, aggressive=True)
    assert [b.text for b in out] == [blocks[0].text, "A new distinct claim appears here."]


def test_near_duplicates_with_different_numbers_or_negation_are_kept():
    blocks = [
        Block("Participants took 250 mg of magnesium glycinate every evening for eight weeks."),
        Block("Participants took 500 mg of magnesium glycinate every evening for eight weeks."),
        Block("Magnesium glycinate did improve sleep onset latency in the older adults."),
        Block("Magnesium glycinate did not improve sleep onset latency in the older adults."),
    ]
    assert len(dedupe(blocks, aggressive=True)) == 4


def test_one_near_duplicate_measure():
    """core.text's Jaccard is what ingest's dedup, the claim merge and the answer's sentence check all compare by:
    words counted once in any order, so a sentence that adds a condition is not the same sentence."""
    from core.text import near_duplicate, token_jaccard

    assert token_jaccard("a raises b".split(), "b raises a".split()) == 1.0
    assert token_jaccard("a raises b".split(), "a raises b in rats".split()) == 0.6
    assert token_jaccard([], ["a"]) == 0.0 and token_jaccard(set(), set()) == 0.0
    assert near_duplicate("A raises B.", "a raises b", 0.9, lambda t: t.lower().strip(".").split())
    assert not near_duplicate("A raises B", "A raises B in rats", 0.85)
    assert near_duplicate(" ... ", "...", 0.5, lambda t: [w for w in t.split() if w.isalpha()])  # no tokens: equal text only


def test_list_folding_and_boilerplate():
    raw = "Share\n\nThe symptoms are:\n\n- anxiety\n- poor sleep.\n\nThanks for reading Foo's Substack!\n\nThen it must:\n1. pass the gut\n2. enter cells"
    out = clean_blocks(blocks_from_text(raw), aggressive=True)
    assert [b.text for b in out] == ["The symptoms are: anxiety; poor sleep.", "Then it must: (1) pass the gut; (2) enter cells."]
