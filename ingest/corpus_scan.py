"""Which files of the corpus folder ingest may read, and reading them without leaving the folder.

A corpus folder is user-writable (the app saves uploads there, people drop files in). A symbolic
link inside it can point anywhere (``notes.txt -> /etc/passwd``), and whatever ingest reads ends
up quoted by the chatbot. So every path is resolved (all links followed) and must land inside the
resolved corpus folder; one that does not is never opened and is reported with the reason. A link
whose target lies inside the folder is not read either (its target is ingested under its own name;
reading both would ingest one document twice).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from core.domain import PROFILE_FILE
from core.errors import LoadError

from ingest.metadata import MANIFEST_NAME

__all__ = ["CorpusScan", "inside_corpus", "read_inside", "scan_corpus"]

CONTROL_FILES = frozenset({MANIFEST_NAME, "manifest.yml", PROFILE_FILE})


@dataclass
class CorpusScan:
    """Candidate documents, and the entries refused without being read (relative path, reason)."""

    files: list[Path] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


def inside_corpus(path: Path, corpus_dir: Path) -> Path | None:
    """``path`` with every link resolved when it lies inside the (resolved) corpus folder, else None."""
    try:
        target = Path(path).resolve(strict=True)
        root = Path(corpus_dir).resolve(strict=True)
    except (OSError, RuntimeError):  # missing, dangling link, or a link loop
        return None
    return target if target == root or root in target.parents else None


def read_inside(path: Path, corpus_dir: Path) -> bytes:
    """The bytes of a corpus file, read through its resolved path (``LoadError`` if it lies outside)."""
    target = inside_corpus(path, corpus_dir)
    if target is None:
        raise LoadError(_outside_reason(Path(path)))
    try:
        return target.read_bytes()
    except OSError as exc:
        raise LoadError(f"cannot read file: {exc.strerror or exc}") from exc


def _outside_reason(path: Path) -> str:
    try:
        dest = path.readlink() if path.is_symlink() else None
    except OSError:
        dest = None
    what = f"a symbolic link to {dest}" if dest is not None else "a path"
    if not path.exists():
        return f"not read: {what}, which does not exist"
    return f"not read: {what}, outside the corpus folder"


def scan_corpus(corpus_dir: Path) -> CorpusScan:
    """Every candidate document (hidden files, partial downloads, the manifest and the profile excluded).

    Links to folders are not descended (``Path.rglob`` does not follow them); one leading outside
    the corpus is reported, like a file link.
    """
    corpus_dir = Path(corpus_dir)
    scan = CorpusScan()
    if not corpus_dir.is_dir():
        return scan
    for p in sorted(corpus_dir.rglob("*")):
        rel = p.relative_to(corpus_dir)
        if any(part.startswith((".", "__")) for part in rel.parts) or rel.as_posix() in CONTROL_FILES:
            continue
        if p.is_symlink():
            target = inside_corpus(p, corpus_dir)
            if target is None:
                scan.refused.append((rel.as_posix(), _outside_reason(p)))
            elif target.is_file():
                scan.refused.append(
                    (rel.as_posix(), f"not read: a symbolic link to {target.relative_to(Path(corpus_dir).resolve())}, which is ingested under its own name")
                )
            continue  # a link to a folder inside the corpus: its files are listed where they really are
        if p.is_file():
            scan.files.append(p)
    return scan
