"""What the answer path hands from one layer to the next, as types instead of bare strings and text.

The claim audit's outcomes (``Finding``, the older 4-way ``Verdict``, evidence ``Stance``, the
explicit checks' ``CheckKind`` / ``CheckEffect``) are str-valued enums: each member *is* the string
the audit writes (``Finding.not_covered == "not_covered"``), so JSON keys and values stay exactly as
before and records read from older stores compare equal without conversion.

``AnswerRecord`` is what the answer service returns: the lead, the composed statements with their
citation numbers, the numbered sources, the claim check and the audit flags. It holds **no
presentation text** (no claim-check line, no flag appendix): a front end renders it
(``chatbot.render_text`` for the CLI and the evals, ``app.components`` for the app). A ``Reason``
is an audit reason with its ``[n]`` references lifted out as refs, so a renderer numbers them
instead of rewriting the text by regex. ``AnswerStream`` is the one streaming shape: iterate it for
text pieces, then ``.record()`` gives the finished ``AnswerRecord``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from core import study_types
from core.audit_report import ClaimFlag, VerdictRecord
from core.cards import StudyCard
from core.types import Chunk


class Finding(StrEnum):
    """The claim audit's 6-way finding on one claim (README: "How the claim audit decides")."""

    supported = "supported"
    contradicted = "contradicted"
    extrapolated = "extrapolated"
    conflicting = "conflicting"
    unsupported = "unsupported"
    not_covered = "not_covered"


class Verdict(StrEnum):
    """The older 4-way verdict scripts read (``VerdictRecord.verdict``)."""

    supported = "supported"
    contradicted = "contradicted"
    mixed = "mixed"
    no_evidence = "no_evidence"


class Stance(StrEnum):
    """What one evidence passage says of a claim (``chatbot.audit.stance``: ``EvidenceRecord.stance``)."""

    supports = "supports"
    refutes = "refutes"
    supports_other_conditions = "supports_other_conditions"
    not_enough_info = "not_enough_info"


class CheckKind(StrEnum):
    """What an explicit check of ``chatbot.audit.checks`` compared (``checks.Finding.kind``)."""

    numeric = "numeric"
    sample_size = "sample_size"
    form = "form"
    dose = "dose"
    population = "population"
    species = "species"
    intervention = "intervention"
    route = "route"
    null = "null"
    hedge = "hedge"
    effect = "effect"


class CheckEffect(StrEnum):
    """What an explicit check found (``checks.Finding.effect``)."""

    contradicts = "contradicts"
    consistent = "consistent"
    mismatch = "mismatch"
    weakens = "weakens"


# -- reasons with their references as data ---------------------------------------------------------

_HIDDEN = "\x00"  # where a reference stood, while Reason.in_words decides what it becomes
_REF = re.compile(r"\[(?:(?P<n>\d+)|(?P<doc>[A-Za-z][A-Za-z0-9_.:-]*?\d{4}[a-z]?))\]")


@dataclass(frozen=True)
class Ref:
    """One reference a reason made: ``at`` is its offset in ``Reason.text``; ``n`` the evidence number
    the audit wrote (its own list, from 1), or ``doc`` a document id (stores written before numbering)."""

    at: int
    n: int | None = None
    doc: str | None = None

    @property
    def written(self) -> str:
        """The reference as the audit wrote it ("[1]", "[uysal2019]")."""
        return f"[{self.n}]" if self.n is not None else f"[{self.doc}]"


@dataclass(frozen=True)
class Reason:
    """A finding's reason: ``text`` without its references, ``refs`` where they stood and what they named.

    The audit writes reasons as strings citing its own evidence list ("… “quote” [1]"); ``parse``
    lifts the references out once, at the boundary, and a renderer puts back the numbers its reader
    sees (``render``)."""

    kind: str  # a Finding value for a finding's reason; "" for a further reason
    text: str
    refs: tuple[Ref, ...] = ()

    @classmethod
    def parse(cls, written: Any, kind: str = "") -> Reason:
        raw = str(written or "")
        parts: list[str] = []
        refs: list[Ref] = []
        at, last = 0, 0
        for m in _REF.finditer(raw):
            parts.append(raw[last : m.start()])
            at += m.start() - last
            refs.append(Ref(at, int(m["n"]) if m["n"] is not None else None, m["doc"]))
            last = m.end()
        parts.append(raw[last:])
        return cls(str(kind or ""), "".join(parts), tuple(refs))

    def render(self, mark: Callable[[Ref], str]) -> str:
        """The text with each reference replaced by ``mark(ref)`` ("" drops it)."""
        out: list[str] = []
        last = 0
        for r in self.refs:
            out.append(self.text[last : r.at])
            out.append(mark(r))
            last = r.at
        out.append(self.text[last:])
        return "".join(out)

    def numbered(self, numbers: dict[int, int]) -> str:
        """Evidence numbers mapped to ``numbers`` (own → shown); unmapped numbers dropped, document ids kept."""
        return self.render(lambda r: (f"[{numbers[r.n]}]" if r.n in numbers else "") if r.n is not None else r.written)

    def in_words(self) -> str:
        """The text for a reader who does not see the evidence list: a run of references that is a sentence's subject
        becomes "one study" / "N studies" ("[1] [2] support it, [3] reports otherwise" → "2 studies support it, one study
        reports otherwise"), a bracket of references goes with its brackets, and any other reference is dropped. Dropped
        bare, they left "studies disagree:  support it" and "conditions ()" in a plain-text answer's audit flags."""
        text = self.render(lambda r: _HIDDEN if r.n is not None else r.written)  # a document id names its study: kept
        text = re.sub(rf"\s*\((?:[\s,]|and|{_HIDDEN})*\)", "", text)

        def subject(m: re.Match[str]) -> str:
            n = m.group(0).count(_HIDDEN)
            return ("one study " if n == 1 else f"{n} studies ") + m.group("next")

        text = re.sub(rf"{_HIDDEN}(?:(?:\s*,\s*|\s+and\s+|\s+){_HIDDEN})*\s+(?P<next>[a-z])", subject, text)
        text = text.replace(_HIDDEN, "")
        return re.sub(r"\s+([;,.])", r"\1", re.sub(r"[ \t]{2,}", " ", text)).strip()


def verdict_reasons(v: VerdictRecord | ClaimFlag) -> list[Reason]:
    """Every reason of a finding, the headline first (kind = the finding), as it would be read from the record."""
    texts = [str(r) for r in ([v.reason] if v.reason else []) + list(v.reasons) if r]
    return [Reason.parse(t, v.finding if i == 0 else "") for i, t in enumerate(texts)]


# -- the answer ------------------------------------------------------------------------------------


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
    """A numbered source as cited in an answer (one number per document)."""

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
    def from_chunk(cls, n: int, chunk: Chunk, cited_sentences: list[str] | None = None) -> Citation:
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
class Statement:
    """One quoted sentence of an answer with the source number it is cited to and its role there."""

    text: str
    n: int
    doc_id: str
    role: str = ""  # result, conclusion, method, ... (core.cards.SentenceRole) or "article"

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "n": self.n, "doc_id": self.doc_id, "role": self.role}


@dataclass
class ClaimCheck:
    """A question read as a claim, with its finding tied to the answer's numbered sources.

    ``refs`` maps the verdict's own evidence numbers to the answer's citation numbers; ``cites`` are
    the citation numbers that back it (the study its reason quotes, else all of its evidence)."""

    verdict: VerdictRecord
    cites: list[int] = field(default_factory=list)
    refs: dict[int, int] = field(default_factory=dict)

    @property
    def finding(self) -> str:
        """What to call it: the finding, or the 4-way verdict for a record from before findings existed."""
        v = self.verdict
        return v.verdict if v.finding_inferred else (v.finding or v.verdict)

    @property
    def reason(self) -> Reason | None:
        reasons = verdict_reasons(self.verdict)
        return reasons[0] if reasons else None


@dataclass
class AnswerRecord:
    """An answer as data: what was said, citing which numbered sources, and what the audit says of it.

    ``lead`` is the direct answer composed from the study cards (cited sentences; "" when none);
    ``body`` the answerer's statements (the deterministic quotes under their headings, or the
    checked LLM text), each citing ``[n]``; ``statements`` the deterministic quotes one by one;
    ``claim_check`` the finding on a question read as a claim, tied to the sources (``verdict`` is
    that finding even when it is not tied to them: no store, or a question about something no
    document mentions); ``flags`` the audited article claims inside the cited passages."""

    question: str
    body: str = ""
    citations: list[Citation] = field(default_factory=list)
    unsupported_sentences: list[str] = field(default_factory=list)
    flags: list[ClaimFlag] = field(default_factory=list)
    verdict: VerdictRecord | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)
    answerer: str = "deterministic"
    refused: bool = False
    query: str = ""  # the standalone retrieval query (debugging and the app; not in the JSON contract)
    lead: str = ""
    statements: list[Statement] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)  # what the corpus lacks for this question, said plainly
    claim_check: ClaimCheck | None = None

    @property
    def cards(self) -> list[StudyCard]:
        """The study card of each cited document, in citation order."""
        return [c.card for c in sorted(self.citations, key=lambda c: c.n) if c.card is not None]

    @property
    def findings(self) -> list[Statement]:
        """The quoted statements (``statements``) under the name the JSON uses."""
        return self.statements


class AnswerStream:
    """One answer as it is produced: iterate for the text pieces, then ``record()`` for the ``AnswerRecord``.

    Wraps a generator that yields text and *returns* the record; ``record()`` drains what was not
    iterated (so a caller that only wants the record gets it too)."""

    def __init__(self, pieces: Generator[str, None, AnswerRecord]):
        self._pieces = pieces
        self._record: AnswerRecord | None = None

    def __iter__(self) -> Iterator[str]:
        record = yield from self._pieces
        if record is not None:  # a second iteration finds the generator spent: keep the record
            self._record = record

    def record(self) -> AnswerRecord:
        if self._record is None:
            for _ in self:
                pass
        assert self._record is not None, "the answer stream ended without its record"
        return self._record
