"""Tables for the audit and corpus pages, built as plain rows/DataFrames so they can be tested
and exported without Streamlit. ``st.dataframe`` shows cell values as text (never Markdown or
HTML), so document text is safe in these tables as it is."""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

import pandas as pd

from app.reasons import number_evidence, readable
from app.render import VERDICT_LABELS, strongest_study_type, study_label
from core.audit_report import AuditReport, ClaimRecord
from core.records import DocumentRecord, StoreManifest

VERDICT_ORDER = ["contradicted", "mixed", "no_evidence", "supported"]
FINDING_ORDER = ["contradicted", "conflicting", "extrapolated", "unsupported", "not_covered", "supported"]
AUDIT_COLUMNS = ["id", "claim", "section", "finding", "verdict", "reason", "confidence", "evidence", "strongest_study_type"]


def audit_claims(audit: AuditReport | None) -> list[ClaimRecord]:
    return list(audit.claims) if audit is not None else []


def audit_rows(audit: AuditReport | None) -> list[dict[str, Any]]:
    """One row per claim with the columns a reviewer sorts and filters by."""
    rows = []
    for c in audit_claims(audit):
        ev = c.evidence_json()
        rows.append(
            {
                "id": c.id,
                "claim": c.text,
                "section": c.section or "",
                "finding": c.finding,
                "verdict": c.verdict or "no_evidence",
                "reason": readable(c.reason or next(iter(c.reasons), ""), number_evidence(ev)),
                "confidence": c.confidence,
                "evidence": len(ev),
                "strongest_study_type": strongest_study_type(ev),
            }
        )
    return rows


_ATTENTION = {f: i for i, f in enumerate(["contradicted", "conflicting", "extrapolated", "supported", "unsupported", "not_covered"])}


def audit_frame(audit: AuditReport | None) -> pd.DataFrame:
    """Claims needing attention first (contradicted, conflicting, extrapolated, supported, unsupported, not covered),
    article order within each."""
    rows = sorted(audit_rows(audit), key=lambda r: _ATTENTION.get(str(r.get("finding")), 1))
    return pd.DataFrame(rows, columns=AUDIT_COLUMNS)


def filter_audit(df: pd.DataFrame, verdicts: list[str] | None = None, sections: list[str] | None = None, text: str = "") -> pd.DataFrame:
    """Rows matching every given filter; empty filters keep everything."""
    out = df
    if verdicts:  # findings or the older verdicts, whichever the caller names
        out = out[out["finding"].isin(verdicts) | out["verdict"].isin(verdicts)]
    if sections:
        out = out[out["section"].isin(sections)]
    if text.strip():
        out = out[out["claim"].str.contains(text.strip(), case=False, regex=False)]
    return out


def verdict_counts(audit: AuditReport | None) -> pd.DataFrame:
    """Counts per finding in a fixed order (zeros included) so the chart reads the same each time."""
    counts = Counter(r["finding"] for r in audit_rows(audit))
    names = FINDING_ORDER + sorted(set(counts) - set(FINDING_ORDER))
    return pd.DataFrame({"verdict": [VERDICT_LABELS.get(v, v) for v in names], "claims": [counts.get(v, 0) for v in names]})


# what the audit table shows, in this order, under these headings (the raw ids and 4-way verdicts stay in the JSON)
DISPLAY_COLUMNS = {
    "claim": "Claim",
    "finding": "Finding",
    "reason": "Why",
    "section": "Section",
    "evidence": "Evidence",
    "strongest_study_type": "Strongest study type",
    "confidence": "Confidence",
}


def display_frame(view: pd.DataFrame) -> pd.DataFrame:
    """The rows a reader sees, with findings and study types in words ("Unsupported", not ``no_evidence``)."""
    out = view[list(DISPLAY_COLUMNS)].copy()
    out["finding"] = out["finding"].map(lambda f: VERDICT_LABELS.get(f, str(f).replace("_", " ")))
    out["strongest_study_type"] = out["strongest_study_type"].map(lambda t: study_label(t) if t else "")
    return out


def table_csv(view: pd.DataFrame) -> bytes:
    """Exactly the rows shown (after the reader's filters), with the table's headings and words, and
    cells that a spreadsheet would run as formulas neutralised."""
    df = display_frame(view).rename(columns=DISPLAY_COLUMNS)
    for col in ("Claim", "Section", "Why", "Strongest study type"):
        df[col] = df[col].map(_defuse_formula)
    buf = io.StringIO()
    df.to_csv(buf, index=False)
    return buf.getvalue().encode("utf-8")


def audit_csv(audit: AuditReport | None) -> bytes:
    """The whole audit as CSV (every claim)."""
    return table_csv(audit_frame(audit))


def _defuse_formula(v: Any) -> Any:
    # OWASP CSV injection: a leading = + - @ (or tab/CR) makes Excel/LibreOffice evaluate the cell.
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + v
    return v


def audit_json(audit: AuditReport | None) -> bytes:
    """The whole audit as the file holds it (an empty object when there is none)."""
    return (audit.to_text() if audit is not None else "{}").encode("utf-8")


def documents_rows(documents: dict[str, DocumentRecord]) -> list[dict[str, Any]]:
    """One row per document of a store manifest, article first, then by year."""
    rows = []
    for doc_id, d in (documents or {}).items():
        meta = d.meta
        rows.append(
            {
                "doc_id": doc_id,
                "title": d.title or doc_id,
                "year": d.year,
                "study_type": d.study_type,
                "role": "Article" if d.role == "article" else "Study digest",
                "chunks": len(d.chunk_ids),
                "doi": str(meta.get("doi") or ""),
                "pmid": str(meta.get("pmid") or ""),
                "source": str(meta.get("source_path") or d.path),
            }
        )
    rows.sort(key=lambda r: (r["role"] != "Article", -(r["year"] or 0), r["title"]))
    return rows


def store_stats(manifest: StoreManifest, n_chunks: int) -> dict[str, Any]:
    """The few facts about the store a reader needs to trust that it is the one they expect."""
    return {
        "version": manifest.version or "?",
        "documents": len(manifest.documents),
        "chunks": n_chunks,
        "created": manifest.created or "unknown",
        "chroma_mode": manifest.chroma_mode or "embedded",
    }


def summary_view(summary: Any) -> dict[str, Any]:
    """An ingest summary as plain counts and (file, reason) failures for the Corpus page."""
    get = (lambda k, d=None: summary.get(k, d)) if isinstance(summary, dict) else (lambda k, d=None: getattr(summary, k, d))

    def count(k: str) -> int:
        v = get(k, 0)
        return len(v) if isinstance(v, (list, tuple, set, dict)) else int(v or 0)

    failed = [(str(p), str(r)) for p, r in (get("failed") or [])]
    failed += [(str(p), "unavailable: " + str(r)) for p, r in (get("unavailable") or [])]
    return {
        "added": count("added"),
        "updated": count("updated"),
        "skipped": count("skipped"),
        "removed": count("removed"),
        "failed": failed,
        "chunks": int(get("chunks") or 0),
        "documents": int(get("documents") or 0),
        "seconds": float(get("seconds") or 0.0),
        "version": get("version"),
        "changed": bool(get("changed")),
        "audit": str(get("audit") or ""),
    }
