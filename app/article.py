"""The article as a reader sees it on the "Read the article" page: its cleaned text, in order, with
every audited claim highlighted in the colour of its finding and numbered so it can be picked.

The store keeps the article as overlapping passages (each repeats the last sentence of the one
before); the page shows each sentence once. A claim is placed by finding its words in the passage
text (its own passage first): the claim extractor sometimes joins a list's lead-in to an item
("Two things: overactive excitation"), so when the whole claim is not there its last part is
looked for. Claims that cannot be placed are still listed and can be picked. Pure functions; the
text is escaped before any highlight is added (``app.render``'s rule: escape, then markup).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

from app.render import VERDICT_COLORS, escape_inline
from core.audit_report import ClaimRecord
from core.types import Chunk

_PARA = re.compile(r"\n\s*\n")
_WS = re.compile(r"\s+")


@dataclass
class Section:
    """One stretch of the article under a heading; ``text`` is passage text without the repeated overlap."""

    heading: str
    chunk_ids: list[str] = field(default_factory=list)
    text: str = ""


@dataclass
class PlacedClaim:
    number: int
    claim: ClaimRecord
    finding: str
    color: str
    section: int | None = None  # index into the sections, None when the claim was not found in the text
    start: int = 0
    end: int = 0


def article_chunks(chunks: Iterable[Chunk]) -> list[Chunk]:
    """The article's passages in document order (the first article if a store has several)."""
    art = [c for c in chunks if c.role == "article"]
    if not art:
        return []
    first = min(art, key=lambda c: (c.doc_id, c.start)).doc_id
    return sorted((c for c in art if c.doc_id == first), key=lambda c: (c.start, c.end))


def sections_of(chunks: list[Chunk]) -> list[Section]:
    """Passages joined into sections, each sentence once: a passage's leading sentences that close
    the previous passage (the chunker's overlap) are dropped."""
    out: list[Section] = []
    prev_tail: set[str] = set()
    for c in chunks:
        sents = c.sentence_texts() or [c.text]
        skip = 0
        while skip < len(sents) - 1 and _norm(sents[skip]) in prev_tail:
            skip += 1
        body = c.text[c.sentences[skip][0] :] if skip and c.sentences else c.text
        prev_tail = {_norm(s) for s in sents[-3:]}
        if not out or (c.section or "") != out[-1].heading:
            out.append(Section(heading=c.section or ""))
        sec = out[-1]
        sec.chunk_ids.append(c.chunk_id)
        sec.text = (sec.text + "\n\n" + body.strip()) if sec.text else body.strip()
    return out


def place_claims(sections: list[Section], claims: list[ClaimRecord]) -> list[PlacedClaim]:
    """Each audited claim with its number (article order), finding, colour and place in the text."""
    own = {cid: i for i, s in enumerate(sections) for cid in s.chunk_ids}
    folded = [_fold(s.text) for s in sections]
    placed: list[PlacedClaim] = []
    taken: dict[int, list[tuple[int, int]]] = {}
    ordered = sorted(claims, key=lambda c: (c.start or 0, c.id))
    for n, c in enumerate(ordered, 1):
        p = PlacedClaim(n, c, c.finding, VERDICT_COLORS.get(c.finding, "gray"))
        words = _fold(c.text).rstrip(" .;:!?").split()
        first = own.get(str(c.chunk_id))
        near = [i for i in (first, (first or 0) - 1, (first or 0) + 1) if i is not None and 0 <= i < len(sections)]
        rest = [i for i in range(len(sections)) if i not in near]
        # the whole claim anywhere (its own section first), then its shorter endings nearby: a list's
        # lead-in joined to an item ("regulates this by preventing firing") is in the text as "by: …; preventing firing;"
        tries = [(i, words) for i in near + rest] + [(i, words[k:]) for k in range(1, max(1, len(words) - 2)) for i in near]
        for i, w in tries:
            span = _locate(folded[i], w, taken.get(i, []))
            if span:
                p.section, (p.start, p.end) = i, span
                taken.setdefault(i, []).append(span)
                break
        placed.append(p)
    return placed


def _locate(text: str, words: list[str], taken: list[tuple[int, int]]) -> tuple[int, int] | None:
    """Where ``words`` stand in ``text`` (any whitespace between them), not overlapping a placed claim."""
    if len(words) < 3 or sum(len(w) for w in words) < 12:
        return None
    for m in re.finditer(r"\s+".join(re.escape(w) for w in words), text):
        a, b = m.start(), m.end()
        while b < len(text) and text[b] in ".;:!?,":  # the claim's own closing mark belongs to it
            b += 1
        if not any(a < y and x < b for x, y in taken):
            return a, b
    return None


# same-length folding, so offsets in the folded text are offsets in the original
_FOLD = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u00a0": " "})


def _fold(s: str) -> str:
    return s.translate(_FOLD).lower()


def section_markdown(section: Section, placed: list[PlacedClaim], index: int, selected: int | None = None) -> str:
    """One section's text as Markdown: escaped text, each claim highlighted in its finding's colour
    and followed by its number (bold when it is the claim picked); paragraphs kept."""
    spans = sorted((p for p in placed if p.section == index), key=lambda p: p.start)
    text = section.text
    paras = []
    pos = 0
    for m in list(_PARA.finditer(text)) + [None]:
        end = m.start() if m else len(text)
        paras.append((pos, end))
        pos = m.end() if m else len(text)
    out = []
    for a, b in paras:
        parts, cur = [], a
        for p in spans:
            s, e = max(p.start, a), min(p.end, b)
            if s >= e or s < cur:
                continue
            parts.append(escape_inline(text[cur:s]))
            inner = escape_inline(text[s:e])
            mark = f"**\\#{p.number}**" if p.number == selected else f"\\#{p.number}"
            parts.append(f":{p.color}-background[{inner}]" + (f" :{p.color}[{mark}]" if p.end <= b else ""))
            cur = e
        parts.append(escape_inline(text[cur:b]))
        para = " ".join(x for x in parts if x)
        if para:
            out.append(para)
    return "\n\n".join(out)


def _norm(s: str) -> str:
    return _WS.sub(" ", s).strip().lower()
