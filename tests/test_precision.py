"""bf16 inference of the claim verifier gives the fp32 answers (the fast path must not change verdicts)."""

from __future__ import annotations

import numpy as np
import pytest

from core.precision import cpu_has_bf16, use_bf16
from core.settings import PROJECT_ROOT


def test_precision_setting():
    assert use_bf16("bf16") is True and use_bf16("fp32") is False
    assert use_bf16("auto") is cpu_has_bf16()


PAIRS = [
    ("Glycine taken before bed shortens sleep latency.", "On PSG, glycine shortened the latency to sleep onset."),
    ("Vitamin D increases bone density.", "Vitamin D supplementation decreased bone density in older women."),
    ("Caffeine improves reaction time.", "The trial measured blood pressure in 40 adults."),
    ("Magnesium oxide is poorly absorbed.", "Fractional absorption of magnesium oxide was 4 %."),
    ("Zinc shortens colds.", "Zinc lozenges did not shorten the duration of colds compared with placebo."),
    ("Exercise lowers resting heart rate.", "Twelve weeks of training lowered resting heart rate by 6 beats per minute."),
]


@pytest.mark.integration
def test_bf16_verifier_matches_fp32():
    from chatbot.audit.verifier import Verifier

    path = PROJECT_ROOT / "models" / "verifier"
    fp32 = Verifier(path, bf16=False).score(PAIRS)
    bf16 = Verifier(path, bf16=True).score(PAIRS)
    assert np.abs(fp32 - bf16).max() < 0.05
    assert (fp32.argmax(1) == bf16.argmax(1)).all()


def _tiny_cross_encoder(path):
    """A 2-layer random BERT cross-encoder with the packaged MiniLM's tokenizer (no download, no shipped weights needed)."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    from core.settings import Settings

    tok = AutoTokenizer.from_pretrained(Settings().embedding_model, local_files_only=True)
    torch.manual_seed(0)
    cfg = BertConfig(
        vocab_size=tok.vocab_size, hidden_size=64, num_hidden_layers=2, num_attention_heads=2, intermediate_size=128, num_labels=1, initializer_range=0.2
    )
    BertForSequenceClassification(cfg).eval().save_pretrained(path)
    tok.save_pretrained(path)
    return path


def test_reranker_runs_in_bf16_when_the_setting_allows(tmp_path, settings):
    from chatbot import rerank

    path = _tiny_cross_encoder(tmp_path / "ce")
    texts = [b for _, b in PAIRS]
    s32 = rerank.CrossEncoderReranker(path).scores("glycine sleep latency", texts)
    s16 = rerank.CrossEncoderReranker(path, bf16=True).scores("glycine sleep latency", texts)
    assert np.corrcoef(s32, s16)[0, 1] > 0.99 and np.abs(s32 - s16).max() < 0.1
    assert not np.array_equal(s32, s16)  # the bf16 path really ran
    assert list(np.argsort(-s32)) == list(np.argsort(-s16))
    for prec, want in (("fp32", False), ("bf16", True), ("auto", cpu_has_bf16())):
        s = settings.model_copy(update={"reranker_model": path, "inference_precision": prec})
        assert rerank.get_reranker(s).bf16 is want


def test_reports_say_how_inference_ran():
    """Evaluation reports name the number format (findings move by a claim or two between bf16 and fp32)."""
    from core.precision import cpu_has_bf16, describe

    assert describe("fp32") == "fp32 (set)" and describe("bf16") == "bf16 (set)"
    assert describe("auto").startswith("bf16" if cpu_has_bf16() else "fp32")
