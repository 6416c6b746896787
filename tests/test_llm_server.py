"""The LLM backend against a REAL OpenAI-compatible server: llama.cpp's, from
``llama-cpp-python[server]`` (the ``llm-test`` extra), started once per session on
127.0.0.1 with the tiny random-weight llama the project builds itself
(tools/build_tiny_gguf.py -> tests/data/tiny-llm/tiny-llama.gguf).

The model cannot translate; the server still does everything a real one does with the
request: chat template, tokenizer, transformer, sampling under the JSON schema the client
asks for, token counts. So the path (preflight, response formats, windows, one answer
per cue, name enforcement, cache, CLI) runs end to end over real HTTP.
"""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import DATA, ROOT, run_cli
from scodub.data import Cue, Track
from scodub.errors import ModelError
from scodub.mt.backends import check_backends
from scodub.mt.llm import LlmTranslator
from scodub.mt.localize import MtSettings, localize
from scodub.mt.openai_client import ChatClient
from scodub.names.glossary import Glossary
from scodub.names.io import load_glossaries
from scodub.stages.cache import StageCache

TINY_GGUF = DATA / "tiny-llm" / "tiny-llama.gguf"
GLOSSARY_FILE = ROOT / "glossaries" / "sco-film-festival-2025.yaml"
ALIAS = "tiny"
LINES = [
    "Welcome to the SCO Film Festival.",
    "Zhang Yimou opens it tonight",
    "with a short film.",
    "Samina Farzin brought White Ant.",
    "Thank you.",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """llama.cpp's OpenAI-compatible server on the tiny GGUF, for the whole session.

    One thread: ggml's threads spin while they wait for each other, which on a busy
    2-core machine costs more than the tiny model's arithmetic (0.6 s a token with two
    threads under load, 0.01 s with one)."""
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.fail("llama-cpp-python is not installed: pip install -e '.[llm-test]' (make setup)")
    port = _free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(TINY_GGUF),
        "--model_alias", ALIAS, "--host", "127.0.0.1", "--port", str(port),
        "--n_ctx", "8192", "--n_threads", "1", "--n_threads_batch", "1", "--verbose", "False",
    ]  # fmt: skip
    with open(log, "wb") as out:
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            if server.poll() is not None:
                pytest.fail(f"llama.cpp server exited: {log.read_text(errors='replace')[-2000:]}")
            try:
                with urllib.request.urlopen(url + "/models", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("llama.cpp server did not start in 120 s")
                time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    return load_glossaries([GLOSSARY_FILE])


def _track() -> Track:
    cues = tuple(Cue(i * 2000, i * 2000 + 1500, (t,)) for i, t in enumerate(LINES))
    return Track("en", cues, 25.0)


def test_preflight_against_the_real_server(llama_server: str) -> None:
    check_backends(MtSettings(model=f"openai:{ALIAS}", url=llama_server), ["ru"])
    with pytest.raises(ModelError, match=r"has no model 'qwen2.5'; it serves: tiny"):
        check_backends(MtSettings(model="openai:qwen2.5", url=llama_server), ["ru"])


def test_real_server_answers_are_checked_and_cached(
    llama_server: str, glossary: Glossary, tmp_path: Path
) -> None:
    """The random-weight model answers every window with well-formed JSON holding exactly
    the cue numbers asked (the server samples under the JSON schema the client sends),
    but what it writes is no Russian (``","``): that is no translation, and a track that
    would keep its source text in most cues is an error, not a published track. No answer
    gave a cue, so none is kept: a re-run (a better model, the server mended) asks again."""
    client = ChatClient(llama_server, ALIAS, timeout_s=120)
    translator = LlmTranslator(client, window=4, cache=StageCache(tmp_path))
    with pytest.raises(ModelError, match=r"openai:tiny gave no usable Russian for 5 of 5 cues"):
        localize(_track(), ["ru", "zh"], glossary, translator=translator)
    assert not list((tmp_path / ".scodub" / "mt-llm").glob("*.json"))
    with pytest.raises(ModelError, match="no usable Russian"):
        localize(_track(), ["ru"], glossary, translator=translator)


def test_cli_translate_through_the_real_server(
    llama_server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    srt = tmp_path / "film.en.srt"
    srt.write_text(
        "".join(
            f"{i + 1}\n00:00:0{i},000 --> 00:00:0{i},900\n{t}\n\n" for i, t in enumerate(LINES)
        ),
        encoding="utf-8",
    )
    context = tmp_path / "synopsis.txt"
    context.write_text("Opening night of the SCO Film Festival in Chongqing.", encoding="utf-8")
    args = ["translate", str(srt), "--to", "kk", "--mt-model", f"openai:{ALIAS}",
            "--mt-url", llama_server, "--context", str(context), "--mt-window", "5",
            "--glossary", str(GLOSSARY_FILE), "--json", "-o", str(tmp_path / "out")]  # fmt: skip
    code, stdout, err = run_cli(args, capsys)
    assert code == 1 and stdout == "", err  # a model error: nothing is published
    assert err.strip() == (
        "scodub: error: openai:tiny gave no usable Kazakh for 5 of 5 cues (no translation, "
        "the source text back, or another language): nothing was published; its usable "
        "answers are cached for the next run"
    )
    assert not (tmp_path / "out" / "film.kk.srt").exists()
    assert not list((tmp_path / "out" / ".scodub" / "mt-llm").glob("*.json"))  # none of use
