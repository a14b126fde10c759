# make test: ruff and the whole pytest suite. make demo: the sample scenario, end to end.
# Both start from nothing but Python: they create .venv and install the project into it.
PYTHON ?= python3
# pytest-xdist processes for make test (this machine kind has 2 cores)
WORKERS ?= 2
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install test-deps test lint format demo bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Debian's Chromium (browser end-to-end test), Prometheus (a real query API), Alertmanager (what
# the Alertmanager sink posts to) and Java 17 (the local Spark Connect server of the Spark
# tests), when missing
test-deps: $(STAMP)
	sh scripts/install-browser.sh
	sh scripts/install-prometheus.sh
	sh scripts/install-alertmanager.sh
	sh scripts/install-java.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Spark tests share one worker (one Spark Connect server), as do the tests of a module that
# sets up a shared store (xdist_group marks; --dist loadgroup)
test: lint test-deps
	$(BIN)/pytest -q -n $(WORKERS) --dist loadgroup --durations=15

demo: $(STAMP)
	$(BIN)/cockpit demo

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .demo .pytest_cache .ruff_cache
