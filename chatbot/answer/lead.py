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

from core.cards import StudyCard, dose_pattern
from core.domain import NEUTRAL, DomainProfile
from core.safety import suspect_reason

from chatbot.answer.deterministic import FIGURE, WHO, Composed, cite_chunk
from chatbot.answer.intent import Intent, strong_claim_word
from chatbot.answer.types import Citation, Finding

_CRITERIA = re.compile(r"\bexclu|\binclu(?:ded|sion) (?:if|criteria)|\beligib", re.I)
_GAP_NOTE = re.compile(r"\b(?:effect sizes?|means|p-values?|percentage changes?|confidence intervals?|group means)\b", re.I)
_NOUNS = {"cure": "cure", "prevent": "prevention", "eliminat": "elimination", "eradicat": "eradication", "revers": "reversal",
          "guarante": "guarantee"}
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
    forms = {f.strip().lower() for f in re.split(r"[,;/]| and ", card.intervention.form or "") if f.strip()}
    if not forms and card.intervention.text:
        forms = {f.lower() for f in profile.forms_in(card.intervention.text)}
    return forms


def _tested(card: StudyCard) -> str:
    """'oxide, 500 mg, 8 weeks, 46 participants' from the card's fields (empty fields left out)."""
    iv = card.intervention
    bits = [iv.form, iv.dose, iv.duration, f"{card.n} participants" if card.n and card.design not in ("meta-analysis", "systematic-review")
            else ""]
    return ", ".join(b for b in bits if b)


def _clause_list(items: list[tuple[str, Citation]]) -> str:
    return "; ".join(f"{text} [{c.n}]" for text, c in items)


def _topic_terms(question: str, profile: DomainProfile) -> set[str]:
    """The question's content terms beyond the subject and its forms (what a study must be about)."""
    from core.lexical import tokenize

    from chatbot.answer.sentences import _generic_terms, query_terms

    skip = set(tokenize(" ".join(profile.subject + list(profile.forms) + [p for ps in profile.forms.values() for p in ps])))
    return {t for t in query_terms(profile.normalise_aliases(question)) if t not in skip and t not in _generic_terms() and not t.isdigit()}


def _tested_anywhere(form: str, topic: set[str], cards: dict[str, StudyCard], profile: DomainProfile) -> bool:
    """Some study of the whole corpus gave ``form`` and is about the question's topic."""
    from core.lexical import tokenize

    for card in cards.values():
        if form not in _card_forms(card, profile):
            continue
        if not topic or topic & set(tokenize(card.title + " " + " ".join(s.text for s in card.sentences))):
            return True
    return False


def compose_lead(question: str, intent: Intent, composed: Composed, passages: list, cards: dict[str, StudyCard],
                 profile: DomainProfile = NEUTRAL, verdict: dict | None = None) -> Lead:
    """The lead for an extractive answer (``composed`` gets any citation the lead adds)."""
    lead = Lead()
    if composed.refused or not composed.citations:
        return lead
    cites, numbers = _numbering(composed.citations)
    lit_chunks = _docs_in_order(passages)
    sentences: list[str] = []

    def cite(chunk) -> Citation:
        cit = cite_chunk(cites, numbers, chunk, 1, cards)
        if cit not in composed.citations:
            composed.citations.append(cit)
        return cit

    # 1. a strong claim ("cures") that no study reports
    word = strong_claim_word(question) if intent.strong_claim else ""
    if word:
        stem = next((k for k in _NOUNS if word.startswith(k)), word)
        said = any(re.search(r"\b" + re.escape(stem), t, re.I) and not suspect_reason(t)
                   for p in passages if p.chunk.role == "literature" for t in p.chunk.sentence_texts())
        finding = str((verdict or {}).get("finding") or (verdict or {}).get("verdict") or "")
        if not said and finding != "supported":
            lead.gaps.append(f"No study in the corpus reports a {_NOUNS.get(stem, word)}.")

    # 2. a form the question names that none of the studies found tested
    asked = {f.lower() for f in profile.forms_in(question)} - {b.lower() for b in profile.broad_forms}
    carded = [(c, cards[c.doc_id]) for c in lit_chunks if c.doc_id in cards]
    if asked and carded:
        tested = {c.doc_id: _card_forms(card, profile) for c, card in carded}
        topic = _topic_terms(question, profile)
        for form in sorted(asked):
            if not _tested_anywhere(form, topic, cards, profile):
                lead.gaps.append(f"No study in the corpus that addresses this question tested {form}.")
                others = [(_tested(card), cite(c)) for c, card in carded
                          if tested[c.doc_id] and form not in tested[c.doc_id] and _tested(card)][:MAX_FACTS]
                if others:
                    sentences.append(f"The studies found used: {_clause_list(others)}.")

    # 3. what was asked for: doses, who was studied, or the figures
    units = tuple(profile.dose_units)
    if not sentences and intent.dose:
        facts = [(f"{card.intervention.dose}" + (f" for {card.intervention.duration}" if card.intervention.duration else "")
                  + (f" ({card.intervention.form})" if card.intervention.form else ""), c) for c, card in carded if card.intervention.dose]
        if facts:
            sentences.append(f"Doses in the studies found: {_clause_list([(t, cite(c)) for t, c in facts[:MAX_FACTS]])}.")
        elif carded and not any(dose_pattern(units).search(f.text) for f in composed.findings):
            lead.gaps.append("None of the studies found for this question states a dose.")
    if not sentences and intent.population and not intent.dose:
        facts = [(card.population.rstrip("."), c) for c, card in carded if card.population]
        if facts:
            sentences.append(f"Who was studied: {_clause_list([(t, cite(c)) for t, c in facts[:MAX_FACTS]])}.")
    best = _best_finding(composed.findings, intent, units, strict=bool(sentences))
    if best is not None:
        sentences.append(f"{best.text} [{best.n}]")
        lead.used.append(best.text)
    if intent.effect and carded:  # the study asked about says it lacks figures: say so, from its own note
        years = {int(y) for y in re.findall(r"\b(?:19|20)\d\d\b", question)}
        first = best.doc_id if best is not None else ""
        c, card = sorted(carded, key=lambda cc: (cc[1].year not in years, cc[0].doc_id != first))[0]
        note = next((s for s in card.sentences if s.role == "source_note" and _GAP_NOTE.search(s.text)), None)
        if note is not None:
            lead.gaps.append(f"What the corpus lacks: {card.label()} gives no such figures: “{_plain(note.text)}” [{cite(c).n}].")
    lead.text = " ".join(lead.gaps + sentences[:2])
    composed.citations.sort(key=lambda c: c.n)
    return lead


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
