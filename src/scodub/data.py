"""The pipeline's data: words, transcripts and cues, typed and immutable, in whole ms.

faster-whisper's float seconds become integer milliseconds once, at the ASR boundary
(``ms``); everything downstream works in ms. Change a value with ``dataclasses.replace``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def ms(seconds: float) -> int:
    """Float seconds (faster-whisper, PyAV) to whole milliseconds."""
    return round(seconds * 1000.0)


def hms(milliseconds: float) -> str:
    """A time as people read it in a report: ``1:02:05`` (whole seconds, cut down)."""
    s = int(milliseconds // 1000)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


@dataclass(frozen=True, slots=True)
class Word:
    """One recognised word; ``text`` keeps Whisper's leading space convention stripped."""

    text: str
    start_ms: int
    end_ms: int
    probability: float = 1.0
    speaker: str | None = None  # "S1", "S2", ... (scodub.asr.speakers); None: not known


@dataclass(frozen=True, slots=True)
class Segment:
    """One ASR segment (a stretch of speech Whisper decoded as one unit)."""

    start_ms: int
    end_ms: int
    text: str
    words: tuple[Word, ...] = ()
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    compression_ratio: float = 1.0
    speaker: str | None = None  # every word of a segment has this speaker, when known


@dataclass(frozen=True, slots=True)
class Speaker:
    """One voice found in the film (``scodub.asr.speakers``): how long it speaks and
    whether it sounds lower or higher (``scodub.asr.voicetype``), for casting the dub."""

    id: str  # "S1" speaks most, then "S2", ...
    speech_ms: int
    voice_type: str = "unknown"  # "lower", "higher" or "unknown"
    pitch_hz: float = 0.0  # median fundamental frequency of the voiced frames (0: none)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "speech_ms": self.speech_ms,
            "voice_type": self.voice_type,
            "pitch_hz": round(self.pitch_hz, 1),
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Speaker:
        return cls(
            str(obj["id"]),
            int(obj["speech_ms"]),
            str(obj.get("voice_type", "unknown")),
            float(obj.get("pitch_hz", 0.0)),
        )


@dataclass(frozen=True, slots=True)
class Correction:
    """A glossary correction applied to the transcript (reported, never silent).

    An empty ``corrected`` and ``term_id`` means the words were removed: a list of primed
    names that Whisper echoed into the transcript but nobody said.

    ``heard_logprob`` / ``written_logprob``: the audio evidence, when the correction was
    checked against the audio (``scodub.names.audiocheck``): Whisper's log-probability of
    the segment's text as heard and as written; a correction is kept only when the written
    text explains the audio at least as well. ``None`` when no audio check was made.

    ``basis``: what decided a correction the audio cannot judge, a change of letter case
    alone ("an acronym heard", "'pemra' is no ordinary word", "after 'called'"): then the
    scores are reported but did not decide. Empty when they did.
    """

    heard: str
    corrected: str
    term_id: str
    start_ms: int
    end_ms: int
    score: float
    heard_logprob: float | None = None
    written_logprob: float | None = None
    basis: str = ""


@dataclass(frozen=True, slots=True)
class Hearing:
    """Where the words and the audio disagree (``scodub.asr.hearing``): a language the
    speech does not sound like, and speech that got no words."""

    # When most of the speech sounds like another language than the one transcribed:
    # that one, with Whisper's probability for it.
    sounds_like: tuple[str, float] | None = None
    unheard: tuple[tuple[int, int], ...] = ()  # stretches of speech (ms) with no word
    unheard_language: tuple[str, float] | None = None  # what those stretches sound like
    # Stretches of speech (ms) in another language than the one transcribed, with it and
    # its probability: (start, end, language, p).
    elsewhere: tuple[tuple[int, int, str, float], ...] = ()
    checked_ms: int = 0  # how much speech the language check listened to
    language: str = ""  # the language the speech was checked against (the source's)

    def __bool__(self) -> bool:
        return bool(self.sounds_like or self.unheard or self.elsewhere)

    @property
    def elsewhere_ms(self) -> int:
        return sum(end - start for start, end, _, _ in self.elsewhere)

    @property
    def unheard_ms(self) -> int:
        return sum(end - start for start, end in self.unheard)

    def to_json(self) -> dict[str, Any]:
        def language(found: tuple[str, float] | None) -> dict[str, Any] | None:
            return None if found is None else {"language": found[0], "probability": found[1]}

        return {
            "sounds_like": language(self.sounds_like),
            "unheard": [list(span) for span in self.unheard],
            "unheard_language": language(self.unheard_language),
            "elsewhere": [list(span) for span in self.elsewhere],
            "checked_ms": self.checked_ms,
            "language": self.language,
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Hearing:
        def language(found: Any) -> tuple[str, float] | None:
            return None if not found else (str(found["language"]), float(found["probability"]))

        return cls(
            language(obj.get("sounds_like")),
            tuple((int(a), int(b)) for a, b in obj.get("unheard", [])),
            language(obj.get("unheard_language")),
            tuple((int(a), int(b), str(c), float(p)) for a, b, c, p in obj.get("elsewhere", [])),
            int(obj.get("checked_ms", 0)),
            str(obj.get("language", "")),
        )


@dataclass(frozen=True, slots=True)
class Transcript:
    """What the ASR stage hands on: language, duration and timed words."""

    language: str
    language_probability: float
    duration_ms: int
    segments: tuple[Segment, ...]
    task: str = "transcribe"  # or "translate" (Whisper speech translation to English)
    corrections: tuple[Correction, ...] = ()
    dropped_segments: int = 0  # segments removed by the hallucination guard
    recovered_segments: int = 0  # segments of skipped speech decoded again (asr.recover)
    speakers: tuple[Speaker, ...] = ()  # empty: speaker turns were not looked for
    hearing: Hearing = field(default_factory=Hearing)

    @property
    def words(self) -> tuple[Word, ...]:
        return tuple(w for seg in self.segments for w in seg.words)

    @property
    def text(self) -> str:
        return " ".join(seg.text.strip() for seg in self.segments if seg.text.strip())

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "language": self.language,
            "language_probability": round(self.language_probability, 4),
            "duration_ms": self.duration_ms,
            "task": self.task,
            "dropped_segments": self.dropped_segments,
            "recovered_segments": self.recovered_segments,
            "corrections": [
                {
                    "heard": c.heard,
                    "corrected": c.corrected,
                    "term_id": c.term_id,
                    "start_ms": c.start_ms,
                    "end_ms": c.end_ms,
                    "score": round(c.score, 3),
                    "heard_logprob": _round_or_none(c.heard_logprob),
                    "written_logprob": _round_or_none(c.written_logprob),
                }
                for c in self.corrections
            ],
            "segments": [
                {
                    "start_ms": s.start_ms,
                    "end_ms": s.end_ms,
                    "text": s.text,
                    "avg_logprob": round(s.avg_logprob, 4),
                    "no_speech_prob": round(s.no_speech_prob, 4),
                    "compression_ratio": round(s.compression_ratio, 4),
                    "words": [_word_json(w) for w in s.words],
                    **({"speaker": s.speaker} if s.speaker else {}),
                }
                for s in self.segments
            ],
        }
        if self.speakers:
            out["speakers"] = [speaker.to_json() for speaker in self.speakers]
        if self.hearing or self.hearing.checked_ms:
            out["hearing"] = self.hearing.to_json()
        return out

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Transcript:
        return cls(
            language=str(obj["language"]),
            language_probability=float(obj.get("language_probability", 1.0)),
            duration_ms=int(obj["duration_ms"]),
            task=str(obj.get("task", "transcribe")),
            dropped_segments=int(obj.get("dropped_segments", 0)),
            recovered_segments=int(obj.get("recovered_segments", 0)),
            corrections=tuple(
                Correction(
                    heard=c["heard"],
                    corrected=c["corrected"],
                    term_id=c["term_id"],
                    start_ms=int(c["start_ms"]),
                    end_ms=int(c["end_ms"]),
                    score=float(c["score"]),
                    heard_logprob=_float_or_none(c.get("heard_logprob")),
                    written_logprob=_float_or_none(c.get("written_logprob")),
                )
                for c in obj.get("corrections", [])
            ),
            segments=tuple(
                Segment(
                    start_ms=int(s["start_ms"]),
                    end_ms=int(s["end_ms"]),
                    text=str(s["text"]),
                    avg_logprob=float(s.get("avg_logprob", 0.0)),
                    no_speech_prob=float(s.get("no_speech_prob", 0.0)),
                    compression_ratio=float(s.get("compression_ratio", 1.0)),
                    words=tuple(_word_from_json(w) for w in s["words"]),
                    speaker=s.get("speaker"),
                )
                for s in obj["segments"]
            ),
            speakers=tuple(Speaker.from_json(x) for x in obj.get("speakers", [])),
            hearing=Hearing.from_json(obj.get("hearing") or {}),
        )


def _word_json(word: Word) -> list[Any]:
    """``[text, start_ms, end_ms, probability]``, then the speaker when known (older
    transcripts have four fields and still load)."""
    fields: list[Any] = [word.text, word.start_ms, word.end_ms, round(word.probability, 4)]
    return [*fields, word.speaker] if word.speaker else fields


def _word_from_json(item: list[Any]) -> Word:
    speaker = str(item[4]) if len(item) > 4 and item[4] else None
    return Word(str(item[0]), int(item[1]), int(item[2]), float(item[3]), speaker)


@dataclass(frozen=True, slots=True)
class Cue:
    """One subtitle: times in ms and at most ``TIMING.max_lines`` lines of text."""

    start_ms: int
    end_ms: int
    lines: tuple[str, ...]
    # Who speaks, in order: one id, or two for a dual-speaker cue (one line each, each
    # opened by a hyphen: ../shared/STANDARDS.md); empty when speakers are not known.
    speakers: tuple[str, ...] = ()

    @property
    def dual(self) -> bool:
        """Two speakers, one per line."""
        return len(self.speakers) == 2 and len(self.lines) == 2

    @property
    def text(self) -> str:
        """The text with line breaks (as written to SRT)."""
        return "\n".join(self.lines)

    @property
    def flat_text(self) -> str:
        """The text as one line, for translation and reading-speed counts."""
        return " ".join(line.strip() for line in self.lines if line.strip())

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms


@dataclass(frozen=True, slots=True)
class Track:
    """A subtitle track: cues in one language, in order and never overlapping."""

    language: str
    cues: tuple[Cue, ...]
    fps: float | None = None
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


def _round_or_none(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _float_or_none(value: Any) -> float | None:
    return None if value is None else float(value)
