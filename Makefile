# Two commands: `make demo` and `make test`. Both install what they need first.
PY := .venv/bin/python
JOBS ?= 2

.PHONY: setup demo test test-fast lint format bench clean

setup:
	@bash scripts/setup.sh

demo: setup
	$(PY) render.py --jobs $(JOBS)

lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format: setup
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

test: lint
	$(PY) -m pytest -q

test-fast: setup
	$(PY) -m pytest -q -m "not slow"

bench: setup
	$(PY) -m bench

clean:
	rm -rf media/videos media/images media/gifs media/states media/gallery*
