# The two commands of the README do all their own set-up:
#   make demo   - emosk's main job on an embedded default
#   make test   - the test suite without the tests marked slow (`make test-all` runs
#                 them too); real-data tests run when $EMOSK_DATA or ../shared/data exists
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# torch is installed first, from TORCH_INDEX as an extra index: pip prefers the CPU
# build found there (2.13.0+cpu) to PyPI's CUDA build of the same version, so a
# fresh machine gets a CPU build; where that index is unreachable pip warns and
# uses its other indexes.  `make TORCH_INDEX=` uses pip's own indexes only;
# TORCH_INDEX=https://download.pytorch.org/whl/cu126 gives a CUDA 12.6 build.
TORCH_SPEC ?= torch==2.13.0
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
EXTRAS ?= test,face,audio,onnx
STAMP := $(VENV)/.installed-$(EXTRAS)

.PHONY: demo test test-all bench docs clean venv check-wheel

venv: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q $(if $(strip $(TORCH_INDEX)),--extra-index-url $(TORCH_INDEX)) "$(TORCH_SPEC)"
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

# DOCS_OFFLINE=1 builds without network (no intersphinx links), as CI does.
# Everything a build writes is under docs/_build, docs/generated and
# docs/auto_examples (ignored by git); `git status` stays clean.
DOCS_OFFLINE ?=
docs: $(STAMP)
	$(PY) -m pip install -q -e ".[docs]"
	EMOSK_DOCS_OFFLINE=$(DOCS_OFFLINE) $(PY) -m sphinx -b html -W --keep-going -q docs docs/_build/html

# What a user of the wheel gets: the sdist and the wheel built in a fresh virtual
# environment outside the checkout, torch installed there as above, then the wheel
# with WHEEL_EXTRAS, and `emosk demo` run from it.  Needs only $(PYTHON); prints
# the time of each step (scripts/check_wheel.py).
WHEEL_EXTRAS ?= face,audio,onnx
check-wheel:
	$(PYTHON) scripts/check_wheel.py --torch-spec "$(TORCH_SPEC)" \
		--torch-index "$(TORCH_INDEX)" --extras "$(WHEEL_EXTRAS)"

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache docs/_build docs/generated \
		docs/auto_examples docs/sg_execution_times.rst
