"""Cleaning time of one large text file (the near-duplicate step), at 0.25, 1 and 5 MB.

Why: the sentence de-duplication used to compare each sentence with every kept one (0.25 MB 15 s,
1 MB 234 s, 50 MB never finished) while holding the ingest lock. It now compares each sentence with
a bounded number of candidates, so time should grow linearly with size. Printed per size: the
median of ``--reps`` runs of ``ingest.clean.clean_blocks`` (fold lists + de-duplicate), the
comparisons made per sentence, and the ratio to a baseline run in the same process on the same
text: splitting and normalizing every sentence once (the least any de-duplication must do). A
ratio that stays flat across sizes means linear.

    python benchmarks/dedup_bench.py [--sizes 0.25 1 5] [--reps 3]

The text is synthetic and seeded (Zipf-distributed words, paragraphs with 10 % exact and 10 %
near-duplicate repeats, numbers), so the figures need no data set.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.text import split_sentences  # noqa: E402
from ingest.clean import SentenceDeduper, blocks_from_text, clean_blocks, fold_lists, normalize_sentence  # noqa: E402


def synthetic_text(mb: float, seed: int = 0) -> str:
    rng = random.Random(seed)
    vocab = [
        f"{rng.choice('bcdfgklmnprstvz')}{rng.choice('aeiou')}{rng.choice('bcdfgklmnprstvz')}{rng.choice('aeiou')}"
        f"{rng.choice(['', 'n', 'te', 'sis', 'mine', 'ate'])}"
        for _ in range(20000)
    ]
    weights = [1.0 / (r + 1) for r in range(len(vocab))]
    paras: list[str] = []
    size = 0
    while size < mb * 1_000_000:
        r = rng.random()
        if paras and r < 0.1:
            p = rng.choice(paras)
        elif paras and r < 0.2:
            w = rng.choice(paras).split(" ")
            w[rng.randrange(len(w))] = rng.choice(vocab)
            p = " ".join(w)
        else:
            sents = []
            for _ in range(rng.randint(2, 6)):
                words = rng.choices(vocab, weights, k=rng.randint(8, 28))
                if rng.random() < 0.3:
                    words.insert(rng.randrange(len(words)), f"{rng.randint(1, 900)} mg")
                sents.append(" ".join(words).capitalize() + ".")
            p = " ".join(sents)
        paras.append(p)
        size += len(p) + 2
    return "\n\n".join(paras)


def baseline(text: str) -> int:
    return sum(1 for b in blocks_from_text(text) for a, e in split_sentences(b.text) if normalize_sentence(b.text[a:e]))


def clean(text: str) -> int:
    return len(clean_blocks(blocks_from_text(text), aggressive=False))


def comparisons(text: str) -> tuple[int, int]:
    d = SentenceDeduper(aggressive=False)
    n = 0
    for b in fold_lists(blocks_from_text(text)):
        for a, e in split_sentences(b.text):
            d.is_new(b.text[a:e])
            n += 1
    return d.comparisons, n


def _median(fn, arg, reps: int) -> float:
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn(arg)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=float, nargs="+", default=[0.25, 1.0, 5.0], help="text sizes in MB")
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    print(f"{'MB':>6} {'sentences':>10} {'clean s (median)':>17} {'baseline s':>11} {'ratio':>6} {'s per MB':>9} {'comparisons/sentence':>21}")
    for mb in args.sizes:
        text = synthetic_text(mb)
        t_clean = _median(clean, text, args.reps)
        t_base = _median(baseline, text, args.reps)
        comps, sents = comparisons(text)
        print(f"{mb:>6.2f} {sents:>10} {t_clean:>17.2f} {t_base:>11.2f} {t_clean / t_base:>6.2f} {t_clean / mb:>9.2f} {comps / max(1, sents):>21.2f}")


if __name__ == "__main__":
    main()
