"""A finding's reasons and evidence in a reader's words: [n] numbers that match the numbers on screen,
no document ids, no internal tags, and no sentence repeated under every flag.

The audit writes reasons for scripts and for its own evidence list ("… [1]", "decided by: …",
stance names like ``supports_other_conditions``); older stores also cite evidence by document id
("[uysal2019]"). ``core.contracts.Reason`` lifts those references out of the text once; here each
is given the number a reader sees (no second regex renumbering). The chat shows a finding next to the answer's own numbered sources, so each of a
finding's evidence items gets one number for the whole turn (the answer's number when the passage is
a cited source, the next free one otherwise) and every reference in its reasons is rewritten to it.
Pure functions: the pages draw what they return.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from core.contracts import Finding, Reason, Ref, Stance, Verdict

# what the audit's evidence stances mean to a reader (``core.contracts.Stance``); colours for the badges
STANCE_WORDS = {
    Stance.supports: "supports",
    Stance.refutes: "contradicts",
    Stance.supports_other_conditions: "supports, under other conditions",
    Stance.not_enough_info: "related, not decisive",
}
STANCE_COLORS = {Stance.supports: "green", Stance.refutes: "red", Stance.supports_other_conditions: "orange"}

# lines meant for people tuning the audit, not for readers of one finding: shown once, in words, instead
_INTERNAL = re.compile(r"^\s*(decided by:|verifier:|evidence weighted by study type)", re.I)
HOW_DECIDED = (
    "Each finding weighs every retrieved study sentence by how closely it matches the claim's conditions "
    "(form, dose, population, species, co-interventions) and by the strength of the study's design "
    "(meta-analyses and randomised trials count more than animal or cell studies). Numbers in square "
    "brackets point to the quoted evidence."
)

_TAG = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
_TAG_WORDS = {Verdict.no_evidence: "no evidence", Finding.not_covered: "not covered", **STANCE_WORDS}


def stance_word(stance: str | None) -> str:
    s = str(stance or "").strip().lower()
    return STANCE_WORDS.get(s, s.replace("_", " ") or "evidence")


@dataclass
class Numbered:
    """A finding's evidence with display numbers, and the maps that rewrite its reasons."""

    evidence: list[dict[str, Any]] = field(default_factory=list)
    by_own_number: dict[int, int] = field(default_factory=dict)
    by_doc: dict[str, int] = field(default_factory=dict)
    next_n: int = 1


def number_evidence(evidence: list[dict[str, Any]] | None, numbers: dict[str, int] | None = None, next_n: int = 1) -> Numbered:
    """Give each evidence item the number a reader sees: the answer's citation number when its
    passage is a cited source (``numbers``: chunk id -> n), else ``next_n``, ``next_n + 1``, …"""
    out = Numbered(next_n=next_n)
    for k, e in enumerate(evidence or [], 1):
        own = int(e.get("n") or k)
        cid = e.get("chunk_id")
        if numbers and cid in numbers:
            n = int(numbers[cid])
        else:
            n, out.next_n = out.next_n, out.next_n + 1
        out.by_own_number.setdefault(own, n)
        if e.get("doc_id"):
            out.by_doc.setdefault(str(e["doc_id"]), n)
        out.evidence.append(dict(e, n=n))
    return out


def readable(text: Any, numbered: Numbered | None = None) -> str:
    """One reason with [n] numbers that match the evidence shown, document ids replaced by their
    number (or dropped) and internal tags in words."""
    nb = numbered or Numbered()
    reason = text if isinstance(text, Reason) else Reason.parse(text)
    t = reason.render(lambda ref: _shown(ref, nb))
    t = _TAG.sub(lambda m: _TAG_WORDS.get(m.group(0), m.group(0).replace("_", " ")), t)
    t = re.sub(r"\(\s*\)", "", t)
    t = re.sub(r"\s+([.,;:)])", r"\1", t)
    return re.sub(r"\s{2,}", " ", t).strip()


def _shown(ref: Ref, nb: Numbered) -> str:
    """What a reader sees for one reference: the number its evidence has on screen; a reference to
    evidence not shown is dropped (the finding's own numbers stay as written when none are shown)."""
    if ref.n is not None:
        if not nb.by_own_number:
            return ref.written
        return f"[{nb.by_own_number[ref.n]}]" if ref.n in nb.by_own_number else ""
    return f"[{nb.by_doc[ref.doc]}]" if ref.doc in nb.by_doc else ""


def reader_reasons(reason: Any, reasons: list[Any] | None, numbered: Numbered | None = None, common: set[str] | None = None) -> tuple[str, list[str]]:
    """The headline reason and the further reasons worth showing under it: without the headline
    repeated, without lines meant for tuning the audit, and without sentences every flag shares
    (``common``: shown once, by the caller)."""
    texts = [_as_text(r) for r in reasons or []]
    head = _as_text(reason) if reason else (texts[0] if texts else "")
    rest = [r for r in texts if r and r != head and not _INTERNAL.match(r) and r not in (common or set())]
    head_out = "" if (head in (common or set()) or _INTERNAL.match(head)) else readable(head, numbered)
    return head_out, [readable(r, numbered) for r in rest]


def shared_reasons(flags: list[dict[str, Any]]) -> set[str]:
    """Reason sentences that every one of several flags carries: said once, not under each."""
    if len(flags) < 2:
        return set()
    sets = [{_as_text(r) for r in (f.get("reasons") or [])} for f in flags]
    return set.intersection(*sets) if sets else set()


def _as_text(r: Any) -> str:
    if isinstance(r, dict):
        return str(r.get("text") or r.get("message") or r.get("detail") or r.get("reason") or "")
    return str(r or "")
