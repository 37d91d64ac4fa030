# The two commands of the README do all their own set-up:
#   make demo   - emosk's main job on an embedded default
#   make test   - the test suite (fast part; `make test-all` adds the slow real-data tests)
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# A CPU build of torch; override e.g. TORCH_SPEC="torch==2.13.0" --index-url ...
TORCH_SPEC ?= torch==2.13.0
EXTRAS ?= test,face,audio
STAMP := $(VENV)/.installed-$(EXTRAS)

.PHONY: demo test test-all bench docs clean venv

venv: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "$(TORCH_SPEC)"
	$(PY) -m pip install -q -e ".[$(EXTRAS)]"
	touch $@

demo: $(STAMP)
	$(PY) -m emosk demo --out emosk-demo --overwrite

test: $(STAMP)
	$(PY) -m pytest -m "not slow" -n 2 --durations=10

test-all: $(STAMP)
	$(PY) -m pytest -n 2 --durations=20

bench: $(STAMP)
	$(PY) benchmarks/ckplus_clips.py

# DOCS_OFFLINE=1 builds without network (no intersphinx links), as CI does
DOCS_OFFLINE ?=
docs: $(STAMP)
	$(PY) -m pip install -q -e ".[docs]"
	EMOSK_DOCS_OFFLINE=$(DOCS_OFFLINE) $(PY) -m sphinx -b html -W --keep-going -q docs docs/_build/html

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache docs/_build docs/generated
