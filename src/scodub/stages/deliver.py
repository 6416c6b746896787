"""The delivery: a film dubbed into every language, in one file.

``dub_film`` checks every input and target before the first line is synthesized (the
film's picture can be copied into Matroska, each track and voice, the Whisper model for
the back-check, no target already there unless forced), runs the dubbing stage for each
language (``scodub.stages.dub``), muxes ``<film>.dub.mkv`` with the picture, the original
audio, one dub and one subtitle track per language, all tagged (``scodub.media.mux``), and
writes the optional stems ``<film>.<lang>.dub.wav`` or ``.m4a``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from scodub import __version__, naming
from scodub.asr.whisper import prepare
from scodub.data import Track
from scodub.errors import ConfigError, OutputError
from scodub.fsutil import ensure_writable_dir, write_json_atomic
from scodub.langs import get_language
from scodub.media.mux import (
    DeliveryTrack,
    StreamInfo,
    TrackKind,
    check_video_copyable,
    delivery_path,
    export_dub_stem,
    mux_delivery,
    probe_streams,
    stem_path,
)
from scodub.stages.dub import DubSettings, LanguageDub, film_audio, prepare_language, run_language

Progress = Callable[[str, float, float], None]  # (stage, done, total), as in scodub.stages.run


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


def _language_codes(tracks: Mapping[str, Track | Path], settings: DubSettings) -> list[str]:
    codes: list[str] = []
    for given in tracks:
        code = get_language(given).code
        if code in codes:
            raise ConfigError(f"two tracks for {get_language(code).name} ({code}); give one")
        codes.append(code)
    if not codes:
        raise ConfigError("nothing to dub: give at least one track (--track LANG=FILE.srt)")
    unused = sorted(set(settings.voices) - set(codes))
    if unused:
        raise ConfigError(
            f"--voice for {', '.join(unused)} but no track in that language; tracks: "
            + ", ".join(codes)
        )
    return codes


def _refuse_existing(targets: list[Path], force: bool) -> None:
    if force:
        return
    for target in targets:
        if target.exists():
            raise OutputError(f"{target}: already exists; pass --force to overwrite it")


def dub_film(
    film: Path,
    tracks: Mapping[str, Track | Path],
    out_dir: Path,
    settings: DubSettings,
    *,
    progress: Progress | None = None,
) -> DubReport:
    """Dub ``film`` into every language of ``tracks`` (language -> Track or SRT file) and
    write ``out_dir/<film>.dub.mkv`` (plus stems when ``settings.stems``).

    Every input and target is checked before the first line is synthesized: the film's
    video can be copied into Matroska, each track's cues, each voice and whether it can
    read its cues, the Whisper model for the back-check, and that no target exists
    (unless ``settings.force``).
    """
    started = time.perf_counter()
    film, out_dir = Path(film), Path(out_dir)
    settings = settings.validate()
    codes = _language_codes(tracks, settings)
    media = film_audio(film, settings.audio_stream)
    delivery = delivery_path(film, out_dir)
    stems: dict[str, Path] = {}
    if settings.stems:
        stems = {code: stem_path(film, code, settings.stems, out_dir) for code in codes}
    outputs = [delivery, *stems.values(), naming.dub_report_path(out_dir, film)]
    naming.check_names(outputs)
    naming.refuse_inputs(
        outputs,
        {"film": film}
        | {f"{code} track": Path(v) for code, v in tracks.items() if not isinstance(v, Track)},
    )
    _refuse_existing([delivery, *stems.values()], settings.force)
    check_video_copyable(film)
    jobs = [
        prepare_language(media, code, value, settings)
        for code, value in zip(codes, tracks.values(), strict=True)
    ]
    ensure_writable_dir(out_dir)
    if settings.backcheck and any(get_language(code).whisper_asr for code in codes):
        prepare(settings.asr)  # a missing Whisper model fails now, not after the synthesis
    done: list[LanguageDub] = []
    for position, job in enumerate(jobs):
        if progress:
            progress("dub", position, len(jobs))
        done.append(run_language(media, job, out_dir, settings))
    if progress:
        progress("dub", len(jobs), len(jobs))
    delivery_tracks = [DeliveryTrack(dub.language, TrackKind.DUB, dub.mix.path) for dub in done]
    delivery_tracks += [
        DeliveryTrack(dub.language, TrackKind.SUBTITLE, dub.subtitles) for dub in done
    ]
    mux_delivery(film, delivery, delivery_tracks, force=settings.force)
    written: dict[str, Path] = {}
    if settings.stems:
        for dub in done:
            written[dub.language] = export_dub_stem(
                dub.mix.path, film, dub.language, fmt=settings.stems, folder=out_dir,
                force=settings.force,
            )  # fmt: skip
    return DubReport(
        film=film,
        out_dir=out_dir,
        delivery=delivery,
        streams=tuple(probe_streams(delivery)),
        languages=tuple(done),
        stems=written,
        seconds=time.perf_counter() - started,
    )


def report_path(report: DubReport) -> Path:
    return naming.dub_report_path(report.out_dir, report.film)


def write_dub_report(report: DubReport) -> Path:
    """``<out>/<film>.dub.json``: the report of the run (rewritten by every run)."""
    path = report_path(report)
    write_json_atomic(path, report.to_json())
    return path
