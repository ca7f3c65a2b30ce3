# Two commands do all set-up:  `make run` (index if needed, then serve the UI)  and  `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Debian's chromium for the browser tests (playwright cannot download browsers here).
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

run: $(STAMP)
	$(VENV)/bin/assistant serve

# lint runs first: a test run on unformatted or failing-lint code stops before the suite.
test: lint browser
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check assistant tests evals
	$(VENV)/bin/ruff format --check assistant tests evals

.PHONY: install browser run test lint
