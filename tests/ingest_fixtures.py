"""Small document fixtures for the ingest tests, built in code so no binary files are committed."""

from __future__ import annotations

import io


def _esc(s: str) -> str:
    return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(pages: list[list[str]], title: str | None = None, author: str | None = None) -> bytes:
    """A minimal valid PDF with a Helvetica text layer; an empty page list item gives a page without text."""
    objs: list[bytes] = []
    n_pages = len(pages)
    page_ids = [4 + 2 * i for i in range(n_pages)]
    objs.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objs.append(f"<< /Type /Pages /Kids [{' '.join(f'{p} 0 R' for p in page_ids)}] /Count {n_pages} >>".encode())
    objs.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    for i, lines in enumerate(pages):
        if lines:
            ops = "BT /F1 11 Tf 14 TL 72 740 Td " + " ".join(f"({_esc(line)}) Tj T*" for line in lines) + " ET"
        else:
            ops = "0.5 g 72 72 400 600 re f"  # a grey box: a page with graphics but no text (like a scan)
        stream = ops.encode("latin-1")
        objs.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents {page_ids[i] + 1} 0 R >>".encode())
        objs.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    info_id = None
    if title or author:
        fields = (f"/Title ({_esc(title)}) " if title else "") + (f"/Author ({_esc(author)}) " if author else "") + "/CreationDate (D:20190301000000Z)"
        objs.append(f"<< {fields} >>".encode())
        info_id = len(objs)
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(out.tell())
        out.write(f"{i} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    trailer = f"<< /Size {len(objs) + 1} /Root 1 0 R" + (f" /Info {info_id} 0 R" if info_id else "") + " >>"
    out.write(f"trailer\n{trailer}\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def encrypt_pdf(data: bytes, password: str = "secret") -> bytes:
    from pypdf import PdfReader, PdfWriter

    w = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    w.encrypt(user_password=password, owner_password=password + "-owner", algorithm="RC4-128")
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


JATS = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Archiving and Interchange DTD v1.2 20190208//EN" "JATS-archivearticle1.dtd">
<pmc-articleset><article xmlns:xlink="http://www.w3.org/1999/xlink" article-type="research-article">
<front>
 <journal-meta><journal-title-group><journal-title>Journal of Sleep Tests</journal-title></journal-title-group></journal-meta>
 <article-meta>
  <article-id pub-id-type="pmid">12345678</article-id>
  <article-id pub-id-type="pmc">PMC7654321</article-id>
  <article-id pub-id-type="doi">10.1234/jst.2020.42</article-id>
  <title-group><article-title>Magnesium bisglycinate and <italic>sleep onset</italic> in adults</article-title></title-group>
  <contrib-group>
   <contrib contrib-type="author"><name><surname>Doe</surname><given-names>Jane A</given-names></name></contrib>
   <contrib contrib-type="author"><name><surname>Roe</surname><given-names>Rick</given-names></name></contrib>
  </contrib-group>
  <pub-date pub-type="epub"><day>3</day><month>4</month><year>2020</year></pub-date>
  <permissions><license xlink:href="https://creativecommons.org/licenses/by/4.0/"><license-p>CC BY 4.0</license-p></license></permissions>
  <abstract><p>We tested whether magnesium bisglycinate shortens sleep onset latency in adults with poor sleep.</p></abstract>
 </article-meta>
</front>
<body>
 <sec><title>Introduction</title>
  <p>Magnesium blocks the NMDA receptor channel at rest <xref ref-type="bibr" rid="B1">[1]</xref>, <xref ref-type="bibr" rid="B2">2</xref>. \
Glycine may also aid sleep (<xref ref-type="bibr" rid="B3">3</xref>).</p>
 </sec>
 <sec><title>Methods</title>
  <sec><title>Participants</title><p>Eighty adults aged 25 to 60 years took 250 mg elemental magnesium or placebo for 6 weeks.</p></sec>
  <table-wrap><label>Table 1</label><caption><p>Baseline characteristics of the participants.</p></caption>\
<table><tr><td>noise-cell-xyz</td></tr></table></table-wrap>
 </sec>
 <sec><title>Results</title><p>Sleep onset latency fell by 9 minutes more than with placebo (P = 0.03).</p></sec>
</body>
<back><ref-list><ref id="B1"><mixed-citation>Reference-noise-one. Nature 1984.</mixed-citation></ref></ref-list></back>
</article></pmc-articleset>
"""

HTML = """<!doctype html><html><head><title>Glycine and sleep quality | Example Journal</title>
<meta name="citation_title" content="Glycine ingestion improves subjective sleep quality">
<meta name="citation_author" content="Yamadera W"><meta name="citation_author" content="Inagawa K">
<meta name="citation_doi" content="10.1111/j.1479-8425.2007.00262.x">
<meta name="citation_publication_date" content="2007/04/01">
<style>.x { color: red }</style><script>var tracking = "script-noise";</script></head>
<body><nav><a href="/">Home</a> nav-noise-menu</nav>
<article>
<h1>Glycine ingestion improves subjective sleep quality</h1>
<h2>Abstract</h2>
<p>Glycine given before bedtime improved subjective sleep quality in volunteers with complaints about sleep.</p>
<h2>Results</h2>
<p>Polysomnography showed a shorter latency to slow-wave sleep after glycine.</p>
<ul><li>shorter sleep onset latency</li><li>less daytime sleepiness</li></ul>
</article>
<footer>footer-noise copyright</footer></body></html>
"""
