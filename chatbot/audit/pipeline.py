"""Claim → literature evidence → stances → verdict, for one claim (``check``) or the whole article (audit).

The audit runs at ingest, on the staged version, before CURRENT flips; it is incremental so a
re-ingest that changed one paper re-verifies only the claims whose retrieved evidence changed.
Retrieval is cheap and always re-run; the verifier (the expensive part) is re-run for a claim
only when its text, its retrieved chunk ids (content hashes), the verifier weights or the audit
settings differ from the previous audit.
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
import re
import time
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from chatbot.audit import checks
from chatbot.audit import decision as decision_layer
from chatbot.audit.aggregate import FINDINGS, VERDICTS, Verdict, decide, gap_verdict
from chatbot.audit.claims import claims_from_snapshot, is_checkworthy
from chatbot.audit.features import claim_features
from chatbot.audit.direction import direction_pairs, outcome_keys
from core.direction import claim_core, claim_frame
from core.text import without_quantities
from chatbot.audit.stance import FINDINGS_BEFORE, assess, verifier_pairs
from core.audit_report import AUDIT_FILE, AuditReport, ClaimFlag, ClaimRecord
from core.domain import DomainProfile, profile_for
from core.text import content_hash

if TYPE_CHECKING:
    from core.protocols import Retriever, Verifier
    from core.settings import Settings
    from core.store import Snapshot

_RECORD_KEYS = ("claim", "verdict", "finding", "reason", "confidence", "evidence", "reasons", "features", "probabilities")


def literature_filters():
    from chatbot.retrieval import Filters

    return Filters(role="literature")


def decision_model(settings) -> decision_layer.DecisionModel:
    """The fitted decision layer named by settings, or the conservative hand-set prior when none is shipped."""
    return decision_layer.load(settings.decision_model) or decision_layer.prior_model()


def _profile(retriever, settings) -> DomainProfile:
    return profile_for(getattr(retriever, "snapshot", None), settings)


def _retrieve(text: str, retriever, k: int, profile: DomainProfile | None = None) -> list[Any]:
    """Literature passages only: filtered at the retriever and again here, so an article passage can never be evidence.

    A second, synonym-expanded query adds up to two passages the literal wording misses.
    """
    passages = list(retriever.search(text, k=k, filters=literature_filters()))
    profile = profile or DomainProfile()
    expanded = profile.expand_query(text)
    if expanded:
        seen = {getattr(p, "chunk", p).chunk_id for p in passages}
        extra = [p for p in retriever.search(expanded, k=k, filters=literature_filters()) if getattr(p, "chunk", p).chunk_id not in seen]
        passages += extra[:2]
    passages += _in_corpus_words(text, passages, retriever, k, profile)
    bare = without_quantities(text)
    if bare != text and len(bare.split()) >= 3:
        # a claim's figures and doses pull methods passages that state doses; the same claim without them finds the
        # results on its outcome, whose figures are what an "unsupported" finding should quote
        seen = {getattr(p, "chunk", p).chunk_id for p in passages}
        extra = [p for p in retriever.search(bare, k=k, filters=literature_filters()) if getattr(p, "chunk", p).chunk_id not in seen]
        passages += extra[:2]
    passages += _null_results(bare, passages, retriever, k, profile)
    passages += _result_siblings(text, passages, retriever, profile)
    return _with_findings_before([p for p in passages if getattr(getattr(p, "chunk", p), "role", "") == "literature"], retriever)


def _with_findings_before(passages: list[Any], retriever) -> list[Any]:
    """Each passage whose document said what its authors found in an earlier chunk ("Here we show that …", "We found
    that …") carries that in its chunk's meta (``stance.FINDINGS_BEFORE``): a chunk boundary must not turn the findings
    that follow into background (``core.cards.role_in_passage``). On SciFact's unheaded abstracts, cut into 2-3
    chunks each, the turn was often in the chunk before the result sentence."""
    import dataclasses

    snap = getattr(retriever, "snapshot", None)
    if snap is None or not hasattr(snap, "ordered_chunks") or not passages:
        return passages
    after = _after_findings(snap)
    out = []
    for p in passages:
        c = getattr(p, "chunk", p)
        if c.chunk_id in after and not (c.meta or {}).get(FINDINGS_BEFORE):
            c = dataclasses.replace(c, meta={**(c.meta or {}), FINDINGS_BEFORE: True})
            p = dataclasses.replace(p, chunk=c) if hasattr(p, "chunk") else c
        out.append(p)
    return out


_after_cache: dict[tuple, Any] = {}


def _after_findings(snap) -> frozenset[str]:
    """Ids of the literature chunks that follow, in their document, a chunk where the authors say what they found: one
    pass over the store per version (``chatbot.scope.per_version``), not one per claim."""
    from chatbot.scope import per_version
    from core.cards import findings_follow

    def build() -> frozenset[str]:
        out: set[str] = set()
        by_doc: dict[str, list[Any]] = {}
        for c in snap.ordered_chunks():
            if c.role == "literature":
                by_doc.setdefault(c.doc_id, []).append(c)
        for chunks in by_doc.values():
            turn = min((x.start for x in chunks if findings_follow(x.text)), default=None)
            out.update(c.chunk_id for c in chunks if turn is not None and c.start > turn)
        return frozenset(out)

    return per_version(_after_cache, snap, (), build)


def _in_corpus_words(claim: str, passages: list[Any], retriever, k: int, profile: DomainProfile, limit: int = 3, queries: int = 3) -> list[Any]:
    """Up to ``limit`` result passages, of studies the claim's own wording did not reach, found by the claim's profile
    terms alone with the corpus's other words for them ("gastrointestinal tolerated side effects adverse events
    diarrhoea"): the whole claim with every expansion appended is a query its other terms (the product, the form)
    dominate. A hit counts by its study's passage that reports a result in those words (the search often ranks the
    methods passage that lists adverse events as an outcome first; "there were no reported adverse events" is what
    answers the claim). At most ``queries`` terms are searched; forms and the subject are not topics."""
    from core.cards import classify_sentence

    terms = profile.topic_synonyms(claim)[:queries]
    snap = getattr(retriever, "snapshot", None)
    if not terms or snap is None:
        return []
    docs = {getattr(p, "chunk", p).doc_id for p in passages}

    def reports(c, words: set[str]) -> bool:
        return any(
            words & set(re.findall(r"[a-z]{4,}", c.text[a:b].lower())) and classify_sentence(c.text[a:b], c.section or "") in {"result", "conclusion"}
            for a, b in c.sentences or [(0, len(c.text))]
        )

    out: list[Any] = []
    for key, more in terms:
        words = set(re.findall(r"[a-z]{4,}", f"{key} {more}".lower()))
        hits = [getattr(p, "chunk", p).doc_id for p in retriever.search(f"{key} {more}", k=k, filters=literature_filters())]
        new = list(dict.fromkeys(h for h in hits if h not in docs))
        by_doc = _chunks_by_doc(snap, new)
        for d in new:
            found = next((c for c in by_doc.get(d, []) if reports(c, words)), None)
            if found is not None and len(out) < limit:
                docs.add(d)
                out.append(found)
    return out


# the words a study uses to report that an outcome did not move: a query for them finds the null results a claim of an
# effect must be weighed against, which share few words with a claim that states a change
_NULL_QUERY = "unchanged no change did not differ no significant difference"


def _null_results(claim: str, passages: list[Any], retriever, k: int, profile: DomainProfile, limit: int = 2) -> list[Any]:
    """Up to ``limit`` passages, from papers not yet retrieved, that report the claim's outcome unchanged. A claim that
    states an effect ("magnesium lowers cortisol") retrieves the studies that found one; a study that found none on the
    same outcome ("cortisol secretion showed no changes") shares little else with its wording and ranked 31st here."""
    actor, outcome = claim_core(claim)
    if not actor or checks._NULL_RE.search(claim) or not outcome:
        return []
    from chatbot.audit.stance import _actor_share

    docs = {getattr(p, "chunk", p).doc_id for p in passages}
    subject = list(profile.subject)

    def same_agent(c) -> bool:  # a null result on the outcome of another agent (aspirin and cancer risk) is no rival
        return max(_actor_share(actor, c.text, subject, profile), _actor_share(actor, c.title or "", subject, profile)) >= 0.5

    found = retriever.search(f"{outcome} {_NULL_QUERY}", k=k, filters=literature_filters())
    return [p for p in found if getattr(p, "chunk", p).doc_id not in docs and same_agent(getattr(p, "chunk", p))][:limit]


def _result_siblings(text: str, passages: list[Any], retriever, profile: DomainProfile, limit: int = 3) -> list[Any]:
    """Results passages of retrieved papers that report on the claim's outcome (a figure, a significant effect against
    a claimed null, or a result or conclusion sentence naming the outcome), papers in retrieval order.

    A paper's background or methods chunk often ranks first while its result sits in another chunk ("Blood was
    sampled for ACTH …" retrieved, "ACTH was suppressed from 22:00 to 07:00" not); that result decides the finding,
    so it is fetched from the snapshot the retriever reads (same papers only: this widens no search).
    """
    snap = getattr(retriever, "snapshot", None)
    if snap is None or limit <= 0:
        return []
    has_pct = bool(re.search(r"\d\s*%", text))
    claims_null = bool(checks._NULL_RE.search(text))

    # the claim's outcome words ("reduces anxiety by 32%" → anxiety): a results passage reporting on them is what the
    # finding quotes as the closest reported result, even when no figure matches the claim's
    _, outcome = claim_frame(without_quantities(text))
    outcome_words = checks.content_words(outcome) - checks.content_words(" ".join(profile.subject))
    outcome_words |= checks.content_words(" ".join(more for _, more in profile.topic_synonyms(outcome)))  # its other names
    groups = profile.outcome_groups(outcome)

    def sentences(c) -> list[str]:
        return [c.text[a:b] for a, b in c.sentences or [(0, len(c.text))]]

    def on_outcome(sentence: str) -> int:
        """How many of the outcome's words (or names: a profile outcome group counts as two) the sentence carries."""
        return len(checks.content_words(sentence) & outcome_words) + (2 if groups & profile.outcome_groups(sentence) else 0)

    def result_on_outcome(c) -> int:
        from core.cards import classify_sentence

        return max((on_outcome(x) for x in sentences(c) if classify_sentence(x, c.section or "") in {"result", "conclusion"}), default=0)

    def figure_on_outcome(c) -> bool:
        return any(_FIGURE.search(x) and checks.content_words(x) & outcome_words for x in sentences(c))

    def strength(c) -> int:
        """How surely the chunk decides the claim: a figure or an effect against a claimed null first, then a result
        sentence naming more of the outcome (a claim without an effect verb has the whole claim as its outcome, and
        one shared word is a weak sign)."""
        explicit = (has_pct and (checks.numeric_consistency(text, c.text, profile=profile) or figure_on_outcome(c))) or (
            claims_null and checks.effect_against_null_claim(text, c.text, profile)
        )
        return (100 if explicit else 0) + result_on_outcome(c)

    have = {getattr(p, "chunk", p).chunk_id for p in passages}
    docs = list(dict.fromkeys(getattr(p, "chunk", p).doc_id for p in passages))
    scored = []
    by_doc = _chunks_by_doc(snap, docs)
    for r, d in enumerate(docs):
        for n, c in enumerate(by_doc.get(d, [])):
            if c.chunk_id not in have:
                st = strength(c)
                if st > 0:
                    scored.append((-st, r, n, c))
    return [c for *_, c in sorted(scored, key=lambda t: t[:3])[:limit]]


def _chunks_by_doc(snap, docs: list[str]) -> dict[str, list[Any]]:
    """The literature chunks of ``docs``, each document's in the snapshot's order, from one pass over the snapshot."""
    want = set(docs)
    out: dict[str, list[Any]] = {}
    for c in snap.ordered_chunks():
        if c.doc_id in want and c.role == "literature":
            out.setdefault(c.doc_id, []).append(c)
    return out


_FIGURE = re.compile(r"\d\s*(?:%|percent|min\b|minutes|points?|fold)|\b\d+\s+(?:of|out of)\s+\d+\b", re.I)


def _gap_verdict(text: str, query: str, retriever, settings) -> Verdict | None:
    """``not_covered`` when the claim names something no literature document mentions (see ``chatbot.scope``)."""
    from chatbot.scope import missing_terms, quoted

    snap = getattr(retriever, "snapshot", None)
    gaps = missing_terms(query, snap, settings.embedding_model, role="literature") if snap is not None else []
    if gaps:
        profile = _profile(retriever, settings)
        gaps = [t for t in gaps if not _named_otherwise(t, profile, snap)]
    if not gaps:
        return None
    return gap_verdict(text, quoted(gaps))


def _named_otherwise(term: str, profile: DomainProfile, snap) -> bool:
    """The corpus profile gives other words for ``term`` and the studies use one of them: "gastrointestinal" is in no
    study, but "adverse events" and "diarrhoea" are, so a claim of zero gastrointestinal discomfort is a claim on the
    studies' topic, to be answered with what they report, not "nothing in the corpus mentions it"."""
    from chatbot.scope import corpus_vocabulary, in_vocabulary

    others = re.findall(r"[A-Za-z][\w-]{3,}", " ".join(more for _, more in profile.topic_synonyms(term)))
    vocab = corpus_vocabulary(snap, "literature")
    return any(in_vocabulary(w, vocab) for w in others)


class Similarity:
    """Cosine of a claim and sentences with the store's own embedding model (vectors are normalised).

    Each sentence is embedded once per audit, on its own (``core.embeddings.embed_each``: its vector
    does not depend on which other sentences are embedded with it). A whole-article audit quotes
    few distinct sentences (505 distinct windows in 3,988 claim-window pairs on the default
    article), so ``add`` embeds them all up front and every claim's cosines are dot products.
    """

    def __init__(self, embeddings, vectors: dict[str, Any] | None = None):
        self._emb = embeddings
        self._vectors: dict[str, Any] = {} if vectors is None else vectors

    def add(self, texts: Iterable[str]) -> None:
        from core.embeddings import embed_each

        todo = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if todo:
            if len(self._vectors) + len(todo) > MAX_CACHED_SENTENCES:
                self._vectors.clear()
            self._vectors.update(zip(todo, embed_each(self._emb, todo)))

    def __call__(self, claim: str, texts: list[str]) -> list[float]:
        import numpy as np

        if not texts:
            return []
        self.add(texts)
        q = np.asarray(self._emb.embed_query(claim), dtype=np.float32)
        d = np.stack([self._vectors[t] for t in texts]).astype(np.float32, copy=False)
        return (d @ q).tolist()


# A claim check embeds the windows of the passages it judges; the corpus's sentences recur from one check to the next,
# so their vectors are kept per embedder for the life of the process (a vector depends on its text alone:
# ``core.embeddings.embed_each``). Embedding them afresh took ~0.43 s of a ~1.3 s claim check (5 checks profiled,
# one thread). Bounded so a long-running app over a large corpus cannot grow without limit (~1.5 KB a sentence).
MAX_CACHED_SENTENCES = 50_000
_SENTENCE_VECTORS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def similarity_fn(retriever) -> Similarity | None:
    """The claim-sentence cosine with the retriever's embedder (None without one), sharing that embedder's
    sentence vectors with every other check in this process."""
    emb = getattr(retriever, "embeddings", None)
    if emb is None:
        return None
    try:
        vectors = _SENTENCE_VECTORS.setdefault(emb, {})
    except TypeError:  # an embedder that cannot be weakly referenced keeps its vectors for one check
        vectors = {}
    return Similarity(emb, vectors)


def as_claim(text: str) -> str:
    """The statement the verifier reads: a yes/no question is rewritten as its claim."""
    return claim_from_question(text) if text.strip().endswith("?") else text


def judge_evidence(
    query: str, passages: Sequence[Any], verifier, settings, profile: DomainProfile, similarity=None, direction=None
) -> tuple[list[Any], dict[str, float]]:
    """Evidence → stances → the decision features, for one claim. The fitting script uses the same
    function, so the decision layer is fitted on exactly what it sees at run time."""
    items = assess(query, passages, verifier, settings, profile, similarity, direction)
    feats = claim_features(
        query, items, settings.audit.relevance_min, claim_number=bool(re.search(r"\d", query)), claim_null=bool(checks._NULL_RE.search(query))
    )
    return items, feats


def judge(
    text: str, passages: Sequence[Any], verifier, settings, profile: DomainProfile, model: decision_layer.DecisionModel, similarity=None, direction=None
) -> Verdict:
    """Evidence → stances → features → finding, for one claim (questions are read as their claim)."""
    query = as_claim(text)
    items, feats = judge_evidence(query, passages, verifier, settings, profile, similarity, direction)
    v = decide(query, items, feats, model, settings.audit, profile=profile)
    v.claim = text
    return v


def check_claim(text: str, retriever: Retriever, settings: Settings, *, verifier: Verifier, direction: Verifier | None) -> Verdict:
    """Finding for any free-text claim (or yes/no question) against the literature in the store.

    Every part is handed in (``services`` wires the real ones, tests fakes): the library builds no model
    of its own. ``direction``: the direction classifier (``chatbot.audit.direction``); None: the verifier alone decides."""
    retriever = _audit_view(retriever, settings)
    profile = _profile(retriever, settings)
    query = as_claim(text)
    gap = _gap_verdict(text, query, retriever, settings)
    if gap is not None:
        return gap
    passages = _retrieve(query, retriever, settings.audit.k, profile)
    return judge(text, passages, verifier, settings, profile, decision_model(settings), similarity_fn(retriever), direction)


def _audit_view(retriever, s):
    """The retriever the audit searches with: without the reranker unless ``Settings.audit.rerank`` (the
    decision layer was fitted on evidence in the hybrid order; see that setting)."""
    if s.audit.rerank:
        return retriever
    from chatbot.retrieval import hybrid_only

    return hybrid_only(retriever)


# ---------------------------------------------------------------------------- whole-article audit


def _settings_key(settings) -> str:
    return content_hash(json.dumps(settings.audit.model_dump(), sort_keys=True), n=12)


def audit_snapshot(
    snapshot: Snapshot,
    previous: AuditReport | None,
    *,
    retriever: Retriever,
    settings: Settings,
    verifier: Verifier,
    direction: Verifier | None,
    progress: bool = False,
) -> AuditReport:
    """Audit every article claim of ``snapshot`` (a staged or current version) against its literature.

    ``previous`` is the last audit (``Snapshot.audit()`` of the current version) or None for a full
    run. The retriever must read *this* snapshot, not the current one. The parts are handed in as
    in ``check_claim``; ``direction`` None: the verifier alone decides.
    """
    from chatbot.audit.verifier import PrescoredVerifier

    t0 = time.time()
    s = settings
    retriever = _audit_view(retriever, s)
    profile = profile_for(snapshot, s)
    model = decision_model(s)
    claims = claims_from_snapshot(snapshot, profile)
    sim = similarity_fn(retriever)
    fixed = _parts(verifier, direction, s, model, profile)
    bar = _progress_bar(len(claims)) if progress else None  # shown from the start: pass 1 is part of the wait
    retrieved, keys, pairs, dpairs = _retrieve_claims(claims, previous, retriever, s, profile, fixed, with_direction=direction is not None)
    if pairs:
        verifier = PrescoredVerifier(verifier, pairs)
        if direction is not None:
            direction = PrescoredVerifier(direction, dpairs)
        if sim is not None:
            sim.add(w for _, w in pairs)
    records, reused = _judge_claims(retrieved, lambda c, passages: judge(c.text, passages, verifier, s, profile, model, sim, direction), bar)
    report = _report(snapshot, verifier, model, records, keys, reused, time.time() - t0)
    report.parts_key = content_hash(fixed, n=16)
    return report


def _parts(verifier: Verifier, direction: Verifier | None, settings: Settings, model: decision_layer.DecisionModel, profile: DomainProfile) -> str:
    """What every finding of an audit depends on besides the claim and its evidence: the verifier's and the direction
    classifier's weights, the audit settings, the decision layer and the corpus profile. Each claim's reuse key includes
    it, and the report keeps its hash (``AuditReport.parts_key``), so a store audited before an upgrade is known to be
    out of date (``python -m cli audit --if-stale``)."""
    direction_key = getattr(direction, "fingerprint", "-") if direction is not None else "-"
    profile_key = content_hash(profile.model_dump_json())
    return f"{getattr(verifier, 'fingerprint', '?')}|{direction_key}|{_settings_key(settings)}|{model.fingerprint}|{profile_key}|{rules_fingerprint()}"


@functools.lru_cache(maxsize=1)
def rules_fingerprint() -> str:
    """A hash of the code the findings are decided by (``chatbot/audit`` and the shared ``core`` modules it reads with):
    an upgrade that changes a rule makes a stored audit out of date as a new model or setting does, so ``make run``
    re-audits a store audited by older rules instead of showing their findings (over-eager for a change in ``core``
    that decides nothing: a re-audit, about two minutes, costs less than a stale finding)."""
    root = Path(__file__).resolve().parents[2]
    files = sorted(f for d in ("chatbot/audit", "core") for f in (root / d).glob("*.py"))
    return content_hash(*(f"{f.relative_to(root).as_posix()}\n{f.read_text(encoding='utf-8')}" for f in files), n=12)


def audit_is_current(audit: AuditReport | None, snapshot: Snapshot, settings: Settings, verifier: Verifier, direction: Verifier | None) -> bool:
    """The stored audit was computed with today's models, settings and profile."""
    if audit is None:
        return False
    parts = _parts(verifier, direction, settings, decision_model(settings), profile_for(snapshot, settings))
    return audit.parts_key == content_hash(parts, n=16)


def _retrieve_claims(
    claims: list[Any], previous: AuditReport | None, retriever: Retriever, s: Settings, profile: DomainProfile, fixed: str, *, with_direction: bool
) -> tuple[list[tuple[Any, list[Any], ClaimRecord | None]], dict[str, str], list[tuple[str, str]], list[tuple[str, str]]]:
    """Pass 1: retrieval, and the verifier (and direction) pairs of every claim that needs judging.

    They are all scored in one call afterwards (equal-length batches fill up across claims; a pair's scores
    do not depend on its batch, so the findings are those of judging claim by claim). A claim whose text,
    evidence ids and ``fixed`` key (models, settings, profile) match the previous audit keeps its record.
    Returns (claim, passages, reused record or None) per claim, the keys, the verifier and direction pairs."""
    prev_claims = {c.id: c for c in previous.claims} if previous is not None else {}
    prev_keys = previous.keys if previous is not None else {}
    retrieved = []
    keys: dict[str, str] = {}
    pairs: list[tuple[str, str]] = []
    dpairs: list[tuple[str, str]] = []
    for c in claims:
        passages = _retrieve(c.text, retriever, s.audit.k, profile)  # no gap guard here: see chatbot.scope
        key = content_hash(c.text, fixed, *sorted(getattr(p, "chunk", p).chunk_id for p in passages), n=16)
        keys[c.id] = key
        old = prev_claims.get(c.id)
        reuse = old is not None and prev_keys.get(c.id) == key and not old.finding_inferred
        if not reuse:
            mine = verifier_pairs(as_claim(c.text), passages, s, profile)
            pairs += mine
            if with_direction:
                dpairs += direction_pairs(as_claim(c.text), [w for _, w in mine], outcome_keys(as_claim(c.text), profile))
        retrieved.append((c, passages, old if reuse else None))
    return retrieved, keys, pairs, dpairs


def _judge_claims(
    retrieved: list[tuple[Any, list[Any], ClaimRecord | None]], judge_one: Callable[[Any, list[Any]], Verdict], bar: Any
) -> tuple[list[ClaimRecord], int]:
    """Pass 2: stances, features and the finding of each claim (a reused record is copied); (records, how many reused).
    ``bar``: a tqdm bar advanced per claim and closed at the end, or None."""
    records: list[ClaimRecord] = []
    reused = 0
    for c, passages, old in retrieved:
        if old is not None:
            body = {k: v for k, v in old.to_json().items() if k in _RECORD_KEYS}
            reused += 1
        else:
            body = judge_one(c, passages).to_json()
        place = {"id": c.id, "text": c.text, "section": c.section, "start": c.start, "end": c.end, "chunk_id": c.chunk_id, "doc_id": c.doc_id}
        records.append(ClaimRecord.model_validate({**place, **body}))
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    return records, reused


def _progress_bar(total: int) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc="audit", unit="claim")


def _report(
    snapshot: Snapshot, verifier: Verifier, model: decision_layer.DecisionModel, records: list[ClaimRecord], keys: dict[str, str], reused: int, seconds: float
) -> AuditReport:
    """The audit.json record: the claims, their keys for the next incremental run, and counts."""
    dist = {v: sum(r.verdict == v for r in records) for v in VERDICTS}
    findings = {f: sum(r.finding == f for r in records) for f in FINDINGS}
    report = {
        "version": getattr(snapshot, "version", None),
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "verifier": {"path": str(getattr(verifier, "path", "")), "fingerprint": getattr(verifier, "fingerprint", "")},
        "decision": {"fingerprint": model.fingerprint, "note": model.note, "fitted_on": model.fitted_on},
        "claims": records,
        "keys": keys,
        "stats": {
            "claims": len(records),
            "verdicts": dist,
            "findings": findings,
            "reverified": len(records) - reused,
            "reused": reused,
            "seconds": round(seconds, 2),
        },
    }
    return AuditReport.model_validate(report)


def save_audit(snapshot, audit: AuditReport) -> Path:
    """Write audit.json beside the snapshot atomically (readers never see half a file)."""
    from core.store import atomic_write_text

    path = Path(snapshot.path) / AUDIT_FILE
    atomic_write_text(path, audit.to_text())
    return path


# ---------------------------------------------------------------------------- chat integration


def flags_for_passages(audit: AuditReport | None, passages: Iterable[Any]) -> list[ClaimFlag]:
    """Audited claims inside the cited article passages whose verdict is not ``supported``.

    A claim matches a passage by chunk id, or by lying inside the passage's span of the same
    document (overlapping chunks repeat a sentence under another chunk id).
    """
    if not audit:
        return []
    chunks = [getattr(p, "chunk", p) for p in passages]
    chunks = [c for c in chunks if getattr(c, "role", "") == "article"]
    out: list[ClaimFlag] = []
    seen: set[str] = set()
    for ch in chunks:
        for c in audit.claims:
            if c.verdict == "supported" or c.id in seen:
                continue
            inside = c.doc_id == ch.doc_id and c.start is not None and c.end is not None and ch.start <= c.start and c.end <= ch.end
            if c.chunk_id == ch.chunk_id or inside:
                seen.add(c.id)
                out.append(
                    ClaimFlag(
                        claim_id=c.id,
                        claim=c.text,
                        verdict=c.verdict,
                        finding=c.verdict if c.finding_inferred else c.finding,  # a record from before findings: its verdict, as ever
                        reason=c.reason,
                        reasons=list(c.reasons),
                        evidence=list(c.evidence),
                        passage_chunk_id=ch.chunk_id,
                    )
                )
    return out


_WH = re.compile(r"^(?:what|how|why|which|who|whom|whose|when|where|tell|explain|describe|list|summari[sz]e|compare|give|show)\b", re.I)
_PREDICATE_START = re.compile(
    r"^\d|^(?:more|less|better|worse|the|a|an|safe|effective|superior|inferior|well|not|very|as|"
    r"associated|linked|related|involved|required|needed|necessary|able|useful|harmful|good|bad|"
    # a verb after a modal ("Can bisphosphonate treatment be stopped …?")
    r"be|become|remain|stay)$"
)


def _starts_predicate(low: str) -> bool:
    """A word that starts what is said of a yes/no question's subject: a number, a comparative, an article, or a word
    shaped like a participle, adverb or adjective ("absorbed", "poorly", "bioavailable")."""
    return bool(_PREDICATE_START.match(low)) or low.endswith(("ed", "ly", "able", "ible", "ive", "ful", "ous", "ic"))


_PRONOUNS = frozenset({"i", "you", "we", "they", "he", "she", "it"})
_YESNO = re.compile(r"^(?:is|are|does|do|did|can|could|will|would|has|have|was|were|should|may|might)\b", re.I)
_TRUE_THAT = re.compile(
    r"^(?:is it (?:true|correct|right) that|true or false:?|did studies show that|do studies show that|"
    r"does (?:the )?research show that|does evidence show that)\s+",
    re.I,
)


# yes/no questions about how a study was done or whether one exists ("Was the trial blinded?", "Is there any study on
# X?", "Did any trial measure Y?"): answered from the studies' methods, not checked as a claim about health (a claim
# check of "the trial was blinded" quoted an unrelated route of administration as the finding)
_ABOUT_A_STUDY = re.compile(
    r"^(?:was|were|is|are)\s+(?:the|this|that|it|they|any|each)?\s*(?:[\w-]+\s+){0,4}?(?:blinded|double-blind(?:ed)?|single-blind(?:ed)?|"
    r"randomi[sz]ed|registered|pre-?registered|funded|sponsored|placebo-controlled|controlled|peer-reviewed|published|retracted)\b|"
    r"^(?:is|are)\s+there\s+(?:any\s+)?(?:studies|study|trials?|research|papers?|data|reviews?)\s+(?:on|of|about|in|into|for|with|looking|that\s+(?:tested|measured|studied|looked))\b|"
    r"^(?:did|do|does|has|have)\s+(?:any|the|each|all)\s+(?:of\s+the\s+)?(?:studies|study|trials?|reviews?|papers?)\s+"
    r"(?:measure|test|look|examine|assess|include|enrol|enroll|recruit|use|report|record|track|compare)\w*\b(?!\s+that\b)",
    re.I,
)


def looks_like_claim(question: str) -> bool:
    """Yes/no questions and statements asserting a checkable fact get a verdict first;
    open questions ("what is…", "how does…") and questions about how a study was done get an ordinary answer."""
    q = question.strip()
    if len(q.split()) < 3 or _WH.match(q) or _ABOUT_A_STUDY.match(q):
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
    return bool(
        cl._QTY.search(t)
        or cl._CAUSAL.search(t)
        or cl._COMPARE.search(t)
        or is_checkworthy(t)
        or re.search(r"\b(?:bioavailable|absorbed|effective|safe|better|best)\b", t, re.I)
    )


_VERBS = {
    "improve",
    "reduce",
    "increase",
    "help",
    "cause",
    "block",
    "cross",
    "affect",
    "lower",
    "raise",
    "work",
    "enhance",
    "bind",
    "act",
    "decrease",
    "prevent",
    "regulate",
    "stabilize",
    "stabilise",
    "absorb",
    "boost",
    "shorten",
    "promote",
    "influence",
    "relieve",
    "activate",
    "inhibit",
    "restore",
    "support",
    "treat",
}


def claim_from_question(question: str) -> str:
    """'Is glycinate 80% bioavailable?' → 'glycinate is 80% bioavailable' (the verifier reads statements)."""
    q = _TRUE_THAT.sub("", question.strip()).rstrip("?").strip()
    m = _YESNO.match(q)
    if not m:
        return q
    aux = m.group(0).lower()
    rest = q[m.end() :].strip()
    words = rest.split()
    if not words:
        return q
    if aux in {"does", "do", "did"}:
        for i, w in enumerate(words):
            if w.lower() in _VERBS and i > 0:
                verb = w if aux == "do" else (w + ("es" if w.endswith(("sh", "ch", "ss", "x")) else "s") if aux == "does" else w)
                return " ".join(words[:i] + [verb] + words[i + 1 :])
        return rest
    # the subject ends where the predicate starts: a number, a comparative, an article, or a word
    # shaped like a participle, adverb or adjective ("absorbed", "poorly", "bioavailable")
    for i, w in enumerate(words[:6]):
        if i and w.lower() in _VERBS:  # "Can exercise prevent depression" -> "exercise can prevent depression"
            return " ".join(words[:i] + [aux] + words[i:])
    if words[0].lower() in _PRONOUNS:  # "Can you deliver accurate tidal volume …" -> "you can deliver …"
        return " ".join(words[:1] + [aux] + words[1:])
    # "Are laboratories reporting hCG results correctly?": a progressive verb, unless a predicate follows ("Is cycling
    # training effective?": the -ing word is part of the subject)
    if aux in {"is", "are", "was", "were"} and len(words) > 2 and words[1].lower().endswith("ing") and len(words[1]) > 5:
        if not _starts_predicate(words[2].lower().strip(",")):
            return " ".join(words[:1] + [aux] + words[1:])
    cut = min(len(words), 1)
    # a word right after an article belongs to its noun phrase ("Is a specialised training … indicated?")
    article = words[0].lower() in {"a", "an", "the"}
    for i, w in enumerate(words[:6]):
        if i and not (article and i == 1) and _starts_predicate(w.lower().strip(",")):
            cut = i
            break
        cut = i + 1 if i < 2 else cut
    cut = max(cut, 1)
    return " ".join(words[:cut] + [aux] + words[cut:])
