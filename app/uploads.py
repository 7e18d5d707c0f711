"""Checks for files uploaded on the Corpus page, before anything touches the disk.

The browser supplies the file name, so it is attacker-controlled: it may carry a path
(``../../etc/x.md``, ``C:\\x``), a hidden-file dot, control characters or a name that ingest
would later skip. Only a safe base name is kept and the final path is re-checked to lie inside
the uploads folder.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from core.errors import UploadRejected

__all__ = [
    "ALLOWED_EXTENSIONS",
    "UPLOAD_SUBDIR",
    "Saved",
    "UploadCheck",
    "UploadRejected",
    "check_upload",
    "looks_binary",
    "sanitize_filename",
    "save_upload",
    "uploads_folder",
]

ALLOWED_EXTENSIONS = {
    ".pdf": "PDF",
    ".md": "Markdown",
    ".markdown": "Markdown",
    ".txt": "plain text",
    ".html": "HTML",
    ".htm": "HTML",
    ".xhtml": "HTML",
    ".xml": "JATS XML",
    ".nxml": "JATS XML",
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


@dataclass
class Saved:
    """Where an upload went, and what a reader should be told about it."""

    path: Path
    message: str
    renamed: bool = False  # another file already had the name: kept both
    duplicate: bool = False  # the same content was already uploaded: nothing written


def looks_binary(data: bytes) -> bool:
    """NUL bytes anywhere in the file (text never has them; UTF-16 with a byte-order mark is text).

    The whole file is searched, not only its first block: a text header in front of an executable
    must not pass. ``bytes.find`` scans 25 MB in milliseconds, so sampling would only miss things."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    return data.find(b"\x00") >= 0


def uploads_folder(corpus_dir: Path) -> Path:
    """``<corpus>/uploads``, created if missing; refused when it is a link (it could point anywhere on disk)."""
    folder = Path(corpus_dir) / UPLOAD_SUBDIR
    if folder.is_symlink():
        raise UploadRejected(
            f"The uploads folder ({UPLOAD_SUBDIR}/ in the corpus folder) is a link to another place; nothing was saved. Replace it with an ordinary folder."
        )
    if folder.exists() and not folder.is_dir():
        raise UploadRejected(f"'{UPLOAD_SUBDIR}' in the corpus folder is not a folder; nothing was saved.")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_upload(corpus_dir: Path, name: str, data: bytes, max_mb: int) -> Saved:
    """Write an accepted upload under ``<corpus>/uploads/`` and say where it went.

    The content is checked as well as the name: a ``.pdf`` must start like a PDF, text formats
    must not contain NUL bytes anywhere, so an executable renamed to ``paper.pdf`` is refused here
    rather than half-ingested. A file never replaces another: a different file with the same name
    is kept beside it as ``name-2.ext`` (and the message says so); the same content uploaded again
    is not written twice. The file appears under its final name only when complete and only if
    that name is still free (a hard link, which fails rather than overwrite).
    """
    check = check_upload(name, len(data), max_mb)
    if not check.ok:
        raise UploadRejected(check.message)
    ext = os.path.splitext(check.name)[1].lower()
    if ext == ".pdf" and not data.lstrip()[:5] == b"%PDF-":
        raise UploadRejected(f"'{check.name}': this is not a PDF file.")
    if ext != ".pdf" and looks_binary(data):
        raise UploadRejected(f"'{check.name}': this looks like a binary file, not text.")
    folder = uploads_folder(corpus_dir)
    real = folder.resolve()
    stem, ext_raw = os.path.splitext(check.name)
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{stem[:40]}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        for i in range(1, 1000):
            candidate = folder / (check.name if i == 1 else f"{stem}-{i}{ext_raw}")
            if candidate.resolve().parent != real and not candidate.is_symlink():
                raise UploadRejected(f"'{check.name}': not a valid file name.")
            if candidate.is_file() and not candidate.is_symlink() and _same_content(candidate, data):
                return Saved(candidate, f"'{check.name}' is already in the corpus as {candidate.name} (same content); not saved again.", duplicate=True)
            try:
                _claim(tmp, candidate, data)
            except FileExistsError:
                continue
            if i == 1:
                return Saved(candidate, f"Saved {check.message} as {candidate.name}.")
            return Saved(
                candidate,
                f"A different file named {check.name} was already in the corpus, so this one was saved as {candidate.name}; both are kept.",
                renamed=True,
            )
        raise UploadRejected(f"'{check.name}': too many files with this name already; rename it and upload again.")
    finally:
        tmp.unlink(missing_ok=True)


def _claim(tmp: Path, target: Path, data: bytes) -> None:
    """Put the finished file at ``target`` unless something is already there (FileExistsError)."""
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: create exclusively, never through a link
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)


def _same_content(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False
