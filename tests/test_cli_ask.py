"""`python -m cli ask`: plain and JSON output, missing store."""

from __future__ import annotations

import json
import re

import pytest

from answer_helpers import ANSWER_JSON_KEYS, build_store
from test_answer_deterministic import corpus


def ask(argv, settings):
    """``python -m cli ask`` with the wired services, claim audit off (these stores have none)."""
    from cli import ask as cli_ask
    from services import build_services

    return cli_ask.main(argv, services=build_services(settings, audit=False))


@pytest.fixture
def env_settings(settings, monkeypatch):
    """The CLI reads settings from the environment, like a user's shell."""
    from core.settings import get_settings

    monkeypatch.setenv("MGC_STORE_DIR", str(settings.store_dir))
    monkeypatch.setenv("MGC_CORPUS_DIR", str(settings.corpus_dir))
    monkeypatch.setenv("MGC_EMBEDDING_MODEL", "fake")
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def test_missing_store_exit_2(env_settings, capsys):
    from cli.__main__ import main

    assert main(["ask", "Does magnesium help sleep?"]) == 2
    err = capsys.readouterr().err
    assert "No store found" in err and "python -m cli ingest" in err


def test_plain_output_lists_sources(env_settings, capsys):
    build_store(env_settings, corpus())
    assert ask(["ask", "Did elderly adults with insomnia sleep longer with magnesium?"], env_settings) == 0
    out = capsys.readouterr().out
    answer, _, sources = out.partition("\nSources\n")
    assert sources, out
    listed = {int(n) for n in re.findall(r"^\[(\d+)\]", sources, re.M)}
    used = {int(n) for n in re.findall(r"\[(\d+)\]", answer)}
    assert used and used == listed
    assert 'digest of "Magnesium supplementation and primary insomnia in elderly" (RCT, 2012)' in sources
    assert "https://pmc.ncbi.nlm.nih.gov/articles/PMC3703169/" in sources


def test_json_output(env_settings, capsys):
    build_store(env_settings, corpus())
    assert ask(["ask", "Is magnesium glycinate absorbed better than oxide?", "--json", "--k", "3", "--role", "literature"], env_settings) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["question"].startswith("Is magnesium") and d["answerer"] == "deterministic"
    assert d["citations"] and all(c["role"] == "literature" for c in d["citations"])
    assert set(d) == set(ANSWER_JSON_KEYS)


def test_missing_llm_backend_exit_2(env_settings, capsys, monkeypatch):
    import sys

    build_store(env_settings, corpus())
    monkeypatch.setitem(sys.modules, "langchain_ollama", None)  # a third-party package that is not installed
    assert ask(["ask", "Does magnesium help sleep?", "--llm", "ollama"], env_settings) == 2
    assert "pip install" in capsys.readouterr().err
