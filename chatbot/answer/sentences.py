"""Sentence-level tools shared by both answerers: display cleanup, relevance scoring, support checks.

Why sentence level: answers quote or paraphrase single sentences, and a citation is only
checkable when the sentence it sits on can be found in the cited passage. Lexical scoring uses
``core.lexical.tokenize`` so the answerer and BM25 agree on what a term is; sentence embeddings are
cached per text so repeated passages cost nothing after the first question.
"""

from __future__ import annotations

import functools
import math
import re
import threading
from collections import Counter, OrderedDict

import numpy as np

from core.lexical import tokenize
from core.text import near_duplicate as text_near_duplicate

_MD_LABEL = re.compile(r"^\s*(?:[-*•]\s+)?\*\*[^*]{1,60}?\*\*[:.]?\s*")  # "**Results.** " digest labels
_MD_MARK = re.compile(r"\*\*|__|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w)")
_LINK = re.compile(r"\[([^\]]+)\]\((?:https?://)?[^)]*\)|<https?://[^>]*>")
_BULLET = re.compile(r"^\s*(?:[-*•▪►✓✔➤]|\d+[.)])\s+")
_SYMBOLS = re.compile("[\U0001f000-\U0001ffff\u2600-\u27bf\ufe0f\u200d]")
_WS = re.compile(r"\s+")
_TERMINAL = re.compile(r"[.!?][\"'”’)\]]*$")
_NUM = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)?(?![\w])")


def clean_sentence(text: str) -> str:
    """Sentence as shown to a reader: markdown, bullets, emoji and stray whitespace removed."""
    t = _LINK.sub(lambda m: m.group(1) or "", text)
    t = _MD_LABEL.sub("", t)
    t = _BULLET.sub("", t)
    t = _MD_MARK.sub("", t)
    t = _SYMBOLS.sub("", t)
    return _WS.sub(" ", t).strip()


def is_answerable_sentence(text: str) -> bool:
    """Headings, fragments and navigation residue are not statements worth quoting."""
    if len(text) < 30 or len(text.split()) < 6:
        return False
    if not _TERMINAL.search(text):  # headings ("4.2 Magnesium as a ...") and lead-ins ending in ":"
        return False
    letters = sum(ch.isalpha() for ch in text)
    if letters < 0.6 * len(text.replace(" ", "")):
        return False
    low = text.lower()
    return not any(x in low for x in ("subscribe", "thanks for reading", "share this", "orcid:", "click here"))


_QUESTION_WORDS = (
    "what which who whom whose when where why how does do did is are was were can could should "
    "would will tell explain please know say says said find found show give much many anything "
    # what a source is asked to have said ("what does the article claim about X?"): asking words, not X
    "claim claims claimed state states stated report reports reported argue argues argued mention mentions mentioned "
    "assert asserts asserted suggest suggests suggested think thinks believe believes describe describes described "
    "me us you i measure measures measured assess assesses assessed test tests tested "
    # what became of something ("What happened to cortisol?"): a result says "fell", never "happened"
    "happen happens happened occur occurs occurred"
)
# asking phrases whose words would read as topic terms: "how long did it last?" asks for a duration, and no sentence that
# gives one says "long" or "last"; "side effects" are reported as "adverse events" as often as by name
ASKING_PHRASES = (
    (re.compile(r"\bhow\s+long\b|\b(?:last|lasted|take|took)\s*\?*\s*$", re.I), " "),
    (re.compile(r"\bside[\s-]+effects?\b", re.I), "side effects adverse"),
    (re.compile(r"\bconfidence\s+intervals?\b", re.I), "CI"),  # reported as "95% CI"
    # a sample size is reported as who and how many ("46 older adults"), never as "sample size"
    (re.compile(r"\bsample\s+sizes?\b", re.I), "participants patients adults volunteers people subjects"),
)
# prepositions and quantifiers the shared stopword list lets through: "per" in "cost per bottle" and "21 mEq per
# day" made a question about prices share a "topic term" with a dosing sentence; "about" in "what does the article
# say about sleep onset?" was the one term left beyond the corpus-wide ones, no sentence has it, and the question
# was refused
_FUNCTION_WORDS = (
    "per via versus vs among within without upon across toward towards whether each every few several also still even than about regarding concerning"
)


@functools.lru_cache(maxsize=1)
def _question_terms() -> frozenset[str]:
    return frozenset(tokenize(_QUESTION_WORDS + " " + _FUNCTION_WORDS))


def terms(text: str) -> list[str]:
    return tokenize(text)


def query_terms(text: str) -> list[str]:
    """Terms of a question minus question words ("does" stems to "doe" and would count as content)."""
    qt = _question_terms()
    for pattern, repl in ASKING_PHRASES:
        text = pattern.sub(repl, text)
    return [t for t in tokenize(text) if t not in qt]


def numbers(text: str) -> set[str]:
    return {n.replace(",", ".") for n in _NUM.findall(text)}


_GENERIC = "supplement supplementation supplements effect effects study studies article trial trials evidence"


@functools.lru_cache(maxsize=1)
def generic_terms() -> frozenset[str]:
    """Stems of words every question may use without naming a topic ("study", "effect", "show")."""
    return frozenset(tokenize(_GENERIC))


def shared_terms(texts: list[str], share: float = 0.8) -> frozenset[str]:
    """Terms nearly every retrieved passage contains (the corpus's subject, whatever it is): they
    cannot show that a sentence is about the question's topic. Learned from the passages, so no
    subject is named in code."""
    if len(texts) < 3:
        return generic_terms()
    counts: dict[str, int] = {}
    for t in texts:
        for term in set(terms(t)):
            counts[term] = counts.get(term, 0) + 1
    return generic_terms() | frozenset(k for k, v in counts.items() if v >= share * len(texts))


def has_topic_term(query: str, text: str, wide: frozenset[str] | None = None) -> bool:
    """Shares a question term other than those every passage of this corpus contains."""
    q = set(query_terms(query)) - (wide if wide is not None else generic_terms())
    return bool(q & set(terms(text))) if q else True


def bm25_sentence_scores(query: str, sentences: list[str], k1: float = 1.2, b: float = 0.75) -> np.ndarray:
    """BM25 of each sentence against the query with IDF over this sentence pool; a term that
    every candidate contains ("magnesium") carries almost no weight.

    Kept our own rather than bm25s (which the store's passage index uses): the pool is built per question,
    and on pools of 30 / 100 / 300 sentences bm25s (lucene, same tokens) took 1.6 / 1.5 / 1.5x as long for the
    same top 5 in 100 of 100 pools each (``python benchmarks/sentence_bm25_bench.py``)."""
    q = list(dict.fromkeys(query_terms(query)))
    if not q or not sentences:
        return np.zeros(len(sentences), dtype=np.float32)
    toks = [terms(s) for s in sentences]
    n = len(toks)
    avg = max(1.0, sum(len(t) for t in toks) / n)
    df = Counter(t for ts in toks for t in set(ts))
    out = np.zeros(n, dtype=np.float32)
    for i, ts in enumerate(toks):
        tf = Counter(ts)
        s = 0.0
        for term in q:
            f = tf.get(term, 0)
            if f:
                idf = math.log(1 + (n - df[term] + 0.5) / (df[term] + 0.5))
                s += idf * f * (k1 + 1) / (f + k1 * (1 - b + b * len(ts) / avg))
        out[i] = s
    return out


def term_coverage(query: str, text: str) -> float:
    """Share of the query's distinct terms that occur in ``text``."""
    q = set(query_terms(query))
    return len(q & set(terms(text))) / len(q) if q else 0.0


class SentenceEmbedder:
    """Embeds sentences through the retriever's embedder with a bounded per-text cache."""

    def __init__(self, embeddings, max_items: int = 50_000):
        self.embeddings = embeddings
        self.max_items = max_items
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def embed(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            vecs = np.asarray(self.embeddings.embed_documents(missing), dtype=np.float32)
            with self._lock:
                for t, v in zip(missing, vecs):
                    n = float(np.linalg.norm(v))
                    self._cache[t] = v / n if n else v
                while len(self._cache) > self.max_items:
                    self._cache.popitem(last=False)
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        return np.vstack([self._cache[t] for t in texts])

    def query(self, text: str) -> np.ndarray:
        v = np.asarray(self.embeddings.embed_query(text), dtype=np.float32)
        n = float(np.linalg.norm(v))
        return v / n if n else v


_EMBEDDERS: dict[int, SentenceEmbedder] = {}


def sentence_embedder(embeddings) -> SentenceEmbedder:
    """One cache per embedder object, so the model and its cached vectors live once per process."""
    se = _EMBEDDERS.get(id(embeddings))
    if se is None or se.embeddings is not embeddings:
        se = _EMBEDDERS[id(embeddings)] = SentenceEmbedder(embeddings)
    return se


def near_duplicate(a: str, b: str, threshold: float = 0.6) -> bool:
    """The project's near-duplicate test (``core.text.near_duplicate``) on BM25 stems: the scraped article
    repeats paragraphs almost verbatim."""
    return text_near_duplicate(a, b, threshold, terms)


def support_score(sentence: str, evidence: list[str], embedder: SentenceEmbedder | None = None) -> dict[str, float]:
    """How well the evidence sentences back ``sentence``: term recall, best cosine, and whether
    every number in the sentence appears in the evidence (a made-up figure is the typical slip)."""
    ev_text = " ".join(evidence)
    s_terms = set(terms(sentence))
    recall = len(s_terms & set(terms(ev_text))) / len(s_terms) if s_terms else 0.0
    nums = numbers(sentence)
    nums_ok = 1.0 if nums <= numbers(ev_text) else 0.0
    cos = 0.0
    if embedder is not None and evidence:
        vecs = embedder.embed([sentence] + evidence)
        cos = float(np.max(vecs[1:] @ vecs[0]))
    return {"recall": recall, "cosine": cos, "numbers_ok": nums_ok}


def is_supported(scores: dict[str, float], min_recall: float = 0.5, min_cosine: float = 0.55, strong_recall: float = 0.75) -> bool:
    """Supported when the figures match and either most terms occur in the evidence or the closest
    evidence sentence is semantically close with a fair share of the terms."""
    if scores["numbers_ok"] < 1.0:
        return False
    if scores["recall"] >= strong_recall:
        return True
    return scores["recall"] >= min_recall and scores["cosine"] >= min_cosine
