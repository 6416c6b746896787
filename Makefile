# Two entry points (see README.md): `make sample` runs the main job on the bundled sample,
# `make test` runs the checks and the test suite. Each sets up its own virtualenv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= out/sample

.PHONY: setup sample test test-system-ffmpeg lint bench clean

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

# The tests that run ffmpeg, against another build (default: the distribution's).
SYSTEM_FFMPEG ?= /usr/bin/ffmpeg
MEDIA_TESTS := tests/test_ffmpeg.py tests/test_media.py tests/test_loudness.py \
	tests/test_mix.py tests/test_mux.py tests/test_fitting.py tests/test_faults.py
test-system-ffmpeg: setup
	SCODUB_FFMPEG=$(SYSTEM_FFMPEG) $(BIN)/pytest -q $(MEDIA_TESTS)

bench: setup
	$(BIN)/python bench/bench_asr.py

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
