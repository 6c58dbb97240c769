# The two commands that set everything up on a fresh machine: `make demo` and `make test`.
# Both create the virtual environment and install what they need (Python and Debian packages).

SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
DEBIAN_PACKAGES := $(shell cat scripts/debian-packages.txt)
# The suite in parallel, one worker per core (pytest-xdist), a test file's tests on one worker
# so that what a file shares (module fixtures, the Spark Connect server of tests/test_facts.py)
# is made once. `make test PYTEST_FLAGS=` runs it in one process.
PYTEST_FLAGS ?= -n auto --dist loadfile --durations=15

export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never
export UV_COMPILE_BYTECODE := 1

.PHONY: demo test lint typecheck pytest install debian axe clean bench docs

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "uv==$(UV_VERSION)"

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --all-extras --quiet
	# uv compiles the dependencies only: chiso's own modules too, so that the first `chiso demo`
	# does not spend seconds compiling them.
	$(BIN)/python -m compileall -q -j 0 src
	touch $@

install: $(VENV)/.installed

debian:
	@scripts/ensure-debian-packages.sh $(DEBIAN_PACKAGES)

axe:
	@scripts/ensure-axe.sh

demo: install
	$(BIN)/chiso demo

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install
	$(BIN)/mypy

pytest: install debian axe
	$(BIN)/pytest $(PYTEST_FLAGS)

test: lint typecheck pytest

bench: install
	$(BIN)/python -m bench

docs: install
	$(BIN)/python -m chiso.docs_gen

clean:
	rm -rf $(VENV) $(TOOLS) .mypy_cache .ruff_cache .pytest_cache
