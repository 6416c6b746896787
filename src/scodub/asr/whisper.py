"""Speech recognition: faster-whisper on CPU or CUDA, to a Transcript in whole ms.

Guards against Whisper's known failure modes on film audio: Silero VAD keeps music and
silence out of the decoder; decoding is not conditioned on previous text (the main cause
of repeat loops); segments that look like hallucinations (high no-speech probability
with low confidence, runaway compression ratio, repeats, sound-tag-only text) are
dropped and counted, or trimmed where a loop ran on past the speech (``asr.guard``). What
the words and the audio disagree on is kept for the report (``asr.hearing``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from scodub import devices
from scodub.asr import guard
from scodub.asr.edges import SpeechMap, refine_words, speech_map
from scodub.asr.hearing import check_hearing
from scodub.asr.punctuate import restore_case
from scodub.asr.recover import recover_skipped
from scodub.data import Segment, Transcript, Word, ms
from scodub.devices import DEVICES
from scodub.errors import ConfigError, ModelError
from scodub.langs import get_language, require_asr, written_with_spaces
from scodub.media.decode import ASR_SAMPLE_RATE, decode_audio
from scodub.media.probe import AudioStream
from scodub.provision.whisper import ResolvedModel, resolve_whisper_model

TASKS = ("transcribe", "translate")
#: Upper bounds of the decoding settings: beams beyond a few dozen only cost memory (one
#: of 100,000 took 23 GB for 2 s of audio), a batch beyond a few hundred windows and
#: threads beyond a few hundred only fail (a segfault, "Thread creation failed").
MAX_BEAM_SIZE = 32
MAX_BATCH_SIZE = 256
MAX_CPU_THREADS = 256

@dataclass(frozen=True, slots=True)
class AsrSettings:
    model: str | None = None  # faster-whisper name, hub repo id or local folder; None = embedded
    device: str = "auto"
    compute_type: str = "auto"
    batch_size: int = 1  # > 1 uses faster-whisper's BatchedInferencePipeline
    beam_size: int = 5
    language: str | None = None  # None: detect (and report)
    task: str = "transcribe"  # "translate": Whisper speech translation into English
    vad: bool = True
    hotwords: str | None = None
    initial_prompt: str | None = None
    cpu_threads: int = 0

    def validate(self) -> AsrSettings:
        if self.device not in DEVICES:
            raise ConfigError(
                f"invalid device {self.device!r}, expected one of: {', '.join(DEVICES)}"
            )
        if self.task not in TASKS:
            raise ConfigError(f"invalid task {self.task!r}, expected one of: {', '.join(TASKS)}")
        if not 1 <= self.batch_size <= MAX_BATCH_SIZE:
            raise ConfigError(f"--batch-size must be 1-{MAX_BATCH_SIZE}, not {self.batch_size}")
        if not 1 <= self.beam_size <= MAX_BEAM_SIZE:
            raise ConfigError(f"--beam-size must be 1-{MAX_BEAM_SIZE}, not {self.beam_size}")
        if not 0 <= self.cpu_threads <= MAX_CPU_THREADS:
            raise ConfigError(f"--threads must be 0-{MAX_CPU_THREADS}, not {self.cpu_threads}")
        if self.language is not None:
            return replace(self, language=require_asr(self.language).code)
        return self

    def key(self, model: ResolvedModel) -> dict[str, Any]:
        """What determines the transcript (goes into the stage cache key)."""
        fields = asdict(self)
        fields.pop("cpu_threads")  # changes speed, not the result
        fields["model"] = model.identity
        fields["device"], fields["compute_type"] = resolve_device(self.device, self.compute_type)
        return fields


def resolve_device(device: str, compute_type: str) -> tuple[str, str]:
    """``auto`` -> CUDA when CTranslate2 can use a GPU, else CPU; matching compute type
    (float16 on CUDA, int8 on the CPU). Any unusable choice is one ConfigError line."""
    return devices.resolve_device(device, compute_type, option="--device", gpu_compute="float16")


@functools.lru_cache(maxsize=2)
def load_model(path: str, device: str, compute_type: str, cpu_threads: int) -> Any:
    """Load (once per process) a faster-whisper model."""
    from faster_whisper import WhisperModel

    try:
        return WhisperModel(
            path, device=device, compute_type=compute_type, cpu_threads=cpu_threads
        )
    # CTranslate2 (a missing or old cuBLAS/cuDNN, a damaged model.bin) and the tokenizers
    # library (a damaged tokenizer.json raises its own Exception type) fail here.
    except Exception as exc:
        raise ModelError(
            f"{path}: cannot load Whisper on {device} ({compute_type}): {exc}"
            + ("; try --device cpu" if device == "cuda" else "")
        ) from exc


def prepare(settings: AsrSettings) -> tuple[AsrSettings, ResolvedModel]:
    """Validate settings and provision the model before any heavy work."""
    settings = settings.validate()
    resolve_device(settings.device, settings.compute_type)  # a wrong device fails now
    return settings, resolve_whisper_model(settings.model)


#: Whisper detects the language on its first 30 s window.
_DETECTION_SECONDS = 30.0


def detect_spoken_language(
    film: Path, stream: AudioStream, settings: AsrSettings, model: ResolvedModel
) -> tuple[str, float]:
    """The language spoken in the first 30 s of ``stream`` (speech only, Silero VAD) and
    Whisper's probability for it; English for a stream with no speech there."""
    device, compute_type = resolve_device(settings.device, settings.compute_type)
    whisper = load_model(str(model.path), device, compute_type, settings.cpu_threads)
    audio = decode_audio(film, stream, seconds=_DETECTION_SECONDS)
    if audio.size == 0:
        return "en", 0.0
    language, probability, _ = whisper.detect_language(audio, vad_filter=settings.vad)
    return _known_code(str(language)), float(probability)


ProgressFn = Callable[[float], None]  # receives the seconds of audio done so far


def transcribe_audio(
    audio: np.ndarray,
    settings: AsrSettings,
    model: ResolvedModel,
    progress: ProgressFn | None = None,
) -> Transcript:
    """Transcribe 16 kHz mono float32 audio; see the module docstring for the guards."""
    device, compute_type = resolve_device(settings.device, settings.compute_type)
    whisper = load_model(str(model.path), device, compute_type, settings.cpu_threads)
    options: dict[str, Any] = {
        "language": settings.language,
        "task": settings.task,
        "beam_size": settings.beam_size,
        "word_timestamps": True,
        "vad_filter": settings.vad,
        "condition_on_previous_text": False,
        "hotwords": settings.hotwords or None,
        "initial_prompt": settings.initial_prompt or None,
    }
    if settings.batch_size > 1:
        from faster_whisper import BatchedInferencePipeline

        segments_iter, info = BatchedInferencePipeline(model=whisper).transcribe(
            audio, batch_size=settings.batch_size, **options
        )
    else:
        segments_iter, info = whisper.transcribe(
            audio, hallucination_silence_threshold=2.0, **options
        )
    kept: list[Segment] = []
    dropped = 0
    spaced = written_with_spaces("en" if settings.task == "translate" else info.language)
    speech = speech_map(audio)
    for raw in segments_iter:
        if progress:
            progress(raw.end)
        segment = guard.kept(_to_segment(raw, spaced), kept, speech, spaced)
        if segment is None:
            dropped += 1
            continue
        kept.append(segment)
    kept, recovered = recover_skipped(whisper, audio, kept, speech, options,
                                      str(info.language), spaced, _to_segment)
    written = "en" if settings.task == "translate" else str(info.language)
    kept, _ = restore_case(whisper, audio, kept, written, options, str(info.language))
    regions = list(speech.regions)
    if settings.vad and kept:
        kept = snap_to_speech(kept, regions)
    hearing = check_hearing(whisper, audio, regions, kept, str(info.language))
    language = "en" if settings.task == "translate" else info.language
    return Transcript(
        language=_known_code(language),
        language_probability=float(info.language_probability or 0.0),
        duration_ms=ms(len(audio) / ASR_SAMPLE_RATE),
        segments=tuple(kept),
        task=settings.task,
        dropped_segments=dropped,
        recovered_segments=recovered,
        hearing=hearing,
    )


def speech_regions(audio: np.ndarray) -> list[tuple[int, int]]:
    """Stretches of speech in ms (Silero VAD, edges sharpened: ``scodub.asr.edges``)."""
    return list(speech_map(audio).regions)


def snap_to_speech(segments: list[Segment], regions: Sequence[tuple[int, int]]) -> list[Segment]:
    """Move word edges that Whisper put in non-speech onto the speech they belong to.

    Whisper's word timestamps are coarse at the start of a decoding window: the first
    word often starts at the window's start, hundreds of ms before the voice. Doubtful
    edges move onto speech (``scodub.asr.edges.refine_words``), so cue in-times land on
    the first frame of speech.
    """
    speech = SpeechMap(tuple(regions))
    out: list[Segment] = []
    for seg in segments:
        words = refine_words(seg.words, speech)
        if words:
            seg = replace(
                seg, words=tuple(words), start_ms=words[0].start_ms, end_ms=words[-1].end_ms
            )
        out.append(seg)
    return out


def _known_code(code: str) -> str:
    try:
        return get_language(code).code
    except Exception:
        return code  # a language outside the SCO table (e.g. French) is still reported


def _to_segment(raw: Any, spaced: bool = True) -> Segment:
    words: list[Word] = []
    for w in raw.words or ():
        text = w.word.strip()
        if not text:
            continue
        start, end = ms(w.start), max(ms(w.end), ms(w.start) + 1)
        if spaced and words and not w.word[:1].isspace():
            # A token without a leading space continues the previous word ("ill" "-sposed").
            last = words[-1]
            words[-1] = Word(
                last.text + text,
                last.start_ms,
                max(end, last.end_ms),
                min(last.probability, float(w.probability)),
            )
            continue
        words.append(Word(text, start, end, float(w.probability)))
    return Segment(
        start_ms=ms(raw.start),
        end_ms=ms(raw.end),
        text=raw.text.strip(),
        words=tuple(words),
        avg_logprob=float(raw.avg_logprob),
        no_speech_prob=float(raw.no_speech_prob),
        compression_ratio=float(raw.compression_ratio),
    )
