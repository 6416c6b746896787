"""Benchmark of speaker turns (scodub.asr.speakers) and voice type (scodub.asr.voicetype).

Clips are built from real single-speaker recordings (tests/speaker_clips.py): alternating
turns of 1-8 s between 2 to 5 speakers. Speakers, where found on this machine:

- ``jfk``: tests/data/jfk.wav (real, male);
- ``reader``: the LibriVox reader of tests/data/librivox (real, male);
- ``cards``: pocketsphinx-testdata's cards/*.wav (real, male; Debian package);
- ``ru``: festvox-ru's recorded Russian utterances (real, male; Debian package; its wav/
  folder, ``apt-get download festvox-ru`` + ``dpkg-deb -x``);
- ``slt``, ``dita``, ``lp``: Festival's US English HTS voice (synthetic, from a woman's
  recordings), the Czech and Italian female diphone voices (a woman's recorded diphones),
  when ``text2wave`` and the voices are installed.

Measured per clip, with the speaker count left to the clustering (``auto``) and forced
(``N``): the share of reference speech given to the wrong speaker under the best
one-to-one mapping, the share missed, the speakers found, and seconds per minute of audio.
Baseline measured in the same run: Whisper base transcribing the same clip (the stage that
diarization is added to), so the cost reads as a share of ASR time. Voice type: each
source's estimate next to a median-pitch-only rule (pitch > 160 Hz = higher).

Run: ``.venv/bin/python bench/bench_speakers.py [--root /]`` (``--root``: where Debian
packages were extracted, default ``/``). About three minutes on 2 idle cores.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from conftest import DATA  # noqa: E402
from scodub.asr.speakers import SpeakerSettings, find_turns  # noqa: E402
from scodub.asr.voicetype import PITCH_BOUNDARY_HZ, estimate_voice_type  # noqa: E402
from scodub.asr.whisper import AsrSettings, prepare, transcribe_audio  # noqa: E402
from speaker_clips import Clip, build_clip, load_audio, score_turns  # noqa: E402

_FESTIVAL = {
    # name: (voice function, language text, expected voice type)
    "slt": ("voice_cmu_us_slt_arctic_hts", "en", "higher"),
    "dita": ("voice_czech_dita", "cs", "higher"),
    "lp": ("voice_lp_diphone", "it", "higher"),
    "kal": ("voice_kal_diphone", "en", "lower"),
}
_TEXTS = {
    "en": [
        "The festival opens tonight with a film about the sea.",
        "Tickets for the evening screening are sold out, but the morning show has seats.",
        "Our jury met this afternoon to discuss the twelve films in competition.",
        "The director will answer questions from the audience after the screening.",
    ],
    "cs": [
        "Dobrý večer, festival dnes začíná filmem o moři.",
        "Vstupenky na večerní představení jsou vyprodané, ale ráno jsou volná místa.",
        "Porota se dnes odpoledne sešla a diskutovala o dvanácti filmech.",
    ],
    "it": [
        "Buonasera, il festival si apre stasera con un film sul mare.",
        "I biglietti per la proiezione serale sono esauriti, ma al mattino ci sono posti.",
        "La giuria si è riunita oggi pomeriggio per discutere i dodici film in concorso.",
    ],
}


def _festival_voice(name: str, folder: Path) -> list[np.ndarray]:
    voice, lang, _ = _FESTIVAL[name]
    clips: list[np.ndarray] = []
    for k, text in enumerate(_TEXTS[lang]):
        source = folder / f"{name}{k}.txt"
        target = folder / f"{name}{k}.wav"
        encoding = "iso-8859-2" if lang == "cs" else "latin-1"
        source.write_bytes(text.encode(encoding))
        done = subprocess.run(
            ["text2wave", "-eval", f"({voice})", str(source), "-o", str(target)],
            capture_output=True,
            timeout=120,
            check=False,
        )
        if done.returncode == 0 and target.is_file() and target.stat().st_size > 1000:
            clips.append(load_audio(target))
    return clips


def speakers(root: Path, scratch: Path) -> dict[str, tuple[list[np.ndarray], str, str]]:
    """name -> (recordings, expected voice type, what it is)."""
    found: dict[str, tuple[list[np.ndarray], str, str]] = {
        "jfk": ([load_audio(DATA / "jfk.wav")], "lower", "real"),
        "reader": (
            [load_audio(p) for p in sorted((DATA / "librivox").glob("*.wav"))],
            "lower",
            "real",
        ),
    }
    cards = sorted((root / "usr/share/pocketsphinx/test/data/cards").glob("*.wav"))
    if cards:
        found["cards"] = ([load_audio(p) for p in cards], "lower", "real")
    russian = sorted((root / "usr/share/festival/voices/russian").glob("*/wav/ru_0*.wav"))
    if russian:
        found["ru"] = ([load_audio(p) for p in russian[:40]], "lower", "real")
    if shutil.which("text2wave"):
        for name, (_, _, kind) in _FESTIVAL.items():
            clips = _festival_voice(name, scratch)
            if clips:
                what = "synthetic (HTS)" if name == "slt" else "diphones (recorded)"
                found[name] = (clips, kind, what)
    return found


def _asr_seconds(clip: Clip) -> float:
    settings, model = prepare(AsrSettings(language="en"))
    started = time.perf_counter()
    transcribe_audio(clip.audio, settings, model)
    return time.perf_counter() - started


def bench_turns(voices: dict[str, tuple[list[np.ndarray], str, str]]) -> None:
    names = list(voices)
    plans = [
        ("jfk", "reader"),
        tuple(n for n in ("jfk", "reader", "ru") if n in names),
        tuple(n for n in ("jfk", "reader", "ru", "slt") if n in names),
        tuple(n for n in ("jfk", "reader", "cards", "ru", "slt") if n in names),
        tuple(n for n in ("reader", "dita", "ru", "lp") if n in names),
    ]
    seen: set[tuple[str, ...]] = set()
    find_turns(np.zeros(32000, dtype=np.float32), SpeakerSettings())  # load the model once
    print("\nSpeaker turns (confusion / missed: share of reference speech; s/min: per minute)")
    print(
        f"{'speakers':<30} {'seed':>4} {'min':>5} {'auto: conf':>10} {'miss':>6} {'found':>5} "
        f"{'forced: conf':>12} {'found':>5} {'s/min':>6} {'ASR s/min':>9}"
    )
    totals: list[tuple[float, float, float, float]] = []
    for plan in plans:
        if len(plan) < 2 or plan in seen:
            continue
        seen.add(plan)
        for seed in (0, 1):
            clip = build_clip(
                {n: voices[n][0] for n in plan},
                seed=seed,
                turns=6 * len(plan),
                turn_ms=(1000, 8000),
            )
            minutes = clip.duration_ms / 60_000
            started = time.perf_counter()
            auto = find_turns(clip.audio, SpeakerSettings())
            seconds = time.perf_counter() - started
            forced = find_turns(clip.audio, SpeakerSettings(count=len(plan)))
            a = score_turns(clip.turns, [(t.start_ms, t.end_ms, t.speaker) for t in auto])
            f = score_turns(clip.turns, [(t.start_ms, t.end_ms, t.speaker) for t in forced])
            asr = _asr_seconds(clip) if seed == 0 else float("nan")
            totals.append((a.confusion, f.confusion, seconds / minutes, asr / minutes))
            print(
                f"{','.join(plan):<30} {seed:>4} {minutes:>5.2f} {a.confusion:>10.1%} "
                f"{a.missed:>6.1%} {a.found:>3}/{a.expected} {f.confusion:>12.1%} "
                f"{f.found:>3}/{f.expected} {seconds / minutes:>6.1f} {asr / minutes:>9.1f}"
            )
    conf = np.mean([t[0] for t in totals])
    forced_conf = np.mean([t[1] for t in totals])
    speed = np.mean([t[2] for t in totals])
    asr = np.nanmean([t[3] for t in totals])
    print(
        f"mean: auto confusion {conf:.1%}, forced {forced_conf:.1%}; diarization "
        f"{speed:.1f} s per minute of audio = {speed / asr:.2f}x the time of Whisper base ASR "
        f"({asr:.1f} s/min) on the same clips"
    )


def bench_voice_type(voices: dict[str, tuple[list[np.ndarray], str, str]]) -> None:
    print("\nVoice type (pitch + formant dispersion) against median pitch alone")
    print(f"{'speaker':<8} {'what':<20} {'expected':<8} {'ours':<8} {'pitch Hz':>8} "
          f"{'disp Hz':>7} {'pitch-only':<10}")  # fmt: skip
    right = pitch_right = 0
    for name, (clips, expected, what) in voices.items():
        estimate = estimate_voice_type(np.concatenate(clips))
        pitch_only = "higher" if estimate.pitch_hz > PITCH_BOUNDARY_HZ else "lower"
        right += estimate.voice_type == expected
        pitch_right += pitch_only == expected
        print(
            f"{name:<8} {what:<20} {expected:<8} {estimate.voice_type:<8} "
            f"{estimate.pitch_hz:>8.0f} {estimate.dispersion_hz:>7.0f} {pitch_only:<10}"
        )
    print(f"right: ours {right}/{len(voices)}, median pitch alone {pitch_right}/{len(voices)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path("/"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        voices = speakers(args.root, Path(scratch))
    print("speakers:", ", ".join(f"{n} ({v[2]}, {v[1]})" for n, v in voices.items()))
    bench_voice_type(voices)
    bench_turns(voices)


if __name__ == "__main__":
    main()
