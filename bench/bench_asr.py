"""Benchmarks of the transcription stage (issue 2), each against a baseline measured in the
same run:

1. overhead of scodub's transcribe stage versus calling faster-whisper directly on the same
   film with the same model and settings (target: at most 10% more wall time);
2. batched (BatchedInferencePipeline) versus sequential transcription on CPU;
3. word error rate on the real English clips, scodub versus plain faster-whisper;
4. cue in-times versus speech onsets: Silero VAD (no padding) on the raw audio finds the
   stretches of speech after a pause of 300 ms or more; for each stretch that a cue opens,
   the distance between the cue's in-time and the onset;
5. share of cues meeting each hard rule and the reading-speed rule.

Run: ``.venv/bin/python bench/bench_asr.py [--repeat 3]`` (about 2-3 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from conftest import DATA, JFK_REFERENCE, SAMPLE, librivox_references  # noqa: E402
from scodub.asr.whisper import AsrSettings, load_model, prepare, resolve_device, transcribe_audio  # noqa: E402
from scodub.data import Track  # noqa: E402
from scodub.langs import get_language  # noqa: E402
from scodub.media.decode import ASR_SAMPLE_RATE, decode_audio  # noqa: E402
from scodub.media.probe import choose_audio_stream, probe  # noqa: E402
from scodub.names.glossary import Glossary  # noqa: E402
from scodub.stages.base import StageContext, cached  # noqa: E402
from scodub.stages.film import open_film  # noqa: E402
from scodub.stages.glossary import GlossaryRef  # noqa: E402
from scodub.stages.subtitles import SubtitlesStage  # noqa: E402
from scodub.stages.transcribe import TranscribeStage  # noqa: E402


def stage_transcribe(
    clip: Path, out: Path, asr: AsrSettings
) -> tuple[TranscribeStage, StageContext]:
    """The transcribe stage of ``clip``, run through scodub's cache into ``out``."""
    ctx = StageContext(out)
    stage = TranscribeStage.build(open_film(clip, out), asr, GlossaryRef(), Glossary())
    cached(stage, ctx)
    return stage, ctx
from scodub.text.metrics import corpus_wer  # noqa: E402
from scodub.text.qc import check_track  # noqa: E402

DIRECT_OPTIONS = {
    "beam_size": 5,
    "word_timestamps": True,
    "vad_filter": True,
    "condition_on_previous_text": False,
    "hallucination_silence_threshold": 2.0,
}


def _direct(whisper: object, audio: np.ndarray, language: str | None = None) -> str:
    segments, _ = whisper.transcribe(audio, language=language, **DIRECT_OPTIONS)  # type: ignore[attr-defined]
    return " ".join(s.text.strip() for s in segments)


def bench_overhead(whisper: object, repeat: int) -> None:
    from faster_whisper import decode_audio as fw_decode

    direct_times, stage_times = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        _direct(whisper, fw_decode(str(SAMPLE)))
        direct_times.append(time.perf_counter() - start)
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            stage_transcribe(SAMPLE, Path(out), AsrSettings())
            stage_times.append(time.perf_counter() - start)
    d, s = statistics.median(direct_times), statistics.median(stage_times)
    print(
        f"[overhead] sample film: faster-whisper direct {d:.2f} s, scodub stage {s:.2f} s, "
        f"ratio {s / d:.3f} (target <= 1.10; median of {repeat})"
    )


def _long_audio() -> np.ndarray:
    clips = [DATA / "jfk.wav", *sorted((DATA / "librivox").glob("*.wav"))]
    pause = np.zeros(ASR_SAMPLE_RATE // 2, dtype=np.float32)
    parts = []
    for clip in clips * 3:
        parts += [decode_audio(clip, choose_audio_stream(probe(clip))), pause]
    return np.concatenate(parts)


def bench_batched(model: object) -> None:
    audio = _long_audio()
    seconds = len(audio) / ASR_SAMPLE_RATE
    timings = {}
    for batch in (1, 8):
        start = time.perf_counter()
        transcribe_audio(audio, AsrSettings(language="en", batch_size=batch), model)  # type: ignore[arg-type]
        timings[batch] = time.perf_counter() - start
    print(
        f"[batched] {seconds:.0f} s of speech on CPU: sequential {timings[1]:.2f} s "
        f"(RTF {timings[1] / seconds:.3f}), batch 8 {timings[8]:.2f} s "
        f"(RTF {timings[8] / seconds:.3f}), speed-up {timings[1] / timings[8]:.2f}x"
    )


def bench_wer(whisper: object, model: object) -> None:
    refs = {DATA / "jfk.wav": JFK_REFERENCE}
    refs |= {DATA / "librivox" / f"{k}.wav": v for k, v in librivox_references().items()}
    plain, ours = [], []
    for path, reference in refs.items():
        audio = decode_audio(path, choose_audio_stream(probe(path)))
        plain.append((reference, _direct(whisper, audio, "en")))
        ours.append((reference, transcribe_audio(audio, AsrSettings(language="en"), model).text))  # type: ignore[arg-type]
    print(
        f"[wer] {len(refs)} real English clips: faster-whisper {corpus_wer(plain):.2%}, "
        f"scodub {corpus_wer(ours):.2%}"
    )


def bench_cues() -> None:
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    offsets: list[float] = []
    shares: dict[str, list[float]] = {}
    clips = [SAMPLE, DATA / "jfk.wav", *sorted((DATA / "librivox").glob("*.wav"))]
    for clip in clips:
        info = probe(clip)
        audio = decode_audio(clip, choose_audio_stream(info))
        with tempfile.TemporaryDirectory() as out:
            stage, ctx = stage_transcribe(clip, Path(out), AsrSettings(language="en"))
            subs = cached(SubtitlesStage(stage), ctx).result
        vad = VadOptions(min_silence_duration_ms=300, speech_pad_ms=0)
        regions = [
            (r["start"] * 1000 / ASR_SAMPLE_RATE, r["end"] * 1000 / ASR_SAMPLE_RATE)
            for r in get_speech_timestamps(audio, vad)
        ]
        previous_end = 0.0
        for start, end in regions:  # the cue that opens each stretch of speech, if any
            opening = [c.start_ms for c in subs.track.cues if previous_end <= c.start_ms < end]
            if opening:
                offsets.append(abs(min(opening) - start) / 1000)
            previous_end = end
        report = check_track(Track("en", subs.track.cues, info.fps), info.fps).to_json()
        for rule, share in report["summary"]["share_ok"].items():
            shares.setdefault(rule, []).append(share)
    print(
        f"[in-time] {len(offsets)} speech onsets: mean |cue in-time - onset| "
        f"{statistics.mean(offsets):.3f} s, max {max(offsets):.3f} s (target mean <= 0.25 s)"
    )
    for rule, values in sorted(shares.items()):
        print(f"[rules] {rule}: {statistics.mean(values):.1%} of cues meet it")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    settings, model = prepare(AsrSettings())
    device, compute = resolve_device(settings.device, settings.compute_type)
    whisper = load_model(str(model.path), device, compute, 0)
    print(f"model {model.name} on {device}/{compute}; {get_language('en').name} clips")
    bench_overhead(whisper, args.repeat)
    bench_batched(model)
    bench_wer(whisper, model)
    bench_cues()


if __name__ == "__main__":
    main()
