"""The shipped direction classifier (models/direction) on fixed sentences from outside our corpus's topic:
an increase, a decrease, a null result, a negated effect, and a sentence about another outcome."""

from __future__ import annotations

import pytest

from chatbot.audit.direction import get_direction, read
from core.direction import DIRECTIONS, frame_text
from core.settings import Settings

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def model():
    s = Settings()
    m = get_direction(s)
    if m is None:
        pytest.skip(f"no direction classifier at {s.direction_model} (python -m training.train_direction writes it)")
    return m


FRAME = frame_text("caffeine", "reaction time")

CASES = [
    ("Caffeine significantly increased reaction time compared with placebo (p = 0.01).", "increased"),
    ("Reaction time was significantly shorter after caffeine than after placebo (312 vs 340 ms, p < 0.001).", "decreased"),
    ("There was no significant difference in reaction time between the caffeine and placebo groups (p = 0.42).", "no_difference"),
    ("Caffeine did not significantly change reaction time.", "no_difference"),
    ("Participants were recruited from two universities and randomised to caffeine or placebo.", "not_reported"),
]


@pytest.mark.parametrize("sentence, label", CASES)
def test_direction_of_fixed_sentences(model, sentence, label):
    probs = model.score([(FRAME, sentence)])[0]
    assert DIRECTIONS[int(probs.argmax())] == label, dict(zip(DIRECTIONS, probs.round(3)))


def test_a_claim_is_read_against_its_own_frame(model):
    cd, probs = read(
        "Aspirin reduces the risk of colorectal cancer.", ["Aspirin use was associated with a significantly lower risk of colorectal cancer."], model
    )
    assert cd.probs[1] > 0.5  # the claim states a decrease
    assert DIRECTIONS[int(probs[0].argmax())] == "decreased"
