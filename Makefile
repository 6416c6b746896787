# Two entry points (see README.md): `make sample` runs the main job on the bundled sample,
# `make test` runs the checks and the test suite. Each sets up its own virtualenv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= out/sample

.PHONY: setup sample test lint bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dub,dev,ray]'
	touch $@

sample: setup
	$(BIN)/scodub run samples/sco-sample.mp4 --glossary glossaries/sco-film-festival-2025.yaml \
		--dub --dub-langs en --force --out $(OUT)

lint: setup
	$(BIN)/ruff check src tests bench tools
	$(BIN)/mypy
	$(BIN)/hadolint Dockerfile

test: lint
	$(BIN)/pytest -q

bench: setup
	$(BIN)/python bench/bench_asr.py

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
