"""Fetching a manifest entry's online source: transient failures are retried, permanent ones are not."""

from __future__ import annotations

import io
import urllib.error

import pytest

from core.settings import Settings
from ingest import fetch


class _Resp(io.BytesIO):
    headers = {"Content-Type": "application/xml"}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _settings(tmp_path, **kw) -> Settings:
    return Settings(store_dir=tmp_path / "store", corpus_dir=tmp_path / "corpus", fetch_backoff=0.0, **kw)


def _fake_urlopen(outcomes: list):
    calls = []

    def urlopen(req, timeout=None):
        calls.append(req.full_url)
        out = outcomes[min(len(calls), len(outcomes)) - 1]
        if isinstance(out, BaseException):
            raise out
        return _Resp(out)

    return urlopen, calls


def _http(code: int) -> urllib.error.HTTPError:
    return urllib.error.HTTPError("https://example.org", code, "status", {}, None)


def test_rate_limit_and_server_errors_are_retried(tmp_path, monkeypatch):
    urlopen, calls = _fake_urlopen([_http(429), _http(503), b"<article>full text</article>"])
    monkeypatch.setattr(fetch.urllib.request, "urlopen", urlopen)
    res = fetch.fetch_entry({"id": "p1", "fetch": {"pmcid": "PMC123"}}, _settings(tmp_path))
    assert res.error is None and res.path is not None and res.path.read_bytes() == b"<article>full text</article>"
    assert len(calls) == 3


def test_missing_page_and_unknown_host_fail_at_once(tmp_path, monkeypatch):
    for failure in (_http(404), urllib.error.URLError("Name or service not known")):
        urlopen, calls = _fake_urlopen([failure, b"<article>never reached</article>"])
        monkeypatch.setattr(fetch.urllib.request, "urlopen", urlopen)
        res = fetch.fetch_entry({"id": "p1", "fetch": {"url": "https://example.org/paper"}}, _settings(tmp_path))
        assert res.path is None and res.error.startswith("unavailable:")
        assert len(calls) == 1


def test_retries_stop_after_the_configured_attempts(tmp_path, monkeypatch):
    urlopen, calls = _fake_urlopen([_http(429)])
    monkeypatch.setattr(fetch.urllib.request, "urlopen", urlopen)
    res = fetch.fetch_entry({"id": "p1", "fetch": {"url": "https://example.org/paper"}}, _settings(tmp_path, fetch_attempts=3))
    assert res.path is None and "status" in res.error  # the last try's reason
    assert len(calls) == 3


@pytest.mark.parametrize(
    "exc,expected",
    [(_http(429), True), (_http(502), True), (_http(404), False), (urllib.error.URLError(TimeoutError()), True), (urllib.error.URLError("refused"), False)],
)
def test_transient(exc, expected):
    assert fetch.transient(exc) is expected
