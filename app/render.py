"""Turn untrusted document text and store metadata into Markdown that Streamlit can show safely.

Document text comes from scraped web pages, PDFs and uploads: it may contain HTML, scripts,
Markdown images or links. Streamlit renders ``st.markdown`` bodies as GitHub-flavoured Markdown,
so anything we pass through it must first be made inert. CommonMark allows a backslash before
*every* ASCII punctuation character, which turns each one into a literal: no tag, image, link,
autolink (``http\\://``, ``www\\.``), heading, list, table, directive (``\\:red[...]``) or maths
(``\\$``) survives. Highlighting is added *after* escaping, so only our own markup is live.
"""

from __future__ import annotations

import re
import string
from typing import Any, Iterable
from urllib.parse import quote, urlsplit

from core import study_types

_PUNCT = frozenset(string.punctuation)
_WS = re.compile(r"\s+")

# the four verdicts scripts read, and the six findings readers see (chatbot.audit.aggregate)
VERDICT_COLORS = {
    "supported": "green",
    "contradicted": "red",
    "mixed": "orange",
    "no_evidence": "gray",
    "extrapolated": "orange",
    "conflicting": "violet",
    "unsupported": "yellow",
    "not_covered": "gray",
}
VERDICT_LABELS = {
    "supported": "Supported",
    "contradicted": "Contradicted",
    "mixed": "Mixed evidence",
    "no_evidence": "No evidence",
    "extrapolated": "Extrapolated",
    "conflicting": "Conflicting",
    "unsupported": "Unsupported",
    "not_covered": "Not covered",
}
VERDICT_ICONS = {
    "supported": ":material/check_circle:",
    "contradicted": ":material/cancel:",
    "mixed": ":material/contrast:",
    "no_evidence": ":material/help:",
    "extrapolated": ":material/swap_horiz:",
    "conflicting": ":material/contrast:",
    "unsupported": ":material/help:",
    "not_covered": ":material/search_off:",
}
DIGEST_LABEL = "Study digest (digest of the paper's abstract, written in our own words)"
ARTICLE_LABEL = "Article"


def escape_md(text: str | None) -> str:
    """Make ``text`` display literally in ``st.markdown``: nothing in it can become markup."""
    if not text:
        return ""
    out: list[str] = []
    for ch in str(text):
        if ch in _PUNCT:
            out.append("\\" + ch)
        elif ch == "\u00a0":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def code_inline(text: str | None) -> str:
    """Text as an inline code span: nothing inside a code span is Markdown, but backslash escapes
    would show literally there, so backticks and line breaks are removed instead."""
    t = _WS.sub(" ", str(text or "")).replace("`", "'").strip()
    return f"`{t}`" if t else ""


def escape_inline(text: str | None) -> str:
    """Escape and fold all whitespace to single spaces, for text shown on one line or inside a
    highlight directive (a newline would end the directive's label)."""
    return escape_md(_WS.sub(" ", text or "").strip())


def resolve_spans(text: str, cited: Any, sentences: Iterable[Iterable[int]] | None = None) -> list[tuple[int, int]]:
    """Character spans in ``text`` of the cited sentences, whatever form the answer gave them in.

    Accepts sentence indices (into ``sentences`` or, if absent, a fresh split), ``[start, end]``
    pairs, or the sentence strings themselves; anything that cannot be located is skipped, because
    a missing highlight is better than a wrong one.
    """
    if not cited or not text:
        return []
    sent_spans = [tuple(s) for s in sentences] if sentences else None
    spans: list[tuple[int, int]] = []
    for item in cited:
        if isinstance(item, bool):
            continue
        if isinstance(item, int):
            if sent_spans is None:
                from core.text import split_sentences

                sent_spans = split_sentences(text)
            if 0 <= item < len(sent_spans):
                spans.append((int(sent_spans[item][0]), int(sent_spans[item][1])))
        elif isinstance(item, (list, tuple)) and len(item) == 2 and all(isinstance(x, int) for x in item):
            a, b = int(item[0]), int(item[1])
            if 0 <= a < b <= len(text):
                spans.append((a, b))
        elif isinstance(item, dict):
            if "start" in item and "end" in item:
                spans += resolve_spans(text, [[item["start"], item["end"]]])
            elif "text" in item:
                spans += resolve_spans(text, [item["text"]])
        elif isinstance(item, str) and item.strip():
            i = text.find(item.strip())
            if i < 0:  # whitespace may differ between the passage and the quoted sentence
                i, n = _find_loose(text, item)
                if i >= 0:
                    spans.append((i, i + n))
            else:
                spans.append((i, i + len(item.strip())))
    return _merge(spans)


def _find_loose(text: str, needle: str) -> tuple[int, int]:
    words = [re.escape(w) for w in needle.split()]
    if not words:
        return -1, 0
    m = re.search(r"\s+".join(words), text)
    return (m.start(), m.end() - m.start()) if m else (-1, 0)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def highlight(text: str, spans: list[tuple[int, int]], color: str = "orange") -> str:
    """Escaped passage with the given spans marked; the marks are the only live Markdown in it."""
    parts: list[str] = []
    pos = 0
    for a, b in _merge(spans):
        if a > pos:
            parts.append(escape_inline(text[pos:a]))
        inner = escape_inline(text[a:b])
        if inner:
            parts.append(f":{color}-background[**{inner}**]")
        pos = max(pos, b)
    parts.append(escape_inline(text[pos:]))
    return " ".join(p for p in parts if p)


def verdict_badge(verdict: str | None) -> str:
    """Coloured badge Markdown for a verdict, so a reader sees agreement at a glance."""
    v = (verdict or "no_evidence").strip().lower()
    color = VERDICT_COLORS.get(v, "gray")
    label = VERDICT_LABELS.get(v, escape_inline(v.replace("_", " ")))
    icon = VERDICT_ICONS.get(v, ":material/help:")
    return f":{color}-badge[{icon} {label}]"


def role_label(role: str | None, is_digest: bool | None = True) -> str:
    """Readers must know whether they read the article, our digest of a paper's abstract, or a
    paper's own text (an uploaded or fetched full text)."""
    if role == "article":
        return ARTICLE_LABEL
    return DIGEST_LABEL if is_digest or is_digest is None else "Study (the paper's own text)"


_DOI = re.compile(r"^10\.\d{3,9}/\S+$")
_PMID = re.compile(r"^\d{1,9}$")
_PMCID = re.compile(r"^PMC\d{1,9}$", re.I)


def source_links(doi: Any = None, pmid: Any = None, pmcid: Any = None, url: Any = None) -> list[tuple[str, str]]:
    """(label, url) pairs built from metadata, only from values that look like what they claim.

    Metadata comes from uploaded files too, so identifiers are validated and percent-encoded
    rather than pasted into a link, and free URLs are kept only with an http(s) scheme.
    """
    links: list[tuple[str, str]] = []
    u = str(url).strip() if url else ""
    m = re.search(r"/articles/(PMC\d{1,9})/?$", u)
    if not pmcid and m and urlsplit(u).netloc.endswith("ncbi.nlm.nih.gov"):
        pmcid = m.group(1)  # digests often give the PMC page only as their URL
    d = str(doi).strip() if doi else ""
    d = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:)", "", d, flags=re.I)
    if d and _DOI.match(d):
        links.append(("DOI", "https://doi.org/" + quote(d, safe="/.-_;:")))
    p = str(pmid).strip() if pmid is not None else ""
    if p and _PMID.match(p):
        links.append(("PubMed", f"https://pubmed.ncbi.nlm.nih.gov/{p}/"))
    c = str(pmcid).strip() if pmcid else ""
    if c and _PMCID.match(c):
        links.append(("PMC", f"https://pmc.ncbi.nlm.nih.gov/articles/{c.upper()}/"))
    if u:
        parts = urlsplit(u)
        safe = quote(u, safe=":/?&=#%+,;~@.-_")
        known = {x.rstrip("/").lower() for _, x in links}
        if parts.scheme in {"http", "https"} and parts.netloc and safe.rstrip("/").lower() not in known and not parts.netloc.endswith("doi.org"):
            links.append(("Original", safe))
    return links


def links_markdown(links: list[tuple[str, str]]) -> str:
    """Links as Markdown; labels are ours and URLs were built or encoded by ``source_links``."""
    return " · ".join(f"[{label}]({url})" for label, url in links)


def source_heading(n: Any, title: str | None, year: Any, study_type: str | None, role: str | None) -> str:
    """One-line heading of a citation: number, title, year and study type, all escaped."""
    num = f"**\\[{escape_inline(str(n))}\\]** " if n not in (None, "") else ""
    bits = [num + (escape_inline(title) or "*untitled*")]
    if year:
        bits.append(f"({escape_inline(str(year))})")
    meta = [escape_inline(study_label(study_type))] if study_type and role != "article" else []
    return " ".join(bits) + (" — " + ", ".join(meta) if meta else "")


def study_label(study_type: str | None) -> str:
    """The same human label the answers use ("rct" -> "RCT", core.study_types), so badges and prose agree."""
    return study_types.label(study_type) or (study_type or "")


def location_label(section: str | None, page: Any) -> str:
    """Where in the document the passage is, so a reader can find it in the original."""
    bits = []
    if section:
        bits.append("Section: " + escape_inline(section))
    if page not in (None, ""):
        bits.append("Page " + escape_inline(str(page)))
    return " · ".join(bits)


_CITE = re.compile(r"\\\[(\d{1,3}(?:\\,\s*\d{1,3})*)\\\]")


def answer_markdown(text: str | None) -> str:
    """The answer text made safe, keeping only the structure the answerers produce.

    Answers quote document sentences, so they are as untrusted as the documents: every line is
    escaped, then our own structure is put back — ``- `` bullets, short heading lines before a
    list (bold), paragraph breaks — and the ``[n]`` markers are shown as bold citations.
    """
    raw = [line.strip() for line in (text or "").splitlines()]
    out: list[str] = []
    for i, line in enumerate(raw):
        if not line:
            out.append("")
            continue
        bullet = re.match(r"^[-*\u2022]\s+", line)
        if bullet:
            out.append("- " + escape_md(line[bullet.end() :]))
            continue
        nxt = next((x for x in raw[i + 1 :] if x), "")
        is_heading = len(line) <= 80 and line[-1] not in ".!?:;)]" and re.match(r"^[-*\u2022]\s+", nxt or "")
        out.append(("**" + escape_md(line) + "**") if is_heading else escape_md(line) + "  ")
    body = "\n".join(_blank_before_lists(out)).strip()
    return _CITE.sub(lambda m: "**\\[" + m.group(1) + "\\]**", body)


def _blank_before_lists(lines: list[str]) -> list[str]:
    """A list directly after a paragraph line needs no blank line in GFM, but a bold heading
    followed by a bullet renders more reliably with one."""
    out: list[str] = []
    for line in lines:
        if line.startswith("- ") and out and out[-1] and not out[-1].startswith("- "):
            out.append("")
        out.append(line)
    return out


def strongest_study_type(evidence: Iterable[dict[str, Any]]) -> str:
    """Highest design on the usual evidence hierarchy among the evidence items ('' if none)."""
    best, rank = "", -1
    for e in evidence or []:
        st = (e.get("study_type") or "").strip()
        if not st:
            continue
        r = study_types.rank(st)
        if r > rank:
            best, rank = st, r
    return best
