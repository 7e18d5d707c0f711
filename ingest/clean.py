"""Cleaning shared by every loader, tuned for scraped web text such as the article.

The article is a raw scrape: paragraphs repeat (sometimes re-wrapped, sometimes as a list the
first time and as paragraphs the second), markup and emoji survive, lists are split into one
line per item. The chatbot must never cite the same passage twice, yet must not lose a distinct
sentence. So de-duplication works on *sentences*: a sentence already seen (exactly, nearly, or as
part of a longer sentence) is dropped, a paragraph with nothing new left disappears, and every
other sentence stays. Lists are folded into the sentence that introduces them so a bullet such as
"anxiety" keeps its context and two lists sharing an item do not count as repeated text.
"""

from __future__ import annotations

import math
import re
import time
import unicodedata
from collections import Counter

from rapidfuzz import fuzz

from core.errors import LoadError
from core.text import EMOJI, split_sentences, strip_markup, token_jaccard

from ingest.document import Block, Section

# --- inline markup: core.text.strip_markup (one cleaner for ingest, claims and answers) --------------

clean_inline = strip_markup


# --- boilerplate -------------------------------------------------------------------------------

_BOILERPLATE = re.compile(
    r"^(?:share|subscribe|subscribed|like|comment|restack|leave a comment|share this post|upgrade to paid|"
    r"thanks for reading [^.!]{0,80}[.!]?|subscribe for free to receive new posts(?: and)?(?: support my work\.?)?|"
    r"support my work\.?|type your email\.*|sign in|discover more from .*|\d+\s*(?:likes?|comments?|restacks?))$",
    re.IGNORECASE,
)


def is_boilerplate(text: str) -> bool:
    return bool(_BOILERPLATE.match(" ".join(text.split())))


# --- blocks from plain text / markdown ---------------------------------------------------------

_BULLET = re.compile(r"^\s*[-*•·–▪◦]\s+(?=\S)")
_NUMBERED = re.compile(r"^\s*(\d{1,2})[.)]\s+(?=\S)")
_LONE_BULLET = re.compile(r"^\s*[-*•·–▪◦]\s*$")
_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$")
_BOLD_LABEL = re.compile(r"^\*\*([^*\n]{1,80}?[.:])\*\*\s*", re.S)
_NUM_HEADING = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\.?\s+(\S.*)$")
_TERMINAL = (".", "!", "?", ":", ";", '"', "”", ")", "]", "’")


def blocks_from_text(raw: str, *, markdown: bool = False, numbered_headings: bool = True) -> list[Block]:
    """Paragraphs, lists and headings of a plain-text or Markdown body.

    ``markdown`` enables ``#`` headings and bold run-in labels (``**Results.**``) as section
    names; ``numbered_headings`` recognises "1.2 Title" style headings of scraped articles.
    """
    raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    out: list[Block] = []
    for chunk in re.split(r"\n[ \t\u00a0]*\n", raw):
        if not chunk.strip():
            continue
        if markdown:
            m = _BOLD_LABEL.match(chunk.lstrip())
            if m:
                out.append(Block(m.group(1).rstrip(".: "), "heading"))
                chunk = chunk.lstrip()[m.end() :]
        para: list[str] = []
        items: list[str] = []

        def flush_para() -> None:
            if para:  # tab-separated rows (a scraped table) stay apart as "a | b; c | d"
                out.append(Block(("; " if sum(" | " in p for p in para) > 1 else " ").join(para), "para"))
                para.clear()

        def flush_items() -> None:
            if items:
                out.append(Block("\n".join(items), "list"))
                items.clear()

        for line in chunk.split("\n"):
            if markdown:
                h = _MD_HEADING.match(line)
                if h:
                    flush_para(), flush_items()
                    out.append(Block(clean_inline(h.group(2)), "heading"))
                    continue
            if _LONE_BULLET.match(line):
                continue
            b = _BULLET.match(line)
            n = _NUMBERED.match(line) if not b else None
            if b or n:
                flush_para()
                item = clean_inline(line[(b or n).end() :])
                if item:
                    items.append(f"({n.group(1)}) {item}" if n else item)
                continue
            text = clean_inline(line)
            if not text or is_boilerplate(text):
                continue
            if items and not para and text[:1].islower():  # wrapped list item
                items[-1] += " " + text
                continue
            flush_items()
            para.append(text)
        flush_para(), flush_items()
    out = [b for b in out if not (b.kind == "para" and is_boilerplate(b.text))]
    out = _merge_continuations(out)
    if numbered_headings:
        out = _numbered_headings(out)
    return out


def _merge_continuations(blocks: list[Block]) -> list[Block]:
    """Re-join a sentence that the scrape broke across a blank line ("attached\\n\\nto amino acids")."""
    out: list[Block] = []
    for b in blocks:
        prev = out[-1] if out else None
        if prev is not None and prev.kind == "para" and b.kind == "para" and b.page == prev.page and not prev.text.endswith(_TERMINAL) and b.text[:1].islower():
            prev.text = prev.text + " " + b.text
        else:
            out.append(b)
    return out


def _successor(last: tuple[int, ...] | None, t: tuple[int, ...]) -> bool:
    if last is None:
        return len(t) == 1 or t == (1, 1)
    if t == last + (1,):
        return True
    return any(t == last[:p] + (last[p] + 1,) for p in range(len(last)))


def _numbered_headings(blocks: list[Block]) -> list[Block]:
    """Single-line "1.2 Title" blocks become headings when they continue the outline.

    A numbered line that restarts at 1 inside the outline opens a plain numbered list (the
    article's "1. Magnesium Replenishment / 2. Glycine Release" diagram), whose items are not
    headings even when a number would also fit the outline.
    """
    last: tuple[int, ...] | None = None
    list_next: tuple[int, ...] | None = None
    out: list[Block] = []
    for b in blocks:
        text = b.text
        if b.kind == "list" and "\n" not in text:
            text = re.sub(r"^\((\d+)\) ", r"\1. ", text)
        m = _NUM_HEADING.match(text) if "\n" not in text else None
        if m and len(text) <= 120 and not text.endswith(_TERMINAL[:5]) and m.group(2)[:1].isupper():
            t = tuple(int(x) for x in m.group(1).split("."))
            if list_next is not None and t == list_next:
                list_next = (t[0] + 1,)
            elif _successor(last, t):
                out.append(Block(text, "heading", b.page))
                last, list_next = t, None
                continue
            elif t == (1,):
                list_next = (2,)
        out.append(b)
    return out


# --- lists -------------------------------------------------------------------------------------


def fold_lists(blocks: list[Block]) -> list[Block]:
    """Fold list items into the paragraph that introduces them ("lead: a; b; c.")."""
    merged: list[Block] = []
    for b in blocks:  # lists split by blank lines are one list
        if b.kind == "list" and merged and merged[-1].kind == "list" and merged[-1].page == b.page:
            merged[-1] = Block(merged[-1].text + "\n" + b.text, "list", b.page)
        else:
            merged.append(Block(b.text, b.kind, b.page))
    out: list[Block] = []
    for b in merged:
        if b.kind != "list":
            out.append(b)
            continue
        items = [i.strip().rstrip(";,").strip() for i in b.text.split("\n") if i.strip()]
        items = [i[:-1] if i.endswith(".") and not re.search(r"(?:\.\.|\b\w\.\w\.)$", i) else i for i in items]
        body = "; ".join(items)
        if body and body[-1] not in ".!?\"”'’)":
            body += "."
        prev = out[-1] if out else None
        if prev is not None and prev.kind == "para" and prev.page == b.page and prev.text.endswith(":"):
            prev.text = prev.text + " " + body
        else:
            out.append(Block(body, "para", b.page))
    return out


# --- de-duplication ----------------------------------------------------------------------------

_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-"})
_NONWORD = re.compile(r"[\W_]+", re.UNICODE)


def normalize_sentence(text: str) -> str:
    """Comparison key: case, quotes, markup, emoji, punctuation and spacing do not matter."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).lower()
    text = EMOJI.sub(" ", text)
    return _NONWORD.sub(" ", text).strip()


_NEGATIONS = frozenset({"not", "no", "never", "without", "neither", "nor", "cannot", "none", "t"})


def _guard(toks: frozenset[str]) -> tuple[frozenset[str], frozenset[str]]:
    """What two near-identical sentences must share to be the same statement: numbers and negations."""
    return frozenset(t for t in toks if any(ch.isdigit() for ch in t)), toks & _NEGATIONS


class CleanTimeout(LoadError):
    """Cleaning one file ran past its time budget (``Settings.ingest.file_seconds``)."""


class SentenceDeduper:
    """Remembers kept sentences and answers whether a new one adds anything.

    "Already seen" means: the same normalized sentence; contained (as whole words) in a kept one; or
    a near-duplicate of a kept one of similar length with the same numbers and negations (token-set
    Jaccard >= ``threshold``, or character similarity >= ``threshold``). Comparing each sentence with
    every kept one made cleaning quadratic (1 MB of text: 234 s). Instead kept sentences are indexed
    by their words, and a new one is compared only with kept ones found through its rarest words:
    for containment, its rarest pair of adjacent words (a container holds every one); for near-duplicates, the
    rarest ``near_share`` of its words, looked up among kept sentences of similar length with the
    same numbers and negations (the only ones that can match), and compared only with those holding
    at least half of these words. At most ``max_candidates`` postings are read per lookup, the most
    recent first, so the work per sentence is bounded and grows linearly with the text;
    ``comparisons`` counts the pairs compared.

    The character similarity is rapidfuzz's Indel ratio (C++, ~100x faster than difflib's
    Ratcliff-Obershelp ratio, which it bounds from above, so it may merge slightly more: one
    reversed word in a 90-character sentence). The word index is our own: rapidfuzz compares
    strings, it does not find candidates.
    """

    near_share = 0.3  # near-duplicates (>= 0.9 similar) keep nearly all their words: 30 % of the rarest (+1) find them

    def __init__(self, aggressive: bool, threshold: float = 0.9, max_candidates: int = 64):
        self.aggressive = aggressive
        self.threshold = threshold
        self.max_candidates = max(1, max_candidates)
        self.seen: set[str] = set()
        self.kept: list[tuple[str, frozenset[str]]] = []
        self._padded: list[str] = []
        self._words: dict[str, list[int]] = {}  # word, and pair of adjacent words -> kept sentences holding it
        self._near: dict[tuple[int, int, str], list[int]] = {}  # (guard, length band, word) -> kept sentences (near-duplicates)
        self.comparisons = 0  # pairs of sentences compared
        self.reads = 0  # index postings read

    @staticmethod
    def _band(n: str) -> int:
        return int(math.log(max(len(n), 1)) / math.log(1.2))  # lengths within 20 % fall in the same or a neighbouring band

    def is_new(self, sentence: str) -> bool:
        return self.is_new_normalized(normalize_sentence(sentence))

    def is_new_normalized(self, n: str) -> bool:
        if not n or n in self.seen:
            return False
        words = n.split()
        toks = frozenset(words)
        rare = sorted(toks, key=lambda t: len(self._words.get(t, ())))
        if self.aggressive or len(words) >= 4:  # contained, as whole words, in a longer kept sentence
            padded = f" {n} "
            keys = [f"{a} {b}" for a, b in zip(words, words[1:])] or rare[:1]  # a container holds each: the rarest finds it
            posting = min((self._words.get(k, ()) for k in keys), key=len)[: -self.max_candidates - 1 : -1]
            self.reads += len(posting)
            for i in posting:
                self.comparisons += 1
                if len(self._padded[i]) > len(padded) and padded in self._padded[i]:
                    return False
        guard = hash(_guard(toks))
        band = self._band(n)
        if len(n) >= 20:
            need = len(rare) - int((1 - self.near_share) * len(rare)) + 1
            hits: Counter[int] = Counter()
            budget = self.max_candidates  # postings read per sentence, the most recent first
            for t in rare[:need]:
                for b in (band - 1, band, band + 1):
                    post = self._near.get((guard, b, t), ())[-budget:] if budget > 0 else ()
                    hits.update(post)
                    budget -= len(post)
                    self.reads += len(post)
            min_hits = max(1, need // 2)  # a near-duplicate holds nearly all of these words, a stranger one or two
            for i, h in hits.items():
                if h < min_hits:
                    continue
                self.comparisons += 1
                other, otoks = self.kept[i]
                if abs(len(other) - len(n)) > 0.2 * max(len(n), len(other)):
                    continue
                if token_jaccard(toks, otoks) >= self.threshold:
                    return False
                if fuzz.ratio(n, other, score_cutoff=100 * self.threshold):
                    return False
        self.seen.add(n)
        idx = len(self.kept)
        self.kept.append((n, toks))
        self._padded.append(f" {n} ")
        for t in toks:
            self._words.setdefault(t, []).append(idx)
            self._near.setdefault((guard, band, t), []).append(idx)
        for pair in {f"{a} {b}" for a, b in zip(words, words[1:])}:
            self._words.setdefault(pair, []).append(idx)
        return True


def dedupe(
    blocks: list[Block], aggressive: bool = False, *, deadline: float | None = None, max_candidates: int = 64, deduper: SentenceDeduper | None = None
) -> list[Block]:
    """Drop repeated sentences, and paragraphs left with none; keep every distinct sentence.

    ``deadline`` (a ``time.monotonic()`` value) bounds the time spent: past it ``CleanTimeout``.
    ``deduper`` is the one to use (tests and benchmarks read its counters)."""
    d = deduper or SentenceDeduper(aggressive, max_candidates=max_candidates)
    out: list[Block] = []

    def new(text: str) -> bool:
        if deadline is not None and time.monotonic() > deadline:
            raise CleanTimeout("cleaning took longer than its time budget")
        return d.is_new(text)

    for b in blocks:
        if b.kind == "heading":
            out.append(b)
            continue
        spans = split_sentences(b.text)
        keep = [(a, e) for a, e in spans if new(b.text[a:e])]
        if not keep:
            continue
        if len(keep) == len(spans):
            text = b.text[spans[0][0] : spans[-1][1]]
        else:
            text = " ".join(b.text[a:e] for a, e in keep)
        out.append(Block(text, b.kind, b.page))
    return out


# --- assembly ----------------------------------------------------------------------------------


def assemble(blocks: list[Block], first_section: str = "") -> tuple[str, list[Section]]:
    """One cleaned text (headings on their own lines) plus the body span of every section.

    A new section starts at each heading and at each page change, so a chunk never spans two
    PDF pages or two headings.
    """
    parts: list[str] = []
    sections: list[Section] = []
    pos = 0
    title = first_section
    cur: Section | None = None
    for b in blocks:
        text = b.text.strip()
        if not text:
            continue
        if parts:
            parts.append("\n\n")
            pos += 2
        if b.kind == "heading":
            title = normalize_heading(text)
            cur = None
        else:
            if cur is None or cur.page != b.page:
                label = title or (f"page {b.page}" if b.page is not None else "")
                cur = Section(label, pos, pos, b.page)
                sections.append(cur)
            cur.end = pos + len(text)
        parts.append(text)
        pos += len(text)
    return "".join(parts), sections


def normalize_heading(text: str) -> str:
    return " ".join(text.replace("**", "").split()).rstrip(".:")


def clean_blocks(blocks: list[Block], aggressive: bool, *, deadline: float | None = None, max_candidates: int = 64) -> list[Block]:
    """Everything between a loader's blocks and ``assemble`` (``deadline``: see ``dedupe``)."""
    blocks = [Block(b.text.strip(), b.kind, b.page) for b in blocks if b.text.strip()]
    return dedupe(fold_lists(blocks), aggressive=aggressive, deadline=deadline, max_candidates=max_candidates)
