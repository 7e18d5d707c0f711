"""Study-card extraction at ingest: one ``core.cards.StudyCard`` per literature document.

Why at ingest: a card costs a pass over every sentence of a document, and the document does not
change between questions; stored beside the manifest (``cards.json``) it is read once per store
version. Fields come first from the curated metadata (manifest entry / front matter: design, n,
population, intervention, form) and otherwise from the document's sentences, classified by role
(``core.cards.classify_sentence``): doses and durations from the intervention or method sentences,
numbers, confidence intervals and p values from result sentences, the conclusion and its hedges
from conclusion sentences. Nothing here names a subject: the corpus profile (``domain.yaml``)
supplies the subject's words, forms and dose units.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from core.cards import CardSentence, Intervention, Outcome, StudyCard, classify_sentence, dose_pattern, dump_cards, run_in_section
from core.domain import NEUTRAL, DomainProfile
from core.records import DocumentRecord
from core.types import Chunk

_NUM = r"\d+(?:[.,]\d+)?"
_DURATION = re.compile(r"\b(\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|twelve)[\s-](day|week|month|year|night)s?\b", re.I)
_PEOPLE = (
    r"participants|patients|adults|subjects|volunteers|people|individuals|men|women|children|adolescents|students|"
    r"players|athletes|persons|residents|infants|elderly|mice|rats|studies|trials"
)
_WORDNUM = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}
_N = re.compile(rf"(?<!\bof )(?<!\bto )\b(\d{{1,3}}(?:,\d{{3}})+|\d+|{'|'.join(_WORDNUM)})\s+(?:[A-Za-z-]+\s+){{0,4}}?(?:{_PEOPLE})\b", re.I)
_N_EQ = re.compile(r"\b[nN]\s*=\s*(\d{1,3}(?:,\d{3})+|\d+)\b")
_COMPARATOR = re.compile(
    r"\b(?:vs\.?|versus|compared with|compared to|against)\s+((?:an?\s+|the\s+)?[A-Za-z][\w\- ]{1,40}?)"
    r"(?=[,;.)]|\s+(?:for|in|over|and|at|on)\b|$)",
    re.I,
)
_PLACEBO = re.compile(r"\bplacebo\b", re.I)
_P = re.compile(r"\b[pP]\s*(?:[=<>≤≥]|&lt;)\s*0?\.\d+")
_CI = re.compile(r"\b95\s*%\s*CI\b[:,]?\s*(?:[-−–]?\d+(?:\.\d+)?\s*(?:to|–|-|,)\s*[-−–]?\d+(?:\.\d+)?)")
_EFFECT = re.compile(
    rf"[-−–]?{_NUM}\s*(?:%|percent|min(?:utes)?\b|points?\b|hours?\b|h\b|[µμ]mol|mmol)|"
    rf"\b(?:OR|RR|HR|SMD|MD|WMD|ratio)\s*(?:of\s*)?[=:]?\s*[-−–]?{_NUM}|{_NUM}\s*±\s*{_NUM}"
)
_NOT_SIG = re.compile(
    r"\bnot (?:statistically )?significant|\bnon-?significant|\bno (?:significant )?(?:difference|effect|change)|"
    r"\bdid not (?:differ|change|reach)",
    re.I,
)
_SIG = re.compile(r"\bsignificant(?:ly)?\b", re.I)
_HEDGES = (
    "may",
    "might",
    "could",
    "suggest",
    "suggests",
    "appear",
    "appears",
    "possibly",
    "possible",
    "preliminary",
    "poor",
    "low",
    "weak",
    "limited",
    "uncertain",
    "unclear",
    "needed",
    "further research",
    "caution",
    "small",
    "conflicting",
    "inconsistent",
    "emerging",
    "potential",
)


def _sentences(chunks: Iterable[Chunk]) -> list[CardSentence]:
    out: list[CardSentence] = []
    seen: set[str] = set()
    for c in chunks:
        for a, b in c.sentences or [(0, len(c.text))]:
            raw = c.text[a:b].strip()
            key = " ".join(raw.split()).lower()
            if not raw or key in seen:  # chunks overlap by a sentence
                continue
            seen.add(key)
            section = run_in_section(c.text, a, b) or c.section
            out.append(CardSentence(text=raw, role=classify_sentence(_strip_label(raw), section), chunk_id=c.chunk_id))
    return out


_LABEL = re.compile(r"^\s*(?:[-*•]\s+)?\*\*[^*]{1,60}?\*\*[:.]?\s*")


def _strip_label(text: str) -> str:
    return _LABEL.sub("", text)


def _int(v) -> int | None:
    if isinstance(v, str) and v.strip().lower() in _WORDNUM:
        return _WORDNUM[v.strip().lower()]
    try:
        return int(str(v).replace(",", "")) if v not in (None, "") else None
    except ValueError:
        return None


def _first(rx: re.Pattern[str], texts: Iterable[str], group: int = 0) -> str:
    for t in texts:
        m = rx.search(t)
        if m:
            return m.group(group).strip()
    return ""


def _design(record: DocumentRecord, texts: list[str]) -> str:
    if record.study_type and record.study_type not in ("other", "unknown"):
        return record.study_type
    joined = " ".join(texts).lower()
    for design, cue in (
        ("meta-analysis", "meta-analys"),
        ("systematic-review", "systematic review"),
        ("rct", "randomi"),
        ("crossover-trial", "crossover"),
        ("cohort", "cohort"),
        ("in-vitro", "in vitro"),
        ("animal", " mice"),
        ("animal", " rats"),
    ):
        if cue in joined:
            return design
    return record.study_type or ""


_THRESHOLD = re.compile(r"(?:>=?|<=?|≥|≤|\bat least|\bat most|\babove|\bbelow|\bover|\bunder|\bup to)\s*$", re.I)
_CRITERIA = re.compile(r"\bexclu|\binclu(?:ded|sion) (?:if|criteria)|\beligib", re.I)


def _intervention(meta: dict, methods: list[str], profile: DomainProfile) -> Intervention:
    text = str(meta.get("intervention") or "")
    methods = [t for t in methods if not _CRITERIA.search(t)]  # "excluded if the dose was below 50 mg" is no dose given
    pool = [text] + methods if text else methods
    dose_rx = dose_pattern(tuple(profile.dose_units))
    dose = ""
    for t in pool:
        m = next((m for m in dose_rx.finditer(t) if not _THRESHOLD.search(t[: m.start()])), None)
        if m:  # a dose given, not a threshold ("at >= 50 mg", "below 50 mg")
            dose = (m.group(1) + m.group(2)).strip()
            break
    dur = _first(_DURATION, pool)
    form = str(meta.get("form") or "")
    if form.lower() in ("unknown", "none", "n/a"):
        form = ""
    if not form:
        forms = sorted(profile.forms_in(" ".join(pool)))
        form = ", ".join(forms)
    agent = ""
    joined = text or next((t for t in methods if dose_rx.search(t)), "")
    if profile.mentions_subject(joined) and profile.subject:
        agent = profile.subject[0]
    others = [a for a in profile.agents_in(joined) if a.lower() != "placebo"]
    if others:
        agent = ", ".join([agent] + others if agent else others)
    return Intervention(agent=agent, form=form, dose=dose, duration=dur, text=text)


def _comparator(meta: dict, methods: list[str]) -> str:
    pool = [str(meta.get("intervention") or "")] + methods
    for t in pool:
        if _PLACEBO.search(t):
            return "placebo"
    return _first(_COMPARATOR, pool, 1)


def _outcome(s: CardSentence) -> Outcome | None:
    t = _strip_label(s.text)
    p = _first(_P, [t])
    ci = _first(_CI, [t])
    effect = ""
    for m in _EFFECT.finditer(t):
        if not _P.search(t[max(0, m.start() - 6) : m.end()]):
            effect = m.group(0).strip()
            break
    if not (p or ci or effect):
        return None
    sig = False if _NOT_SIG.search(t) else (True if _SIG.search(t) else _p_significant(p))
    return Outcome(text=t, chunk_id=s.chunk_id, effect=effect, ci=ci, p=p, significant=sig)


def _p_significant(p: str) -> bool | None:
    """``p = 0.0006`` or ``p < .05`` read as significant at the usual 0.05; None when there is no p value."""
    m = re.search(r"([<=≤>≥])\s*(0?\.\d+)", p.replace("&lt;", "<"))
    if not m:
        return None
    op, val = m.group(1), float(m.group(2))
    if op in "<≤=":
        return val < 0.05 or (op in "<≤" and val <= 0.05)
    return False


def extract_card(doc_id: str, record: DocumentRecord, chunks: list[Chunk], profile: DomainProfile = NEUTRAL) -> StudyCard:
    """The card of one document from its metadata and its chunks (in document order)."""
    meta = dict(record.meta or {})
    sents = _sentences(chunks)
    by_role = {r: [_strip_label(s.text) for s in sents if s.role == r] for r in ("method", "result", "conclusion", "limitation", "objective")}
    methods = by_role["method"] + by_role["objective"]
    n = _int(meta.get("n"))
    if n is None:
        for pool in (methods, by_role["result"]):
            m = _N_EQ.search(" ".join(pool)) or _N.search(" ".join(pool))
            if m:
                n = _int(m.group(1))
                break
    population = str(meta.get("population") or "")
    if not population:
        population = next((t for t in methods if _N.search(t)), "")
    conclusion_sents = by_role["conclusion"]
    hedge_text = " ".join(conclusion_sents + by_role["limitation"]).lower()
    hedges = [h for h in _HEDGES if re.search(r"\b" + re.escape(h) + r"\b", hedge_text)]
    authors = meta.get("authors") or []
    if isinstance(authors, str):
        authors = [a.strip() for a in authors.split(";") if a.strip()]
    return StudyCard(
        doc_id=doc_id,
        title=record.title,
        year=record.year,
        authors=[str(a) for a in authors],
        design=_design(record, [s.text for s in sents]),
        n=n,
        population=population,
        intervention=_intervention(meta, methods, profile),
        comparator=_comparator(meta, methods),
        outcomes=[o for o in (_outcome(s) for s in sents if s.role == "result") if o is not None],
        conclusion=" ".join(conclusion_sents[:2]),
        hedges=hedges,
        sentences=sents,
    )


def build_cards(documents: dict[str, DocumentRecord], chunks: list[Chunk], profile: DomainProfile = NEUTRAL) -> dict[str, StudyCard]:
    """Cards for every literature document of a version (the article under audit gets none)."""
    by_id = {c.chunk_id: c for c in chunks}
    out: dict[str, StudyCard] = {}
    for doc_id, rec in documents.items():
        if rec.role != "literature":
            continue
        doc_chunks = [by_id[cid] for cid in rec.chunk_ids if cid in by_id]
        if doc_chunks:
            out[doc_id] = extract_card(doc_id, rec, doc_chunks, profile)
    return out


def cards_file(documents: dict[str, DocumentRecord], chunks: list[Chunk], profile: DomainProfile = NEUTRAL) -> bytes:
    """``cards.json`` of a version, as written beside its manifest."""
    return dump_cards(build_cards(documents, chunks, profile))
