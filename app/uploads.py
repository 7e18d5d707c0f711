"""Checks for files uploaded on the Corpus page, before anything touches the disk.

The browser supplies the file name, so it is attacker-controlled: it may carry a path
(``../../etc/x.md``, ``C:\\x``), a hidden-file dot, control characters or a name that ingest
would later skip. Only a safe base name is kept and the final path is re-checked to lie inside
the uploads folder.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from core.errors import UploadRejected

__all__ = ["ALLOWED_EXTENSIONS", "UPLOAD_SUBDIR", "UploadCheck", "UploadRejected", "check_upload", "sanitize_filename", "save_upload"]

ALLOWED_EXTENSIONS = {
    ".pdf": "PDF",
    ".md": "Markdown", ".markdown": "Markdown", ".txt": "plain text",
    ".html": "HTML", ".htm": "HTML", ".xhtml": "HTML",
    ".xml": "JATS XML", ".nxml": "JATS XML",
}
UPLOAD_SUBDIR = "uploads"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_NAME = 120


@dataclass
class UploadCheck:
    name: str
    ok: bool
    message: str


def sanitize_filename(name: str) -> str:
    """A safe base name for ``name`` or raise ``UploadRejected``.

    Keeps letters, digits, ``.``, ``_`` and ``-`` (everything else becomes ``_``), drops any
    directory part (both separators), refuses hidden names and names that are only dots.
    """
    raw = unicodedata.normalize("NFKC", str(name or ""))
    base = re.split(r"[\\/]", raw)[-1].strip()
    base = "".join(ch for ch in base if ch.isprintable())
    if not base or base.startswith("."):
        raise UploadRejected(f"'{_show(name)}': hidden or empty file names are not accepted.")
    safe = _UNSAFE.sub("_", base)
    safe = re.sub(r"\.{2,}", ".", safe).strip("._-")
    stem, ext = os.path.splitext(safe)
    if not stem or stem.startswith(".") or set(stem) <= {".", "_", "-"}:
        raise UploadRejected(f"'{_show(name)}': the file name has no usable characters.")
    if len(safe) > _MAX_NAME:
        safe = stem[: _MAX_NAME - len(ext)] + ext
    return safe


def _show(name: object) -> str:
    """The name as the user typed it, shortened and without control characters, for messages."""
    s = "".join(ch for ch in str(name) if ch.isprintable())
    return s if len(s) <= 80 else s[:77] + "..."


def check_upload(name: str, size: int, max_mb: int) -> UploadCheck:
    """Decide whether an upload may be stored; the message says why not in plain words."""
    try:
        safe = sanitize_filename(name)
    except UploadRejected as exc:
        return UploadCheck(_show(name), False, str(exc))
    ext = os.path.splitext(safe)[1].lower()
    if ext not in ALLOWED_EXTENSIONS:
        kinds = "PDF, Markdown, HTML or JATS XML"
        return UploadCheck(safe, False, f"'{safe}': unsupported file type '{ext or 'none'}' (accepted: {kinds}).")
    if size <= 0:
        return UploadCheck(safe, False, f"'{safe}': the file is empty.")
    if size > max_mb * 1024 * 1024:
        return UploadCheck(safe, False, f"'{safe}': {size / 1024 / 1024:.1f} MB is over the {max_mb} MB limit.")
    return UploadCheck(safe, True, f"'{safe}' ({ALLOWED_EXTENSIONS[ext]}, {max(1, size // 1024)} KB)")


def save_upload(corpus_dir: Path, name: str, data: bytes, max_mb: int) -> Path:
    """Write an accepted upload under ``<corpus>/uploads/`` and return its path.

    The content is checked as well as the name: a ``.pdf`` must start like a PDF, text formats
    must not contain NUL bytes, so an executable renamed to ``paper.pdf`` is refused here rather
    than half-ingested.
    """
    check = check_upload(name, len(data), max_mb)
    if not check.ok:
        raise UploadRejected(check.message)
    ext = os.path.splitext(check.name)[1].lower()
    if ext == ".pdf" and not data.lstrip()[:5] == b"%PDF-":
        raise UploadRejected(f"'{check.name}': this is not a PDF file.")
    if ext != ".pdf" and b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UploadRejected(f"'{check.name}': this looks like a binary file, not text.")
    folder = (Path(corpus_dir) / UPLOAD_SUBDIR).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    target = (folder / check.name).resolve()
    if target.parent != folder:
        raise UploadRejected(f"'{check.name}': not a valid file name.")
    tmp = folder / f".{check.name}.part"
    tmp.write_bytes(data)
    os.replace(tmp, target)
    return target
