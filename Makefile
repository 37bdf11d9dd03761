# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
BENCH_STAMP := $(VENV)/.bench-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8765

.PHONY: run test lint bench soak screenshots install clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the project's metadata changes.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/fssim serve --demo --host $(HOST) --port $(PORT)

test: $(STAMP)
	$(PY) -m pytest -q -n 2

# The reliability campaigns at full size (tests/campaigns/), with their figures; not part of `make test`.
soak: $(STAMP)
	FSSIM_SOAK=1 $(PY) -m pytest -q -s tests/campaigns

# Refresh docs/img/dashboard-*.png, which docs/dashboard.md shows, from the dashboard's browser tests.
screenshots: $(STAMP)
	FSSIM_SCREENSHOTS=docs/img $(PY) -m pytest -q tests/dashboard/test_dash_browser.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# Every issue-12 ratio, each against a baseline measured in the same run (README, "Benchmarks").
# make bench BEFORE=<git rev> also runs that revision's `fssim serve`; make bench NAMES="e2e db" runs some.
$(BENCH_STAMP): pyproject.toml | $(STAMP)
	$(PY) -m pip install -q -e '.[dev,bench]'
	touch $(BENCH_STAMP)

bench: $(STAMP) $(BENCH_STAMP)
	FSSIM_BENCH_BEFORE=$(BEFORE) $(PY) -m benchmarks $(NAMES)

clean:
	rm -rf $(VENV) build *.egg-info simulator/*.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
