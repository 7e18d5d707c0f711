"""Drive the real app in headless Debian Chromium: start ``streamlit run`` on a free loopback
port, ask questions through the chat input, take screenshots.

Shared by ``tests/test_browser.py`` and the README screenshots, so the pictures show exactly what
the test checks. Run as a script against the real default store::

    python tests/browser_support.py --out docs/screenshots
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROME_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                "--hide-scrollbars"]


def missing_browser() -> str | None:
    """Why the browser test cannot run here, or None."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (shutil.which(path) or os.path.exists(path)):
            return f"{path} not installed (run `make browser-deps` or `apt-get install chromium chromium-driver`)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium not installed (pip install -e '.[test]')"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_app(env: dict[str, str] | None = None, port: int | None = None, log: Path | None = None,
                timeout: float = 90) -> Iterator[str]:
    """``streamlit run streamlit_app.py`` on 127.0.0.1:<port>; yields the base URL, stops it after."""
    port = port or free_port()
    full_env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", ANONYMIZED_TELEMETRY="False", **(env or {}))
    out = open(log, "wb") if log else subprocess.DEVNULL
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {proc.returncode}" + (f"; see {log}" if log else ""))
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if time.time() > deadline:
                raise TimeoutError(f"streamlit did not answer on {url} within {timeout:.0f} s")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if log:
            out.close()


@contextlib.contextmanager
def chromium(profile_dir: Path, width: int = 1400, height: int = 1800):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in CHROME_FLAGS + [f"--user-data-dir={profile_dir}", f"--window-size={width},{height}"]:
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(driver, css: str, timeout: float = 60, text: str | None = None):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(driver, timeout)
    if text is None:
        return wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, css)))
    return wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, css), text))


def wait_idle(driver, timeout: float = 120) -> None:
    """Until the script run has finished (Streamlit shows a 'running' status widget meanwhile)."""
    from selenium.webdriver.common.by import By

    deadline = time.time() + timeout
    time.sleep(0.5)
    while time.time() < deadline:
        if not driver.find_elements(By.CSS_SELECTOR, '[data-testid="stStatusWidget"]'):
            time.sleep(0.5)
            if not driver.find_elements(By.CSS_SELECTOR, '[data-testid="stStatusWidget"]'):
                return
        time.sleep(0.3)
    raise TimeoutError("the app kept running")


def ask(driver, question: str, n_answers: int, timeout: float = 180) -> None:
    """Type into the chat input, send, and wait until answer number ``n_answers`` has its sources."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    box = wait_for(driver, 'textarea[data-testid="stChatInputTextArea"]', timeout=90)
    box.click()
    box.send_keys(question)
    box.send_keys(Keys.ENTER)

    def answered(d):
        msgs = d.find_elements(By.CSS_SELECTOR, '[data-testid="stChatMessage"]')
        return len(msgs) >= 2 * n_answers and ("Sources" in msgs[-1].text or "does not answer" in msgs[-1].text)

    WebDriverWait(driver, timeout).until(answered)
    wait_idle(driver)


def open_page(driver, base_url: str, url_path: str) -> None:
    driver.get(f"{base_url}/{url_path}")
    wait_for(driver, '[data-testid="stMain"]', timeout=90)
    wait_idle(driver)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="README screenshots of the chat (with a flagged answer) and the audit page")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    ap.add_argument("--question", default="How well is magnesium glycinate absorbed compared with magnesium oxide?")
    args = ap.parse_args(argv)
    why = missing_browser()
    if why:
        print(why, file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, running_app(log=Path(tmp) / "streamlit.log", timeout=300) as url:
        with chromium(Path(tmp) / "profile", height=3400) as d:
            d.get(url)
            wait_for(d, 'textarea[data-testid="stChatInputTextArea"]', timeout=300)
            wait_idle(d, timeout=900)  # first view loads the models
            ask(d, args.question, 1, timeout=900)
            time.sleep(1)
            # the answer and its flag badges sit above the source list: scroll the chat back to them
            d.execute_script("for (const el of document.querySelectorAll('*')) { if (el.scrollTop > 0) el.scrollTop = 0; }")
            time.sleep(1)
            d.save_screenshot(str(args.out / "chat.png"))
            open_page(d, url, "audit")
            time.sleep(2)
            d.save_screenshot(str(args.out / "audit.png"))
    print(f"wrote {args.out / 'chat.png'} and {args.out / 'audit.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
