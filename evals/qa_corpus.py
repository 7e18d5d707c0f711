"""`python -m evals qa-corpus DIR [--split fit|test] [--answerable N] [--unanswerable M]`: answers on a corpus never tuned on.

Why: the 108-question suite and the refusal probes are all about the default corpus, so a rule that
only fits it would pass them. Users bring their own corpus; this builds one from the PubMedQA expert
set (``ori_pqal.json``: a research question per PubMed abstract, its labelled sections and its
conclusion) and asks each question through the product's own answer service, as a user would:

- **answerable**: the question's abstract is in the corpus (with the abstract BM25 ranks nearest
  to the question as a distractor, so retrieval has to choose). Scored: refused (a false refusal),
  the question's abstract cited at all, cited as [1].
- **unanswerable**: the question of an abstract held out of the corpus. Scored: answered (a refusal
  missed). PubMed abstracts can overlap, so each such answer is listed in the report with what it
  cited, for a reader to judge.
- The claim check on a yes/no question read as a claim: its finding against the question's
  yes / no / maybe label (reported, not a target: a question is not always a claim).

Splits: abstracts are halved by a hash of their PMID (``core.splits.claim_fold``): ``fit`` may be read
and tuned on, ``test`` is the reported figure and its failures are not read. The literature files are the
abstracts' own sections and conclusion (MIT, PubMedQA); titles are not in the set, so each file is
titled by its PMID and year, which makes retrieval lean on the text alone.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import datetime as _dt
import json
import random
import re
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from core.precision import describe as describe_precision

REPORTS_DIR = Path(__file__).resolve().parent / "reports" / "qa-corpus"
SPLITS = ("fit", "test")


@dataclass
class QAItem:
    """One PubMedQA question, whether its abstract is in the built corpus, and its yes/no/maybe label."""

    pmid: str
    question: str
    decision: str
    answerable: bool
    doc_id: str


@dataclass
class QARow:
    """What the answer service did with one question."""

    pmid: str
    question: str
    answerable: bool
    decision: str
    refused: bool
    cited: list[str] = field(default_factory=list)
    gold_cited: bool = False
    gold_first: bool = False
    finding: str = ""
    lead: str = ""
    ms: float = 0.0


def doc_id_of(pmid: str) -> str:
    return f"pq_{pmid}"


def split_of(pmid: str) -> str:
    from core.splits import claim_fold

    return SPLITS[claim_fold(pmid, 2)]


def load_items(src: Path) -> dict[str, dict[str, Any]]:
    path = Path(src) / "ori_pqal.json" if Path(src).is_dir() else Path(src)
    return json.loads(path.read_text(encoding="utf-8"))


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def literature_text(pmid: str, item: dict[str, Any]) -> str:
    """The abstract as a digest file: front matter, one heading per labelled section, then the conclusion."""
    from evals.audit_corpus import front_matter

    meta = {
        "id": doc_id_of(pmid),
        "title": f"PubMed {pmid}" + (f" ({item['YEAR']})" if item.get("YEAR") else ""),
        "role": "literature",
        "study_type": "unknown",
        "year": int(item["YEAR"]) if str(item.get("YEAR", "")).isdigit() else None,
        "digest_of": "abstract (PubMedQA expert set)",
        "licence": "MIT (PubMedQA)",
        "pmid": str(pmid),
    }
    sections = list(zip(item.get("LABELS") or [], item["CONTEXTS"]))
    if item.get("LONG_ANSWER"):
        sections.append(("Conclusions", item["LONG_ANSWER"]))
    parts = [f"## {str(label).capitalize() or 'Abstract'}\n\n{_flat(text)}\n" for label, text in sections]
    return front_matter(meta) + "\n".join(parts)


def choose(items: dict[str, dict[str, Any]], split: str, answerable: int, unanswerable: int, seed: int) -> tuple[list[QAItem], dict[str, str]]:
    """The questions of ``split`` (a seeded sample) and the literature: {pmid: cited | nearest}.

    Each answerable question brings its abstract and the one BM25 ranks nearest to it from outside the
    chosen questions; an unanswerable question's abstract is never in the corpus, as a distractor either."""
    from evals.audit_corpus import nearest_abstracts

    mine = sorted(p for p in items if split_of(p) == split)
    rng = random.Random(seed)
    rng.shuffle(mine)
    ans, held = mine[:answerable], mine[answerable : answerable + unanswerable]
    literature = {p: "cited" for p in ans}
    pool = sorted(p for p in items if p not in literature and p not in held)
    corpus = {p: {"title": "", "text": " ".join(items[p]["CONTEXTS"])} for p in pool}
    search = nearest_abstracts(corpus, pool)
    for p in ans:
        near = next((d for d in search(items[p]["QUESTION"], 5) if d not in literature), None)
        if near is not None:
            literature[near] = "nearest"
    out = [QAItem(p, items[p]["QUESTION"], items[p]["final_decision"], True, doc_id_of(p)) for p in ans]
    out += [QAItem(p, items[p]["QUESTION"], items[p]["final_decision"], False, doc_id_of(p)) for p in held]
    return out, literature


def build_corpus(items: dict[str, dict[str, Any]], literature: dict[str, str], out_dir: Path) -> Path:
    """Write ``out_dir/article`` (a one-paragraph note on what the corpus is) and one literature file per abstract."""
    from evals.audit_corpus import front_matter

    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise FileExistsError(f"{out_dir} is not empty; qa-corpus writes a fresh corpus")
    (out_dir / "article").mkdir(parents=True)
    (out_dir / "literature").mkdir(parents=True)
    head = front_matter({"id": "pubmedqa_note", "title": "About this corpus", "role": "article", "study_type": "article", "year": None})
    note = f"This reading list gathers {len(literature)} PubMed abstracts on unrelated clinical and biological questions.\n"
    (out_dir / "article" / "note.md").write_text(head + note, encoding="utf-8")
    for p in sorted(literature):
        (out_dir / "literature" / f"{doc_id_of(p)}.md").write_text(literature_text(p, items[p]), encoding="utf-8")
    return out_dir


def ask(answers, q: QAItem) -> QARow:
    t0 = time.perf_counter()
    rec = answers.answer(q.question)
    ms = (time.perf_counter() - t0) * 1000
    cited = [c.doc_id for c in rec.citations]
    finding = rec.claim_check.finding if rec.claim_check is not None else ""
    return QARow(
        q.pmid,
        q.question,
        q.answerable,
        q.decision,
        bool(rec.refused),
        cited,
        q.doc_id in cited,
        bool(cited) and cited[0] == q.doc_id,
        finding,
        (rec.lead or rec.body)[:400],
        round(ms, 1),
    )


def _rate(n: int, d: int) -> float | None:
    return round(n / d, 3) if d else None


def metrics(rows: list[QARow]) -> dict[str, Any]:
    a = [r for r in rows if r.answerable]
    u = [r for r in rows if not r.answerable]
    ms = sorted(r.ms for r in rows)
    findings = collections.Counter(f"{r.decision}->{r.finding or 'none'}" for r in a)
    return {
        "answerable": len(a),
        "answerable_refused": sum(r.refused for r in a),
        "false_refusal_rate": _rate(sum(r.refused for r in a), len(a)),
        "gold_cited": _rate(sum(r.gold_cited for r in a), len(a)),
        "gold_first": _rate(sum(r.gold_first for r in a), len(a)),
        "unanswerable": len(u),
        "unanswerable_answered": sum(not r.refused for r in u),
        "refusal_rate": _rate(sum(r.refused for r in u), len(u)),
        "answer_ms_p50": ms[len(ms) // 2] if ms else None,
        "claim_check_by_label": dict(sorted(findings.items())),
    }


def run(
    src: Path, split: str, answerable: int, unanswerable: int, seed: int = 13, work_dir: Path | None = None, settings=None, claim_checks: bool = True
) -> dict[str, Any]:
    """Build the corpus in ``work_dir`` (a temporary folder when None), ingest it, ask every question; ``claim_checks=False``
    turns the claim audit off (a yes/no question is then never checked as a claim)."""
    from core.store import open_snapshot
    from evals.audit_corpus import settings_for
    from services import build_services

    items = load_items(src)
    t_all = time.perf_counter()
    with contextlib.ExitStack() as stack:
        if work_dir is None:
            work_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="qa-corpus-")))
        qs, literature = choose(items, split, answerable, unanswerable, seed)
        build_corpus(items, literature, Path(work_dir) / "corpus")
        s = settings_for(Path(work_dir) / "corpus", Path(work_dir) / "store", settings)
        services = build_services(s, audit=claim_checks)
        t0 = time.perf_counter()
        summary = services.ingest(bar=False)
        t_ingest = time.perf_counter() - t0
        answers = services.answerer(services.retriever(open_snapshot(s)))
        rows = [ask(answers, q) for q in qs]
    return {
        "config": {
            "src": str(Path(src).resolve()),
            "split": split,
            "answerable": answerable,
            "unanswerable": unanswerable,
            "seed": seed,
            "claim_checks": claim_checks,
        },
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "corpus": {"literature": dict(collections.Counter(literature.values())), "documents": summary.documents, "chunks": summary.chunks},
        "settings": {
            "rerank": s.retrieval.rerank,
            "min_topic_coverage": s.compose.min_topic_coverage,
            "off_topic_rerank_logit": s.compose.off_topic_rerank_logit,
            "inference": describe_precision(s.inference_precision),
        },
        "timings": {"ingest_s": round(t_ingest, 1), "total_s": round(time.perf_counter() - t_all, 1)},
        "metrics": metrics(rows),
        "rows": [asdict(r) for r in rows],
    }


def render_report(result: dict[str, Any], command: str = "") -> str:
    cfg, m, corp = result["config"], result["metrics"], result["corpus"]
    lines = [
        f"# Answers on a corpus never tuned on (PubMedQA expert set, {cfg['split']} half)",
        "",
        f"Created {result['created']}" + (f" by `{command}`" if command else "") + ".",
        "",
        f"- Corpus: {sum(corp['literature'].values())} abstracts ({', '.join(f'{k} {v}' for k, v in sorted(corp['literature'].items()))}), "
        f"{corp['chunks']} chunks; ingest {result['timings']['ingest_s']} s, total {result['timings']['total_s']} s.",
        f"- Answerable questions (their abstract in the corpus): {m['answerable']}; refused **{m['answerable_refused']}** "
        f"({m['false_refusal_rate']}); the abstract cited {m['gold_cited']}, cited as [1] {m['gold_first']}.",
        f"- Unanswerable questions (their abstract held out): {m['unanswerable']}; refused **{m['refusal_rate']}** "
        f"({m['unanswerable_answered']} answered" + (", listed below for a reader to judge)." if cfg["split"] == "fit" else ")."),
        f"- Answer time p50 {m['answer_ms_p50']} ms. Settings: {result.get('settings', {})}.",
        f"- Claim check on the question read as a claim, by the question's label: {m['claim_check_by_label']}.",
        "",
    ]
    if cfg["split"] != "fit":  # the reported half: its failures are not listed, so no change is made for one of them
        return "\n".join(lines + ["Per-question rows: `rows.jsonl` (the test half's failures are not read when changing the code).", ""])
    rows = result["rows"]
    refused = [r for r in rows if r["answerable"] and r["refused"]]
    lines += ["## Answerable but refused (fit half: may be read)", ""] + [f"- {r['pmid']}: {r['question']}" for r in refused] + [""]
    answered = [r for r in rows if not r["answerable"] and not r["refused"]]
    lines += ["## Unanswerable but answered", ""] + [f"- {r['pmid']}: {r['question']} — cited {r['cited'][:3]}: {r['lead'][:200]}" for r in answered] + [""]
    wrong = [r for r in rows if r["answerable"] and (r["decision"], r["finding"]) in {("yes", "contradicted"), ("no", "supported")}]
    lines += ["## Claim checks against the question's label (yes read as contradicted, no read as supported)", ""]
    lines += [f"- [{r['decision']} → {r['finding']}] {r['pmid']}: {r['question']}" for r in wrong]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m evals qa-corpus", description=__doc__.splitlines()[0])
    p.add_argument("dir", type=Path, help="folder with ori_pqal.json (../shared/datasets/pubmedqa)")
    p.add_argument("--split", choices=SPLITS, default="test", help="test: the reported half, failures not read (default); fit: may be read")
    p.add_argument("--answerable", type=int, default=120, help="questions whose abstract is in the corpus")
    p.add_argument("--unanswerable", type=int, default=40, help="questions whose abstract is held out")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--out", type=Path, default=None, help="report folder (default evals/reports/qa-corpus/<split>/)")
    p.add_argument("--keep-store", type=Path, default=None, help="build the corpus and store here and keep them")
    p.add_argument("--no-claim-checks", action="store_true", help="turn the claim audit off (faster; no question is checked as a claim)")
    a = p.parse_args(argv[1:])
    if not (a.dir / "ori_pqal.json").is_file():
        print(f"error: {a.dir} has no ori_pqal.json (the PubMedQA expert set)", file=sys.stderr)
        return 2
    if a.answerable < 1 or a.unanswerable < 0:
        print("error: --answerable must be at least 1 and --unanswerable at least 0", file=sys.stderr)
        return 2
    if a.keep_store is not None and a.keep_store.exists() and any(a.keep_store.iterdir()):
        print(f"error: --keep-store {a.keep_store} is not empty; give a new or empty folder (nothing was written)", file=sys.stderr)
        return 2
    result = run(a.dir, a.split, a.answerable, a.unanswerable, a.seed, a.keep_store, claim_checks=not a.no_claim_checks)
    out = a.out or REPORTS_DIR / a.split
    out.mkdir(parents=True, exist_ok=True)
    command = "python -m evals qa-corpus " + " ".join(argv[1:])
    with (out / "rows.jsonl").open("w", encoding="utf-8") as fh:
        for r in result["rows"]:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    slim = {k: v for k, v in result.items() if k != "rows"} | {"command": command}
    (out / "results.json").write_text(json.dumps(slim, indent=1, ensure_ascii=False), encoding="utf-8")
    (out / "report.md").write_text(render_report(result, command), encoding="utf-8")
    print(json.dumps({"out": str(out), **result["metrics"]}))
    return 0
