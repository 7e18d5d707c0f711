"""Trains the passage reranker (cross-encoder, one relevance logit) for SciFact-style claim retrieval.

Run:  python -m training.train_reranker [--init models/verifier] --work W --out models/reranker
Cross-fit (every train query scored by a model that never trained on it), from the label-free stage 1:
      python -m training.train_reranker --init W/stage1 --skip-ict --fold K --work W/foldK --out W/foldK/model
      (K = 1..4; fold 0 is the run above), then
      python -m training.train_reranker --merge W W/fold1 W/fold2 W/fold3 W/fold4
      or through the product's own path (fold 0 = the shipped model):
      python -m evals beir ../shared/datasets/scifact --split train --crossfit models/reranker W/fold1/model ... W/fold4/model
      and the fusion's weights: python benchmarks/rerank_fusion_bench.py --models models/reranker W/fold1/model ... W/fold4/model

Two stages, each scored on queries it never trained on:

1. **Self-supervised, no SciFact labels.** Queries are made from the SciFact *corpus* itself: a paper's
   title, or one sentence of its abstract (removed from the passage, the inverse cloze task). The
   positive is the abstract; the negatives are the highest-ranked other abstracts our own hybrid
   retrieval returns for that query (hard negatives). Nothing here reads a qrel, so this stage is
   scored on **every** train query.
2. **Supervised on SciFact train claims.** 80 % of the train queries (the claim-level split the
   verifier holds out, ``core.splits``) with their qrels as positives and hybrid hard negatives. Scored
   on the other 20 % (the dev queries), which neither stage trained on.

The loss is listwise: softmax cross-entropy over one positive and ``negatives`` hard negatives, so
the model learns to order a query's candidates rather than to calibrate one pair. Matmuls run in bf16
autocast where the CPU supports it (``core.precision``), which trained ~1.5x faster than fp32 here.
Candidates are built exactly as ``python -m evals beir`` builds them (same embedder, cache and fusion),
and the BEIR test split is never touched.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import random
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer, get_linear_schedule_with_warmup

from chatbot.fusion import rrf_fuse, standardised_sum
from core.splits import claim_fold
from evals.beir import ndcg_at
from training.runlog import optimizer_step, save_fp16, start_run
from training.verifier_data import SEED

HP = {
    "max_length": 224,
    "groups_per_batch": 2,
    "negatives": 5,
    "neg_pool": 20,
    "lr": 3e-5,
    "warmup_ratio": 0.1,
    "ict_groups": 2400,
    "ict_sentence_share": 0.5,
    "sup_epochs": 2,
    "candidates": 40,
    "eval_top": 40,
    "seed": SEED,
}

_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")


@dataclass(frozen=True)
class Group:
    """One query with its positive passage first, then hard negatives."""

    query: str
    passages: tuple[str, ...]


def merge(dirs: list[Path]) -> dict:
    """Mean nDCG@10 over the held-out queries of several folds, each ranked by the model that never trained on it."""
    per: dict[str, list[float]] = {}
    seen: set[str] = set()
    for d in dirs:
        f = d / "heldout_runs.json"
        if not f.is_file():
            raise SystemExit(f"error: {f} not found: a fold's --work folder holds it after training or --eval-only")
        data = json.loads(f.read_text())
        for q, ranked in data["runs"].items():
            if q in seen:
                raise SystemExit(f"error: query {q} is held out in two folds ({d})")
            seen.add(q)
            for k, r in ranked.items():
                per.setdefault(k, []).append(ndcg_at(r, data["qrels"][q]))
    return {k: round(float(np.mean(v)), 4) for k, v in per.items()} | {"queries": len(seen), "folds": len(dirs)}


class Hybrid:
    """The benchmark's hybrid retrieval over SciFact, built once (same cache and fusion as evals.beir)."""

    def __init__(self, beir: Path):
        from core.embeddings import get_embeddings
        from core.settings import get_settings
        from evals.beir import BeirIndex, _cache_path, doc_text, embed_corpus, load_beir

        s = get_settings()
        self.emb = get_embeddings(s)
        self.corpus, self.queries, self.qrels = load_beir(beir, "train")
        self.ids = list(self.corpus)
        self.texts = {i: doc_text(self.corpus[i]) for i in self.ids}
        key = str(getattr(self.emb, "path", None) or getattr(self.emb, "name", type(self.emb).__name__))
        vecs = embed_corpus(self.ids, [self.texts[i] for i in self.ids], self.emb, _cache_path(beir / "corpus.jsonl", key))
        self.index = BeirIndex(self.ids, [self.texts[i] for i in self.ids], vecs, self.emb, s.retrieval.rrf_k, s.retrieval.candidates, s.retrieval.bm25_weight)

    def search(self, queries: list[str], n: int) -> list[list[str]]:
        qv = np.asarray(self.emb.embed_documents(queries), dtype=np.float32)
        return [self.index.hybrid(self.index.dense(qv[i], 4 * n), self.index.bm25(q, 4 * n), n) for i, q in enumerate(queries)]


def ict_groups(h: Hybrid, rng: random.Random, hp: dict) -> list[Group]:
    """Title or held-out-sentence queries over the corpus; positive = the abstract (sentence removed)."""
    docs = [d for d in h.ids if h.corpus[d]["text"] and h.corpus[d]["title"]]
    rng.shuffle(docs)
    made: list[tuple[str, str, str]] = []  # (query, positive text, doc id)
    for d in docs[: hp["ict_groups"]]:
        title, text = h.corpus[d]["title"], h.corpus[d]["text"]
        sents = [s for s in _SENT.split(text) if 8 <= len(s.split()) <= 60]
        if sents and rng.random() < hp["ict_sentence_share"]:
            q = rng.choice(sents)
            made.append((q, f"{title}\n{text.replace(q, ' ').strip()}", d))
        else:
            made.append((title, text, d))
    ranked = h.search([m[0] for m in made], hp["neg_pool"] + 1)
    out = []
    for (q, pos, d), cands in zip(made, ranked):
        pool = [c for c in cands if c != d][: hp["neg_pool"]]
        negs = rng.sample(pool, min(hp["negatives"], len(pool)))
        out.append(Group(q, (pos, *[h.texts[c] for c in negs])))
    return out


def supervised_groups(h: Hybrid, qids: list[str], cands: dict[str, list[str]], rng: random.Random, hp: dict) -> list[Group]:
    """One group per (train claim, cited abstract); negatives sampled from the top uncited candidates."""
    out = []
    for q in qids:
        rel = {d for d, g in h.qrels[q].items() if g > 0}
        pool = [c for c in cands[q] if c not in rel][: hp["neg_pool"]]
        for d in sorted(rel):
            negs = rng.sample(pool, min(hp["negatives"], len(pool)))
            out.append(Group(h.queries[q], (h.texts[d], *[h.texts[c] for c in negs])))
    return out


def _autocast(bf16: bool):
    return torch.autocast("cpu", dtype=torch.bfloat16) if bf16 else contextlib.nullcontext()


@torch.no_grad()
def score(model, tok, query: str, docs: list[str], hp: dict, bf16: bool) -> np.ndarray:
    model.eval()
    enc = tok([query] * len(docs), docs, truncation="only_second", max_length=hp["max_length"], padding=True, return_tensors="pt")
    with _autocast(bf16):
        return model(**enc).logits[:, 0].float().numpy()


def evaluate(model, tok, h: Hybrid, qids: list[str], cands: dict[str, list[str]], hp: dict, bf16: bool, runs_to: Path | None = None) -> dict:
    """nDCG@10 of the hybrid list, the cross-encoder order of its top ``eval_top``, the product's fusion
    of logit, cosine and BM25 (``fused``, ``chatbot.fusion.standardised_sum`` with the settings' weights)
    and the earlier rank fusions with the hybrid order (``rrf_w1``, ``rrf_w2``); the rankings themselves
    go to ``runs_to`` for ``--merge``."""
    from chatbot.rerank import fusion_weights
    from core.settings import get_settings

    weights = fusion_weights(get_settings())
    res: dict[str, list[float]] = {"hybrid": [], "ce": [], "fused": [], "rrf_w1": [], "rrf_w2": []}
    runs: dict[str, dict[str, list[str]]] = {}
    qv = np.asarray(h.emb.embed_documents([h.queries[q] for q in qids]), dtype=np.float32) if qids else None
    for qi, q in enumerate(qids):
        c = cands[q][: hp["eval_top"]]
        s = score(model, tok, h.queries[q], [h.texts[d] for d in c], hp, bf16)
        ce = [c[i] for i in np.argsort(-s, kind="stable")]
        dense, bm25 = h.index.signals(h.queries[q], qv[qi], c)
        fused = standardised_sum([s.tolist(), dense, bm25], weights)
        rest = cands[q][hp["eval_top"] :]
        ranked = {
            "hybrid": cands[q],
            "ce": ce + rest,
            "fused": [c[i] for i in np.argsort(-fused, kind="stable")] + rest,
            "rrf_w1": [d for d, _ in rrf_fuse([c, ce])] + rest,
            "rrf_w2": [d for d, _ in rrf_fuse([c, ce], weights=[1.0, 2.0])] + rest,
        }
        for k, rk in ranked.items():
            res[k].append(ndcg_at(rk, h.qrels[q]))
        runs[q] = {k: rk[:10] for k, rk in ranked.items()}
    if runs_to is not None:
        runs_to.write_text(json.dumps({"qrels": {q: h.qrels[q] for q in qids}, "runs": runs}))
    return {k: round(float(np.mean(v)), 4) for k, v in res.items()} | {"queries": len(qids)}


def train(model, tok, groups: list[Group], epochs: int, hp: dict, bf16: bool, rng: random.Random, say, tag: str) -> None:
    """Listwise training: cross-entropy of the positive (index 0) against its group's negatives."""
    gpb = hp["groups_per_batch"]
    steps = math.ceil(len(groups) / gpb) * epochs
    opt = torch.optim.AdamW(model.parameters(), lr=hp["lr"], weight_decay=0.01)
    sched = get_linear_schedule_with_warmup(opt, int(hp["warmup_ratio"] * steps), steps)
    step, pairs, t0 = 0, 0, time.time()
    for ep in range(epochs):
        model.train()
        order = groups[:]
        rng.shuffle(order)
        for i in range(0, len(order), gpb):
            batch = [g for g in order[i : i + gpb] if len(g.passages) > 1]
            if not batch:
                continue
            qs = [g.query for g in batch for _ in g.passages]
            ps = [p for g in batch for p in g.passages]
            enc = tok(qs, ps, truncation="only_second", max_length=hp["max_length"], padding=True, return_tensors="pt")
            with _autocast(bf16):
                logits = model(**enc).logits[:, 0].float()
            loss = torch.zeros(())
            at = 0
            for g in batch:
                n = len(g.passages)
                loss = loss + torch.nn.functional.cross_entropy(logits[at : at + n].unsqueeze(0), torch.zeros(1, dtype=torch.long))
                at += n
            optimizer_step(loss / len(batch), model, opt, sched)
            step += 1
            pairs += len(ps)
            if step % 25 == 0:
                say(f"{tag} ep{ep} step {step}/{steps} loss {loss.item() / len(batch):.4f} {pairs / (time.time() - t0):.1f} pairs/s")


def main() -> None:
    import sys

    if len(sys.argv) > 2 and sys.argv[1] == "--merge":
        print(json.dumps(merge([Path(p) for p in sys.argv[2:]])))
        return
    from core.embeddings import pinned_torch_threads

    threads = argparse.ArgumentParser(add_help=False)
    threads.add_argument("--threads", type=int, default=2)
    n = threads.parse_known_args()[0].threads
    with pinned_torch_threads(n):  # the embedder would otherwise reset torch to the app's own thread count
        _main()


def _main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--beir", default="../shared/datasets/scifact")
    ap.add_argument("--init", default="models/verifier", help="cross-encoder to start from (its head is replaced)")
    ap.add_argument("--out", default="models/reranker")
    ap.add_argument("--work", default="training/runs/reranker")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--ict-groups", type=int, default=HP["ict_groups"])
    ap.add_argument("--skip-ict", action="store_true", help="no stage 1 (e.g. --init is a stage-1 checkpoint, which read no labels)")
    ap.add_argument("--folds", type=int, default=5, help="cross-fitting: the train queries fall into this many folds")
    ap.add_argument("--fold", type=int, default=0, help="the fold held out; fold 0 of 5 is core.splits' dev split")
    ap.add_argument("--eval-only", action="store_true", help="score --init on the held-out fold (writes heldout_runs.json), train nothing")
    args = ap.parse_args()
    if not 0 <= args.fold < args.folds:
        ap.error(f"--fold must be 0..{args.folds - 1} for --folds {args.folds}")
    hp = dict(HP, ict_groups=args.ict_groups)
    work, out = Path(args.work), Path(args.out)
    say = start_run(work, SEED, args.threads)
    from core.precision import cpu_has_bf16

    bf16 = cpu_has_bf16()
    rng = random.Random(SEED)
    h = Hybrid(Path(args.beir))
    qids = [q for q in h.qrels if q in h.queries]
    cands = dict(zip(qids, h.search([h.queries[q] for q in qids], hp["candidates"])))
    dev_q = [q for q in qids if claim_fold(q, args.folds) == args.fold]
    train_q = [q for q in qids if claim_fold(q, args.folds) != args.fold]
    metrics_fold = {"folds": args.folds, "fold": args.fold}
    say(f"fold {args.fold}/{args.folds} bf16={bf16} queries train={len(train_q)} dev={len(dev_q)} hp={hp}")

    tok = AutoTokenizer.from_pretrained(args.init)
    model = AutoModelForSequenceClassification.from_pretrained(args.init, num_labels=1, ignore_mismatched_sizes=True).float()
    metrics: dict = {"hparams": hp, "init": args.init, "bf16": bf16, **metrics_fold}
    if args.eval_only:
        work.mkdir(parents=True, exist_ok=True)
        say(f"held out: {evaluate(model, tok, h, dev_q, cands, hp, bf16, runs_to=work / 'heldout_runs.json')}")
        return
    if not args.skip_ict:
        groups = ict_groups(h, rng, hp)
        say(f"stage 1: {len(groups)} self-supervised groups")
        train(model, tok, groups, 1, hp, bf16, rng, say, "ict")
        model.save_pretrained(work / "stage1")
        tok.save_pretrained(work / "stage1")
        metrics["stage1_dev"] = evaluate(model, tok, h, dev_q, cands, hp, bf16)
        say(f"stage 1 on dev queries: {metrics['stage1_dev']}")
    groups = supervised_groups(h, train_q, cands, rng, hp)
    say(f"stage 2: {len(groups)} supervised groups x {hp['sup_epochs']} epochs")
    train(model, tok, groups, hp["sup_epochs"], hp, bf16, rng, say, "sup")
    metrics["stage2_dev"] = evaluate(model, tok, h, dev_q, cands, hp, bf16, runs_to=work / "heldout_runs.json")
    say(f"stage 2 on dev queries: {metrics['stage2_dev']}")
    save_fp16(model, tok, out, metrics)
    say(f"wrote {out}")


if __name__ == "__main__":
    main()
