"""Entailment decisions for ALCE citation metrics, from our trained 3-way verifier.

Why sentence windows: the verifier reads at most ~160 tokens of evidence, shorter than one
retrieved passage, so feeding it the concatenation of the cited passages would silently cut off
most of them. Instead the premise is cut into windows of adjacent sentences (every sentence is
in some window, and so is every adjacent pair) and the statement counts as entailed when the
verifier's most probable label is SUPPORTS for at least one window (every single sentence is a
window too, so a neighbour cannot hide a quoted sentence). Decisions are cached
because ALCE precision asks about the same (premise, statement) pairs repeatedly. A statement
quoted word for word from the premise counts as entailed without a model call (``quoted_in``). A statement
longer than ``max_words`` (garbled scraped tables) is cut to that length, because the verifier's
tokenizer truncates only the evidence and fails when the claim alone exceeds its window.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

Scorer = Callable[[Sequence[tuple[str, str]]], np.ndarray]  # (claim, evidence) pairs -> (n, 3) probs


def premise_windows(premise: str, size: int = 2, max_chars: int = 700, singles: bool = True) -> list[str]:
    """Windows of ``size`` adjacent sentences (stride 1), each cut to ``max_chars``; with ``singles``
    every sentence is also a window of its own.

    Why single sentences too: a statement that quotes one sentence must be judged against that
    sentence. In a pair, the neighbour can flip the verifier's label (a verbatim quote of a trial's
    method followed by "The abstract does not name the salt" came out not-SUPPORTS), and the second
    sentence of a long pair falls past the verifier's ~160-token evidence window."""
    from core.text import split_sentences

    windows: list[str] = []
    for block in [b for b in premise.split("\n") if b.strip()]:
        sents = [block[a:b] for a, b in split_sentences(block)] or [block]
        if singles and len(sents) > 1:
            windows.extend(sents)
        if len(sents) <= size:
            windows.append(" ".join(sents))
        else:
            windows.extend(" ".join(sents[i : i + size]) for i in range(len(sents) - size + 1))
    seen: dict[str, None] = {}
    for w in windows:
        seen.setdefault(w[:max_chars], None)
    return list(seen)


_NON_WORD = re.compile(r"[^0-9a-z]+")


def _plain_words(text: str) -> str:
    return " " + _NON_WORD.sub(" ", text.lower()).strip() + " "


def quoted_in(premise: str, hypothesis: str, min_words: int = 6) -> bool:
    """The statement occurs word for word in the premise (case, spacing, markup and punctuation aside).

    Why it counts as entailed without asking the verifier: a text entails itself, and the verifier,
    trained on paraphrased claims, labels some verbatim sentences NOT ENOUGH INFO (null results such
    as "... secretion showed no changes", dose schedules). Short fragments are left to the verifier."""
    h = _plain_words(hypothesis)
    return len(h.split()) >= min_words and h in _plain_words(premise)


class WindowedEntailer:
    """``entails(premise, hypothesis)`` for ``evals.metrics.citation_quality``."""

    def __init__(self, scorer: Scorer, supports_index: int = 0, window: int = 2, max_words: int = 60, verbatim: bool = True):
        self.scorer = scorer
        self.max_words = max_words
        self.supports_index = supports_index
        self.window = window
        self.verbatim = verbatim
        self.verbatim_hits = 0
        self._cache: dict[tuple[str, str], bool] = {}
        self.pairs_scored = 0

    def _window_supports(self, windows: list[str], hypothesis: str) -> list[bool]:
        todo = [w for w in windows if (w, hypothesis) not in self._cache]
        if todo:
            probs = np.asarray(self.scorer([(hypothesis, w) for w in todo]))
            self.pairs_scored += len(todo)
            for w, p in zip(todo, probs):
                self._cache[(w, hypothesis)] = int(np.argmax(p)) == self.supports_index
        return [self._cache[(w, hypothesis)] for w in windows]

    def __call__(self, premise: str, hypothesis: str) -> bool:
        if self.verbatim and quoted_in(premise, hypothesis):
            self.verbatim_hits += 1
            return True
        hypothesis = " ".join(hypothesis.split()[: self.max_words])
        windows = premise_windows(premise, self.window)
        return bool(windows) and any(self._window_supports(windows, hypothesis))


def verifier_entailer(settings=None) -> tuple[WindowedEntailer, dict[str, str]]:
    """The entailer over the verifier named by settings, and its provenance (path, fingerprint).

    Raises ``chatbot.audit.verifier.VerifierMissingError`` when the weights are missing.
    """
    from chatbot.audit.verifier import LABELS, get_verifier

    v = get_verifier(settings)
    info = {
        "path": str(v.path),
        "fingerprint": getattr(v, "fingerprint", ""),
        "max_length": str(getattr(v, "max_length", "")),
        "decision": "quoted word for word in the cited passages, else argmax == SUPPORTS on any sentence or 2-sentence window of them",
    }
    return WindowedEntailer(v.score, supports_index=LABELS.index("SUPPORTS")), info
