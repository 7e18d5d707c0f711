"""The direct lead: one or two sentences that answer the question as asked, before the quotes.

Why deterministic: the lead is the part a reader trusts most, so it is composed only from what the
answer already cites (the study cards' fields and the chosen result sentences), every clause
carries its source number, and what the corpus lacks is said plainly instead of being papered over
with neighbouring passages: "No study in the corpus that addresses this tested <form>; the studies
found used: oxide, 500 mg, 8 weeks, 46 participants [1]; …". A dose question is answered with the
doses, a population question with who was studied, an effect-size question with the figures, and
anything else with the best result or conclusion sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.audit_report import VerdictRecord
from core.cards import StudyCard, dose_pattern
from core.domain import NEUTRAL, DomainProfile
from core.text import split_clauses
from core import study_types
from core.safety import suspect_reason

from chatbot.scope import quoted

from chatbot.answer.deterministic import FIGURE, PLACE, WHO, Composed, cite_chunk
from chatbot.answer.intent import Intent, strong_claim_word
from chatbot.answer.types import Citation, Finding

_CRITERIA = re.compile(r"\bexclu|\binclu(?:ded|sion) (?:if|criteria)|\beligib", re.I)
_GAP_NOTE = re.compile(r"\b(?:effect sizes?|means|p-values?|percentage changes?|confidence intervals?|group means)\b", re.I)
_NOUNS = {"cure": "cure", "prevent": "prevention", "eliminat": "elimination", "eradicat": "eradication", "revers": "reversal", "guarante": "guarantee"}
MAX_FACTS = 4


@dataclass
class Lead:
    text: str = ""
    gaps: list[str] = field(default_factory=list)
    used: list[str] = field(default_factory=list)  # finding sentences the lead quotes (not repeated below it)


def _numbering(citations: list[Citation]) -> tuple[dict[str, Citation], dict[str, int]]:
    cites = {c.doc_id: c for c in citations}
    return cites, {d: c.n for d, c in cites.items()}


def _docs_in_order(passages: list) -> list:
    """First passage of each literature document, in retrieval order."""
    seen: dict[str, object] = {}
    for p in passages:
        if p.chunk.role == "literature" and p.chunk.doc_id not in seen:
            seen[p.chunk.doc_id] = p.chunk
    return list(seen.values())


def _card_forms(card: StudyCard, profile: DomainProfile) -> set[str]:
    """Forms the study gave: its curated form plus those its intervention text or title names."""
    forms = {f.strip().lower() for f in re.split(r"[,;/]| and ", card.intervention.form or "") if f.strip()}
    return forms | {f.lower() for f in profile.forms_in(f"{card.intervention.text} {card.title}")}


# values a manifest puts in the form field when there is no one form to name: not a form to report
_NO_FORM = {"mixed", "unknown", "none", "not stated", "n/a"}


def _form_of(card: StudyCard) -> str:
    form = (card.intervention.form or "").strip()
    return "" if form.lower() in _NO_FORM else form


def _tested(card: StudyCard) -> str:
    """'oxide, 500 mg, 8 weeks, 46 participants' from the card's fields (empty fields left out)."""
    iv = card.intervention
    bits = [_form_of(card), iv.dose, iv.duration, f"{card.n} participants" if card.n and card.design not in ("meta-analysis", "systematic-review") else ""]
    return ", ".join(b for b in bits if b)


def _clause_list(items: list[tuple[str, Citation]]) -> str:
    return "; ".join(f"{text} [{c.n}]" for text, c in items)


def _quote_run(items: list[tuple[str, Citation]]) -> str:
    """Quoted sentences one after another, each closed and cited on its own (one source per statement)."""
    return " ".join(_cited(text, c.tag()) for text, c in items)


def _cited(text: str, tag: str) -> str:
    """'sentence [n] (RCT, 2012).': the marker (``Citation.tag``) inside the sentence it cites, so no reader
    (or splitter) takes it for the next one's."""
    return f"{text.rstrip().rstrip('.')} {tag}."


def topic_terms(question: str, profile: DomainProfile) -> set[str]:
    """The question's content terms beyond the subject and its forms (what a study must be about)."""
    from core.lexical import tokenize

    from chatbot.answer.sentences import generic_terms, query_terms

    skip = set(tokenize(" ".join(profile.subject + list(profile.forms) + [p for ps in profile.forms.values() for p in ps])))
    return {t for t in query_terms(profile.normalise_aliases(question)) if t not in skip and t not in generic_terms() and not t.isdigit()}


def _on_topic(card: StudyCard, form: str, topic: set[str], profile: DomainProfile) -> bool:
    """The study gave ``form`` and is about the question's topic (shares one of its content terms)."""
    from core.lexical import tokenize

    if form not in _card_forms(card, profile):
        return False
    return not topic or bool(topic & set(tokenize(card.title + " " + " ".join(s.text for s in card.sentences))))


def _tested_anywhere(form: str, topic: set[str], cards: dict[str, StudyCard], profile: DomainProfile) -> bool:
    """Some study of the whole corpus gave ``form`` and is about the question's topic."""
    return any(_on_topic(card, form, topic, profile) for card in cards.values())


_PLURAL_STUDIES = re.compile(r"\b(?:studies|trials|reviews|meta-analyses|papers|experiments|cohorts)\b", re.I)
_CARD_TERMS: dict[int, tuple[dict[str, StudyCard], dict[str, frozenset[str]], dict[str, float]]] = {}


def _card_terms(cards: dict[str, StudyCard]) -> tuple[dict[str, frozenset[str]], dict[str, float]]:
    """Each card's terms and each term's IDF over the corpus's cards (computed once per card set)."""
    import math

    from core.lexical import tokenize

    got = _CARD_TERMS.get(id(cards))
    if got is not None and got[0] is cards:
        return got[1], got[2]
    terms_of = {d: frozenset(tokenize(_card_text(cd))) for d, cd in cards.items()}
    df: dict[str, int] = {}
    for ts in terms_of.values():
        for t in ts:
            df[t] = df.get(t, 0) + 1
    n = len(terms_of)
    idf = {t: math.log(1 + n / k) for t, k in df.items()}  # > 0 even for a term every card has (weighs least)
    if len(_CARD_TERMS) > 8:
        _CARD_TERMS.clear()
    _CARD_TERMS[id(cards)] = (cards, terms_of, idf)
    return terms_of, idf


_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")


def named_study(question: str, cards: list[StudyCard]) -> StudyCard | None:
    """The one card the question cites by its label: its first author's surname as a word (capitalised
    unless the year is given too), and its year when the question gives a year ("What did the Walker
    2003 study find?"). None when no card, or more than one, matches. A review that merely lists "Abbasi et al. 2012" is not Abbasi 2012:
    the match is on the card's own first author, not on the studies its text mentions."""
    hits = named_studies(question, cards)
    return hits[0] if len(hits) == 1 else None


def named_studies(question: str, cards: list[StudyCard]) -> list[StudyCard]:
    """Every card the question's citation fits (``named_study`` wants exactly one): "the 2017 review" may be three."""
    years = {int(y) for y in _YEAR.findall(question)}
    hits = []
    for card in cards:
        surname = card.label().split()[0] if card.authors and card.year else ""
        if years and card.year not in years:
            continue
        flags = re.I if years else 0  # without a year, only as a name: "Held", not "held"
        if len(surname) < 3 or not re.search(r"\b" + re.escape(surname) + r"\b", question, flags):
            continue
        if card.doc_id not in {h.doc_id for h in hits}:
            hits.append(card)
    # "What did the 2017 review conclude?": the one study of that year (and of that design, if named); not when the year
    # follows a name ("Abbasi 2015" with no Abbasi 2015 is no study of the corpus)
    if not hits and years and re.search(r"\b(?:the|this|that)\s+(?:1[89]|20)\d\d\s+[a-z]", question, re.I):
        hits = [c for c in cards if c.year in years]
        words = [w for w in _DESIGN_WORDS if re.search(rf"\b{w}", question, re.I)]
        if len(hits) > 1 and words:
            hits = [c for c in hits if any(d in f"{c.design} {study_types.noun(c.design)}".lower() for w in words for d in _DESIGN_WORDS[w])]
    return hits


# a design as a question names it -> a word of that design's name in ``core.study_types`` ("review" finds both reviews)
_DESIGN_WORDS: dict[str, tuple[str, ...]] = {
    "review": ("review",),
    "meta-analys": ("meta-analysis",),
    "meta analys": ("meta-analysis",),
    "trial": ("trial", "rct"),
    "rct": ("rct",),
    "cohort": ("cohort",),
    "animal": ("animal",),
    "rats?\\b": ("animal",),
    "mouse": ("animal",),
    "mice": ("animal",),
    "in.vitro": ("in-vitro",),
    "pharmacokinetic": ("pharmacokinetic",),
    "crossover": ("crossover",),
}


def focus_study(question: str, carded: list, cards: dict[str, StudyCard], margin: float) -> tuple | None:
    """The one retrieved study the question is about, if it names one: the card sharing the most
    distinctive question terms (IDF over all cards, so the corpus subject weighs nothing) by at least
    ``margin`` times the runner-up. "In the CARDIA cohort, were people ... ?" is about that cohort,
    whichever passage scored best; "What do the reviews conclude?" has no focus."""
    from chatbot.answer.sentences import query_terms

    if not carded or _PLURAL_STUDIES.search(question):  # "what dose did the trials use?" asks about several
        return None
    named = named_study(question, [card for _, card in carded])
    if named is not None:  # cited by author and year: that study, however many others its terms share
        return next(x for x in carded if x[1].doc_id == named.doc_id)
    terms_of, idf = _card_terms(cards)
    q = set(query_terms(question))
    scored = sorted(
        ((sum(idf.get(t, 0.0) for t in q & terms_of.get(c.doc_id, frozenset())), -i, (c, card)) for i, (c, card) in enumerate(carded)),
        key=lambda x: (x[0], x[1]),
        reverse=True,
    )
    top = scored[0][0]
    second = scored[1][0] if len(scored) > 1 else 0.0
    if top <= 0 or (second > 0 and top < margin * second):
        return None
    return scored[0][2]


def _best_outcome(card: StudyCard, question: str, by_id: dict, first_chunk, cite, need_figure: bool = True) -> tuple[str, int] | None:
    """The card's result sentence (with figures, if ``need_figure``) that shares most terms with the
    question, cited with the passage holding it (``first_chunk``: the document's retrieved passage, if any)."""
    from chatbot.answer.sentences import query_terms, terms

    q = set(query_terms(question))
    scored = []
    for i, o in enumerate(s for s in card.sentences if s.role == "result"):
        # a run of findings joined by semicolons ("Whole group: …; Subgroup: …"): the clause that answers
        for k, clause in enumerate(_clauses(_plain(o.text) + ".")):
            if (FIGURE.search(clause) or not need_figure) and not suspect_reason(clause):
                scored.append((len(q & set(terms(clause))), i, k, clause, o))
    scored = [x for x in scored if x[0] > 0]
    if not scored:
        return None
    _, _, _, text, o = max(scored, key=lambda x: (x[0], -x[1], -x[2]))
    chunk = by_id.get(o.chunk_id)
    anchor = first_chunk if first_chunk is not None else chunk
    if anchor is None:
        return None
    cit = cite(anchor)
    if chunk is not None and chunk is not anchor:
        cit.add_passage(chunk)
    return _plain(text), cit.n


def _best_outcomes(card: StudyCard, question: str, by_id: dict, first_chunk, cite, need_figure: bool, k: int = 2) -> list[tuple[str, int]]:
    """Up to ``k`` result clauses of the card: the best (``_best_outcome``), then one that carries
    question terms the first does not ("what happened to ACTH and to cortisol?" needs both results)."""
    from chatbot.answer.sentences import query_terms, terms

    first = _best_outcome(card, question, by_id, first_chunk, cite, need_figure)
    if first is None:
        return []
    out = [first]
    covered = set(terms(first[0]))
    q = set(query_terms(question))
    for o in (s for s in card.sentences if s.role == "result"):
        if len(out) >= k:
            break
        for clause in _clauses(_plain(o.text) + "."):
            text = _plain(clause)
            new = (q & set(terms(text))) - covered
            if new and text != first[0] and not suspect_reason(text) and (FIGURE.search(text) or not need_figure):
                chunk = by_id.get(o.chunk_id)
                cit = cite(first_chunk if first_chunk is not None else chunk) if (first_chunk is not None or chunk is not None) else None
                if cit is None:
                    continue
                if chunk is not None:
                    cit.add_passage(chunk)
                out.append((text, cit.n))
                covered |= set(terms(text))
                break
    return out


_CLAUSE = re.compile(r";\s+(?=[A-Z])")


def _clauses(text: str) -> list[str]:
    """``text`` split at "; " before a capital, but not inside brackets: "(stress ≥ 25; N = 162)" stays whole."""
    return split_clauses(text, _CLAUSE)


_ABOUT_ARTICLE = re.compile(r"\barticle\b", re.I)
_ABOUT_STUDIES = re.compile(r"\bstud(?:y|ies)\b|\btrials?\b|\bmeta-analys[ie]s\b|\breviews?\b|\bliterature\b|\bevidence\b", re.I)
_UNAVAILABLE = re.compile(
    r"\b(?:breaks off|cut off|truncated|not available|not retrieved|not reported|cannot be reported|not given|not named|not stated|not specified|"
    r"does not (?:report|name|state|give|list|specify))\b",
    re.I,
)
_CANNOT = re.compile(r"\bcannot be (?:reported|determined|judged|said)\b|\bnot available\b", re.I)
_COMPARES = re.compile(r"\b(?:more|less|higher|lower|better|worse|larger|smaller|faster|slower)\b", re.I)  # "which raised it more?" asks for a result
_ASKS_RESULTS = re.compile(
    r"\b(?:results?|find|found|findings?|show(?:ed|n)?|report(?:ed)?|outcomes?|effects?|p-?values?|happen(?:ed)?|respond(?:ed)?|differ(?:ed)?)\b", re.I
)
# groups of people by age or condition that a study either included or did not (general words, no subject)
_GROUPS = {
    "children": r"\bchild(?:ren)?\b|\bkids?\b|\btoddlers?\b|\bpaediatric|\bpediatric",
    "infants": r"\binfants?\b|\bbab(?:y|ies)\b|\bnewborns?\b",
    "pregnant women": r"\bpregnan",
    "adolescents": r"\badolescen|\bteen(?:ager)?s?\b",
}


def _card_text(card: StudyCard) -> str:
    return " ".join([card.title, card.population, card.intervention.text, card.intervention.agent] + [s.text for s in card.sentences])


_REPORTED: dict[int, tuple[dict[str, StudyCard], frozenset[str], frozenset[str]]] = {}


def _reported_terms(cards: dict[str, StudyCard]) -> tuple[frozenset[str], frozenset[str]]:
    """Terms of what the studies did and found (title, authors, population, intervention, comparator,
    conclusion, outcomes and the method, result and conclusion sentences) and terms of everything the
    cards hold (background and source notes too); computed once per card set."""
    from core.lexical import tokenize

    got = _REPORTED.get(id(cards))
    if got is not None and got[0] is cards:
        return got[1], got[2]
    done: set[str] = set()
    mentioned: set[str] = set()
    for cd in cards.values():
        iv = cd.intervention
        fields = [cd.title, " ".join(cd.authors), cd.population, iv.text, iv.agent, iv.form, iv.dose, iv.duration, cd.comparator, cd.conclusion]
        fields += [o.text for o in cd.outcomes] + [s.text for s in cd.sentences if s.role in ("method", "result", "conclusion")]
        done.update(tokenize(" ".join(fields)))
        mentioned.update(tokenize(" ".join(s.text for s in cd.sentences)))
    mentioned |= done
    if len(_REPORTED) > 8:
        _REPORTED.clear()
    _REPORTED[id(cards)] = (cards, frozenset(done), frozenset(mentioned))
    return frozenset(done), frozenset(mentioned)


def _synonym_reported(term: str, profile: DomainProfile, done: frozenset[str]) -> bool:
    """A profile synonym of ``term`` is reported ("gastrointestinal" discomfort: the trial says the chelate was "tolerated")."""
    from core.lexical import tokenize

    for key, extra in profile.synonyms.items():
        if any(k.startswith(term) or term.startswith(k) for k in tokenize(key)) and set(tokenize(extra)) & done:
            return True
    return False


# an open question that asks for a named quantity or property: "What is the <tolerable upper intake level> for X?",
# "Which were the <main side effects> of Y?"; the asked-for phrase ends at a preposition, a clause or the question mark
_ASKED_FOR = re.compile(
    r"^\s*(?:so\s+|and\s+)?(?:what|which)(?:'s|\s+(?:is|are|was|were))\s+(?:the\s+|a\s+|an\s+)?(?P<np>[A-Za-z][\w\- ]*?)"
    r"(?=\s+(?:for|of|in|on|from|with|to|at|by|per|among|between|after|before|during|when|that|which|does|do|did|is|are)\b|\s*[?,;:.]|\s*$)",
    re.I,
)


def asked_phrase(question: str) -> str:
    """The named thing an open "what is the …" question asks for ("tolerable upper intake level"), else ""."""
    m = _ASKED_FOR.match(question or "")
    return m.group("np").strip() if m else ""


def unreported_outcome(question: str, cards: dict[str, StudyCard], profile: DomainProfile = NEUTRAL) -> list[str]:
    """What the question asks about that the literature mentions but no study reports on.

    What is asked about: in a yes/no question, the outcome, i.e. what follows the question's last
    mention of the subject, a form or another agent ("Does <subject> lower | blood pressure in people
    with hypertension?"); in an open question asking for a named thing ("What is the tolerable upper
    intake level for …?"), that thing. A word of it counts as reported when a study's method, result or
    conclusion sentence or card field has it (or one of its profile synonyms). A word some literature
    document has only in its background or source notes ("regulation of blood pressure" in a fact
    sheet's list of roles, "upper" in "the upper small intestine") is a passing mention, not a study
    of it, so the question is unanswerable here; a word the corpus lacks altogether is the scope
    guard's (``chatbot.scope``) and one only the article has is the claim check's. The signal is the
    question's own structure and the cards' sentence roles: no word list."""
    from chatbot.answer.intent import read_intent

    if not cards:
        return []
    done, mentioned = _reported_terms(cards)
    if not read_intent(question).yes_no:
        from chatbot.answer.conversation import facet_words

        phrase = asked_phrase(question)
        facets = set(_tokenize(" ".join(facet_words())))  # "the dose", "the duration": answered by a value, not the word
        topic = topic_terms(phrase, profile) - facets if phrase else set()
        missing = {t for t in topic if t in mentioned and t not in done and not _synonym_reported(t, profile, done)}
        return [phrase] if missing else []
    ends = [m.end() for rx in (profile.subject_re(),) if rx is not None for m in rx.finditer(question)]
    ends += [m.end() for a in profile.agents_in(question) for m in re.finditer(r"\b" + re.escape(a) + r"\b", question, re.I)]
    if not ends:
        return []
    # what the question judges the subject by ("Is serum magnesium a reliable test?", "… harmful?", "… suitable?")
    # is an evaluation the answer weighs, not an outcome some study must report
    tail = _EVALUATIVE.sub(" ", question[max(ends) :])
    topic = topic_terms(tail, profile)
    words = re.findall(r"[A-Za-z][\w\-]*", tail)
    verb = set(_tokenize(words[0])) if words else set()  # "lower", "cause": what the subject does, not the outcome
    missing = {t for t in topic - verb if t in mentioned and t not in done and not _synonym_reported(t, profile, done)}
    return _phrases(missing, topic, tail)


_EVALUATIVE = re.compile(r"\b[A-Za-z]{3,}(?:able|ible|ful|ous)\b", re.I)


def _tokenize(text: str) -> list[str]:
    from core.lexical import tokenize

    return tokenize(text)


def _phrases(missing: set[str], topic: set[str], tail: str) -> list[str]:
    """The question's words for the missing terms, each with the topic words right before it
    ("blood pressure"), but never the outcome's first word (the verb after the subject: "lower")."""
    from core.lexical import tokenize

    words = re.findall(r"[A-Za-z][\w\-]*", tail)
    out: list[str] = []
    for i, w in enumerate(words):
        if not set(tokenize(w)) & missing:
            continue
        j = i
        while j > 1 and set(tokenize(words[j - 1])) & topic:
            j -= 1
        phrase = " ".join(words[j : i + 1])
        out = [p for p in out if p not in phrase] + ([phrase] if not any(phrase in p for p in out) else [])
    return out


def coverage_gaps(question: str, cards: dict[str, StudyCard], profile: DomainProfile = NEUTRAL) -> tuple[list[str], bool]:
    """What the question is about that no study in the corpus includes (an agent other than the
    subject, a group of people) or reports on (a yes/no question's outcome the literature mentions only
    in passing: ``unreported_outcome``), and whether that leaves the question unanswerable (it is about
    that agent rather than the subject, about that group, or asks for that outcome)."""
    if not cards:
        return [], False
    all_text = " ".join(_card_text(cd) for cd in cards.values()).lower()
    gaps: list[str] = []
    refuse = False
    asks_subject = profile.mentions_subject(question)
    for agent in profile.agents_in(question):
        if agent.lower() != "placebo" and agent.lower() not in all_text:
            gaps.append(f"No study in the corpus tested {agent}.")
            refuse = refuse or not asks_subject
    for group, rx in _GROUPS.items():
        if re.search(rx, question, re.I) and not re.search(rx, all_text, re.I):
            gaps.append(f"No study in the corpus included {group}.")
            refuse = True
    outcome = unreported_outcome(question, cards, profile)
    if outcome:
        gaps.append(f"No study in the corpus reports on {quoted(outcome)}: the literature mentions it only in passing.")
        refuse = True
    return gaps, refuse


@dataclass
class _LeadDraft:
    """What ``compose_lead``'s steps share: the inputs, the studies found and the lead being written.

    Each step below reads these and appends to ``lead.gaps``, ``sentences`` or ``notes``; the order of the
    steps is the order of ``compose_lead`` (a later step looks at what an earlier one wrote)."""

    question: str
    intent: Intent
    composed: Composed
    passages: list
    cards: dict[str, StudyCard]
    profile: DomainProfile
    verdict: VerdictRecord | None
    by_id: dict
    query: str | None
    cites: dict[str, Citation]
    numbers: dict[str, int]
    carded: list = field(default_factory=list)
    focus: tuple | None = None
    about: list = field(default_factory=list)
    lead: Lead = field(default_factory=Lead)
    sentences: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # a study's own note on what it lacks, quoted under its own label

    def tag_of(self, n: int) -> str:
        return next((c.tag() for c in self.composed.citations if c.n == n), f"[{n}]")

    def cite(self, chunk) -> Citation:
        cit = cite_chunk(self.cites, self.numbers, chunk, 1, self.cards)
        if cit not in self.composed.citations:
            self.composed.citations.append(cit)
        return cit

    def quote(self, card: StudyCard, first_chunk, rx: re.Pattern[str], roles: tuple[str, ...]) -> tuple[str, Citation] | None:
        """The card's first sentence of ``roles`` matching ``rx``, cited with the passage holding it."""
        for st in sorted(card.sentences, key=lambda x: roles.index(x.role) if x.role in roles else len(roles)):  # roles in priority order
            text = _plain(st.text)
            if st.role in roles and rx.search(text) and not _CRITERIA.search(text) and not suspect_reason(text):
                chunk = self.by_id.get(st.chunk_id, first_chunk)
                cit = self.cite(first_chunk)
                if chunk is not first_chunk:
                    cit.add_passage(chunk)
                return text, cit
        return None


def compose_lead(
    question: str,
    intent: Intent,
    composed: Composed,
    passages: list,
    cards: dict[str, StudyCard],
    profile: DomainProfile = NEUTRAL,
    verdict: VerdictRecord | None = None,
    chunks_by_id: dict | None = None,
    query: str | None = None,
    focus_margin: float = 1.5,
) -> Lead:
    """The lead for an extractive answer (``composed`` gets any citation the lead adds). ``chunks_by_id``
    (the store's chunks) lets a quoted card sentence be cited with the passage that holds it; ``query``
    (the standalone question of a follow-up) and ``focus_margin`` (Settings.compose) pick the one study
    a question is about, whose card then answers it."""
    if composed.refused or not composed.citations:
        return Lead()
    cites, numbers = _numbering(composed.citations)
    d = _LeadDraft(question, intent, composed, passages, cards, profile, verdict, chunks_by_id or {}, query, cites, numbers)
    lit_chunks = _docs_in_order(passages)
    d.carded = [(c, cards[c.doc_id]) for c in lit_chunks if c.doc_id in cards]
    if not any(f.role not in ("article", "") for f in composed.findings) or (_ABOUT_ARTICLE.search(question) and not _ABOUT_STUDIES.search(question)):
        d.carded = []  # a question about the article (or answered only from it): no study facts in the lead
    d.focus = focus_study(query or question, d.carded, cards, focus_margin)
    d.about = [d.focus] if d.focus is not None else d.carded  # the study asked about, else every study found
    _strong_claim_gap(d)  # 1. a strong claim ("cures") that no study reports
    if d.carded:  # 2. an agent other than the subject, or a group of people, that no study in the corpus includes
        d.lead.gaps += coverage_gaps(question, cards, profile)[0]
    asked, about_findings = _untested_form(d)  # 3. a form the question names that no study on its topic tested
    best = _asked_for(d)  # 4. what was asked for: the doses, the forms, who was studied, or the figures
    _study_of_the_form(d, asked, about_findings)
    if best is not None and not any(_plain(best.text) in s for s in d.sentences):
        d.sentences.append(_cited(best.text, d.tag_of(best.n)))
        d.lead.used.append(best.text)
    _what_the_study_lacks(d, best)  # 5. the study asked about says it lacks what was asked: say so, from its own note
    head = " ".join(g for g in d.lead.gaps if not g.startswith("What the corpus lacks ("))
    d.lead.text = "\n".join(x for x in [head] + d.notes + d.sentences[:2] if x)  # a quoted run keeps its own line under its label
    composed.citations.sort(key=lambda c: c.n)
    return d.lead


def _strong_claim_gap(d: _LeadDraft) -> None:
    """A strong claim ("cures") that no literature passage found reports, unless the claim check found it supported."""
    word = strong_claim_word(d.question) if d.intent.strong_claim else ""
    if not word:
        return
    stem = next((k for k in _NOUNS if word.startswith(k)), word)
    said = any(
        re.search(r"\b" + re.escape(stem), t, re.I) and not suspect_reason(t)
        for p in d.passages
        if p.chunk.role == "literature"
        for t in p.chunk.sentence_texts()
    )
    finding = (d.verdict.finding or d.verdict.verdict) if d.verdict is not None else ""
    if not said and finding != "supported":
        noun = _NOUNS.get(stem, word)
        d.lead.gaps.append(f"No study in the corpus reports {'an' if noun[:1] in 'aeiou' else 'a'} {noun}.")


def _untested_form(d: _LeadDraft) -> tuple[set[str], bool]:
    """A form the question names that no study on its topic tested: the gap, and the forms the studies found used.
    Returns the forms asked about and whether the question is about findings at all (not, e.g., what a product costs)."""
    question, intent, profile, cards, carded = d.question, d.intent, d.profile, d.cards, d.carded
    asked = {f.lower() for f in profile.forms_in(question)} - {b.lower() for b in profile.broad_forms}
    about_findings = (
        intent.yes_no or intent.dose or intent.effect or intent.population or intent.form or bool(_ABOUT_STUDIES.search(question))
    )  # not, e.g., what a product costs
    if asked and carded and about_findings:
        tested = {c.doc_id: _card_forms(card, profile) for c, card in carded}
        topic = topic_terms(question, profile)
        missing = [f for f in sorted(asked) if not _tested_anywhere(f, topic, cards, profile)]
        if missing:
            d.lead.gaps.append(f"No study in the corpus that addresses this question tested {' or '.join(missing)}.")
            others = [(_tested(card), d.cite(c)) for c, card in carded if tested[c.doc_id] and not (set(missing) & tested[c.doc_id]) and _tested(card)][
                :MAX_FACTS
            ]
            if others:
                d.sentences.append(f"The studies found used: {_clause_list(others)}.")
    return asked, about_findings


def _asked_for(d: _LeadDraft) -> Finding | None:
    """The doses, the forms or who was studied, quoted from the cards; then the best finding to quote, or None
    when the card of the study asked about supplied the result instead (returned for ``compose_lead`` to add last)."""
    intent, composed, about, sentences, lead = d.intent, d.composed, d.about, d.sentences, d.lead
    units = tuple(d.profile.dose_units)
    if not sentences and intent.dose:
        facts = [q for c, card in about if (q := d.quote(card, c, dose_pattern(units), ("method", "result", "objective"))) is not None]
        if facts:
            sentences.append(f"Doses in the studies found:\n{_quote_run(facts[:MAX_FACTS])}")
            lead.used += [t for t, _ in facts[:MAX_FACTS]]
        elif d.carded and not any(dose_pattern(units).search(f.text) for f in composed.findings):
            lead.gaps.append("None of the studies found for this question states a dose.")
    if intent.form and not any(x.startswith("The studies found used") for x in sentences):
        _forms_used(d)
    if not sentences and intent.population and not intent.dose:
        facts = [q for c, card in about if (q := d.quote(card, c, WHO, ("method", "result"))) is not None]
        if facts:
            sentences.append(f"Who was studied:\n{_quote_run(facts[:MAX_FACTS])}")
            lead.used += [t for t, _ in facts[:MAX_FACTS]]
        elif d.focus is not None and d.focus[1].population:  # no sentence says who: the card's population field (from the manifest) does
            sentences.append(f"Who was studied ({d.focus[1].label()}): {d.focus[1].population.rstrip('.')} [{d.cite(d.focus[0]).n}].")
    if not sentences and intent.place:  # "Where in the brain did it act?": the studies' own sentences that say where
        facts = [q for c, card in about if (q := d.quote(card, c, PLACE, ("conclusion", "result", "method"))) is not None]
        if facts:
            sentences.append(f"Where, in the studies found:\n{_quote_run(facts[:MAX_FACTS])}")
            lead.used += [t for t, _ in facts[:MAX_FACTS]]
    best = _best_finding(composed.findings, intent, units, strict=bool(sentences))
    return _result_from_the_card(d, best)


def _forms_used(d: _LeadDraft) -> None:
    """The studies' own sentences naming the form they gave, else each card's form field."""
    form_rx = _forms_re(d.profile)
    facts = [q for c, card in d.about if form_rx is not None and (q := d.quote(card, c, form_rx, ("method", "objective", "result")))]
    if facts:  # the studies' own sentences naming the form they gave
        d.sentences.append(f"Forms in the studies found:\n{_quote_run(facts[:MAX_FACTS])}")
        d.lead.used += [t for t, _ in facts[:MAX_FACTS]]
    else:
        facts = [(f"{_form_of(card)} ({card.label()})", d.cite(c)) for c, card in d.about if _form_of(card)]
        if facts:
            d.sentences.append(f"Forms in the studies found: {_clause_list(facts[:MAX_FACTS])}.")


def _result_from_the_card(d: _LeadDraft, best: Finding | None) -> Finding | None:
    """The result asked for may sit in a passage retrieval did not return: the card of the study asked about has it.
    Returns ``best``, or None when the card's outcomes were quoted instead."""
    question, intent, focus, carded = d.question, d.intent, d.focus, d.carded
    asks_results = intent.effect or bool(_ASKS_RESULTS.search(question))
    weak_best = best is None or best.role != "result" or (intent.effect and not FIGURE.search(best.text))
    off_focus = focus is not None and (best is None or best.doc_id != focus[0].doc_id) and not (intent.dose or intent.population or intent.form)
    if carded and not d.sentences and ((asks_results and weak_best) or off_focus):
        years = {int(y) for y in re.findall(r"\b(?:19|20)\d\d\b", question)}
        c, card = focus if focus is not None else sorted(carded, key=lambda cc: cc[1].year not in years)[0]
        got = _best_outcomes(card, d.query or question, d.by_id, c, d.cite, need_figure=intent.effect)
        if got:
            d.sentences.append(" ".join(_cited(text, d.tag_of(n)) for text, n in got))
            d.lead.used += [text for text, _ in got]
            return None
    return best


def _study_of_the_form(d: _LeadDraft, asked: set[str], about_findings: bool) -> None:
    """A study that tested the form asked about, on this topic, not among those found: its best outcome first."""
    if not (asked and about_findings and d.cards):
        return
    found = {c.doc_id for c, _ in d.carded}
    covered = {f for _, cd in d.carded for f in _card_forms(cd, d.profile)}
    topic = topic_terms(d.question, d.profile)
    for form in sorted(asked - covered):
        card = next((cd for cd in d.cards.values() if cd.doc_id not in found and _on_topic(cd, form, topic, d.profile)), None)
        if card is not None and (got := _best_outcome(card, d.question, d.by_id, None, d.cite)) is not None:
            d.sentences.insert(0, f"The study that tested {form} ({card.label()}):\n{_cited(got[0], d.tag_of(got[1]))}")
            d.lead.used.append(got[0])
            break


def _what_the_study_lacks(d: _LeadDraft, best: Finding | None) -> None:
    """The study asked about says it lacks what was asked: say so, quoting its own note under its label."""
    question, intent, carded, focus = d.question, d.intent, d.carded, d.focus
    asks_facts = intent.effect or intent.dose or intent.form or intent.population or bool(_ASKS_RESULTS.search(question) or _COMPARES.search(question))
    if not (carded and asks_facts):
        return
    years = {int(y) for y in re.findall(r"\b(?:19|20)\d\d\b", question)}
    first = best.doc_id if best is not None else ""
    c, card = focus if focus is not None else sorted(carded, key=lambda cc: (cc[1].year not in years, cc[0].doc_id != first))[0]
    note = _gap_note(
        card, d.query or question, _GAP_NOTE if intent.effect else _UNAVAILABLE, d.profile, _card_terms(d.cards)[1], _facet_words(intent, d.profile)
    )
    if note is not None:
        cit = d.cite(c)
        if d.by_id.get(note.chunk_id) is not None:  # the passage holding the note joins the citation it is quoted under
            cit.add_passage(d.by_id[note.chunk_id])
        n = cit.n
        d.lead.gaps.append(f"What the corpus lacks ({card.label()}): {_plain(note.text)}.")
        d.notes.append(f"What the corpus lacks ({card.label()}):\n{_cited(_plain(note.text), d.tag_of(n))}")


_DOSE_WORDS = r"\bdos(?:e|es|ed|ing|age)\b|\bamounts?\b|\bper day\b|\bdaily\b"
_FORM_WORDS = r"\bforms?\b|\bsalts?\b|\bpreparations?\b|\bcompounds?\b|\bformulations?\b"
_POPULATION_WORDS = (
    r"\bparticipants?\b|\bpatients?\b|\bsubjects?\b|\bvolunteers?\b|\bpopulations?\b|\bage[ds]?\b|\bsex\b|\bwomen\b|\bmen\b|"
    r"\bchildren\b|\badults?\b|\belderly\b|\bsamples?\b|\bspecies\b|\banimals?\b|\brats?\b|\bmice\b"
)


def _facet_words(intent: Intent, profile: DomainProfile) -> re.Pattern[str] | None:
    """Words a gap note must carry to be about the facet asked (a dose, a form, who was studied); None: any note on
    the topic. Why: a dose question was answered with a digest's note that the rest of an unrelated sentence is
    missing, because it shared the word "sleep"."""
    if intent.effect or not (intent.dose or intent.form or intent.population):
        return None
    parts = []
    if intent.dose:
        parts += [_DOSE_WORDS, dose_pattern(tuple(profile.dose_units)).pattern]
    if intent.form:
        parts.append(_FORM_WORDS)
        forms = _forms_re(profile)
        if forms is not None:
            parts.append(forms.pattern)
    if intent.population:
        parts.append(_POPULATION_WORDS)
    return re.compile("|".join(f"(?:{x})" for x in parts), re.I)


def _gap_note(
    card: StudyCard,
    question: str,
    gap_rx: re.Pattern[str],
    profile: DomainProfile,
    idf: dict[str, float] | None = None,
    facet: re.Pattern[str] | None = None,
):
    """The study's own note that it lacks what was asked: a source note saying so (``gap_rx``) that
    shares a topic term with the question, the one sharing the most distinctive terms (``idf``) first,
    and, for a dose, form or population question, names that facet (``facet``).
    Why the shared term: digests note many gaps ("the last sentence of the abstract is cut off", "the
    conflict-of-interest list is cut off"), and only one about what was asked answers the question."""
    from core.lexical import tokenize

    topic = topic_terms(question, profile) | set(tokenize(" ".join(_ASKS_RESULTS.findall(question))))
    weight = idf or {}
    top = max(weight.values(), default=1.0)
    # a source note, or any sentence saying the corpus cannot tell ("which one rose faster cannot be reported from the material available")
    scored = [
        (sum(weight.get(t, top) for t in topic & set(tokenize(s.text))), -i, s)
        for i, s in enumerate(card.sentences)
        if gap_rx.search(s.text) and (s.role == "source_note" or _CANNOT.search(s.text)) and (facet is None or facet.search(s.text))
    ]
    scored = [x for x in scored if x[0] > 0]
    return max(scored, key=lambda x: (x[0], x[1]))[2] if scored else None


def _forms_re(profile: DomainProfile) -> re.Pattern[str] | None:
    pats = [p for ps in profile.forms.values() for p in ps]
    return re.compile("|".join(f"(?:{p})" for p in pats), re.I) if pats else None


def _plain(text: str) -> str:
    from chatbot.answer.sentences import clean_sentence

    return clean_sentence(text).rstrip(".")


def _best_finding(findings: list[Finding], intent: Intent, units: tuple[str, ...], strict: bool = False) -> Finding | None:
    """The literature sentence that best carries what was asked (findings are in score order);
    ``strict``: only one that carries it (the lead already has a sentence of facts)."""
    lit = [f for f in findings if f.role not in ("article", "")]
    if not lit:
        return None
    wanted = ("result", "conclusion", "method") if intent.wants_method else ("result", "conclusion")

    def fits(f: Finding) -> bool:
        if intent.dose:  # a dose given, not an eligibility rule ("excluded if the dose was below 50 mg")
            return bool(dose_pattern(units).search(f.text)) and not _CRITERIA.search(f.text)
        if intent.effect:
            return bool(FIGURE.search(f.text))
        if intent.population:
            return bool(WHO.search(f.text))
        return True

    pools = [[f for f in lit if f.role in wanted and fits(f)]]
    if not strict:
        pools.append([f for f in lit if f.role in ("result", "conclusion")])
    for pool in pools:
        if pool:
            return pool[0]
    return None
