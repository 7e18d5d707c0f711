"""Abbreviations a text defines ("trimethylamine N-oxide (TMAO)"), and a sentence with them spelled out.

Why: an abstract defines a term once and then writes only its short form, while a claim about it is usually written
with the long one ("Omnivores produce more trimethylamine N-oxide …" against "Omnivorous subjects produced more TMAO
…"). Word-share gates (is this sentence about the claim's outcome?) then see no shared word. Reading each sentence
with the short forms its passage defines spelled out lets them meet.

The matching is Schwartz & Hearst's (2003) algorithm: a parenthesised short form of 2-10 characters with a capital
letter, whose characters are found in order, from the end, in the words before the parenthesis, the first one at the
start of a word. General English and any topic: no list of terms.
"""

from __future__ import annotations

import functools
import re

_PAREN = re.compile(r"\(([^()]{2,10})\)")
_WORD = re.compile(r"\S+")


def _long_form(short: str, before: str) -> str | None:
    """The long form for ``short`` at the end of ``before``, or None (Schwartz & Hearst's backward match)."""
    words = _WORD.findall(before)
    words = words[-min(len(short) + 5, len(short) * 2) :]
    if not words:
        return None
    cand = " ".join(words)
    s, at = len(short) - 1, len(cand) - 1
    while s >= 0:
        ch = short[s].lower()
        if not ch.isalnum():
            s -= 1
            continue
        while at >= 0 and (cand[at].lower() != ch or (s == 0 and at > 0 and cand[at - 1].isalnum())):
            at -= 1
        if at < 0:
            return None
        s -= 1
        at -= 1
    start = cand.rfind(" ", 0, at + 1) + 1
    out = cand[start:].strip(" ,;:")
    if len(out) <= len(short) or out.lower().startswith(short.lower()):
        return None
    return out


@functools.lru_cache(maxsize=4096)
def definitions(text: str) -> tuple[tuple[str, str], ...]:
    """(short form, long form) pairs ``text`` defines, in order, each short form once."""
    seen: dict[str, str] = {}
    for m in _PAREN.finditer(text):
        short = m.group(1).strip()
        if not (short[:1].isalnum() and any(c.isupper() for c in short)) or " " in short or short in seen:
            continue
        lf = _long_form(short, text[: m.start()])
        if lf:
            seen[short] = lf
    return tuple(seen.items())


def spelled_out(sentence: str, defs: tuple[tuple[str, str], ...]) -> str:
    """``sentence`` with each defined short form it uses written as "long form (SHORT)", unless it already stands in
    its definition's parentheses."""
    for short, long in defs:
        if short not in sentence:
            continue
        sentence = re.sub(rf"(?<![\w(-]){re.escape(short)}(?![\w-])", f"{long} ({short})", sentence)
    return sentence


__all__ = ["definitions", "spelled_out"]
