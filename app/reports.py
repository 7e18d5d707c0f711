"""Finding and preparing evaluation reports for the Evals page.

``report.md`` is written by our own eval runner, so its Markdown (tables, headings) is kept; but
it quotes answers and claims, i.e. document text, so images and raw HTML are removed before it
is shown: nothing in it may load a remote resource.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

_IMG = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_REF_IMG = re.compile(r"!\[[^\]]*\]\[[^\]]*\]")
_TAG = re.compile(r"<(/?)([A-Za-z!][^>]*)>")


def list_reports(root: Path) -> list[Path]:
    """Report folders (those holding a report.md or results.json), newest first, 'latest' first."""
    if not root.is_dir():
        return []
    found = [p for p in root.iterdir() if p.is_dir() and ((p / "report.md").exists() or (p / "results.json").exists())]
    found.sort(key=lambda p: (p.name != "latest", -p.stat().st_mtime))
    return found


def report_markdown(text: str) -> str:
    """The report without images (the page shows the PNGs itself) or HTML tags (shown as text)."""
    text = _IMG.sub("", text)
    text = _REF_IMG.sub("", text)
    return _TAG.sub(lambda m: "&lt;" + m.group(1) + m.group(2) + "&gt;", text)


# an absolute POSIX path: starts after a space, a pipe, a bracket or a quote (not inside a URL)
_ABS_PATH = re.compile(r"(?<![\w.:/~-])/(?:[\w.+@-]+/)*[\w.+@-]+/?")


def without_absolute_paths(text: str, root: Path) -> str:
    """Paths as a reader of this checkout can use them: relative to the project (``models/verifier``),
    an installed package by its own name, anything else by its last part. The full path says where
    someone's disk is laid out, nothing a reader needs."""
    root_s = str(Path(root).resolve()).rstrip("/")

    def short(m: re.Match[str]) -> str:
        p = m.group(0).rstrip("/")
        if p == root_s:
            return "."
        if p.startswith(root_s + "/"):
            rel = p[len(root_s) + 1 :]
            return rel.split("site-packages/", 1)[1] if "site-packages/" in rel else rel
        if "site-packages/" in p:
            return p.split("site-packages/", 1)[1]
        return "…/" + p.rsplit("/", 1)[-1]

    return _ABS_PATH.sub(short, text)


@dataclass
class ReportInfo:
    """What a report was made from, as far as the page needs it (``provenance`` of results.json)."""

    store_version: str | None = None
    store_dir: str | None = None
    date: str | None = None
    commit: str | None = None


def report_info(folder: Path) -> ReportInfo:
    """The report's provenance; empty when results.json is missing or unreadable (an old or partial report)."""
    try:
        prov = json.loads((folder / "results.json").read_text(encoding="utf-8")).get("provenance") or {}
    except (OSError, ValueError, AttributeError):
        return ReportInfo()
    store = prov.get("store") or {}
    return ReportInfo(
        store_version=_str(store.get("version")), store_dir=_str(store.get("dir")), date=_str(prov.get("date")), commit=_str(prov.get("git_commit"))
    )


def _str(v: object) -> str | None:
    return None if v in (None, "") else str(v)


def store_mismatch(info: ReportInfo, served_version: str | None, served_dir: Path) -> str:
    """Why the report's figures may not describe what the app serves ('' when they do, or cannot be told)."""
    if not info.store_version or not served_version:
        return ""
    other_dir = bool(info.store_dir) and Path(str(info.store_dir)).resolve() != Path(served_dir).resolve()
    if other_dir:
        return (
            f"This report was made for another store (version {info.store_version} of a different store folder) "
            f"than the one this app serves (version {served_version})."
        )
    if info.store_version != served_version:
        return f"This report was made for store version {info.store_version}; this app now serves version {served_version}."
    return ""
