"""Where a CTranslate2 model runs (CPU or CUDA) and in which compute type, decided and
checked once, before any work (issue 7 item 3).

Every way the device can be wrong ends in one ``ConfigError`` line naming the option:
no GPU or no NVIDIA driver (CTranslate2 sees no CUDA device), a driver too old for the
CUDA runtime CTranslate2 was built with (it raises when asked about the device), and a
compute type the device does not support. ASR (``--device``), translation
(``--mt-device``) and the dub's back-check share this one function.
"""

from __future__ import annotations

import functools

from scodub.errors import ConfigError

DEVICES = ("auto", "cpu", "cuda")


@functools.lru_cache(maxsize=1)
def cuda_devices() -> tuple[int, str]:
    """(CUDA devices CTranslate2 can use, why none when 0)."""
    import ctranslate2

    try:
        count = int(ctranslate2.get_cuda_device_count())
        if count:
            ctranslate2.get_supported_compute_types("cuda")  # raises on a driver mismatch
    except RuntimeError as exc:
        return 0, str(exc)
    return count, "" if count else "no GPU or no NVIDIA driver found"


def resolve_device(
    device: str,
    compute_type: str | None,
    *,
    option: str,
    gpu_compute: str,
    cpu_compute: str = "int8",
) -> tuple[str, str]:
    """``(device, compute type)`` for ``device`` in ``DEVICES``; ``auto`` takes CUDA when
    it is usable, else the CPU. ``compute_type`` None or ``auto``: ``gpu_compute`` on
    CUDA, ``cpu_compute`` on the CPU. ``option`` names the CLI option in errors."""
    import ctranslate2

    if device not in DEVICES:
        raise ConfigError(f"{option} {device!r} is unknown; expected one of: {', '.join(DEVICES)}")
    gpus, why = cuda_devices()
    if device == "auto":
        device = "cuda" if gpus else "cpu"
    elif device == "cuda" and not gpus:
        raise ConfigError(
            f"{option} cuda: CUDA cannot be used on this machine ({why}); "
            f"use {option} cpu (or auto, which picks the GPU when there is one)"
        )
    if compute_type in (None, "auto"):
        compute_type = gpu_compute if device == "cuda" else cpu_compute
    try:
        supported = sorted(ctranslate2.get_supported_compute_types(device))
    except RuntimeError as exc:  # cuda_devices() said yes, but the runtime changed its mind
        raise ConfigError(f"{option} {device}: cannot be used ({exc}); use {option} cpu") from exc
    if compute_type not in supported and compute_type != "default":
        raise ConfigError(
            f"compute type {compute_type!r} is not supported on {device}; "
            f"expected one of: {', '.join(supported)}"
        )
    return device, compute_type
