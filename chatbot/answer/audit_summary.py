"""Where the article and the studies disagree, asked in general: answered from the store's claim audit.

Why: "What did the article get wrong?" or "Where does it overstate the evidence?" is the product's core question, yet
no passage is close to its words, so the sentence composer refused it. The audit already holds every check-worthy
claim of the article with its finding, reason and quoted evidence; the answer counts the findings and quotes the
worst ones (contradicted, then conflicting, then extrapolated from other conditions), each citing the article passage
it stands in and the study its reason quotes. A question that also names a topic ("… wrong about sleep?") keeps the
claims that share its words. The asking words are general English; nothing here names a subject.
"""

from __future__ import annotations

import re
from collections import Counter

from core.audit_report import AuditReport, ClaimRecord
from core.contracts import Citation
from core.lexical import tokenize

# the article (or its author) asked about as a whole: what it got wrong, overstated, or whether it holds up
_ASKS = re.compile(
    r"\b(?:get|got|gets|getting)\b[^?.]{0,30}\bwrong\b|\bwrong\s+(?:about|in|with)\b|\bwhat(?:'s|\s+is)\s+wrong\b|"
    r"\boverstat\w*|\bexaggerat\w*|\bmislead\w*|\binaccura\w*|\bmistakes?\b|\berrors?\b|\boverreach\w*|\bcherry.?pick\w*|"
    r"\bhold(?:s)?\s+up\b|\bbacked\s+(?:up\s+)?by\b|\bnot\s+(?:backed|supported)\b|\bunsupported\b|\bcontradict\w*|\bdisagree\w*|"
    r"\b(?:how|is\s+it|is\s+the\s+\w+)\s+(?:accurate|reliable|trustworthy|credible)\b|\bfact.?check\w*|\bclaims?\b[^?.]{0,30}\b(?:false|wrong|true)\b|"
    r"\b(?:get|got|gets|getting)\b[^?.]{0,30}\bright\b|\bright\s+about\b|\b(?:which|what)\s+(?:of\s+(?:its|the\s+\w+'s)\s+)?claims?\b[^?.]{0,40}\b(?:supported|backed|hold)\b|"
    r"\bclaims?\b[^?.]{0,40}\b(?:rests?|resting|rel(?:y|ies|ying)|depends?|depending)\s+(?:on|upon)\b|\bweak(?:er|est)?\s+(?:evidence|studies|study|support)\b",
    re.I,
)
# what the question wants listed: the claims the studies state ("what did it get right?"), or those no study states
# ("which claims are not supported?") after the worst; by default the worst (``SEVERITY``)
_WANTS_SUPPORTED = re.compile(r"\bright\b|\b(?<!not\s)(?<!un)(?:supported|backed)\b(?!\s+by\s+nothing)", re.I)
_WANTS_UNSUPPORTED = re.compile(r"\bnot\s+(?:supported|backed)\b|\bunsupported\b|\bno\s+evidence\b|\bwithout\s+evidence\b", re.I)
_ABOUT_ARTICLE = re.compile(r"\b(?:article|author|authors|piece|post|essay|newsletter|blog|writer)\b", re.I)
_ASKING = frozenset(
    tokenize(
        "article author authors piece post essay newsletter blog writer get got gets getting wrong overstate overstated overstates "
        "exaggerate exaggerates exaggerated mislead misleading inaccurate inaccuracies mistake mistakes error errors hold holds up "
        "backed supported unsupported contradict contradicts contradicted disagree disagrees accurate reliable trustworthy credible "
        "fact check claim claims false true evidence studies study literature where which what how is it does right "
        "correct correctly rest rests resting rely relies relying depend depends depending weak weaker weakest"
    )
)
# what a reader most needs to know first: the literature says otherwise, then it disagrees with itself, then the
# article carries a result over from other conditions
SEVERITY: tuple[str, ...] = ("contradicted", "conflicting", "extrapolated")
_LABEL = {
    "contradicted": "the studies report otherwise",
    "conflicting": "the studies disagree",
    "extrapolated": "shown only under other conditions",
    "unsupported": "no study states it",
    "not_covered": "the corpus does not address it",
    "supported": "a study states it",
}


# one claim asked about ("does the article's claim that X hold up?") is checked as that claim, not summarised
_ONE_CLAIM = re.compile(r"\b(?:claims?|says?|saying|states?|stating|argues?|that)\s+that\b|\bclaim\s+(?:about|of)\b|[\"“]", re.I)


def asks_about_the_article(question: str) -> bool:
    """The question asks whether the article (as a whole, or on a topic) holds up against the studies."""
    q = question or ""
    return bool(_ABOUT_ARTICLE.search(q) and _ASKS.search(q) and not _ONE_CLAIM.search(q))


def topic_of(question: str) -> set[str]:
    """The question's words beyond those asking about the article ("… wrong about sleep?" -> {"sleep"})."""
    from chatbot.answer.sentences import query_terms

    return set(query_terms(question)) - _ASKING


def topic_words(question: str, topic: set[str]) -> list[str]:
    """The question's own words for its topic terms, in order (the terms are stems: "anxieti")."""
    out: list[str] = []
    for w in re.findall(r"[A-Za-z0-9][A-Za-z0-9-]*", question or ""):
        if set(tokenize(w)) & topic and w.lower() not in out:
            out.append(w.lower())
    return out


def findings_wanted(question: str) -> tuple[str, ...]:
    """The findings to list, in order, for what the question asks (``SEVERITY`` unless it asks what holds up or what
    no study states)."""
    if _WANTS_UNSUPPORTED.search(question or ""):
        return (*SEVERITY, "unsupported")
    if _WANTS_SUPPORTED.search(question or ""):
        return ("supported",)
    return SEVERITY


def flagged_claims(audit: AuditReport, topic: set[str], limit: int, findings: tuple[str, ...] = SEVERITY) -> list[ClaimRecord]:
    """Claims of the ``findings`` asked for, in that order (the worst first by default), one per claim text, those
    sharing a topic word when one is given."""
    seen: set[str] = set()
    out: list[ClaimRecord] = []
    for finding in findings:
        for c in audit.claims:
            if c.finding != finding or c.text in seen:
                continue
            if topic and not topic & set(tokenize(c.text)):
                continue
            seen.add(c.text)
            out.append(c)
    return out[:limit]


def counts_line(audit: AuditReport, topic: set[str], words: list[str] = ()) -> str:
    """How many of the article's audited claims got each finding (of those on the topic, when one is given, named to
    the reader by the question's own ``words``)."""
    claims = [c for c in audit.claims if not topic or topic & set(tokenize(c.text))]
    n = Counter(c.finding for c in claims)
    parts = [f"{n[f]} {f.replace('_', ' ')} ({_LABEL[f]})" for f in (*SEVERITY, "unsupported", "not_covered", "supported") if n.get(f)]
    scope = f" that mention {', '.join(f'“{w}”' for w in words)}" if topic and words else ""
    if not claims:
        return f"None of the {len(audit.claims)} claims the audit checked in the article{scope.replace(' that mention', ' mentions')}."
    return f"The claim audit checked {len(claims)} of the article's claims{scope} against the studies: {'; '.join(parts)}."


def cite_reason(reason: str, number_of: dict[int, Citation]) -> str:
    """The claim's reason with its own evidence numbers ([1], [2] of the claim's evidence) made the answer's numbers."""

    def renumber(m: re.Match[str]) -> str:
        cit = number_of.get(int(m.group(1)))
        return f"[{cit.n}]" if cit is not None else ""

    return re.sub(r"\[(\d+)\]", renumber, reason).replace(" ()", "").strip()


def cited_numbers(reason: str) -> set[int]:
    """The evidence numbers a reason quotes."""
    return {int(n) for n in re.findall(r"\[(\d+)\]", reason or "")}
