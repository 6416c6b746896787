"""Benchmark of the hearing check (scodub.asr.hearing): does the transcript say when the
given language is wrong, or when speech of a second language got no words, and does it
stay quiet on ordinary speech?

Material: real speech only (synthetic espeak speech is no ASR material: OFFLINE.md): the
English clips (JFK, 5 LibriVox utterances) and festvox-ru's recorded Russian, joined into
clips of at most 25 s (bench/names_russian.py). Cases, each clip transcribed with Whisper
base as ``scodub transcribe`` does:

1. ordinary: the right language given, and detected: every "sounds like" or "got no words"
   note is a false alarm;
2. wrong language: English given as ru, zh, kk, uz; Russian given as en, kk: the share
   with a "sounds like" note naming the spoken language;
3. two languages in one clip (English then Russian, and the reverse; each clip a pair of
   the clips above), detected, and given as the first language: the share with a note that
   names the other language (speech in it, or speech in it that got no words).

Baseline, measured in the same run: what faster-whisper itself reports for the same
transcription (its language probability: 1.0 for a given language, so no case is ever
flagged by it). Cost: the seconds the check takes against the whole transcription.

Run: ``.venv/bin/python bench/bench_hearing.py [--russian 30]`` (about 10 minutes on 2
cores; festvox-ru is fetched once with apt-get download into the bench cache).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from conftest import DATA  # noqa: E402
from names_russian import clips, festvox_ru  # noqa: E402
from scodub.asr import hearing as hearing_module  # noqa: E402
from scodub.asr.hearing import hearing_notes  # noqa: E402
from scodub.asr.whisper import AsrSettings, prepare, transcribe_audio  # noqa: E402
from scodub.data import Transcript  # noqa: E402

CACHE = Path("/tmp/scodub-bench-hearing")
RATE = 16000
# (Russian decoded as Chinese runs into Whisper's temperature fallback on every window:
# minutes per clip, so it is left out.)
WRONG_FOR = {"en": ("ru", "zh", "kk", "uz"), "ru": ("en", "kk")}


def english() -> list[tuple[str, np.ndarray]]:
    from faster_whisper.audio import decode_audio

    paths = [DATA / "jfk.wav", *sorted((DATA / "librivox").glob("*.wav"))]
    return [(p.stem[-4:], decode_audio(str(p), RATE)) for p in paths]


class Timed:
    """Seconds spent in the hearing check, counted around ``check_hearing``."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.inner: Callable[..., Any] = hearing_module.check_hearing

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return self.inner(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started


def transcribe(audio: np.ndarray, language: str | None) -> tuple[Transcript, float]:
    settings, model = prepare(AsrSettings(language=language))
    started = time.perf_counter()
    transcript = transcribe_audio(audio, settings, model)
    return transcript, time.perf_counter() - started


def flagged(transcript: Transcript, language: str) -> bool:
    found = transcript.hearing.sounds_like
    return found is not None and found[0] == language


def other_named(transcript: Transcript, language: str) -> bool:
    """A note says that part of the speech is ``language`` (and how to transcribe it)."""
    return any(f"--lang {language}" in n for n in hearing_notes(transcript))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--russian", type=int, default=30, help="festvox-ru utterances")
    args = parser.parse_args()
    CACHE.mkdir(parents=True, exist_ok=True)
    timed = Timed()
    import scodub.asr.whisper as whisper_module

    setattr(whisper_module, "check_hearing", timed)  # noqa: B010 (timed where it is called)
    material: dict[str, list[tuple[str, np.ndarray]]] = {"en": english()}
    voice = festvox_ru(CACHE)
    material["ru"] = list(clips(voice, args.russian, RATE)) if voice else []
    total = 0.0
    print(f"clips: en {len(material['en'])}, ru {len(material['ru'])} "
          f"({sum(len(a) for c in material.values() for _, a in c) / RATE:.0f} s of audio)")

    print("[1] ordinary speech: false alarms (notes on speech in the language transcribed)")
    for lang, items in material.items():
        for mode in ("given", "detected"):
            notes = 0
            for name, audio in items:
                transcript, seconds = transcribe(audio, lang if mode == "given" else None)
                total += seconds
                found = hearing_notes(transcript)
                notes += bool(found)
                if found:
                    print(f"   {lang} {name} {mode}: {found}")
            print(f"   {lang} {mode:8s}: {notes} of {len(items)} clips with a note "
                  "(baseline: faster-whisper flags none)")

    print("[2] a wrong given language: share flagged, naming the spoken one")
    for lang, items in material.items():
        for wrong in WRONG_FOR[lang]:
            hits = 0
            for _, audio in items:
                transcript, seconds = transcribe(audio, wrong)
                total += seconds
                hits += flagged(transcript, lang)
                assert transcript.language_probability == 1.0  # what faster-whisper says
            print(f"   {lang} given as {wrong}: {hits}/{len(items)} flagged "
                  f"({hits / max(1, len(items)):.2f}; baseline 0.00: p=1.00 reported)")

    print("[3] two languages in one clip: the other language's speech named")
    pairs = list(zip(material["en"], material["ru"], strict=False))
    pause = np.zeros(RATE, dtype=np.float32)
    for first, second in (("en", "ru"), ("ru", "en")):
        for mode in ("detected", "given"):
            hits = 0
            for (_, en_audio), (_, ru_audio) in pairs:
                parts = {"en": en_audio, "ru": ru_audio}
                audio = np.concatenate([parts[first], pause, parts[second]])
                transcript, seconds = transcribe(audio, first if mode == "given" else None)
                total += seconds
                other = "ru" if transcript.language == "en" else "en"
                hits += other_named(transcript, other)
            print(f"   {first} then {second}, {mode}: {hits}/{len(pairs)} with the other "
                  "language named (baseline 0: no such note)")
    print(f"cost: the check took {timed.seconds:.1f} s of {total:.1f} s of transcription "
          f"({timed.seconds / max(total, 1e-9):.3f})")


if __name__ == "__main__":
    main()
