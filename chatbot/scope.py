"""Is the question's subject in the corpus at all?

Why: dense retrieval always returns *something*. Asked about ashwagandha or levothyroxine, it
returns the nearest passages about cortisol or magnesium, and both answerers then answer a
question the corpus never addresses (the verdict code even called a levothyroxine interaction
"mixed"). A cheap, explainable guard catches the common case: the question names a specific
thing (a drug, a herb, a compound, an author of a cited study) that appears nowhere in the
documents. Then the honest answer is "the corpus does not mention X".

What counts as "a specific thing", so that ordinary words a document may simply phrase
differently ("overnight", "kind", "prove") never trigger it:
- a *rare technical word*: not a whole word of the embedding model's WordPiece vocabulary
  (~30 k common English words and sub-words; "ashwagandha" is ash/##wa/##gan/##dha), nor an
  inflection of one, not a unit ("micromolar"), not a prefix or compound of known words
  ("overactivation", "bloodstream"), not a verb/adjective/abstract form ("stabilizing"), or
- a *cited name*: a capitalised word followed by a year or "et al." ("Schuster 2025").
Matching against the corpus is on the same stemmed tokens BM25 uses, over passage text,
titles, section headings and bibliographic metadata.

Used for user input only (``ask``, ``check``), not for the article audit: the article's own
sentences are long and rhetorical, and a missing word there ("gatekeeper", "cramps") is usually
one clause of a compound claim whose other clauses the literature does address.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any, Callable, Iterable, TypeVar

from core.lexical import tokenize, vocabulary, words

T = TypeVar("T")

# a word in any alphabet ("Sjögren's" is one word, not "Sj" and "gren's")
_WORD = re.compile(r"[^\W\d_](?:[\w\-']*[^\W_])?")
_SUFFIXES = ("'s", "ies", "es", "s", "ed", "d", "ing", "ly", "en", "er", "ers", "est", "al", "ness", "ity")
_CITED_NAME = re.compile(r"\b([A-Z][a-zA-Z\-']{2,})(?:\s+et\s+al\.?|,?\s+\(?(?:19|20)\d\d\b)")
_UNIT = re.compile(
    r"^(?:micro|milli|nano|pico|kilo|centi|deci)?(?:molar|mol|moles?|grams?|litres?|liters?|"
    r"equivalents?|units?|hertz|volts?|seconds?)$|^(?:micro|milli|nano|pico|kilo)\w*$"
)
_MIN_LEN = 4
# verb, adverb, adjective and abstract-noun endings: "stabilizing", "replenishes", "gentlest",
# "steadiness", "insufficiency" describe; the things a question is *about* are named by nouns
_DESCRIPTIVE = re.compile(r"(?:ing|ed|est|ly|ness|i[sz]es?|i[sz]ers?|ishes|ful|less|ency|ance|ence)$")


@functools.lru_cache(maxsize=4)
def _wordpiece_vocab(model_path: str) -> frozenset[str]:
    """Whole-word entries of the embedding model's WordPiece vocabulary (empty if not found)."""
    p = Path(model_path) / "vocab.txt"
    try:
        return frozenset(w for w in p.read_text(encoding="utf-8").split("\n") if w and not w.startswith(("##", "[")))
    except OSError:
        return frozenset()


_vocab_cache: dict[tuple, Any] = {}


def per_version(cache: dict[tuple, Any], snapshot: Any, extra: tuple, build: Callable[[], T], limit: int = 16) -> T:
    """``build()``, remembered in ``cache`` per store version and ``extra`` (a version's folder never changes, so what is
    read from it holds until the next ingest; a snapshot without a folder is not cached). At most ``limit`` entries."""
    path = getattr(snapshot, "path", None)
    if not path:
        return build()
    key = (str(path), str(getattr(snapshot, "version", "")), *extra)
    if key not in cache:
        if len(cache) >= limit:
            cache.clear()
        cache[key] = build()
    return cache[key]


def chunk_strings(chunk) -> list[str]:
    meta = chunk.meta or {}
    authors = meta.get("authors")
    authors = " ".join(authors) if isinstance(authors, list) else str(authors or "")
    return [chunk.text, chunk.title or "", chunk.section or "", authors, str(meta.get("journal") or ""), str(meta.get("form") or "")]


def corpus_vocabulary(snapshot: Any, role: str | None = None, stemmed: bool = True) -> frozenset[str]:
    """Stemmed tokens (``stemmed=False``: the plain lowercase words) of every chunk (of one role, if given), cached per
    store version (a version's folder never changes; objects without one are not cached)."""
    chunks = getattr(snapshot, "chunks", None) or {}

    def build() -> frozenset[str]:
        texts = (s for c in chunks.values() if not role or c.role == role for s in chunk_strings(c))
        return frozenset(vocabulary(texts) if stemmed else words(texts))

    return per_version(_vocab_cache, snapshot, (role or "", "stems" if stemmed else "words"), build)


def _is_common(word: str, common: frozenset[str], depth: int = 2) -> bool:
    """In the WordPiece vocabulary as a whole word, or an inflection of one ("cures",
    "lengthened", "fifths"): the vocabulary lists mostly base forms."""
    if word in common:
        return True
    if depth == 0:
        return False
    return any(word.endswith(suf) and len(word) - len(suf) >= 3 and _is_common(word[: -len(suf)], common, depth - 1) for suf in _SUFFIXES)


_PREFIXES = (
    "over",
    "under",
    "hyper",
    "hypo",
    "non",
    "anti",
    "re",
    "un",
    "de",
    "dis",
    "mis",
    "pre",
    "post",
    "neuro",
    "electro",
    "para",
    "inter",
    "intra",
    "counter",
    "self",
    # combining forms of number and size: "oligometastases" are metastases, few of them; "microvascular" is vascular
    "oligo",
    "poly",
    "multi",
    "micro",
    "macro",
    "mono",
    "semi",
    "sub",
    "super",
    "trans",
    "peri",
    "extra",
)


def _ordinary_compound(word: str, common: frozenset[str], vocab: frozenset[str]) -> bool:
    """A prefix plus a known word ("overactivation", "hyperactivity") or two ordinary words run
    together ("bloodstream", "gatekeeper") is a way of phrasing, not a subject of its own."""

    def known(part: str) -> bool:
        return _is_common(part, common) or in_vocabulary(part, vocab)

    for pre in _PREFIXES:
        if word.startswith(pre) and len(word) - len(pre) >= 4 and known(word[len(pre) :]):
            return True
    return any(known(word[:i]) and known(word[i:]) for i in range(4, len(word) - 3))


def in_vocabulary(word: str, vocab: frozenset[str], plain: frozenset[str] = frozenset()) -> bool:
    """Exact stem, or a shared long prefix, so that inflections the stemmer keeps apart
    ("polysomnographic" / "polysomnography") and small misspellings still count as present; ``plain``: the corpus's
    unstemmed words, against which the word as typed is checked for a misspelling ("evidnce", whose stem "evidnc" is
    two edits from "evidence"'s "evid")."""
    toks = tokenize(word)
    if not toks or any(t in vocab for t in toks):
        return True
    for t in toks:
        if len(t) >= 6:
            prefix = t[: max(6, len(t) - 3)]
            if any(v.startswith(prefix) for v in vocab):
                return True
    return any(_misspelt(t, vocab) for t in toks) or _misspelt(word.lower(), plain)


# a long alphabetic word one edit from a corpus word is a misspelling of it ("ateriosus" for "arteriosus", "anxeity" for
# "anxiety": two letters swapped count as one edit), not a term the corpus lacks; shorter words and codes ("DUSP4" /
# "DUSP6") differ by one character on purpose
_MISSPELT_MIN_LEN = 7


def _misspelt(token: str, vocab: frozenset[str]) -> bool:
    """One insertion, deletion, substitution or swap of neighbouring letters from a word of ``vocab`` (``spelled_as``)."""
    return spelled_as(token, vocab) is not None


def spelled_as(token: str, vocab: frozenset[str] | Iterable[str]) -> str | None:
    """The word of ``vocab`` that ``token`` misspells: one insertion, deletion, substitution or swap of neighbouring
    letters (rapidfuzz's optimal string alignment distance, C++: a 20k-word vocabulary in about a millisecond), for an
    alphabetic token of at least ``_MISSPELT_MIN_LEN`` letters; None when there is none."""
    if len(token) < _MISSPELT_MIN_LEN or not token.isalpha():
        return None
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    near = [v for v in vocab if abs(len(v) - len(token)) <= 1 and v[:1] == token[:1]]
    hit = process.extractOne(token, near, scorer=OSA.distance, score_cutoff=1)
    return hit[0] if hit is not None else None


# a one-word label before a question that names its own subject ("ELI5: how does magnesium calm the brain?",
# "Question: …"): the label frames the question, and a word of it the corpus lacks says nothing about what is asked. A
# remainder that points back at the label ("Ashwagandha: does it lower cortisol?", "… which is better?") keeps it checked
_LABEL = re.compile(r"^\s*[\w'-]+\s*:\s+(?=\S)")
_POINTS_BACK = re.compile(r"\b(?:it|its|they|them|their|this|that|these|those|which|either|both|one)\b", re.I)


def _asked(question: str) -> str:
    """The question less a one-word label that frames it (``_LABEL``)."""
    label = _LABEL.match(question)
    if label is None or _POINTS_BACK.search(question[label.end() :]):
        return question
    return question[label.end() :]


def missing_terms(question: str, snapshot: Any, model_path: str | None = None, role: str | None = None) -> list[str]:
    """Specific terms of ``question`` that no document (of ``role``) contains, in question order.

    Empty when the store is empty (that case has its own message) or nothing specific is missing.
    """
    vocab = corpus_vocabulary(snapshot, role)
    if not vocab:
        return []
    plain = corpus_vocabulary(snapshot, role, stemmed=False)
    common = _wordpiece_vocab(model_path) if model_path else frozenset()
    out: list[str] = []
    seen: set[str] = set()

    partners = _defined_partners(question)

    def add(word: str) -> None:
        if word.lower() not in seen and not any(all(in_vocabulary(w, vocab, plain) for w in v.split()) for v in _variants(word, partners)):
            seen.add(word.lower())
            out.append(word)

    for m in _CITED_NAME.finditer(question):
        add(m.group(1))
    if common:
        for m in _WORD.finditer(_asked(question)):
            w = m.group(0).strip("'")
            lw = w.lower()
            if len(lw) < _MIN_LEN or _is_common(lw, common) or _UNIT.match(lw) or "n't" in lw:
                continue
            if _DESCRIPTIVE.search(lw) and not w[:1].isupper():
                continue
            parts = [p for p in lw.split("-") if p]
            if "-" in lw and all(_is_common(p, common) or len(p) < _MIN_LEN for p in parts):
                continue  # a compound of common words ("two-week", "urinary-excretion")
            if "-" not in lw and "'" not in lw and _ordinary_compound(lw, common, vocab):
                continue
            add(w)
    return out


def corrected_spelling(question: str, snapshot: Any, model_path: str | None = None) -> str:
    """``question`` with each long word the corpus lacks, and that is no common English word, written as the corpus word
    it misspells (``spelled_as``: "evidnce" → "evidence", "anxeity" → "anxiety"): retrieval and the composer then read
    what was meant. BM25 finds nothing for a misspelt word, and a refusal probe got a fact sheet's opening sentence."""
    plain = corpus_vocabulary(snapshot, stemmed=False)
    if not plain:
        return question
    common = _wordpiece_vocab(model_path) if model_path else frozenset()

    def fix(m: re.Match[str]) -> str:
        w = m.group(0)
        low = w.lower()
        if low in plain or _is_common(low, common) or not low.isalpha():
            return w
        right = spelled_as(low, plain)
        return right if right is not None and not w[:1].isupper() else w

    return _WORD.sub(fix, question)


def _defined_partners(question: str) -> dict[str, str]:
    """Each short form the question defines and its long form, both ways ("human papillomaviruses (HPVs)"): the corpus
    names a thing the question names if it uses either."""
    from core.abbreviations import definitions

    out: dict[str, str] = {}
    for short, long in definitions(question):
        out[short.lower()] = long
        out[long.lower()] = short
        for w in long.split():
            out.setdefault(w.lower(), short)
    return out


# an adjective in -tic of a noun in -sis: "septic" / "sepsis", "necrotic" / "necrosis", "psychotic" / "psychosis"
_TIC = re.compile(r"(?<=\w{3})tic$", re.I)


def _variants(word: str, partners: dict[str, str]) -> list[str]:
    """The word and the other ways a document may name the same thing: an acronym's plural without its "s" ("HPVs"),
    the noun in -sis of an adjective in -tic, and its partner in an abbreviation the question defines."""
    out = [word, *_acronym_singular(word)]
    if _TIC.search(word):
        out.append(_TIC.sub("sis", word))
    partner = partners.get(word.lower())
    if partner:
        out += [partner, *_acronym_singular(partner)]
    return out


def _acronym_singular(word: str) -> list[str]:
    """An acronym's plural without its "s" ("HPVs" → "HPV"), or nothing."""
    return [word[:-1]] if re.fullmatch(r"[A-Z][A-Z0-9]+s", word) else []


def in_another_language(question: str, terms: list[str]) -> bool:
    """Several words no document has and hardly an English function word among the question's words ("¿Qué dosis de
    magnesio se usó en el ensayo …?"): likely written in another language than the corpus, which a reader should be
    told rather than only that the corpus lacks those words. "Ashwagandha, levothyroxine or sertraline?" has its "or"."""
    from core.lexical import english_stopwords

    words = [w.lower() for w in re.findall(r"[^\W\d_]+", question)]
    english = sum(w in english_stopwords() for w in words)
    return len(terms) >= 2 and len(words) >= 4 and english < 0.15 * len(words)


def quoted(terms: list[str]) -> str:
    return ", ".join(f"“{t}”" for t in terms)


def gap_message(terms: list[str], n_docs: int, what: str = "documents", question: str = "") -> str:
    head = f"None of the {n_docs} {what} in the corpus mentions {quoted(terms)}, so the corpus cannot answer the question as asked; I won't guess."
    if question and in_another_language(question, terms):
        head += " The corpus is in English: if the question is in another language, ask it in English."
    return head


def closest_heading(terms: list[str]) -> str:
    """Heads what the corpus says on the rest of the question, so it is not read as the answer."""
    return f"What the corpus has on the rest of the question (none of it mentions {quoted(terms)}):"


# a premise that describes the subject, before the question proper: "Since glycine is a sedative drug, how much …?",
# "Given that oxide is useless, which …?"
_PREMISE = re.compile(
    r"^\s*(?:since|given\s+that|because|as|now\s+that|considering\s+that)\s+(?P<premise>[^,;?]+?\b(?:is|are|was|were)\b[^,;?]+)[,;]\s+(?P<rest>\S.*)$",
    re.I,
)


def premise_only(question: str, terms: list[str]) -> bool:
    """Every missing term stands in what a premise says the subject *is* ("Since glycine is a sedative drug, …"), none
    in the premise's subject ("Since ashwagandha is popular, does it …?") or in the question that follows. Then the
    corpus can answer the question and say it cannot confirm the premise. A premise about the asker ("Since I take
    levothyroxine, …") says what they do, not what something is: the missing term is the question's subject, and the
    gap refuses as before."""
    m = _PREMISE.match(question or "")
    if not m or not terms:
        return False
    premise, rest = m.group("premise").lower(), m.group("rest").lower()
    said_of = re.split(r"\b(?:is|are|was|were)\b", premise, maxsplit=1)[-1]  # what the premise says the subject is
    return all(t.lower() in said_of and t.lower() not in rest for t in terms)
