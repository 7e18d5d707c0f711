"""Claim → literature evidence → stances → verdict, for one claim (``check``) or the whole article (audit).

The audit runs at ingest, on the staged version, before CURRENT flips; it is incremental so a
re-ingest that changed one paper re-verifies only the claims whose retrieved evidence changed.
Retrieval is cheap and always re-run; the verifier (the expensive part) is re-run for a claim
only when its text, its retrieved chunk ids (content hashes), the verifier weights or the audit
settings differ from the previous audit.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import time
from pathlib import Path
from typing import Any, Iterable, Sequence

from chatbot.audit import checks
from chatbot.audit.aggregate import VERDICTS, Verdict, aggregate
from chatbot.audit.claims import claims_from_snapshot, is_checkworthy
from chatbot.audit.stance import assess
from core.text import content_hash

AUDIT_FILE = "audit.json"


def literature_filters():
    from chatbot.retrieval import Filters

    return Filters(role="literature")


def _settings(settings=None):
    from core.settings import get_settings

    return settings or get_settings()


# the article's words vs the papers' words for the same thing: a second query with these finds
# e.g. a "diglycinate absorption" trial for a "glycinate bioavailability" claim
_SYNONYMS = {
    "bioavailab": "absorption absorbed", "absor": "bioavailability", "glycinate": "diglycinate bisglycinate chelate",
    "latency": "sleep onset", "insomnia": "sleep quality", "anxi": "anxiety stress", "cortisol": "ACTH cortisol HPA",
    "nmda": "NMDA receptor channel Mg2+ block", "gaba": "GABA-A receptor", "atp": "ATP energy enzyme cofactor",
    "gastrointestinal": "tolerated side effects diarrhoea laxative", "laxative": "diarrhoea tolerated",
}


def expand_query(text: str) -> str | None:
    low = text.lower()
    extra = [v for k, v in _SYNONYMS.items() if k in low]
    return f"{text} {' '.join(extra)}" if extra else None


def _retrieve(text: str, retriever, k: int) -> list[Any]:
    """Literature passages only: filtered at the retriever and again here, so an article passage can never be evidence.

    A second, synonym-expanded query adds up to two passages the literal wording misses.
    """
    passages = list(retriever.search(text, k=k, filters=literature_filters()))
    expanded = expand_query(text)
    if expanded:
        seen = {getattr(p, "chunk", p).chunk_id for p in passages}
        extra = [p for p in retriever.search(expanded, k=k, filters=literature_filters())
                 if getattr(p, "chunk", p).chunk_id not in seen]
        passages += extra[:2]
    passages += _result_siblings(text, passages, retriever)
    return [p for p in passages if getattr(getattr(p, "chunk", p), "role", "") == "literature"]


def _result_siblings(text: str, passages: list[Any], retriever, limit: int = 3) -> list[Any]:
    """Results sections of retrieved papers that report a number, or a significant effect, on the claim's topic.

    A paper's background chunk often ranks first while its numbers sit in another chunk; for a
    claim with a percentage (or a claim of no effect) those results decide the verdict, so they are
    fetched from the snapshot the retriever reads (same papers only: this widens no search).
    """
    snap = getattr(retriever, "snapshot", None)
    has_pct = bool(re.search(r"\d\s*%", text))
    claims_null = bool(checks._NULL_RE.search(text))
    if snap is None or not (has_pct or claims_null):
        return []

    def decides(c) -> bool:
        return bool((has_pct and checks.numeric_consistency(text, c.text))
                    or (claims_null and checks.effect_against_null_claim(text, c.text)))

    have = {getattr(p, "chunk", p).chunk_id for p in passages}
    docs = list(dict.fromkeys(getattr(p, "chunk", p).doc_id for p in passages))
    out: list[Any] = []
    for c in snap.ordered_chunks():
        if len(out) >= limit:
            break
        if c.doc_id in docs and c.chunk_id not in have and c.role == "literature" and decides(c):
            out.append(c)
            have.add(c.chunk_id)
    return out


def _gap_verdict(text: str, query: str, retriever, settings) -> Verdict | None:
    """``no_evidence`` when the claim names something no literature document mentions (see ``chatbot.scope``)."""
    from chatbot.scope import missing_terms, quoted

    snap = getattr(retriever, "snapshot", None)
    gaps = missing_terms(query, snap, settings.embedding_model, role="literature") if snap is not None else []
    if not gaps:
        return None
    return Verdict(text, "no_evidence", 0.9, [], [
        f"no study in the corpus mentions {quoted(gaps)}, so the literature here can neither support nor refute the claim"])


def _verdict(text: str, passages: Sequence[Any], verifier, settings) -> Verdict:
    query = claim_from_question(text) if text.strip().endswith("?") else text
    items = assess(query, passages, verifier, settings)
    v = aggregate(query, items, settings.audit, mechanism=checks.is_mechanism_claim(query))
    v.claim = text
    return v


def check_claim(text: str, retriever, settings=None, verifier=None) -> Verdict:
    """Verdict for any free-text claim (or yes/no question) against the literature in the store."""
    from chatbot.audit.verifier import get_verifier

    s = _settings(settings)
    verifier = verifier or get_verifier(s)
    query = claim_from_question(text) if text.strip().endswith("?") else text
    gap = _gap_verdict(text, query, retriever, s)
    return gap or _verdict(text, _retrieve(query, retriever, s.audit.k), verifier, s)


# ---------------------------------------------------------------------------- whole-article audit

def _settings_key(settings) -> str:
    return content_hash(json.dumps(settings.audit.model_dump(), sort_keys=True), n=12)


def audit_snapshot(snapshot, previous: dict | None = None, *, retriever=None, settings=None, verifier=None,
                   progress: bool = False) -> dict:
    """Audit every article claim of ``snapshot`` (a staged or current version) against its literature.

    ``previous`` is the last audit (``Snapshot.audit()`` of the current version) or None for a full
    run. The retriever must read *this* snapshot, not the current one.
    """
    from chatbot.audit.verifier import get_verifier

    t0 = time.time()
    s = _settings(settings or getattr(snapshot, "settings", None))
    if retriever is None:
        from chatbot.retrieval import get_retriever

        retriever = get_retriever(s, snapshot=snapshot)
    verifier = verifier or get_verifier(s)
    claims = claims_from_snapshot(snapshot)
    prev_claims = {c["id"]: c for c in (previous or {}).get("claims", [])}
    prev_keys = (previous or {}).get("keys", {})
    fixed = f"{getattr(verifier, 'fingerprint', '?')}|{_settings_key(s)}"
    records: list[dict] = []
    keys: dict[str, str] = {}
    reused = 0
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(claims), desc="audit", unit="claim")
    for c in claims:
        passages = _retrieve(c.text, retriever, s.audit.k)  # no gap guard here: see chatbot.scope
        key = content_hash(c.text, fixed, *sorted(getattr(p, "chunk", p).chunk_id for p in passages), n=16)
        keys[c.id] = key
        old = prev_claims.get(c.id)
        if old is not None and prev_keys.get(c.id) == key:
            body = {k: old[k] for k in ("claim", "verdict", "confidence", "evidence", "reasons")}
            reused += 1
        else:
            body = _verdict(c.text, passages, verifier, s).to_json()
        records.append({"id": c.id, "text": c.text, "section": c.section, "start": c.start, "end": c.end,
                        "chunk_id": c.chunk_id, "doc_id": c.doc_id, **body})
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    dist = {v: sum(r["verdict"] == v for r in records) for v in VERDICTS}
    return {
        "version": getattr(snapshot, "version", None),
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "verifier": {"path": str(getattr(verifier, "path", "")), "fingerprint": getattr(verifier, "fingerprint", "")},
        "claims": records,
        "keys": keys,
        "stats": {"claims": len(records), "verdicts": dist, "reverified": len(records) - reused, "reused": reused,
                  "seconds": round(time.time() - t0, 2)},
    }


def save_audit(snapshot, audit: dict) -> Path:
    """Write audit.json beside the snapshot atomically (readers never see half a file)."""
    from core.store import atomic_write_text

    path = Path(snapshot.path) / AUDIT_FILE
    atomic_write_text(path, json.dumps(audit, indent=1, ensure_ascii=False))
    return path


# ---------------------------------------------------------------------------- chat integration

def flags_for_passages(audit: dict | None, passages: Iterable[Any]) -> list[dict]:
    """Audited claims inside the cited article passages whose verdict is not ``supported``.

    A claim matches a passage by chunk id, or by lying inside the passage's span of the same
    document (overlapping chunks repeat a sentence under another chunk id).
    """
    if not audit:
        return []
    chunks = [getattr(p, "chunk", p) for p in passages]
    chunks = [c for c in chunks if getattr(c, "role", "") == "article"]
    out: list[dict] = []
    seen: set[str] = set()
    for ch in chunks:
        for c in audit.get("claims", []):
            if c["verdict"] == "supported" or c["id"] in seen:
                continue
            inside = c.get("doc_id") == ch.doc_id and ch.start <= c["start"] and c["end"] <= ch.end
            if c.get("chunk_id") == ch.chunk_id or inside:
                seen.add(c["id"])
                out.append({"claim_id": c["id"], "claim": c["text"], "verdict": c["verdict"],
                            "reasons": c.get("reasons", []), "evidence": c.get("evidence", [])})
    return out


_WH = re.compile(r"^(?:what|how|why|which|who|whom|whose|when|where|tell|explain|describe|list|summari[sz]e|compare|give|show)\b", re.I)
_YESNO = re.compile(r"^(?:is|are|does|do|did|can|could|will|would|has|have|was|were|should|may|might)\b", re.I)
_TRUE_THAT = re.compile(r"^(?:is it (?:true|correct|right) that|true or false:?|did studies show that|do studies show that|"
                        r"does (?:the )?research show that|does evidence show that)\s+", re.I)


def looks_like_claim(question: str) -> bool:
    """Yes/no questions and statements asserting a checkable fact get a verdict first;
    open questions ("what is…", "how does…") get an ordinary answer."""
    q = question.strip()
    if len(q.split()) < 3 or _WH.match(q):
        return False
    if _TRUE_THAT.match(q):
        return True
    body = claim_from_question(q) if q.endswith("?") else q
    if q.endswith("?") and not _YESNO.match(q):
        return False
    return _checkable(body)


def _checkable(text: str) -> bool:
    from chatbot.audit import claims as cl

    t = cl.clean(text)
    if not cl._DOMAIN.search(t):
        return False
    return bool(cl._QTY.search(t) or cl._CAUSAL.search(t) or cl._COMPARE.search(t) or is_checkworthy(t)
                or re.search(r"\b(?:bioavailable|absorbed|effective|safe|better|best)\b", t, re.I))


_VERBS = {"improve", "reduce", "increase", "help", "cause", "block", "cross", "affect", "lower", "raise", "work",
          "enhance", "bind", "act", "decrease", "prevent", "regulate", "stabilize", "stabilise", "absorb", "boost",
          "shorten", "promote", "influence", "relieve", "activate", "inhibit", "restore", "support", "treat"}


def claim_from_question(question: str) -> str:
    """'Is glycinate 80% bioavailable?' → 'glycinate is 80% bioavailable' (the verifier reads statements)."""
    q = _TRUE_THAT.sub("", question.strip()).rstrip("?").strip()
    m = _YESNO.match(q)
    if not m:
        return q
    aux = m.group(0).lower()
    rest = q[m.end():].strip()
    words = rest.split()
    if not words:
        return q
    if aux in {"does", "do", "did"}:
        for i, w in enumerate(words):
            if w.lower() in _VERBS and i > 0:
                verb = w if aux == "do" else (w + ("es" if w.endswith(("sh", "ch", "ss", "x")) else "s") if aux == "does" else w)
                return " ".join(words[:i] + [verb] + words[i + 1:])
        return rest
    cut = 1
    for i, w in enumerate(words[:5]):
        if re.match(r"^\d|^(?:more|less|better|worse|the|a|an|safe|effective|absorbed|bioavailable|superior)$", w, re.I):
            cut = i
            break
        if w.lower() in {"glycinate", "bisglycinate", "citrate", "oxide", "magnesium", "glycine", "it"}:
            cut = i + 1
    cut = max(cut, 1)
    return " ".join(words[:cut] + [aux] + words[cut:])
