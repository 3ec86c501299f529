# The NCUT analytics workbook. `make help` lists the targets.
# Every target creates .venv/ on first use and installs the package with what it needs.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help briefing admission slides notices lab voila test test-fast lint format data bench clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

briefing: $(STAMP)  ## the term briefing on the embedded default data, into outputs/
	$(BIN)/ncut-analysis briefing --term 114-1 --published data/published/114-1.csv --out outputs

admission: $(STAMP)  ## the admission scenario briefing (109 rules, shipped pool), into outputs/
	$(BIN)/ncut-analysis briefing --kind admission --year 109 --out outputs

slides: $(STAMP)  ## slide PNG/SVG charts and deck.pptx for the term (outputs/slides/) and admission
	$(BIN)/ncut-analysis slides --term 114-1 --out outputs/slides/114-1
	$(BIN)/ncut-analysis slides --kind admission --year 109 --out outputs/slides/admission_109

notices: $(STAMP)  ## the notice cycle on the shipped 114-1 data (week 8, week 16), ledger outputs/notices.sqlite; e-mails as .eml only (a dry run)
	$(BIN)/ncut-analysis notices --term 114-1 --as-of 2025-10-31 --contacts data/114-1/contacts.csv --out outputs/notices/114-1/2025-10-31
	$(BIN)/ncut-analysis notices --term 114-1 --as-of 2025-12-26 --contacts data/114-1/contacts.csv --out outputs/notices/114-1/2025-12-26

lab: $(STAMP)  ## JupyterLab on the notebooks (explorers included)
	$(BIN)/jupyter lab --notebook-dir=. --LabApp.default_url=/lab/tree/notebooks $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

voila: $(STAMP)  ## the threshold explorer as a Voila app for colleagues (voila.json: token, 127.0.0.1, idle kernels culled)
	JUPYTER_PATH=$(CURDIR)/ncut_analysis/templates/jupyter $(BIN)/voila notebooks/threshold_explorer.ipynb \
		--Voila.config_file_paths=$(CURDIR) $(VOILA_ARGS)

test: $(STAMP)  ## run every test (notebooks and browser tests included)
	$(BIN)/python -m pytest

test-fast: $(STAMP)  ## the unit tests only (no notebooks, no browser)
	$(BIN)/python -m pytest -m "not slow"

lint: $(STAMP)  ## ruff check and format check
	$(BIN)/ruff check . && $(BIN)/ruff format --check ncut_analysis tests benchmarks

format: $(STAMP)  ## ruff format
	$(BIN)/ruff format ncut_analysis tests benchmarks

data: $(STAMP)  ## regenerate the embedded default data (byte for byte the shipped files)
	$(BIN)/ncut-analysis synth --term 114-1 --seed 114 --out data/114-1
	$(BIN)/ncut-analysis synth-applicants --year 109 --seed 109 --out data/admission_109/applicants.csv

bench: $(STAMP)  ## benchmarks, results in outputs/bench/
	$(BIN)/python benchmarks/run.py

clean:  ## remove outputs/ (the venv stays)
	rm -rf outputs
