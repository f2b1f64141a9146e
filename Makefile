# The two commands of the quick start: `make verify` and `make test`.
# Everything else is installed into .venv on first use.

VENV   ?= .venv
PYTHON ?= python3
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
ARGS   ?=

.PHONY: verify test lint format bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "error: postdeploy needs Python 3.11 or newer ($(PYTHON) is older)"; exit 2; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || \
		{ echo "error: cannot create a virtual environment; on Debian: apt-get install python3-venv"; exit 2; }
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[unimedia,load,contracts,dev]'
	@touch $@

## verify: full verification of the embedded reference service (GO=0, NO_GO=1, INCONCLUSIVE=2)
verify: $(STAMP)
	$(VENV)/bin/postdeploy verify --profile full $(ARGS)

## test: the project's own tests, in parallel, after the linter
test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -n auto $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .

## bench: time the smoke profile (see scripts/benchmark_smoke.sh)
bench: $(STAMP)
	scripts/benchmark_smoke.sh

clean:
	rm -rf $(VENV) reports/2* reports/latest
