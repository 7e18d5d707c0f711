"""Typed records for what crosses the ingest → store → reader boundary, validated when read.

``manifest.json`` of a store version is written by ingest (``ingest.pipeline``) through
``core.store.write_version`` and read by every reader through ``core.store.open_snapshot``; both
go through these models, so a field one side writes and the other reads under another name (or
one level deeper) fails loudly at the boundary instead of showing up as an empty column.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Role = Literal["article", "literature"]


class DocumentRecord(BaseModel):
    """One document of a store version: where it came from, what it is, and its chunks."""

    model_config = ConfigDict(extra="ignore")

    hash: str = Field(description="Content hash of the file (bytes, loader version, manifest entry, chunking settings); unchanged hash = chunks reused.")
    path: str = Field(description="Path of the source file relative to the corpus folder.")
    title: str = Field("", description="Title shown to readers (manifest entry, then the file's own metadata, then the file name).")
    year: int | None = Field(None, description="Publication year, when known.")
    role: Role = Field("literature", description="'article' (the text under audit) or 'literature' (the evidence).")
    study_type: str = Field("", description="Study design (rct, meta-analysis, animal, ...); empty when unknown.")
    meta: dict[str, Any] = Field(
        default_factory=dict, description="Bibliographic extras: doi, pmid, pmcid, url, authors, journal, digest_of, source_path, licence, ..."
    )
    chunk_ids: list[str] = Field(default_factory=list, description="Ids of the document's chunks, in document order.")
    chars: int = Field(0, description="Length of the cleaned text in characters.")
    curated: bool = Field(
        True,
        description="Listed in the corpus manifest. False for an unlisted or uploaded file, whose metadata only the file "
        "vouches for: it never outweighs curated evidence in the claim audit. (True for records written before the "
        "field existed; ingest re-derives it.)",
    )
    declared: list[str] = Field(
        default_factory=list,
        description="Provenance fields (study_type, year, role, title, ...) whose value only the "
        "file itself states (front matter, PDF info, HTML meta), not the manifest: shown as 'declared by the file'.",
    )


class FailedFile(BaseModel):
    path: str
    reason: str


class UnavailableEntry(BaseModel):
    id: str
    reason: str


class StoreManifest(BaseModel):
    """``snapshots/vN/manifest.json``. ``version``, ``collection`` and ``chroma_mode`` are filled in by
    ``core.store.write_version``; everything else by whoever builds the version (ingest, tests)."""

    model_config = ConfigDict(extra="ignore")

    version: str = Field("", description="Store version name (vN).")
    collection: str = Field("", description="Chroma collection holding this version's vectors.")
    chroma_mode: str = Field("embedded", description="'embedded' or the Chroma server URL the vectors live on.")
    created: str = Field("", description="UTC time the version was built (ISO 8601).")
    embedding_model: str = Field("", description="Embedding model the vectors were computed with (path or registered name).")
    loader_version: int | str | None = None
    chunking: dict[str, Any] = Field(default_factory=dict, description="Chunking settings used.")
    corpus_dir: str = ""
    profile_hash: str | None = Field(None, description="Hash of the corpus's domain.yaml copied into this version (None: no profile).")
    documents: dict[str, DocumentRecord] = Field(default_factory=dict)
    failed: list[FailedFile] = Field(default_factory=list, description="Files that could not be ingested, with the reason.")
    unavailable: list[UnavailableEntry] = Field(default_factory=list, description="Manifest entries whose file is missing and could not be fetched.")
    stats: dict[str, Any] = Field(default_factory=dict, description="Counts and timings of the ingest that built the version.")
