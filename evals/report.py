"""Writes an eval run as report.md, results.json and PNG plots, and the one-screen summary.

Why every metric carries a "produced by" line: a number is only comparable with another run if
the embedding model, verifier weights, retrieval settings and answerer were the same, so the
report says which ones made it, next to the number rather than in a footnote.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HEADLINE = [
    "retrieval.recall@5",
    "retrieval.recall@10",
    "retrieval.mrr@10",
    "retrieval.ndcg@10",
    "retrieval.passage_hit@10",
    "citation.recall",
    "citation.precision",
    "answer.key_facts",
    "answer.refusal_correct_rate",
    "answer.false_refusal_rate",
    "answer.flag_recall",
    "answer.false_flag_rate",
    "claims.accuracy",
    "claims.macro_f1",
    "claims.false_supported",
    "claims.finding_accuracy",
    "claims.finding_macro_f1",
    "claims.finding_min_f1",
]
LOWER_IS_BETTER = ("answer.false_refusal_rate", "answer.false_flag_rate", "claims.false_supported", "answer.error_rate")


def _retrieval_desc(p: dict[str, Any]) -> str:
    r = p.get("retrieval", {})
    return (
        f"hybrid retriever: dense {p.get('embedding_name') or p.get('embedding_model')} + BM25, RRF k={r.get('rrf_k')}, "
        f"candidates={r.get('candidates')}, max_per_doc={r.get('max_per_doc')}, rerank={r.get('rerank')}"
        + (f" ({p['reranked_candidates']} candidates reranked here)" if "reranked_candidates" in p else "")
        + (f"; inference {p['inference']}" if p.get("inference") else "")
        + f"; store {p.get('store', {}).get('version')}"
    )


def _verifier_desc(p: dict[str, Any]) -> str:
    v = p.get("verifier") or {}
    return f"verifier {v.get('path')} (weights {v.get('fingerprint') or '?'})"


def metric_source(name: str, p: dict[str, Any], short: bool = False) -> str:
    """Which models and settings produced ``name`` in this run; ``short`` uses the [R]/[A]/[V]/[C]
    keys defined in the report's provenance table, so the summary table stays readable."""
    R = "[R]" if short else _retrieval_desc(p)
    V = "[V]" if short else _verifier_desc(p)
    A = "[A]" if short else f"answerer '{p.get('answerer')}' (k={p.get('retrieval', {}).get('k')})"
    C = "[C]" if short else "chatbot.audit.check_claim (audit settings in results.json)"
    if name.startswith("retrieval.") or name.startswith("latency.retrieval"):
        return f"retriever {R}, documents of the top {p.get('eval_depth')} passages"
    if name.startswith("citation."):
        return f"verifier {V} judging answers of {A}"
    if name.startswith("answer.") or name.startswith("latency.answer"):
        return f"answerer {A} over retriever {R}; flags from the store's audit"
    if name.startswith("claims.") or name.startswith("latency.claim"):
        return f"claim checker {C} with verifier {V}"
    return ""


def _fmt(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.1f}" if abs(v) >= 10 else f"{v:.3f}"
    return str(v)


def _md_table(header: list[str], rows: list[list[Any]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(_fmt(c).replace("|", "\\|").replace("\n", " ") for c in row) + " |" for row in rows]
    return "\n".join(out)


# -- plots ------------------------------------------------------------------------------------------
def _decision_cv() -> str:
    """The shipped decision layer's cross-validated figures on the labelled claims, in words ('' when absent)."""
    from chatbot.audit.decision import load
    from core.settings import get_settings

    model = load(get_settings().decision_model)
    m = model.metrics if model else {}
    parts = [
        f"{label} {m[k]:.3f}"
        for k, label in (
            ("labelled_cv_finding_accuracy", "finding accuracy"),
            ("labelled_cv_finding_macro_f1", "finding macro-F1"),
            ("labelled_cv_verdict_accuracy", "verdict accuracy"),
            ("labelled_cv_false_supported", "false `supported` rate"),
        )
        if k in m
    ]
    return ", ".join(parts)


def _save(fig, path: Path) -> Path:
    """Lay out, write at the report's resolution and free one figure."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def write_plots(results: dict[str, Any], out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths: list[Path] = []
    m = results["metrics"]
    names = [n for n in HEADLINE if n in m and n != "claims.false_supported"]
    if names:
        fig, ax = plt.subplots(figsize=(7, 0.32 * len(names) + 1.2))
        vals = [m[n] for n in names]
        colors = ["#c0504d" if n in LOWER_IS_BETTER else "#4f81bd" for n in names]
        ax.barh(names[::-1], vals[::-1], color=colors[::-1])
        for y, v in enumerate(vals[::-1]):
            ax.text(min(v + 0.01, 0.93), y, f"{v:.2f}", va="center", fontsize=8)
        ax.set_xlim(0, 1)
        ax.set_title("Eval metrics (red: lower is better)", fontsize=10)
        ax.tick_params(labelsize=8)
        paths.append(_save(fig, out / "metrics.png"))
    claims = results.get("claims")
    if claims:
        import numpy as np

        cm = np.array(claims["confusion"])
        labels = claims["labels"]
        fig, ax = plt.subplots(figsize=(4.6, 4))
        ax.imshow(cm, cmap="Blues")
        ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right", fontsize=8)
        ax.set_yticks(range(len(labels)), labels, fontsize=8)
        ax.set_xlabel("predicted")
        ax.set_ylabel("gold")
        for i in range(cm.shape[0]):
            for j in range(cm.shape[1]):
                ax.text(j, i, str(cm[i, j]), ha="center", va="center", color="white" if cm[i, j] > cm.max() / 2 else "black")
        ax.set_title("Claim verdicts", fontsize=10)
        paths.append(_save(fig, out / "confusion.png"))
    stages: dict[str, list[float]] = {}
    for r in results.get("questions", []):
        for k, v in (r.get("timings_ms") or {}).items():
            stages.setdefault(f"answer.{k}", []).append(float(v))
        if r.get("retrieval_ms", {}).get("total") is not None:
            stages.setdefault("retrieval.total", []).append(float(r["retrieval_ms"]["total"]))
    cl = [r["ms"] for r in results.get("claim_rows", []) if not r.get("error")]
    if cl:
        stages["claim.check"] = cl
    if stages:
        fig, ax = plt.subplots(figsize=(7, 0.4 * len(stages) + 1.2))
        keys = sorted(stages)
        ax.boxplot([stages[k] for k in keys], orientation="horizontal", tick_labels=keys, showfliers=True)
        ax.set_xscale("log")
        ax.set_xlabel("milliseconds (log scale)")
        ax.set_title("Latency per stage", fontsize=10)
        ax.tick_params(labelsize=8)
        paths.append(_save(fig, out / "latency.png"))
    return paths


# -- markdown ---------------------------------------------------------------------------------------
def _short(text: str, n: int = 900) -> str:
    text = text or ""
    return text if len(text) <= n else text[:n].rstrip() + " …"


def render_markdown(results: dict[str, Any], plots: list[Path]) -> str:
    p = results.get("provenance", {})
    m = results["metrics"]
    lines = [f"# Eval report — {p.get('date', '')}", ""]
    lines += [
        f"Command: `{p.get('command', 'python -m evals run')}` · commit `{p.get('git_commit', '')}` · "
        f"{p.get('questions')} questions, {p.get('claims')} claims (subset: {p.get('subset')}) · "
        f"{results.get('seconds', 0):.0f} s on {p.get('machine', {}).get('cpus')} CPUs "
        f"(torch threads {p.get('machine', {}).get('torch_threads')})",
        "",
    ]
    lines += ["## What produced these numbers", ""]
    ret = p.get("retrieval", {})
    lines.append(
        _md_table(
            ["key", "component", "value"],
            [
                ["[A]", "answerer", f"{p.get('answerer')} (k={ret.get('k')} passages)"],
                ["[R]", "retriever", _retrieval_desc(p)],
                ["", "embedding model", p.get("embedding_model")],
                [
                    "[V]",
                    "verifier",
                    f"{(p.get('verifier') or {}).get('path')} (weights {(p.get('verifier') or {}).get('fingerprint') or '?'}; "
                    f"{(p.get('verifier') or {}).get('decision', '')})",
                ],
                ["", "retrieval settings", ", ".join(f"{k}={v}" for k, v in ret.items())],
                [
                    "[C]",
                    "claim checker",
                    "chatbot.audit.check_claim; audit settings: " + (", ".join(f"{k}={v}" for k, v in (p.get("audit") or {}).items()) or "–"),
                ],
                [
                    "",
                    "store",
                    f"{p.get('store', {}).get('version')} at {p.get('store', {}).get('dir')}: "
                    f"{p.get('store', {}).get('documents')} documents, {p.get('store', {}).get('chunks')} chunks, "
                    f"claim audit {'present' if p.get('store', {}).get('audit') else 'MISSING (no flags possible)'}",
                ],
            ],
        )
    )
    if p.get("claims_note"):
        lines += ["", f"**Note:** {p['claims_note']}"]
    lines += ["", "## Summary", ""]
    rows = [[n + (" ↓" if n in LOWER_IS_BETTER else ""), m.get(n), metric_source(n, p, short=True)] for n in HEADLINE if n in m]
    lines.append(_md_table(["metric (↓ lower is better)", "value", "produced by"], rows))
    lines += _splits_section(results)
    lines += ["", "## By category", ""]
    cols = [
        "retrieval.recall@10",
        "retrieval.mrr@10",
        "answer.key_facts",
        "citation.recall",
        "answer.flag_recall",
        "answer.false_flag_rate",
        "answer.refusal_correct_rate",
        "answer.false_refusal_rate",
    ]
    lines.append(_md_table(["category", "n"] + cols, [[c, d["n"]] + [d.get(k) for k in cols] for c, d in results.get("categories", {}).items()]))
    claims = results.get("claims")
    if claims:
        lines += [
            "",
            "## Claim verdicts",
            "",
            f"Accuracy {_fmt(claims['accuracy'])}, macro-F1 {_fmt(claims['macro_f1'])}, "
            f"false `supported` {claims['false_supported']} of {claims['n']}. Rows: gold label; columns: predicted.",
            "",
        ]
        cv = _decision_cv()
        if cv:
            lines[-1:-1] = [
                "",
                f"These claims are also part of the decision layer's fitting data, so the figures above are in-sample. "
                f"On claims it did not see (5-fold cross-validation, `python -m training.fit_decision`): {cv}.",
            ]
        labs = claims["labels"]
        lines.append(
            _md_table(["gold \\ predicted"] + labs + ["F1"], [[label] + claims["confusion"][i] + [claims["f1"].get(label)] for i, label in enumerate(labs)])
        )
        wrong = [r for r in results.get("claim_rows", []) if not r["correct"]]
        if wrong:
            lines += ["", "Misjudged claims:", ""]
            lines.append(
                _md_table(
                    ["id", "gold", "predicted", "claim", "evidence docs", "first reason"],
                    [
                        [r["id"], r["gold"], r["pred"], r["claim"], ", ".join(r["evidence_docs"][:4]), _short((r["reasons"] or [r.get("error") or ""])[0], 160)]
                        for r in wrong
                    ],
                )
            )
    findings = results.get("findings")
    if findings:
        lines += [
            "",
            "## Claim findings",
            "",
            f"Accuracy {_fmt(findings['accuracy'])}, macro-F1 {_fmt(findings['macro_f1'])} over the "
            "six findings (mixed = extrapolated or conflicting, no evidence = unsupported or not covered). "
            "Rows: gold finding; columns: predicted.",
            "",
        ]
        labs = findings["labels"]
        lines.append(
            _md_table(["gold \\ predicted"] + labs + ["F1"], [[label] + findings["confusion"][i] + [findings["f1"].get(label)] for i, label in enumerate(labs)])
        )
        wrongf = [r for r in results.get("claim_rows", []) if r.get("gold_finding") and r.get("pred_finding") != r.get("gold_finding")]
        if wrongf:
            lines += ["", "Claims with another finding than the label:", ""]
            lines.append(
                _md_table(
                    ["id", "gold", "predicted", "claim", "reason"],
                    [[r["id"], r["gold_finding"], r["pred_finding"], r["claim"], _short(r.get("reason") or "", 200)] for r in wrongf],
                )
            )
    ac = results.get("audit_corpus")
    if ac:
        lines += [
            "",
            "## Claim audit on corpora it never saw",
            "",
            "Built by `python -m evals audit-corpus DIR` from a SciFact-style folder (an article of the claims, their "
            "cited abstracts plus distractors as literature), ingested into a temporary store and audited. Three-way: "
            "supported / contradicted / every other finding. The `test` split is never used by any training or fitting step.",
            "",
        ]
        lines.append(
            _md_table(
                ["report", "claims", "extracted", "macro-F1", "accuracy", "contradiction recall", "supported precision", "false-supported rate", "command"],
                [
                    [
                        f"[{r['name']}](../audit-corpus/{r['name']}/report.md)",
                        r.get("claims"),
                        r.get("extracted"),
                        r.get("macro_f1"),
                        r.get("accuracy"),
                        r.get("contradiction_recall"),
                        r.get("supported_precision"),
                        r.get("false_supported_rate"),
                        f"`{r.get('command', '')}`",
                    ]
                    for r in ac
                ],
            )
        )
    lines += ["", "## Latency (ms)", ""]
    lat = results.get("latency", {})
    lines.append(
        _md_table(
            ["stage", "p50", "p95", "n", "produced by"], [[s, v["p50"], v["p95"], v["n"], metric_source("latency." + s, p, short=True)] for s, v in lat.items()]
        )
    )
    held = set(results.get("heldout_ids") or [])
    worst = sorted((r for r in results.get("questions", []) if r["id"] not in held), key=lambda r: r.get("score", 0))[:8]
    if worst or held:
        lines += [
            "",
            "## Worst questions",
            "",
            "Sorted by the mean of recall@10, key facts, citation recall, flag correctness and (for unanswerable) refusal correctness."
            + (" Held-out questions are never listed here (they are reported only as figures, above), so that no one tunes on their failures." if held else ""),
            "",
        ]
        for r in worst:
            cit = r.get("citation") or {}
            lines += [
                f"### {r['id']} ({r['category']}) — score {_fmt(r.get('score'))}",
                "",
                f"**Q:** {r['question']}" + (f"  \n**History:** {' → '.join(r['history'])}" if r.get("history") else ""),
                "",
                f"relevant {r['relevant_docs']} · retrieved {r.get('retrieved_docs', [])[:6]} · cited {r.get('cited_docs', [])} · "
                f"key facts {_fmt(r.get('key_facts'))} (missing: {[a[0] for a in r.get('missing_facts', [])]}) · "
                f"citation recall {_fmt(cit.get('recall'))} · must flag {r['must_flag']}, flagged {r.get('flagged')} · "
                f"refused {r.get('refused')}" + (f" · **error** {r['error']}" if r.get("error") else ""),
                "",
            ]
            lines += ["> " + ln for ln in _short(r.get("answer", "")).splitlines() or [""]]
            lines.append("")
    if plots:
        lines += ["## Plots", ""] + [f"![{pl.stem}]({pl.name})" for pl in plots]
    lines += [
        "",
        "## Definitions",
        "",
        "- **recall@k / MRR@10 / nDCG@10**: over the distinct documents of the retriever's ranked passages for the "
        "standalone query (follow-ups rewritten as the answer service does), against `relevant_docs`; answerable questions only. "
        "**passage_hit@10**: share of the labelled passage snippets found in those passages.",
        "- **citation recall / precision** (ALCE): a statement is supported when the verifier entails it from its cited "
        "passages together; a citation is precise when its statement is supported and the citation is not redundant "
        "(it entails the statement alone, or removing it breaks the entailment). Refused answers are skipped.",
        "- **key facts**: share of labelled facts found in the answer text (any accepted spelling, case-insensitive).",
        "- **refusal_correct_rate**: unanswerable questions the answerer refused, "
        'or answered with all of the question\'s labelled gap statements (e.g. "the summary breaks off"). '
        "**false_refusal_rate**: answerable questions the answerer refused.",
        "- **flag_recall / false_flag_rate**: an answer is flagged when it carries audit flags or a verdict other than `supported`; "
        "measured against `must_flag`.",
        "- **claims**: verdicts of `check_claim` against the labelled claim set; macro-F1 over the four verdicts; "
        "false `supported` = predicted supported when the label is anything else.",
        "",
    ]
    return "\n".join(lines)


SPLIT_ROWS = [
    "answer.key_facts",
    "answer.refusal_correct_rate",
    "answer.false_refusal_rate",
    "citation.recall",
    "citation.precision",
    "retrieval.recall@10",
    "retrieval.ndcg@10",
    "answer.flag_recall",
    "answer.false_flag_rate",
]
SPLIT_TITLES = {"tuning": "tuning two-thirds", "heldout": "held-out third"}


def _splits_section(results: dict[str, Any]) -> list[str]:
    """The held-out third beside the tuning two-thirds (issue 23): figures only, never the held-out answers."""
    splits = results.get("splits") or {}
    if not splits:
        return []
    names = list(splits)
    head = [f"{SPLIT_TITLES.get(n, n)} ({splits[n]['n']})" for n in names]
    rows = [[k + (" ↓" if k in LOWER_IS_BETTER else "")] + [splits[n]["metrics"].get(k) for n in names] for k in SPLIT_ROWS]
    rows.append(["unanswerable refused"] + [f"{splits[n]['unanswerable_refused']}/{splits[n]['n_unanswerable']}" for n in names])
    rows.append(["answerable refused ↓"] + [f"{splits[n]['answerable_refused']}/{splits[n]['n_answerable']}" for n in names])
    return [
        "",
        "## Held-out third and tuning two-thirds",
        "",
        "`evals/data/subsets.json`: a third of the questions of each category and type was set aside before the answer "
        "changes of issue 23 (`heldout`); answers are tuned on the rest (`tuning`). Run one alone with `--subset heldout` "
        "or `--subset tuning`; `python -m evals compare OLD NEW --subset tuning` compares two runs on one split.",
        "",
        _md_table(["metric"] + head, rows),
    ]


def audit_corpus_summaries(root: Path | None = None) -> list[dict[str, Any]]:
    """The latest `python -m evals audit-corpus` results (claim audits of corpora built from SciFact-style folders),
    so the eval report shows the audit on a corpus it never saw beside the answer-quality figures."""
    root = root or Path(__file__).resolve().parent / "reports" / "audit-corpus"
    rows = []
    for f in sorted(root.glob("*/results.json")):
        try:
            d = json.loads(f.read_text(encoding="utf-8"))
            m = d["metrics"]
            rows.append(
                {
                    "name": f.parent.name,
                    "command": d.get("command", ""),
                    "claims": m["gold_claims"],
                    "extracted": m["claims_extracted"],
                    **{k: v for k, v in m["three_way"].items() if k != "per_class"},
                }
            )
        except (OSError, ValueError, KeyError) as exc:  # a damaged or older report: say so in the table
            rows.append({"name": f.parent.name, "command": f"unreadable: {exc}"})
    return rows


def write_report(results: dict[str, Any], out: Path | str) -> list[Path]:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    plots = write_plots(results, out)
    results["audit_corpus"] = audit_corpus_summaries()
    results.setdefault("metric_sources", {n: metric_source(n, results.get("provenance", {})) for n in results["metrics"]})
    (out / "results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
    (out / "report.md").write_text(render_markdown(results, plots), encoding="utf-8")
    return [out / "report.md", out / "results.json", *plots]


def summary_text(results: dict[str, Any]) -> str:
    """The one-screen summary printed at the end of a run."""
    m = results["metrics"]
    p = results.get("provenance", {})
    lines = [
        f"Eval summary — answerer {p.get('answerer')}, store {p.get('store', {}).get('version')}, "
        f"{p.get('questions')} questions / {p.get('claims')} claims ({p.get('subset')}), {results.get('seconds', 0):.0f} s"
    ]
    groups = [("retrieval", "retrieval."), ("citations", "citation."), ("answers", "answer."), ("claims", "claims.")]
    for label, prefix in groups:
        items = [f"{n[len(prefix) :]}={_fmt(m[n])}" for n in HEADLINE + ["answer.error_rate"] if n.startswith(prefix) and n in m]
        if items:
            lines.append(f"  {label:10s} " + "  ".join(items))
    lat = results.get("latency", {})
    show = [s for s in ("retrieval.total", "answer.retrieve", "answer.compose", "answer.verify", "answer.total", "claim.check") if s in lat]
    if show:
        lines.append("  latency ms " + "  ".join(f"{s} p50={_fmt(lat[s]['p50'])}/p95={_fmt(lat[s]['p95'])}" for s in show))
    for name, sp in (results.get("splits") or {}).items():
        sm = sp["metrics"]
        lines.append(
            f"  {SPLIT_TITLES.get(name, name)} ({sp['n']}): key_facts={_fmt(sm.get('answer.key_facts'))}  "
            f"unanswerable refused {sp['unanswerable_refused']}/{sp['n_unanswerable']}  "
            f"answerable refused {sp['answerable_refused']}/{sp['n_answerable']}  "
            f"citation recall={_fmt(sm.get('citation.recall'))} precision={_fmt(sm.get('citation.precision'))}"
        )
    cats = results.get("categories", {})
    if cats:
        lines.append("  key facts by category: " + "  ".join(f"{c}={_fmt(d.get('answer.key_facts'))}" for c, d in cats.items()))
    lines.append(f"  models: embeddings {p.get('embedding_model')}; verifier {(p.get('verifier') or {}).get('path')}")
    return "\n".join(lines)
