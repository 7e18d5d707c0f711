"""`python -m evals run [--answerer NAME] [--out DIR] [--subset fast|tuning|heldout] [--limit N]`: the answer-quality suite.

Runs every eval question through retrieval and the answer service and every eval claim through
the claim checker, on the current store, then writes ``report.md``, ``results.json`` and plots
(see ``evals.report``). The model calls are passed into ``run_suite`` as plain callables so the
whole pipeline can be tested with fakes, and so the numbers always come from the same entry
points the CLI and the app use.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from evals import metrics as M
from chatbot.render_text import FLAGS_HEADING, answer_json
from chatbot.audit.aggregate import FINDINGS
from evals.dataset import load_claims, load_questions, subset_ids

DEFAULT_OUT = Path(__file__).resolve().parent / "reports" / "latest"
EVAL_DEPTH = 10  # distinct-document depth for retrieval metrics (nDCG@10, recall@10)

AnswerFn = Callable[[str, list[str]], dict[str, Any]]  # (question, history) -> Answer.to_json()
CheckFn = Callable[[str], dict[str, Any]]  # claim -> Verdict.to_json()
QueryFn = Callable[[str, list[str]], str]  # (question, history) -> standalone retrieval query
Entails = Callable[[str, str], bool]


# -- one question / one claim -----------------------------------------------------------------------
def evaluate_question(q: dict[str, Any], retriever, answer_fn: AnswerFn, query_fn: QueryFn, entails: Entails | None, k_answer: int) -> dict[str, Any]:
    """Everything measured on one question; metric fields are None where they don't apply."""
    history = list(q.get("history") or [])
    row: dict[str, Any] = {
        "id": q["id"],
        "category": q["category"],
        "question": q["question"],
        "history": history,
        "answerable": q["answerable"],
        "must_flag": q["must_flag"],
        "relevant_docs": q["relevant_docs"],
    }
    query = query_fn(q["question"], history)
    timings: dict[str, float] = {}
    passages = retriever.search(query, k=max(EVAL_DEPTH, k_answer), timings=timings)
    docs = M.doc_ranking(p.chunk.doc_id for p in passages)
    rel = q["relevant_docs"] if q["answerable"] else []
    row.update(
        query=query,
        retrieved_docs=docs,
        retrieval_ms=timings,
        recall_at_5=M.recall_at_k(docs, rel, 5),
        recall_at_10=M.recall_at_k(docs, rel, 10),
        mrr=M.reciprocal_rank(docs, rel, EVAL_DEPTH),
        ndcg_at_10=M.ndcg_at_k(docs, rel, EVAL_DEPTH),
        passage_hit=M.chunk_hit_rate([p.chunk.text for p in passages], q.get("relevant_chunks_contain") or []),
    )
    try:
        ans = answer_fn(q["question"], history)
    except Exception as exc:  # one broken answer must not lose the whole run
        row.update(
            error=f"{type(exc).__name__}: {exc}",
            answer="",
            cited_docs=[],
            refused=False,
            flagged=False,
            key_facts=None,
            missing_facts=[],
            citation=None,
            timings_ms={},
        )
        return row
    text = ans.get("answer", "")
    hits = M.key_fact_hits(text, q.get("key_facts") or [])
    cites = ans.get("citations") or []
    row.update(
        answer=text,
        refused=M.is_refusal(ans),
        flagged=M.is_flagged(ans),
        timings_ms=ans.get("timings_ms") or {},
        verdict=(ans.get("verdict") or {}).get("verdict") if isinstance(ans.get("verdict"), dict) else ans.get("verdict"),
        n_flags=len(ans.get("flags") or []),
        cited_docs=M.doc_ranking(c.get("doc_id") for c in cites),
        key_facts=(sum(hits) / len(hits)) if hits else None,
        missing_facts=[alts for alts, h in zip(q.get("key_facts") or [], hits) if not h],
        refusal_correct=None if q["answerable"] else M.refusal_correct(ans, q.get("key_facts") or []),
    )
    if entails is not None and not row["refused"]:
        passages_by_n = {int(c["n"]): c.get("text", "") for c in cites if c.get("n") is not None}
        cq = M.citation_quality(M.cited_sentences(M.answer_statements_text(text, FLAGS_HEADING)), passages_by_n, entails)
        row["citation"] = {k: cq[k] for k in ("recall", "precision", "n_statements", "n_citations")}
        row["citation_statements"] = cq["statements"]
    else:
        row["citation"] = None
    return row


def evaluate_claim(c: dict[str, Any], check_fn: CheckFn) -> dict[str, Any]:
    t0 = time.perf_counter()
    try:
        v = check_fn(c["claim"])
        pred, err = str(v.get("verdict")), None
    except Exception as exc:
        v, pred, err = {}, "error", f"{type(exc).__name__}: {exc}"
    ms = (time.perf_counter() - t0) * 1e3
    gold_finding = c.get("finding") or ""
    pred_finding = str(v.get("finding") or "") if v else "error"
    return {
        "id": c["id"],
        "claim": c["claim"],
        "gold": c["label"],
        "pred": pred,
        "correct": pred == c["label"],
        "gold_finding": gold_finding,
        "pred_finding": pred_finding,
        "reason": v.get("reason", "") if v else "",
        "confidence": v.get("confidence"),
        "reasons": list(v.get("reasons") or [])[:3],
        "evidence_docs": M.doc_ranking(e.get("doc_id") for e in v.get("evidence") or []),
        "deciding_docs": c.get("deciding_docs", []),
        "ms": ms,
        "error": err,
    }


# -- aggregation ------------------------------------------------------------------------------------
def _question_metrics(rows: list[dict[str, Any]], prefix: str = "") -> dict[str, float | None]:
    ans = [r for r in rows if r["answerable"]]
    una = [r for r in rows if not r["answerable"]]
    cit = [r["citation"] for r in rows if r.get("citation")]
    return {
        f"{prefix}retrieval.recall@5": M.mean(r["recall_at_5"] for r in ans),
        f"{prefix}retrieval.recall@10": M.mean(r["recall_at_10"] for r in ans),
        f"{prefix}retrieval.mrr@10": M.mean(r["mrr"] for r in ans),
        f"{prefix}retrieval.ndcg@10": M.mean(r["ndcg_at_10"] for r in ans),
        f"{prefix}retrieval.passage_hit@10": M.mean(r["passage_hit"] for r in ans),
        f"{prefix}citation.recall": M.mean(c["recall"] for c in cit),
        f"{prefix}citation.precision": M.mean(c["precision"] for c in cit),
        f"{prefix}answer.key_facts": M.mean(r.get("key_facts") for r in ans),
        f"{prefix}answer.refusal_correct_rate": M.rate(bool(r.get("refusal_correct")) for r in una),
        f"{prefix}answer.false_refusal_rate": M.rate(bool(r.get("refused")) for r in ans),
        f"{prefix}answer.flag_recall": M.rate(bool(r.get("flagged")) for r in rows if r["must_flag"]),
        f"{prefix}answer.false_flag_rate": M.rate(bool(r.get("flagged")) for r in rows if not r["must_flag"]),
        f"{prefix}answer.error_rate": M.rate("error" in r for r in rows),
    }


# The splits every run reports apart (issue 23): answers are tuned on "tuning"; "heldout" was set aside before.
SPLITS = ("tuning", "heldout")


def default_splits() -> dict[str, list[str]]:
    """Question ids of each split named in SPLITS, from evals/data/subsets.json."""
    return {name: subset_ids(name) for name in SPLITS}


def split_metrics(qrows: list[dict[str, Any]], splits: dict[str, list[str]] | None) -> dict[str, dict[str, Any]]:
    """Question metrics of each split, over the rows of this run that belong to it (splits without rows are left
    out), with the counts behind the rates so a reader sees how few questions a rate stands on."""
    out: dict[str, dict[str, Any]] = {}
    for name, ids in (splits or {}).items():
        keep = set(ids)
        rows = [r for r in qrows if r["id"] in keep]
        if not rows:
            continue
        ans = [r for r in rows if r["answerable"]]
        una = [r for r in rows if not r["answerable"]]
        out[name] = {
            "n": len(rows),
            "n_answerable": len(ans),
            "n_unanswerable": len(una),
            "unanswerable_refused": sum(bool(r.get("refusal_correct")) for r in una),
            "answerable_refused": sum(bool(r.get("refused")) for r in ans),
            "metrics": {k: v for k, v in _question_metrics(rows).items() if v is not None},
        }
    return out


def question_score(r: dict[str, Any]) -> float:
    """One number per question to sort the report's "worst questions": the mean of what applies."""
    parts = [r.get("recall_at_10"), r.get("key_facts"), (r.get("citation") or {}).get("recall"), float(r.get("flagged") == r["must_flag"])]
    if not r["answerable"]:
        parts.append(float(bool(r.get("refusal_correct"))))
    if "error" in r:
        parts.append(0.0)
    return M.mean(parts) or 0.0


def aggregate(qrows: list[dict[str, Any]], crows: list[dict[str, Any]]) -> dict[str, Any]:
    """Flat ``metrics`` (what `compare` checks) plus the breakdowns the report draws."""
    metrics: dict[str, float | None] = dict(_question_metrics(qrows)) if qrows else {}
    claims = M.classification_summary([r["gold"] for r in crows], [r["pred"] for r in crows]) if crows else None
    if claims:
        metrics.update(
            {"claims.accuracy": claims["accuracy"], "claims.macro_f1": claims["macro_f1"], "claims.false_supported": float(claims["false_supported"])}
        )
    frows = [r for r in crows if r.get("gold_finding")]
    findings = M.classification_summary([r["gold_finding"] for r in frows], [r["pred_finding"] for r in frows], FINDINGS) if frows else None
    if findings:
        metrics.update(
            {
                "claims.finding_accuracy": findings["accuracy"],
                "claims.finding_macro_f1": findings["macro_f1"],
                "claims.finding_min_f1": min(findings["f1"].get(f, 0.0) for f in FINDINGS),
            }
        )
    lat_answer = M.latency_summary(r.get("timings_ms") for r in qrows if "error" not in r)
    lat_retr = M.latency_summary(r.get("retrieval_ms") for r in qrows)
    lat_claim = M.latency_summary({"check": r["ms"]} for r in crows if not r["error"])
    latency = {
        **{f"answer.{k}": v for k, v in lat_answer.items()},
        **{f"retrieval.{k}": v for k, v in lat_retr.items()},
        **{f"claim.{k}": v for k, v in lat_claim.items()},
    }
    for stage, s in latency.items():
        metrics[f"latency.{stage}.p50"] = s["p50"]
        metrics[f"latency.{stage}.p95"] = s["p95"]
    categories = {}
    for cat in sorted({r["category"] for r in qrows}):
        rows = [r for r in qrows if r["category"] == cat]
        categories[cat] = {"n": len(rows), **{k: v for k, v in _question_metrics(rows).items() if v is not None}}
    return {
        "metrics": {k: v for k, v in metrics.items() if v is not None},
        "claims": claims,
        "findings": findings,
        "latency": latency,
        "categories": categories,
    }


def run_suite(
    questions: Sequence[dict[str, Any]],
    claims: Sequence[dict[str, Any]],
    retriever,
    answer_fn: AnswerFn,
    check_fn: CheckFn | None,
    query_fn: QueryFn,
    entails: Entails | None,
    k_answer: int = 6,
    progress: bool = True,
    splits: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """Every question and claim through the given calls; ``splits`` (name -> question ids) are reported apart
    under ``results["splits"]`` and the held-out ones are kept out of the report's worst questions."""
    from tqdm import tqdm

    total = len(questions) + (len(claims) if check_fn else 0)
    bar = tqdm(total=total, desc="evals", unit="item", disable=not progress, file=sys.stderr, dynamic_ncols=True)
    qrows, crows = [], []
    t0 = time.perf_counter()
    try:
        for q in questions:
            bar.set_postfix_str(q["id"])
            qrows.append(evaluate_question(q, retriever, answer_fn, query_fn, entails, k_answer))
            bar.update()
        for c in claims if check_fn else []:
            bar.set_postfix_str(c["id"])
            crows.append(evaluate_claim(c, check_fn))
            bar.update()
    finally:
        bar.close()
    for r in qrows:
        r["score"] = question_score(r)
    out = aggregate(qrows, crows)
    out.update(questions=qrows, claim_rows=crows, seconds=time.perf_counter() - t0, splits=split_metrics(qrows, splits))
    out["heldout_ids"] = sorted((splits or {}).get("heldout") or [])
    return out


# -- provenance -------------------------------------------------------------------------------------
def _git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5, cwd=Path(__file__).resolve().parent
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):  # no git, or not a checkout
        return ""


def _has_audit(snap) -> bool:
    try:
        return snap.audit() is not None
    except (AttributeError, OSError, ValueError):  # no snapshot, or an unreadable audit.json
        return False


def provenance(settings, retriever, answerer: str, verifier_info: dict[str, str] | None, subset: str | None, n_questions: int, n_claims: int) -> dict[str, Any]:
    """What produced the numbers: models, settings, store version, code version, machine (and what the machine changed:
    the number format of inference, and how many candidates the reranker's budget affords here)."""
    from chatbot.rerank import reranked_candidates
    from core.embeddings import torch_threads
    from core.precision import describe

    snap = getattr(retriever, "snapshot", None)
    manifest = getattr(snap, "manifest", None)
    emb = getattr(retriever, "embeddings", None)
    audit = getattr(settings, "audit", None)
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "git_commit": _git_commit(),
        "answerer": answerer,
        "embedding_model": str(getattr(settings, "embedding_model", "")),
        "embedding_name": getattr(emb, "name", type(emb).__name__ if emb is not None else ""),
        "verifier": verifier_info or {"path": str(getattr(settings, "verifier_model", "")), "fingerprint": "", "note": "not loaded"},
        "retrieval": settings.retrieval.model_dump() if hasattr(settings, "retrieval") else {},
        "reranked_candidates": reranked_candidates(getattr(retriever, "reranker", None), settings) if hasattr(settings, "retrieval") else 0,
        "inference": describe(settings.inference_precision) if hasattr(settings, "inference_precision") else "",
        "audit": audit.model_dump() if hasattr(audit, "model_dump") else {},
        "store": {
            "dir": str(getattr(settings, "store_dir", "")),
            "version": getattr(snap, "version", ""),
            "documents": len(manifest.documents) if manifest is not None else 0,
            "chunks": len(getattr(snap, "chunks", {}) or {}),
            "embedding_model": manifest.embedding_model if manifest is not None else "",
            "audit": _has_audit(snap),
        },
        "subset": subset or "all",
        "questions": n_questions,
        "claims": n_claims,
        "eval_depth": EVAL_DEPTH,
        "machine": {"cpus": os.cpu_count(), "torch_threads": torch_threads(), "platform": platform.platform(), "python": platform.python_version()},
    }


# -- CLI --------------------------------------------------------------------------------------------
def _parse(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m evals run", description="Run the answer-quality eval suite on the current store and write a report.")
    ap.add_argument("--answerer", default="deterministic", help="answerer passed to the answer service (default: deterministic)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"report folder (default: {DEFAULT_OUT})")
    ap.add_argument(
        "--subset",
        default=None,
        help="named subset from evals/data/subsets.json: 'fast' (CI), 'tuning' (the two-thirds answers are tuned on), "
        "'heldout' (the third set aside, issue 23; run it to report, not to tune) (default: all)",
    )
    ap.add_argument("--limit", type=int, default=None, help="only the first N questions and N claims")
    ap.add_argument("--no-claims", action="store_true", help="skip the claim set")
    ap.add_argument("--no-citations", action="store_true", help="skip ALCE citation metrics (no verifier calls)")
    ap.add_argument(
        "--threads", type=int, default=None, help="torch CPU threads (default: torch's own choice); 1 avoids OpenMP spin-waits on a loaded 2-core box"
    )
    ap.add_argument("--quiet", action="store_true", help="no progress bar")
    return ap.parse_args(argv)


def _warm_up(answer_fn: AnswerFn, check_fn: CheckFn | None) -> None:
    """Load models before timing, so latency percentiles describe a warm service (as users see it)."""
    try:
        answer_fn("How does magnesium affect sleep?", [])
        if check_fn:
            check_fn("Magnesium is absorbed in the intestine.")
    except Exception:  # any error: the real calls below report their own, per question
        pass


def with_threads(settings, threads: int | None):
    """``--threads N`` for the whole run: every model load calls ``core.embeddings.apply_torch_threads()``, which
    reads the process's settings, so setting torch's count once (as before) was silently reset to
    ``Settings.torch_threads`` by the first model load."""
    if not threads:
        return settings
    import os

    from core.embeddings import apply_torch_threads
    from core.settings import get_settings

    os.environ["MGC_TORCH_THREADS"] = str(threads)
    get_settings.cache_clear()
    apply_torch_threads(threads)
    return settings.model_copy(update={"torch_threads": threads})


def main(argv: list[str] | None = None, settings=None) -> int:
    """CLI entry; ``settings`` (default: the global settings) lets tests point it at their own store."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "run":
        argv = argv[1:]
    args = _parse(argv)
    from core.settings import get_settings
    from core.store import StoreMissingError

    settings = with_threads(settings or get_settings(), args.threads)
    from services import build_services

    services = build_services(settings)
    try:
        retriever = services.retriever()
    except StoreMissingError as exc:
        print(f"No store to evaluate: {exc}", file=sys.stderr)
        return 2
    questions = load_questions(args.subset)
    claims = [] if args.no_claims else load_claims(args.subset)
    if args.limit:
        questions, claims = questions[: args.limit], claims[: args.limit]

    answer_fn, check_fn, query_fn = _real_calls(services, retriever, args.answerer, with_claims=bool(claims))
    entails, verifier_info = None, None
    if not args.no_citations:
        try:
            from evals.nli import verifier_entailer

            entails, verifier_info = verifier_entailer(settings)
        except (RuntimeError, OSError, ImportError) as exc:  # VerifierMissingError is a RuntimeError
            print(f"warning: citation metrics skipped, verifier unavailable: {exc}", file=sys.stderr)
    _warm_up(answer_fn, check_fn)
    results = run_suite(
        questions, claims, retriever, answer_fn, check_fn, query_fn, entails, k_answer=settings.retrieval.k, progress=not args.quiet, splits=default_splits()
    )
    results["provenance"] = provenance(settings, retriever, args.answerer, verifier_info, args.subset, len(questions), len(claims))
    results["provenance"]["command"] = "python -m evals run " + " ".join(argv)
    if check_fn is None and claims:
        results["provenance"]["claims_note"] = "claim checker unavailable: claim metrics skipped"

    from evals.report import summary_text, write_report

    paths = write_report(results, args.out)
    print(summary_text(results))
    print("\nwrote " + ", ".join(str(p) for p in paths))
    return 0


def _real_calls(services, retriever, answerer: str, with_claims: bool) -> tuple[AnswerFn, CheckFn | None, QueryFn]:
    """The production parts (wired by ``services``), wrapped to the plain shapes ``run_suite`` expects."""
    from chatbot.answer.conversation import standalone_query

    service = services.answerer(retriever)

    def answer_fn(question: str, history: list[str]) -> dict[str, Any]:
        return answer_json(service.answer(question, history=history or None, answerer=answerer))

    def query_fn(question: str, history: list[str]) -> str:
        return standalone_query(question, history)

    check_fn: CheckFn | None = None
    auditor = services.auditor if with_claims else None
    if auditor is not None:

        def check_fn(claim: str) -> dict[str, Any]:
            return auditor.check_claim(claim, retriever).to_json()

    return answer_fn, check_fn, query_fn


if __name__ == "__main__":
    sys.exit(main())
