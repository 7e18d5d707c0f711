"""Who wrote, published or is behind a document, and when: answered from the store's own record of it.

Why: "Who published the article?" or "What company is behind the Research Notes?" is answerable (the manifest
records authors, journal or outlet, year, DOI and link for every document), but no passage *says* it, so the
sentence composer found nothing close enough and refused. The question words are general English ("who wrote",
"which journal", "when was … published"), and the document is found from the question's own words matched
against each document's title, authors and outlet, so any corpus works.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.contracts import Citation
from core.lexical import tokenize
from core.records import DocumentRecord

_ASKS = re.compile(
    r"\bwho\s+(?:wrote|writes|authored|published|publishes|edited|edits|runs|owns|produced|produces|is\s+behind|was\s+behind|are\s+behind|"
    r"is\s+the\s+(?:author|publisher|editor)|are\s+the\s+authors)\b|"
    r"\b(?:what|which)\s+(?:company|organi[sz]ation|publisher|outlet|journal|website|site|group|firm|brand|newsletter|magazine)\b"
    r"[^?.]{0,50}?\b(?:behind|publish(?:es|ed)?|wrote|write|runs?|owns?|produced?|produces|is\s+it\s+from|came\s+from)\b|"
    r"\b(?:in|by)\s+(?:which|what)\s+(?:journal|outlet|publisher|company)\b|"
    r"\bwhen\s+(?:was|were|did)\b[^?.]{0,60}?\b(?:published|publish|written|write|come\s+out|appear)\b|"
    r"\b(?:who|what)\s+(?:are|is|were|was)\s+(?:the\s+)?(?:authors?|publishers?|source)\s+of\b|\bwhat\s+is\s+(?:the|its)\s+(?:doi|pmid)\b",
    re.I,
)
# words of the question that ask, not name: left out when matching it against a document's title
_ASKING = set(
    tokenize(
        "who wrote writes authored published publishes edited runs owns produced behind author authors publisher editor company "
        "organisation organization outlet journal website site group firm brand newsletter magazine when come out appear doi pmid "
        "source sell sells what which written document paper piece"
    )
)


def asks_bibliographic(question: str) -> bool:
    """The question asks who wrote, published or is behind a document, in which outlet, or when."""
    return bool(_ASKS.search(question or ""))


@dataclass(frozen=True)
class Bibliographic:
    """The answer's lead on a document's provenance, and the document it cites."""

    text: str
    doc_id: str


def _doc_terms(doc: DocumentRecord) -> set[str]:
    m = doc.meta or {}
    authors = m.get("authors") or []
    authors = " ".join(authors) if isinstance(authors, list) else str(authors)
    return set(tokenize(f"{doc.title} {authors} {m.get('journal') or ''}"))


def which_document(question: str, documents: dict[str, DocumentRecord], named: str | None = None) -> str | None:
    """The document the question is about: ``named`` (a study it cites by author and year), else the one whose
    title, authors and outlet share the most of the question's naming words; "the article" alone means the article
    when the corpus has one. None when nothing matches, or two documents match equally well."""
    if named and named in documents:
        return named
    words = set(tokenize(question)) - _ASKING
    articles = [d for d, doc in documents.items() if doc.role == "article"]
    scored = sorted(((len(words & _doc_terms(doc)), d) for d, doc in documents.items()), reverse=True)
    best = [d for s, d in scored if scored and s == scored[0][0] and s > 0]
    says_article = bool(re.search(r"\b(?:this|the)\s+article\b|\barticle'?s?\b", question, re.I))
    if says_article and articles:
        on_article = [d for d in best if d in articles]
        if on_article:
            best = on_article
        elif len(articles) == 1 and not best:
            return articles[0]
        elif len(articles) == 1 and best and scored[0][0] < 2:
            return articles[0]
    return best[0] if len(best) == 1 and scored[0][0] >= (1 if says_article else 2) else None


def describe(doc: DocumentRecord, cite: Citation) -> str:
    """One line: the title, who wrote it, where and when it appeared, and its link, as the store records them."""
    m = doc.meta or {}
    authors = m.get("authors") or []
    authors = [str(a) for a in authors] if isinstance(authors, list) else [str(authors)] if authors else []
    who = ", ".join(authors[:6]) + (" et al." if len(authors) > 6 else "")
    outlet = str(m.get("journal") or "").strip()
    bits = [f"“{doc.title}”" if doc.title else "This document"]
    if who:
        bits.append(f"is by {who}")
    if outlet:
        bits.append(f"{'and ' if who else ''}appeared in {outlet}")
    if doc.year:
        bits.append(f"({doc.year})")
    line = " ".join(bits).rstrip() + f" {cite.tag()}."
    link = str(m.get("doi") or "")
    link = f"https://doi.org/{link}" if link and not link.startswith("http") else (link or str(m.get("url") or ""))
    if link:
        line += f" Link: {link}"
    if not who and not outlet:
        line += " The corpus records no author or outlet for it."
    return line + " (From the corpus manifest's record of the document, not from its text.)"
