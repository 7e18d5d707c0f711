"""The corpus manifest and how a document's metadata is decided.

Precedence: the manifest entry (curated), then what the file says about itself (front matter,
PDF info, HTML/JATS title), then the file name. That way a user can drop any file into the corpus
and it ingests, and a curator can still correct a title without editing the file.

What a file says about itself is a claim, not a fact: an uploaded file can call itself a 2024
meta-analysis. So a document records whether the manifest lists it (``curated``) and which of its
provenance fields only the file states (``declared``): readers show those as "declared by the
file", and the claim audit never lets an unlisted document outweigh curated evidence.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from core.errors import ConfigError, LoadError
from ingest.document import Document, Loaded

MANIFEST_NAME = "manifest.yaml"
META_KEYS = ("doi", "pmid", "pmcid", "url", "authors", "journal", "form", "n", "population", "intervention", "digest_of", "licence", "date")
_ID_OK = re.compile(r"[^A-Za-z0-9_.\-]+")
# fields whose value changes how far a reader trusts a document (and how the audit weighs it)
PROVENANCE_KEYS = ("title", "year", "role", "study_type", "authors", "journal", "n", "population", "intervention", "form", "doi", "pmid", "pmcid", "url")


def _given(v: Any) -> bool:
    return v not in (None, "", [])


def read_manifest(corpus_dir: Path) -> list[dict[str, Any]]:
    """Entries of ``corpus/manifest.yaml`` (empty when there is none)."""
    path = Path(corpus_dir) / MANIFEST_NAME
    if not path.exists():
        return []
    if Path(corpus_dir).resolve() not in path.resolve().parents:  # a link to a file elsewhere is never read
        raise ConfigError(f"{path}: a symbolic link to {path.readlink()}, outside the corpus folder; not read")
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from exc
    entries = data.get("documents", data) if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: expected a list under 'documents'")
    return [e for e in entries if isinstance(e, dict) and e.get("id")]


def doc_id_from_name(path: Path) -> str:
    return _ID_OK.sub("_", Path(path).stem).strip("_") or "document"


def _year(v: Any) -> int | None:
    if v is None or v == "":
        return None
    m = re.search(r"\d{4}", str(v))
    return int(m.group(0)) if m else None


def build_document(path: Path, rel: str, loaded: Loaded, entry: dict[str, Any] | None, text: str, sections) -> Document:
    """Merge manifest entry, file metadata and file name into one ``Document``."""
    fm = dict(loaded.meta)
    if "license_of_original" in fm and "licence" not in fm:
        fm["licence"] = fm.pop("license_of_original")
    if "license" in fm and "licence" not in fm:
        fm["licence"] = fm.pop("license")
    entry = dict(entry or {})
    for src in (fm, entry):  # "<subject>_form: glycinate" (how a corpus may spell it) is the generic "form"
        for k in [k for k in src if k.endswith("_form") and src.get(k) not in (None, "", [])]:
            src.setdefault("form", src[k])
    merged: dict[str, Any] = {
        **{k: v for k, v in fm.items() if v not in (None, "", [])},
        **{k: v for k, v in entry.items() if v not in (None, "", []) and k not in {"fetch", "path"}},
    }
    doc_id = str(entry.get("id") or fm.get("id") or doc_id_from_name(path))
    if not _ID_OK.sub("", doc_id) == doc_id:
        doc_id = _ID_OK.sub("_", doc_id)
    role = str(merged.get("role") or "literature")
    if role not in ("article", "literature"):
        raise LoadError(f"invalid role {role!r} (use 'article' or 'literature')")
    title = str(merged.get("title") or Path(path).stem.replace("_", " ").replace("-", " "))
    meta = {k: merged.get(k) for k in META_KEYS if merged.get(k) not in (None, "", [])}
    if isinstance(meta.get("authors"), str):
        meta["authors"] = [a.strip() for a in meta["authors"].split(";") if a.strip()]
    meta["source_path"] = rel
    for k in ("pmid", "doi", "pmcid"):
        if k in meta:
            meta[k] = str(meta[k])
    declared = sorted(k for k in PROVENANCE_KEYS if _given(fm.get(k)) and not _given(entry.get(k)))
    return Document(
        doc_id=doc_id,
        path=Path(path),
        text=text,
        sections=sections,
        title=title,
        year=_year(merged.get("year")),
        role=role,
        study_type=str(merged.get("study_type") or ""),
        meta=meta,
        curated=bool(entry.get("id")),
        declared=declared,
    )
