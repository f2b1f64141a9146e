# The two commands of the quick start: `make verify` and `make test`.
# Everything else is installed into .venv on first use.

VENV   ?= .venv
PYTHON ?= python3
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
ARGS   ?=

.PHONY: verify test report tools lint format bench clean prometheus wapiti

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "error: postdeploy needs Python 3.11 or newer ($(PYTHON) is older)"; exit 2; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || \
		{ echo "error: cannot create a virtual environment; on Debian: apt-get install python3-venv"; exit 2; }
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[unimedia,load,security,ui,monitoring,contracts,dev]'
	@touch $@

## tools: Chromium and Node.js from Debian when missing; Allure 3 + axe-core into tools/
tools:
	@scripts/install-tools.sh

## prometheus: Debian's prometheus (+ node exporter, + Alertmanager for the watch's
## --alertmanager tests), only when missing; no daemon is started
prometheus:
	@{ command -v prometheus && command -v prometheus-alertmanager; } >/dev/null || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends prometheus prometheus-node-exporter prometheus-alertmanager; }

## wapiti: the vulnerability scanner, in its own environment (tools/wapiti/), only when missing
wapiti:
	@PYTHON=$(PYTHON) scripts/install-wapiti.sh

## verify: full verification of the embedded reference service (GO=0, NO_GO=1, INCONCLUSIVE=2)
verify: $(STAMP) tools prometheus wapiti
	$(VENV)/bin/postdeploy verify --profile full $(ARGS)

## report: build the Allure report of the latest run (RUN=reports/<run-id> for another)
report: $(STAMP) tools
	$(VENV)/bin/postdeploy report --allure --run $(or $(RUN),reports/latest)

## test: the project's own tests, in parallel, after the linter
test: $(STAMP) tools prometheus wapiti
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -n auto --dist worksteal --durations=25 $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .

## bench: the speed benchmarks of issue 21 → bench/results/<date>.json + a table
## (ARGS=--quick: fewer runs, smaller sizes; ARGS=NAME: one of them; ARGS=--list)
bench: $(STAMP) tools prometheus wapiti
	$(PY) -m bench $(ARGS)

clean:
	rm -rf $(VENV) reports/2* reports/latest
