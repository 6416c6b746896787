"""Clips for the timing bench (bench_timing.py): the real English clips and Piper-spoken
sentences with their reference speech stretches, and small changes of each input
(padding, gain, resampling) made with the real ffmpeg.

References. Piper sentences: exact; each sentence is synthesized alone, its first and last
sample above -45 dBFS (5 ms frames) mark its speech, and the sentences are joined with
pauses of known length. Real clips: no hand labels exist, so the stretches of speech
between pauses of 250 ms or more are found on the clean clip by a plain energy detector
(5 ms frames, a threshold 30% of the way in dB from the clip's quiet floor to its loud
peak; loud runs under 60 ms are clicks), independent of Silero VAD and of scodub's edge
sharpening (10 ms frames, another threshold). A changed input keeps the clean clip's
reference, shifted by any padding.
"""

from __future__ import annotations

import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scodub.media.ffmpeg import ffmpeg_exe

# Sentences a film might say, several opening with the short function words whose
# Whisper start times are least reliable ("And", "So", "I", "Oh").
SENTENCES: tuple[str, ...] = (
    "And so we waited for the train until the sun went down.",
    "I never said that.",
    "So where were you last night?",
    "Oh, it is you again.",
    "The road to the mountains is closed after the storm.",
    "But nobody in the village believed the old man's story.",
    "Yes.",
    "Tell your mother we will be home before dinner.",
    "Well, I suppose we could try the other door.",
    "It was the coldest winter anyone could remember.",
    "And then, without a word, she left the room.",
    "Come here, quickly!",
)
PAUSES_MS: tuple[int, ...] = (700, 450, 1200, 380, 900, 600, 1500, 420, 800, 1000, 550)


@dataclass(frozen=True, slots=True)
class Clip:
    name: str
    path: Path
    stretches: tuple[tuple[int, int], ...]  # reference speech stretches in ms


@dataclass(frozen=True, slots=True)
class Variant:
    name: str
    filters: tuple[str, ...]  # ffmpeg -af filters
    rate: int | None  # output sample rate (None: keep)
    shift_ms: int  # how far the speech moved (padding before)


VARIANTS: tuple[Variant, ...] = (
    Variant("clean", (), None, 0),
    Variant("pad-before-20ms", ("adelay=20:all=1",), None, 20),
    Variant("pad-before-300ms", ("adelay=300:all=1",), None, 300),
    Variant("pad-after-20ms", ("apad=pad_dur=0.02",), None, 0),
    Variant("pad-after-300ms", ("apad=pad_dur=0.3",), None, 0),
    Variant("gain+6dB", ("volume=6dB",), None, 0),
    Variant("gain-6dB", ("volume=-6dB",), None, 0),
    Variant("rate-16000", (), 16000, 0),  # changes the Piper clip (22.05 kHz) only
    Variant("rate-22050", (), 22050, 0),  # changes the real clips (16 kHz) only
    Variant("rate-44100", (), 44100, 0),
    Variant("rate-48000", (), 48000, 0),
)


def make_variant(clip: Clip, variant: Variant, folder: Path) -> Path:
    """``clip`` changed as ``variant`` says, as a float WAV (a +6 dB gain does not clip)."""
    target = folder / f"{clip.name}.{variant.name}.wav"
    args = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    args += ["-i", str(clip.path)]
    if variant.filters:
        args += ["-af", ",".join(variant.filters)]
    if variant.rate:
        args += ["-ar", str(variant.rate)]
    args += ["-c:a", "pcm_f32le", str(target)]
    subprocess.run(args, check=True)
    return target


def _frames_db(audio: np.ndarray, rate: int, hop_ms: int = 5) -> np.ndarray:
    hop = rate * hop_ms // 1000
    usable = len(audio) // hop * hop
    frames = audio[:usable].reshape(-1, hop).astype(np.float64)
    return np.asarray(10 * np.log10(np.mean(frames**2, axis=1) + 1e-12))


def energy_stretches(
    audio: np.ndarray, rate: int, min_pause_ms: int = 250
) -> list[tuple[int, int]]:
    """The reference detector for the real clips (see the module docstring): loud runs
    (gaps under 50 ms bridged), runs under 60 ms dropped (clicks, not speech), then runs
    closer than ``min_pause_ms`` joined."""
    db = _frames_db(audio, rate)
    floor, peak = np.percentile(db, 5), np.percentile(db, 99)
    loud = np.flatnonzero(db > floor + 0.3 * (peak - floor))
    runs = _join([(int(k) * 5, int(k) * 5 + 5) for k in loud], 50)
    return _join([r for r in runs if r[1] - r[0] >= 60], min_pause_ms)


def _join(runs: list[tuple[int, int]], within_ms: int) -> list[tuple[int, int]]:
    joined: list[list[int]] = []
    for a, b in runs:
        if joined and a - joined[-1][1] < within_ms:
            joined[-1][1] = b
        else:
            joined.append([a, b])
    return [(a, b) for a, b in joined]


def real_clips(data: Path) -> list[Clip]:
    from scodub.media.decode import decode_audio

    clips = []
    for path in [data / "jfk.wav", *sorted((data / "librivox").glob("*.wav"))]:
        audio = decode_audio(path)
        name = path.stem.replace("sense_and_sensibility_01_austen_64kb-", "librivox-")
        clips.append(Clip(name, path, tuple(energy_stretches(audio, 16000))))
    return clips


def piper_clip(folder: Path) -> Clip:
    """The Piper sentences joined with ``PAUSES_MS`` (and 500 ms at each end)."""
    from scodub.dub.piper_voice import load_piper_voice
    from scodub.provision.piper import embedded_english_model

    voice = load_piper_voice(embedded_english_model())
    rate = voice.sample_rate
    parts: list[np.ndarray] = [np.zeros(rate // 2, dtype=np.float32)]
    stretches: list[tuple[int, int]] = []
    at = 500
    for k, sentence in enumerate(SENTENCES):
        audio = voice.synthesize(sentence)
        db = _frames_db(audio, rate)
        voiced = np.flatnonzero(db > -45.0)
        first, last = int(voiced[0]) * 5, int(voiced[-1]) * 5 + 5
        stretches.append((at + first, at + last))
        at += len(audio) * 1000 // rate
        audio = audio[: len(audio) * 1000 // rate * rate // 1000]
        pause = PAUSES_MS[k] if k < len(PAUSES_MS) else 500
        parts += [audio, np.zeros(pause * rate // 1000, dtype=np.float32)]
        at += pause
    path = folder / "piper-sentences.wav"
    pcm = (np.clip(np.concatenate(parts), -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())
    return Clip("piper-sentences", path, tuple(stretches))
