"""Drive the real app in headless Debian Chromium: start ``streamlit run`` on a free loopback
port, ask questions through the chat input, take screenshots.

Shared by ``tests/test_browser.py`` and the README screenshots, so the pictures show exactly what
the test checks. Run as a script against the real default store::

    python tests/browser_support.py --out docs/screenshots

Every wait here is on a condition (a health endpoint, an element, the script-run state the
Streamlit frontend publishes on its root element), never a fixed pause: on a loaded 2-core CI
machine a model load, a page load or a script run can take ten times longer than on a quiet one.
The timeouts only bound a failure; they do not pace the test.
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
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROME_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
]
CHAT_INPUT = 'textarea[data-testid="stChatInputTextArea"]'

# Bounds on failure only (seconds). A cold first script run imports torch, chromadb and the
# retriever: with two busy cores the chat input appeared 30 s after the page had loaded (the old
# fixed 90 s bound on it was within reach), and the real models of the README run take longer.
STARTUP_TIMEOUT = 300
RUN_TIMEOUT = 600

# What the frontend shows of the app's state, read in one script so it is never half-stale.
# ``data-test-script-state`` on stApp is "initial" before the first run, then "running",
# "rerunRequested", "notRunning", ...; ``data-test-connection-state`` is "CONNECTED" once the
# websocket is up. (Streamlit's own end-to-end tests wait on the same attributes.)
# A finished run is not yet a drawn page: most element types (buttons, download buttons,
# dataframes, metrics, charts, the chat input, some markdown plugins) are code-split React
# components, and until a page's first use of one has fetched and evaluated its chunk the element
# is a ``stSkeleton`` placeholder. On a busy machine that takes seconds after the run has ended.
_STATE_JS = """
const app = document.querySelector('[data-testid="stApp"]');
return {
  app: !!app,
  script: app ? app.getAttribute('data-test-script-state') : null,
  connection: app ? app.getAttribute('data-test-connection-state') : null,
  placeholders: document.querySelectorAll('[data-testid="stSkeleton"]').length,
  exceptions: Array.from(document.querySelectorAll('[data-testid="stException"]')).map(e => e.innerText),
  messages: Array.from(document.querySelectorAll('[data-testid="stChatMessage"]')).map(m => m.innerText),
};
"""
_IDLE_STATES = ("notRunning", "compilationError")


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


def _start_streamlit(port: int, env: dict[str, str], log: Path, timeout: float) -> subprocess.Popen | None:
    """Start the app and wait for its health endpoint; None when the port was taken meanwhile."""
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "streamlit_app.py",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
                "--server.fileWatcherType",
                "none",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    try:
        while True:
            if proc.poll() is not None:
                text = log.read_text(errors="replace")
                if f"Port {port} is not available" in text or "already in use" in text:
                    return None  # lost the race for the free port to another process: the caller retries
                raise RuntimeError(f"streamlit exited with {proc.returncode}; see {log}:\n{text[-3000:]}")
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=10) as r:
                    if r.read().strip() == b"ok" and proc.poll() is None:
                        return proc
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"streamlit did not answer on {url} within {timeout:.0f} s; see {log}")
            time.sleep(0.25)  # polling interval of the health check, not a wait for anything
    except BaseException:
        _stop(proc)
        raise


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def running_app(env: dict[str, str] | None = None, port: int | None = None, log: Path | None = None, timeout: float = STARTUP_TIMEOUT) -> Iterator[str]:
    """``streamlit run streamlit_app.py`` on 127.0.0.1:<port>; yields the base URL, stops it after.

    Without an explicit ``port`` a free one is picked, and picked again should another process
    grab it between the pick and streamlit's bind (the server then exits with "Port N is not
    available").
    """
    full_env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", ANONYMIZED_TELEMETRY="False", PYTHONUNBUFFERED="1", **(env or {}))
    with contextlib.ExitStack() as stack:
        if log is None:
            log = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "streamlit.log"
        proc = None
        for _ in range(1 if port else 5):
            p = port or free_port()
            proc = _start_streamlit(p, full_env, log, timeout)
            if proc is not None:
                break
        if proc is None:
            raise RuntimeError(f"could not start streamlit on a free port; see {log}")
        try:
            yield f"http://127.0.0.1:{p}"
        finally:
            _stop(proc)


@contextlib.contextmanager
def chromium(profile_dir: Path, width: int = 1400, height: int = 1800, attempts: int = 3):
    """A headless Chromium session. A failed start is retried with a fresh profile: on a starved
    machine Chromium can miss chromedriver's start-up deadline ("DevToolsActivePort file doesn't
    exist"), which says nothing about the app."""
    from selenium import webdriver
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.service import Service

    driver = None
    for attempt in range(attempts):
        opts = webdriver.ChromeOptions()
        opts.binary_location = CHROMIUM
        profile = profile_dir if attempt == 0 else profile_dir.with_name(f"{profile_dir.name}-retry{attempt}")
        for flag in CHROME_FLAGS + [f"--user-data-dir={profile}", f"--window-size={width},{height}"]:
            opts.add_argument(flag)
        try:
            driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
            break
        except WebDriverException as exc:
            if attempt == attempts - 1:
                raise
            print(f"chromium did not start (attempt {attempt + 1}): {exc.msg}", file=sys.stderr)
    driver.set_page_load_timeout(STARTUP_TIMEOUT)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(driver, css: str, timeout: float = STARTUP_TIMEOUT, text: str | None = None):
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,))
    if text is None:
        return wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, css)))
    return wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, css), text))


def app_state(driver) -> dict[str, Any]:
    """The script-run and connection state and the chat messages' text, read atomically."""
    return driver.execute_script(_STATE_JS)


def _is_idle(state: dict[str, Any]) -> bool:
    if state["app"] and state["script"] is None:
        raise AssertionError(
            "stApp carries no data-test-script-state: this Streamlit version changed how the frontend publishes its run state; update tests/browser_support.py"
        )
    idle = state["connection"] == "CONNECTED" and state["script"] in _IDLE_STATES and state["placeholders"] == 0
    if idle and state["exceptions"]:  # fail now rather than wait out the timeout for what will not come
        raise AssertionError(f"the app raised: {state['exceptions']}")
    return idle


def _until(driver, condition, timeout: float, what: str):
    """WebDriverWait that names what it waited for and what the page showed when it gave up."""
    from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.2, ignored_exceptions=(StaleElementReferenceException,)).until(condition)
    except TimeoutException:
        try:
            state = app_state(driver)
        except Exception as exc:  # noqa: BLE001 - diagnostics only
            state = f"(unreadable: {exc})"
        raise TimeoutError(f"waited {timeout:.0f} s for {what}; the page showed {state}") from None


def wait_idle(driver, timeout: float = RUN_TIMEOUT) -> None:
    """Until the app is connected, no script run is in progress or requested, and every element
    of the page is drawn (no lazily loaded component is still a placeholder).

    Only meaningful where the page cannot still show an earlier, finished run: right after
    ``driver.get`` (a fresh page reads "initial" until its first run has started), or together
    with a condition that only the new run can satisfy (as ``ask`` does). Streamlit's 'running'
    status widget is no signal: it appears only after a run has lasted 500 ms.
    """
    _until(driver, lambda d: _is_idle(app_state(d)), timeout, "the app to finish its script run and draw the page")


def ask(driver, question: str, n_answers: int, timeout: float = RUN_TIMEOUT) -> None:
    """Type into the chat input, send, and wait until the run that answers it has finished;
    then answer number ``n_answers`` must follow the question and list its sources."""
    from selenium.webdriver.common.keys import Keys

    wait_idle(driver, timeout)  # the chat input is stable: no run redraws it while we type
    box = wait_for(driver, CHAT_INPUT, timeout)
    box.click()
    box.send_keys(question)
    _until(driver, lambda d: d.execute_script("return arguments[0].value", box) == question, 60, "the chat input to hold the whole question")
    box.send_keys(Keys.ENTER)

    def answered(d):
        # message 2n exists only once the new run has drawn it, so idle now means *that* run is done
        state = app_state(d)
        return len(state["messages"]) >= 2 * n_answers and _is_idle(state) and state

    state = _until(driver, answered, timeout, f"answer {n_answers} and the end of its script run")
    msgs = state["messages"]
    assert len(msgs) == 2 * n_answers, msgs
    assert question in msgs[-2], f"the last question shown is not the one asked: {msgs[-2]!r}"
    assert "Sources" in msgs[-1] or "does not answer" in msgs[-1], f"the answer has no sources: {msgs[-1]!r}"


def wait_text(driver, css: str, text: str, timeout: float = RUN_TIMEOUT):
    """Until some element matching ``css`` shows ``text``; returns that element."""
    from selenium.webdriver.common.by import By

    def found(d):
        return next((e for e in d.find_elements(By.CSS_SELECTOR, css) if text in e.text), False)

    return _until(driver, found, timeout, f"{css} showing {text!r}")


def upload_and_submit(driver, path: Path, button: str = "Save to corpus", timeout: float = RUN_TIMEOUT) -> None:
    """Choose ``path`` in the page's file uploader, wait until the browser lists it as sent, then press
    the form's submit button. The caller waits for what only that submit's run can draw."""
    from selenium.webdriver.common.by import By

    wait_idle(driver, timeout)
    driver.find_element(By.CSS_SELECTOR, '[data-testid="stFileUploader"] input[type="file"]').send_keys(str(path))
    wait_text(driver, '[data-testid="stFileChip"]', path.name, timeout)
    submit = wait_text(driver, '[data-testid="stFormSubmitButton"] button', button, timeout)
    # the form keeps its submit button disabled while a file is still being sent to the server
    _until(driver, lambda d: submit.is_enabled(), timeout, f"{button!r} to be enabled (the upload to finish)")
    submit.click()


def open_page(driver, base_url: str, url_path: str, timeout: float = RUN_TIMEOUT) -> None:
    driver.get(f"{base_url}/{url_path}")
    wait_for(driver, '[data-testid="stMain"]', timeout=timeout)
    wait_idle(driver, timeout)


def painted(driver) -> None:
    """Until the browser has painted the current DOM (two animation frames), e.g. after a scroll."""
    driver.execute_async_script("const done = arguments[0];requestAnimationFrame(() => requestAnimationFrame(() => done(true)));")


@contextlib.contextmanager
def evidence_on_failure(driver, folder: Path) -> Iterator[None]:
    """On any failure inside, save what the browser showed (screenshot, text, state) to ``folder``."""
    try:
        yield
    except BaseException:
        with contextlib.suppress(Exception):
            driver.save_screenshot(str(folder / "failure.png"))
        with contextlib.suppress(Exception):
            (folder / "failure.txt").write_text(f"{app_state(driver)}\n\n{driver.page_source}")
        raise


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
            wait_idle(d, timeout=900)  # first view loads the models
            ask(d, args.question, 1, timeout=900)
            # the answer and its flag badges sit above the source list: scroll the chat back to them
            d.execute_script("for (const el of document.querySelectorAll('*')) { if (el.scrollTop > 0) el.scrollTop = 0; }")
            painted(d)
            d.save_screenshot(str(args.out / "chat.png"))
            open_page(d, url, "audit", timeout=900)
            wait_for(d, '[data-testid="stDataFrame"] canvas')
            painted(d)
            d.save_screenshot(str(args.out / "audit.png"))
    print(f"wrote {args.out / 'chat.png'} and {args.out / 'audit.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
