"""BM25 over chunks (bm25s), written by ingest beside each store version and read by the retriever.

The tokenizer lives here so the index and the queries can never disagree about tokens: lowercase
word tokens, English stopwords removed, Snowball-stemmed (PyStemmer) when available.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np

_TOKEN = re.compile(r"(?u)\b\w[\w\-]*\b")


@functools.lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


@functools.lru_cache(maxsize=1)
def _stemmer():
    try:
        import Stemmer

        return Stemmer.Stemmer("english")
    except Exception:  # PyStemmer missing: unstemmed tokens still work
        return None


def english_stopwords() -> frozenset[str]:
    """The English stopwords the index leaves out (bm25s's list): also a cheap sign that a text is in English."""
    return _stopwords()


def _keep(words, sw: frozenset[str]) -> list[str]:
    """Stopwords and single letters out; a hyphenated word also yields its parts, and a hyphenated code (one with a
    digit) its hyphen-free spelling, so that "A-769662" meets "A769662" and "IL-6" meets "IL6": authors write the same
    code both ways, and a reader's spelling must not make a term look absent from the corpus. Words ("low-grade") get
    no joined form: it would be one more claim word no passage writes, diluting every share of the claim's words."""
    out: list[str] = []
    for t in words:
        parts = [t]
        if "-" in t:
            parts += t.split("-")
            if any(ch.isdigit() for ch in t):
                parts.append(t.replace("-", ""))
        out.extend(p for p in parts if p and p not in sw and (len(p) > 1 or p.isdigit()))
    return out


def tokenize(text: str) -> list[str]:
    toks = _keep(_TOKEN.findall(text.lower()), _stopwords())
    st = _stemmer()
    return st.stemWords(toks) if st else toks


def words(texts: Iterable[str]) -> set[str]:
    """The distinct lowercase word tokens of ``texts``, neither stemmed nor stopword-filtered: what a reader typed, for
    telling a misspelling ("evidnce") from a word the corpus lacks, which stems hide ("evidence" stems to "evid")."""
    out: set[str] = set()
    for t in texts:
        out.update(_TOKEN.findall(t.lower()))
    return out


def vocabulary(texts: Iterable[str]) -> set[str]:
    """The union of ``tokenize(t)`` over ``texts``, computed on the distinct words only.

    Tokens are stemmed one word at a time, so filtering and stemming each distinct word once gives
    the same set; over 200k chunks that is a few thousand stems instead of tens of millions.
    """
    words: set[str] = set()
    for t in texts:
        words.update(_TOKEN.findall(t.lower()))
    toks = _keep(words, _stopwords())
    st = _stemmer()
    return set(st.stemWords(toks) if st else toks)


VARIANT_MIN_LEN = 7  # shorter words and codes ("DUSP4" / "DUSP6") differ by one letter on purpose


class LexicalIndex:
    """A BM25 index whose rows are aligned with a list of chunk ids."""

    def __init__(self, retriever, ids: list[str]):
        self._bm25 = retriever
        self.ids = ids

    @classmethod
    def build(cls, ids: list[str], texts: list[str]) -> "LexicalIndex":
        import bm25s

        bm = bm25s.BM25()
        corpus = [tokenize(t) or ["__empty__"] for t in texts]
        bm.index(corpus, show_progress=False)
        return cls(bm, list(ids))

    def save(self, path: Path) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        self._bm25.save(str(path), show_progress=False)
        (path / "ids.json").write_text(json.dumps(self.ids))

    @classmethod
    def load(cls, path: Path) -> "LexicalIndex":
        """The index saved at ``path``, read once per process while the files stay the same.

        A store version's index never changes after it is written, so every retriever over that
        version shares one copy (at 200k chunks it holds a few hundred MB; loading takes seconds).
        The key includes the files' inode, size and mtime: a store deleted and rebuilt under the
        same version name is read afresh.
        """
        path = Path(path).resolve()
        sig = tuple((st.st_ino, st.st_size, st.st_mtime_ns) for st in (path.joinpath(f).stat() for f in ("ids.json", "params.index.json")))
        return _load_cached(str(path), sig)

    @property
    def nbytes(self) -> int:
        """Bytes held by the index's score arrays (the bulk of its memory), for benchmarks."""
        return int(sum(getattr(v, "nbytes", 0) for v in self._bm25.scores.values()))

    def scores(self, query: str) -> np.ndarray:
        vocab = self._bm25.vocab_dict
        q = [v for t in tokenize(query) for v in ([t] if t in vocab else self.variants(t))]
        if not q or not self.ids:
            return np.zeros(len(self.ids), dtype=np.float32)
        return np.asarray(self._bm25.get_scores(q), dtype=np.float32)

    @functools.cached_property
    def _by_start(self) -> dict[str, list[str]]:
        """The index words long enough to have variants, by first letter (built on the first lookup)."""
        out: dict[str, list[str]] = {}
        for w in self._bm25.vocab_dict:
            if isinstance(w, str) and len(w) >= VARIANT_MIN_LEN - 1:
                out.setdefault(w[:1], []).append(w)
        return out

    def variants(self, token: str) -> list[str]:
        """Index words one edit (rapidfuzz OSA: insertion, deletion, substitution, neighbours swapped) from a query word
        the index lacks, for words of at least ``VARIANT_MIN_LEN`` letters: a spelling ("diarrhea" for the corpus's
        "diarrhoea") or a typo ("anxeity") would otherwise match nothing, and the passages that use the word are missed."""
        if len(token) < VARIANT_MIN_LEN or not token.isalpha():
            return []
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        near = [w for w in self._by_start.get(token[:1], ()) if abs(len(w) - len(token)) <= 1]
        return [w for w, _, _ in process.extract(token, near, scorer=OSA.distance, score_cutoff=1, limit=3)]

    def search(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[str, float]]:
        """Top-k (chunk_id, score) with score > 0; ``allowed`` is a boolean mask over rows (filters)."""
        s = self.scores(query)
        if allowed is not None:
            s = np.where(allowed, s, 0.0)
        if not len(s):
            return []
        k = min(k, len(s))
        top = np.argpartition(-s, k - 1)[:k]
        top = top[np.argsort(-s[top], kind="stable")]
        return [(self.ids[i], float(s[i])) for i in top if s[i] > 0]


@functools.lru_cache(maxsize=2)  # the current version and the one before (Settings.keep_versions' default)
def _load_cached(path: str, signature: tuple) -> LexicalIndex:
    import bm25s

    bm = bm25s.BM25.load(path, mmap=False)
    return LexicalIndex(bm, json.loads((Path(path) / "ids.json").read_text()))
