"""End to end in a real browser: ``streamlit run`` + headless Chromium driven by selenium."""

from __future__ import annotations

import pytest

from appstore import build_app_store
from browser_support import ask, chromium, evidence_on_failure, missing_browser, open_page, running_app, upload_and_submit, wait_idle, wait_text

pytestmark = [pytest.mark.browser]

_why = missing_browser()
if _why:
    pytestmark.append(pytest.mark.skip(reason=f"real-browser test skipped: {_why}"))


def test_chat_in_a_real_browser(tmp_path):
    from selenium.webdriver.common.by import By

    env = build_app_store(tmp_path / "data")
    env.update(MGC_CHROMA__HOST="", MGC_LLM__PROVIDER="none")
    log = tmp_path / "streamlit.log"
    with running_app(env, log=log) as url, chromium(tmp_path / "profile") as d, evidence_on_failure(d, tmp_path):
        d.get(url)
        ask(d, "How is magnesium glycinate absorbed compared with magnesium oxide?", 1)
        answer = d.find_elements(By.CSS_SELECTOR, '[data-testid="stChatMessage"]')[-1]
        text = answer.text
        # the citation list, with provenance and a working PubMed link
        assert "Sources" in text and "Oral magnesium absorption of four salts" in text
        assert "Study digest (digest of the paper's abstract" in text
        links = [a.get_attribute("href") for a in answer.find_elements(By.CSS_SELECTOR, "a")]
        assert "https://pubmed.ncbi.nlm.nih.gov/11794633/" in links
        # the disagreement flag badge (rendered as a coloured badge, not as directive text)
        assert "Contradicted" in text and "The article says" in text
        assert ":red-badge[" not in text
        # the cited sentence is highlighted (bold inside a background span)
        assert answer.find_elements(By.CSS_SELECTOR, "strong")
        d.save_screenshot(str(tmp_path / "chat.png"))
        assert (tmp_path / "chat.png").stat().st_size > 10_000

        # hostile document text: shown as text, nothing executes or loads
        ask(d, "What did glycine before bed do to sleep quality in the trial figure?", 2)
        answer = d.find_elements(By.CSS_SELECTOR, '[data-testid="stChatMessage"]')[-1]
        assert "<script>alert('pwned')</script>" in answer.text
        assert "![x](http://evil/x.png)" in answer.text
        assert not d.find_elements(By.CSS_SELECTOR, "img[src*='evil'], [data-testid='stMain'] script")
        assert not [
            a
            for a in d.find_elements(By.CSS_SELECTOR, "a")
            if "evil" in (a.get_attribute("href") or "") or (a.get_attribute("href") or "").startswith("javascript:")
        ]
        d.save_screenshot(str(tmp_path / "chat-hostile.png"))

        # the audit page
        open_page(d, url, "audit")
        body = d.find_element(By.CSS_SELECTOR, '[data-testid="stMain"]').text
        assert "Claim audit" in body and "Download CSV" in body
        assert d.find_elements(By.CSS_SELECTOR, '[data-testid="stDataFrame"]')
        d.save_screenshot(str(tmp_path / "audit.png"))

        # reading the article: claims highlighted in their findings' colours, drawn as highlights, not directive text
        open_page(d, url, "article")
        body = d.find_element(By.CSS_SELECTOR, '[data-testid="stMain"]').text
        assert "Magnesium glycinate lowers cortisol by 40% within a week." in body and "Contradicted (1)" in body
        assert "-background[" not in body
        d.save_screenshot(str(tmp_path / "article.png"))

        # an upload of a type the corpus does not take is refused with a message after Save (not dropped silently)
        exe = tmp_path / "evil.exe"
        exe.write_bytes(b"MZ\x90\x00" + b"\x00" * 64)
        open_page(d, url, "corpus")
        upload_and_submit(d, exe)
        wait_text(d, '[data-testid="stAlert"]', "unsupported file type '.exe'")
        wait_idle(d)
        assert not (tmp_path / "data" / "corpus" / "uploads" / "evil.exe").exists()
