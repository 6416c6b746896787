"""Loudness measurement (EBU R128 / ITU-R BS.1770) with the real ffmpeg binary.

``measure_loudness`` runs ffmpeg's ``ebur128`` scanner (true-peak mode) over one audio
stream and parses its summary; ``parse_loudnorm_json`` reads the JSON block that the
``loudnorm`` filter prints, which the two-pass normalisation in ``scodub.dub.mix`` needs.
Both parsers take the whole stderr text and look for the *last* report in it, so log
lines that other filters or ffmpeg itself print around the report do not disturb them.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import ffmpeg

from scodub.errors import MediaError
from scodub.langs import DUBBING
from scodub.media.ffmpeg import ffmpeg_exe, run_ffmpeg

#: What ebur128 and loudnorm print for an empty or silent measurement.
SILENCE_LUFS = -70.0


@dataclass(frozen=True, slots=True)
class LoudnessTarget:
    """A delivery loudness target: integrated loudness, its tolerance, the true-peak ceiling."""

    integrated_lufs: float
    tolerance_lu: float
    max_true_peak_dbtp: float


#: EBU R128 for a delivered mix (STANDARDS.md, "Dubbing audio"): -23 LUFS +-1, <= -1 dBTP.
EBU_R128 = LoudnessTarget(
    integrated_lufs=DUBBING.loudness_lufs,
    tolerance_lu=DUBBING.loudness_tolerance_lu,
    max_true_peak_dbtp=DUBBING.max_true_peak_dbtp,
)


@dataclass(frozen=True, slots=True)
class Loudness:
    """One programme's loudness: integrated (LUFS), true peak (dBTP), loudness range (LU).

    Silence measures ``integrated_lufs == -70`` (the absolute gate) and
    ``true_peak_dbtp == -inf``.
    """

    integrated_lufs: float
    true_peak_dbtp: float
    lra: float

    def meets(self, target: LoudnessTarget = EBU_R128) -> bool:
        return (
            abs(self.integrated_lufs - target.integrated_lufs) <= target.tolerance_lu
            and self.true_peak_dbtp <= target.max_true_peak_dbtp
        )

    @property
    def is_silent(self) -> bool:
        return self.integrated_lufs <= SILENCE_LUFS


def _number(text: str) -> float:
    """A level as ffmpeg prints it: ``-23.1``, ``+0.5``, ``-inf``, ``inf`` or ``nan``."""
    return float(text.strip())


# The ebur128 summary (libavfilter/f_ebur128.c, uninit):
#   Integrated loudness:\n    I:  -23.0 LUFS\n    Threshold: ...
#   Loudness range:\n    LRA:  5.3 LU\n ...
#   True peak:\n    Peak:  -3.5 dBFS
_LEVEL = r"([-+]?(?:\d+(?:\.\d*)?|\.\d+|inf|nan))"
_SUMMARY_I = re.compile(r"Integrated loudness:\s*I:\s*" + _LEVEL + r"\s*LUFS", re.IGNORECASE)
_SUMMARY_LRA = re.compile(r"Loudness range:\s*LRA:\s*" + _LEVEL + r"\s*LU\b", re.IGNORECASE)
_SUMMARY_TP = re.compile(r"True peak:\s*Peak:\s*" + _LEVEL + r"\s*dBFS", re.IGNORECASE)


def parse_ebur128_summary(stderr: str) -> Loudness:
    """The last ``Summary:`` block of ffmpeg's ebur128 filter (run with ``peak=true``).

    Raises ``ValueError`` when the text holds no complete summary.
    """
    start = stderr.rfind("Summary:")
    if start < 0:
        raise ValueError("no ebur128 summary in ffmpeg's output")
    block = stderr[start:]
    found = [rx.search(block) for rx in (_SUMMARY_I, _SUMMARY_LRA, _SUMMARY_TP)]
    missing = [name for name, m in zip(("I", "LRA", "true peak"), found, strict=True) if not m]
    if missing:
        raise ValueError(f"ebur128 summary lacks {', '.join(missing)} (was peak=true set?)")
    integrated, lra, peak = (_number(m.group(1)) for m in found if m)
    if math.isnan(integrated):
        integrated = SILENCE_LUFS
    return Loudness(integrated_lufs=integrated, true_peak_dbtp=peak, lra=lra)


@dataclass(frozen=True, slots=True)
class LoudnormStats:
    """loudnorm's ``print_format=json`` report: what it measured on its input and output."""

    input_i: float
    input_tp: float
    input_lra: float
    input_thresh: float
    output_i: float
    output_tp: float
    output_lra: float
    output_thresh: float
    normalization_type: str  # "linear" or "dynamic"
    target_offset: float


_LOUDNORM_KEYS = (
    "input_i",
    "input_tp",
    "input_lra",
    "input_thresh",
    "output_i",
    "output_tp",
    "output_lra",
    "output_thresh",
    "target_offset",
)


def parse_loudnorm_json(stderr: str) -> LoudnormStats:
    """The last JSON object loudnorm printed (``print_format=json``) in ffmpeg's stderr.

    loudnorm prints every value as a string (``"-27.61"``, ``"-inf"``); they become floats.
    Raises ``ValueError`` when no complete report is found.
    """
    decoder = json.JSONDecoder()
    start = stderr.rfind("{")
    while start >= 0:
        try:
            obj, _ = decoder.raw_decode(stderr, start)  # ignores the text after the object
        except json.JSONDecodeError:
            obj = None
        if isinstance(obj, Mapping) and all(key in obj for key in _LOUDNORM_KEYS):
            values = {key: _number(str(obj[key])) for key in _LOUDNORM_KEYS}
            return LoudnormStats(
                normalization_type=str(obj.get("normalization_type", "")).strip().lower(),
                **values,
            )
        start = stderr.rfind("{", 0, start)
    raise ValueError("no loudnorm JSON report in ffmpeg's output")


#: ebur128 logs one line per 100 ms block (36,000 lines for an hour) at its ``framelog``
#: level and the summary at "info": at "verbose" the blocks fall under the "-loglevel info"
#: of every scan. (framelog=quiet says it better, but ffmpeg 5.1 and older refuse it.)
EBUR128_OPTIONS = {"peak": "true", "framelog": "verbose"}


#: ITU-R BS.1770 gates 400 ms blocks: a shorter programme has no integrated loudness, so
#: it is measured looped to LOOP_SECONDS (the loudness it has, heard over and over).
GATING_BLOCK_MS = 400
LOOP_SECONDS = 3.0


def ebur128_command(path: Path, stream: int | None = None, *, looped: bool = False) -> list[str]:
    """The ffmpeg argument list that scans audio stream ``stream`` (n-th audio) of ``path``
    (``looped``: played over and over for ``LOOP_SECONDS``)."""
    loop = {"stream_loop": -1, "t": LOOP_SECONDS} if looped else {}
    source = ffmpeg.input(str(Path(path).absolute()), **loop)
    audio = source[f"a:{stream}"] if stream is not None else source["a:0"]
    scanned = audio.filter("ebur128", **EBUR128_OPTIONS)
    return list(
        scanned.output("-", format="null")
        .global_args("-nostdin", "-hide_banner", "-nostats", "-loglevel", "info")
        .compile(cmd=ffmpeg_exe())
    )


def measure_loudness(path: Path, stream: int | None = None) -> Loudness:
    """Integrated loudness, true peak and loudness range of one audio stream.

    ``stream`` is the n-th audio stream of the file (ffmpeg's ``a:N``, the ``position`` of
    ``scodub.media.probe.AudioStream``); the first when None.
    """
    path = Path(path)
    if not path.is_file():
        raise MediaError(path, "file does not exist")
    level = _scan(path, stream, looped=False)
    if level.is_silent and math.isfinite(level.true_peak_dbtp):
        # Sound, but no gating block: shorter than 400 ms (or quieter than -70 LUFS).
        looped = _scan(path, stream, looped=True)
        level = Loudness(looped.integrated_lufs, level.true_peak_dbtp, level.lra)
    return level


def _scan(path: Path, stream: int | None, *, looped: bool) -> Loudness:
    command = ebur128_command(path, stream, looped=looped)
    stderr = run_ffmpeg(command, what="measure loudness", source=path, keep_stdout=False).stderr
    try:
        return parse_ebur128_summary(stderr)
    except ValueError as exc:
        raise MediaError(path, f"cannot measure loudness ({exc})") from exc
