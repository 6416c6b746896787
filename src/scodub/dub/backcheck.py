"""Intelligibility of a dub: transcribe the mix back with Whisper, score it against the
script.

The mix is what the audience hears (the dub over the ducked original), so the mix is
what is transcribed, at 16 kHz mono, with Whisper told the track's language; but only
while the dub speaks. Where a dubbed line is shorter than the original line, the ducked
original is the only speech left, and Whisper transcribes it (15 dB down is quiet for a
listener, not for Whisper): the whole English original came back inside an English
dub of the sample film. So the stretches where dubbed lines sound, padded a little, are
cut from the mix and joined with short silences; the background under the dub stays in.

Decoding is deterministic (temperature 0 without fallback, text without timestamps):
a score must not change between two runs, and the sampling fallback took Whisper base
two to three times real time on formant speech. Without the fallback Whisper can loop
on a word it cannot make out ("датам датам датам ..."); such a segment (one that
compresses like a loop) has its repeats kept once, so the loop costs the words it hid,
not twenty insertions. No prompt or hotword reaches the decoder except a content-free
one that makes Whisper write Chinese in simplified characters (``SCRIPT_PROMPTS``), so
the score never leans on the script's own words.

The score is the word error rate against the cues' text; Chinese is written without
spaces, so there it is the character error rate. Whisper has no Kyrgyz: that dub is
"not measurable". The back-check runs as its own stage (``stages.backcheck``), cached by
the mix's key and the ASR settings; the Whisper model stays loaded across languages
(``asr.load_model``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from scodub.asr.long import SEARCH_S, WINDOW_S
from scodub.asr.whisper import AsrSettings, load_model, prepare, resolve_device
from scodub.data import Cue
from scodub.dub.scripts import speech_text
from scodub.langs import get_language
from scodub.media.decode import ASR_SAMPLE_RATE, decode_audio, iter_audio
from scodub.provision.whisper import ResolvedModel
from scodub.text.metrics import normalize_words, wer

#: Mix kept before and after each dubbed line: the onset and release of its speech.
PAD_MS = 150
#: Silence between two excerpts, so that Whisper hears them as separate utterances.
JOIN_MS = 400
#: Whisper writes Chinese in traditional characters unless its context says otherwise;
#: a content-free prompt in simplified characters ("what follows are Mandarin sentences")
#: makes it write the script the track is in. Keyed by the track's BCP 47 tag. On the
#: sample's Chinese dub: CER 51% without it, 35% with it, the same words recognised.
SCRIPT_PROMPTS: dict[str, str] = {"zh-Hans": "以下是普通话的句子。"}
#: A long film's dub is heard this much speech at a time. Whisper's working set grows with
#: what it is given (its features, ~35 MB a minute): with ten-minute excerpts (the
#: transcription's window) the back-check of a 2-hour dub peaked 41% above a 10-minute
#: film's (bench/bench_longfilm.py --stages, both without the speaker pass). Each excerpt
#: ends on a whole line.
EXCERPT_WINDOW_S = 300
#: A segment whose text compresses this well is a repeat loop (Whisper's own
#: compression_ratio_threshold, openai/whisper transcribe.py).
LOOP_COMPRESSION_RATIO = 2.4


@dataclass(frozen=True, slots=True)
class Backcheck:
    """How well Whisper understands a dub: its error rate against the script."""

    language: str
    measurable: bool
    metric: str  # "wer", or "cer" for a script written without spaces (Chinese)
    error_rate: float | None
    heard: str = ""
    loops: int = 0  # Whisper segments that were repeat loops (their repeats kept once)
    reason: str = ""  # why it is not measurable
    cached: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def files(self) -> tuple[()]:
        return ()

    def describe(self) -> str:
        if self.error_rate is None:
            return self.reason
        return f"{self.metric.upper()} {100 * self.error_rate:.0f}%"


def error_rate(script: str, heard: str, *, per_character: bool) -> float:
    """WER of ``heard`` against ``script``; per character (CER) when ``per_character``.

    For the CER both texts are normalised (case, punctuation) and their spaces dropped,
    so ``metrics.wer`` compares them character by character.
    """
    if per_character:
        script, heard = "".join(normalize_words(script)), "".join(normalize_words(heard))
    return wer(script, heard)


def _padded_spans(spans: Sequence[tuple[int, int]]) -> list[list[int]]:
    """``spans`` (ms) each padded by ``PAD_MS``, in order, those that meet taken as one."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        lo, hi = max(0, start - PAD_MS), end + PAD_MS
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return merged


def speech_excerpt(
    audio: np.ndarray, spans: Sequence[tuple[int, int]], sample_rate: int = ASR_SAMPLE_RATE
) -> np.ndarray:
    """The stretches ``spans`` (ms) of ``audio``, each padded by ``PAD_MS``, joined with
    ``JOIN_MS`` of silence; spans that meet after padding are taken as one."""
    merged = _padded_spans(spans)
    gap = np.zeros(JOIN_MS * sample_rate // 1000, dtype=np.float32)
    pieces: list[np.ndarray] = []
    for lo, hi in merged:
        piece = audio[lo * sample_rate // 1000 : hi * sample_rate // 1000]
        if piece.size:
            pieces += [gap, piece] if pieces else [piece]
    return np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)


def excerpt_windows(
    blocks: Iterable[np.ndarray],
    spans: Sequence[tuple[int, int]],
    window: int,
    sample_rate: int = ASR_SAMPLE_RATE,
) -> Iterator[np.ndarray]:
    """``speech_excerpt`` of a streamed decode (``media.decode.iter_audio``), handed out
    in parts of about ``window`` samples, each made of whole padded spans joined by
    ``JOIN_MS`` of silence."""
    merged = _padded_spans(spans)
    bounds = [(lo * sample_rate // 1000, hi * sample_rate // 1000) for lo, hi in merged]
    gap = np.zeros(JOIN_MS * sample_rate // 1000, dtype=np.float32)
    part: list[np.ndarray] = []
    size = 0
    current: list[np.ndarray] = []
    index = position = 0
    for block in blocks:
        first, stop = position, position + block.size
        position = stop
        while index < len(bounds):
            lo, hi = bounds[index]
            if lo >= stop:
                break
            if min(hi, stop) > max(lo, first):
                current.append(block[max(lo, first) - first : min(hi, stop) - first])
            if hi > stop:
                break  # the span goes on in the next block
            piece = np.concatenate(current) if current else np.zeros(0, dtype=np.float32)
            current, index = [], index + 1
            if piece.size:
                part += [gap, piece] if part else [piece]
                size += piece.size
            if size >= window:
                yield np.concatenate(part)
                part, size = [], 0
    if current:  # a span that runs past the end of the audio
        piece = np.concatenate(current)
        part += [gap, piece] if part else [piece]
    if part:
        yield np.concatenate(part)


def collapse_repeats(text: str, max_ngram: int = 4, min_repeats: int = 3) -> str:
    """``text`` with every run of one phrase (1 to ``max_ngram`` words) said
    ``min_repeats`` or more times in a row kept once: a decoder loop, not speech."""
    words = text.split()
    for size in range(1, max_ngram + 1):
        kept: list[str] = []
        i = 0
        while i < len(words):
            phrase = words[i : i + size]
            run = 1
            while words[i + run * size : i + (run + 1) * size] == phrase and len(phrase) == size:
                run += 1
            if run >= min_repeats:
                kept += phrase
                i += run * size
            else:
                kept.append(words[i])
                i += 1
        words = kept
    return " ".join(words)


def _transcribe(audio: np.ndarray, settings: AsrSettings, model: ResolvedModel) -> tuple[str, int]:
    """The text Whisper hears, and how many of its segments were decoder loops."""
    device, compute_type = resolve_device(settings.device, settings.compute_type)
    whisper = load_model(str(model.path), device, compute_type, settings.cpu_threads)
    segments, _ = whisper.transcribe(
        audio,
        language=settings.language,
        beam_size=settings.beam_size,
        temperature=0.0,
        condition_on_previous_text=False,
        without_timestamps=True,
        vad_filter=settings.vad,
        initial_prompt=settings.initial_prompt,
    )
    texts: list[str] = []
    loops = 0
    for segment in segments:
        text = segment.text.strip()
        if segment.compression_ratio > LOOP_COMPRESSION_RATIO:
            loops += 1
            text = collapse_repeats(text)
        if text:
            texts.append(text)
    return " ".join(texts), loops


def backcheck(
    mix: Path,
    language: str,
    cues: Sequence[Cue],
    spans: Sequence[tuple[int, int]],
    asr: AsrSettings,
) -> Backcheck:
    """Transcribe ``mix`` where the dub speaks (``spans``: each line's start and end in
    ms) in ``language`` and score it against the cues' text."""
    lang = get_language(language)
    # Chinese is the table's one language counted by character width: no spaces.
    metric = "cer" if lang.cjk_width else "wer"
    if not lang.whisper_asr:
        reason = f"not measurable: Whisper has no {lang.name} ({lang.code})"
        return Backcheck(lang.code, False, metric, None, reason=reason)
    settings, model = prepare(backcheck_settings(asr, lang.code))
    if spans and max(end for _, end in spans) > (WINDOW_S + SEARCH_S) * 1000:
        # A feature film's dub: decoded as a stream, heard a window at a time (flat memory).
        texts, loops = [], 0
        for part in excerpt_windows(iter_audio(mix), spans, EXCERPT_WINDOW_S * ASR_SAMPLE_RATE):
            text, looped = _transcribe(part, settings, model)
            texts.append(text)
            loops += looped
        heard = " ".join(t for t in texts if t)
    else:
        heard, loops = _transcribe(speech_excerpt(decode_audio(mix), spans), settings, model)
    script = " ".join(speech_text(cue.flat_text) for cue in cues)
    rate = error_rate(script, heard, per_character=lang.cjk_width)
    return Backcheck(lang.code, True, metric, rate, heard, loops=loops)


def backcheck_settings(asr: AsrSettings, language: str) -> AsrSettings:
    """Whisper's settings for a back-check in ``language``: its script prompt, no hotwords."""
    prompt = SCRIPT_PROMPTS.get(get_language(language).bcp47)
    return replace(asr, language=language, initial_prompt=prompt, hotwords=None)
