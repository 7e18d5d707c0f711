"""The bf16 embedder is a drop-in for the fp32 one: same vectors to 0.999 cosine, same top-10 passages.

"Same top-10" allows one thing only: a swap across rank 10 between passages whose fp32 scores
differ by less than 0.001 (any rounding, even a different BLAS, can flip such a near-tie; the
default corpus has one among these queries, at 0.00016).

The store keeps the vectors it was built with, so the property that matters is mixed use: a store
embedded in fp32 (another machine, an older version, MGC_EMBEDDING_PRECISION=fp32) and queried
in bf16 must still return the passages an all-fp32 setup returns.
"""

from __future__ import annotations

import numpy as np
import pytest

from core import embeddings as emb_mod
from core import precision
from core.embeddings import MiniLMEmbeddings, bf16_works, get_embeddings

QUERIES = [
    "Does magnesium improve sleep quality in older adults?",
    "How well is magnesium oxide absorbed compared with citrate?",
    "Does glycine before bed shorten sleep latency?",
    "What is the bioavailability of magnesium glycinate?",
    "Magnesium and anxiety: what do the trials show?",
    "Does magnesium block the NMDA receptor?",
    "Magnesium supplementation and cortisol or stress response",
    "Urinary magnesium excretion after oral supplements",
    "Side effects of magnesium supplements such as diarrhoea",
    "Melatonin, magnesium and zinc in long-term care residents",
    "Does magnesium cross the blood-brain barrier?",
    "Dietary magnesium intake and depression",
]


def test_precision_choice_follows_the_setting_and_the_cpu(monkeypatch):
    """'fp32' always runs fp32; 'auto' runs bf16 only where the CPU has it (no model is loaded here)."""
    assert MiniLMEmbeddings("/nowhere", precision="fp32").precision == "fp32"
    assert MiniLMEmbeddings("/nowhere", precision="bf16").precision == "bf16"
    monkeypatch.setattr(precision, "cpu_has_bf16", lambda: False)
    emb_mod.bf16_works.cache_clear()
    try:
        assert MiniLMEmbeddings("/nowhere", precision="auto").precision == "fp32"
        assert not emb_mod.bf16_works()
    finally:
        emb_mod.bf16_works.cache_clear()


def test_settings_select_the_precision(real_settings):
    fp32 = get_embeddings(real_settings.model_copy(update={"embedding_precision": "fp32"}))
    auto = get_embeddings(real_settings.model_copy(update={"embedding_precision": "auto"}))
    assert fp32.precision == "fp32"
    assert auto.precision == ("bf16" if bf16_works() else "fp32")


def _default_corpus_chunks() -> list[str]:
    from core.settings import PROJECT_ROOT, Settings
    from ingest.pipeline import load_document, scan_corpus

    corpus = PROJECT_ROOT / "corpus"
    if not (corpus / "literature").is_dir():
        pytest.skip("no default corpus (corpus/literature)")
    s = Settings(corpus_dir=corpus, fetch_online=False)
    texts = []
    for path in scan_corpus(corpus):
        texts += [c.text for c in load_document(path, corpus, None, s)[1]]
    return texts


@pytest.mark.integration
def test_bf16_embeddings_match_fp32_on_the_default_corpus(real_settings):
    if not bf16_works():
        pytest.skip("this CPU has no native bf16 (avx512_bf16 / amx_bf16): the bf16 path is not used here")
    path = real_settings.embedding_model
    fp32, bf16 = MiniLMEmbeddings(path, precision="fp32"), MiniLMEmbeddings(path, precision="bf16")
    texts = _default_corpus_chunks()
    assert len(texts) > 100
    d32, d16 = np.array(fp32.embed_documents(texts)), np.array(bf16.embed_documents(texts))
    assert np.allclose(np.linalg.norm(d16, axis=1), 1.0, atol=1e-5)  # normalised in fp32: comparable with fp32 vectors
    cos = (d32 * d16).sum(1)
    assert cos.mean() >= 0.999 and cos.min() >= 0.99, (cos.mean(), cos.min())
    q32 = np.array([fp32.embed_query(q) for q in QUERIES])
    q16 = np.array([bf16.embed_query(q) for q in QUERIES])
    assert ((q32 * q16).sum(1)).mean() >= 0.999

    reference_scores = [d32 @ q for q in q32]
    for docs, queries in ((d32, q16), (d16, q16)):  # fp32 store with bf16 queries; store and queries in bf16
        identical = 0
        for ref, q in zip(reference_scores, queries):
            want = set(np.argsort(-ref, kind="stable")[:10].tolist())
            got = set(np.argsort(-(docs @ q), kind="stable")[:10].tolist())
            identical += got == want
            tenth = np.sort(ref)[::-1][9]
            # a passage may only trade places across rank 10 with one the fp32 reference scores within 0.001 of it
            assert all(abs(ref[i] - tenth) < 1e-3 for i in got ^ want), (sorted(got ^ want), [ref[i] - tenth for i in got ^ want])
        assert identical >= len(QUERIES) - 1, identical
