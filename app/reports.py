"""Finding and preparing evaluation reports for the Evals page.

``report.md`` is written by our own eval runner, so its Markdown (tables, headings) is kept; but
it quotes answers and claims, i.e. document text, so images and raw HTML are removed before it
is shown: nothing in it may load a remote resource.
"""

from __future__ import annotations

import re
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
