"""A device that cannot be used is one line before any work (issue 7 item 3), for ASR
(``--device``), translation (``--mt-device``) and the dub's back-check (``dub --device``).

The CLI cases run the real console entry point in a child process with
``CUDA_VISIBLE_DEVICES=""``, so CTranslate2 sees no GPU on any machine (with or without
one); the driver-mismatch case (a GPU whose driver is older than the CUDA runtime, which
makes CTranslate2 raise) is driven through ``scodub.devices`` directly.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLE
from scodub import devices
from scodub.errors import ConfigError

TINY_NLLB = ROOT / "tests" / "data" / "tiny-nllb"
SRT = "1\n00:00:01,000 --> 00:00:03,000\nAnd so my fellow Americans.\n"


def _scodub(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "CUDA_VISIBLE_DEVICES": ""}
    return subprocess.run(
        [sys.executable, "-m", "scodub", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


MT = ["--mt-model", str(TINY_NLLB), "--mt-device", "cuda"]


@pytest.mark.parametrize(
    ("command", "option"),
    [
        (["transcribe", str(SAMPLE), "--device", "cuda"], "--device cuda"),
        (["run", str(SAMPLE), "--langs", "ru", *MT], "--mt-device cuda"),
        (["translate", "{srt}", "--to", "ru", *MT], "--mt-device cuda"),
        (["dub", str(SAMPLE), "--track", "en={srt}", "--device", "cuda"], "--device cuda"),
    ],
    ids=["transcribe", "run-mt", "translate", "dub-backcheck"],
)
def test_cuda_without_a_gpu_is_one_line_before_any_work(
    command: list[str], option: str, tmp_path: Path
) -> None:
    srt = tmp_path / "film.en.srt"
    srt.write_text(SRT, encoding="utf-8")
    out = tmp_path / "out"
    args = [a.replace("{srt}", str(srt)) for a in command]
    result = _scodub(*args, "--out", str(out))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{option}: CUDA cannot be used" in lines[0], result.stderr
    assert "cpu" in lines[0]
    written = [p.name for p in out.rglob("*") if p.is_file()] if out.exists() else []
    assert not [n for n in written if not n.startswith(".scodub-probe")], written


def test_unsupported_compute_type_is_one_line(tmp_path: Path) -> None:
    result = _scodub(
        "transcribe", str(SAMPLE), "--device", "cpu", "--compute-type", "float16",
        "--out", str(tmp_path),
    )  # fmt: skip
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "compute type 'float16' is not supported on cpu" in result.stderr


def test_a_driver_mismatch_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import ctranslate2

    def broken(device: str) -> set[str]:
        if device == "cuda":
            raise RuntimeError("CUDA driver version is insufficient for CUDA runtime version")
        return {"int8", "float32"}

    devices.cuda_devices.cache_clear()
    monkeypatch.setattr(ctranslate2, "get_cuda_device_count", lambda: 1)
    monkeypatch.setattr(ctranslate2, "get_supported_compute_types", broken)
    try:
        with pytest.raises(ConfigError, match="--device cuda: CUDA cannot be used on this "
                           "machine \\(CUDA driver version is insufficient"):  # fmt: skip
            devices.resolve_device("cuda", "auto", option="--device", gpu_compute="float16")
        # auto falls back to the CPU instead of failing.
        assert devices.resolve_device("auto", "auto", option="--device", gpu_compute="float16") == (
            "cpu",
            "int8",
        )
    finally:
        devices.cuda_devices.cache_clear()
