# sealdoc — the two entry points a newcomer needs: `make demo` and `make test`.
# Each installs what it needs (Debian packages, venv, Python packages) and then runs.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMPS := .stamps
DEB_PACKAGES := libdmtx0b softhsm2 poppler-utils chromium postgresql
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test lint typecheck unit bench schemas clean deps

$(STAMPS)/debian:
	@mkdir -p $(STAMPS)
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi
	@touch $@

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(STAMPS)/venv: pyproject.toml | $(PY)
	@mkdir -p $(STAMPS)
	$(PY) -m pip install -q -e '.[dev]'
	@touch $@

deps: $(STAMPS)/debian $(STAMPS)/venv

lint: deps
	$(VENV)/bin/ruff check src tests bench fixtures scripts
	$(VENV)/bin/ruff format --check src tests bench fixtures scripts

typecheck: deps
	$(VENV)/bin/mypy

unit: deps
	$(VENV)/bin/pytest -q

test: lint typecheck unit

demo: deps
	$(PY) scripts/demo.py

bench: deps
	$(PY) bench/run.py

schemas: deps
	$(PY) scripts/export_schemas.py

clean:
	rm -rf $(VENV) $(STAMPS) demo-out
