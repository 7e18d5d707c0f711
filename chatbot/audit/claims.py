"""Check-worthy claims of the article, with stable ids and their place in the cleaned document.

The article is a scraped page: claims hide in bullet lists whose meaning needs the lead-in
("Magnesium Glycinate repeatedly demonstrates:" + "- Zero gastrointestinal discomfort"), in an
infographic of bare numbers ("Anxiety – 32%" under "@ 200–300 mg/day"), and paragraphs repeat.
Claims are rebuilt from the article chunks of a snapshot (their sentence offsets are the ground
truth for spans), filtered for check-worthiness (quantities, causal effects, comparisons,
mechanisms; no rhetoric, questions, quoted testimonials, advice or navigation) and merged when
near-duplicate. The id hashes the normalised text, so it survives re-chunking and re-ingest.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from typing import Any, Iterable

from core.domain import NEUTRAL, DomainProfile
from core.text import content_hash, split_sentences, strip_markup, token_jaccard
from core.types import Chunk


@dataclass
class Claim:
    id: str
    text: str
    section: str
    start: int
    end: int
    chunk_id: str
    doc_id: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


# ---------------------------------------------------------------------------- text cleaning

_CITE_MARK = re.compile(r"\[Ⓢ\]|\[[^\]]{0,3}\]")  # the scrape's footnote marks; other markup: core.text.strip_markup
_BULLET = re.compile(r"^\s*(?:[-*•·▪◦–]|\d{1,2}[.)])\s+")
_HEADING_NUM = re.compile(r"^\s*\d+(?:\.\d+)*[.)]?\s+")
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "—": " — ", "\t": " "})


def _strip_symbols(s: str) -> str:
    """Emoji and pictographs are layout, not content."""
    return "".join(ch for ch in s if not (unicodedata.category(ch) in {"So", "Cn", "Co"} or ch in "\ufe0f\u200d"))


def clean(s: str) -> str:
    s = _CITE_MARK.sub("", strip_markup(s.translate(_QUOTES)))
    s = _strip_symbols(s)
    return re.sub(r"\s+", " ", s).strip()


def normalise(s: str) -> str:
    s = unicodedata.normalize("NFKC", clean(s)).lower()
    s = re.sub(r"[–—−]", "-", s)
    return re.sub(r"\s+", " ", re.sub(r"[^\w%+\-. ]", " ", s)).strip(" .")


def claim_id(text: str) -> str:
    return "c_" + content_hash(normalise(text), n=12)


# ---------------------------------------------------------------------------- check-worthiness

_CAUSAL = re.compile(
    r"\b(reduc|increas|improv|enhanc|block|caus|lead|driv|promot|regulat|stabili|prevent|absorb|cross|bind|bound|"
    r"activat|inhibit|modulat|restor|lower|rais|decreas|affect|influenc|support|acts?\b|interact|requir|depend|limit|"
    r"suppress|calm|dampen|initiat|trigger|down-regulat|up-regulat|deplet|produc|replenish|irritat|dissociat|pass|"
    r"travel|exist|fail|avoid|dissolv|shorten|extend|deepen|weaken|amplif|protect|predispos|demonstrat|show|"
    r"clear|enter|reach|sits|gate|close|open|fire|spread|associat|correlat|predict|contribut|mediat|induc|attenuat|"
    r"impair|elevat|accelerat|delay|alter|encod|express|confer|yield|correspond|differ|exceed|result|improv|compensat|"
    r"enforc|maintain|modif|control|determin|facilitat|recruit|mitigat|counteract|respond|develop)\w*",
    re.I,
)
_COMPARE = re.compile(
    r"\b(more|less|higher|lower|better|worse|superior|inferior|than|most|least|fewer|greater|faster|slower|stronger|"
    r"weaker|only|unlike|compared|versus|vs|poorly|efficiently|dramatically|zero|no)\b",
    re.I,
)
_QTY = re.compile(r"\d+(?:\.\d+)?\s*(?:%|mg|g\b|mmol|mEq|µg|mcg|IU|kg|ml|mL)|\d+\s*(?:times|fold)|\b\d+(?:\.\d+)?\s*(?:in|of|out of)\s+\d", re.I)
# "This is not a personal failure.": a demonstrative subject and a copula, with nothing measurable
_RHETORIC = re.compile(
    r"^(?:this|that|it|these|those|there|here|which|such)(?:'s|\s+(?:is|are|was|were|isn't|aren't|"
    r"wasn't|weren't|will|would|can|may|might|becomes?|remains?)\b)",
    re.I,
)
_RELATION = re.compile(
    r"\b(?:relation|relationship|association|link|correlation|difference|effect|risk|benefit)s?\b"
    r"\s+(?:between|of|on|with|from|in)\b",
    re.I,
)
_NOUN_ENDINGS = ("ure", "ures", "ion", "ions", "ment", "ments", "ness", "ity")
# a finite verb: a statement asserts something (headings, labels and fragments do not)
_ASSERTS = re.compile(
    r"\b(?:is|are|was|were|has|have|had|does|do|did|can|cannot|may|might|must|will|would|could|should|"
    r"becomes?|remains?|seems?|appears?|occurs?|exists?)\b|\b[a-z]{3,}(?<!s)s\b(?!\s+(?:of|and|or|in)\b)",
    re.I,
)
_BOILER = re.compile(
    r"subscribe|thanks for reading|orcid|\bdoi\b|zenodo|substack|\bshare\b|tomorrow|this article|this post|"
    r"we invite|copyright|click|sign up|newsletter|read more|thank you for reading|all rights reserved|disclaimer",
    re.I,
)
# "I" only as the sentence's first word ("haplogroup I", "type I diabetes" are not the author speaking)
_FIRST_PERSON = re.compile(r"^(?:I|I'm|I've|we|we're|we've|our|us|my)\b|\b(?:I'm|I've|my|we|our)\b(?!-)", re.I)
_ADVICE = re.compile(
    r"^(?:take|try|consider|consult|avoid|start|talk|ask|choose|look for|make sure|remember|note)\b|"
    r"\byou should\b|\bwe recommend\b|\btalk to your\b|\bspeak with\b",
    re.I,
)
_REPORT = re.compile(r"\b(?:people|many|users|customers) (?:often |commonly )?(?:report|describe|say|feel)\b", re.I)


def is_checkworthy(text: str, profile: DomainProfile = NEUTRAL) -> bool:
    """A factual statement someone could look up: it asserts an effect, association, comparison,
    mechanism or number about something. Rhetoric, questions, testimonials, advice and page furniture
    fail. Nothing here names a topic: the profile only adds its article's page furniture."""
    t = clean(text)
    words = t.split()
    if len(words) < 3 or (len(words) < 4 and not (_CAUSAL.search(t) or _QTY.search(t))) or t.endswith("?") or t.endswith(":"):
        return False
    if profile.boilerplate and re.search("|".join(f"(?:{p})" for p in profile.boilerplate), t, re.I):
        return False
    if t.startswith(('"', "'")) or sum(len(q) for q in re.findall(r'"[^"]+"', t)) > 0.5 * len(t):
        return False
    if _BOILER.search(t) or _FIRST_PERSON.search(t) or _ADVICE.search(t) or _REPORT.search(t):
        return False
    if re.search(r"\byou(?:r|'re)?\b", t, re.I):
        return False
    if not re.search(r"[A-Za-z]{3,}", t) or _is_heading(t):
        return False
    if _RHETORIC.match(t) and not (_QTY.search(t) or _RELATION.search(t) or any(not m.group(0).lower().endswith(_NOUN_ENDINGS) for m in _CAUSAL.finditer(t))):
        return False
    return bool(_QTY.search(t) or _CAUSAL.search(t) or _COMPARE.search(t) or _ASSERTS.search(t))


# ---------------------------------------------------------------------------- document units


@dataclass
class _Unit:
    kind: str  # text | bullet | stat | table | heading
    text: str  # cleaned
    start: int
    end: int


_STAT = re.compile(
    r"^(?P<label>[A-Za-z][A-Za-z .\-/]{1,40}?)\s*[:]?\s*(?P<sign>[+\-–−])?\s*"
    r"(?P<val>\d+(?:\.\d+)?(?:\s*[-–]\s*\d+(?:\.\d+)?)?)\s*(?P<unit>%|mg|g)\s*$"
)
_ABBR = {"bioavail.": "bioavailability", "bioavail": "bioavailability", "abs.": "absorption", "eff.": "efficiency", "absorp.": "absorption"}


def _doc_text(chunks: list[Chunk]) -> str:
    end = max(c.start + len(c.text) for c in chunks)
    buf = ["\n"] * end
    for c in chunks:
        buf[c.start : c.start + len(c.text)] = list(c.text)
    return "".join(buf)


def _sentence_spans(chunks: list[Chunk]) -> list[tuple[int, int]]:
    spans: set[tuple[int, int]] = set()
    for c in chunks:
        sents = c.sentences or split_sentences(c.text)
        spans.update((c.start + a, c.start + b) for a, b in sents)
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans, key=lambda s: (s[0], -s[1])):
        if out and a < out[-1][1]:
            if b <= out[-1][1]:
                continue  # contained in the previous span (overlapping chunks split differently)
            a = out[-1][1]
        out.append((a, b))
    return out


_FINITE = re.compile(r"\b(?:is|are|was|were|has|have|had|does|do|did|can|may|must|will|becomes?|remains?)\b", re.I)


def _is_heading(t: str) -> bool:
    """Section titles and figure labels: no sentence punctuation and either Title Case or verbless."""
    t = t.strip().rstrip("\"'")
    if not t or t[-1] in ".!?:;" or len(t.split()) > 14:
        return False
    body = _HEADING_NUM.sub("", t)
    if re.match(r"^(?:why|how|what|when|where)\b", body, re.I):
        return True
    words = [w for w in re.findall(r"[A-Za-z][\w'’-]*", body)]
    if not words:
        return True
    caps = sum(w[0].isupper() for w in words if len(w) > 3) / max(1, sum(len(w) > 3 for w in words))
    return caps >= 0.6 or body.isupper() or (len(words) <= 8 and not _FINITE.search(body) and not _CAUSAL_VERB.search(body))


_CAUSAL_VERB = re.compile(r"\b\w+(?:es|[^s]s)\b\s+(?:the|a|an|to|into|with|as|on|in)\b", re.I)


def _stat_lines(doc: str, lo: int, hi: int) -> list[tuple[int, int, str]]:
    """Infographic rows ("Anxiety – 32%", or "Anxiety | – 32%; Sleep efficiency | + 67%" after
    cleaning), found per line and per ";" segment: the sentence splitter cuts them apart."""
    out = []
    pos = lo
    for line in doc[lo:hi].split("\n"):
        seg_pos = pos
        for seg in line.split(";"):
            t = clean(seg.replace("|", " "))
            if t and _STAT.match(t):
                a = seg_pos + len(seg) - len(seg.lstrip())
                out.append((a, seg_pos + len(seg.rstrip()), t))
            seg_pos += len(seg) + 1
        pos += len(line) + 1
    return out


_TOP_SPLIT = re.compile(r";\s*")


def _inline_items(raw: str) -> tuple[str, list[tuple[str, int, int]]] | None:
    """A list flattened into one sentence ("Lead-in: item; item; item.") → lead-in and item spans.

    Only top-level separators count (not inside parentheses); list numbers "(1)" are dropped.
    """
    depth, colon, seps = 0, -1, []
    for i, ch in enumerate(raw):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif depth == 0 and ch == ":" and colon < 0 and (i + 1 == len(raw) or raw[i + 1].isspace()):
            colon = i
        elif depth == 0 and ch == ";" and colon >= 0:
            seps.append(i)
    if colon < 0 or not seps:
        return None
    bounds = [colon + 1] + [x + 1 for x in seps] + [len(raw)]
    items = []
    for a, b in zip(bounds, bounds[1:]):
        seg = raw[a : b - 1] if b != len(raw) else raw[a:b]
        m = re.match(r"\s*(?:\(\d{1,2}\)|\d{1,2}[.)])?\s*", seg)
        a2 = a + (m.end() if m else 0)
        text = raw[a2 : a + len(seg)].rstrip(" .;")
        if text.strip():
            items.append((text, a2, a2 + len(text)))
    return raw[: colon + 1], items


def _merge_markers(doc: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A list number split off as its own "sentence" ("1.") belongs to the item after it."""
    out: list[tuple[int, int]] = []
    carry: int | None = None
    for a, b in spans:
        if re.fullmatch(r"\s*(?:\d{1,2}[.)]|[-*•])\s*", doc[a:b]):
            carry = a if carry is None else carry
            continue
        out.append((carry if carry is not None else a, b))
        carry = None
    return out


def _units(doc: str, spans: list[tuple[int, int]]) -> list[_Unit]:
    spans = _merge_markers(doc, spans)
    stats = _stat_lines(doc, spans[0][0], spans[-1][1]) if spans else []
    units: list[_Unit] = [_Unit("stat", t, a, b) for a, b, t in stats]
    for a, b in spans:
        pos = a
        cur: _Unit | None = None
        for line in doc[a:b].split("\n"):
            la, lb = pos, pos + len(line)
            pos = lb + 1
            raw = line.strip()
            if not raw:
                cur = None  # a blank line ends a paragraph: the next line never continues this one
                continue
            if any(sa < lb and la < sb for sa, sb, _ in stats):
                continue
            la += len(line) - len(line.lstrip())
            t = clean(raw)
            if not t or re.fullmatch(r"[\W\d]*", t):
                continue
            if "\t" in raw or "<p" in raw or " | " in raw:
                kind = "table"
            elif _BULLET.match(raw) or raw.startswith(("- ", "* ")):
                kind = "bullet"
            else:
                kind = "text"
            if kind == "text" and cur is not None and cur.kind in {"text", "bullet"}:
                cur.text = f"{cur.text} {t}"
                cur.end = lb
                continue
            cur = _Unit(kind, t, la, lb)
            units.append(cur)
    units.sort(key=lambda u: u.start)
    for u in units:
        if u.kind == "bullet":
            u.text = _BULLET.sub("", u.text) if _BULLET.match(u.text) else u.text.lstrip("-* ")
            if re.match(r"^\d{1,2}[.)]\s", doc[u.start : u.end].lstrip()) and _is_heading(u.text):
                u.kind = "heading"
        elif u.kind == "text" and _is_heading(u.text):
            u.kind = "heading"
    return units


# ---------------------------------------------------------------------------- building claims

_JOIN_WORDS = {
    "by",
    "for",
    "with",
    "to",
    "as",
    "in",
    "on",
    "of",
    "like",
    "through",
    "including",
    "about",
    "from",
    "into",
    "via",
    "that",
    "because",
    "than",
    "is",
    "are",
    "must",
    "can",
    "will",
    "and",
    "drive",
    "include",
    "cause",
    "require",
    "affect",
    "improve",
    "reduce",
    "increase",
    "allow",
    "produce",
    "support",
}
_PRONOUN = re.compile(r"^(?:it|they|its|their)\b", re.I)
_THIRD_PERSON_VERB = re.compile(r"^[a-z]+(?<!s)s\b(?! of)")
_OBJECT_STARTERS = {
    "the",
    "a",
    "an",
    "more",
    "less",
    "through",
    "into",
    "dramatically",
    "neutral",
    "in",
    "on",
    "to",
    "with",
    "as",
    "its",
    "their",
    "higher",
    "lower",
    "better",
    "it",
    "them",
    "easily",
    "quickly",
}
_SUBORDINATE = re.compile(r"^(?:when|if|once|after|as|whenever|while)\b", re.I)
_REPORTING = re.compile(r"\b(?:shows?|suggests?|indicates?|found|finds|demonstrates?)\s+(?:\w+\s*){1,3}$", re.I)


def _join(lead: str, item: str) -> str:
    """Lead-in + bullet as one checkable sentence.

    "Magnesium is required for:" + "ATP synthesis" reads on with a space; "When magnesium is
    low:" + "neurons fire too easily" needs a comma; "Research shows magnesium:" + "reduces …"
    completes the subject; a finished lead-in gets a colon.
    """
    lead = lead.rstrip(": ").strip()
    item = item.rstrip(" .;,")
    words = lead.split()
    last = words[-1].lower().strip("(),\"'") if words else ""
    first_word = item.split()[0] if item.split() else ""
    verb_first = bool(_THIRD_PERSON_VERB.match(first_word))
    bare = re.sub(r"\([^)]*\)", "", lead)
    if _SUBORDINATE.match(lead) and "," not in lead:
        takes_it = verb_first and len(item.split()) > 1 and item.split()[1].lower() in _OBJECT_STARTERS
        return f"{lead}, {'it ' if takes_it else ''}{_lower_first(item)}."
    if re.match(r"^(?:It|They|This|These)\b", item):
        return f"{lead}: {item}."
    unfinished = last in _JOIN_WORDS or (
        re.search(r"(?:s|ed|ing)$", last) is not None and not last.endswith(("ss", "ings")) and not verb_first and len(words) > 1
    )
    subject_only = verb_first and (not _FINITE.search(bare) and not re.search(r"\b\w+(?<!s)s\b", " ".join(bare.split()[1:])) or _REPORTING.search(bare))
    if unfinished or subject_only:
        return f"{lead} {_lower_first(item)}."
    return f"{lead}: {item}."


def _lower_first(item: str) -> str:
    w = item.split()[0] if item.split() else ""
    if w[:1].isupper() and not w.isupper() and not re.match(r"^[A-Z][a-z]*[A-Z]", w):
        return item[0].lower() + item[1:]
    return item


def _stat_claim(u: _Unit, recent: list[_Unit], subject_default: str, profile: DomainProfile) -> str | None:
    m = _STAT.match(u.text)
    if not m:
        return None
    label = m.group("label").strip().lower()
    label = _ABBR.get(label, label)
    val = re.sub(r"\s*[-–]\s*", "–", m.group("val"))
    unit = m.group("unit")
    subject, dose = subject_default, ""
    for r in reversed(recent):
        if not dose:
            d = re.search(r"(\d+(?:\s*[–-]\s*\d+)?)\s*mg\s*(?:/|per\s*)day", r.text)
            if d:
                dose = " at " + re.sub(r"\s*[-–]\s*", "–", d.group(1)) + " mg/day"
        f = _named_form(r.text, profile)
        if f and subject == subject_default:
            subject = f
    subj = subject[0].upper() + subject[1:]
    sign = m.group("sign")
    if sign:
        verb = "increases" if sign == "+" else "reduces"
        return f"{subj}{dose} {verb} {label} by {val}{unit}."
    return f"The {label} of {subject}{dose} is {val}{unit}."


def _named_form(text: str, profile: DomainProfile) -> str | None:
    """'magnesium glycinate' when the text names a form of the subject after the subject's word."""
    subject = profile.subject[0] if profile.subject else ""
    for name, rx in profile.form_patterns().items():
        m = rx.search(text)
        if m and name not in profile.broad_forms:
            before = text[max(0, m.start() - len(subject) - 2) : m.start()].lower()
            if subject and subject.lower() in before:
                return f"{subject} {name}"
    return None


def _dominant_subject(text: str, profile: DomainProfile) -> str:
    """The article's main subject ("magnesium glycinate"): its most named form, else the subject, else "it"."""
    subject = profile.subject[0] if profile.subject else "it"
    counts = {name: len(rx.findall(text)) for name, rx in profile.form_patterns().items() if name not in profile.broad_forms}
    counts = {k: v for k, v in counts.items() if v}
    if not counts or not profile.subject:
        return subject
    return f"{subject} {max(counts, key=lambda k: counts[k])}"


def _sentence(t: str) -> str:
    return t if t[-1:] in ".!?" else t + "."


def _chunk_for(chunks: list[Chunk], a: int, b: int) -> Chunk:
    for c in chunks:
        if c.start <= a and b <= c.start + len(c.text):
            return c
    return min(chunks, key=lambda c: abs(c.start - a))


def extract_claims(chunks: Iterable[Chunk], profile: DomainProfile = NEUTRAL) -> list[Claim]:
    """Claims of every article document among ``chunks`` (other roles are ignored), in document order."""
    by_doc: dict[str, list[Chunk]] = {}
    for c in chunks:
        if c.role == "article":
            by_doc.setdefault(c.doc_id, []).append(c)
    claims: list[Claim] = []
    for doc_id, cs in sorted(by_doc.items()):
        cs.sort(key=lambda c: c.start)
        claims += _doc_claims(doc_id, cs, profile)
    return merge_duplicates(claims)


def _doc_claims(doc_id: str, cs: list[Chunk], profile: DomainProfile) -> list[Claim]:
    doc = _doc_text(cs)
    units = _units(doc, _sentence_spans(cs))
    subject_default = _dominant_subject(doc, profile)
    out: list[Claim] = []
    lead: _Unit | None = None
    prev_text: _Unit | None = None

    def emit(text: str | None, a: int, b: int, force: bool = False) -> None:
        if text and (force or is_checkworthy(text, profile)):
            c = _chunk_for(cs, a, b)
            out.append(Claim(claim_id(text), clean(text), c.section, a, b, c.chunk_id, doc_id))

    def resolved(t: str) -> str:
        """Prefix the previous sentence when this one opens with "It"/"They"."""
        if _PRONOUN.match(t) and prev_text is not None and len(prev_text.text) < 160 and not prev_text.text.endswith(":"):
            return f"{_sentence(prev_text.text)} {t}"
        return t

    for i, u in enumerate(units):
        if u.kind == "heading":
            lead = None
            continue
        if u.kind == "table":
            continue
        if u.kind == "stat":
            if not profile.subject:
                continue  # an infographic number with no known subject ("It … reduces anxiety by 32%") is not checkable
            emit(_stat_claim(u, units[max(0, i - 12) : i], subject_default, profile), u.start, u.end, force=True)
            continue
        if u.kind == "bullet":
            if not u.text.startswith(('"', "'")):  # a quoted testimonial is not a claim
                emit(_join(lead.text, u.text) if lead is not None else u.text, u.start, u.end)
            continue
        inline = _inline_items(doc[u.start : u.end])
        if inline is not None:  # "Lead-in: item; item; item." (lists flattened by cleaning)
            lead_text = resolved(clean(inline[0]))
            for raw, a, b in inline[1]:
                item = clean(raw)
                if item and not item.startswith(('"', "'")):
                    emit(_join(lead_text, item), u.start + a, u.start + b)
            lead, prev_text = None, u
            continue
        if u.text.endswith(":"):
            lead = _Unit("text", resolved(u.text), u.start, u.end)
            prev_text = u
            continue
        lead = None
        emit(resolved(u.text), u.start, u.end)
        prev_text = u
    return out


def _tokens(s: str) -> set[str]:
    return set(normalise(s).split())


def merge_duplicates(claims: list[Claim], threshold: float = 0.85) -> list[Claim]:
    """The scraped page repeats paragraphs: keep the first of near-identical claims."""
    kept: list[Claim] = []
    toks: list[set[str]] = []
    for c in claims:
        t = _tokens(c.text)
        dup = False
        for k, kt in zip(kept, toks):
            if k.id == c.id or token_jaccard(t, kt) >= threshold:
                dup = True
                break
        if not dup:
            kept.append(c)
            toks.append(t)
    return kept


def claims_from_snapshot(snapshot, profile: DomainProfile | None = None) -> list[Claim]:
    """Claims of the article chunks (role == "article") of a store snapshot."""
    from core.domain import profile_for

    return extract_claims(snapshot.ordered_chunks(), profile if profile is not None else profile_for(snapshot))
