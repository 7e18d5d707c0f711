"""Fits ``core.finding_model``: does a sentence report a finding (result or conclusion) or not (background, aim, method)?

Run (CPU, under a minute):
    python -m training.train_finding_model --out models/finding

Data: the headed sections of Evidence Inference's structured RCT abstracts (MIT), each sentence labelled by its
section, with the dataset's own article splits (train / validation / test); and the labelled contexts of the PubMedQA
expert set's fit half (MIT; ``evals.qa_corpus`` halves it by PMID), for other journals and study designs. Logistic regression over the sentence's
word unigrams and bigrams (``core.finding_model.ngrams``); the regularisation is chosen on validation articles and the
test articles are scored once. Two more readings, neither fitted on:

- PubMedQA's test half (the abstracts ``python -m evals qa-corpus --split test`` is built from);
- SciFact's training claims outside the verifier's held-out 20 %: among the sentences of their cited abstracts that no
  cue word places (``core.cards.cued_role`` is None), do the rationale sentences score higher than the rest?
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

import numpy as np

from core.finding_model import FindingModel, ngrams
from core.text import split_sentences

SHARED = Path(__file__).resolve().parents[2] / "shared" / "datasets"

# section heading → does its text report findings? (headings that fit neither are left out)
_FINDING = re.compile(r"RESULT|FINDING|CONCLUSION|INTERPRETATION|OUTCOME")
_OTHER = re.compile(
    r"BACKGROUND|INTRODUCTION|CONTEXT|RATIONALE|OBJECTIVE|AIM|PURPOSE|METHOD|DESIGN|SETTING|PATIENTS|PARTICIPANTS|SUBJECTS|INTERVENTION|MEASURE"
)


def section_label(heading: str) -> int | None:
    """1: a findings section, 0: background / aim / method, None: neither or both (a "METHODS AND RESULTS" section)."""
    h = heading.upper()
    f, o = bool(_FINDING.search(h)), bool(_OTHER.search(h))
    return None if f == o else int(f)


def _sentences(text: str) -> list[str]:
    return [text[a:b].strip() for a, b in split_sentences(text) if len(text[a:b].strip()) >= 20]


def ei_abstract(path: Path) -> list[tuple[str, int]]:
    """(sentence, label) of one Evidence Inference abstract file ("ABSTRACT.RESULTS:" headings)."""
    out: list[tuple[str, int]] = []
    label: int | None = None
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        m = re.match(r"ABSTRACT\.?([^:]*):\s*$", line.strip())
        if m:
            label = section_label(m.group(1).strip(" ."))
            continue
        if line.startswith("TITLE:"):
            label = None
            continue
        if label is not None and line.strip():
            out += [(s, label) for s in _sentences(line)]
    return out


def evidence_inference(root: Path) -> dict[str, list[tuple[str, int]]]:
    """Sentences of each article split."""
    ab = root / "annotations" / "abstracts"
    splits = {}
    for name in ("train", "validation", "test"):
        ids = (root / "annotations" / "splits" / f"{name}_article_ids.txt").read_text().split()
        splits[name] = [row for i in ids if (ab / f"PMC{i}.abst").is_file() for row in ei_abstract(ab / f"PMC{i}.abst")]
    return splits


def pubmedqa(path: Path, half: str) -> list[tuple[str, int]]:
    """(sentence, label) from PubMedQA's labelled contexts and each long answer (a conclusion), for the abstracts of one
    half (``evals.qa_corpus``'s split by PMID: the fit half may be trained on, the test half is the eval's own)."""
    from evals.qa_corpus import split_of

    out: list[tuple[str, int]] = []
    for pmid, item in json.loads(path.read_text(encoding="utf-8")).items():
        if split_of(pmid) != half:
            continue
        for ctx, lab in zip(item["CONTEXTS"], item["LABELS"]):
            y = section_label(lab)
            if y is not None:
                out += [(s, y) for s in _sentences(ctx)]
        out += [(s, 1) for s in _sentences(item.get("LONG_ANSWER", ""))]
    return out


def scifact_uncued(root: Path) -> list[tuple[str, int]]:
    """(sentence, is a rationale) for the sentences no cue places, in the abstracts SciFact's fitting claims cite."""
    from core.cards import cued_role
    from core.splits import claim_split

    corpus = {d["doc_id"]: d for d in map(json.loads, (root / "allenai_release" / "corpus.jsonl").open())}
    rows: dict[tuple[int, int], int] = {}
    for c in map(json.loads, (root / "allenai_release" / "claims_train.jsonl").open()):
        if claim_split(c["id"]) == "dev":
            continue
        for did, evs in c["evidence"].items():
            rationale = {i for e in evs for i in e["sentences"]}
            for i, _ in enumerate(corpus[int(did)]["abstract"]):
                rows[(int(did), i)] = max(rows.get((int(did), i), 0), int(i in rationale))
    out = []
    for (did, i), y in rows.items():
        s = corpus[did]["abstract"][i]
        if cued_role(s) is None:
            out.append((s, y))
    return out


def _auc(y: np.ndarray, p: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, p)) if len(set(y.tolist())) == 2 else float("nan")


def _scores(model: FindingModel, rows: list[tuple[str, int]], threshold: float) -> dict[str, float]:
    y = np.asarray([r[1] for r in rows])
    p = np.asarray([model.probability(r[0]) for r in rows])
    pred = p >= threshold
    tp = float((pred & (y == 1)).sum())
    prec = tp / max(1.0, float(pred.sum()))
    rec = tp / max(1.0, float((y == 1).sum()))
    return {
        "n": len(rows),
        "findings": int(y.sum()),
        "auc": round(_auc(y, p), 4),
        "accuracy": round(float((pred == (y == 1)).mean()), 4),
        "precision": round(prec, 4),
        "recall": round(rec, 4),
    }


def fit(train: list[tuple[str, int]], c: float, min_df: int) -> FindingModel:
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = CountVectorizer(analyzer=ngrams, binary=True, min_df=min_df)
    X = vec.fit_transform([s for s, _ in train])
    y = np.asarray([lab for _, lab in train])
    lr = LogisticRegression(C=c, max_iter=2000, class_weight="balanced").fit(X, y)
    w = {g: round(float(v), 4) for g, v in zip(vec.get_feature_names_out(), lr.coef_[0]) if abs(v) >= 1e-3}
    return FindingModel(w, float(lr.intercept_[0]))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=Path("models/finding"))
    ap.add_argument("--ei", type=Path, default=SHARED / "evidence_inference")
    ap.add_argument("--pubmedqa", type=Path, default=SHARED / "pubmedqa" / "ori_pqal.json")
    ap.add_argument("--scifact", type=Path, default=SHARED / "scifact")
    ap.add_argument("--min-df", type=int, default=3)
    ap.add_argument("--c", type=float, nargs="+", default=[0.1, 0.3, 1.0, 3.0])
    args = ap.parse_args(argv)
    t0 = time.time()
    splits = evidence_inference(args.ei)
    pq = args.pubmedqa.is_file()
    if pq:  # the fit half of PubMedQA's abstracts: other journals and designs than the RCTs of Evidence Inference
        splits["train"] = splits["train"] + pubmedqa(args.pubmedqa, "fit")
    print({k: (len(v), sum(y for _, y in v)) for k, v in splits.items()})
    best = None
    for c in args.c:
        m = fit(splits["train"], c, args.min_df)
        sc = _scores(m, splits["validation"], 0.5)
        print(f"C={c}: validation {sc}")
        if best is None or sc["auc"] > best[2]["auc"]:
            best = (c, m, sc)
    assert best is not None
    c, model, val = best
    report = {
        "c": c,
        "min_df": args.min_df,
        "features": len(model.weights),
        "validation": val,
        "test": _scores(model, splits["test"], 0.5),
        "pubmedqa_test_half": _scores(model, pubmedqa(args.pubmedqa, "test"), 0.5) if pq else None,
        "scifact_uncued": _scores(model, scifact_uncued(args.scifact), 0.5) if args.scifact.is_dir() else None,
        "seconds": round(time.time() - t0, 1),
    }
    print(json.dumps(report, indent=1))
    args.out.mkdir(parents=True, exist_ok=True)
    weights = dict(sorted(model.weights.items()))
    (args.out / "finding.json").write_text(json.dumps({"bias": round(model.bias, 4), "weights": weights}, ensure_ascii=False) + "\n")
    (args.out / "metrics.json").write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
