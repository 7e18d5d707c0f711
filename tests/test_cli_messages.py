"""Bad input at the command line gets one clear line, never a traceback (issue 14, 'clear messages')."""

from __future__ import annotations

import pytest

from cli import audit as audit_cli
from cli import ask as cli_ask

NOT_UTF8 = b"magnesium \xff\xfe sleep".decode("utf-8", "surrogateescape")  # what Python makes of non-UTF-8 argv bytes


@pytest.mark.parametrize("run", [lambda: audit_cli.main(["check", NOT_UTF8]), lambda: cli_ask.main(["ask", NOT_UTF8])])
def test_non_utf8_argv_is_refused_in_one_line(run, capsys):
    with pytest.raises(SystemExit) as e:
        run()
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "is not valid UTF-8 text" in err and "Traceback" not in err


def test_check_with_the_chroma_server_down_says_so(settings, monkeypatch, capsys):
    from answer_helpers import build_store
    from core.settings import get_settings
    from test_answer_deterministic import corpus

    build_store(settings, corpus())  # an embedded store; then the same store is read "through a server" that is down
    for k, v in {
        "MGC_STORE_DIR": str(settings.store_dir),
        "MGC_CORPUS_DIR": str(settings.corpus_dir),
        "MGC_EMBEDDING_MODEL": settings.embedding_model,
        "MGC_CHROMA__HOST": "127.0.0.1",
        "MGC_CHROMA__PORT": "9",
    }.items():  # discard port: nothing listens
        monkeypatch.setenv(k, v)
    get_settings.cache_clear()
    try:
        rc = audit_cli.main(["check", "magnesium improves sleep quality"])
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    assert rc == 1 and "not reachable" in err and "Traceback" not in err


def test_any_command_reports_our_own_errors_in_one_line(tmp_path, monkeypatch, capsys):
    """A command that does not catch a MagcheckError itself (here: no store yet) still ends in one line, not a traceback."""
    from core.settings import get_settings
    from evals.__main__ import main

    monkeypatch.setenv("MGC_STORE_DIR", str(tmp_path / "none"))
    get_settings.cache_clear()
    try:
        assert main(["audit-quotes"]) == 2
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    assert err.startswith("error: No store found") and "Traceback" not in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "var,value,run",
    [
        ("MGC_RETRIEVAL__RERANK_WEIGHT", "-1", lambda: __import__("cli.__main__", fromlist=["main"]).main(["ask", "Does magnesium help sleep?"])),
        ("MGC_CHUNK__SIZE", "abc", lambda: __import__("cli.ingest", fromlist=["main"]).main(["ingest", "--offline"])),
    ],
)
def test_an_invalid_setting_is_one_line_naming_the_variable(var, value, run, monkeypatch, capsys):
    """A bad MGC_* value stops the command with exit 2 and the variable, value and rule, not a pydantic traceback."""
    from core.errors import ConfigError
    from core.settings import get_settings, load_settings

    monkeypatch.setenv(var, value)
    get_settings.cache_clear()
    try:
        with pytest.raises(ConfigError, match=var):
            load_settings()
        try:
            rc = run()
        except SystemExit as e:
            rc = e.code
    finally:
        get_settings.cache_clear()
    assert rc == 2
    err = capsys.readouterr().err
    assert err.startswith("error: invalid setting ") and var in err and repr(value) in err and "Traceback" not in err
