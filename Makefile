# The two commands a new machine needs: `make demo` and `make test`.
# Both create .venv with Python 3.12 when it is missing (pyenv resolves python3.12
# through .python-version) and install the package into it.

PYTHON ?= python3.12
VENV   := .venv
BIN    := $(VENV)/bin
OUT    ?= results/compare
REPS   ?= 8

.PHONY: demo test bench lint format clean

# Browser tests drive Debian's Chromium through Playwright (its own browser download
# does not work offline); make test installs the package when it is missing.
CHROMIUM := /usr/bin/chromium
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m experiments.viz.assets  # Solara's browser files, for offline machines
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/kizuna compare scenarios/baseline.yaml scenarios/full_plan_2020.yaml \
		--years 6 --reps $(REPS) --out $(OUT)
	@echo "Report: $(OUT)/report.html (open it in a browser; report.md beside it)."
	@echo "Tables: $(OUT)/comparison.csv, costs.csv; every run: $(OUT)/runs/ (experiments.load)"

$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "make test needs Chromium at $(CHROMIUM) (Debian package chromium)"; exit 1; }
	$(SUDO) apt-get update -qq
	$(SUDO) apt-get install -y -qq chromium

test: $(VENV)/.installed-dev | $(CHROMIUM)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n 2 -q

bench: $(VENV)/.installed
	$(BIN)/kizuna bench

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) results .pytest_cache .ruff_cache
