"""What the corpus holds, asked of the corpus: "Which studies were done in animals?", "What kinds of studies are there?"

Why: such a question is about the collection, not about what any passage says, so no sentence is close to it and the
composer refused. The store's records know every document's design and year; the answer counts the designs and lists
the studies of the design asked for, each cited. A question that also names a topic ("Which studies tested glycine?")
is left to retrieval: the catalogue only answers when the question's words are asking words and designs.
"""

from __future__ import annotations

import re
from collections import Counter

from core import study_types
from core.lexical import tokenize
from core.records import DocumentRecord

_ASKS = re.compile(
    r"\b(?:which|what|how\s+many|list|name)\b[^?.]{0,30}\b(?:studies|trials|papers|sources|documents|references|reviews|kinds?\s+of\s+(?:studies|evidence)|types?\s+of\s+(?:studies|evidence))\b",
    re.I,
)
# a design as a question names it -> keys of ``core.study_types`` it stands for ("human" is every design but these)
_DESIGNS: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (re.compile(r"\banimals?\b|\brats?\b|\bmice\b|\bmouse\b|\brodents?\b", re.I), ("animal",)),
    (re.compile(r"\bin[\s-]vitro\b|\bcells?\b|\blab(?:oratory)?\b", re.I), ("in-vitro",)),
    (re.compile(r"\bmeta-?analys[ie]s\b", re.I), ("meta-analysis",)),
    (re.compile(r"\bsystematic\s+reviews?\b", re.I), ("systematic-review",)),
    (re.compile(r"\breviews?\b", re.I), ("systematic-review", "narrative-review", "meta-analysis")),
    (re.compile(r"\b(?:randomi[sz]ed|controlled|clinical)\s+trials?\b|\brcts?\b", re.I), ("rct", "crossover-trial")),
    (re.compile(r"\bcrossover\b", re.I), ("crossover-trial",)),
    (re.compile(r"\bcohorts?\b|\bobservational\b", re.I), ("cohort", "observational", "case-control", "cross-sectional")),
    (re.compile(r"\bpharmacokinetic\b|\bbioavailability\s+studies\b", re.I), ("pharmacokinetic",)),
)
_HUMAN = re.compile(r"\b(?:humans?|people|persons|participants|patients|adults|volunteers)\b", re.I)
_NOT_HUMAN = ("animal", "in-vitro", "article", "fact-sheet")
# words that ask about the collection, not about a topic
_ASKING = frozenset(
    tokenize(
        "which what how many list name studies study trials trial papers paper sources source documents document references "
        "reviews review kind kinds type types evidence corpus collection library contain contains include includes included "
        "hold holds have has there done carried out conducted performed run were was are is in on of the with use used using "
        "animal animals rat rats mice mouse rodent rodents vitro cell cells lab laboratory meta analysis analyses systematic "
        "randomised randomized controlled clinical rct rcts crossover cohort cohorts observational pharmacokinetic bioavailability "
        "human humans people persons participants patients adults volunteers does do did are there here"
    )
)


def asks_catalogue(question: str) -> bool:
    """The question asks which studies (of a design) the corpus holds, and names no topic of its own."""
    q = question or ""
    return bool(_ASKS.search(q)) and not (set(tokenize(q)) - _ASKING)


def designs_asked(question: str) -> tuple[str, ...] | None:
    """The design keys asked for; None for every design ("What kinds of studies are there?")."""
    for pattern, keys in _DESIGNS:
        if pattern.search(question):
            return keys
    if _HUMAN.search(question):
        return tuple(t.key for t in study_types.STUDY_TYPES if t.key not in _NOT_HUMAN)
    return None


def literature(documents: dict[str, DocumentRecord]) -> dict[str, DocumentRecord]:
    return {d: doc for d, doc in documents.items() if doc.role != "article"}


def counts_line(documents: dict[str, DocumentRecord]) -> str:
    """How many literature documents of each design the corpus holds, most first."""
    n = Counter(_noun(doc.study_type) for doc in documents.values())
    parts = [f"{k} {_plural(noun, k)}" for noun, k in sorted(n.items(), key=lambda kv: (-kv[1], kv[0]))]
    return f"The corpus holds {len(documents)} literature documents: {', '.join(parts)}."


def _noun(study_type: str | None) -> str:
    key = (study_type or "").strip().lower()
    return study_types.noun(key) if key in study_types.BY_KEY and key != "other" else "of a design not stated"


def _plural(noun: str, k: int) -> str:
    if k == 1 or noun.startswith("of "):
        return noun
    if noun.endswith("study"):
        return noun[:-5] + "studies"
    if noun.endswith("analysis"):
        return noun[:-8] + "analyses"
    return noun + "s"


def matching(documents: dict[str, DocumentRecord], keys: tuple[str, ...]) -> list[str]:
    """Ids of the documents of the designs asked for, newest first."""
    hits = [d for d, doc in documents.items() if (doc.study_type or "").strip().lower() in keys]
    return sorted(hits, key=lambda d: (-(documents[d].year or 0), d))


# "Are these summaries the full papers or just abstracts?", "Do you have the full text?", "What are the documents based
# on?": a question about what the literature documents are, which their records answer (each says what it was read from)
_DOCUMENT_WORDS = re.compile(r"\b(?:summar(?:y|ies)|digests?|files?|documents?|papers?|sources?|literature|studies|texts?)\b", re.I)
_WHAT_THEY_ARE = re.compile(
    r"\bfull[\s-]?(?:texts?|papers?|articles?|studies)\b|\b(?:just|only)\s+(?:the\s+)?abstracts?\b|\bdigests?\s+of\b|\bverbatim\b|"
    r"\bown\s+words\b|\bbased\s+on\s+what\b|\bwhat\s+are\s+(?:the|these)\s+\w+\s+based\s+on\b|\bthe\s+(?:papers|studies|originals?)\s+themselves\b",
    re.I,
)


def asks_what_the_documents_are(question: str) -> bool:
    """The question asks whether the literature documents are the papers themselves, abstracts or digests."""
    q = question or ""
    return bool(_DOCUMENT_WORDS.search(q) and _WHAT_THEY_ARE.search(q))


# what a digest was read from (the ``digest_of`` field of a literature document's front matter)
_READ_FROM = {
    "abstract": "the abstract",
    "abstract+intro": "the abstract and introduction",
    "abstract+table": "the abstract and a table",
    "secondary-copy": "secondary copies (the original was not retrieved)",
    "table-only": "a table only",
    "full-text": "the full text",
}


def digests_line(documents: dict[str, DocumentRecord]) -> str:
    """What the literature documents are: how many are digests, and what each kind was read from, most first."""
    kinds = Counter(str((doc.meta or {}).get("digest_of") or "") for doc in documents.values())
    digests = sum(k for kind, k in kinds.items() if kind)
    parts = [f"{k} from {_READ_FROM.get(kind, kind)}" for kind, k in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])) if kind]
    head = f"{digests} of the corpus's {len(documents)} literature documents are digests written in our own words, not the papers' text"
    rest = f" ({len(documents) - digests} are given as they are)" if digests < len(documents) else ""
    return (
        f"{head}{rest}: {', '.join(parts)}. Each names its original (DOI, PubMed or web address) to open."
        if digests
        else (f"None of the corpus's {len(documents)} literature documents is marked as a digest: they are given as they are.")
    )
