"""`python -m evals audit-corpus DIR [--split test] [--limit N] [--distractors K]`: the claim audit against gold labels.

Why a built corpus rather than the verifier's pair metrics: the audit is a pipeline (claim
extraction → hybrid retrieval over many documents → verifier → rules), and only a run of that
pipeline shows what a user sees. So the SciFact claims of one split become the paragraphs of one
article (Markdown, ``role: article`` in its front matter), their cited abstracts plus distractors
(random abstracts, and the abstracts BM25 ranks nearest to each claim, so retrieval has to choose)
become literature files, ingest builds a throw-away store in-process with its own ``Settings`` and
audits it exactly as it audits the real corpus, and the audit's claims are matched back to the gold
claims by their span in the article.

Gold per claim (``allenai_release/claims_train.jsonl``): ``supported`` when its evidence SUPPORTs,
``contradicted`` when it CONTRADICTs, ``no_evidence`` when the cited abstracts carry no evidence
(NEI); claims whose cited documents disagree are left out (counted in the results).

Splits: ``core.splits.claim_split`` (the verifier's own split) sets aside 20 % of the SciFact train claims
("dev") that the verifier never trained on; that part is halved by a hash of the claim id into
``fit`` (may be used to fit a decision layer on top of the audit) and ``test`` (never fitted on;
the reported figure). ``train`` is what the verifier trained on (optimistic), ``all`` everything.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import dataclasses
import datetime as _dt
import difflib
import hashlib
import json
import random
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from chatbot.audit.aggregate import FINDINGS
from core.audit_report import AuditReport, ClaimRecord
from core.precision import describe as describe_precision

SPLITS = ("test", "fit", "dev", "train", "all")
GOLD = ("supported", "contradicted", "no_evidence")
THREE = ("S", "C", "N")
ARTICLE_ID = "scifact_claims"
REPORTS_DIR = Path(__file__).resolve().parent / "reports" / "audit-corpus"


# -- records ----------------------------------------------------------------------------------------
@dataclass
class GoldClaim:
    """One claim of the built article, with its gold label and where it came from."""

    claim_id: str
    text: str  # exactly as written into the article (one paragraph)
    gold: str  # supported | contradicted | no_evidence
    split: str  # train | fit | test
    cited_doc_ids: list[str] = field(default_factory=list)
    evidence_doc_ids: list[str] = field(default_factory=list)


@dataclass
class BuiltCorpus:
    """What ``build_corpus`` wrote: the corpus folder, the gold claims in article order, and the literature."""

    corpus_dir: Path
    article_path: Path
    split: str
    seed: int
    distractors_per_claim: int
    claims: list[GoldClaim]
    literature: dict[str, str]  # SciFact doc id -> why it is there: cited | nearest | random
    skipped: dict[str, int]  # reason -> claims left out

    def to_json(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["corpus_dir"], d["article_path"] = str(self.corpus_dir), str(self.article_path)
        return d


def literature_doc_id(scifact_id: str) -> str:
    return f"sf_{scifact_id}"


# -- splits -----------------------------------------------------------------------------------------
def claim_split(claim_id: Any) -> str:
    """``train`` (the verifier trained on it), or ``fit`` / ``test``: the two halves of the verifier's dev part."""
    from core.splits import claim_split as _claim_split

    if _claim_split(claim_id) != "dev":
        return "train"
    h = hashlib.sha256(f"audit-corpus/{claim_id}".encode()).digest()
    return "fit" if h[0] % 2 == 0 else "test"


def in_split(claim_id: Any, split: str) -> bool:
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r} (use one of {', '.join(SPLITS)})")
    part = claim_split(claim_id)
    return split == "all" or part == split or (split == "dev" and part in {"fit", "test"})


# -- reading the data set ---------------------------------------------------------------------------
def _read_jsonl(path: Path) -> Iterator[dict]:
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def load_abstracts(src: Path) -> dict[str, dict[str, str]]:
    """{doc id: {title, text}} from the BEIR ``corpus.jsonl``, else the release's ``corpus.jsonl``."""
    src = Path(src)
    out: dict[str, dict[str, str]] = {}
    if (src / "corpus.jsonl").exists():
        for d in _read_jsonl(src / "corpus.jsonl"):
            out[str(d["_id"])] = {"title": (d.get("title") or "").strip(), "text": (d.get("text") or "").strip()}
    elif (src / "allenai_release" / "corpus.jsonl").exists():
        for d in _read_jsonl(src / "allenai_release" / "corpus.jsonl"):
            ab = d.get("abstract") or []
            out[str(d["doc_id"])] = {
                "title": (d.get("title") or "").strip(),
                "text": " ".join(s.strip() for s in ab) if isinstance(ab, list) else str(ab).strip(),
            }
    else:
        raise FileNotFoundError(f"{src}: no corpus.jsonl (BEIR) or allenai_release/corpus.jsonl")
    return out


def gold_label(evidence: dict[str, list[dict]]) -> str:
    """supported / contradicted / no_evidence, or ``disagree`` when the cited documents differ."""
    labels = {e.get("label") for sets in (evidence or {}).values() for e in sets}
    if not labels:
        return "no_evidence"
    if labels == {"SUPPORT"}:
        return "supported"
    if labels == {"CONTRADICT"}:
        return "contradicted"
    return "disagree"


def load_claims(src: Path) -> list[dict[str, Any]]:
    """[{id, claim, gold, cited_doc_ids, evidence_doc_ids}] from the release's claims (the labels' source).

    Falls back to ``pairs_train.jsonl`` (one row per claim and cited document, label per pair).
    """
    src = Path(src)
    rel = src / "allenai_release" / "claims_train.jsonl"
    out: list[dict[str, Any]] = []
    if rel.exists():
        for r in _read_jsonl(rel):
            ev = r.get("evidence") or {}
            out.append(
                {
                    "id": str(r["id"]),
                    "claim": r["claim"].strip(),
                    "gold": gold_label(ev),
                    "cited_doc_ids": [str(d) for d in r.get("cited_doc_ids") or []],
                    "evidence_doc_ids": sorted(str(d) for d in ev),
                }
            )
        return out
    pairs = src / "pairs_train.jsonl"
    if not pairs.exists():
        raise FileNotFoundError(f"{src}: no allenai_release/claims_train.jsonl or pairs_train.jsonl with claim labels")
    by_claim: dict[str, dict[str, Any]] = {}
    name = {"SUPPORTS": "SUPPORT", "REFUTES": "CONTRADICT"}
    for r in _read_jsonl(pairs):
        c = by_claim.setdefault(str(r["claim_id"]), {"id": str(r["claim_id"]), "claim": r["claim"].strip(), "ev": {}, "cited_doc_ids": []})
        c["cited_doc_ids"].append(str(r["doc_id"]))
        if r["label"] in name:
            c["ev"].setdefault(str(r["doc_id"]), []).append({"label": name[r["label"]]})
    for c in by_claim.values():
        ev = c.pop("ev")
        out.append({**c, "gold": gold_label(ev), "evidence_doc_ids": sorted(ev)})
    return out


# -- building the corpus ----------------------------------------------------------------------------
def _sentence(text: str) -> str:
    t = re.sub(r"\s+", " ", text).strip()
    t = t.rstrip(" ;,:")
    return t if t.endswith((".", "!")) else t.rstrip("?") + "."


def front_matter(meta: dict[str, Any]) -> str:
    """YAML front matter for a built corpus file (the Markdown loader reads title, role, study type and year from it)."""
    import yaml

    return "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=10_000) + "---\n\n"


def nearest_abstracts(abstracts: dict[str, dict[str, str]], ids: list[str]):
    """A BM25 search over every abstract (the project's tokenizer), or word overlap without bm25s."""
    texts = [f"{abstracts[i]['title']}\n{abstracts[i]['text']}" for i in ids]
    try:
        from core.lexical import LexicalIndex

        index = LexicalIndex.build(ids, texts)
        return lambda query, k: [d for d, _ in index.search(query, k)]
    except ImportError:  # pragma: no cover - bm25s is a project dependency
        bags = [set(re.findall(r"\w{3,}", t.lower())) for t in texts]

        def search(query: str, k: int) -> list[str]:
            q = set(re.findall(r"\w{3,}", query.lower()))
            order = sorted(range(len(ids)), key=lambda i: -len(q & bags[i]))
            return [ids[i] for i in order[:k] if q & bags[i]]

        return search


def build_corpus(src_dir: Path, out_dir: Path, split: str = "test", limit: int | None = None, distractors_per_claim: int = 3, seed: int = 13) -> BuiltCorpus:
    """Write ``out_dir/article/scifact-claims.md`` and ``out_dir/literature/sf_<id>.md``; return the gold claims.

    Claims of ``split`` with a single gold label are shuffled with ``seed`` and the first ``limit``
    kept. Each brings its cited abstracts and ``distractors_per_claim`` others: half (rounded up)
    the abstracts BM25 ranks nearest to the claim, the rest drawn at random.
    """
    src_dir, out_dir = Path(src_dir), Path(out_dir)
    abstracts = load_abstracts(src_dir)
    skipped: collections.Counter[str] = collections.Counter()
    pool: list[dict[str, Any]] = []
    for c in load_claims(src_dir):
        if not in_split(c["id"], split):
            continue
        if c["gold"] == "disagree":
            skipped["cited documents disagree"] += 1
            continue
        if not c["cited_doc_ids"] or any(d not in abstracts for d in c["cited_doc_ids"]):
            skipped["cited abstract missing"] += 1
            continue
        pool.append(c)
    pool.sort(key=lambda c: (int(c["id"]) if c["id"].isdigit() else 0, c["id"]))
    rng = random.Random(seed)
    rng.shuffle(pool)
    chosen = pool[:limit] if limit else pool
    seen_text: set[str] = set()
    claims: list[GoldClaim] = []
    for c in chosen:
        text = _sentence(c["claim"])
        if text.lower() in seen_text:
            skipped["duplicate claim text"] += 1
            continue
        seen_text.add(text.lower())
        claims.append(GoldClaim(c["id"], text, c["gold"], claim_split(c["id"]), c["cited_doc_ids"], c["evidence_doc_ids"]))

    literature: dict[str, str] = {}
    for c in claims:
        for d in c.cited_doc_ids:
            literature[d] = "cited"
    k = max(0, int(distractors_per_claim))
    if k and claims:
        ids = sorted(abstracts)
        n_near = (k + 1) // 2
        search = nearest_abstracts(abstracts, ids) if n_near else None
        for c in claims:
            if search is not None:
                got = 0
                for d in search(c.text, n_near + len(literature) + 5):
                    if got >= n_near:
                        break
                    if d not in literature:
                        literature[d] = "nearest"
                        got += 1
            rest = [d for d in rng.sample(ids, min(len(ids), 4 * k + len(c.cited_doc_ids))) if d not in literature]
            for d in rest[: k - n_near]:
                literature[d] = "random"

    if out_dir.exists() and any(out_dir.iterdir()):
        raise FileExistsError(f"{out_dir} is not empty; build_corpus writes a fresh corpus")
    (out_dir / "article").mkdir(parents=True, exist_ok=True)
    (out_dir / "literature").mkdir(parents=True, exist_ok=True)
    article = out_dir / "article" / "scifact-claims.md"
    head = front_matter(
        {
            "id": ARTICLE_ID,
            "title": f"SciFact claims ({split} split, {len(claims)} claims)",
            "role": "article",
            "study_type": "article",
            "year": None,
            "digest_of": f"claims of {src_dir.name}, one per paragraph",
        }
    )
    article.write_text(head + "".join(f"{c.text}\n\n" for c in claims), encoding="utf-8")
    for d in sorted(literature):
        a = abstracts[d]
        meta = {
            "id": literature_doc_id(d),
            "title": a["title"] or f"SciFact abstract {d}",
            "role": "literature",
            "study_type": "unknown",
            "year": None,
            "digest_of": "abstract",
            "licence": "ODC-By 1.0 (SciFact corpus)",
        }
        (out_dir / "literature" / f"{literature_doc_id(d)}.md").write_text(front_matter(meta) + re.sub(r"\s+", " ", a["text"]).strip() + "\n", encoding="utf-8")
    return BuiltCorpus(out_dir, article, split, seed, k, claims, literature, dict(skipped))


# -- matching the audit's claims to gold claims -----------------------------------------------------
def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w%.+\-]+", " ", s.lower())).strip(" .")


def article_text(chunks: Iterable[Any], doc_id: str = ARTICLE_ID) -> str:
    """The article's cleaned text rebuilt from its chunks (chunk offsets index ``Document.text``)."""
    cs = sorted((c for c in chunks if c.doc_id == doc_id), key=lambda c: c.start)
    if not cs:
        return ""
    buf = ["\n"] * max(c.start + len(c.text) for c in cs)
    for c in cs:
        buf[c.start : c.start + len(c.text)] = list(c.text)
    return "".join(buf)


def gold_spans(doc: str, claims: list[GoldClaim]) -> list[tuple[int, int] | None]:
    """(start, end) of each gold claim's paragraph in the cleaned article text, None when cleaning dropped it.

    Paragraphs keep their order, so each claim is looked for after the previous one: first as its
    exact text, then as the best fuzzy match among the next few lines.
    """
    lines: list[tuple[int, int]] = []
    pos = 0
    for raw in doc.split("\n"):
        a = pos + len(raw) - len(raw.lstrip())
        b = pos + len(raw.rstrip())
        if b > a:
            lines.append((a, b))
        pos += len(raw) + 1
    out: list[tuple[int, int] | None] = []
    li = 0
    for c in claims:
        exact = doc.find(c.text, lines[li][0] if li < len(lines) else len(doc))
        if exact >= 0:
            out.append((exact, exact + len(c.text)))
            while li < len(lines) and lines[li][0] < exact + len(c.text):
                li += 1
            continue
        target = _norm(c.text)
        best, best_j = 0.0, -1
        for j in range(li, min(len(lines), li + 6)):
            r = difflib.SequenceMatcher(None, target, _norm(doc[lines[j][0] : lines[j][1]]), autojunk=False).ratio()
            if r > best:
                best, best_j = r, j
        if best >= 0.75:
            out.append(lines[best_j])
            li = best_j + 1
        else:
            out.append(None)
    return out


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def match_claims(
    records: list[ClaimRecord], claims: list[GoldClaim], spans: list[tuple[int, int] | None] | None = None, doc_id: str = ARTICLE_ID
) -> list[list[ClaimRecord]]:
    """For each gold claim, the audit records that come from it (best match first; empty when not extracted).

    By span when the record has one and the gold span is known (the audit may cut a paragraph into
    sentences, or prefix a pronoun's antecedent to the text, but the span stays inside it); by
    normalised text otherwise (difflib ratio >= 0.85, or the record's words all in the claim's).
    """
    spans = spans if spans is not None else [None] * len(claims)
    found: list[list[tuple[float, ClaimRecord]]] = [[] for _ in claims]
    gold_norm = [_norm(c.text) for c in claims]
    for r in records:
        if r.doc_id not in (None, "", doc_id):
            continue
        best, best_i = 0.0, -1
        if r.start is not None and r.end is not None:
            for i, sp in enumerate(spans):
                if sp is not None:
                    ov = _overlap((r.start, r.end), sp)
                    if ov > 0 and ov / max(1, r.end - r.start) >= 0.5 and ov > best:
                        best, best_i = float(ov), i
        if best_i < 0:
            t = _norm(r.text or r.claim)
            words = set(t.split())
            for i, g in enumerate(gold_norm):
                ratio = difflib.SequenceMatcher(None, t, g, autojunk=False).ratio()
                inside = len(words) >= 4 and words <= set(g.split())
                score = max(ratio, 0.9 if inside else 0.0)
                if score >= 0.85 and score > best:
                    best, best_i = score, i
            best = best / 1000.0  # text matches rank below span matches
        if best_i >= 0:
            found[best_i].append((best, r))
    return [[r for _, r in sorted(f, key=lambda x: -x[0])] for f in found]


# -- metrics ----------------------------------------------------------------------------------------
def collapse(label: str) -> str:
    """Three-way view of a gold label or a finding: supported → S, contradicted → C, everything else → N."""
    return {"supported": "S", "contradicted": "C"}.get(label, "N")


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def macro_f1(pairs: list[tuple[str, str]], labels: tuple[str, ...] = THREE) -> tuple[float | None, dict[str, dict]]:
    """(macro-F1 over ``labels`` present in gold or prediction, per-label P/R/F1) for (gold, predicted) pairs."""
    per: dict[str, dict] = {}
    f1s = []
    for lab in labels:
        tp = sum(1 for g, p in pairs if g == lab and p == lab)
        n_pred = sum(1 for _, p in pairs if p == lab)
        n_gold = sum(1 for g, _ in pairs if g == lab)
        prec, rec = (tp / n_pred if n_pred else 0.0), (tp / n_gold if n_gold else 0.0)
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per[lab] = {"precision": round(prec, 4), "recall": round(rec, 4), "f1": round(f1, 4), "gold": n_gold, "predicted": n_pred}
        if n_gold or n_pred:
            f1s.append(f1)
    return (round(sum(f1s) / len(f1s), 4) if f1s else None), per


def three_way_metrics(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Metrics on (gold label, finding) pairs after the S/C/N collapse."""
    p3 = [(collapse(g), collapse(f)) for g, f in pairs]
    f1, per = macro_f1(p3)
    n_c = sum(1 for g, _ in p3 if g == "C")
    pred_s = [g for g, p in p3 if p == "S"]
    not_s = [p for g, p in p3 if g != "S"]
    return {
        "claims": len(pairs),
        "macro_f1": f1,
        "accuracy": _ratio(sum(1 for g, p in p3 if g == p), len(p3)),
        "contradiction_recall": _ratio(sum(1 for g, p in p3 if g == "C" and p == "C"), n_c),
        "supported_precision": _ratio(sum(1 for g in pred_s if g == "S"), len(pred_s)),
        "false_supported_rate": _ratio(sum(1 for p in not_s if p == "S"), len(not_s)),
        "per_class": per,
    }


def confusion(pairs: list[tuple[str, str]]) -> dict[str, dict[str, int]]:
    """Gold (3 rows) × finding (6 columns) counts."""
    m = {g: {f: 0 for f in FINDINGS} for g in GOLD}
    for g, f in pairs:
        if g in m:
            m[g][f if f in FINDINGS else "unsupported"] += 1
    return m


def score(claims: list[GoldClaim], matches: list[list[ClaimRecord]], literature: dict[str, str] | None = None) -> dict[str, Any]:
    """Per-claim rows and the summary metrics for gold claims and their matched audit records."""
    rows: list[dict[str, Any]] = []
    for c, recs in zip(claims, matches):
        rec = recs[0] if recs else None
        row: dict[str, Any] = {"claim_id": c.claim_id, "text": c.text, "gold": c.gold, "split": c.split, "extracted": rec is not None, "audit_parts": len(recs)}
        if rec is not None:
            ev_docs = [e.doc_id for e in rec.evidence]
            cited = {literature_doc_id(d) for d in c.cited_doc_ids}
            row.update(
                {
                    "audit_id": rec.id,
                    "audit_text": rec.text or rec.claim,
                    "verdict": rec.verdict,
                    "finding": rec.finding,
                    "finding_source": "verdict" if rec.finding_inferred else "finding",
                    "confidence": rec.confidence,
                    "features": dict(rec.features),
                    "reason": rec.reason or " | ".join(rec.reasons),
                    "evidence_docs": ev_docs,
                    # what the audit quoted, so a reader of claims.jsonl sees why (not only which documents)
                    "evidence": [{"doc_id": e.doc_id, "stance": e.stance, "text": e.text} for e in rec.evidence],
                    "cited_doc_in_evidence": bool(cited & set(ev_docs)),
                }
            )
        else:
            row.update({"verdict": None, "finding": None, "features": {}, "reason": "not extracted by the audit"})
        rows.append(row)
    extracted = [r for r in rows if r["extracted"]]
    pairs = [(r["gold"], r["finding"]) for r in extracted]
    end_to_end = [(r["gold"], r["finding"] if r["extracted"] else "not_covered") for r in rows]
    not_extracted = {g: sum(1 for r in rows if r["gold"] == g and not r["extracted"]) for g in GOLD}
    dist = collections.Counter(r["gold"] for r in rows)
    return {
        "rows": rows,
        "metrics": {
            "gold_claims": len(rows),
            "gold_distribution": {g: dist.get(g, 0) for g in GOLD},
            "claims_extracted": _ratio(len(extracted), len(rows)),
            "extracted": len(extracted),
            "not_extracted_by_gold": not_extracted,
            "confusion": confusion(pairs),
            "three_way": three_way_metrics(pairs),
            "three_way_end_to_end": three_way_metrics(end_to_end),
            "cited_doc_in_evidence": _ratio(sum(1 for r in extracted if r["cited_doc_in_evidence"]), len(extracted)),
            "finding_source": dict(collections.Counter(r["finding_source"] for r in extracted)),
        },
    }


# -- ingest + audit ---------------------------------------------------------------------------------
def settings_for(corpus_dir: Path, store_dir: Path, base=None):
    """``base`` (or default) settings pointed at a built corpus and its own store, offline: the product as a user runs it."""
    from core.settings import Settings

    upd = {"corpus_dir": Path(corpus_dir).resolve(), "store_dir": Path(store_dir).resolve(), "fetch_online": False}
    return base.model_copy(update=upd) if base is not None else Settings(**upd)


def ingest(settings, bar: bool = False):
    """Ingest with the claim audit, in-process, on the store ``settings`` names: ``services.Services.ingest``, which
    hands ``ingest.pipeline.run_ingest`` the configured embedder and the chatbot's claim audit as its post-build step."""
    from services import build_services

    return build_services(settings).ingest(bar=bar)


@contextlib.contextmanager
def _all_gold_claims(claims: list[GoldClaim], spans: list[tuple[int, int] | None]):
    """Within the block, the audit's claim extraction returns the gold claims themselves (see ``--bypass-extraction``)."""
    import chatbot.audit.pipeline as pipeline
    from chatbot.audit.claims import Claim, claim_id, clean

    original = pipeline.claims_from_snapshot

    def gold_claims(snapshot, *args, **kwargs) -> list:
        chunks = [c for c in snapshot.ordered_chunks() if c.doc_id == ARTICLE_ID]
        out = []
        for c, sp in zip(claims, spans):
            if sp is None or not chunks:
                continue
            ch = next((x for x in chunks if x.start <= sp[0] and sp[1] <= x.start + len(x.text)), min(chunks, key=lambda x: abs(x.start - sp[0])))
            out.append(Claim(claim_id(c.text), clean(c.text), ch.section, sp[0], sp[1], ch.chunk_id, ARTICLE_ID))
        return out

    pipeline.claims_from_snapshot = gold_claims
    try:
        yield
    finally:
        pipeline.claims_from_snapshot = original


def run(
    src_dir: Path,
    split: str = "test",
    limit: int | None = None,
    distractors: int = 3,
    seed: int = 13,
    work_dir: Path | None = None,
    settings=None,
    bypass_extraction: bool = False,
    verifier=None,
    progress: bool = False,
) -> dict[str, Any]:
    """Build the corpus, ingest and audit it in a store under ``work_dir`` (a temporary folder when None), score it.

    ``settings`` is the base the corpus/store folders are set on (tests pass the fake embedder);
    ``verifier`` is only used by the extraction-bypassing second audit (ingest's own audit loads the
    configured one). Returns {"config", "corpus", "timings", "metrics", "rows", ...}.
    """
    t_all = time.perf_counter()
    with contextlib.ExitStack() as stack:
        if work_dir is None:
            work_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="audit-corpus-")))
        work_dir = Path(work_dir)
        t0 = time.perf_counter()
        built = build_corpus(src_dir, work_dir / "corpus", split, limit, distractors, seed)
        t_build = time.perf_counter() - t0
        s = settings_for(built.corpus_dir, work_dir / "store", settings)

        from core.store import open_snapshot

        t0 = time.perf_counter()
        summary = ingest(s, bar=progress and sys.stderr.isatty())
        t_ingest = time.perf_counter() - t0
        if summary.failed:
            print(f"warning: {len(summary.failed)} files failed to ingest: {summary.failed[:3]}", file=sys.stderr)
        if summary.audit != "written":
            raise RuntimeError(f"ingest wrote no claim audit: {summary.audit}")
        snap = open_snapshot(s)
        audit = snap.audit() or AuditReport()
        doc = article_text(snap.ordered_chunks())
        spans = gold_spans(doc, built.claims)
        result = score(built.claims, match_claims(audit.claims, built.claims, spans), built.literature)
        chunks_by_role = collections.Counter(c.role for c in snap.ordered_chunks())
        out: dict[str, Any] = {
            "config": {
                "src": str(Path(src_dir).resolve()),
                "split": split,
                "limit": limit,
                "distractors": distractors,
                "seed": seed,
                "bypass_extraction": bypass_extraction,
                "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                # findings move by a claim or two between bf16 and fp32 inference (SciFact test half 0.515 and 0.493)
                "inference": describe_precision(s.inference_precision),
            },
            "corpus": {
                "claims": len(built.claims),
                "skipped": built.skipped,
                "literature": dict(collections.Counter(built.literature.values())),
                "documents": summary.documents,
                "chunks": summary.chunks,
                "chunks_by_role": dict(chunks_by_role),
                "failed": [list(f) for f in summary.failed],
                "gold_paragraphs_located": sum(sp is not None for sp in spans),
            },
            "audit": {
                "claims": len(audit.claims),
                "verifier": audit.verifier.to_json() if audit.verifier else None,
                "stats": audit.stats.to_json() if audit.stats else {},
            },
            "metrics": result["metrics"],
            "rows": result["rows"],
        }
        timings = {"build_s": round(t_build, 1), "ingest_s": round(t_ingest, 1), "audit_s": audit.stats.seconds if audit.stats else None}
        if bypass_extraction:
            from chatbot.audit import audit_snapshot
            from chatbot.audit.direction import get_direction
            from services import build_services

            t0 = time.perf_counter()
            services = build_services(s)
            with _all_gold_claims(built.claims, spans):
                forced = audit_snapshot(
                    snap,
                    audit,
                    retriever=services.retriever(snap),
                    settings=s,
                    verifier=verifier if verifier is not None else services.verifier,
                    direction=get_direction(s),  # the real classifier even beside a given verifier, as before
                    progress=progress,
                )
            timings["bypass_audit_s"] = round(time.perf_counter() - t0, 1)
            res2 = score(built.claims, match_claims(forced.claims, built.claims, spans), built.literature)
            out["bypass"] = {"metrics": res2["metrics"], "rows": res2["rows"], "audit_stats": forced.stats.to_json() if forced.stats else {}}
        timings["total_s"] = round(time.perf_counter() - t_all, 1)
        out["timings"] = timings
        out["gold_claims"] = [dataclasses.asdict(c) for c in built.claims]
    return out


# -- report -----------------------------------------------------------------------------------------
def _fmt(x: Any) -> str:
    if x is None:
        return "n/a"
    if isinstance(x, float):
        return f"{x:.3f}"
    return str(x)


def _secs(x: Any) -> str:
    return "n/a" if x is None else f"{float(x):.1f} s"


def _metrics_md(m: dict[str, Any], title: str) -> list[str]:
    tw, e2e = m["three_way"], m["three_way_end_to_end"]
    lines = [
        f"### {title}",
        "",
        f"Claims extracted by the audit: **{m['extracted']} / {m['gold_claims']}** ({_fmt(m['claims_extracted'])}); "
        f"not extracted by gold label: " + ", ".join(f"{g} {n}" for g, n in m["not_extracted_by_gold"].items()) + ".",
        f"Extracted claims whose evidence includes a cited (gold) abstract: {_fmt(m['cited_doc_in_evidence'])}.",
        "",
        "Findings of the extracted claims (rows: gold, columns: finding):",
        "",
        "| gold \\ finding | " + " | ".join(FINDINGS) + " | total |",
        "|---|" + "---:|" * (len(FINDINGS) + 1),
    ]
    for g in GOLD:
        row = m["confusion"][g]
        lines.append(f"| {g} | " + " | ".join(str(row[f]) for f in FINDINGS) + f" | {sum(row.values())} |")
    lines += [
        "",
        "Three-way collapse (supported → S, contradicted → C, every other finding → N):",
        "",
        "| metric | extracted claims | end to end (not extracted = N) |",
        "|---|---:|---:|",
    ]
    for key, label in (
        ("claims", "claims"),
        ("macro_f1", "macro-F1 (S/C/N)"),
        ("accuracy", "accuracy"),
        ("contradiction_recall", "contradiction recall"),
        ("supported_precision", "supported precision"),
        ("false_supported_rate", "false-supported rate (non-supported gold called S)"),
    ):
        lines.append(f"| {label} | {_fmt(tw[key])} | {_fmt(e2e[key])} |")
    lines += ["", "| class | precision | recall | F1 | gold | predicted |", "|---|---:|---:|---:|---:|---:|"]
    for lab in THREE:
        p = tw["per_class"][lab]
        lines.append(f"| {lab} | {_fmt(p['precision'])} | {_fmt(p['recall'])} | {_fmt(p['f1'])} | {p['gold']} | {p['predicted']} |")
    src = m.get("finding_source") or {}
    if src.get("verdict"):
        lines += [
            "",
            f"Note: {src['verdict']} records had no `finding` field; their finding was mapped from the 4-way "
            "verdict (mixed → conflicting, no_evidence → unsupported).",
        ]
    return lines + [""]


def render_report(result: dict[str, Any], command: str = "") -> str:
    cfg, corp, t = result["config"], result["corpus"], result["timings"]
    m = result["metrics"]
    lines = [
        f"# Claim audit against SciFact gold labels — {cfg['split']} split",
        "",
        f"Created {cfg['created']}"
        + (f" by `{command}`" if command else "")
        + "."
        + (f" Model inference: {cfg['inference']}." if cfg.get("inference") else ""),
        "",
        f"- Source: `{cfg['src']}`; split **{cfg['split']}**"
        + (" (never used for fitting)" if cfg["split"] == "test" else "")
        + f", limit {cfg['limit'] or 'none'}, seed {cfg['seed']}, {cfg['distractors']} distractors per claim.",
        f"- Gold claims: {corp['claims']} ("
        + ", ".join(f"{g} {n}" for g, n in m["gold_distribution"].items())
        + ")"
        + ("; left out: " + ", ".join(f"{k} {v}" for k, v in corp["skipped"].items()) if corp["skipped"] else "")
        + ".",
        f"- Literature: {sum(corp['literature'].values())} abstracts ("
        + ", ".join(f"{k} {v}" for k, v in sorted(corp["literature"].items()))
        + f"); {corp['documents']} documents, "
        f"{corp['chunks']} chunks in the store; {corp['gold_paragraphs_located']} of {corp['claims']} claim paragraphs located in the cleaned article.",
        f"- Audit: {result['audit']['claims']} claims extracted from the article; verifier `{(result['audit'].get('verifier') or {}).get('path', '?')}`.",
        f"- Wall time: {_secs(t['total_s'])} (build {_secs(t['build_s'])}, ingest incl. audit {_secs(t['ingest_s'])}, "
        f"audit {_secs(t['audit_s'])}" + (f", extraction-bypassing audit {_secs(t['bypass_audit_s'])}" if "bypass_audit_s" in t else "") + ").",
        "",
    ]
    if m["gold_claims"] < 100:
        n_c = m["gold_distribution"]["contradicted"]
        lines += [
            f"Small sample: one claim is {100 / max(1, m['gold_claims']):.1f} points of accuracy"
            + (f" and {100 / n_c:.1f} points of contradiction recall ({n_c} contradicted claims)" if n_c else "")
            + "; read differences of a few claims as noise.",
            "",
        ]
    lines += _metrics_md(m, "The audit as ingest runs it")
    if "bypass" in result:
        lines += _metrics_md(result["bypass"]["metrics"], "Every gold claim audited (claim extraction bypassed: the judging stage alone)")
    rows = [r for r in result["rows"] if r["extracted"]]
    bad = [r for r in rows if collapse(r["finding"]) == "S" and r["gold"] != "supported"]
    if bad:
        lines += ["### False `supported`", ""] + [f"- [{r['gold']}] {r['text']} — {r['reason'][:300]}" for r in bad] + [""]
    missed = [r for r in result["rows"] if not r["extracted"]][:10]
    if missed:
        lines += ["### Not extracted (first 10)", ""] + [f"- [{r['gold']}] {r['text']}" for r in missed] + [""]
    lines += ["Per-claim rows (gold, verdict, finding, features, reason): `claims.jsonl`; all figures: `results.json`.", ""]
    return "\n".join(lines)


def write_report(result: dict[str, Any], out_dir: Path, command: str = "") -> Path:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / "claims.jsonl").open("w", encoding="utf-8") as fh:
        for r in result["rows"]:
            fh.write(json.dumps(r, ensure_ascii=False, default=str) + "\n")
    if "bypass" in result:
        with (out_dir / "claims_bypass.jsonl").open("w", encoding="utf-8") as fh:
            for r in result["bypass"]["rows"]:
                fh.write(json.dumps(r, ensure_ascii=False, default=str) + "\n")
    slim = {k: v for k, v in result.items() if k != "rows"}
    if "bypass" in slim:
        slim["bypass"] = {k: v for k, v in slim["bypass"].items() if k != "rows"}
    slim["command"] = command
    (out_dir / "results.json").write_text(json.dumps(slim, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
    (out_dir / "report.md").write_text(render_report(result, command), encoding="utf-8")
    return out_dir


# -- CLI --------------------------------------------------------------------------------------------
def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m evals audit-corpus", description=__doc__.splitlines()[0])
    p.add_argument("dir", type=Path, help="SciFact-style folder: corpus.jsonl and allenai_release/claims_train.jsonl")
    p.add_argument(
        "--split",
        choices=SPLITS,
        default="test",
        help="test: half of the verifier's held-out claims, never fitted on (default); fit: the other half; "
        "dev: both; train: claims the verifier trained on; all",
    )
    p.add_argument("--limit", type=int, default=None, help="at most N claims (a seeded random sample of the split)")
    p.add_argument("--distractors", type=int, default=3, help="distractor abstracts per claim (half BM25-nearest, half random)")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--out", type=Path, default=None, help="report folder (default evals/reports/audit-corpus/<name>/)")
    p.add_argument(
        "--keep-store",
        type=Path,
        default=None,
        metavar="DIR",
        help="build corpus and store in DIR (must be empty or absent) and keep them, instead of a temporary folder",
    )
    p.add_argument("--bypass-extraction", action="store_true", help="also audit every gold claim, whether or not the audit's claim extraction keeps it")
    a = p.parse_args(argv[1:])
    if not a.dir.is_dir():
        print(f"error: {a.dir} is not a folder", file=sys.stderr)
        return 2
    if a.keep_store is not None and a.keep_store.exists() and any(a.keep_store.iterdir()):
        print(f"error: --keep-store {a.keep_store} is not empty", file=sys.stderr)
        return 2
    name = f"{a.dir.resolve().name}-{a.split}-{a.limit or 'all'}"
    out = a.out or REPORTS_DIR / name
    command = "python -m evals " + " ".join(argv)
    try:
        result = run(a.dir, a.split, a.limit, a.distractors, a.seed, work_dir=a.keep_store, bypass_extraction=a.bypass_extraction, progress=True)
    except (FileNotFoundError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    write_report(result, out, command)
    m = result["metrics"]
    summary = {
        "out": str(out),
        "claims": m["gold_claims"],
        "claims_extracted": m["claims_extracted"],
        "three_way": {k: v for k, v in m["three_way"].items() if k != "per_class"},
        "seconds": result["timings"]["total_s"],
    }
    if "bypass" in result:
        summary["bypass_three_way"] = {k: v for k, v in result["bypass"]["metrics"]["three_way"].items() if k != "per_class"}
    print(json.dumps(summary))
    return 0
