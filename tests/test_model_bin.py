"""A damaged CTranslate2 ``model.bin`` in a model folder given by the user is found when
the folder is checked, before any work: a truncated translation model used to pass the
preflight and fail only when it was loaded, after the whole film was transcribed."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import pytest

from conftest import DATA, ROOT, run_cli
from scodub.errors import ModelError
from scodub.provision.modelbin import check_model_bin
from scodub.provision.nllb import check_nllb_folder
from scodub.provision.whisper import assemble_embedded, resolve_whisper_model

TINY = ROOT / "tests" / "data" / "tiny-nllb"


@pytest.fixture
def nllb(tmp_path: Path) -> Path:
    folder = tmp_path / "my nllb"
    shutil.copytree(TINY, folder)
    return folder


def _variables_offset(data: bytes) -> int:
    """Where the first variable's record starts (binary version 6 layout)."""
    name_length = struct.unpack_from("<H", data, 4)[0]
    return 4 + 2 + name_length + 4 + 4


def _damage(model_bin: Path, how: str) -> None:
    data = model_bin.read_bytes()
    if how == "truncated":
        model_bin.write_bytes(data[: len(data) // 2])
    elif how == "empty":
        model_bin.write_bytes(b"")
    elif how == "header only":
        model_bin.write_bytes(data[:10])
    elif how == "payload size":  # the first variable claims more bytes than it has
        at = _variables_offset(data)
        name_length = struct.unpack_from("<H", data, at)[0]
        at += 2 + name_length
        rank = data[at]
        at += 1 + 4 * rank + 1
        model_bin.write_bytes(data[:at] + struct.pack("<I", 0x7FFFFFFF) + data[at + 4:])
    elif how == "variable count":
        at = _variables_offset(data) - 4
        model_bin.write_bytes(data[:at] + struct.pack("<I", 0xFFFFFFF) + data[at + 4:])


HOWS = ["truncated", "empty", "header only", "payload size", "variable count"]


@pytest.mark.parametrize("how", HOWS)
def test_a_damaged_translation_model_is_refused_by_the_folder_check(nllb: Path, how: str) -> None:
    _damage(nllb / "model.bin", how)
    with pytest.raises(ModelError) as info:
        check_nllb_folder(nllb)
    message = str(info.value)
    assert message.startswith(f"{nllb / 'model.bin'}: ") and "\n" not in message
    assert "damaged or incomplete" in message


def test_intact_models_pass(nllb: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    check_nllb_folder(nllb)
    monkeypatch.setenv("SCODUB_CACHE_DIR", str(tmp_path / "cache"))
    check_model_bin(assemble_embedded().path / "model.bin")


def test_a_truncated_local_whisper_model_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCODUB_CACHE_DIR", str(tmp_path / "cache"))
    embedded = assemble_embedded().path
    folder = tmp_path / "whisper"
    folder.mkdir()
    for path in embedded.iterdir():
        if path.name != "model.bin":
            (folder / path.name).hardlink_to(path)
    with open(embedded / "model.bin", "rb") as source:
        (folder / "model.bin").write_bytes(source.read(5_000_000))
    with pytest.raises(ModelError, match=r"model\.bin: damaged or incomplete"):
        resolve_whisper_model(str(folder))


def test_a_run_with_a_damaged_translation_model_stops_before_transcribing(
    nllb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _damage(nllb / "model.bin", "truncated")
    out = tmp_path / "out"
    code, _, err = run_cli(
        ["run", str(DATA / "jfk.wav"), "--lang", "en", "--langs", "en,ru", "--mt-model",
         str(nllb), "--out", str(out), "--no-backcheck", "-q"],
        capsys,
    )  # fmt: skip
    assert code == 1 and "damaged or incomplete" in err and err.count("\n") == 1, err
    assert not list(out.rglob("transcribe/*.json"))  # no film was transcribed for nothing


def test_a_damaged_pulled_translation_model_is_pulled_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pulled NLLB model damaged in the cache: a run said only 'damaged', and `models
    pull NAME` refused it the same way without fetching (only --force did)."""
    from scodub.provision.nllb import pull_nllb, resolve_mt_model

    monkeypatch.setenv("SCODUB_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "cache" / "models" / "nllb" / "nllb-200-distilled-600M"
    shutil.copytree(TINY, folder)
    _damage(folder / "model.bin", "truncated")
    with pytest.raises(ModelError, match=r"damaged .*scodub models pull "
                       r"nllb-200-distilled-600M --force"):  # fmt: skip
        resolve_mt_model("nllb-200-distilled-600M")
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    with pytest.raises(ModelError, match="cannot fetch facebook/nllb-200-distilled-600M"):
        pull_nllb("nllb-200-distilled-600M")
