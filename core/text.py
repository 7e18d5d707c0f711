"""Sentence splitting with character offsets, shared by chunking, answers and claim checks.

A rule-based splitter is enough for scientific prose and keeps offsets exact (no NLTK data to
download). It avoids splitting after common abbreviations, initials, decimals and "et al.".
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Collection, Iterable

_ABBREV = {
    "e.g",
    "i.e",
    "et al",
    "vs",
    "fig",
    "figs",
    "eq",
    "ref",
    "refs",
    "no",
    "approx",
    "ca",
    "dr",
    "mr",
    "mrs",
    "ms",
    "prof",
    "st",
    "resp",
    "cf",
    "al",
    "inc",
    "ltd",
    "jr",
    "sr",
    "mg",
    "min",
    "max",
    "vol",
}
_BOUNDARY = re.compile(r"[.!?][\"')\]”’]*\s+|\n\s*\n|\n(?=\s*(?:[-*•]|\d+[.)])\s)")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return (start, end) spans of sentences in ``text``, whitespace-trimmed, in order."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        end = m.end()
        piece = text[start : m.start() + 1].rstrip()
        tail = piece.rstrip(".!?\"')]”’ ").split()
        last = tail[-1].lower().rstrip(".") if tail else ""
        nxt = text[end : end + 1]
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


# --- near-duplicates ---------------------------------------------------------------------------


def token_jaccard(a: Collection[str], b: Collection[str]) -> float:
    """Share of distinct tokens two texts have in common, |A ∩ B| / |A ∪ B| (0.0 when either has none).

    The one measure behind every near-duplicate test (answer sentences, article claims, ingest's
    sentence dedup). Kept our own rather than rapidfuzz: rapidfuzz measures characters or sorted
    token strings (its ``token_set_ratio`` scores any subset 100, so "A raises B" would equal "A
    raises B in rats"); a repeated paragraph keeps its words, and counting words once, in any
    order, is what tells it from a sentence that adds a condition."""
    sa, sb = a if isinstance(a, (set, frozenset)) else set(a), b if isinstance(b, (set, frozenset)) else set(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def near_duplicate(a: str, b: str, threshold: float, tokens: Callable[[str], Iterable[str]] = str.split) -> bool:
    """Two short texts say the same thing: their ``tokens`` (whatever the caller compares, e.g. stems)
    overlap by at least ``threshold`` (``token_jaccard``). Texts without tokens are duplicates only when
    equal, ignoring case and surrounding space."""
    ta, tb = set(tokens(a)), set(tokens(b))
    if not ta or not tb:
        return a.strip().lower() == b.strip().lower()
    return token_jaccard(ta, tb) >= threshold


def content_hash(*parts: str, n: int = 16) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()[:n]


_WS = re.compile(r"\s+")


def normalize_ws(text: str) -> str:
    return _WS.sub(" ", text).strip()


# The one list of function words that carry no topic: what claim/evidence word-overlap measures
# (chatbot.audit.checks), follow-up detection (chatbot.answer.conversation) and sentence scoring skip.
# It is bm25s's English list plus auxiliaries, wh-words and comparatives; comparatives ("more",
# "less") are left out of overlap because the direction check reads them separately.
STOPWORDS: frozenset[str] = frozenset(
    """a an the of and or to in on for with by from as at is are was were be been being
that this these those it its their there than then but not no into over under per vs also which who whom whose what when
where why how can may might could would should does do did has have had more most less such very so if they will""".split()
)


# --- inline markup -----------------------------------------------------------------------------

EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0e\ufe0f\u200d\u20e3\U000e0020-\U000e007f]")
_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\((?:[^()\s]+|\([^)]*\))*\)")
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]+)>")
_BOLD = re.compile(r"\*\*|__")
_EMPH = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_CODE = re.compile(r"`([^`]*)`")
_STRAY_STAR = re.compile(r"(?<!\S)\*(?!\S)|\*+$|^\*+")


def strip_markup(text: str) -> str:
    """Strip markup residue from one line, keeping the words (links keep their text): HTML tags, markdown
    images, links, bold, emphasis and code, stray stars, emoji and pictographs. The one markup cleaner:
    ingest cleans documents with it, the claim audit and the answers clean sentences with it."""
    text = _AUTOLINK.sub(r" \1 ", text)
    text = _HTML_TAG.sub(" ", text)
    text = _MD_IMAGE.sub(r"\1", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _BOLD.sub("", text)
    text = _EMPH.sub(r"\1", text)
    text = _CODE.sub(r"\1", text)
    text = _STRAY_STAR.sub("", text.strip())
    text = EMOJI.sub(" ", text)
    text = text.replace("\t", " | ").replace("\u00a0", " ")
    text = re.sub(r"(?:\s*\|\s*)+$|^(?:\s*\|\s*)+", "", text)
    text = re.sub(r"[ \u2009\u202f]{2,}", " ", text)
    return text.strip()


_CLAUSE_BREAK = re.compile(r";\s+")


def split_clauses(text: str, boundary: re.Pattern[str] = _CLAUSE_BREAK, sep: str = ";") -> list[str]:
    """``text`` cut where ``boundary`` matches at a ``sep`` (";") outside brackets: "(p = 0.01; 95% CI 4 to 20)" stays
    whole. The ``sep`` character itself is dropped.

    Digests list several results in one sentence ("A rose; B fell"); a quote or a lead wants the clause that bears on
    the question, verbatim. The boundary decides what may follow the ";" (the answer lead asks for a capital)."""
    out: list[str] = []
    depth, start, i = 0, 0, 0
    while i < len(text):
        ch = text[i]
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif ch == sep and depth == 0 and (m := boundary.match(text, i)):
            out.append(text[start:i])
            start = i = m.end()
            continue
        i += 1
    out.append(text[start:])
    return out


_QUANTITY = re.compile(
    r"\s*\b(?:by|at|of|to|from|in)?\s*(?:about|around|roughly|approximately|nearly|over|up to|some)?\s*"
    r"[\d][\d.,]*(?:\s*(?:-|–|to)\s*[\d][\d.,]*)?\s*(?:%|percent(?:age points)?|mg|g|mcg|µg|mmol|ml|kg)?"
    r"(?:\s*(?:/|a|per)\s*(?:day|d|night|kg))?(?=[\s,.;:)]|$)",
    re.I,
)


@functools.lru_cache(maxsize=4096)
def without_quantities(text: str) -> str:
    """The claim without its figures and doses ("reduces anxiety by 32%" → "reduces anxiety")."""
    return " ".join(_QUANTITY.sub(" ", text).split()).strip(" ,;")
