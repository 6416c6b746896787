"""The hallucination guard: which decoded segments are kept, trimmed or dropped.

Whisper invents text over music and noise, and runs into loops: the same phrase again and
again, long after the voice stopped. openai/whisper's own thresholds are applied again after
decoding (the batched pipeline does not apply all of them): a high no-speech probability
with low confidence, a runaway compression ratio, a repeat of the previous segment, a
segment that is only a sound tag; and a line Whisper is known to invent (credits of its
training data: "see you in the next video") when it was decoded without confidence.

A runaway compression ratio is not always a loop over nothing: a line said six times
compresses as well as a line invented six times. What tells them apart is the audio: a loop
goes on after the speech, so its words pile up in no time at the end of the segment
(Whisper has nowhere left to put them), while words that were said each take their time on
speech. Such a segment is trimmed where its words pile up (``salvage``) and kept when what
is left is confident and on speech; otherwise it is dropped whole.
"""

from __future__ import annotations

import re
from dataclasses import replace

from scodub.asr.edges import SpeechMap
from scodub.data import Segment, Word

# Whisper's own thresholds (openai/whisper transcribe.py defaults).
NO_SPEECH_THRESHOLD = 0.6
LOGPROB_THRESHOLD = -1.0
COMPRESSION_RATIO_THRESHOLD = 2.4
#: A word shorter than this was not said in that time: Whisper had no audio left for it.
PILED_MS = 20
#: This many piled words in a row end what was said.
PILE_RUN = 3
#: A salvaged segment is one Whisper was this confident of (mean token log-probability)...
SALVAGE_LOGPROB = -0.5
#: ... whose words lie on speech at least this much (the share of their middles).
SALVAGE_ON_SPEECH = 0.8
#: A word's middle this close to speech is on it (Silero's edges are not exact).
_NEAR_MS = 200
#: Lines Whisper is known to invent over noise, music and silence (they fill its training
#: data's credits): a segment that is mostly one of them (``KNOWN_SHARE``), decoded without
#: confidence, is dropped. Lower case, words only.
KNOWN_INVENTIONS = (
    "thank you for watching", "thanks for watching", "see you in the next video",
    "see you next time", "please subscribe", "like and subscribe", "subtitles by",
    "amara org", "transcribed by", "продолжение следует", "субтитры сделал",
    "субтитры создавал", "редактор субтитров", "спасибо за просмотр", "字幕由", "请不吝点赞",
    "订阅 转发", "明镜与点点",
)  # fmt: skip
#: ... and that makes up this share of its letters ("thanks for watching over my
#: children" is said).
KNOWN_SHARE = 0.6
#: "Without confidence": below this mean token log-probability, or above this no-speech
#: probability.
UNSURE_LOGPROB = -0.7
UNSURE_NO_SPEECH = 0.4
_SOUND_TAGS = re.compile(r"\[[^\]]*\]|\([^)]*\)|\b(?:music|musique|музыка)\b", re.I)


def only_sound_tags(text: str) -> bool:
    """True for text that is sound tags ("[Music]", "(applause) ♪") and nothing else,
    or nothing at all. (No nested regex: a repeated tag pattern backtracks exponentially
    on a long line of notes.)"""
    return re.search(r"\w", _SOUND_TAGS.sub(" ", text)) is None


def looks_hallucinated(segment: Segment, previous: list[Segment]) -> bool:
    """True for a segment that Whisper's thresholds, or a repeat, mark as invented."""
    return _why_invented(segment, previous) is not None


def kept(
    segment: Segment, previous: list[Segment], speech: SpeechMap | None, spaced: bool = True
) -> Segment | None:
    """``segment`` as the guard keeps it: whole, trimmed (``salvage``), or None (dropped)."""
    why = _why_invented(segment, previous)
    if why is None:
        return segment
    if why == "ratio" and speech is not None:
        trimmed = salvage(segment, speech, spaced)
        # What is left must pass every other check (a loop of "[Music]", or of a line
        # Whisper invents, is no line said six times).
        if trimmed is not None and _why_invented(trimmed, previous, ratio=False) is None:
            return trimmed
    return None


def _why_invented(
    segment: Segment, previous: list[Segment], *, ratio: bool = True
) -> str | None:
    if not segment.words or only_sound_tags(segment.text):
        return "tag"
    if segment.no_speech_prob > NO_SPEECH_THRESHOLD and segment.avg_logprob < LOGPROB_THRESHOLD:
        return "no speech"
    if ratio and segment.compression_ratio > COMPRESSION_RATIO_THRESHOLD:
        return "ratio"
    if _known_invention(segment):
        return "known"
    return "repeat" if _repeats(segment, previous) else None


def _known_invention(segment: Segment) -> bool:
    unsure = (
        segment.avg_logprob < UNSURE_LOGPROB or segment.no_speech_prob > UNSURE_NO_SPEECH
    )
    text = _norm(segment.text)
    if not unsure or not text:
        return False
    found = sum(text.count(p) * len(p) for p in KNOWN_INVENTIONS)  # every time it is there
    return found >= KNOWN_SHARE * len(text)


def _repeats(segment: Segment, previous: list[Segment]) -> bool:
    """A repeat loop: the same text again right after itself, decoded without confidence."""
    return (
        bool(previous)
        and _norm(previous[-1].text) == _norm(segment.text)
        and len(_norm(segment.text)) > 0
        and segment.avg_logprob < -0.5
    )


def salvage(segment: Segment, speech: SpeechMap, spaced: bool = True) -> Segment | None:
    """The part of a runaway segment that was said: its words up to where they pile up,
    when Whisper was confident of them and they lie on speech; None otherwise."""
    words = list(segment.words)
    for i in range(len(words)):
        run = words[i : i + PILE_RUN]
        if len(run) == PILE_RUN and all(_piled(w) for w in run):
            words = words[:i]
            break
    while words and _piled(words[-1]):
        words.pop()
    if not words or segment.avg_logprob < SALVAGE_LOGPROB or not speech.regions:
        return None
    on_speech = sum(_on_speech((w.start_ms + w.end_ms) // 2, speech) for w in words)
    if on_speech < SALVAGE_ON_SPEECH * len(words):
        return None
    text = (" " if spaced else "").join(w.text for w in words)
    return replace(
        segment,
        words=tuple(words),
        text=text,
        start_ms=min(segment.start_ms, words[0].start_ms),
        end_ms=words[-1].end_ms,
    )


def _piled(word: Word) -> bool:
    return word.end_ms - word.start_ms <= PILED_MS


def _on_speech(t: int, speech: SpeechMap) -> bool:
    return any(speech.is_speech(t + d) for d in (0, -_NEAR_MS, _NEAR_MS))


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text).strip().lower()
