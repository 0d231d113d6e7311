# Two commands: `make demo` and `make test`. Both install what they need first.
PY := .venv/bin/python
JOBS ?= 2
# Extras pip installs: the tests need Dask (the cluster extra); the demo does not.
EXTRAS ?= dev

.PHONY: setup demo test test-fast lint format bench clean

setup:
	@EXTRAS=$(EXTRAS) bash scripts/setup.sh

demo: setup
	$(PY) render.py --jobs $(JOBS)

lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format: setup
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

test: EXTRAS = dev,cluster
test: lint
	$(PY) -m pytest -q

test-fast: EXTRAS = dev,cluster
test-fast: setup
	$(PY) -m pytest -q -m "not slow"

bench: EXTRAS = dev,cluster
bench: setup
	$(PY) -m bench

clean:
	rm -rf media/videos media/images media/gifs media/states media/gallery*
