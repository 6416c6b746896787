"""Provisioning of the embedded Whisper model and of named models (offline here)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from scodub.errors import ModelError
from scodub.fsutil import sha256_file
from scodub.provision.installed import list_installed
from scodub.provision.whisper import (
    EMBEDDED_SHA256,
    assemble_embedded,
    resolve_whisper_model,
)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SCODUB_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_embedded_is_assembled_verified_and_repaired(cache: Path) -> None:
    model = assemble_embedded()
    assert model.path.is_relative_to(cache)
    assert sha256_file(model.path / "model.bin") == EMBEDDED_SHA256
    # Damage it: the next use notices and re-assembles.
    with open(model.path / "model.bin", "r+b") as fh:
        fh.seek(1000)
        fh.write(b"\x00" * 64)
    again = resolve_whisper_model(None)
    assert sha256_file(again.path / "model.bin") == EMBEDDED_SHA256
    assert next(m.status for m in list_installed() if m.kind == "whisper").startswith("assembled")


def test_local_folder_validation(tmp_path: Path, cache: Path) -> None:
    with pytest.raises(ModelError, match="does not exist"):
        resolve_whisper_model(str(tmp_path / "nowhere"))
    a_file = tmp_path / "speech.mp3"  # a file given for --model
    a_file.write_bytes(b"ID3")
    with pytest.raises(ModelError, match="speech.mp3: a file, not a model folder"):
        resolve_whisper_model(str(a_file))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ModelError, match="missing model.bin"):
        resolve_whisper_model(str(empty))
    fake = tmp_path / "not-whisper"
    fake.mkdir()
    (fake / "model.bin").write_bytes(b"x")
    (fake / "config.json").write_text(json.dumps({"decoder_start_token": "</s>"}))
    with pytest.raises(ModelError, match="not a Whisper model"):
        resolve_whisper_model(str(fake))
    good = assemble_embedded().path
    assert resolve_whisper_model(str(good)).path == good


def test_hub_name_offline_fails_with_one_clear_line(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Point the hub at a closed local port so this is offline on any machine.
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setenv("HF_HUB_ETAG_TIMEOUT", "2")
    with pytest.raises(ModelError) as info:
        resolve_whisper_model("tiny")
    message = str(info.value)
    assert "tiny" in message and "scodub models pull tiny" in message and "\n" not in message


def test_unknown_name_lists_choices(cache: Path) -> None:
    with pytest.raises(ModelError, match="expected a local folder or one of: .*large-v3"):
        resolve_whisper_model("gigantic")


@pytest.mark.parametrize("name", ["../x", "/tmp", "a/b/c", "./base"])
def test_pull_of_a_path_is_an_unknown_name_not_a_hub_request(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from conftest import run_cli

    code, _, err = run_cli(["models", "pull", name], capsys)
    assert code == 2 and err.startswith(f"scodub: error: unknown model {name!r}"), err


def test_local_model_identity_covers_its_tokenizer(tmp_path: Path, cache: Path) -> None:
    # The stage cache is keyed on this identity: a tokenizer changed beside an unchanged
    # model.bin must transcribe again.
    folder = tmp_path / "my whisper"
    shutil.copytree(assemble_embedded().path, folder)
    first = resolve_whisper_model(str(folder)).identity
    assert resolve_whisper_model(str(folder)).identity == first
    tokenizer = folder / "tokenizer.json"
    tokenizer.write_text(tokenizer.read_text(encoding="utf-8") + " ", encoding="utf-8")
    assert resolve_whisper_model(str(folder)).identity != first


@pytest.mark.parametrize("missing", ["tokenizer.json", "vocabulary.txt"])
def test_a_local_folder_without_its_tokenizer_or_vocabulary_is_refused_up_front(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    """A --model folder without tokenizer.json was accepted; faster-whisper then fetched
    openai/whisper-tiny's tokenizer from the hub at load time: offline, 25 s of retries
    and a message about the hub; online, another model's tokenizer used silently."""
    folder = tmp_path / "my whisper"
    folder.mkdir()
    for path in assemble_embedded().path.iterdir():
        if path.name != missing:
            (folder / path.name).hardlink_to(path)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelError) as info:
        resolve_whisper_model(str(folder))
    message = str(info.value)
    assert message.startswith(f"{folder}: ") and missing in message and "\n" not in message


def test_a_cache_folder_from_the_environment_is_expanded_and_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SCODUB_CACHE_DIR=~/models set where no shell expands it (a systemd unit, an .env
    file, a Ray runtime_env) made a folder named '~' in the working folder; a relative one
    is taken as absolute from where the command starts."""
    from scodub.provision.whisper import cache_root

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SCODUB_CACHE_DIR", "~/models cache")
    assert cache_root() == tmp_path / "home" / "models cache"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SCODUB_CACHE_DIR", "cache")
    assert cache_root() == tmp_path / "cache"
