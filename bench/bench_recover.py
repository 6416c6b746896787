"""Benchmark of the skipped-speech recovery (scodub.asr.recover): speech that Whisper wrote
no words for, decoded again on its own. Does it bring back lines Whisper skipped, and
does it add nothing where Whisper wrote every line?

Baseline, measured in the same run on the same audio: the same transcription with the
recovery turned off. Material:

1. real speech (OFFLINE.md): JFK and the 5 LibriVox clips (English), festvox-ru's
   recorded Russian joined into clips of at most 25 s (bench/names_russian.py), each
   transcribed in its language; word error rate against the references;
2. Piper (joe-us, rates 1.0, 1.3, 0.8) speaking bench/data/names_speech.yaml, joined into
   clips of about 25 s as bench_names.py does (its audio cache is used): word error rate
   against the sentences, and sentences that got no word at all;
3. two languages: each English clip followed by a Russian one, transcribed in English:
   the Russian must stay without words (segments recovered over it are counted).

Reported: segments recovered, word error rate without and with, and the seconds the
recovery took against the whole transcription.

Measured 2026-12-04 (2 cores shared with another bench, Whisper base on CPU, 60
festvox-ru utterances): real English 93 words, WER 0.011 off and on, nothing recovered;
real Russian 836 words in 29 clips, WER 0.184 off and on, nothing recovered; Piper 1,650
words in 30 clips, WER 0.160 off, 0.158 on, 1 segment recovered (the first sentence of
piper-1.0#6, "Zhang Yimou and Jia Zhangke both sent greetings.", which Whisper had
skipped: back as "Aniyamu and Jijank both sent greetings."), sentences with no word 1 off,
0 on; English then Russian, 6 pairs: nothing recovered over the Russian. Cost: 9.1 s of
251.8 s of transcription (0.036).

Run: ``nice .venv/bin/python bench/bench_recover.py [--russian 60]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests"), str(ROOT / "bench")]

import bench_names  # noqa: E402
from conftest import DATA, JFK_REFERENCE, librivox_references  # noqa: E402
from names_russian import clips, festvox_ru, utterances  # noqa: E402
from scodub.asr import whisper as whisper_module  # noqa: E402
from scodub.asr.whisper import AsrSettings, prepare, transcribe_audio  # noqa: E402
from scodub.data import Transcript  # noqa: E402
from scodub.media.decode import ASR_SAMPLE_RATE  # noqa: E402
from scodub.text.metrics import word_errors  # noqa: E402

CACHE = Path("/tmp/scodub-bench-hearing")
_REAL = whisper_module.recover_skipped


class Switch:
    """``recover_skipped`` as ``transcribe_audio`` calls it: on or off, timed."""

    def __init__(self) -> None:
        self.on = True
        self.seconds = 0.0

    def __call__(self, whisper: Any, audio: np.ndarray, kept: Any, *args: Any) -> Any:
        if not self.on:
            return list(kept), 0
        started = time.perf_counter()
        try:
            return _REAL(whisper, audio, kept, *args)
        finally:
            self.seconds += time.perf_counter() - started


def _english() -> list[tuple[str, np.ndarray, str]]:
    from faster_whisper.audio import decode_audio

    refs = librivox_references()
    out = [("jfk", decode_audio(str(DATA / "jfk.wav"), ASR_SAMPLE_RATE), JFK_REFERENCE)]
    for path in sorted((DATA / "librivox").glob("*.wav")):
        out.append((path.stem[-4:], decode_audio(str(path), ASR_SAMPLE_RATE), refs[path.stem]))
    return out


def _russian(count: int) -> list[tuple[str, np.ndarray, str]]:
    voice = festvox_ru(CACHE)
    if voice is None or count <= 0:
        return []
    said = utterances(voice)[:count]
    ids = [uid for uid, _ in said]
    made = list(clips(voice, count, ASR_SAMPLE_RATE))
    firsts = [ids.index(first) for first, _ in made] + [len(ids)]
    return [(first, audio, " ".join(t for _, t in said[firsts[k] : firsts[k + 1]]))
            for k, (first, audio) in enumerate(made)]


def _piper() -> list[tuple[bench_names.Clip, str]]:
    data = yaml.safe_load(bench_names.DATA.read_text(encoding="utf-8"))
    items = [(s["text"], s["frame"]) for s in data["names"]]
    items += [(t, "distractor") for t in data["distractors"]]
    return [(clip, voice) for voice in ("piper-1.0", "piper-1.3", "piper-0.8")
            for clip in bench_names._clips(voice, items)]


def _transcribe(audio: np.ndarray, lang: str) -> tuple[Transcript, float]:
    settings, model = prepare(AsrSettings(language=lang))
    started = time.perf_counter()
    transcript = transcribe_audio(audio, settings, model)
    return transcript, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--russian", type=int, default=60, help="festvox-ru utterances")
    args = parser.parse_args()
    switch = Switch()
    setattr(whisper_module, "recover_skipped", switch)  # noqa: B010 (where it is called)
    seconds = Counter[str]()

    def both(audio: np.ndarray, lang: str) -> dict[str, Transcript]:
        out = {}
        for mode in ("off", "on"):
            switch.on = mode == "on"
            out[mode], took = _transcribe(audio, lang)
            seconds[mode] += took
        return out

    print("1./2. word error rate without (off) and with (on) the recovery; segments recovered")
    print(f"{'material':<28}{'clips':>6}{'words':>7}{'WER off':>9}{'WER on':>8}{'recovered':>10}"
          f"{'empty off':>10}{'empty on':>9}")
    material: dict[str, list[tuple[str, np.ndarray, str]]] = {
        "real English (JFK, LibriVox)": _english(),
        f"real Russian (festvox-ru {args.russian})": _russian(args.russian),
    }
    for name, items in material.items():
        lang = "ru" if "Russian" in name else "en"
        errors, words, recovered = Counter[str](), 0, 0
        for clip, audio, ref in items:
            out = both(audio, lang)
            words += word_errors(ref, "")[1]
            for mode, t in out.items():
                errors[mode] += word_errors(ref, t.text)[0]
            recovered += out["on"].recovered_segments
            if out["on"].recovered_segments:
                extra = [s.text for s in out["on"].segments if s not in out["off"].segments]
                print(f"    {clip}: recovered {extra}")
        print(f"{name:<28}{len(items):>6}{words:>7}{errors['off'] / max(1, words):>9.3f}"
              f"{errors['on'] / max(1, words):>8.3f}{recovered:>10}")
    errors, words, recovered = Counter[str](), 0, 0
    empty = Counter[str]()
    pieces = _piper()
    for clip, _ in pieces:
        out = both(clip.audio, "en")
        recovered += out["on"].recovered_segments
        for text, span in zip(clip.texts, clip.spans, strict=True):
            words += word_errors(text, "")[1]
            for mode, t in out.items():
                heard = bench_names._heard_in(t, span)
                errors[mode] += word_errors(text, heard)[0]
                empty[mode] += not heard.strip()
        if out["on"].recovered_segments:
            extra = [s.text for s in out["on"].segments if s not in out["off"].segments]
            print(f"    {clip.name}: recovered {extra}")
    print(f"{'Piper, names_speech.yaml':<28}{len(pieces):>6}{words:>7}"
          f"{errors['off'] / max(1, words):>9.3f}{errors['on'] / max(1, words):>8.3f}"
          f"{recovered:>10}{empty['off']:>10}{empty['on']:>9}")

    print("\n3. English clip then Russian clip, transcribed in English: segments recovered "
          "over the Russian")
    russian = material[f"real Russian (festvox-ru {args.russian})"]
    pairs = recovered_over = 0
    for (_, en, _), (_, ru, _) in zip(material["real English (JFK, LibriVox)"], russian,
                                      strict=False):
        gap = np.zeros(ASR_SAMPLE_RATE, dtype=np.float32)
        audio = np.concatenate([en, gap, ru])
        out = both(audio, "en")
        start = (len(en) + len(gap)) * 1000 // ASR_SAMPLE_RATE
        added = [s for s in out["on"].segments if s not in out["off"].segments]
        recovered_over += sum(s.start_ms >= start for s in added)
        pairs += 1
    print(f"pairs {pairs}, segments recovered over the Russian: {recovered_over}")
    print(f"\ncost: recovery {switch.seconds:.1f} s of {seconds['on']:.1f} s of transcription "
          f"with it ({switch.seconds / max(1e-9, seconds['on']):.3f}); without: "
          f"{seconds['off']:.1f} s")


if __name__ == "__main__":
    main()
