"""File formats → ``Loaded`` (blocks + the metadata the file itself carries).

Every failure is a ``LoadError`` whose reason names the problem in words a user can act on
(encrypted PDF, no extractable text, unreadable encoding, empty file, unsupported type), so the
closing summary can list it and the other files go on. Heavy parsers are imported lazily: the
unchanged re-ingest path never loads a file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable

from ingest.clean import blocks_from_text, clean_inline
from ingest.document import Block, LoadError, Loaded

TEXT_EXT = {".txt", ".text"}
MD_EXT = {".md", ".markdown"}
HTML_EXT = {".html", ".htm", ".xhtml"}
XML_EXT = {".xml", ".nxml", ".jats"}
PDF_EXT = {".pdf"}
SUPPORTED = TEXT_EXT | MD_EXT | HTML_EXT | XML_EXT | PDF_EXT


def load_file(path: Path, data: bytes | None = None) -> Loaded:
    """Dispatch on the extension; raise ``LoadError`` with a specific reason.

    ``data`` is the file's content when the caller read it already (ingest reads every corpus file
    through ``ingest.corpus_scan.read_inside``, so a link leading outside the corpus is never opened)."""
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in SUPPORTED:
        raise LoadError(f"unsupported file type '{ext or path.name}' (supported: {', '.join(sorted(SUPPORTED))})")
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise LoadError(f"cannot read file: {exc.strerror or exc}") from exc
    if not data.strip():
        raise LoadError("empty file")
    loader: Callable[[bytes], Loaded] = {
        **{e: load_text for e in TEXT_EXT},
        **{e: load_markdown for e in MD_EXT},
        **{e: load_html for e in HTML_EXT},
        **{e: load_jats for e in XML_EXT},
        **{e: load_pdf for e in PDF_EXT},
    }[ext]
    loaded = loader(data)
    if not any(b.text.strip() for b in loaded.blocks if b.kind != "heading"):
        raise LoadError("no extractable text" if ext in PDF_EXT else "empty file (no text after metadata/markup)")
    return loaded


# --- text decoding -----------------------------------------------------------------------------


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM; UTF-16 with BOM), else cp1252/latin-1, else the encoding charset-normalizer
    detects — each only if it reads as text.

    cp1252 comes before detection on purpose: on a short Western legacy file charset-normalizer guessed cp775
    ("Café" -> "Cafķ") where cp1252 is right, and cp1252 text in another script fails the Latin check anyway. Detection
    then reads what cp1252 cannot (Cyrillic cp1251, Shift-JIS, …). Bytes that decode only into control characters or
    symbol soup are refused rather than ingested as garbage the chatbot would then quote.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise LoadError(f"unreadable encoding: UTF-16 byte-order mark but invalid UTF-16 ({exc.reason})") from exc
    for enc in ("utf-8", "utf-8-sig"):
        try:
            return data.decode(enc).lstrip("\ufeff")
        except UnicodeDecodeError:
            pass
    for enc in ("cp1252", "latin-1"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text):
            return text
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None and best.chaos <= 0.1 and _reads_as_text(str(best)):  # any script: no controls, mostly letters
        return str(best)
    raise LoadError(
        "unreadable encoding: not valid UTF-8, and neither as cp1252/latin-1 nor as a detected encoding does it read as text "
        "(binary data or an unknown encoding)"
    )


def _reads_as_text(text: str) -> bool:
    """No control characters and mostly letters, in any script (for an encoding charset-normalizer detected)."""
    stripped = text.strip()
    if not stripped:
        return False
    bad = sum(1 for c in text if (ord(c) < 32 and c not in "\t\n\r\f") or 0x7F <= ord(c) < 0xA0)
    return bad == 0 and sum(1 for c in stripped if c.isalpha()) >= 0.4 * len(stripped)


def _looks_like_text(text: str) -> bool:
    if not text:
        return False
    bad = sum(1 for c in text if (ord(c) < 32 and c not in "\t\n\r\f") or 0x7F <= ord(c) < 0xA0)
    non_ascii = [c for c in text if ord(c) > 127]
    odd = sum(1 for c in non_ascii if not (c.isalpha() or c in "–—‘’“”•…°±×·§©®€£«»¿¡µ²³¼½¾"))
    letters = sum(1 for c in text if c.isalpha())
    return bad == 0 and len(non_ascii) <= 0.15 * len(text) and odd <= 0.02 * len(text) and letters >= 0.4 * len(text.strip() or "x")


# --- Markdown / text ---------------------------------------------------------------------------

_FRONT = re.compile(r"\A---[ \t]*\n(.*?\n)?---[ \t]*(?:\n|\Z)", re.S)


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    m = _FRONT.match(text)
    if not m:
        return {}, text
    import yaml

    try:
        meta = yaml.safe_load(m.group(1) or "") or {}
    except yaml.YAMLError as exc:
        raise LoadError(f"invalid YAML front matter: {str(exc).splitlines()[0]}") from exc
    if not isinstance(meta, dict):
        raise LoadError("invalid YAML front matter: expected key: value pairs")
    return meta, text[m.end() :]


def load_markdown(data: bytes) -> Loaded:
    meta, body = split_front_matter(decode_text(data))
    return Loaded(blocks_from_text(body, markdown=True, numbered_headings=False), meta, "paper")


def load_text(data: bytes) -> Loaded:
    """Plain text is treated as a scraped page: numbered headings, aggressive de-duplication."""
    meta, body = split_front_matter(decode_text(data))
    return Loaded(blocks_from_text(body, markdown=False, numbered_headings=True), meta, "web")


# --- HTML --------------------------------------------------------------------------------------

_DROP_TAGS = ["script", "style", "nav", "noscript", "header", "footer", "aside", "form", "button", "svg", "iframe", "template", "menu"]
_BLOCK_TAGS = {
    "p",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "figcaption",
    "dt",
    "dd",
    "td",
    "th",
    "caption",
    "div",
    "section",
    "article",
    "main",
    "tr",
}


def load_html(data: bytes) -> Loaded:
    from bs4 import BeautifulSoup

    try:
        html = decode_text(data)
    except LoadError:
        html = data.decode("utf-8", errors="replace")  # declared charsets beat guessing; bs4 copes
    soup = BeautifulSoup(html, "lxml")
    meta = _html_meta(soup)
    for tag in soup(_DROP_TAGS):
        tag.decompose()
    for tag in soup.find_all(attrs={"role": ["navigation", "banner", "contentinfo"]}):
        tag.decompose()
    root = soup.find("article") or soup.find("main") or soup.body or soup
    blocks: list[Block] = []
    for el in root.find_all(_BLOCK_TAGS):
        if any(child.name in _BLOCK_TAGS for child in el.find_all(True)):
            continue  # only leaf blocks, so text is taken once
        text = clean_inline(" ".join(el.get_text(" ", strip=True).split()))
        if not text:
            continue
        if el.name in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            if el.name == "h1" and not meta.get("title"):
                meta["title"] = text
            blocks.append(Block(text, "heading"))
        elif el.name == "li":
            blocks.append(Block(text, "list"))
        else:
            blocks.append(Block(text, "para"))
    if not blocks and root.get_text(strip=True):
        blocks = blocks_from_text(root.get_text("\n"), numbered_headings=False)
    return Loaded(blocks, meta, "web")


def _html_meta(soup) -> dict[str, Any]:
    meta: dict[str, Any] = {}

    def m(name: str) -> list[str]:
        tags = soup.find_all("meta", attrs={"name": name}) + soup.find_all("meta", attrs={"property": name})
        return [t.get("content", "").strip() for t in tags if t.get("content")]

    title = (m("citation_title") or m("og:title") or [soup.title.get_text(" ", strip=True) if soup.title else ""])[0]
    if title:
        meta["title"] = title
    if m("citation_author"):
        meta["authors"] = m("citation_author")
    for key, names in {"doi": ["citation_doi", "dc.identifier"], "pmid": ["citation_pmid"], "journal": ["citation_journal_title"]}.items():
        for n in names:
            if m(n):
                meta[key] = m(n)[0]
                break
    date = (m("citation_publication_date") or m("citation_date") or m("article:published_time") or [""])[0]
    y = re.search(r"(19|20)\d\d", date)
    if y:
        meta["year"] = int(y.group(0))
    return meta


# --- JATS --------------------------------------------------------------------------------------


def load_jats(data: bytes) -> Loaded:
    """PubMed Central full text: title, abstract, body sections; references and citations dropped."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise LoadError(f"malformed XML: {exc}") from exc
    for el in root.iter():
        if isinstance(el.tag, str) and "}" in el.tag:
            el.tag = el.tag.split("}", 1)[1]
    art = root if root.tag == "article" else root.find(".//article")
    if art is None:
        raise LoadError("XML is not a JATS article (no <article> element)")
    front = art.find("front")
    meta: dict[str, Any] = {}
    if front is not None:
        meta = _jats_meta(front)
    for tag in ("xref", "ref-list", "fn-group", "table", "alternatives", "inline-formula", "disp-formula", "object-id", "label"):
        for el in list(art.iter(tag)):
            _remove_keep_tail(el)
    blocks: list[Block] = []
    if front is not None:
        for ab in front.iter("abstract"):
            if ab.get("abstract-type") in {"graphical", "teaser", "toc"}:
                continue
            blocks.append(Block("Abstract", "heading"))
            _jats_walk(ab, blocks, in_title="Abstract")
    body = art.find("body")
    if body is not None:
        _jats_walk(body, blocks, in_title="")
    return Loaded(blocks, meta, "paper")


def _remove_keep_tail(el) -> None:
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail or ""
    prev = el.getprevious()
    if prev is not None:
        prev.tail = (prev.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(el)


_CITE_RESIDUE = [
    (re.compile(r"\[\s*[,;–\-\s]*\]"), ""),
    (re.compile(r"\(\s*[,;–\-\s]*\)"), ""),
    (re.compile(r"\s+([,.;:])"), r"\1"),
    (re.compile(r"[,;](?=[,.;:)])"), ""),
    (re.compile(r"\s{2,}"), " "),
]


def _jats_text(el) -> str:
    text = " ".join("".join(el.itertext()).split())
    for rx, rep in _CITE_RESIDUE:
        text = rx.sub(rep, text)
    return text.strip()


def _jats_walk(el, blocks: list[Block], in_title: str) -> None:
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "sec":
            title_el = child.find("title")
            if title_el is not None and _jats_text(title_el):
                blocks.append(Block(_jats_text(title_el), "heading"))
            _jats_walk(child, blocks, in_title)
        elif tag in {"p", "def", "disp-quote", "statement"}:
            nested = [c for c in child if isinstance(c.tag, str) and c.tag == "list"]
            for lst in nested:
                child.remove(lst)
            t = _jats_text(child)
            if t:
                blocks.append(Block(t, "para"))
            for lst in nested:
                _jats_walk(lst, blocks, in_title)
        elif tag == "list":
            for item in child.iter("list-item"):
                t = _jats_text(item)
                if t:
                    blocks.append(Block(t, "list"))
        elif tag in {"fig", "table-wrap"}:
            cap = child.find(".//caption")
            if cap is not None and _jats_text(cap):
                blocks.append(Block(_jats_text(cap), "para"))
        elif tag in {"title", "label", "back", "ref-list"}:
            continue
        elif len(child):
            _jats_walk(child, blocks, in_title)


def _jats_meta(front) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    t = front.find(".//article-meta/title-group/article-title")
    if t is not None:
        meta["title"] = " ".join("".join(t.itertext()).split())
    j = front.find(".//journal-meta//journal-title")
    if j is not None and j.text:
        meta["journal"] = " ".join(j.text.split())
    for aid in front.iterfind(".//article-meta/article-id"):
        kind = {"doi": "doi", "pmid": "pmid", "pmc": "pmcid", "pmcid": "pmcid"}.get(aid.get("pub-id-type", ""))
        if kind and aid.text:
            v = aid.text.strip()
            meta[kind] = "PMC" + v if kind == "pmcid" and not v.upper().startswith("PMC") else v
    authors = []
    for c in front.iterfind(".//article-meta/contrib-group/contrib"):
        if c.get("contrib-type", "author") != "author":
            continue
        s, g = c.findtext(".//surname"), c.findtext(".//given-names")
        if s:
            authors.append(f"{s.strip()} {''.join(w[0] for w in (g or '').split() if w)}".strip())
    if authors:
        meta["authors"] = authors
    for d in front.iterfind(".//article-meta/pub-date"):
        y = d.findtext("year")
        if y and y.strip().isdigit():
            meta["year"] = int(y.strip())
            break
    lic = front.find(".//permissions/license")
    if lic is not None:
        href = next((v for k, v in lic.attrib.items() if k.endswith("href")), None)
        meta["licence"] = href or " ".join("".join(lic.itertext()).split())[:200]
    return meta


# --- PDF ---------------------------------------------------------------------------------------

_PDF_HEADING = re.compile(
    r"^(?:\d{1,2}(?:\.\d{1,2})*\.?\s+[A-Z][^.!?]{2,80}|(?:abstract|introduction|background|methods?|materials and methods|"
    r"results|discussion|conclusions?|results and discussion|limitations|summary)\.?)$",
    re.IGNORECASE,
)
_PDF_STOP = re.compile(r"^(?:references|bibliography|literature cited)\s*$", re.IGNORECASE)


def load_pdf(data: bytes) -> Loaded:
    """Text per page (chunks keep their page); headings detected per line; references cut."""
    import io

    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception:  # unsupported algorithm (e.g. AES without cryptography)
                ok = 0
            if not ok:
                raise LoadError("encrypted PDF (password required); save an unencrypted copy to ingest it")
        pages = list(reader.pages)
    except LoadError:
        raise
    except FileNotDecryptedError as exc:
        raise LoadError("encrypted PDF (password required); save an unencrypted copy to ingest it") from exc
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise LoadError(f"unreadable PDF: {exc}") from exc
    meta = _pdf_meta(reader)
    blocks: list[Block] = []
    stop = False
    for i, page in enumerate(pages, start=1):
        try:
            raw = page.extract_text() or ""
        except Exception as exc:  # one broken page should not lose the others
            raw = ""
            meta.setdefault("page_errors", []).append(f"page {i}: {exc}")
        para: list[str] = []
        for line in raw.splitlines():
            line = " ".join(line.split())
            if not line:
                continue
            if _PDF_STOP.match(line):
                stop = True
                break
            if _PDF_HEADING.match(line) and len(line) <= 90:
                if para:
                    blocks.append(Block(_join_pdf_lines(para), "para", i))
                    para = []
                blocks.append(Block(line.rstrip("."), "heading", i))
                continue
            para.append(line)
        if para:
            blocks.append(Block(_join_pdf_lines(para), "para", i))
        if stop:
            break
    if not any(b.kind == "para" for b in blocks):
        raise LoadError(f"no extractable text in {len(pages)} page(s) (scanned PDF without a text layer? run OCR first)")
    return Loaded(blocks, meta, "paper")


def _join_pdf_lines(lines: list[str]) -> str:
    text = ""
    for line in lines:
        if text.endswith("-") and line[:1].islower() and len(text) > 1 and text[-2].isalpha():
            text = text[:-1] + line  # de-hyphenate a word broken at the line end
        else:
            text = f"{text} {line}" if text else line
    return text


def _pdf_meta(reader) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    try:
        info = reader.metadata or {}
    except Exception:
        return meta
    title = (info.get("/Title") or "").strip() if hasattr(info, "get") else ""
    if title:
        meta["title"] = str(title)
    author = (info.get("/Author") or "").strip() if hasattr(info, "get") else ""
    if author:
        meta["authors"] = [a.strip() for a in re.split(r";|,\s(?=[A-Z][a-z]+\s)| and ", str(author)) if a.strip()]
    date = str(info.get("/CreationDate") or "") if hasattr(info, "get") else ""
    y = re.search(r"(19|20)\d\d", date)
    if y:
        meta["year"] = int(y.group(0))
    subject = info.get("/Subject") if hasattr(info, "get") else None
    if subject and re.search(r"10\.\d{4,}/\S+", str(subject)):
        meta["doi"] = re.search(r"10\.\d{4,}/\S+", str(subject)).group(0)
    return meta
