"""Our small-pool BM25 (``chatbot.answer.sentences.bm25_sentence_scores``) against bm25s on the same tokens
(a benchmark, not a test).

    python benchmarks/sentence_bm25_bench.py

Why: issue 12 asks for bm25s wherever BM25 is computed. The answerer scores each question against the
30–300 sentences of its retrieved passages, building the index per question, so what matters is the cost
of index-and-score for a small pool and whether the scores agree. Prints medians over repeats and the
ratio bm25s / ours measured in the same process, and the share of pools whose top-5 agree.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def bm25s_scores(query_terms: list[str], docs: list[list[str]], k1: float = 1.2, b: float = 0.75) -> np.ndarray:
    import bm25s

    vocab = {t: i for i, t in enumerate(sorted({t for d in docs for t in d} | set(query_terms)))}
    corpus_ids = [[vocab[t] for t in d] for d in docs]
    model = bm25s.BM25(k1=k1, b=b, method="lucene")
    model.index(bm25s.tokenization.Tokenized(ids=corpus_ids, vocab=vocab), show_progress=False)
    return np.asarray(model.get_scores([vocab[t] for t in query_terms]), dtype=np.float32)


def main() -> int:
    from chatbot.answer.sentences import bm25_sentence_scores, query_terms, terms
    from core.text import split_sentences

    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus" / "literature").glob("*.md"))]
    sentences = [t[a:b].strip() for t in texts for a, b in split_sentences(t) if len(t[a:b].strip()) > 30]
    questions = [
        "What dose did the sleep trials use?",
        "Does magnesium reduce anxiety in stressed adults?",
        "How was bioavailability of citrate compared with oxide measured?",
        "Which population took part in the insomnia trial?",
        "Did glycine shorten sleep latency?",
    ]
    rng = random.Random(7)
    print(f"{len(sentences)} digest sentences; pools drawn at random, 5 questions, 20 repeats")
    for size in (30, 100, 300):
        ours, theirs, agree = [], [], 0
        n = 0
        for _ in range(20):
            pool = rng.sample(sentences, size)
            for q in questions:
                t0 = time.perf_counter()
                a = bm25_sentence_scores(q, pool)
                t1 = time.perf_counter()
                qt = list(dict.fromkeys(query_terms(q)))
                bs = bm25s_scores(qt, [terms(s) for s in pool]) if qt else np.zeros(size)
                t2 = time.perf_counter()
                ours.append(t1 - t0)
                theirs.append(t2 - t1)
                agree += set(np.argsort(-a)[:5]) == set(np.argsort(-bs)[:5]) or not a.any()
                n += 1
        mo, mt = statistics.median(ours) * 1e3, statistics.median(theirs) * 1e3
        print(f"pool {size:3d}: ours {mo:.2f} ms, bm25s {mt:.2f} ms (ratio {mt / mo:.1f}x); same top-5 in {agree}/{n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
