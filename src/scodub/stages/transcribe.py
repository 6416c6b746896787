"""Transcribe stage: the film's chosen audio stream -> timed words (Whisper).

With a glossary, misheard names are corrected where the audio confirms them
(``names.audiocheck``), each correction reported with its evidence.
The result is what ``<film>.transcript.json`` holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from scodub import __version__
from scodub.asr.hearing import hearing_notes
from scodub.asr.long import SEARCH_S, WINDOW_S, WindowDecoder, level_dbfs, transcribe_stream
from scodub.asr.speakers import SpeakerSettings, count_note, label_speakers
from scodub.asr.speakerstream import (
    SpeakerStream,
    feed_through,
    label_speakers_streamed,
    start_stream,
)
from scodub.asr.whisper import AsrSettings, ProgressFn, prepare, transcribe_audio
from scodub.data import Transcript, ms
from scodub.media.decode import (
    ASR_SAMPLE_RATE,
    check_complete,
    check_decoded_length,
    decode_audio,
    iter_audio,
    rms_dbfs,
)
from scodub.names.audiocheck import transcribe_with_glossary
from scodub.names.glossary import Glossary
from scodub.provision.whisper import ResolvedModel
from scodub.stages.base import Resources, Stage, StageContext, register
from scodub.stages.film import Film
from scodub.stages.glossary import GlossaryRef

#: Longer than one window of asr.long: transcribed as a stream, window by window.
LONG_FILM_MS = (WINDOW_S + SEARCH_S) * 1000

# Below this level the stream is digital silence or near it: nothing to transcribe.
_SILENCE_DBFS = -70.0


def glossary_window(glossary: Glossary, model: ResolvedModel) -> WindowDecoder | None:
    """How a long film's window is transcribed with ``glossary``: the same glossary pass
    as a short film's (``transcribe_with_glossary``) on that window's audio alone; None
    (plain Whisper) for an empty glossary."""
    if not len(glossary):
        return None

    def decode(audio: np.ndarray, settings: AsrSettings, tick: ProgressFn | None) -> Transcript:
        return transcribe_with_glossary(audio, settings, model, glossary, progress=tick)

    return decode


def glossary_source(glossary: Glossary) -> str:
    """The language the glossary's names are spoken in by default (its first form)."""
    first = next((next(iter(t.forms), None) for t in glossary.terms), None)
    return first or "en"


@dataclass(frozen=True, slots=True)
class TranscribeResult:
    transcript: Transcript
    film: str
    media: dict[str, Any]
    model: dict[str, str]
    settings: dict[str, Any]
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "scodub": __version__,
            "film": self.film,
            "media": self.media,
            "model": self.model,
            "settings": self.settings,
            "notes": list(self.notes),
            "transcript": self.transcript.to_json(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TranscribeResult:
        return cls(
            Transcript.from_json(data["transcript"]),
            str(data["film"]),
            dict(data["media"]),
            dict(data["model"]),
            dict(data["settings"]),
            tuple(str(n) for n in data["notes"]),
        )

    def files(self) -> tuple[()]:
        return ()


@register
@dataclass(frozen=True, slots=True)
class TranscribeStage(Stage[TranscribeResult]):
    film: Film
    asr: AsrSettings  # validated, hotwords set
    model_ref: ResolvedModel
    glossary: GlossaryRef = field(default_factory=GlossaryRef)
    speakers: SpeakerSettings = field(default_factory=SpeakerSettings)

    name = "transcribe"
    # 2: names checked against the audio, no whole-film hotwords; 3: in a long film too;
    # 4: each name judged on its own, the beam's best texts, the words around (names/context)
    # 5: a name heard as a name needs only to be respelt as well (names.correct.judge_margin)
    # 6: the words beside a name kept as heard where the audio agrees (names.beside)
    # 7: hyphenated parts where names are plausible; letter case alone when partly written
    # as a name; 8: a name only where it was plausible or over words like it, and not
    # beside the part of it that was heard; 9: no repetition loop, heard words beside a name
    # compete when they keep as many letters; 10: an article heard after a name stays;
    # 11: no change of letter case alone where nothing of it was written as a name;
    # 12: a name takes about the syllables of the words it replaces (names.beats);
    # 13: the words beside a name change only by the judge's margin (names.beside);
    # 14: no name looked for over another name heard exactly, no generic phrase expanded,
    # letters glued to a word are no name heard, no heard word changed in number;
    # 15: the hearing check (asr.hearing): a wrong given language, speech with no words
    # 16: speech Whisper skipped decoded again (asr.recover); after a title only a
    # person's name; of two names over one stretch the longer that holds the other
    # 17: a change of letter case alone taken where the words say it is a name's (an
    #     acronym, no ordinary word, after "called": names.context.case_basis), and why
    #     (Correction.basis); 18: that rule made stricter (each changed word rare);
    # 19: the smaller margin of a name respelt only where the words that differ are near
    #     spellings too ("Mr. John Dashwood" is not a respelling of Zhang Dashwood);
    #     speech written flat given case and punctuation (asr.punctuate);
    # 20: a Chinese word is a name only with one character per syllable; a misspelt name
    #     written once, whole (names.correct._choose); a name's own quotes not doubled
    version = 20

    @classmethod
    def build(
        cls,
        film: Film,
        asr: AsrSettings,
        glossary: GlossaryRef,
        speakers: SpeakerSettings | None = None,
    ) -> TranscribeStage:
        """The stage for ``film``, the model resolved (and verified) once, here. Whisper is
        not primed with the whole glossary (issue 8): names are decoded again only where
        they are plausible, and each change is checked against the audio."""
        asr, model = prepare(asr)
        if asr.task != "transcribe":  # speech translation: no names, no speakers
            return cls(film, asr, model, GlossaryRef(), SpeakerSettings(enabled=False))
        return cls(film, asr, model, glossary, speakers or SpeakerSettings())

    def label(self) -> str:
        return "translate-speech" if self.asr.task == "translate" else self.name

    def model(self) -> str:
        return f"whisper:{self.model_ref.identity}"

    def resources(self) -> Resources:
        return Resources(cpus=1.0, gpus=1.0 if self.asr.device == "cuda" else 0.0)

    def identity(self) -> dict[str, Any]:
        key = {
            "film": self.film.content_hash,
            "stream": self.film.audio_position,
            "asr": self.asr.key(self.model_ref),
            "glossary": self.glossary.terms_key(
                "en" if self.asr.task == "translate" else self.asr.language
            ),
            "speakers": self.speakers.key(),
        }
        if self.film.stream.start_ms:  # times on the film's timeline (earlier: the stream's)
            key["timeline_ms"] = self.film.stream.start_ms
        if self.film.stream.read_offset_ms:  # ... in an MPEG-TS too (earlier: the stream's)
            key["read_offset_ms"] = self.film.stream.read_offset_ms
        return key

    def run(self, ctx: StageContext) -> TranscribeResult:
        film, settings, stream = self.film, self.asr, self.film.stream
        total = film.duration_ms / 1000

        def _tick(done: float) -> None:
            ctx.report(self.label(), min(done, total), total)

        audio: np.ndarray | None = None
        voices: SpeakerStream | None = None
        if film.duration_ms > LONG_FILM_MS:
            # A feature film: decoded and transcribed window by window (asr.long), so
            # memory stays flat however long it is; the same blocks feed the voice prints,
            # and each window's names are checked against its audio.
            voices = start_stream(self.speakers)
            blocks = feed_through(iter_audio(film.path, stream), voices)
            decode = glossary_window(self.glossary.load(ctx), self.model_ref)
            heard = transcribe_stream(blocks, settings, self.model_ref, _tick, decode=decode)
            check_decoded_length(film.info, stream, heard.samples)
            level, samples = level_dbfs(heard.sum_squares, heard.samples), heard.samples
        else:
            audio = decode_audio(film.path, stream)
            check_complete(film.info, stream, audio)
            level, samples = rms_dbfs(audio), len(audio)
        notes: list[str] = []
        if level < _SILENCE_DBFS:
            notes.append(f"audio stream {stream.position} is silent ({level:.0f} dBFS): no speech")
            transcript = Transcript(
                settings.language or "und", 0.0, ms(samples / ASR_SAMPLE_RATE), (), settings.task
            )
        else:
            glossary = self.glossary.load(ctx)
            if audio is None:
                transcript = heard.transcript  # names checked window by window
            elif len(glossary):
                # An unbiased pass, names decoded again only where plausible, every change
                # checked against the audio (scodub.names.audiocheck).
                transcript = transcribe_with_glossary(
                    audio, settings, self.model_ref, glossary, progress=_tick
                )
            else:
                transcript = transcribe_audio(audio, settings, self.model_ref, _tick)
            if audio is not None:
                transcript, note = label_speakers(transcript, audio, self.speakers)
            else:
                transcript, note = label_speakers_streamed(
                    transcript, voices, self.speakers, lambda: iter_audio(film.path, stream)
                )
            notes.extend([note] if note else [])
            notes.extend(filter(None, [count_note(transcript, self.speakers)]))
            dropped = transcript.dropped_segments
            if not transcript.segments and not dropped:
                notes.append("no speech found (silence, music or noise only)")
            elif not transcript.segments:
                notes.append(f"no words kept: {dropped} segment(s) dropped as hallucinations")
            elif dropped:
                notes.append(f"dropped {dropped} segment(s) as hallucinations")
            if transcript.recovered_segments:
                notes.append(f"decoded again {transcript.recovered_segments} segment(s) of "
                             "speech Whisper had skipped")
            notes.extend(hearing_notes(transcript))
        return TranscribeResult(
            transcript,
            str(film.path),
            film.media_json(),
            self.model_ref.to_json(),
            settings.key(self.model_ref),
            tuple(notes),
        )

    def load_result(self, data: dict[str, Any], ctx: StageContext) -> TranscribeResult:
        # Keyed by the film's content: a result made for the same film under another name
        # (renamed, or a copy in another batch row) names the film as this run has it.
        return replace(TranscribeResult.from_json(data), film=str(self.film.path))
