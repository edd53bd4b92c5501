# Two entry points for a fresh clone: `make demo` (the main job) and `make test` (the suite).
# Both create .venv on first use; torch's CPU build is installed before anything can pull a CUDA one.
# The test extra and the dask extra (the Dask engine, strokedelta.distributed) are both installed.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.strokedelta-installed

.PHONY: demo test lint install clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "torch==2.13.0"
	$(BIN)/python -m pip install --quiet -e ".[test,dask]"
	# sktime, for tests/test_sktime_semantics.py only: 1.2.0 declares pandas<3.1, which would
	# pull pandas back to 3.0, yet it runs on the current pandas; its other needs (numpy, pandas,
	# scipy, scikit-learn, joblib, packaging) are already installed above.
	$(BIN)/python -m pip install --quiet --no-deps "sktime==1.2.0" "scikit-base==1.1.1"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/strokedelta demo --out strokedelta-demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 -q

clean:
	rm -rf $(VENV) strokedelta-demo
