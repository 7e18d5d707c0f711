"""What every loader hands to cleaning and chunking, whatever the file format was.

Loaders only recognise structure (headings, paragraphs, lists, pages); ``clean.assemble`` turns
the blocks into one cleaned text with section spans, so every format gets the same de-duplication
and the same offsets contract (chunk ``start``/``end`` index ``Document.text``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from core.errors import LoadError

__all__ = ["Block", "BlockKind", "Document", "LoadError", "Loaded", "Section"]

BlockKind = Literal["heading", "para", "list"]


@dataclass
class Block:
    text: str
    kind: BlockKind = "para"
    page: int | None = None


@dataclass
class Section:
    """A body span of the cleaned text (the heading line itself is outside the span)."""

    title: str
    start: int
    end: int
    page: int | None = None


@dataclass
class Loaded:
    """Raw result of a loader: structure plus whatever metadata the file itself carries."""

    blocks: list[Block]
    meta: dict[str, Any] = field(default_factory=dict)
    profile: Literal["web", "paper"] = "paper"  # "web": scraped page, clean aggressively


@dataclass
class Document:
    doc_id: str
    path: Path
    text: str
    sections: list[Section]
    title: str = ""
    year: int | None = None
    role: str = "literature"
    study_type: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    curated: bool = False  # listed in the corpus manifest
    declared: list[str] = field(default_factory=list)  # fields only the file itself states (front matter, PDF info, HTML meta)
