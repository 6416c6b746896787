"""Mix a dub stem over the film's soundtrack and normalise the mix to EBU R128.

Ducking: the original is lowered under each line by an envelope from the cue times
(``scodub.dub.duck``: why not a compressor), applied with ffmpeg's ``amultiply``.

The original track carries dialogue, music and effects in one mix, so the whole bed is
ducked (the standard voice-over technique); the dub is matched to the original's
integrated loudness before mixing so that it takes the place of the original dialogue.

Loudness: ffmpeg ``loudnorm`` in two passes (measure, then linear normalisation with the
measured values; the integrated loudness of pass 1 is read by ``ebur128`` in the same run,
see ``_first_pass_report``), then an independent ``ebur128`` measurement of the written
file, which ``MixResult`` reports.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import ffmpeg

from scodub.dub.duck import (
    DUCK_ATTACK_MS,
    DUCK_DB,
    DUCK_RELEASE_MS,
    write_duck_envelope,
)
from scodub.errors import ConfigError, MediaError, OutputError
from scodub.fsutil import atomic_path, ensure_writable_dir
from scodub.media.decode import ON_FILM_TIMELINE
from scodub.media.ffmpeg import ffmpeg_exe, run_ffmpeg
from scodub.media.loudness import (
    EBU_R128,
    EBUR128_OPTIONS,
    GATING_BLOCK_MS,
    LOOP_SECONDS,
    SILENCE_LUFS,
    Loudness,
    LoudnessTarget,
    LoudnormStats,
    measure_loudness,
    parse_ebur128_summary,
    parse_loudnorm_json,
)
from scodub.media.probe import MediaInfo, choose_audio_stream, offset_options, probe
from scodub.scratch import temporary_folder

MIX_SAMPLE_RATE = 48000
#: Headroom kept below the true-peak ceiling for the normalising pass: the 192 kHz -> 48 kHz
#: resampling after loudnorm and the later AAC encode both add a little inter-sample peak.
TRUE_PEAK_MARGIN_DB = 0.5
#: Lossless mix formats by suffix (the mix is an intermediate; the delivery mux encodes it).
MIX_CODECS: dict[str, str] = {".wav": "pcm_s24le", ".flac": "flac"}
#: Power of two identical channels against one (ITU-R BS.1770 sums channel powers): a mono
#: dub played on both stereo channels measures this much louder than the mono file.
_DUAL_MONO_DB = 10.0 * math.log10(2.0)
#: loudnorm's loudness-range target, at most: above it, loudnorm cannot stay linear.
_LOUDNORM_MAX_LRA = 50.0
#: The limiter's ceiling sits this far under loudnorm's, leaving room for the small gain
#: that loudnorm still applies after limiting (limiting lowers the loudness a little).
_LIMITER_HEADROOM_DB = 0.5
#: Limit-and-measure rounds at most (each a decode of the mix; two suffice in practice).
_LIMITER_ROUNDS = 4
#: Channels of each mix layout.
LAYOUT_CHANNELS: dict[str, int] = {"stereo": 2, "5.1": 6, "7.1": 8}
#: Samples per frame handed to the encoder (FLAC's own default block size).
_OUTPUT_FRAME_SAMPLES = 4096
#: alimiter's input gain range (1/64 .. 64).
_LIMITER_MAX_GAIN_DB = 36.0


@dataclass(frozen=True, slots=True)
class MixResult:
    """The written mix and what ``ebur128`` measured on it."""

    path: Path
    loudness: Loudness
    #: "linear" (gain only), "limited" (true-peak limiter, then gain: the mix's peaks were
    #: too high for -23 LUFS at -1 dBTP) or "dynamic" (loudnorm compressed: should not occur)
    normalization: str
    dub_gain_db: float  # gain applied to the dub stem to match the original's dialogue level
    duck_db: float
    duration_ms: int
    background: bool
    target: LoudnessTarget = EBU_R128

    @property
    def integrated_lufs(self) -> float:
        return self.loudness.integrated_lufs

    @property
    def true_peak_dbtp(self) -> float:
        return self.loudness.true_peak_dbtp

    @property
    def lra(self) -> float:
        return self.loudness.lra

    @property
    def meets_target(self) -> bool:
        return self.loudness.meets(self.target)


@dataclass(frozen=True, slots=True)
class MixPlan:
    """What one mix command reads: the sources, the ducking envelope and the dub's gain."""

    original: Path
    audio_position: int
    dub_stem: Path
    duration_ms: int
    envelope: Path | None  # None: the dub goes over silence
    dub_gain_db: float
    sample_rate: int
    #: The mix's channel layout: the original's when it is 5.1 or 7.1, else stereo.
    layout: str = "stereo"
    #: The original's ``-itsoffset`` (``AudioStream.read_offset_ms``): read alone from an
    #: MPEG-TS it would start at 0, however late it plays.
    original_offset_ms: int = 0
    #: Gain into the true-peak limiter, or None when the mix needs no limiting.
    limiter_gain_db: float | None = None
    limiter_ceiling_db: float = EBU_R128.max_true_peak_dbtp - TRUE_PEAK_MARGIN_DB - 0.5


def _mix_stream(plan: MixPlan) -> Any:
    """The ffmpeg-python graph of the un-normalised stereo mix (limited if planned)."""
    rate, layout = plan.sample_rate, plan.layout
    # The voice in the centre: both channels of a stereo mix, the centre channel of 5.1/7.1.
    voice = "stereo|c0<c0|c1<c0" if layout == "stereo" else f"{layout}|FC<c0"
    dub = (
        ffmpeg.input(str(plan.dub_stem.absolute()))["a:0"]
        .filter("aresample", rate)
        .filter("aformat", channel_layouts="mono")
        .filter("pan", voice)
        .filter("volume", f"{plan.dub_gain_db:.2f}dB")
        .filter("apad")  # never let the dub end first: amix would rescale the bed then
    )
    if plan.envelope is None:
        seconds = plan.duration_ms / 1000
        bed = ffmpeg.input(f"anullsrc=r={rate}:cl={layout}:d={seconds:.3f}", f="lavfi")["a:0"]
    else:
        original = (
            ffmpeg.input(
                str(plan.original.absolute()), **offset_options(plan.original_offset_ms)
            )[f"a:{plan.audio_position}"]
            .filter("aresample", rate, **ON_FILM_TIMELINE)
            .filter("aformat", channel_layouts=layout)
            # Audio that ends before the picture: the bed runs on, silent, to its end.
            .filter("apad", whole_dur=f"{plan.duration_ms / 1000:.3f}")
        )
        every = "|".join(f"c{n}<c0" for n in range(LAYOUT_CHANNELS[layout]))
        envelope = (
            ffmpeg.input(str(plan.envelope.absolute()))["a:0"]
            .filter("aresample", rate)
            .filter("pan", f"{layout}|{every}")  # the same gain on every channel
        )
        bed = ffmpeg.filter([original, envelope], "amultiply")
    # normalize=0: a plain sum; loudnorm sets the level afterwards.
    mix = ffmpeg.filter([bed, dub], "amix", inputs=2, duration="first", normalize=0)
    if plan.limiter_gain_db is None:
        return mix
    # Brings the mix near the target and holds its peaks under loudnorm's ceiling, so
    # that loudnorm can stay linear. At 4x oversampling (192 kHz) a sample-peak limiter is
    # a true-peak limiter in the BS.1770 sense; latency=1 keeps the mix in sync.
    return mix.filter("aresample", 4 * plan.sample_rate).filter(
        "alimiter",
        level_in=f"{10 ** (plan.limiter_gain_db / 20):.6f}",
        limit=f"{10 ** (plan.limiter_ceiling_db / 20):.6f}",
        attack=5,
        release=50,
        level="false",
        latency="true",
    )


def _loudnorm_target_tp(target: LoudnessTarget) -> float:
    return target.max_true_peak_dbtp - TRUE_PEAK_MARGIN_DB


def _loudnorm_target(target: LoudnessTarget) -> dict[str, float]:
    return {"I": target.integrated_lufs, "TP": _loudnorm_target_tp(target)}


def _linear_possible(measured: LoudnormStats, target: LoudnessTarget) -> bool:
    """loudnorm's own rule for linear mode: the gained peaks stay under its ceiling."""
    gain = target.integrated_lufs - measured.input_i
    return (
        measured.input_tp + gain <= _loudnorm_target_tp(target)
        and measured.input_lra < _LOUDNORM_MAX_LRA
    )


def measure_pass_command(plan: MixPlan, target: LoudnessTarget = EBU_R128) -> list[str]:
    """Pass 1: ebur128 and loudnorm both measure the mix; nothing is written. A mix
    shorter than one gating block is measured looped (``scodub.media.loudness``)."""
    mix = _mix_stream(plan)
    if plan.duration_ms < GATING_BLOCK_MS:
        rate = plan.sample_rate * (1 if plan.limiter_gain_db is None else 4)
        mix = mix.filter("aloop", loop=-1, size=plan.duration_ms * rate // 1000 + rate // 10)
        mix = mix.filter("atrim", duration=LOOP_SECONDS)
    # ebur128 passes the audio on unchanged, to loudnorm.
    graph = mix.filter("ebur128", **EBUR128_OPTIONS).filter(
        "loudnorm", LRA=_LOUDNORM_MAX_LRA, print_format="json", **_loudnorm_target(target)
    )
    return list(
        graph.output("-", format="null")
        .global_args("-nostdin", "-hide_banner", "-nostats", "-loglevel", "info")
        .compile(cmd=ffmpeg_exe())
    )


def normalize_pass_command(
    plan: MixPlan, measured: LoudnormStats, out: Path, target: LoudnessTarget = EBU_R128
) -> list[str]:
    """Pass 2: linear normalisation with pass 1's measurements, written to ``out``."""
    # The loudness-range target must not be below the measured range, or loudnorm leaves
    # linear mode and compresses (which would undo part of the ducking).
    lra_target = min(_LOUDNORM_MAX_LRA, max(7.0, math.ceil(measured.input_lra + 1.0)))
    graph = _mix_stream(plan).filter(
        "loudnorm",
        LRA=lra_target,
        measured_I=f"{measured.input_i:.2f}",
        measured_TP=f"{measured.input_tp:.2f}",
        # loudnorm reads a measured range of 0 as "not measured" and leaves linear mode; a
        # programme of one 3 s window (a 3.0 s film) or a steady tone measures exactly 0.
        measured_LRA=f"{max(measured.input_lra, 0.01):.2f}",
        measured_thresh=f"{measured.input_thresh:.2f}",
        offset=f"{measured.target_offset:.2f}",
        linear="true",
        print_format="json",
        **_loudnorm_target(target),
    )
    # loudnorm works (and outputs) at 192 kHz; bring it back to the mix rate.
    graph = graph.filter("aresample", plan.sample_rate)
    # On a programme shorter than its 3 s window, loudnorm hands on the whole programme as
    # one frame (119,984 samples for a 2.5 s film), which the FLAC encoder refuses (at most
    # 65,535 per block): films of 1.4-2.9 s failed. Re-cut into blocks, the last not padded.
    graph = graph.filter("asetnsamples", n=_OUTPUT_FRAME_SAMPLES, p=0)
    suffix = Path(out).suffix.lower()
    return list(
        graph.output(
            str(Path(out).absolute()),
            acodec=MIX_CODECS[suffix],
            ar=plan.sample_rate,
            ac=LAYOUT_CHANNELS[plan.layout],
            # past RIFF's 4 GiB (a 5.1 feature over 83 min), RF64: plain WAV sizes break
            **({"rf64": "auto"} if suffix == ".wav" else {}),
        )
        .global_args("-nostdin", "-hide_banner", "-nostats", "-loglevel", "info", "-y")
        .compile(cmd=ffmpeg_exe())
    )


def _run(cmd: list[str], what: str, path: Path) -> str:
    """ffmpeg's stderr (the measurements); a failure blames the film, or the tool or the
    disk when they are the cause (``run_ffmpeg``). ``path`` is the mix being made."""
    return run_ffmpeg(cmd, what=what, source=path, writes=path, keep_stdout=False).stderr


def _first_pass_report(stderr: str, out: Path) -> LoudnormStats:
    """loudnorm's measurements, with the integrated loudness read by ebur128.

    loudnorm's own meter reads up to 0.4 LU away from ebur128 on a ducked mix (long quiet
    stretches between lines; -19.3 against -19.0 LUFS on the sample film, where an
    independent BS.1770 implementation agrees with ebur128). The linear pass applies
    exactly ``target - measured_I``, so feeding it the reference reading lands the mix on
    the target as ebur128 (and any BS.1770 meter) measures it. The true peak is the higher
    of the two readings.
    """
    stats = _loudnorm_report(stderr, out)
    try:
        reference = parse_ebur128_summary(stderr)
    except ValueError as exc:
        raise MediaError(out, f"cannot read ebur128's measurements ({exc})") from exc
    if reference.is_silent:
        return stats
    return replace(
        stats,
        input_i=reference.integrated_lufs,
        input_tp=max(stats.input_tp, reference.true_peak_dbtp),
    )


def _loudnorm_report(stderr: str, out: Path) -> LoudnormStats:
    try:
        return parse_loudnorm_json(stderr)
    except ValueError as exc:
        raise MediaError(out, f"cannot read loudnorm's measurements ({exc})") from exc


def _validate_cues(cues_ms: Sequence[tuple[int, int]]) -> None:
    for number, cue in enumerate(cues_ms, start=1):
        start, end = cue
        if not (isinstance(start, int) and isinstance(end, int)) or start < 0 or end <= start:
            raise ConfigError(
                f"dub cue {number} has times {cue!r}; expected whole milliseconds with "
                "0 <= start < end"
            )


def mix_layout(channels: int) -> str:
    """The mix's channel layout for an original of ``channels``: a surround original
    keeps its layout (a 5.1 film gets a 5.1 dub), anything else is mixed in stereo."""
    return {6: "5.1", 8: "7.1"}.get(channels, "stereo")


def _matching_dub_gain(
    original_level: Loudness, dub_stem: Path, channels: int, layout: str = "stereo"
) -> float:
    """Gain that gives the dub the original's integrated loudness (0 if either is silent).

    The dub takes the place of the original dialogue, and a film's integrated loudness is
    its dialogue loudness in practice: BS.1770's relative gate drops the quiet stretches.
    """
    dub_level = measure_loudness(dub_stem, 0)
    if original_level.is_silent or dub_level.is_silent:
        return 0.0
    # As placed: a mono voice on both stereo channels measures 3 dB louder than the file;
    # on a surround mix's centre channel alone, as loud.
    dual = channels == 1 and layout == "stereo"
    as_placed = dub_level.integrated_lufs + (_DUAL_MONO_DB if dual else 0.0)
    return original_level.integrated_lufs - as_placed


def _measure(plan: MixPlan, target: LoudnessTarget, out: Path) -> tuple[MixPlan, LoudnormStats]:
    """Pass 1, and the plan it leads to: limited first when linear gain cannot reach the
    target under the true-peak ceiling."""
    first = _first_pass_report(
        _run(measure_pass_command(plan, target), "measure the mix", out), out
    )
    if not math.isfinite(first.input_i) or first.input_i <= SILENCE_LUFS:
        raise MediaError(plan.dub_stem, "the mix is silent: nothing to normalise")
    limiter_gain_db = 0.0
    for _ in range(_LIMITER_ROUNDS):
        if _linear_possible(first, target):
            break
        # Peaks too high for the target (peak-to-loudness ratio over 22 dB, common in
        # theatrical mixes): limit them, measure again. Limiting lowers the loudness a
        # little, so the next round raises the limiter's input gain by the shortfall.
        limiter_gain_db += target.integrated_lufs - first.input_i
        limiter_gain_db = max(-_LIMITER_MAX_GAIN_DB, min(_LIMITER_MAX_GAIN_DB, limiter_gain_db))
        plan = replace(
            plan,
            limiter_gain_db=limiter_gain_db,
            limiter_ceiling_db=_loudnorm_target_tp(target) - _LIMITER_HEADROOM_DB,
        )
        first = _first_pass_report(
            _run(measure_pass_command(plan, target), "measure the limited mix", out), out
        )
    return plan, first


def mix_dub(
    original_audio: Path,
    stream_index: int,
    dub_stem: Path,
    cues_ms: Sequence[tuple[int, int]],
    out: Path,
    *,
    background: bool = True,
    duck_db: float = DUCK_DB,
    attack_ms: int = DUCK_ATTACK_MS,
    release_ms: int = DUCK_RELEASE_MS,
    sample_rate: int = MIX_SAMPLE_RATE,
    target: LoudnessTarget = EBU_R128,
    original_info: MediaInfo | None = None,
    original_loudness: Loudness | None = None,
) -> MixResult:
    """Mix ``dub_stem`` over audio stream ``stream_index`` of ``original_audio`` and write
    a loudness-normalised stereo mix to ``out`` (``.wav`` or ``.flac``), atomically.

    ``stream_index`` is the n-th *audio* stream (ffmpeg's ``a:N``, the ``position`` of
    ``scodub.media.probe.AudioStream``). ``cues_ms`` are the (start, end) times of the dub lines:
    the original is ducked by ``duck_db`` under them. ``background=False`` puts the dub
    over silence of the original's length instead. The mix ends where the original ends.
    ``original_info`` and ``original_loudness`` (the stream's) spare probing and measuring
    the original again when the caller has them (once per film, not once per language).
    """
    original_audio, dub_stem, out = Path(original_audio), Path(dub_stem), Path(out)
    if not 0.0 <= duck_db <= 60.0:
        raise ConfigError(f"duck_db {duck_db} is out of range; expected 0 to 60 dB of ducking")
    if attack_ms < 0 or release_ms < 0:
        raise ConfigError("duck attack and release must be >= 0 ms")
    if sample_rate not in (44100, 48000, 96000):
        raise ConfigError(f"sample rate {sample_rate} is not supported; use 44100, 48000, 96000")
    if out.suffix.lower() not in MIX_CODECS:
        raise OutputError(
            f"{out}: a mix is written as {' or '.join(MIX_CODECS)}, not {out.suffix or 'nothing'}"
        )
    _validate_cues(cues_ms)
    info = original_info or probe(original_audio)
    source = choose_audio_stream(info, position=stream_index)
    dub_info = probe(dub_stem)
    if not dub_info.audio:
        raise MediaError(dub_stem, "the dub stem has no audio stream")
    ensure_writable_dir(out.parent)
    duration_ms = info.timeline_ms(source)

    dub_gain_db = (
        _matching_dub_gain(
            original_loudness or measure_loudness(original_audio, source.position),
            dub_stem,
            dub_info.audio[0].channels,
            mix_layout(source.channels),
        )
        if background
        else 0.0
    )

    with temporary_folder("mix-") as scratch:
        envelope_path: Path | None = None
        if background:
            envelope_path = scratch / "duck.wav"
            # One extra second of full gain: amultiply stops with the shorter input.
            write_duck_envelope(
                envelope_path,
                cues_ms,
                duration_ms + 1000,
                duck_db=duck_db,
                attack_ms=attack_ms,
                release_ms=release_ms,
            )
        plan = MixPlan(
            original=original_audio.absolute(),
            audio_position=source.position,
            dub_stem=dub_stem.absolute(),
            duration_ms=duration_ms,
            envelope=envelope_path,
            dub_gain_db=dub_gain_db,
            sample_rate=sample_rate,
            layout=mix_layout(source.channels),
            original_offset_ms=source.read_offset_ms,
        )
        plan, first = _measure(plan, target, out)
        with atomic_path(out) as tmp:
            command = normalize_pass_command(plan, first, tmp, target)
            stderr = _run(command, "normalise the mix", out)
            second = _loudnorm_report(stderr, out)
            measured = measure_loudness(tmp)
    normalization = second.normalization_type or "unknown"
    if plan.limiter_gain_db is not None and normalization == "linear":
        normalization = "limited"
    return MixResult(
        path=out,
        loudness=measured,
        normalization=normalization,
        dub_gain_db=round(dub_gain_db, 2),
        duck_db=duck_db if background else 0.0,
        duration_ms=duration_ms,
        background=background,
        target=target,
    )
