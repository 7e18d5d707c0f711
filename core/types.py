"""The unit that flows from ingest to the store to the chatbot: a chunk with its provenance."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

ROLES = ("article", "literature")


@dataclass
class Chunk:
    """A passage of a cleaned document.

    ``start``/``end`` index the cleaned document text; ``sentences`` holds (start, end) offsets
    *within* ``text`` so single sentences can be quoted and aligned without re-splitting.
    """

    chunk_id: str
    doc_id: str
    text: str
    start: int
    end: int
    sentences: list[tuple[int, int]]
    title: str = ""
    year: int | None = None
    role: str = "literature"
    study_type: str = ""
    section: str = ""
    page: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)  # doi, pmid, pmcid, url, authors, journal, form, n, digest_of, source_path

    def sentence_texts(self) -> list[str]:
        return [self.text[a:b] for a, b in self.sentences]

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["sentences"] = [list(s) for s in self.sentences]
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "Chunk":
        d = dict(d)
        d["sentences"] = [tuple(s) for s in d.get("sentences", [])]
        return cls(**d)

    def chroma_metadata(self) -> dict[str, Any]:
        """Chroma accepts only scalar metadata; filters use these fields."""
        md: dict[str, Any] = {
            "doc_id": self.doc_id,
            "title": self.title,
            "role": self.role,
            "study_type": self.study_type or "",
            "section": self.section or "",
            "start": self.start,
            "end": self.end,
            "sentences": json.dumps(self.sentences),
        }
        if self.year is not None:
            md["year"] = int(self.year)
        if self.page is not None:
            md["page"] = int(self.page)
        return md
