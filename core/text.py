"""Sentence splitting with character offsets, shared by chunking, answers and claim checks.

A rule-based splitter is enough for scientific prose and keeps offsets exact (no NLTK data to
download). It avoids splitting after common abbreviations, initials, decimals and "et al.".
"""

from __future__ import annotations

import hashlib
import re

_ABBREV = {
    "e.g", "i.e", "et al", "vs", "fig", "figs", "eq", "ref", "refs", "no", "approx", "ca", "dr", "mr",
    "mrs", "ms", "prof", "st", "resp", "cf", "al", "inc", "ltd", "jr", "sr", "mg", "min", "max", "vol",
}
_BOUNDARY = re.compile(r"[.!?][\"')\]”’]*\s+|\n\s*\n|\n(?=\s*(?:[-*•]|\d+[.)])\s)")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return (start, end) spans of sentences in ``text``, whitespace-trimmed, in order."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        end = m.end()
        piece = text[start:m.start() + 1].rstrip()
        tail = piece.rstrip(".!?\"')]”’ ").split()
        last = tail[-1].lower().rstrip(".") if tail else ""
        nxt = text[end:end + 1]
        if text[m.start()] == "." and (last in _ABBREV or (len(last) == 1 and last.isalpha()) or (nxt and nxt.islower())):
            continue
        _add(text, start, m.end(), spans)
        start = end
    _add(text, start, len(text), spans)
    return spans


def _add(text: str, a: int, b: int, spans: list[tuple[int, int]]) -> None:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    if b > a:
        spans.append((a, b))


def content_hash(*parts: str, n: int = 16) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()[:n]


_WS = re.compile(r"\s+")


def normalize_ws(text: str) -> str:
    return _WS.sub(" ", text).strip()
