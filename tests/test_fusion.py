"""chatbot.fusion.standardised_sum: the reranker's fusion of signals on unrelated scales."""

import numpy as np
import pytest

from chatbot.fusion import standardise, standardised_sum


def test_standardise_is_scale_free():
    a = standardise([1.0, 2.0, 4.0])
    assert a.mean() == pytest.approx(0.0) and a.std() == pytest.approx(1.0)
    assert standardise([10.0, 20.0, 40.0]) == pytest.approx(a)  # a BM25 score and a cosine weigh alike once standardised


def test_a_passage_missing_from_a_list_takes_its_lowest_value():
    """Not in the BM25 list means it scored no more than the list's last; it never outranks a scored one on that signal."""
    z = standardise([3.0, None, 1.0])
    assert z[1] == pytest.approx(z[2]) and z[1] < z[0]


def test_constant_or_absent_signals_reorder_nothing():
    assert standardise([None, None]).tolist() == [0.0, 0.0]
    assert standardise([0.5, 0.5, 0.5]).tolist() == [0.0, 0.0, 0.0]
    ce = [0.1, 3.0, -2.0]
    fused = standardised_sum([ce, [None, None, None], [7.0, 7.0, 7.0]], [1.0, 1.0, 0.75])
    assert np.argsort(-fused).tolist() == [1, 0, 2]


def test_weights_trade_one_signal_against_another():
    ce, dense = [2.0, 1.0, 0.0], [0.0, 1.0, 2.0]
    assert int(np.argmax(standardised_sum([ce, dense], [1.0, 0.5]))) == 0
    assert int(np.argmax(standardised_sum([ce, dense], [0.5, 1.0]))) == 2
    assert standardised_sum([ce, dense], [1.0, 1.0]) == pytest.approx([0.0, 0.0, 0.0])


def test_mismatched_lengths_are_an_error():
    with pytest.raises(ValueError, match="weights"):
        standardised_sum([[1.0]], [1.0, 2.0])
    with pytest.raises(ValueError, match="same candidates"):
        standardised_sum([[1.0, 2.0], [1.0]], [1.0, 1.0])
