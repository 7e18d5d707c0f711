"""Download manifest entries that name an online source but have no local file.

This is how a user upgrades a digest to the paper's full text: add an entry with
``fetch: {pmcid: PMC...}`` (PubMed Central open-access JATS), ``{doi: ...}`` or ``{url: ...}`` and
re-run ingest. Offline, the entry is reported as unavailable and ingest goes on with the rest.
Downloads use the standard library; a rate limit or a server error (HTTP 429, 5xx) or a timeout is
retried with exponential back-off by tenacity (NCBI's E-utilities answer 429 beyond a few requests a
second), while a missing page, a refused connection or an unknown host fails at once: offline, ingest
must not wait out retries for every entry.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from core.errors import FetchError
from core.settings import Settings

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})

USER_AGENT = "magcheck-ingest/0.1 (research chatbot; +https://doi.org/10.5281/zenodo.16880133)"
MAX_BYTES = 50 * 1024 * 1024


@dataclass
class FetchResult:
    doc_id: str
    path: Path | None
    error: str | None = None


def fetch_source(entry: dict[str, Any]) -> dict[str, str] | None:
    """The entry's online source as ``{"pmcid"|"doi"|"url": value}``, or None."""
    f = entry.get("fetch")
    if isinstance(f, str):
        f = {"pmcid": f} if f.upper().startswith("PMC") else {"doi": f} if f.startswith("10.") else {"url": f}
    if isinstance(f, dict):
        return {k: str(v) for k, v in f.items() if k in ("pmcid", "doi", "url") and v}
    return None


def source_urls(src: dict[str, str], settings: Settings) -> list[tuple[str, str]]:
    """Candidate (url, kind) pairs in order of preference (full text first)."""
    urls: list[tuple[str, str]] = []
    if src.get("pmcid"):
        pmcid = src["pmcid"].upper()
        pmcid = pmcid if pmcid.startswith("PMC") else "PMC" + pmcid
        urls.append((settings.fetch_pmc_url.format(pmcid=pmcid, pmcid_num=pmcid[3:]), "jats"))
    if src.get("url"):
        urls.append((src["url"], "page"))
    if src.get("doi"):
        urls.append((settings.fetch_doi_url.format(doi=urllib.parse.quote(src["doi"], safe="/:;()")), "page"))
    return urls


def _suffix(kind: str, content_type: str, body: bytes, url: str) -> str:
    ct = content_type.lower()
    if body.startswith(b"%PDF") or "pdf" in ct:
        return ".pdf"
    if kind == "jats" or "xml" in ct and b"<article" in body[:200000]:
        return ".xml"
    if "html" in ct or body.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html")):
        return ".html"
    ext = Path(urllib.parse.urlparse(url).path).suffix.lower()
    return ext if ext in {".txt", ".md", ".xml", ".html", ".htm", ".pdf"} else ".html"


def transient(exc: BaseException) -> bool:
    """Worth another try: a rate limit, a server error or a timeout (not a 404, a refused connection or an unknown host)."""
    if isinstance(exc, urllib.error.HTTPError):
        return exc.code in RETRY_STATUS
    if isinstance(exc, urllib.error.URLError):
        return isinstance(exc.reason, TimeoutError)
    return isinstance(exc, TimeoutError)


def download_with_retries(url: str, settings: Settings) -> tuple[bytes, str]:
    """``download`` retried on transient failures (``transient``), ``Settings.fetch_attempts`` tries in all."""
    retrying = Retrying(
        stop=stop_after_attempt(max(1, settings.fetch_attempts)),
        wait=wait_exponential(multiplier=settings.fetch_backoff, max=max(settings.fetch_backoff, 30.0)),
        retry=retry_if_exception(transient),
        reraise=True,
    )
    return retrying(download, url, settings.fetch_timeout)


def download(url: str, timeout: float) -> tuple[bytes, str]:
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "application/xml,text/html,application/pdf;q=0.9,*/*;q=0.5"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - URLs come from the curated manifest
        body = resp.read(MAX_BYTES + 1)
        if len(body) > MAX_BYTES:
            raise FetchError(f"larger than {MAX_BYTES // 2**20} MiB")
        return body, resp.headers.get("Content-Type", "")


def fetch_entry(entry: dict[str, Any], settings: Settings) -> FetchResult:
    """Try each source URL; save the first usable answer under the corpus folder."""
    doc_id = str(entry["id"])
    src = fetch_source(entry) or {}
    errors: list[str] = []
    corpus = Path(settings.corpus_dir)
    for url, kind in source_urls(src, settings):
        try:
            body, ctype = download_with_retries(url, settings)
        except (urllib.error.URLError, OSError, ValueError, FetchError) as exc:  # ValueError: a malformed URL
            errors.append(f"{url}: {getattr(exc, 'reason', None) or exc}")
            continue
        if not body.strip():
            errors.append(f"{url}: empty response")
            continue
        if kind == "jats" and b"<article" not in body:
            errors.append(f"{url}: no JATS article in the response (not open access?)")
            continue
        if entry.get("path"):
            dest = corpus / str(entry["path"])
        else:
            dest = corpus / "fetched" / (doc_id + _suffix(kind, ctype, body, url))
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name("." + dest.name + ".part")
        tmp.write_bytes(body)
        tmp.replace(dest)
        return FetchResult(doc_id, dest)
    if not errors:
        errors.append("no pmcid/doi/url to fetch from")
    return FetchResult(doc_id, None, "unavailable: " + "; ".join(errors))
