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
