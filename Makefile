# Two commands: `make demo` and `make test`. Both install what they need first, at the
# versions pinned in constraints.txt (`make lock` refreshes it).
PY := .venv/bin/python
# Worker processes for the demo; empty: render.py's default, every core the memory allows.
JOBS ?=
# Extras pip installs: the tests need Dask (the cluster extra); the demo does not.
EXTRAS ?= dev

.PHONY: setup demo test test-fast test-portable lint format bench lock clean

setup:
	@EXTRAS=$(EXTRAS) bash scripts/setup.sh

demo: setup
	$(PY) render.py $(if $(JOBS),--jobs $(JOBS))

lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

test: EXTRAS = dev,cluster
test: lint
	$(PY) -m pytest -q

test-fast: EXTRAS = dev,cluster
test-fast: setup
	$(PY) -m pytest -q -m "not slow"

# The suite as another machine would run it: networks trained on two torch threads, and
# again with every initial weight nudged by a few float32 ulps (model.config.perturbation).
test-portable: EXTRAS = dev,cluster
test-portable: setup
	BENDSPACE_TORCH_THREADS=2 $(PY) -m pytest -q
	BENDSPACE_PERTURB=1 $(PY) -m pytest -q

bench: EXTRAS = dev,cluster
bench: setup
	$(PY) -m bench

lock:
	bash scripts/lock.sh

clean:
	rm -rf media/videos media/images media/gifs media/states media/gallery*
