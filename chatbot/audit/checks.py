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

from core.domain import NEUTRAL, DomainProfile
from core.text import STOPWORDS

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


def _topic(text: str, a: int, b: int, profile: DomainProfile) -> str | None:
    """The outcome keyword nearest to a number, preferring the words just before it.

    Without outcome groups in the profile, the topic is the content words just before the number
    ("ctx:" + stems); two numbers then compare when those words overlap (see ``_same_topic``).
    """
    low = text.lower()
    if not profile.outcomes:
        words = re.findall(r"[a-z][a-z0-9\-]+", low[max(0, a - 60) : a])[-5:]
        stems = sorted({w[:6] for w in words if w not in _STOP and len(w) > 2})
        return "ctx:" + " ".join(stems) if stems else None
    best: tuple[int, str] | None = None
    for name, keys in profile.outcomes.items():
        for k in keys:
            for m in re.finditer(r"\b" + re.escape(k.lower()), low[max(0, a - 80) : b + 50]):
                pos = max(0, a - 80) + m.start()
                dist = (a - pos) if pos < a else (pos - b) * 2 + 5  # after the number counts double
                if best is None or dist < best[0]:
                    best = (dist, name)
    return best[1] if best else None


def _same_topic(t1: str | None, t2: str | None) -> bool:
    if not t1 or not t2:
        return False
    if t1.startswith("ctx:") and t2.startswith("ctx:"):
        return bool(set(t1[4:].split()) & set(t2[4:].split()))
    return t1 == t2


def quantities(text: str, profile: DomainProfile = NEUTRAL) -> list[Quantity]:
    """Percentages, doses (on the profile's dose scale, mg by default), durations and sample sizes with their topics."""
    out: list[Quantity] = []
    units = {k.lower(): v for k, v in profile.dose_units.items()}
    subject = profile.subject_re()
    for m in _QTY.finditer(text):
        unit = m.group("unit").lower()
        unit = {"percent": "%", "minutes": "min", "hour": "h", "hours": "h"}.get(unit, unit)
        a = float(m.group("a"))
        b = float(m.group("b")) if m.group("b") else a
        sign = m.group("sign")
        sign = None if sign is None else ("+" if sign == "+" else "-")
        if unit in {"mg", "g", "mmol", "meq"} and unit not in units:
            continue  # a molar dose without the subject's molar mass (profile dose_units) is not comparable
        if unit in units:
            tail = text[m.end() : m.end() + 28]
            if profile.agents_in(tail) and not (subject and subject.search(tail[:14])):
                continue  # "3 g glycine": a dose of another agent, not of the subject
            f = units.get(unit, 1000.0 if unit == "g" else 1.0)
            a, b, unit = a * f, b * f, "mg"
        topic = _topic(text, m.start(), m.end(), profile)
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


def numeric_consistency(claim: str, evidence: str, tolerance: float = 0.25, profile: DomainProfile = NEUTRAL) -> list[Finding]:
    """Compare the claim's percentages (and sample sizes) with the evidence's numbers on the same topic.

    Only same-unit, same-topic numbers are compared: "23.5 % absorption" against "50–80 %
    bioavailability" is a contradiction, "44.9 % lower stress scores" against "anxiety –32 %" is not.
    """
    found: list[Finding] = []
    ev = [q for q in quantities(evidence, profile) if q.unit in {"%", "n"} and q.topic]
    for cq in quantities(claim, profile):
        if cq.unit not in {"%", "n"} or not cq.topic:
            continue
        same = [q for q in ev if q.unit == cq.unit and _same_topic(q.topic, cq.topic)]
        if not same:
            continue
        label = "participants" if cq.unit == "n" else ("value" if cq.topic.startswith("ctx:") else cq.topic.replace("_", " "))
        shown = ", ".join(dict.fromkeys(q.show() for q in same))
        ok = any(_near(q.low, cq.low, cq.high, tolerance, 2.0) or _near(q.high, cq.low, cq.high, tolerance, 2.0) for q in same)
        found.append(
            Finding(
                "numeric" if cq.unit == "%" else "sample_size",
                "consistent" if ok else "contradicts",
                f"reported {label} {shown} matches the claimed {cq.show()}" if ok else f"reported {label} {shown}, claim says {cq.show()}",
                {"claim": cq.show(), "evidence": shown},
            )
        )
    return found


# ---------------------------------------------------------------------------- conditions
#
# A condition counts as mismatched only when the claim states or implies one and the evidence
# states a different one: a claim naming no population is not "extrapolated" because one study
# enrolled patients. A clinical claim implies people, so cell or animal evidence is a mismatch.


def study_form(meta: Mapping[str, Any]) -> str:
    """The form a study used, from chunk metadata: ``form``, or a corpus's ``<subject>_form`` spelling."""
    value = meta.get("form") or next((v for k, v in meta.items() if k.endswith("_form") and v), "")
    return str(value or "").lower()


def forms_in(text: str, profile: DomainProfile = NEUTRAL) -> set[str]:
    """Forms of the subject named in a text (umbrella forms only when no specific form is named)."""
    return profile.forms_in(text)


def _form_word(f: str, profile: DomainProfile) -> str:
    if f in profile.broad_forms:
        return f"an {f}" if f[:1] in "aeiou" else f"a {f}"
    subject = profile.subject[0] if profile.subject else ""
    return f"{subject} {f}".strip()


def form_mismatch(claim: str, evidence: str, meta: Mapping[str, Any] | None = None, context: str = "", profile: DomainProfile = NEUTRAL) -> list[Finding]:
    """The claim names a form of the subject and the evidence concerns another one (or the subject in general).

    ``evidence`` is the quoted sentence(s); ``context`` the whole passage; ``meta`` the chunk
    metadata (``form``: a form, ``mixed``, ``unknown`` or ``none``; see ``study_form``).
    """
    meta = meta or {}
    want = profile.forms_in(claim)
    if not want:
        return []
    here = profile.forms_in(evidence)
    mf = study_form(meta)
    if here & want or mf in want:
        return []
    wanted = " or ".join(sorted(want))
    label = profile.form_label
    if here:
        got = ", ".join(_form_word(f, profile) for f in sorted(here))
        return [Finding("form", "mismatch", f"{label} differs: evidence concerns {got}, not {wanted}", {"evidence_forms": sorted(here)})]
    if mf and mf not in {"mixed", "unknown", "none", "null"} and mf not in want:
        return [Finding("form", "mismatch", f"{label} differs: study used {_form_word(mf, profile)}, not {wanted}", {"evidence_forms": [mf]})]
    if mf == "none":
        return []  # no preparation of the subject at all: the intervention check says what was given
    ctx_forms = profile.forms_in(context + " " + str(meta.get("intervention") or ""))
    if ctx_forms & want:
        return []
    if ctx_forms:
        got = ", ".join(_form_word(f, profile) for f in sorted(ctx_forms))
        return [Finding("form", "mismatch", f"{label} differs: study concerns {got}, not {wanted}", {"evidence_forms": sorted(ctx_forms)})]
    return [Finding("form", "mismatch", f"{label} not stated by the study (claim is about {wanted})", {"evidence_forms": []})]


def doses(text: str, profile: DomainProfile = NEUTRAL) -> list[Quantity]:
    """Doses of the subject on the profile's scale (doses of other agents excluded)."""
    return [q for q in quantities(text, profile) if q.unit == "mg"]


def dose_mismatch(claim: str, evidence: str, meta: Mapping[str, Any] | None = None, tolerance: float = 0.2, profile: DomainProfile = NEUTRAL) -> list[Finding]:
    """The claim states a dose and the study's dose lies outside it."""
    meta = meta or {}
    want = doses(claim, profile)
    if not want:
        return []
    lo, hi = min(q.low for q in want), max(q.high for q in want)
    got = doses(evidence, profile) or doses(str(meta.get("intervention") or ""), profile)
    if not got:
        return []
    if any(_near(q.low, lo, hi, tolerance, 0) or _near(q.high, lo, hi, tolerance, 0) or (q.low <= lo and q.high >= hi) for q in got):
        return []
    shown = ", ".join(dict.fromkeys(q.text.lstrip("+-–− ") for q in got))
    claim_shown = want[0].text.lstrip("+-–− ") if len(want) == 1 else f"{_fmt(lo)}–{_fmt(hi)} mg"
    return [Finding("dose", "mismatch", f"dose differs: study used {shown}, claim says {claim_shown}", {"evidence": shown, "claim": claim_shown})]


POPULATIONS: dict[str, str] = {
    "elderly people": r"elderly|older (?:adults|people|subjects|participants|persons)|aged (?:6\d|7\d|8\d)|care[- ]home|long-term care|nursing home",
    "athletes": r"athlet|players|rugby|sportsm|runners",
    "patients": r"patients|ileal resection|resection|hypertens|diabet|migraine|chronic kidney|heart failure",
    "children": r"children|adolescen|infants|pediatric|paediatric",
    "pregnant women": r"pregnan|postpartum",
    "healthy people": r"healthy|normal (?:\(healthy\) )?volunteers",
}
_POP_RE = {k: re.compile(v, re.I) for k, v in POPULATIONS.items()}


def populations_in(text: str) -> set[str]:
    return {k for k, rx in _POP_RE.items() if rx.search(text)}


def population_mismatch(claim: str, evidence: str, meta: Mapping[str, Any] | None = None) -> list[Finding]:
    """The claim names a population and the study enrolled a different one.

    A claim naming no population states no condition: a study of patients does not make it
    extrapolated (the decision layer still sees the study's population in its features).
    """
    meta = meta or {}
    want = populations_in(claim)
    if not want:
        return []
    pop_text = str(meta.get("population") or "") or evidence
    got = populations_in(pop_text)
    if not got or want & got:
        return []
    described = str(meta.get("population") or "").strip()
    desc = f" ({described})" if described and len(described) < 90 else ""
    return [
        Finding(
            "population",
            "mismatch",
            f"population differs: studied in {', '.join(sorted(got))}{desc}, not {', '.join(sorted(want))}",
            {"evidence": sorted(got), "claim": sorted(want)},
        )
    ]


def age_differs(claim: str, evidence: str, meta: Mapping[str, Any] | None = None) -> list[Finding]:
    """The claim names an age group ("toddlers") and every age the study states lies outside it (``chatbot.audit.ages``)."""
    from chatbot.audit.ages import age_mismatch

    got = age_mismatch(claim, evidence, meta)
    if got is None:
        return []
    stated, span = got
    reason = f"population differs: the study reports {stated}, the claim's age group is {span}"
    return [Finding("population", "mismatch", reason, {"evidence": stated, "claim": span})]


# laboratory animals by their names and the adjectives that name them: a claim "during simian immunodeficiency virus
# infection" is about monkeys, and evidence from "rhesus macaques" is not evidence in people
_ANIMAL = re.compile(
    r"\b(rats?|mice|mouse|guinea[- ]pigs?|rodents?|rabbits?|dogs?|canine|monkeys?|macaques?|primates?|simian|baboons?|"
    r"pigs?|piglets?|swine|porcine|sheep|ovine|hamsters?|ferrets?|animals?|murine|zebrafish)\b",
    re.I,
)
_CELL = re.compile(r"\b(in vitro|cultured|culture|slices?|cell lines?|patch[- ]clamp|isolated neuron\w*|oocytes?)\b", re.I)
_HUMAN = re.compile(r"\b(humans?|people|participants|patients|volunteers|adults|men|women|subjects|elderly|children)\b", re.I)
# a claim about species in general, or across them ("differs across species", "conserved in mammals"), is not one about
# people: animal work states it as directly as human work does
_SPECIES_AT_LARGE = re.compile(r"\b(species|mammals?|mammalian|vertebrates?|eukaryotes?|organisms)\b", re.I)


def species_mismatch(claim: str, evidence: str, meta: Mapping[str, Any] | None = None, study_type: str = "", mechanism: bool = False) -> list[Finding]:
    """Evidence from animals or cells does not show an effect in people.

    A claim about animals or cells states its own model, and a mechanism claim (receptors,
    channels, enzymes) is judged on cell and animal work, so neither gets this finding; a clinical
    claim implies people, so "only in animals/cells" is a condition mismatch.
    """
    meta = meta or {}
    st = (study_type or str(meta.get("study_type") or "")).lower()
    pop = str(meta.get("population") or "")
    text = f"{pop} {evidence}"
    if _ANIMAL.search(claim) or _CELL.search(claim) or _SPECIES_AT_LARGE.search(claim):
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
    return [Finding("species", "mismatch", f"species differs: shown only in {kind} ({what}), not in people", {"model": kind})]


def _agent_re(agent: str) -> re.Pattern[str]:
    # "glycine chelate" is a form of the subject and "glycine receptor" a target, not the agent given
    return re.compile(r"\b" + re.escape(agent) + r"\b(?!\s*(?:chelate|receptors?|transporters?|site))", re.I)


_OBSERVATIONAL = re.compile(r"observational|\bcohort\b|cross-sectional|case-control", re.I)
# a claim about what people eat, not about a supplement given ("the people who took in the most magnesium")
_INTAKE_CLAIM = re.compile(r"intake|diet|\b(?:took|take|takes|taking) in\b|\bconsum\w*|\b(?:eat|eats|ate|eaten|eating)\b|\bfoods?\b", re.I)


def intervention_mismatch(claim: str, evidence: str, meta: Mapping[str, Any] | None = None, profile: DomainProfile = NEUTRAL) -> list[Finding]:
    """The study gave something else: another agent alone, a combination product, or only observed diet.

    An article may attribute one agent's effects to the subject (glycine's to magnesium
    glycinate) or cite combination supplements; evidence about the other agent alone says
    nothing about the subject, and the reverse.
    """
    if not profile.subject and not profile.forms:
        return []
    meta = meta or {}
    inter = str(meta.get("intervention") or "")
    mf = study_form(meta)
    subject_word = profile.subject[0] if profile.subject else "the subject"
    ev_all = f"{inter} {evidence}"
    claim_subject = profile.mentions_subject(claim)
    agents = [a for a in profile.other_agents if a.lower() != "placebo"]
    claim_agents = [a for a in agents if _agent_re(a).search(claim)]
    ev_agents = [a for a in agents if _agent_re(a).search(ev_all)]
    ev_subject = profile.mentions_subject(ev_all)
    # a study that gave no form of the subject concerns it only when its recorded intervention names it: an observational
    # study of magnesium intake and the calcium-to-magnesium ratio is about magnesium, a glycine trial whose digest
    # mentions magnesium glycinate is not
    other_only = bool(ev_agents) and (not ev_subject or (mf == "none" and not profile.mentions_subject(inter)))
    out: list[Finding] = []
    if claim_subject and other_only and not claim_agents:
        dose = re.search(rf"{_NUM}\s*g\b", ev_all)
        out.append(
            Finding(
                "intervention",
                "mismatch",
                f"intervention differs: study gave {ev_agents[0]} alone{f' ({dose.group(0)})' if dose else ''}, not {subject_word}",
                {"agent": ev_agents[0]},
            )
        )
    elif claim_agents and not claim_subject and ev_subject and not any(_agent_re(a).search(ev_all) for a in claim_agents):
        out.append(Finding("intervention", "mismatch", f"intervention differs: study concerns {subject_word}, not {claim_agents[0]}", {"agent": subject_word}))
    if claim_subject and not other_only:
        low = inter.lower()
        co = [a for a in agents if _agent_re(a).search(low) and not _agent_re(a).search(claim)]
        co = [c for c in co if not (c == "b6" and "vitamin b6" in co)]
        # an observational study gave nothing: other intakes it measured are covariates, not co-interventions
        if co and "alone" not in low and not _OBSERVATIONAL.search(f"{low} {meta.get('study_type') or ''}"):
            out.append(
                Finding(
                    "intervention",
                    "mismatch",
                    f"co-intervention: {subject_word} was given together with {' and '.join(co)}, so its own effect cannot be separated",
                    {"coagents": co},
                )
            )
        if mf == "none" and re.search(r"\bintake\b|\bdiet", low) and not _INTAKE_CLAIM.search(claim):
            what = f"a {subject_word}-deficient diet" if "deficien" in low else f"dietary {subject_word} intake (observational)"
            out.append(Finding("intervention", "mismatch", f"intervention differs: study examined {what}, not a supplement", {"agent": "diet"}))
    return out


_IV = re.compile(r"\bintravenous(?:ly)?\b|\bi\.v\.|\bIV\b|\binfusion\b")
# "IV" as a Roman numeral: "phase IV trial", "DNA ligase IV", "stage IV cancer", "type IV collagen"
_NUMERAL_BEFORE = re.compile(
    r"\b(?:phase|stage|type|class|grade|ligase|complex|level|group|category|section|part|table|figure|fig\.|chapter|"
    r"collagen|factor|schedule|tier|cohort|arm|study|trial|criterion|criteria|dsm|dsm-|appendix|volume|vol\.)\s*$",
    re.I,
)


def _intravenous(text: str) -> bool:
    """Says the route was intravenous: "intravenous", "i.v.", an infusion, or "IV" other than a Roman numeral."""
    return any(m.group(0) != "IV" or not _NUMERAL_BEFORE.search(text[: m.start()]) for m in _IV.finditer(text))


def route_mismatch(claim: str, evidence: str, meta: Mapping[str, Any] | None = None) -> list[Finding]:
    """Intravenous administration bypasses the gut, so it says nothing about an oral supplement."""
    meta = meta or {}
    text = f"{meta.get('intervention') or ''} {evidence}"
    if _intravenous(text) and not _intravenous(claim):
        return [Finding("route", "mismatch", "route differs: given intravenously, not by mouth", {"route": "iv"})]
    return []


# ---------------------------------------------------------------------------- hedges and nulls

NULL_PATTERNS = (
    r"no (?:statistically )?significant (?:difference|effect|change|improvement|association)",
    r"not (?:statistically )?significant(?:ly)?",
    r"non-?significant",
    r"did not differ",
    r"no (?:overall )?difference",
    r"were unchanged|was unchanged|remained unchanged|\bunchanged\b",
    r"did not (?:improve|change|reduce|increase|affect|alter|lower)",
    r"no effect",
    r"failed to",
    r"not associated",
)
HEDGE_PATTERNS = (
    # (words that hedge only where they describe the evidence: "conflicting information" is a finding's topic, "a
    # heterogeneous population of leukocytes" a fact, "truncated or soluble protein" a protein's form, "the marginal zone" a place)
    r"conflicting (?:results|findings|evidence|data|effects|reports)|"
    r"(?:results|findings|evidence|data) (?:were|was|are|is|remain) (?:conflicting|inconsistent)",
    r"inconsistent (?:results|findings|evidence|data|effects|associations?|reports)",
    r"(?:low|very low|low to very low) certainty",
    r"(?:poor|low) quality",
    r"inconclusive",
    r"insufficient evidence",
    r"limited evidence",
    r"(?:data|studies|trials|results|findings|evidence|effects) (?:were|was|are|is) (?:\w+ )?heterogeneous|"
    r"heterogeneous (?:studies|trials|results|findings|data|evidence|effects)|"
    r"(?:substantial|considerable|high|significant) heterogeneity",
    r"small samples?",
    r"borderline(?!\s+personality)",
    r"marginally|marginal (?:[\w-]+ )?(?:significan\w*|effects?|benefits?|improvements?|differences?|associations?)",
    r"suggestive",
    r"preliminary",
    r"pilot",
    r"results (?:are )?not available",
    r"not retrieved",
    r"(?:is|was|are|were) truncated|truncated in the",
    r"others did not",
    r"other (?:studies|trials) did not",
    r"not all (?:studies|trials)",
    r"mixed (?:results|findings|evidence)",
    r"can be (?:just )?as (?:bioavailable|effective|well absorbed) as",
    r"emerging (?:data|evidence)",
    r"needs? (?:further|more) (?:research|study|studies)",
)
_NULL_RE = re.compile("|".join(f"(?:{p})" for p in NULL_PATTERNS), re.I)
_HEDGE_RE = re.compile("|".join(f"(?:{p})" for p in HEDGE_PATTERNS), re.I)
_STOP = STOPWORDS


def subject_stems(profile: DomainProfile) -> set[str]:
    """The subject's words as content-word stems: every passage shares them, so they show no topic."""
    return content_words(" ".join(profile.subject))


# a word of state or quality that a prefix negates ("UCP1-dependent" / "UCP1-independent", "significant" /
# "non-significant", "stable" / "unstable"), by its ending: not "formation" / "information" or "sight" / "insight"
_NEGATABLE = re.compile(r"[a-z]{2,}(?:ent|ant|ive|ible|able|al|ed|ic|ar|ate|ete|ect|ous|ful|ly|ance|ence|ity)")
_NEGATING_PREFIXES = ("in", "un", "non", "non-", "ir", "il", "im")
# a participle is negated by "un-" and "non-" ("unchanged", "untreated"); "in-" makes other words of it ("informed",
# "involved", "intended")
_PARTICIPLE_PREFIXES = ("un", "non", "non-")
_TOKEN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def negated_by_prefix(claim: str, text: str) -> str:
    """A word of the claim that the text has only with a negating prefix ("UCP1-dependent" said as "UCP1-independent"),
    else "". The cross-encoder read "a robust UCP1-independent thermogenic mechanism … involves enhanced ATP-dependent
    Ca2+ cycling" as stating "Ca2+ cycling is a UCP1-dependent thermogenic mechanism" (0.95): one prefix apart, the
    word pieces are nearly the same."""
    said = set(_TOKEN.findall(text.lower()))
    for token in sorted(set(_TOKEN.findall(claim.lower()))):
        head, _, last = token.rpartition("-")
        if len(last) < 6 or not _NEGATABLE.fullmatch(last) or token in said:
            continue
        lead = f"{head}-" if head else ""
        prefixes = _PARTICIPLE_PREFIXES if last.endswith("ed") else _NEGATING_PREFIXES
        if any(f"{lead}{p}{last}" in said for p in prefixes):
            return token
    return ""


def content_words(text: str) -> set[str]:
    return {w[:6] for w in re.findall(r"[a-z][a-z0-9\-]+", text.lower()) if w not in _STOP and len(w) > 2}


def hedges(evidence: str, claim: str | None = None, profile: DomainProfile = NEUTRAL) -> list[Finding]:
    """Null results ("did not differ") and hedges ("low certainty") in the evidence.

    With a claim, a null result counts only if its sentence shares content words with the claim,
    so "delta power unchanged" does not weaken a claim about cortisol.
    """
    from core.text import split_sentences

    out: list[Finding] = []
    cw = (content_words(claim) - subject_stems(profile)) if claim else set()
    seen: set[str] = set()
    for a, b in split_sentences(evidence) or [(0, len(evidence))]:
        sent = evidence[a:b]
        for m in _NULL_RE.finditer(sent):
            phrase = m.group(0).lower()
            if phrase in seen:
                continue
            if claim is not None and not (content_words(sent) & cw):
                continue
            seen.add(phrase)
            out.append(Finding("null", "weakens", f'the study reports a null result ("{_excerpt(sent, m)}")', {"phrase": phrase}))
        for m in _HEDGE_RE.finditer(sent):
            phrase = m.group(0).lower()
            if phrase in seen:
                continue
            seen.add(phrase)
            out.append(Finding("hedge", "weakens", f'the authors hedge: "{_excerpt(sent, m)}"', {"phrase": phrase}))
    return out


_NEGATED_RE = re.compile(r"\b(?:not|no|non-?|without)\s*(?:statistically\s*)?$", re.I)
_SIGNIFICANT_RE = re.compile(r"\bsignificant(?:ly)?\b|\bp\s*[<≤]\s*0?\.0[0-5]", re.I)


def effect_against_null_claim(claim: str, evidence: str, profile: DomainProfile = NEUTRAL) -> list[Finding]:
    """A claim of no effect ("failed to raise") against a study reporting a significant one on the same topic.

    The mirror of a null result refuting a claimed effect; the verifier misses both often enough
    that an explicit check is worth having.
    """
    from core.text import split_sentences

    if not _NULL_RE.search(claim):
        return []
    cw = content_words(claim) - subject_stems(profile) - {"signif", "failed"}
    for a, b in split_sentences(evidence) or [(0, len(evidence))]:
        sent = evidence[a:b]
        if len(content_words(sent) & cw) < 2:
            continue
        for m in _SIGNIFICANT_RE.finditer(sent):
            if _NEGATED_RE.search(sent[max(0, m.start() - 20) : m.start()]):
                continue  # "not significantly": a null result, which agrees with the claim
            return [Finding("effect", "contradicts", f'the claim reports no effect, but the study reports a significant one ("{_excerpt(sent, m)}")')]
    return []


def _excerpt(sent: str, m: re.Match, width: int = 60) -> str:
    a = max(0, m.start() - width)
    b = min(len(sent), m.end() + width)
    s = sent[a:b].strip()
    return ("…" if a > 0 else "") + s + ("…" if b < len(sent) else "")


# ---------------------------------------------------------------------------- claim type

_MECH_GENERAL = (
    r"receptor|channel|membrane|\bATP\b|enzym|mitochondri|neuron|synap|cofactor|co-factor|transporter|"
    r"\bions?\b|kinase|conformation|voltage|depolari|excitab|ligand|agonist|antagonist|phosphorylat|"
    r"transcription|gene expression|\bexpression\b|pathway|signal(?:l)?ing|binding|protein|\bcells?\b"
)
_CLINICAL_GENERAL = (
    r"\bpeople\b|patients|clinical|relief|symptom|\brisk\b|mortality|survival|outcomes?|treatment|therapy|"
    r"\bdisease|adults|children|women|\bmen\b|incidence|prevalence"
)


def _terms_re(general: str, extra: list[str]) -> re.Pattern[str]:
    parts = [general] + [re.escape(t) if re.fullmatch(r"[\w\s\-]+", t) else t for t in extra]
    return re.compile("|".join(f"(?:{p})" for p in parts), re.I)


def is_mechanism_claim(claim: str, profile: DomainProfile = NEUTRAL) -> bool:
    """Mechanism claims are judged on cell/animal work; clinical ones need human studies."""
    mech = _terms_re(_MECH_GENERAL, profile.mechanism_terms)
    clinical = _terms_re(_CLINICAL_GENERAL, profile.clinical_terms)
    return bool(mech.search(claim)) and not clinical.search(claim)


def condition_checks(
    claim: str,
    evidence: str,
    meta: Mapping[str, Any] | None = None,
    study_type: str = "",
    context: str = "",
    dose_tolerance: float = 0.2,
    profile: DomainProfile = NEUTRAL,
) -> list[Finding]:
    """Every condition check at once (form, dose, population, species, intervention, route)."""
    mech = is_mechanism_claim(claim, profile)
    out = form_mismatch(claim, evidence, meta, context, profile=profile)
    out += dose_mismatch(claim, evidence, meta, dose_tolerance, profile=profile)
    if not mech:
        out += population_mismatch(claim, evidence, meta)
        if not any(f.kind == "population" for f in out):
            out += age_differs(claim, evidence, meta)
    out += species_mismatch(claim, evidence, meta, study_type, mechanism=mech)
    out += intervention_mismatch(claim, evidence, meta, profile=profile)
    if not mech:
        out += route_mismatch(claim, evidence, meta)
    return out


# ---------------------------------------------------------------------------- direction of an effect
#
# "X raises Y" against "X lowered Y", or "X improved Y" against "X did not improve Y": the commonest
# way a study contradicts a claim, and the one a small cross-encoder most often misses. General
# English, no topic: the words say which way an effect goes.

# words of a sign, and words of a valence (better or worse, whichever the sign): ``contrasts`` tells them apart
_SIGN_UP_WORDS = (
    r"increas\w*|rais\w*|rise[sn]?|rose|higher|elevat\w*|greater|more|enhanc\w*|promot\w*|upregulat\w*|up-regulat\w*|induc\w*|"
    r"activat\w*|accelerat\w*|boost\w*|stimulat\w*|longer|gain\w*|strengthen\w*|extend\w*|amplif\w*"
)
_SIGN_DOWN_WORDS = (
    r"decreas\w*|reduc\w*|lower\w*|less|fewer|diminish\w*|inhibit\w*|suppress\w*|downregulat\w*|down-regulat\w*|attenuat\w*|"
    r"shorter|shorten\w*|declin\w*|drop\w*|fell|fall\w*|loss|lose[sd]?|weaken\w*|block\w*|prevent\w*|delay\w*"
)
_BETTER_WORDS = r"improv\w*|better|superior|benefit\w*|protect\w*"
_WORSE_WORDS = r"worse\w*|impair\w*|inferior|harm\w*"
_UP = re.compile(rf"\b(?:{_SIGN_UP_WORDS}|{_BETTER_WORDS})\b", re.I)
_DOWN = re.compile(rf"\b(?:{_SIGN_DOWN_WORDS}|{_WORSE_WORDS})\b", re.I)
_NEG = re.compile(
    r"\b(?:not|no|never|neither|nor|without|failed to|fails to|unable to|did not|does not|do not|"
    r"cannot|none|non-?significant|unchanged|unaffected|similar|comparable|no difference)\b",
    re.I,
)


def direction(text: str) -> int:
    """+1 if the sentence says an effect goes up (or helps), -1 down, 0 unclear; negation flips it."""
    up, down = len(_UP.findall(text)), len(_DOWN.findall(text))
    d = (up > down) - (down > up)
    return -d if _NEG.search(text) else d


def negated(text: str) -> bool:
    return bool(_NEG.search(text))


def opposite_direction(claim: str, evidence: str) -> bool:
    """The evidence states the claim's effect in the other direction, or negates what the claim asserts."""
    dc, de = direction(claim), direction(evidence)
    if dc and de and dc != de:
        return True
    return negated(claim) != negated(evidence) and not (dc == 0 and de == 0) and dc != de


# a figure, not a digit in a name ("7%", "$5 billion", "2140 base pairs"; not "IL-6", "H2A.Z", "5-HT")
_FIGURE = re.compile(r"(?<![\w-])\d(?![\w-]*[A-Za-z])|\d\s*%")
_SIGN_UP, _SIGN_DOWN = (re.compile(rf"\b(?:{w})\b", re.I) for w in (_SIGN_UP_WORDS, _SIGN_DOWN_WORDS))
_BETTER, _WORSE = (re.compile(rf"\b(?:{w})\b", re.I) for w in (_BETTER_WORDS, _WORSE_WORDS))
# a prefix that turns a word into its opposite ("deactivates" / "activates", "unstable" / "stable")
_ANTONYM_PREFIX = ("de", "dis", "un", "in", "im", "ir", "non", "anti", "counter")


def contrasts(claim: str, evidence: str) -> bool:
    """The evidence has a word that sets it against the claim: a figure the claim states (the evidence's may differ), a
    negation one has and the other lacks, a word of the other direction ("higher" against "reduces"), or the claim's
    word with an opposite-making prefix ("activates" against "deactivates"). A refutation without any such word is a
    paraphrase the verifier may have misread (``stance.refutation_holds``)."""
    if _FIGURE.search(claim) or negated(claim) != negated(evidence):
        return True
    # a sign against a sign, or a valence against a valence: "lowers serum lipids" is not set against "may improve blood
    # lipid levels" (a better lipid level is a lower one), "improves sleep" is against "sleep was worse"
    for up, down in ((_SIGN_UP, _SIGN_DOWN), (_BETTER, _WORSE)):
        signs = [{s for s, rx in ((1, up), (-1, down)) if rx.search(t)} for t in (claim, evidence)]
        if signs[0] and signs[1] and signs[0] != signs[1]:
            return True
    words = [{w.lower() for w in re.findall(r"[A-Za-z]{4,}", t)} for t in (claim, evidence)]
    return any(w.startswith(p) and w[len(p) :] in other for mine, other in (words, words[::-1]) for w in mine for p in _ANTONYM_PREFIX)
