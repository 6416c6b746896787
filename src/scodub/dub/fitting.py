"""Fit each dubbed line into its slot and lay the lines out on the film's timeline.

A cue's slot runs from its in-time to the next cue's in-time, less the minimum gap
between cues (the last slot ends at the end of the film), so a line may borrow the
silence after its cue's out-time but never runs into the next line. A line that is
too long is, in this order (STANDARDS.md, Dubbing audio):

1. re-synthesized at a faster speaking rate by the engine, up to ``max_engine_rate``;
2. time-stretched with its pitch kept (ffmpeg ``atempo``), at most ``max_stretch``;
3. cut at the end of its slot with a short fade, and reported as not fitted.

A short line is placed at its in-time as it is, never slowed down.

What is voiced per cue is bounded before synthesis (``speakable_chars``): no more text
than the fastest allowed speech (``max_chars_per_second`` times the fastest engine rate
and stretch) can say in the slot, and never more than ``max_cue_chars``. A TTS engine's
memory grows with its input (issue 7: one cue of 5,000 characters took Piper 19.6 GB,
200 KB crashed onnxruntime asking for 964 GB), and anything past that bound would be
cut at the slot's end anyway. The text left unvoiced is reported per line
(``unvoiced_chars``, ``unvoiced``).
"""

from __future__ import annotations

import math
import wave
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from scodub.data import Cue
from scodub.dub.scripts import require_speakable, speech_text
from scodub.dub.tempo import resample, time_stretch
from scodub.dub.voices import Voice
from scodub.fsutil import atomic_path
from scodub.langs import DUBBING, TIMING

if TYPE_CHECKING:  # dub.linecache stores FittedLine: a run-time import would be circular
    from scodub.dub.linecache import LineStore


@dataclass(frozen=True, slots=True)
class FitPolicy:
    """How far a line may be sped up, and how silence and cuts are handled."""

    # Piper and espeak-ng stay clear at 1.3x their own rate; beyond it words slur.
    max_engine_rate: float = 1.3
    # STANDARDS.md, Dubbing audio: time-stretch at most 1.25x.
    max_stretch: float = DUBBING.max_stretch
    # Aim a little under the slot: speaking time does not scale exactly with the rate.
    # Piper's VITS noise moves a line's length by about +-2.5% per synthesis, so a rate
    # aimed exactly at the slot misses half the time: aim 5% under, allow a 4th try.
    rate_margin: float = 1.05
    rate_attempts: int = 4
    fade_ms: int = 30  # fade-out over a cut, so it does not click
    silence_db: float = -40.0  # below the line's peak counts as leading/trailing silence
    keep_ms: int = 15  # silence kept at each end (onset and release of the speech)
    gap_frames: int = TIMING.min_gap_frames  # kept free before the next line
    # Characters per second of the fastest voice at its own rate, with room: Piper's joe
    # voiced 17-22 of this bench text per second (bench/bench_dub_memory.py).
    max_chars_per_second: float = 25.0
    # Whatever the slot (the last one runs to the film's end): a 7 s cue at the fastest
    # reading speed of STANDARDS.md holds 154 characters. Piper needs ~1.7 MB per
    # character of one sentence, so 400 keeps a cue under ~1 GB.
    max_cue_chars: int = 400


@dataclass(frozen=True, slots=True)
class FittedLine:
    """One cue's dubbed line, placed at ``start_ms`` for ``duration_ms``."""

    index: int  # 1-based cue number, as in the SRT file
    text: str
    start_ms: int
    duration_ms: int
    slot_ms: int  # room from the in-time to the next line
    natural_ms: int  # speech length at rate 1.0, silence trimmed
    engine_rate: float  # speaking rate asked of the engine (1.0 = its own)
    stretch: float  # atempo factor applied afterwards (1.0 = none)
    fitted: bool
    overflow_ms: int  # speech cut off at the end of the slot (0 when fitted)
    borrowed_ms: int  # spoken past the cue's out-time, in the silence before the next cue
    sample_rate: int
    audio: np.ndarray = field(repr=False, compare=False)
    unvoiced_chars: int = 0  # characters of the cue past what its slot can hold: not voiced
    unvoiced: str = ""  # the start of that text, for the report

    @property
    def truncated(self) -> bool:
        """True when part of the cue's text was not voiced (see the module docstring)."""
        return self.unvoiced_chars > 0

    @property
    def end_ms(self) -> int:
        return self.start_ms + self.duration_ms

    @property
    def speedup(self) -> float:
        """Overall speed-up: engine rate times stretch."""
        return self.engine_rate * self.stretch

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "text": self.text,
            "start_ms": self.start_ms,
            "duration_ms": self.duration_ms,
            "slot_ms": self.slot_ms,
            "natural_ms": self.natural_ms,
            "engine_rate": round(self.engine_rate, 3),
            "stretch": round(self.stretch, 3),
            "fitted": self.fitted,
            "overflow_ms": self.overflow_ms,
            "borrowed_ms": self.borrowed_ms,
            "unvoiced_chars": self.unvoiced_chars,
            "unvoiced": self.unvoiced,
        }


def _ms_to_samples(ms: int, sample_rate: int) -> int:
    return round(ms * sample_rate / 1000)


def _samples_to_ms(samples: int, sample_rate: int) -> int:
    """Rounded up, so that a line's end_ms is never before its last sample."""
    return -(-samples * 1000 // sample_rate)


def trim_silence(
    audio: np.ndarray, sample_rate: int, policy: FitPolicy = FitPolicy()
) -> np.ndarray:
    """``audio`` without leading and trailing silence (10 ms windows under the threshold)."""
    window = max(1, sample_rate // 100)
    count = audio.size // window
    if count == 0:
        return audio.astype(np.float32, copy=True)
    frames = audio[: count * window].reshape(count, window).astype(np.float64)
    rms = np.sqrt(np.mean(frames * frames, axis=1))
    peak = float(rms.max())
    if peak <= 1e-6:
        return np.zeros(0, dtype=np.float32)
    loud = np.flatnonzero(rms >= peak * 10 ** (policy.silence_db / 20))
    keep = _ms_to_samples(policy.keep_ms, sample_rate)
    first = max(0, int(loud[0]) * window - keep)
    last = min(audio.size, (int(loud[-1]) + 1) * window + keep)
    return audio[first:last].astype(np.float32, copy=True)


def _cut_with_fade(audio: np.ndarray, length: int, fade: int) -> np.ndarray:
    out = audio[:length].astype(np.float32, copy=True)
    fade = min(fade, out.size)
    if fade > 0:
        out[-fade:] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
    return out


def _next_rate(tried: list[tuple[float, int]], room: int, margin: float) -> float:
    """The engine rate to try next, from the (rate, length) pairs measured so far.

    Length falls with rate as ``rate ** -k``; Piper's k is about 0.65 (its pauses do not
    shrink), espeak-ng's about 1, so ``k`` is estimated from the last two tries.
    """
    rate, length = tried[-1]
    k = 1.0
    if len(tried) > 1:
        (rate_a, length_a), (rate_b, length_b) = tried[-2], tried[-1]
        if rate_b > rate_a and length_a > length_b > 0:
            k = min(max(math.log(length_a / length_b) / math.log(rate_b / rate_a), 0.3), 1.5)
    wanted = rate * math.pow(length / max(room, 1), 1.0 / k) * margin
    return max(wanted, rate + 0.01)


def slot_ends(cues: Sequence[Cue], film_duration_ms: int, *, gap_ms: int) -> list[int]:
    """Where each cue's slot ends: the next in-time less ``gap_ms``; the film's end last."""
    if not cues:
        return []
    next_starts = [cue.start_ms - gap_ms for cue in cues[1:]] + [film_duration_ms]
    return [max(cue.start_ms, end) for cue, end in zip(cues, next_starts, strict=True)]


def speakable_chars(slot_ms: int, policy: FitPolicy = FitPolicy()) -> int:
    """The most characters voiced for a slot of ``slot_ms``: what the fastest allowed
    speech says in it (plus a few for rounding), at most ``policy.max_cue_chars``."""
    fastest = policy.max_chars_per_second * policy.max_engine_rate * policy.max_stretch
    return min(policy.max_cue_chars, math.ceil(max(0, slot_ms) / 1000 * fastest) + 8)


_PREVIEW_CHARS = 120


def bound_text(text: str, limit: int) -> tuple[str, str]:
    """(voiced, unvoiced): ``text`` cut after at most ``limit`` characters, at the last
    space before the limit when there is one in its second half (a word is not cut)."""
    if len(text) <= limit:
        return text, ""
    cut = text.rfind(" ", 0, limit + 1)
    if cut < limit // 2:
        cut = limit
    return text[:cut].rstrip(), text[cut:].strip()


def fit_line(
    voice: Voice, text: str, *, index: int, start_ms: int, slot_end_ms: int, cue_end_ms: int,
    policy: FitPolicy = FitPolicy(),
) -> FittedLine:
    """Synthesize one line and make it fit ``start_ms``..``slot_end_ms``."""
    rate_hz = voice.sample_rate
    # Rounded down here and durations rounded up below: end_ms never passes the slot.
    room = max(0, slot_end_ms - start_ms) * rate_hz // 1000
    spoken, unvoiced = bound_text(text, speakable_chars(slot_end_ms - start_ms, policy))
    audio = trim_silence(voice.synthesize(spoken, rate=1.0), rate_hz, policy)
    natural = audio.size
    engine_rate = 1.0
    tried = [(engine_rate, audio.size)]
    for _ in range(policy.rate_attempts):
        if audio.size <= room or engine_rate >= policy.max_engine_rate:
            break
        engine_rate = min(_next_rate(tried, room, policy.rate_margin), policy.max_engine_rate)
        audio = trim_silence(voice.synthesize(spoken, rate=engine_rate), rate_hz, policy)
        tried.append((engine_rate, audio.size))
    stretch = 1.0
    if audio.size > room:
        stretch = min(audio.size / max(room, 1) * 1.005, policy.max_stretch)
        audio = time_stretch(audio, rate_hz, stretch)
    overflow = max(0, audio.size - room)
    # atempo's output length is not exact to the sample: a cut within the silence kept
    # after the speech loses nothing.
    in_slot = overflow <= _ms_to_samples(policy.keep_ms, rate_hz)
    if overflow:
        audio = _cut_with_fade(audio, room, _ms_to_samples(policy.fade_ms, rate_hz))
    duration_ms = _samples_to_ms(audio.size, rate_hz)
    return FittedLine(
        index=index,
        text=text,
        start_ms=start_ms,
        duration_ms=duration_ms,
        slot_ms=slot_end_ms - start_ms,
        natural_ms=_samples_to_ms(natural, rate_hz),
        engine_rate=round(engine_rate, 4),
        stretch=round(stretch, 4),
        fitted=in_slot and not unvoiced,
        overflow_ms=0 if in_slot else _samples_to_ms(overflow, rate_hz),
        borrowed_ms=max(0, start_ms + duration_ms - cue_end_ms),
        sample_rate=rate_hz,
        audio=audio,
        unvoiced_chars=len(unvoiced),
        unvoiced=unvoiced[:_PREVIEW_CHARS] + ("…" if len(unvoiced) > _PREVIEW_CHARS else ""),
    )


def fit_lines(
    cues: Sequence[Cue],
    voice: Voice,
    film_duration_ms: int,
    *,
    fps: float | None = None,
    policy: FitPolicy = FitPolicy(),
    voices: Sequence[Voice] | None = None,
    stores: Mapping[str, LineStore] | None = None,
) -> list[FittedLine]:
    """Dub every cue with ``voice``, or cue k with ``voices[k]`` (one voice per speaker;
    cues in time order, numbered from 1). A line that the store of its voice (``stores``,
    by voice name) holds for the same text and room is reused, not synthesized.

    Every cue's text is checked against its voice's scripts before any synthesis, so a
    cue in the wrong language fails the run at once, naming the cue.
    """
    return list(
        iter_fit_lines(
            cues, voice, film_duration_ms, fps=fps, policy=policy, voices=voices, stores=stores
        )
    )


def iter_fit_lines(
    cues: Sequence[Cue],
    voice: Voice,
    film_duration_ms: int,
    *,
    fps: float | None = None,
    policy: FitPolicy = FitPolicy(),
    voices: Sequence[Voice] | None = None,
    stores: Mapping[str, LineStore] | None = None,
    numbers: Sequence[int] | None = None,
) -> Iterator[FittedLine]:
    """``fit_lines`` one line at a time (every cue is checked before the first is
    synthesized), so that a long film's lines need not all be held in memory.
    ``numbers``: each line's cue number in the file (a dual-speaker cue is two lines of
    one cue); by default 1, 2, ..."""
    per_cue = list(voices) if voices is not None else [voice] * len(cues)
    if len(per_cue) != len(cues):
        raise ValueError(f"{len(per_cue)} voices for {len(cues)} cues")
    numbered = list(numbers) if numbers is not None else list(range(1, len(cues) + 1))
    if len(numbered) != len(cues):
        raise ValueError(f"{len(numbered)} cue numbers for {len(cues)} lines")
    for position, (cue, speaker) in enumerate(zip(cues, per_cue, strict=True), start=1):
        if position > 1 and cue.start_ms < cues[position - 2].start_ms:
            raise ValueError(f"cue {position} starts before cue {position - 1}: sort the cues")
        require_speakable(
            speech_text(cue.flat_text), voice=speaker.name, language=speaker.language,
            scripts=speaker.scripts, cue=position,
        )
    ends = slot_ends(cues, film_duration_ms, gap_ms=TIMING.frames_ms(policy.gap_frames, fps))
    return _fitted(cues, ends, per_cue, policy, stores, numbered)


def _fitted(
    cues: Sequence[Cue],
    ends: Sequence[int],
    per_cue: Sequence[Voice],
    policy: FitPolicy,
    stores: Mapping[str, LineStore] | None,
    numbers: Sequence[int],
) -> Iterator[FittedLine]:
    for cue, end, speaker, number in zip(cues, ends, per_cue, numbers, strict=True):
        text = speech_text(cue.flat_text)
        room = {"index": number, "start_ms": cue.start_ms, "slot_end_ms": end,
                "cue_end_ms": cue.end_ms}  # fmt: skip
        store = stores.get(speaker.name) if stores is not None else None
        line = store.fetch(text, **room) if store is not None else None
        if line is None:
            line = fit_line(speaker, text, **room, policy=policy)
            if store is not None:
                store.keep(line, cue.end_ms)
        yield line


def write_stem(
    path: Path, lines: Iterable[FittedLine], film_duration_ms: int, sample_rate: int
) -> list[FittedLine]:
    """``render_stem`` + ``write_wav`` streamed: each line is written as it comes (lines
    in time order, at ``sample_rate``) and kept without its audio, so memory does not
    grow with the film's length. The file is the same, sample for sample."""
    length = _ms_to_samples(film_duration_ms, sample_rate)
    kept: list[FittedLine] = []
    written = 0
    silent = np.zeros(0, dtype=np.float32)
    with atomic_path(Path(path)) as tmp, wave.open(str(tmp), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        for line in lines:
            if line.audio.size:
                audio = line.audio
                if line.sample_rate != sample_rate:  # another speaker's voice
                    audio = resample(audio, line.sample_rate, sample_rate)
                start = _ms_to_samples(line.start_ms, sample_rate)
                if start < written and kept:
                    raise ValueError(f"cue {line.index} would overlap cue {kept[-1].index}")
                piece = audio[: max(0, length - start)]
                _write_silence(wav, min(start, length) - written)
                _write_pcm(wav, piece)
                written = max(written, min(start, length)) + piece.size
            kept.append(replace(line, audio=silent))
        _write_silence(wav, length - written)
    return kept


#: Silence written per call: a film's long silent stretch (before its first line, after
#: its last) is not one array as long as the stretch.
_SILENCE_BLOCK = 1 << 16


def _write_silence(wav: wave.Wave_write, count: int) -> None:
    block = bytes(2 * min(max(0, count), _SILENCE_BLOCK))
    while count > 0:
        frames = min(count, _SILENCE_BLOCK)
        wav.writeframes(block[: 2 * frames])
        count -= frames


def _write_pcm(wav: wave.Wave_write, audio: np.ndarray, block: int = 1 << 20) -> None:
    for lo in range(0, audio.size, block):
        chunk = audio[lo : lo + block]
        wav.writeframes((np.clip(chunk, -1.0, 1.0) * 32767.0).round().astype("<i2").tobytes())


def render_stem(
    lines: Sequence[FittedLine], film_duration_ms: int, sample_rate: int
) -> np.ndarray:
    """The dub stem: every line at its start on a silent track as long as the film
    (lines of voices at other sample rates are resampled to the first line's rate)."""
    rates = [line.sample_rate for line in lines if line.audio.size]
    source_rate = rates[0] if rates else sample_rate
    lines = [
        replace(line, audio=resample(line.audio, line.sample_rate, source_rate),
                sample_rate=source_rate)
        if line.audio.size and line.sample_rate != source_rate
        else line
        for line in lines
    ]  # fmt: skip
    length = _ms_to_samples(film_duration_ms, source_rate)
    stem = np.zeros(length, dtype=np.float32)
    previous: FittedLine | None = None
    for line in sorted(lines, key=lambda item: item.start_ms):
        if not line.audio.size:
            continue
        start = _ms_to_samples(line.start_ms, source_rate)
        if previous is not None and start < _ms_to_samples(previous.start_ms, source_rate) + (
            previous.audio.size
        ):
            raise ValueError(f"cue {line.index} would overlap cue {previous.index}")
        piece = line.audio[: max(0, length - start)]
        stem[start : start + piece.size] = piece
        previous = line
    if source_rate != sample_rate:
        stem = resample(stem, source_rate, sample_rate)
    wanted = _ms_to_samples(film_duration_ms, sample_rate)
    if stem.size != wanted:  # the resampler's length can differ by a sample or two
        stem = np.pad(stem, (0, max(0, wanted - stem.size)))[:wanted]
    return stem


def write_wav(path: Path, audio: np.ndarray, sample_rate: int) -> None:
    """Mono 16-bit PCM WAV, written atomically."""
    pcm = (np.clip(audio, -1.0, 1.0) * 32767.0).round().astype("<i2")
    with atomic_path(Path(path)) as tmp, wave.open(str(tmp), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        wav.writeframes(pcm.tobytes())


@dataclass(frozen=True, slots=True)
class FitSummary:
    """Per language: how much the lines were sped up, and which did not fit."""

    language: str
    voice: str
    lines: int
    natural: int  # spoken at the engine's own rate, not stretched
    up_to_1_1: int  # overall speed-up (engine rate x stretch) above 1.0 and at most 1.1
    up_to_1_25: int
    beyond_1_25: int  # fitted, but faster than 1.25x overall
    not_fitted: tuple[FittedLine, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "voice": self.voice,
            "lines": self.lines,
            "speedup": {
                "1.0": self.natural,
                "<=1.1": self.up_to_1_1,
                "<=1.25": self.up_to_1_25,
                ">1.25": self.beyond_1_25,
                "not_fitted": len(self.not_fitted),
            },
            "not_fitted": [
                {
                    "index": line.index,
                    "text": line.text[:_PREVIEW_CHARS],
                    "overflow_ms": line.overflow_ms,
                    "unvoiced_chars": line.unvoiced_chars,
                    "unvoiced": line.unvoiced,
                }
                for line in self.not_fitted
            ],
        }

    def describe(self) -> str:
        """A few lines of plain text for the run report."""
        total = max(self.lines, 1)
        shares = [
            f"{label} {100 * count / total:.0f}%"
            for label, count in (
                ("at 1.0", self.natural),
                ("<=1.1x", self.up_to_1_1),
                ("<=1.25x", self.up_to_1_25),
                (">1.25x", self.beyond_1_25),
                ("not fitted", len(self.not_fitted)),
            )
        ]
        head = f"{self.language} ({self.voice}): {self.lines} lines; " + ", ".join(shares)
        cut = [
            f"  cue {line.index}: {line.overflow_ms} ms cut"
            + (f", {line.unvoiced_chars} characters not voiced" if line.truncated else "")
            + f": {line.text[:60]!r}"
            for line in self.not_fitted
        ]
        return "\n".join([head, *cut])


def summarize(language: str, voice: str, lines: Sequence[FittedLine]) -> FitSummary:
    spoken = [line for line in lines if line.natural_ms > 0]
    fitted = [line for line in spoken if line.fitted]
    return FitSummary(
        language=language,
        voice=voice,
        lines=len(spoken),
        natural=sum(1 for line in fitted if line.speedup <= 1.0),
        up_to_1_1=sum(1 for line in fitted if 1.0 < line.speedup <= 1.1),
        up_to_1_25=sum(1 for line in fitted if 1.1 < line.speedup <= 1.25),
        beyond_1_25=sum(1 for line in fitted if line.speedup > 1.25),
        not_fitted=tuple(line for line in spoken if not line.fitted),
    )
