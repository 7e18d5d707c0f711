"""What an answer is, independent of who composed it (deterministic or LLM).

One shape for the CLI's JSON, the app and the evals, so a consumer never needs to know which
answerer ran. Citations carry enough provenance (title, year, study type, section/page, link)
for a person to check each numbered claim without opening the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core import study_types
from core.audit_report import ClaimFlag, VerdictRecord
from core.cards import StudyCard
from core.types import Chunk


def study_label(study_type: str | None) -> str:
    """Human label for a study type ("rct" -> "RCT"); unknown types pass through readable (``core.study_types``)."""
    return study_types.label(study_type)


def source_url(chunk: Chunk) -> str | None:
    """Best link to the original: its URL, else the DOI resolver, else PubMed."""
    m = chunk.meta or {}
    if m.get("url"):
        return str(m["url"])
    if m.get("doi"):
        return f"https://doi.org/{m['doi']}"
    if m.get("pmid"):
        return f"https://pubmed.ncbi.nlm.nih.gov/{m['pmid']}/"
    return None


@dataclass
class Citation:
    """A numbered source as cited in an answer."""

    n: int
    doc_id: str
    chunk_id: str
    title: str
    year: int | None
    role: str
    study_type: str
    section: str
    page: int | None
    text: str
    url: str | None = None
    doi: str | None = None
    pmid: str | None = None
    is_digest: bool = False
    cited_sentences: list[str] = field(default_factory=list)
    chunk_ids: list[str] = field(default_factory=list)  # every passage of the document cited under this number
    card: StudyCard | None = None  # the study card of the document, when the store has one

    @property
    def anchor(self) -> str:
        """Id of this source's card in a rendered answer, so "[n]" can link to it."""
        return f"source-{self.n}"

    def add_passage(self, chunk: Chunk) -> None:
        """Cite one more passage of the same document under this number (its text joins ``text``)."""
        if chunk.doc_id != self.doc_id or chunk.chunk_id in self.chunk_ids:
            return
        self.chunk_ids.append(chunk.chunk_id)
        self.text = f"{self.text}\n\n{chunk.text}"
        if chunk.section and chunk.section not in self.section.split("; "):
            self.section = f"{self.section}; {chunk.section}" if self.section else chunk.section

    @classmethod
    def from_chunk(cls, n: int, chunk: Chunk, cited_sentences: list[str] | None = None) -> "Citation":
        m = chunk.meta or {}
        return cls(
            n=n,
            doc_id=chunk.doc_id,
            chunk_id=chunk.chunk_id,
            title=chunk.title,
            year=chunk.year,
            role=chunk.role,
            study_type=chunk.study_type or "",
            section=chunk.section or "",
            page=chunk.page,
            text=chunk.text,
            url=source_url(chunk),
            doi=str(m["doi"]) if m.get("doi") else None,
            pmid=str(m["pmid"]) if m.get("pmid") else None,
            is_digest=chunk.role == "literature" and bool(m.get("digest_of")),
            cited_sentences=list(cited_sentences or []),
            chunk_ids=[chunk.chunk_id],
        )

    def tag(self) -> str:
        """Inline marker after a sentence: "[2] (RCT, 2012)" for studies, "[1]" for the article."""
        if self.role != "literature":
            return f"[{self.n}]"
        bits = [b for b in (study_label(self.study_type), str(self.year) if self.year else "") if b]
        return f"[{self.n}] ({', '.join(bits)})" if bits else f"[{self.n}]"

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "doc_id": self.doc_id,
            "chunk_id": self.chunk_id,
            "title": self.title,
            "year": self.year,
            "role": self.role,
            "study_type": self.study_type,
            "section": self.section,
            "page": self.page,
            "text": self.text,
            "url": self.url,
            "doi": self.doi,
            "pmid": self.pmid,
            "is_digest": self.is_digest,
            "cited_sentences": list(self.cited_sentences),
            "chunk_ids": list(self.chunk_ids or [self.chunk_id]),
            "anchor": self.anchor,
            "card": self.card.model_dump(mode="json", exclude={"sentences"}) if self.card else None,
        }


@dataclass
class Finding:
    """One quoted sentence of an answer with the source number it is cited to and its role there."""

    text: str
    n: int
    doc_id: str
    role: str = ""  # result, conclusion, method, ... (core.cards.SentenceRole) or "article"

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "n": self.n, "doc_id": self.doc_id, "role": self.role}


@dataclass
class Answer:
    """An answer with its numbered sources (one number per document); ``query`` (the standalone retrieval query) is kept for
    debugging and the app but is not part of the JSON contract."""

    question: str
    answer: str
    citations: list[Citation] = field(default_factory=list)
    unsupported_sentences: list[str] = field(default_factory=list)
    flags: list[ClaimFlag] = field(default_factory=list)
    verdict: VerdictRecord | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)
    answerer: str = "deterministic"
    refused: bool = False
    query: str = ""
    lead: str = ""  # the direct answer: one or two cited sentences (also the start of ``answer``)
    findings: list[Finding] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)  # what the corpus lacks for this question, said plainly

    @property
    def cards(self) -> list[StudyCard]:
        """The study card of each cited document, in citation order."""
        return [c.card for c in sorted(self.citations, key=lambda c: c.n) if c.card is not None]

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "citations": [c.to_json() for c in self.citations],
            "unsupported_sentences": list(self.unsupported_sentences),
            "flags": [f.to_json() for f in self.flags],
            "verdict": self.verdict.to_json() if self.verdict is not None else None,
            "timings_ms": {k: round(float(v), 2) for k, v in self.timings_ms.items()},
            "answerer": self.answerer,
            "refused": bool(self.refused),
            "lead": self.lead,
            "findings": [f.to_json() for f in self.findings],
            "gaps": list(self.gaps),
            "cards": [c.model_dump(mode="json", exclude={"sentences"}) for c in self.cards],
        }
