# The two commands: `make run` (set up, ingest if no store, start the app) and `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8501
PYTEST_ARGS ?=

.PHONY: setup run test ingest browser-deps bench clean-store

$(BIN)/python:
	$(PY) -m venv $(VENV)

# torch first and explicitly: the CPU wheel (a bare requirement pulls a multi-GB CUDA build).
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[test]'
	touch $@

setup: $(VENV)/.installed

ingest: setup
	$(BIN)/python -m cli ingest

run: setup
	@$(BIN)/python -c "from core.settings import get_settings; from core.store import current_version; import sys; sys.exit(0 if current_version(get_settings()) else 1)" \
		|| $(BIN)/python -m cli ingest
	@# a store audited by an older version of the models, settings or audit rules is re-audited (ingest re-audits only a changed corpus)
	@$(BIN)/python -m cli audit --if-stale >/dev/null || true
	$(BIN)/streamlit run streamlit_app.py --server.port $(PORT)

# Debian chromium + chromium-driver for the one real-browser test (skipped with a reason if unavailable).
browser-deps:
	@command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 || \
		( (apt-get update -qq && apt-get install -y -qq chromium chromium-driver) >/dev/null 2>&1 || \
		  echo "chromium could not be installed; the browser test will be skipped" )

test: setup browser-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(BIN)/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

bench: setup
	$(BIN)/python benchmarks/ingest_bench.py
	$(BIN)/python benchmarks/latency_bench.py

clean-store:
	rm -rf .store
