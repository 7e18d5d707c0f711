"""`ask --k`: nonsense is refused with a clear message, too much is capped at what the store holds."""

from __future__ import annotations

import json

import pytest

from answer_helpers import build_store
from test_answer_deterministic import corpus


def ask(argv, settings):
    from cli import ask as cli_ask
    from services import build_services

    return cli_ask.main(argv, services=build_services(settings, audit=False))


@pytest.mark.parametrize(
    "k, why",
    [
        ("0", "must be 1 or more passages (got 0)"),
        ("-1", "must be 1 or more passages (got -1)"),
        ("two", "must be a whole number of passages, 1 or more (got 'two')"),
    ],
)
def test_k_below_one_is_refused(settings, capsys, k, why):
    with pytest.raises(SystemExit) as exc:
        ask(["ask", "Does magnesium help sleep?", "--k", k], settings)
    err = capsys.readouterr().err
    assert exc.value.code == 2 and f"argument --k: {why}" in err and "Traceback" not in err


def test_huge_k_is_capped_at_the_store_size_with_a_note(settings, capsys):
    build_store(settings, corpus())
    from core.store import open_snapshot

    held = len(open_snapshot(settings).chunks)
    assert ask(["ask", "Did elderly adults with insomnia sleep longer with magnesium?", "--k", "100000", "--json"], settings) == 0
    out = capsys.readouterr()
    assert f"note: --k 100000 is more than the {held} passages in the store; using {held}" in out.err
    d = json.loads(out.out)
    assert d["answer"] and len(d["citations"]) <= held
