"""The delivery: a film dubbed into every language, in one file.

``DeliverStage`` muxes ``<film>.dub.mkv`` with the picture, the original audio, one dub
and one subtitle track per language, all tagged (``media.mux``), and writes the optional
stems ``<film>.<lang>.dub.wav`` or ``.m4a``. ``dub_film`` is the ``scodub dub`` job:
it checks every input and target before the first line is synthesized (the film's picture
can be copied into Matroska, each track and voice, the Whisper model for the back-check,
no target already there unless forced), then runs the dub, back-check and delivery stages.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from scodub import __version__, naming
from scodub.asr.whisper import AsrSettings, resolve_device
from scodub.data import Track
from scodub.dub.backcheck import Backcheck
from scodub.dub.checks import check_dub_track, check_speakable
from scodub.dub.fitting import FitSummary, FittedLine, summarize
from scodub.dub.mix import MixResult
from scodub.dub.voices import VoiceInfo
from scodub.errors import ConfigError, OutputError
from scodub.fsutil import ensure_writable_dir, write_json_atomic
from scodub.langs import get_language
from scodub.media.ffmpeg import check_ffmpeg
from scodub.media.mux import (
    DeliveryTrack,
    TrackKind,
    check_video_copyable,
    delivery_path,
    export_dub_stem,
    mux_delivery,
    stem_path,
)
from scodub.media.probe import StreamInfo, probe_streams, require_file
from scodub.serial import from_plain, to_plain
from scodub.stages.backcheck import BackcheckStage
from scodub.stages.base import (
    Outcome,
    Progress,
    Stage,
    StageContext,
    cached,
    is_cached,
    register,
)
from scodub.stages.dub import DubResult, DubSettings, DubStage, StemFormat
from scodub.stages.film import Film, open_film
from scodub.stages.outputs import output_lock
from scodub.text.srt import read_srt


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    delivery: Path
    streams: tuple[StreamInfo, ...]
    stems: dict[str, Path]

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = to_plain(self)
        return data

    def files(self) -> tuple[Path, ...]:
        return (self.delivery, *self.stems.values())


@register
@dataclass(frozen=True, slots=True)
class DeliverStage(Stage[DeliveryResult]):
    film: Film
    out_dir: Path
    dubs: tuple[DubStage, ...]
    stems: StemFormat | None = None  # also write each language's mix alone

    name = "deliver"

    def deps(self) -> tuple[Stage[Any], ...]:
        return self.dubs

    def identity(self) -> dict[str, Any]:
        return {"out": str(self.out_dir.resolve()), "stems": self.stems}

    def run(self, ctx: StageContext) -> DeliveryResult:
        done = [(dub.language, ctx.result(dub)) for dub in self.dubs]
        tracks = [DeliveryTrack(code, TrackKind.DUB, result.mix.path) for code, result in done]
        tracks += [  # a film with no speech has no subtitles to carry
            DeliveryTrack(code, TrackKind.SUBTITLE, result.subtitles)
            for code, result in done
            if result.lines or result.subtitles.stat().st_size
        ]
        target = delivery_path(self.film.path, self.out_dir)
        # Overwriting was decided before any work (``refuse_foreign``). The note says that
        # the targets are this stage's from here on: a run killed while writing them, run
        # again, may finish them.
        write_json_atomic(_pending(self, ctx), [str(t) for t in self.targets()])
        mux_delivery(
            self.film.path, target, tracks, force=True, streams=self.film.info.streams,
            original=self.film.audio_position,
        )  # fmt: skip
        stems: dict[str, Path] = {}
        if self.stems is not None:
            fmt = self.stems
            for code, result in done:
                stems[code] = export_dub_stem(
                    result.mix.path, self.film.path, code, fmt=fmt, folder=self.out_dir, force=True
                )
        return DeliveryResult(target, tuple(probe_streams(target)), stems)

    def load_result(self, data: dict[str, Any], ctx: StageContext) -> DeliveryResult:
        return from_plain(DeliveryResult, data)

    def targets(self) -> list[Path]:
        codes = [dub.language for dub in self.dubs]
        return delivery_targets(self.film.path, self.out_dir, codes, self.stems)


def _pending(stage: DeliverStage, ctx: StageContext) -> Path:
    return ctx.cache.path(stage.name, stage.key(), ".pending")


def refuse_foreign(stage: DeliverStage, ctx: StageContext, force: bool) -> None:
    """Refuse (unless ``force``) to overwrite delivery files that this very stage did not
    write: its finished result (reused as it is) and the files of the same stage killed
    while writing them (no result stored: written again) are its own."""
    if force or is_cached(stage, ctx):
        return
    if _pending(stage, ctx).is_file() and ctx.cache.load(stage.name, stage.key()) is None:
        return
    refuse_existing(stage.targets(), force)



@dataclass(frozen=True, slots=True)
class LanguageDub:
    """One language's finished dub, as the report gives it: how it was had, its back-check."""

    language: str
    source: str  # the SRT file it came from (or "<lang> track" for an in-memory track)
    voice: VoiceInfo
    lines: tuple[FittedLine, ...]  # without their audio (the mix holds it)
    mix: MixResult
    subtitles: Path  # the UTF-8 SRT that goes into the delivery file
    key: str
    cached: bool
    seconds: float
    backcheck: Backcheck | None = None
    cast: Mapping[str, VoiceInfo] = field(default_factory=dict)  # speaker -> voice

    @classmethod
    def of(cls, dub: Outcome[DubResult], check: Outcome[Backcheck] | None) -> LanguageDub:
        stage, result = dub.stage, dub.result
        assert isinstance(stage, DubStage)
        backcheck = None
        if check is not None:
            backcheck = from_plain(Backcheck, {**check.result.to_json(), "cached": check.reused})
        seconds = dub.seconds + (check.seconds if check else 0.0)
        return cls(
            stage.language, stage.source_name, result.voice, result.lines, result.mix,
            result.subtitles, stage.key(), dub.reused, seconds, backcheck, result.cast,
        )  # fmt: skip

    @property
    def fit(self) -> FitSummary:
        return summarize(self.language, self.voice.voice, self.lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "source": self.source,
            "voice": self.voice.to_json(),
            "fit": self.fit.to_json(),
            "loudness": {
                "integrated_lufs": round(self.mix.integrated_lufs, 2),
                "true_peak_dbtp": round(self.mix.true_peak_dbtp, 2),
                "lra": round(self.mix.lra, 2),
                "meets_target": self.mix.meets_target,
                "target": asdict(self.mix.target),
                "normalization": self.mix.normalization,
                "dub_gain_db": self.mix.dub_gain_db,
                "duck_db": self.mix.duck_db,
                "background": self.mix.background,
            },
            "backcheck": self.backcheck.to_json() if self.backcheck else None,
            "speakers": {speaker: info.to_json() for speaker, info in self.cast.items()},
            "cached": self.cached,
            "seconds": round(self.seconds, 3),
            "mix": str(self.mix.path),
            "subtitles": str(self.subtitles),
            "lines": [line.to_json() for line in self.lines],
        }


@dataclass(frozen=True, slots=True)
class DubReport:
    """The whole run: every language, the delivery file and what it holds."""

    film: Path
    out_dir: Path
    delivery: Path
    streams: tuple[StreamInfo, ...]
    languages: tuple[LanguageDub, ...]
    stems: dict[str, Path]
    seconds: float

    def warnings(self) -> list[str]:
        """Problems a person must look at (the delivery was still written)."""
        found: list[str] = []
        for dub in self.languages:
            summary = dub.fit
            if summary.not_fitted:
                cues = ", ".join(str(line.index) for line in summary.not_fitted)
                found.append(
                    f"{dub.language}: {len(summary.not_fitted)} line(s) too long for their slot "
                    f"at the fastest allowed speed, cut at the slot's end (cue {cues})"
                )
            truncated = [line for line in summary.not_fitted if line.truncated]
            if truncated:
                cut = ", ".join(f"{x.index}: {x.unvoiced_chars} characters" for x in truncated)
                found.append(
                    f"{dub.language}: {len(truncated)} cue(s) hold more text than their slot "
                    f"can say at the fastest allowed speed; the rest was not voiced (cue {cut})"
                )
            found.extend(_shared_voices(dub.language, dub.cast))
            if not dub.mix.meets_target:
                target = dub.mix.target
                found.append(
                    f"{dub.language}: the mix misses EBU R128: {dub.mix.integrated_lufs:.1f} "
                    f"LUFS, {dub.mix.true_peak_dbtp:.1f} dBTP (target "
                    f"{target.integrated_lufs:.0f} ±{target.tolerance_lu:.0f} LUFS, at most "
                    f"{target.max_true_peak_dbtp:.0f} dBTP)"
                )
        return found

    def to_json(self) -> dict[str, Any]:
        return {
            "scodub": __version__,
            "film": str(self.film),
            "out_dir": str(self.out_dir),
            "delivery": str(self.delivery),
            "streams": [asdict(stream) for stream in self.streams],
            "languages": {dub.language: dub.to_json() for dub in self.languages},
            "stems": {code: str(path) for code, path in self.stems.items()},
            "warnings": self.warnings(),
            "seconds": round(self.seconds, 3),
        }


def delivery_targets(
    film: Path, out_dir: Path, codes: Sequence[str], stems: StemFormat | None
) -> list[Path]:
    """Every file the delivery writes in ``out_dir``."""
    targets = [delivery_path(film, out_dir)]
    if stems is not None:
        targets += [stem_path(film, code, stems, out_dir) for code in codes]
    return targets


def refuse_existing(targets: Sequence[Path], force: bool) -> None:
    if force:
        return
    for target in targets:
        if target.exists():
            raise OutputError(f"{target}: already exists; pass --force to overwrite it")


def dub_stages(
    film: Film,
    dubs: Sequence[DubStage],
    out_dir: Path,
    settings: DubSettings,
    asr: AsrSettings,
) -> tuple[list[BackcheckStage], DeliverStage]:
    """The back-check (where asked) and delivery stages over ``dubs``."""
    checks = [BackcheckStage.build(dub, asr) for dub in dubs] if settings.backcheck else []
    return checks, DeliverStage(film, Path(out_dir).resolve(), tuple(dubs), settings.stems)


def check_delivery(
    film: Film,
    codes: Sequence[str],
    out_dir: Path,
    settings: DubSettings,
    inputs: Mapping[str, Path] | None = None,
) -> None:
    """What the delivery needs, checked before any work: names the file system takes, no
    folder where an output goes, no output that is one of the inputs (``inputs``: the film
    is always one), the picture can be copied into Matroska, the folder is writable.
    Targets that exist: ``refuse_foreign``, once the stages are built."""
    targets = delivery_targets(film.path, out_dir, codes, settings.stems)
    outputs = [*targets, naming.dub_report_path(out_dir, film.path)]
    naming.check_names(outputs)
    for output in outputs:  # --force replaces a file, never a folder
        if output.is_dir():
            raise OutputError(
                f"{output}: is a folder, where this output goes; move it away or choose "
                "another --out"
            )
    naming.refuse_inputs(outputs, {"film": film.path, **(inputs or {})})
    check_video_copyable(film.path, film.info.streams)
    ensure_writable_dir(out_dir)


def dub_report(
    ctx: StageContext, checks: Sequence[BackcheckStage], deliver: DeliverStage, started: float
) -> DubReport:
    """Run the back-checks and the delivery (the dubs on the way) and report."""
    by_language = {check.dub.language: cached(check, ctx) for check in checks}
    done = cached(deliver, ctx).result
    languages = tuple(
        LanguageDub.of(cached(dub, ctx), by_language.get(dub.language)) for dub in deliver.dubs
    )
    return DubReport(
        deliver.film.path, deliver.out_dir, done.delivery, done.streams, languages, done.stems,
        time.perf_counter() - started,
    )  # fmt: skip


def _language_codes(tracks: Mapping[str, Track | Path], settings: DubSettings) -> list[str]:
    codes: list[str] = []
    for given in tracks:
        code = get_language(given).code
        if code in codes:
            raise ConfigError(f"two tracks for {get_language(code).name} ({code}); give one")
        codes.append(code)
    if not codes:
        raise ConfigError("nothing to dub: give at least one track (--track LANG=FILE.srt)")
    unused = sorted({*settings.voices, *settings.speaker_voices} - set(codes))
    if unused:
        raise ConfigError(
            f"--voice for {', '.join(unused)} but no track in that language; tracks: "
            + ", ".join(codes)
        )
    return codes


def given_dub(
    film: Film, code: str, value: Track | Path | str, settings: DubSettings, ctx: StageContext
) -> DubStage:
    """The dub stage for a track given as a Track or an SRT file (read and checked now)."""
    if isinstance(value, Track):
        if get_language(value.language).code != code:
            raise ConfigError(
                f"the track given for {code} is in {value.language}; give each language its "
                "own track"
            )
        track, source = value, str(value.meta.get("path", f"{code} track"))
    else:
        track = read_srt(Path(value), code, encoding=settings.encoding, fps=film.fps)
        source = str(value)
    stage = DubStage.build(film, code, settings, ctx, track=track, source_name=source)
    check_dub_track(track, film.duration_ms, source)
    check_speakable(track, stage.voice(ctx), source)
    return stage


def dub_film(
    film: Path,
    tracks: Mapping[str, Track | Path],
    out_dir: Path,
    settings: DubSettings,
    *,
    asr: AsrSettings | None = None,
    audio_stream: int | None = None,
    progress: Progress | None = None,
) -> DubReport:
    """Dub ``film`` into every language of ``tracks`` (language -> Track or SRT file) and
    write ``out_dir/<film>.dub.mkv`` (plus stems when ``settings.stems``); ``asr`` are
    Whisper's settings for the back-check.

    Every input and target is checked before the first line is synthesized.
    """
    out_dir = Path(out_dir)
    settings = settings.validate()
    codes = _language_codes(tracks, settings)
    check_ffmpeg()
    if settings.backcheck:  # Whisper's device, before the output folder is touched
        resolve_device((asr or AsrSettings()).device, (asr or AsrSettings()).compute_type)
    require_file(Path(film))  # a missing film: no output folder made
    with output_lock(out_dir):
        return _dub(Path(film), tracks, codes, out_dir, settings, asr, audio_stream, progress)


def _dub(
    film: Path,
    tracks: Mapping[str, Track | Path],
    codes: list[str],
    out_dir: Path,
    settings: DubSettings,
    asr: AsrSettings | None,
    audio_stream: int | None,
    progress: Progress | None,
) -> DubReport:
    started = time.perf_counter()
    ctx = StageContext(out_dir, progress)
    context = open_film(film, out_dir, audio_stream)
    given = {f"{code} track": Path(v) for code, v in tracks.items() if not isinstance(v, Track)}
    check_delivery(context, codes, out_dir, settings, given)
    dubs = [
        given_dub(context, code, value, settings, ctx)
        for code, value in zip(codes, tracks.values(), strict=True)
    ]
    checks, deliver = dub_stages(context, dubs, out_dir, settings, asr or AsrSettings())
    refuse_foreign(deliver, ctx, settings.force)
    return dub_report(ctx, checks, deliver, started)


def stage_dub_language(
    film: Path,
    track: Track | Path,
    out_dir: Path,
    settings: DubSettings,
    *,
    language: str | None = None,
    asr: AsrSettings | None = None,
) -> LanguageDub:
    """Dub one language of ``film`` into ``out_dir`` (its cache): check the track and the
    voice, fit, mix, back-check. Reads the film and the track, writes only in ``out_dir``.

    ``track`` is a Track or an SRT file; an SRT file needs ``language``.
    """
    out_dir = Path(out_dir)
    settings = settings.validate()
    if isinstance(track, Track):
        code = get_language(language or track.language).code
    elif language is None:
        raise ConfigError(f"{track}: say which language this SRT file is in")
    else:
        code = get_language(language).code
    ctx = StageContext(out_dir)
    dub = given_dub(open_film(Path(film), out_dir), code, track, settings, ctx)
    ensure_writable_dir(out_dir)
    check = BackcheckStage.build(dub, asr or AsrSettings()) if settings.backcheck else None
    return LanguageDub.of(cached(dub, ctx), cached(check, ctx) if check else None)


def report_path(report: DubReport) -> Path:
    return naming.dub_report_path(report.out_dir, report.film)


def write_dub_report(report: DubReport) -> Path:
    """``<out>/<film>.dub.json``: the report of the run (rewritten by every run)."""
    path = report_path(report)
    write_json_atomic(path, report.to_json())
    return path


def _shared_voices(language: str, cast: Mapping[str, VoiceInfo]) -> list[str]:
    """Speakers who were given one voice (by hand, or more speakers than voices): in the
    dub they sound like one person."""
    by_voice: dict[str, list[str]] = {}
    for speaker, info in cast.items():
        by_voice.setdefault(info.voice, []).append(speaker)
    return [
        f"{language}: speakers {', '.join(speakers)} share the voice {voice}: they sound "
        "alike in the dub (cast another with --voice LANG:SPEAKER=VOICE)"
        for voice, speakers in by_voice.items()
        if len(speakers) > 1
    ]
