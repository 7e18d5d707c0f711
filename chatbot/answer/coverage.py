"""Is the question's topic in the documents the answer would cite?

Why: ``chatbot.scope`` refuses a question that names a rare word no document has ("ashwagandha"). On a
broad corpus (hundreds of abstracts on unrelated questions) that guard rarely fires: "Does music
influence stress in mechanically ventilated patients?" shares "mechanically ventilated patients" with
an abstract on pulmonary embolism, every word of it is ordinary English, and the composer quotes the
embolism study as if it answered. Asked with its own abstract held out of a PubMedQA-built corpus, 18 of
40 such questions were answered that way (``python -m evals qa-corpus --split fit``).

The general signal: weigh each of the question's topic words by how rare it is in the corpus (IDF over
documents) and take the share of that weight the best cited document carries. A document that answers
the question carries its distinctive words; a neighbour that shares only the common ones ("patients",
"treatment") carries little of the weight. Words no document has are left to ``chatbot.scope`` (a
common word absent from the corpus is as often the asker's framing, "pretend", as the topic), and
question words, framing and asking phrases are not topic words. The threshold is
``Settings.compose.min_topic_coverage``, with the measurement behind it.
"""

from __future__ import annotations

import collections
import math
import re
from dataclasses import dataclass, field, replace
from typing import Any, Iterable

from chatbot.answer.sentences import ASKING_PHRASES, generic_terms, query_terms
from chatbot.scope import chunk_strings, in_vocabulary, per_version, spelled_as
from core.lexical import tokenize, vocabulary

_WORD = re.compile(r"[^\W_][\w\-']*")
# a study is "done", evidence "summarised": how a question asks, never what it is about
_FRAMING = frozenset(tokenize("done summarise summarize summary overview evidence"))


@dataclass(frozen=True)
class DocumentTerms:
    """Stemmed terms of each document (text, title, section, authors, journal) and their document frequencies."""

    terms: dict[str, frozenset[str]]
    df: collections.Counter = field(default_factory=collections.Counter)

    @property
    def n_docs(self) -> int:
        return len(self.terms)

    def idf(self, term: str) -> float:
        return math.log((self.n_docs + 1) / (self.df.get(term, 0) + 0.5))


@dataclass(frozen=True)
class TopicCoverage:
    """The share (0-1) of the question's IDF-weighted topic words that the best of the cited documents carries,
    which document that is, and the question's words it lacks, most specific first."""

    score: float
    doc_id: str | None = None
    missing: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()  # the question's topic words none of the documents has, most specific first


_cache: dict[tuple, DocumentTerms] = {}


def document_terms(snapshot: Any) -> DocumentTerms:
    """Per store version (``chatbot.scope.per_version``)."""

    def build() -> DocumentTerms:
        texts: dict[str, list[str]] = collections.defaultdict(list)
        for c in (getattr(snapshot, "chunks", None) or {}).values():
            texts[c.doc_id].extend(chunk_strings(c))
        terms = {d: frozenset(vocabulary(t)) for d, t in texts.items()}  # stems each distinct word once, not every token
        return DocumentTerms(terms, collections.Counter(t for ts in terms.values() for t in ts))

    return per_version(_cache, snapshot, (), build, limit=8)


def topic_terms(question: str) -> list[str]:
    """The question's stemmed topic words: less question words, asking phrases ("how long", "side effects"),
    framing ("summarise the evidence") and the generic words of a study ("study", "effect", "trial")."""
    text = question or ""
    for pattern, _ in ASKING_PHRASES:
        text = pattern.sub(" ", text)
    skip = _FRAMING | generic_terms()
    return [t for t in dict.fromkeys(query_terms(text)) if t not in skip]


def _as_written(question: str, stems: Iterable[str]) -> tuple[str, ...]:
    wanted = list(stems)
    found: dict[str, str] = {}
    for m in _WORD.finditer(question or ""):
        for st in tokenize(m.group(0)):
            if st in wanted and st not in found:
                found[st] = m.group(0).strip("'")
    return tuple(dict.fromkeys(found.get(s, s) for s in wanted))  # "meta-analysis" gives three stems, one word


def topic_coverage(question: str, doc_ids: Iterable[str], snapshot: Any) -> TopicCoverage:
    """How much of the question's topic the best of ``doc_ids`` carries; 1.0 when the question has no topic word
    the corpus has (nothing to judge by)."""
    docs = document_terms(snapshot)
    # a misspelt topic word counts as the corpus word it misspells ("anxeity": anxiety), not as one no document has
    spelled = (t if docs.df.get(t, 0) > 0 else spelled_as(t, docs.df) for t in topic_terms(question))
    words = [t for t in dict.fromkeys(spelled) if t]
    weight = {t: docs.idf(t) for t in words}
    total = sum(weight.values())
    if not words or total <= 0:
        return TopicCoverage(1.0)
    best = TopicCoverage(0.0)
    anywhere: set[str] = set()
    for d in dict.fromkeys(doc_ids):
        vocab = docs.terms.get(d, frozenset())
        # a spelling or inflection the stemmer keeps apart ("diarrhea" / "diarrhoea") is the same word
        have = {t for t in words if t in vocab or in_vocabulary(t, vocab)}
        anywhere |= have
        score = sum(w for t, w in weight.items() if t in have) / total
        if best.doc_id is None or score > best.score:
            lacks = sorted((t for t in words if t not in have), key=lambda t: -weight[t])
            best = TopicCoverage(round(score, 4), d, _as_written(question, lacks))
    absent = _as_written(question, [t for t in sorted(words, key=lambda t: -weight[t]) if t not in anywhere])
    return replace(best, absent=absent)


def off_topic_message(coverage: TopicCoverage) -> str:
    """Said first when the documents found are only neighbours of the question's topic. It speaks of what was found,
    not of the whole corpus (a document retrieval missed may still mention the words), and names only words none of
    those documents has: what is quoted after it may well use the others."""
    from chatbot.scope import quoted

    if coverage.absent:
        why = f"none of the closest documents mentions {quoted(list(coverage.absent[:3]))}"
    else:
        why = "the closest documents share only some of its words, none of them the question as a whole"
    return f"I found no passage that addresses this question: {why}, so I won't answer from them."
