"""Explicit checks the NLI model misses: numbers, study conditions, intervention, hedges.

A small cross-encoder reads "absorption was 23.5 %" as *about* a claim of "50–80 % bioavailable"
and often calls it support; it does not notice that a trial used magnesium oxide, mice, or glycine
alone, and it treats "no significant difference" as neutral. These checks are pure functions of
the claim text and the evidence (text + chunk metadata) so they can be unit-tested by hand; each
returns ``Finding`` objects whose ``reason`` is a plain-words sentence shown to the user.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

# ---------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Finding:
    """One check outcome.

    ``effect``: ``contradicts`` (evidence states something incompatible), ``consistent`` (a number
    matches), ``mismatch`` (evidence is about other conditions) or ``weakens`` (hedged/null result).
    """

    kind: str  # numeric | sample_size | form | dose | population | species | intervention | route | null | hedge
    effect: str
    reason: str
    detail: dict[str, Any] = field(default_factory=dict, compare=False)


CONDITION_KINDS = ("form", "dose", "population", "species", "intervention", "route")

# ---------------------------------------------------------------------------- quantities

_NUM = r"\d+(?:\.\d+)?"
_DASH = r"(?:-|–|—|to)"
_QTY = re.compile(
    rf"(?:(?<![\w.%])(?P<sign>[+\-–−])\s*)?(?P<a>{_NUM})(?:\s*{_DASH}\s*(?P<b>{_NUM}))?\s*"
    r"(?P<unit>%|percent\b|mg\b|g\b|mmol\b|mEq\b|meq\b|min\b|minutes\b|h\b|hours?\b)"
)
_N = re.compile(
    r"\bn\s*=\s*(?P<n1>\d[\d,]*)|(?P<n2>\d[\d,]*)\s+(?:[A-Za-z\-]+\s+){0,3}?"
    r"(?:participants|patients|subjects|adults|people|volunteers|men|women|players|residents|individuals|persons)\b"
)

# topic groups: a number is compared only with numbers about the same thing
TOPICS: dict[str, tuple[str, ...]] = {
    "absorption": ("absorption", "absorbed", "bioavailab", "bioavail", "uptake", "excretion"),
    "anxiety": ("anxiety", "anxious"),
    "stress": ("stress",),
    "sleep_latency": ("latency", "sleep onset", "fall asleep", "falling asleep"),
    "sleep_efficiency": ("efficiency",),
    "sleep_time": ("sleep time", "total sleep", "sleep duration"),
    "sleep_quality": ("psqi", "sleep quality"),
    "insomnia": ("insomnia severity", "isi"),
    "cortisol": ("cortisol",),
    "slow_wave": ("slow-wave", "slow wave", "sws", "delta power"),
}
_MG_PER = {"mg": 1.0, "g": 1000.0, "mmol": 24.305, "meq": 12.15}
_NOT_MG_AGENTS = ("glycine", "melatonin", "zinc", "b6", "vitamin", "calcium", "placebo")


@dataclass(frozen=True)
class Quantity:
    low: float
    high: float
    unit: str  # "%", "mg" (doses normalised to mg of magnesium), "min", "h", "n"
    text: str
    start: int
    end: int
    topic: str | None = None
    sign: str | None = None

    def show(self) -> str:
        v = _fmt(self.low) if self.low == self.high else f"{_fmt(self.low)}–{_fmt(self.high)}"
        return {"%": f"{v}%", "mg": f"{v} mg", "n": f"{v} participants"}.get(self.unit, f"{v} {self.unit}")


def _fmt(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))


def _topic(text: str, a: int, b: int) -> str | None:
    """The topic keyword nearest to a number, preferring the words just before it."""
    low = text.lower()
    best: tuple[int, str] | None = None
    for name, keys in TOPICS.items():
        for k in keys:
            for m in re.finditer(r"\b" + re.escape(k), low[max(0, a - 80):b + 50]):
                pos = max(0, a - 80) + m.start()
                dist = (a - pos) if pos < a else (pos - b) * 2 + 5  # after the number counts double
                if best is None or dist < best[0]:
                    best = (dist, name)
    return best[1] if best else None


def quantities(text: str) -> list[Quantity]:
    """Percentages, doses (in mg of magnesium), durations and sample sizes with their topics."""
    out: list[Quantity] = []
    for m in _QTY.finditer(text):
        unit = m.group("unit").lower()
        unit = {"percent": "%", "minutes": "min", "hour": "h", "hours": "h"}.get(unit, unit)
        a = float(m.group("a"))
        b = float(m.group("b")) if m.group("b") else a
        sign = m.group("sign")
        sign = None if sign is None else ("+" if sign == "+" else "-")
        if unit in _MG_PER:
            tail = text[m.end():m.end() + 28].lower()
            if any(re.search(r"\b" + w, tail) for w in _NOT_MG_AGENTS) and "magnesium" not in tail[:12]:
                continue
            f = _MG_PER[unit]
            a, b, unit = a * f, b * f, "mg"
        topic = _topic(text, m.start(), m.end())
        prev = out[-1] if out else None
        if topic is None and prev is not None and prev.unit == unit and m.start() - prev.end < 60:
            topic = prev.topic  # "23.5% for the chelate vs 22.8% for oxide": same measure
        out.append(Quantity(min(a, b), max(a, b), unit, m.group(0).strip(), m.start(), m.end(), topic, sign))
    for m in _N.finditer(text):
        v = float((m.group("n1") or m.group("n2")).replace(",", ""))
        out.append(Quantity(v, v, "n", m.group(0), m.start(), m.end(), "n"))
    return out


def _near(q: float, lo: float, hi: float, rel: float, abs_slack: float) -> bool:
    return lo * (1 - rel) - abs_slack <= q <= hi * (1 + rel) + abs_slack


def numeric_consistency(claim: str, evidence: str, tolerance: float = 0.25) -> list[Finding]:
    """Compare the claim's percentages (and sample sizes) with the evidence's numbers on the same topic.

    Only same-unit, same-topic numbers are compared: "23.5 % absorption" against "50–80 %
    bioavailability" is a contradiction, "44.9 % lower stress scores" against "anxiety –32 %" is not.
    """
    found: list[Finding] = []
    ev = [q for q in quantities(evidence) if q.unit in {"%", "n"} and q.topic]
    for cq in quantities(claim):
        if cq.unit not in {"%", "n"} or not cq.topic:
            continue
        same = [q for q in ev if q.unit == cq.unit and q.topic == cq.topic]
        if not same:
            continue
        label = "participants" if cq.unit == "n" else cq.topic.replace("_", " ")
        shown = ", ".join(dict.fromkeys(q.show() for q in same))
        if any(_near(q.low, cq.low, cq.high, tolerance, 2.0) or _near(q.high, cq.low, cq.high, tolerance, 2.0) for q in same):
            found.append(Finding("numeric" if cq.unit == "%" else "sample_size", "consistent",
                                 f"reported {label} {shown} matches the claimed {cq.show()}",
                                 {"claim": cq.show(), "evidence": shown}))
        else:
            found.append(Finding("numeric" if cq.unit == "%" else "sample_size", "contradicts",
                                 f"reported {label} {shown}, claim says {cq.show()}",
                                 {"claim": cq.show(), "evidence": shown}))
    return found


# ---------------------------------------------------------------------------- conditions

FORMS: dict[str, str] = {
    "glycinate": r"(?:bis|di)?glycinate|glycine chelate|glycinate chelate",
    "oxide": r"oxide|\bMgO\b|oxidi[sz]ed magnesium",
    "citrate": r"citrate",
    "sulfate": r"sulfate|sulphate|MgSO4|MgSO₄",
    "chloride": r"chloride|MgCl2|MgCl₂",
    "carbonate": r"carbonate",
    "lactate": r"lactate",
    "aspartate": r"aspartate",
    "malate": r"malate",
    "threonate": r"threonate",
    "taurate": r"taurate",
    "orotate": r"orotate",
    "pidolate": r"pidolate",
    "gluconate": r"gluconate",
    "hydroxide": r"hydroxide",
    "amino-acid chelate": r"amino[ -]acid chelate",
}
_FORM_RE = {k: re.compile(v, re.I) for k, v in FORMS.items()}


def forms_in(text: str) -> set[str]:
    """Magnesium forms named in a text ("amino-acid chelate" only when no specific salt is named with it)."""
    found = {k for k, rx in _FORM_RE.items() if rx.search(text)}
    if "glycinate" in found:
        found.discard("amino-acid chelate")
    return found


def _form_word(f: str) -> str:
    return f"magnesium {f}" if f != "amino-acid chelate" else "an amino-acid chelate"


def form_mismatch(claim: str, evidence: str, meta: Mapping[str, Any] | None = None, context: str = "") -> list[Finding]:
    """The claim names a magnesium form and the evidence concerns another one (or does not say).

    ``evidence`` is the quoted sentence(s); ``context`` the whole passage; ``meta`` the chunk
    metadata (``magnesium_form``: a salt, ``mixed``, ``unknown`` or ``none``).
    """
    meta = meta or {}
    want = forms_in(claim)
    if not want:
        return []
    here = forms_in(evidence)
    mf = str(meta.get("magnesium_form") or "").lower()
    if here & want or mf in want:
        return []
    wanted = " or ".join(sorted(_form_word(f).replace("magnesium ", "") for f in want))
    if here:
        got = ", ".join(_form_word(f) for f in sorted(here))
        return [Finding("form", "mismatch", f"evidence concerns {got}, not {wanted}", {"evidence_forms": sorted(here)})]
    if mf and mf not in {"mixed", "unknown", "none", "null"} and mf not in want:
        return [Finding("form", "mismatch", f"study used {_form_word(mf)}, not {wanted}", {"evidence_forms": [mf]})]
    if mf == "none":
        return []  # no magnesium preparation at all: the intervention check says what was given
    ctx_forms = forms_in(context + " " + str(meta.get("intervention") or ""))
    if ctx_forms & want:
        return []
    if ctx_forms:
        got = ", ".join(_form_word(f) for f in sorted(ctx_forms))
        return [Finding("form", "mismatch", f"study concerns {got}, not {wanted}", {"evidence_forms": sorted(ctx_forms)})]
    return [Finding("form", "mismatch", f"the magnesium form is not stated (claim is about {wanted})", {"evidence_forms": []})]


def doses(text: str) -> list[Quantity]:
    """Magnesium doses in mg (glycine, melatonin, zinc doses excluded)."""
    return [q for q in quantities(text) if q.unit == "mg"]


def dose_mismatch(claim: str, evidence: str, meta: Mapping[str, Any] | None = None, tolerance: float = 0.2) -> list[Finding]:
    """The claim states a dose and the study's magnesium dose lies outside it."""
    meta = meta or {}
    want = doses(claim)
    if not want:
        return []
    lo, hi = min(q.low for q in want), max(q.high for q in want)
    got = doses(evidence) or doses(str(meta.get("intervention") or ""))
    if not got:
        return []
    if any(_near(q.low, lo, hi, tolerance, 0) or _near(q.high, lo, hi, tolerance, 0) or (q.low <= lo and q.high >= hi) for q in got):
        return []
    shown = ", ".join(dict.fromkeys(q.text.lstrip("+-–− ") for q in got))
    claim_shown = want[0].text.lstrip("+-–− ") if len(want) == 1 else f"{_fmt(lo)}–{_fmt(hi)} mg"
    return [Finding("dose", "mismatch", f"study used {shown}, claim says {claim_shown}", {"evidence": shown, "claim": claim_shown})]


POPULATIONS: dict[str, str] = {
    "elderly people": r"elderly|older (?:adults|people|subjects|participants|persons)|aged (?:6\d|7\d|8\d)|care[- ]home|long-term care|nursing home|residents",
    "athletes": r"athlet|players|rugby|sportsm|runners",
    "patients": r"patients|ileal resection|resection|hypertens|diabet|migraine|chronic kidney|heart failure",
    "children": r"children|adolescen|infants|pediatric|paediatric",
    "pregnant women": r"pregnan|postpartum",
    "healthy people": r"healthy|normal (?:\(healthy\) )?volunteers",
}
_RESTRICTIVE = ("elderly people", "athletes", "patients", "children", "pregnant women")
_POP_RE = {k: re.compile(v, re.I) for k, v in POPULATIONS.items()}


def populations_in(text: str) -> set[str]:
    return {k for k, rx in _POP_RE.items() if rx.search(text)}


def population_mismatch(claim: str, evidence: str, meta: Mapping[str, Any] | None = None) -> list[Finding]:
    """The study population differs from the claim's (a general claim backed only by a special group counts).

    A claim naming no population is read as "people in general"; a study only of elderly
    insomniacs, athletes or patients supports it only for that group.
    """
    meta = meta or {}
    pop_text = str(meta.get("population") or "") or evidence
    got = populations_in(pop_text)
    if not got:
        return []
    want = populations_in(claim)
    described = str(meta.get("population") or "").strip()
    desc = f" ({described})" if described and len(described) < 90 else ""
    if want:
        if want & got:
            return []
        return [Finding("population", "mismatch", f"studied in {', '.join(sorted(got))}{desc}, not {', '.join(sorted(want))}",
                        {"evidence": sorted(got), "claim": sorted(want)})]
    special = [g for g in got if g in _RESTRICTIVE]
    if special:
        return [Finding("population", "mismatch", f"studied only in {', '.join(sorted(special))}{desc}",
                        {"evidence": sorted(special), "claim": []})]
    return []


_ANIMAL = re.compile(r"\b(rats?|mice|mouse|guinea[- ]pigs?|rodents?|rabbits?|dogs?|monkeys?|animals?)\b", re.I)
_CELL = re.compile(r"\b(in vitro|cultured|culture|slices?|cell lines?|patch[- ]clamp|isolated neuron\w*|oocytes?)\b", re.I)
_HUMAN = re.compile(r"\b(humans?|people|participants|patients|volunteers|adults|men|women|subjects|elderly)\b", re.I)


def species_mismatch(claim: str, evidence: str, meta: Mapping[str, Any] | None = None, study_type: str = "",
                     mechanism: bool = False) -> list[Finding]:
    """Evidence from animals or cells does not show an effect in people.

    For mechanism claims (receptors, channels, ATP) cell and animal work is the direct evidence,
    so nothing is reported; for clinical claims the finding says "only in animals/cells".
    """
    meta = meta or {}
    st = (study_type or str(meta.get("study_type") or "")).lower()
    pop = str(meta.get("population") or "")
    text = f"{pop} {evidence}"
    if _ANIMAL.search(claim) or _CELL.search(claim):
        return []
    kind = None
    if st == "in-vitro" or (_CELL.search(text) and not _HUMAN.search(pop)):
        kind = "cells"
    elif st == "animal" or (_ANIMAL.search(text) and not _HUMAN.search(pop) and not _HUMAN.search(evidence)):
        kind = "animals"
    if kind is None or mechanism:
        return []
    m = (_CELL if kind == "cells" else _ANIMAL).search(text)
    what = pop if pop and len(pop) < 80 else (m.group(0) if m else kind)
    return [Finding("species", "mismatch", f"shown only in {kind} ({what}), not in people", {"model": kind})]


_GLYCINE_AGENT = re.compile(r"\bglycine\b(?!\s*(?:chelate|receptor))", re.I)
_MG = re.compile(r"\b(?:[Mm]agnesium|MAGNESIUM|Mg2\+|Mg²⁺|Mg)(?![a-z])")
_COAGENTS = ("melatonin", "zinc", "vitamin b6", "b6", "pyridoxine", "vitamin d", "calcium", "l-theanine")


def intervention_mismatch(claim: str, evidence: str, meta: Mapping[str, Any] | None = None) -> list[Finding]:
    """The study gave something else: glycine alone, a combination product, or only observed diet.

    The article attributes glycine's effects to magnesium glycinate and cites combination
    supplements; evidence about glycine alone says nothing about magnesium, and the reverse.
    """
    meta = meta or {}
    inter = str(meta.get("intervention") or "")
    mf = str(meta.get("magnesium_form") or "").lower()
    claim_mg = bool(_MG.search(claim)) or "glycinate" in claim.lower()
    claim_glycine_only = bool(_GLYCINE_AGENT.search(claim)) and not claim_mg
    ev_all = f"{inter} {evidence}"
    glycine_study = bool(_GLYCINE_AGENT.search(ev_all)) and (mf == "none" or not _MG.search(ev_all))
    out: list[Finding] = []
    if claim_mg and glycine_study:
        dose = re.search(rf"{_NUM}\s*g\b", ev_all)
        out.append(Finding("intervention", "mismatch",
                           f"study gave glycine alone{f' ({dose.group(0)})' if dose else ''}, not magnesium", {"agent": "glycine"}))
    elif claim_glycine_only and _MG.search(ev_all) and not _GLYCINE_AGENT.search(ev_all):
        out.append(Finding("intervention", "mismatch", "study concerns magnesium, not glycine", {"agent": "magnesium"}))
    if claim_mg and not glycine_study:
        low = inter.lower()
        co = [c for c in _COAGENTS if re.search(r"\b" + re.escape(c) + r"\b", low)]
        if co and "alone" not in low and not any(c in claim.lower() for c in co):
            co = [c for c in co if not (c == "b6" and "vitamin b6" in co)]
            out.append(Finding("intervention", "mismatch",
                               f"magnesium was given together with {' and '.join(co)}, so its own effect cannot be separated",
                               {"coagents": co}))
        if mf == "none" and re.search(r"\bintake\b|\bdiet", low) and not re.search(r"intake|diet", claim, re.I):
            what = "a magnesium-deficient diet" if "deficien" in low else "dietary magnesium intake (observational)"
            out.append(Finding("intervention", "mismatch", f"study examined {what}, not a magnesium supplement", {"agent": "diet"}))
    return out


_IV = re.compile(r"\bintravenous(?:ly)?\b|\bi\.v\.|\bIV\b|\binfusion\b")


def route_mismatch(claim: str, evidence: str, meta: Mapping[str, Any] | None = None) -> list[Finding]:
    """Intravenous magnesium bypasses the gut, so it says nothing about an oral supplement."""
    meta = meta or {}
    text = f"{meta.get('intervention') or ''} {evidence}"
    if _IV.search(text) and not _IV.search(claim):
        return [Finding("route", "mismatch", "magnesium was given intravenously, not by mouth", {"route": "iv"})]
    return []


# ---------------------------------------------------------------------------- hedges and nulls

NULL_PATTERNS = (
    r"no (?:statistically )?significant (?:difference|effect|change|improvement|association)",
    r"not (?:statistically )?significant(?:ly)?", r"non-?significant", r"did not differ", r"no (?:overall )?difference",
    r"were unchanged|was unchanged|remained unchanged|\bunchanged\b", r"did not (?:improve|change|reduce|increase|affect|alter|lower)",
    r"no effect", r"failed to", r"not associated",
)
HEDGE_PATTERNS = (
    r"conflicting", r"inconsistent", r"(?:low|very low|low to very low) certainty", r"(?:poor|low) quality",
    r"inconclusive", r"insufficient evidence", r"limited evidence", r"heterogeneous", r"small samples?",
    r"borderline", r"marginal(?:ly)?", r"suggestive", r"preliminary", r"pilot", r"results (?:are )?not available",
    r"not retrieved", r"truncated", r"others did not", r"other (?:studies|trials) did not", r"not all (?:studies|trials)",
    r"mixed (?:results|findings|evidence)", r"can be (?:just )?as (?:bioavailable|effective|well absorbed) as", r"emerging (?:data|evidence)", r"needs? (?:further|more) (?:research|study|studies)",
)
_NULL_RE = re.compile("|".join(f"(?:{p})" for p in NULL_PATTERNS), re.I)
_HEDGE_RE = re.compile("|".join(f"(?:{p})" for p in HEDGE_PATTERNS), re.I)
_STOP = set("""a an the of and or to in on for with by from as at is are was were be been being that this these those it its
their there than then but not no into over under per vs also which who whom whose what when where why how can may might
could would should does do did has have had more most less such very so""".split())


def content_words(text: str) -> set[str]:
    return {w[:6] for w in re.findall(r"[a-z][a-z0-9\-]+", text.lower()) if w not in _STOP and len(w) > 2}


def hedges(evidence: str, claim: str | None = None) -> list[Finding]:
    """Null results ("did not differ") and hedges ("low certainty") in the evidence.

    With a claim, a null result counts only if its sentence shares content words with the claim,
    so "delta power unchanged" does not weaken a claim about cortisol.
    """
    from core.text import split_sentences

    out: list[Finding] = []
    cw = content_words(claim) if claim else set()
    seen: set[str] = set()
    for a, b in split_sentences(evidence) or [(0, len(evidence))]:
        sent = evidence[a:b]
        for m in _NULL_RE.finditer(sent):
            phrase = m.group(0).lower()
            if phrase in seen:
                continue
            if claim is not None and not (content_words(sent) & cw - {"magnes", "magnesium"}):
                continue
            seen.add(phrase)
            out.append(Finding("null", "weakens", f"the study reports a null result (\"{_excerpt(sent, m)}\")", {"phrase": phrase}))
        for m in _HEDGE_RE.finditer(sent):
            phrase = m.group(0).lower()
            if phrase in seen:
                continue
            seen.add(phrase)
            out.append(Finding("hedge", "weakens", f"the authors hedge: \"{_excerpt(sent, m)}\"", {"phrase": phrase}))
    return out


_NEGATED_RE = re.compile(r"\b(?:not|no|non-?|without)\s*(?:statistically\s*)?$", re.I)
_SIGNIFICANT_RE = re.compile(r"\bsignificant(?:ly)?\b|\bp\s*[<≤]\s*0?\.0[0-5]", re.I)


def effect_against_null_claim(claim: str, evidence: str) -> list[Finding]:
    """A claim of no effect ("failed to raise") against a study reporting a significant one on the same topic.

    The mirror of a null result refuting a claimed effect; the verifier misses both often enough
    that an explicit check is worth having.
    """
    from core.text import split_sentences

    if not _NULL_RE.search(claim):
        return []
    cw = content_words(claim) - {"magnes", "magnesium", "signif", "failed"}
    for a, b in split_sentences(evidence) or [(0, len(evidence))]:
        sent = evidence[a:b]
        if len(content_words(sent) & cw) < 2:
            continue
        for m in _SIGNIFICANT_RE.finditer(sent):
            if _NEGATED_RE.search(sent[max(0, m.start() - 20):m.start()]):
                continue  # "not significantly": a null result, which agrees with the claim
            return [Finding("effect", "contradicts",
                            f"the claim reports no effect, but the study reports a significant one (\"{_excerpt(sent, m)}\")")]
    return []


def _excerpt(sent: str, m: re.Match, width: int = 60) -> str:
    a = max(0, m.start() - width)
    b = min(len(sent), m.end() + width)
    s = sent[a:b].strip()
    return ("…" if a > 0 else "") + s + ("…" if b < len(sent) else "")


# ---------------------------------------------------------------------------- claim type

_MECH = re.compile(
    r"receptor|channel|NMDA|GABA|glutamat|membrane|\bATP\b|Mg-ATP|enzym|mitochondri|neuron|synap|cofactor|co-factor|"
    r"transporter|PEPT1|\bions?\b|calcium influx|kinase|conformation|voltage|depolari|excitab|ligand|agonist|antagonist|"
    r"dipeptide|peptide pathway|chelat|ACTH|CRH|HPA", re.I)
_CLINICAL = re.compile(
    r"\bsleep|insomnia|anxiety|anxious|mood|stress tolerance|depress|fatigue|tension|calm|absor|bioavail|diarrh|"
    r"laxative|gastrointestinal|constipation|people|patients|clinical|relief|wak", re.I)


def is_mechanism_claim(claim: str) -> bool:
    """Mechanism claims are judged on cell/animal work; clinical ones need human studies."""
    return bool(_MECH.search(claim)) and not _CLINICAL.search(claim)


def condition_checks(claim: str, evidence: str, meta: Mapping[str, Any] | None = None, study_type: str = "",
                     context: str = "", dose_tolerance: float = 0.2) -> list[Finding]:
    """Every condition check at once (form, dose, population, species, intervention, route)."""
    mech = is_mechanism_claim(claim)
    out = form_mismatch(claim, evidence, meta, context)
    out += dose_mismatch(claim, evidence, meta, dose_tolerance)
    if not mech:
        out += population_mismatch(claim, evidence, meta)
    out += species_mismatch(claim, evidence, meta, study_type, mechanism=mech)
    out += intervention_mismatch(claim, evidence, meta)
    if not mech:
        out += route_mismatch(claim, evidence, meta)
    return out
