"""A verifier pair's scores depend on the pair alone, so the whole-article audit scores every claim's
pairs in one call (and embeds each quoted sentence once) with the findings of judging claim by claim."""

from __future__ import annotations

import re

import numpy as np
import pytest
from fakes import FakeEmbeddings
from test_audit_pipeline import FakeRetriever, StubVerifier, snapshot  # noqa: F401 - the fixture

from chatbot.audit import pipeline
from chatbot.audit.verifier import LABELS, PrescoredVerifier, Verifier
from core.domain import profile_for
from core.embeddings import embed_each

PAIRS = [
    ("Glycine taken before bed shortens sleep latency.", "On PSG, glycine shortened the latency to sleep onset."),
    ("Vitamin D increases bone density.", "Vitamin D supplementation decreased bone density in older women over two years of follow-up."),
    ("Caffeine improves reaction time.", "The trial measured blood pressure."),
    ("Zinc shortens colds.", "Zinc lozenges did not shorten the duration of colds compared with placebo."),
    ("Exercise lowers resting heart rate.", "Twelve weeks of training lowered resting heart rate by 6 beats per minute."),
    ("Exercise lowers resting heart rate.", "Training lowered it."),
]


def _tiny_verifier(path):
    """A 2-layer random BERT with the packaged MiniLM's tokenizer and the verifier's three labels (no shipped weights needed)."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    from core.settings import Settings

    tok = AutoTokenizer.from_pretrained(Settings().embedding_model, local_files_only=True)
    torch.manual_seed(0)
    cfg = BertConfig(
        vocab_size=tok.vocab_size,
        hidden_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=128,
        num_labels=3,
        id2label=dict(enumerate(LABELS)),
        label2id={lab: i for i, lab in enumerate(LABELS)},
        initializer_range=0.2,
    )
    BertForSequenceClassification(cfg).eval().save_pretrained(path)
    tok.save_pretrained(path)
    return path


@pytest.mark.parametrize("pad_multiple", [1, 16])
@pytest.mark.parametrize("bf16", [False, True])
def test_a_pairs_scores_do_not_depend_on_its_batch(tmp_path, bf16, pad_multiple):
    """Exact lengths or padded to a multiple: the padded length is the pair's own, so its batch-mates change nothing."""
    v = Verifier(_tiny_verifier(tmp_path / "v"), batch_size=4, bf16=bf16, pad_multiple=pad_multiple)
    together = v.score(PAIRS)
    alone = np.concatenate([v.score([p]) for p in PAIRS])
    shuffled = v.score(PAIRS[::-1], batch_size=2)[::-1]
    assert together.shape == (len(PAIRS), 3) and np.allclose(together.sum(1), 1.0, atol=1e-5)
    assert np.allclose(together, alone, atol=1e-6) and np.allclose(together, shuffled, atol=1e-6)
    assert v.score([]).shape == (0, 3)


def test_padding_to_a_multiple_runs_pairs_of_nearby_lengths_in_one_pass(tmp_path):
    """A chat claim check's pairs have nearly as many lengths as pairs: exact lengths ran one forward pass per pair or
    two; padded to a multiple of 16, pairs of nearby lengths share a pass, with scores within rounding of unpadded ones."""
    path = _tiny_verifier(tmp_path / "v")
    exact, padded = Verifier(path, batch_size=32), Verifier(path, batch_size=32, pad_multiple=16)
    passes = {}
    for name, v in (("exact", exact), ("padded", padded)):
        calls = []
        hook = v.model.register_forward_hook(lambda *_: calls.append(1))
        scores = v.score(PAIRS)
        hook.remove()
        passes[name] = (len(calls), scores)
    lengths = {len(x) for x in exact.tokenizer([a for a, _ in PAIRS], [b for _, b in PAIRS])["input_ids"]}
    assert passes["exact"][0] == len(lengths) > passes["padded"][0] >= 1
    assert np.allclose(passes["exact"][1], passes["padded"][1], atol=1e-4)


def test_prescored_verifier_answers_from_rows_scored_together():
    calls: list[int] = []

    class Counting(StubVerifier):
        def score(self, pairs):
            calls.append(len(pairs))
            return super().score(pairs)

    raw = Counting()
    pre = PrescoredVerifier(raw, PAIRS + PAIRS[:2])  # repeats are scored once
    assert calls == [len(PAIRS)]
    assert np.array_equal(pre.score(PAIRS[2:4]), raw.score(PAIRS[2:4]))
    assert calls[1:] == [2]  # (the direct call above)
    extra = [("NMDA block claim", "Mg2+ blocks the channel")]
    assert np.array_equal(pre.score(extra), raw.score(extra)) and pre.score([]).shape == (0, 3)
    assert pre.fingerprint == "stub" and pre.path == "stub"  # the wrapped verifier's identity


def test_similarity_embeds_each_sentence_once():
    embedded: list[str] = []

    class Counting(FakeEmbeddings):
        def embed_documents(self, texts):
            embedded.extend(texts)
            return super().embed_documents(texts)

    emb = Counting()
    sim = pipeline.Similarity(emb)
    texts = ["Magnesium blocks the channel.", "Absorption was 4 %.", "Magnesium blocks the channel."]
    got = sim("magnesium blocks NMDA channels", texts)
    want = np.asarray(FakeEmbeddings().embed_documents(texts)) @ np.asarray(emb.embed_query("magnesium blocks NMDA channels"))
    assert np.allclose(got, want, atol=1e-6) and got[0] == got[2]
    sim("another claim", texts[:2])
    assert sorted(embedded) == sorted(set(texts)) and sim("x", []) == []
    assert np.array_equal(embed_each(FakeEmbeddings(), texts), np.asarray(FakeEmbeddings().embed_documents(texts), dtype=np.float32))


def test_audit_scores_every_pair_in_one_call_with_the_findings_of_claim_by_claim(snapshot):  # noqa: F811
    calls: list[int] = []

    negations: list[str] = []

    class Counting(StubVerifier):
        def score(self, pairs):
            calls.append(len(pairs))
            if len(calls) > 1:
                negations.extend(c for c, _ in pairs)
            return super().score(pairs)

    r = FakeRetriever(snapshot.ordered_chunks())
    report = pipeline.audit_snapshot(snapshot, None, retriever=r, settings=snapshot.settings, verifier=Counting(), direction=None)
    # every (claim, window) pair in the first call; after it, only the claim's negation on the few quotes the verifier
    # leans on (stance._ask_negation), which no one can know before the stances
    assert calls[0] > 0 and sum(calls[1:]) <= 3 * len(report.claims)
    assert all(re.search(r"\bnot\b", c) for c in negations)
    s = snapshot.settings
    profile = profile_for(snapshot, s)
    model = pipeline.decision_model(s)
    for c in report.claims:
        passages = pipeline._retrieve(c.text, r, s.audit.k, profile)
        one = pipeline.judge(c.text, passages, StubVerifier(), s, profile, model, pipeline.similarity_fn(r)).to_json()
        got = c.to_json()
        assert {k: got[k] for k in one} == one


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_minilm_embed_each_equals_embedding_each_text_alone(precision):
    from core.embeddings import MiniLMEmbeddings, bf16_works
    from core.settings import Settings

    if precision == "bf16" and not bf16_works():
        pytest.skip("no native bf16 on this CPU")
    e = MiniLMEmbeddings(Settings().embedding_model, 8, precision)
    texts = [b for _, b in PAIRS] + ["Short.", "Short too."]
    each = embed_each(e, texts)
    alone = np.asarray([e.embed_documents([t])[0] for t in texts], dtype=np.float32)
    if precision == "fp32":
        assert each.shape == alone.shape and np.allclose(each, alone, atol=1e-6)
    else:
        # padding moved bf16 vectors by up to ~1e-3; without it they are exact on AVX512-BF16 CPUs, but on AMX the bf16
        # kernels block by batch size, so a row still moves (measured up to 8e-4 per component, cosine >= 0.99999)
        assert each.shape == alone.shape and np.allclose(each, alone, atol=2e-3)
        assert min(float(a @ b) for a, b in zip(each, alone)) >= 0.9999


def test_pinned_torch_threads_hold_across_model_loads_and_are_restored():
    """``python -m cli ingest`` may run in 2 threads (Settings.ingest.torch_threads) though every model load applies Settings.torch_threads."""
    import torch

    from core.embeddings import apply_torch_threads, pinned_torch_threads
    from core.settings import Settings

    before = torch.get_num_threads()
    with pinned_torch_threads(2):
        apply_torch_threads()  # what every model load does
        assert torch.get_num_threads() == 2
    assert torch.get_num_threads() == before
    with pinned_torch_threads(0):  # 0: nothing pinned, Settings.torch_threads applies
        apply_torch_threads()
        assert torch.get_num_threads() == (Settings().torch_threads or before)
    torch.set_num_threads(before)


def test_batch_threads_use_both_cores_only_when_the_other_is_idle():
    from core.embeddings import batch_threads
    from core.settings import Settings

    auto = Settings()
    one = auto.torch_threads
    assert auto.ingest.torch_threads == 0  # auto

    def ingest(**kw) -> Settings:
        return auto.model_copy(update={"ingest": auto.ingest.model_copy(update=kw)})

    assert batch_threads(auto, cpus=2, load=0.3) == 2
    assert batch_threads(auto, cpus=2, load=1.0) == one  # one steady job holds the other core: OpenMP threads would wait on it
    assert batch_threads(auto, cpus=2, load=2.4) == one
    assert batch_threads(ingest(busy_cores_max=1.5), cpus=2, load=0.9) == 2  # the threshold is Settings.ingest.busy_cores_max
    assert batch_threads(auto, cpus=1, load=0.0) == one
    assert batch_threads(ingest(torch_threads=3), cpus=2, load=5.0) == 3  # a positive setting is taken as given


def test_busy_cores_measures_now_within_the_machines_cores():
    import os

    from core.embeddings import busy_cores

    b = busy_cores(0.05)
    assert 0.0 <= b <= max(os.cpu_count() or 1, os.getloadavg()[0] + 1)


def test_windows_that_state_no_finding_are_never_scored():
    """A window of methods or aims reads NOT ENOUGH INFO whatever the models say, so neither the verifier nor the
    direction classifier is asked about it (about half of a claim check's pairs); results keep their scores."""
    from chatbot.audit.stance import assess, states_finding
    from core.settings import Settings
    from core.types import Chunk

    seen: list[str] = []

    class Counting(StubVerifier):
        def score(self, pairs):
            seen.extend(w for _, w in pairs)
            return super().score(pairs)

    text = (
        "Forty adults were randomised to zinc or placebo for eight weeks. "
        "The aim was to test whether zinc shortens colds. "
        "Zinc shortened colds by two days compared with placebo (p = 0.01)."
    )
    from core.text import split_sentences

    c = Chunk(chunk_id="z-0", doc_id="z", text=text, start=0, end=len(text), sentences=split_sentences(text), role="literature", study_type="rct")

    class P:
        chunk, score = c, 1.0

    from chatbot.audit.stance import _passage_windows

    s = Settings()
    windows = [w for ws in _passage_windows("Zinc shortens colds.", [P()], s.audit, profile_for(None, s))[1] for w in ws]
    assert any(not states_finding(w) for w in windows)  # the example has windows to skip
    items = assess("Zinc shortens colds.", [P()], Counting(), s)
    assert seen and all(states_finding(w) for w in seen) and len(seen) < len(windows)
    assert items and "shortened colds" in items[0].text  # the result is still the window judged
