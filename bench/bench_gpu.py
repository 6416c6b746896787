"""CUDA against the CPU, on the same machine in the same run (issue 7: GPU workers).

Every figure is a ratio against a CPU baseline measured here, with the same model:

1. device choice: what ``--device auto`` / ``--mt-device auto`` take, in which compute type;
2. transcription (``scodub.asr.whisper.transcribe_audio``, scodub's whole ASR path: VAD,
   guards, recovery of skipped speech, case restoring) of several minutes of real speech
   (JFK and the LibriVox clips, repeated, 0.5 s apart): CPU int8 on every core against
   CUDA float16, sequential and batched; real-time factors, speed-ups, and how far the
   two transcripts differ (word error rate of one against the other, and each against the
   references on the clips alone);
3. festival names checked against the audio on each device
   (``scodub.names.audiocheck``): the judge's scores for "John Dashwood" against "Zhang
   Dashwood" on the LibriVox clip that says the first, and the festival glossary over the
   real clips (it must change nothing on either device);
4. a feature-length film (``--film-minutes``, default 45: the real clips again and again,
   0.3-4 s apart) transcribed the way the transcribe stage does a long film: window by
   window (``scodub.asr.long.transcribe_stream``) with the festival glossary's pass on each
   window, on CUDA; the CPU does the film's first 5 minutes the same way, for the ratio;
   reported: real-time factors, the GPU's memory in use (``nvidia-smi``, sampled), the
   corrections made (ordinary speech: there must be none);
5. translation with the tiny NLLB-shaped copy model (tests/data/tiny-nllb): CPU int8
   against CUDA int8_float16: the same outputs?
6. (``--run-minutes N``, needs ffmpeg and the dub extra) the whole ``scodub run`` of a
   generated film of N minutes (the real clips again, under a test picture): subtitles in
   English and Russian (the tiny NLLB), both dubbed (the embedded Piper voice, espeak-ng),
   each dub transcribed back, the delivery muxed; once with ``--device auto --mt-device
   auto`` (CUDA) and once with ``--device cpu --mt-device cpu``, each into a fresh folder:
   wall time and each stage's seconds from the run's report (where a GPU worker's time
   goes: the voices and the mix run on the CPU either way).

The clips are 16 kHz mono PCM WAV read with the standard library, so the benchmark runs
on a GPU machine with only CTranslate2, faster-whisper and scodub's own requirements
(no ffmpeg). Where CUDA cannot be used it says why and stops (exit status 2).

Run: ``.venv/bin/python bench/bench_gpu.py [--model FOLDER] [--repeat 8] [--film-minutes 45]
[--skip asr,names,film,mt] [--run-minutes 5]``. Measured 2026-12-04 on one H200
(CTranslate2 4.8.5, its CUDA 12 build over the machine's CUDA 13 cuBLAS): README.md, "GPU
workers".
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
import wave
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from references import DATA, JFK_REFERENCE, librivox_references  # noqa: E402
from scodub import devices  # noqa: E402
from scodub.asr.whisper import AsrSettings, load_model, prepare, transcribe_audio  # noqa: E402
from scodub.data import Transcript  # noqa: E402
from scodub.media.decode import ASR_SAMPLE_RATE  # noqa: E402
from scodub.text.metrics import corpus_wer, wer  # noqa: E402

DASHWOOD = "sense_and_sensibility_01_austen_64kb-0870"  # "and mister john dashwood had ..."
GLOSSARY = ROOT / "glossaries" / "sco-film-festival-2025.yaml"
TINY_NLLB = DATA / "tiny-nllb"


def read_wav(path: Path) -> np.ndarray:
    """A 16 kHz mono 16-bit WAV as float32 samples."""
    with wave.open(str(path), "rb") as w:
        shape = (w.getframerate(), w.getnchannels(), w.getsampwidth())
        if shape != (ASR_SAMPLE_RATE, 1, 2):
            raise SystemExit(f"{path}: expected 16 kHz mono 16-bit PCM, found {shape}")
        frames = w.readframes(w.getnframes())
    return np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32768.0


def clips() -> dict[Path, str]:
    refs = {DATA / "jfk.wav": JFK_REFERENCE}
    refs |= {DATA / "librivox" / f"{k}.wav": v for k, v in librivox_references().items()}
    return refs


def long_audio(repeat: int) -> np.ndarray:
    pause = np.zeros(ASR_SAMPLE_RATE // 2, dtype=np.float32)
    parts: list[np.ndarray] = []
    for _ in range(repeat):
        for path in clips():
            parts += [read_wav(path), pause]
    return np.concatenate(parts)


def _timed(make: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    result = make()
    return result, time.perf_counter() - start


def bench_transcription(settings: AsrSettings, model: Any, repeat: int) -> None:
    audio = long_audio(repeat)
    seconds = len(audio) / ASR_SAMPLE_RATE
    cpu = dataclasses.replace(settings, device="cpu", compute_type="int8")
    gpu = dataclasses.replace(settings, device="cuda", compute_type="float16")
    for where in (cpu, gpu):  # load once, outside the timings
        transcribe_audio(read_wav(DATA / "jfk.wav"), where, model)
    texts: dict[tuple[str, int], str] = {}
    times: dict[tuple[str, int], float] = {}
    for batch in (1, 8):
        for where in (cpu, gpu):
            run = dataclasses.replace(where, batch_size=batch)
            result, took = _timed(lambda run=run: transcribe_audio(audio, run, model))
            texts[where.device, batch] = result.text
            times[where.device, batch] = took
            print(f"[asr] {seconds / 60:.1f} min of speech, {where.device}/{where.compute_type} "
                  f"batch {batch}: {took:.2f} s (RTF {took / seconds:.4f})", flush=True)
    for batch in (1, 8):
        differ = wer(texts["cpu", batch], texts["cuda", batch])
        print(f"[asr] batch {batch}: CUDA speed-up over the CPU "
              f"{times['cpu', batch] / times['cuda', batch]:.1f}x; words differing "
              f"(WER of CUDA's text against the CPU's) {differ:.2%}")
    for where in (cpu, gpu):
        pairs = [(ref, transcribe_audio(read_wav(path), where, model).text)
                 for path, ref in clips().items()]
        print(f"[asr] {len(pairs)} real clips, {where.device}: WER {corpus_wer(pairs):.2%}")


def _words(t: Transcript) -> list[str]:
    return [w.text for s in t.segments for w in s.words]


def bench_names(settings: AsrSettings, model: Any) -> None:
    from scodub.names.audiocheck import WhisperJudge, transcribe_with_glossary
    from scodub.names.io import load_glossary

    glossary = load_glossary(GLOSSARY)
    audio = read_wav(DATA / "librivox" / f"{DASHWOOD}.wav")
    for device, compute in (("cpu", "int8"), ("cuda", "float16")):
        where = dataclasses.replace(settings, device=device, compute_type=compute)
        plain = transcribe_audio(audio, where, model)
        seg = next((s for s in plain.segments if "John" in s.text), None)
        if seg is None:
            print(f"[names] {device}: 'John' not heard in {DASHWOOD}: {plain.text!r}")
            continue
        judge = WhisperJudge(load_model(str(model.path), device, compute, 0), audio, "en")
        texts = [seg.text, seg.text.replace("John", "Zhang")]
        started = time.perf_counter()
        heard, written = judge(seg, texts, ["Zhang Dashwood"])
        took = time.perf_counter() - started
        print(f"[names] {device}/{compute}: judge 'John Dashwood' {heard:.2f}, 'Zhang Dashwood' "
              f"{written:.2f} nats ({took * 1000:.0f} ms, encoder pass included)")
        changed = corrections = 0
        for path in clips():
            clip = read_wav(path)
            plain = transcribe_audio(clip, where, model)
            named = transcribe_with_glossary(clip, where, model, glossary)
            changed += _words(named) != _words(plain)
            corrections += len(named.corrections)
        print(f"[names] {device}: festival glossary over {len(clips())} real clips: "
              f"{changed} transcripts changed, {corrections} corrections (both must be 0)")


def film_audio(minutes: float) -> np.ndarray:
    rng = np.random.default_rng(7)
    speech = [read_wav(path) for path in clips()]
    parts: list[np.ndarray] = []
    total = 0
    while total < minutes * 60 * ASR_SAMPLE_RATE:
        for clip in speech:
            pause = np.zeros(int(rng.uniform(0.3, 4.0) * ASR_SAMPLE_RATE), dtype=np.float32)
            parts += [clip, pause]
            total += clip.size + pause.size
    return np.concatenate(parts)[: int(minutes * 60 * ASR_SAMPLE_RATE)]


class GpuMemory:
    """The most memory in use on GPU 0 while it runs, sampled by ``nvidia-smi`` (MiB)."""

    def __init__(self) -> None:
        import threading

        self.peak = -1
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        import subprocess

        while not self._stop.wait(0.5):
            try:
                out = subprocess.run(
                    ["nvidia-smi", "--query-gpu=memory.used", "--format=csv,noheader,nounits",
                     "-i", "0"], capture_output=True, text=True, timeout=10, check=True)
                self.peak = max(self.peak, int(out.stdout.split()[0]))
            except (OSError, ValueError, IndexError, subprocess.SubprocessError):
                return

    def __enter__(self) -> GpuMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def bench_film(settings: AsrSettings, model: Any, minutes: float) -> None:
    from scodub.asr.long import transcribe_stream
    from scodub.names.io import load_glossary
    from scodub.stages.transcribe import glossary_window

    decode = glossary_window(load_glossary(GLOSSARY), model)
    audio = film_audio(minutes)
    for device, compute, length in (("cpu", "int8", 5 * 60 * ASR_SAMPLE_RATE),
                                    ("cuda", "float16", audio.size)):
        where = dataclasses.replace(settings, device=device, compute_type=compute)
        part = audio[:length]
        blocks = (part[i : i + ASR_SAMPLE_RATE] for i in range(0, part.size, ASR_SAMPLE_RATE))
        with GpuMemory() as memory:
            result, took = _timed(lambda where=where, blocks=blocks: transcribe_stream(
                blocks, where, model, decode=decode).transcript)
        seconds = part.size / ASR_SAMPLE_RATE
        words = sum(len(s.words) for s in result.segments)
        print(f"[film] {seconds / 60:.0f} min, window by window with the festival glossary, "
              f"{device}/{compute}: {took:.1f} s (RTF {took / seconds:.4f}); {words} words, "
              f"{len(result.corrections)} corrections; GPU memory in use at most "
              f"{memory.peak} MiB", flush=True)


def bench_translation() -> None:
    from scodub.mt.nllb import NllbTranslator

    texts = [
        "The festival opened with a film about two brothers.",
        "The jury gave its prize to a first film from Kazakhstan.",
        "Tickets for the closing night went on sale in Qingdao.",
    ]
    batch = texts * 64
    out: dict[str, list[list[str]]] = {}
    took: dict[str, float] = {}
    for device in ("cpu", "cuda"):
        nllb = NllbTranslator(TINY_NLLB, device=device)
        nllb.translate(texts, "en", "ru")  # warm up
        result, took[device] = _timed(lambda nllb=nllb: nllb.translate(batch, "en", "ru"))
        out[device] = [hypotheses[0] for hypotheses in result]
        print(f"[mt] tiny NLLB on {nllb.device}/{nllb.compute_type}: {len(batch)} sentences "
              f"in {took[device]:.3f} s")
    same = sum(a == b for a, b in zip(out["cpu"], out["cuda"], strict=True))
    print(f"[mt] CUDA speed-up {took['cpu'] / took['cuda']:.1f}x; outputs equal to the CPU's: "
          f"{same} of {len(batch)} (a copy model: int8 against int8_float16 arithmetic)")


def bench_run(minutes: float) -> None:
    import json
    import subprocess
    import tempfile

    from scodub.media.ffmpeg import ffmpeg_exe

    with tempfile.TemporaryDirectory() as tmp:
        sound, film = Path(tmp) / "film.wav", Path(tmp) / "film one.mp4"
        samples = (np.clip(film_audio(minutes), -1.0, 1.0) * 32767).astype("<i2")
        with wave.open(str(sound), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(ASR_SAMPLE_RATE)
            out.writeframes(samples.tobytes())
        subprocess.run([
            ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc2=s=160x90:r=6:d={minutes * 60}", "-i", str(sound),
            "-map", "0:v", "-map", "1:a", "-shortest", "-c:v", "libx264", "-preset",
            "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "96k", str(film),
        ], check=True)  # fmt: skip
        took: dict[str, float] = {}
        for name, extra in (("cuda", ["--device", "auto", "--mt-device", "auto"]),
                            ("cpu", ["--device", "cpu", "--mt-device", "cpu"])):
            out_dir = Path(tmp) / f"out-{name}"
            command = [sys.executable, "-m", "scodub", "run", str(film), "--lang", "en",
                       "--langs", "en,ru", "--mt-model", str(TINY_NLLB), "--speakers", "off",
                       "--dub", "--dub-langs", "en,ru", "--out", str(out_dir), "-q", *extra]
            with GpuMemory() as memory:
                result, took[name] = _timed(lambda command=command: subprocess.run(
                    command, capture_output=True, text=True, check=False))
            if result.returncode != 0:
                print(f"[run] {name}: scodub run failed (exit {result.returncode}): "
                      f"{result.stderr.strip()[-400:]}")
                return
            report = json.loads(next(out_dir.glob("*.report.json")).read_text())
            stages = report["stages"]
            dub = stages.get("dub", {})
            parts = {"transcribe": stages["transcribe"]["seconds"], "dub": dub.get("seconds")}
            parts.update({f"dub.{lang}": info.get("seconds")
                          for lang, info in dub.get("languages", {}).items()})
            print(f"[run] {minutes:g} min film, scodub run en+ru, dubbed, back-checked, "
                  f"{name}: {took[name]:.1f} s (RTF {took[name] / (minutes * 60):.3f}); "
                  f"stage seconds {parts}; GPU memory in use at most {memory.peak} MiB",
                  flush=True)
        print(f"[run] whole run on CUDA {took['cpu'] / took['cuda']:.2f}x the CPU's speed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="Whisper folder (default: embedded base)")
    parser.add_argument("--repeat", type=int, default=8, help="times the clips are repeated")
    parser.add_argument("--film-minutes", type=float, default=45.0)
    parser.add_argument("--skip", default="", help="comma-separated: asr,names,film,mt")
    parser.add_argument("--run-minutes", type=float, default=0.0,
                        help="also time the whole scodub run of a film this long (needs ffmpeg)")
    args = parser.parse_args()
    gpus, why = devices.cuda_devices()
    if not gpus:
        print(f"CUDA cannot be used here: {why}")
        raise SystemExit(2)
    import ctranslate2

    print(f"ctranslate2 {ctranslate2.__version__}: {gpus} CUDA device(s); compute types on "
          f"cuda: {', '.join(sorted(ctranslate2.get_supported_compute_types('cuda')))}")
    settings, model = prepare(AsrSettings(model=args.model, language="en"))
    asr = devices.resolve_device("auto", None, option="--device", gpu_compute="float16")
    mt = devices.resolve_device("auto", None, option="--mt-device", gpu_compute="int8_float16")
    print(f"--device auto -> {asr[0]}/{asr[1]}; --mt-device auto -> {mt[0]}/{mt[1]}")
    skip = set(args.skip.split(","))
    if "asr" not in skip:
        bench_transcription(settings, model, args.repeat)
    if "names" not in skip:
        bench_names(settings, model)
    if "film" not in skip:
        bench_film(settings, model, args.film_minutes)
    if "mt" not in skip:
        bench_translation()
    if args.run_minutes > 0:
        bench_run(args.run_minutes)


if __name__ == "__main__":
    main()
