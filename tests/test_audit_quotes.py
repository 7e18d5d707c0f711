"""The audit-quotes measure: a quote's role is read from the chunk and section it comes from."""

from __future__ import annotations

from core.text import split_sentences
from core.types import Chunk
from evals.audit_quotes import count_roles, quoted_role

TEXT = "It has been proposed that magnesium might reduce anxiety. Anxiety scores fell by 12% with magnesium (p = 0.01)."


def _chunk(section: str) -> Chunk:
    return Chunk("d:0", "d", TEXT, 0, len(TEXT), split_sentences(TEXT), title="T", role="literature", section=section)


def test_quoted_role_reads_the_sentence_and_its_section():
    c = _chunk("")
    assert quoted_role("Anxiety scores fell by 12% with magnesium (p = 0.01).", [c]) == "result"
    assert quoted_role("It has been proposed that magnesium might…", [c]) == "background"
    assert quoted_role("It has been proposed that magnesium might reduce anxiety.", [_chunk("Results")]) == "result"
    assert quoted_role("Not in any chunk at all.", [c]) == "?"


def test_count_roles_reads_only_the_closest_result_quote():
    reasons = [
        "no study reports 32%; the closest reported result: “Anxiety scores fell by 12% with magnesium (p = 0.01).” [1]",
        "nothing in the corpus's studies addresses this claim",
    ]
    assert count_roles(reasons, [_chunk("")]) == {"result": 1, "no quote": 1}
