"""A voice for every speaker: who says each dub line, and which voice speaks for whom.

The transcript's speakers (``scodub.asr.speakers``) reach the dub as a ``SpeakerTimeline``
(word spans with their speaker, and each speaker's voice type). ``cue_speakers`` gives every
cue of a track its speakers by time, so tracks read back from SRT files know them too; a
dual-speaker cue is spoken as two lines (``spoken_cues``), its time shared in proportion to
the two lines' length.

Casting (``cast_speakers``), per language: speakers in order (``S1`` speaks most) take the
first free voice of their voice type from the language's pool: the language's voice
(``--voice ru=...``, else the default) first, then pulled Piper voices of the language,
then espeak-ng's voice variants (``+m1`` ... lower, ``+f1`` ... higher). A multi-speaker
Piper model brings its speakers (``MODEL#SPEAKER``), at most ``MAX_MODEL_SPEAKERS`` of
them spread evenly over its ids. A Piper voice's type is measured on its own speech
(``scodub.asr.voicetype``). Every language applies the
same rule to the same speakers, so a speaker keeps the same kind of voice in every
language. ``--voice ru:S2=SPEC`` casts one speaker by hand. When the pool runs out of free
voices of a type, voices are reused in turn.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from scodub.asr.voicetype import estimate_voice_type
from scodub.data import Cue, Speaker, Track, Transcript
from scodub.dub.espeak import EspeakVoice
from scodub.dub.piper_voice import PiperVoice, split_speaker
from scodub.dub.tempo import resample
from scodub.dub.voices import Voice, resolve_voice
from scodub.errors import ConfigError, InputError, LanguageError, ModelError
from scodub.inputfiles import TRANSCRIPT_MAX_BYTES, read_input_json
from scodub.langs import get_language
from scodub.media.probe import MediaInfo
from scodub.provision.piper import piper_cache_dir
from scodub.text.linebreak import speaker_lines
from scodub.text.srt import format_timestamp

#: espeak-ng's own voice variants (espeak-ng-data/voices/!v), by the voice type they give.
ESPEAK_VARIANTS: dict[str, tuple[str, ...]] = {
    "lower": ("m3", "m1", "m2", "m4", "m5", "m6", "m7"),
    "higher": ("f2", "f1", "f3", "f4", "f5"),
}
#: How many of a multi-speaker model's speakers join the pool. Each is measured by one
#: synthesis of a sample line (about a second for a medium VITS voice on 2 cores), and
#: models have up to ~900 speakers (LibriTTS); 8, spread evenly over the ids rather than
#: the first 8 (datasets often list speakers in recording or gender order), nearly always
#: hold both voice types and outnumber the speakers of a film scene.
MAX_MODEL_SPEAKERS = 8
_SAMPLE_TEXT = "Welcome to the film festival. The screening starts at eight in the evening."


@dataclass(frozen=True, slots=True)
class SpeakerTimeline:
    """Who speaks when (word spans in ms with their speaker) and each speaker's kind."""

    spans: tuple[tuple[int, int, str], ...]
    speakers: tuple[Speaker, ...]

    @classmethod
    def of(cls, transcript: Transcript) -> SpeakerTimeline | None:
        """The transcript's timeline. A speaker its words name that its list lacks (a
        transcript edited by hand: a word given to a new S3) is a speaker of unknown voice
        type, cast like the others; a listed speaker with no id is dropped."""
        spans = tuple(
            (w.start_ms, w.end_ms, w.speaker) for w in transcript.words if w.speaker is not None
        )
        if not spans:
            return None
        listed = [s for s in transcript.speakers if s.id.strip()]
        spoken: dict[str, int] = {}
        for start, end, speaker in spans:
            spoken[speaker] = spoken.get(speaker, 0) + (end - start)
        known = {s.id for s in listed}
        listed += [Speaker(id_, ms) for id_, ms in spoken.items() if id_ not in known]
        return cls(spans, tuple(listed))

    def voice_type(self, speaker: str) -> str:
        return next((s.voice_type for s in self.speakers if s.id == speaker), "unknown")


def _why(exc: Exception) -> str:
    """A reader's failure in words: a missing key is named as one, not as a bare quote."""
    return f"no {exc.args[0]!r} in it" if isinstance(exc, KeyError) and exc.args else str(exc)


def load_timeline(path: Path, film: MediaInfo | None = None) -> SpeakerTimeline | None:
    """The speaker timeline of a ``<film>.transcript.json`` (None: it has no speakers);
    with ``film``, a ConfigError when the transcript is plainly another film's (another
    length, or words after the film's end)."""
    try:  # a regular file of a sane size: /dev/zero or a FIFO is one line, not read
        obj = read_input_json(path, what="a transcript", limit=TRANSCRIPT_MAX_BYTES)
    except InputError as exc:
        raise ConfigError(str(exc)) from exc
    try:
        transcript = Transcript.from_json(obj.get("transcript", obj))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(f"{path}: not a scodub transcript ({_why(exc)})") from exc
    if film is not None:
        _require_films_transcript(path, obj.get("media"), transcript, film)
    return SpeakerTimeline.of(transcript)


def transcript_audio_stream(path: Path, film: MediaInfo) -> int | None:
    """The audio stream of ``film`` that the transcript at ``path`` was heard from (its
    ``media.audio_stream``: ``--audio-stream``, or the stream of the language asked
    for), where the film has it: dubbing over another stream would mix the dub over
    sound the speakers' timeline is not of, and flag that stream as the original."""
    try:
        obj = read_input_json(path, what="a transcript", limit=TRANSCRIPT_MAX_BYTES)
    except InputError as exc:
        raise ConfigError(str(exc)) from exc
    media = obj.get("media") if isinstance(obj, dict) else None
    position = media.get("audio_stream") if isinstance(media, dict) else None
    if type(position) is int and 0 <= position < len(film.audio):
        return position
    return None


def _require_films_transcript(
    path: Path, media: object, transcript: Transcript, film: MediaInfo
) -> None:
    """A ConfigError when the transcript at ``path`` is plainly not ``film``'s: the film
    it names has another length, or it has speech after ``film`` ends."""
    length = media.get("duration_ms") if isinstance(media, dict) else None
    last = max((w.end_ms for w in transcript.words), default=0)
    if isinstance(length, int) and abs(length - film.duration_ms) > max(
        1000, film.duration_ms // 50
    ):
        what = f"is the transcript of a film of {format_timestamp(length)}"
    elif last > film.duration_ms + 1000:
        what = f"has speech until {format_timestamp(last)}"
    else:
        return
    raise ConfigError(
        f"{path}: {what}, and {film.path} lasts {format_timestamp(film.duration_ms)}: "
        "give this film's transcript"
    )


def cue_speakers(track: Track, timeline: SpeakerTimeline | None) -> Track:
    """Each cue with its speakers by time (cues that already know theirs keep them): the
    speakers of the words whose midpoint falls between the cue's in-time and the next
    cue's; a dual-speaker cue takes its first two, any other cue the one who speaks most."""
    if timeline is None or not timeline.spans:
        return track
    cues = list(track.cues)
    ends = [c.start_ms for c in cues[1:]] + [max((s[1] for s in timeline.spans), default=0) + 1]
    out: list[Cue] = []
    for cue, until in zip(cues, ends, strict=True):
        if cue.speakers:
            out.append(cue)
            continue
        spoken: dict[str, int] = {}
        for start, end, speaker in timeline.spans:
            if cue.start_ms <= (start + end) // 2 < max(until, cue.end_ms):
                spoken[speaker] = spoken.get(speaker, 0) + (end - start)
        if not spoken:
            out.append(cue)
        elif speaker_lines(cue.lines) is not None and len(spoken) >= 2:
            out.append(replace(cue, speakers=tuple(spoken)[:2]))
        else:
            out.append(replace(cue, speakers=(max(spoken, key=lambda s: spoken[s]),)))
    return replace(track, cues=tuple(out))


def spoken_cues(track: Track) -> tuple[Cue, ...]:
    """The lines the dub speaks: a dual-speaker cue becomes two, one per speaker, its
    time shared in proportion to the lines' length."""
    out: list[Cue] = []
    for cue in track.cues:
        parts = speaker_lines(cue.lines)
        if parts is None:
            out.append(cue)
            continue
        # Dashes over one known speaker (an editor's, or an exchange the speaker turns
        # merged): both lines keep that speaker's voice, not the film's default one.
        first, second = (
            cue.speakers if len(cue.speakers) == 2 else (cue.speakers[:1] or ("",)) * 2
        )
        share = len(parts[0]) / max(1, len(parts[0]) + len(parts[1]))
        middle = cue.start_ms + max(1, min(cue.duration_ms - 1, round(cue.duration_ms * share)))
        out.append(Cue(cue.start_ms, middle, (parts[0],), (first,) if first else ()))
        out.append(Cue(middle, cue.end_ms, (parts[1],), (second,) if second else ()))
    return tuple(out)


def spoken_numbers(track: Track) -> tuple[int, ...]:
    """The number in the file (1-based) of the cue each of ``spoken_cues(track)`` comes
    from: a dual-speaker cue's two lines both carry their cue's."""
    return tuple(
        number
        for number, cue in enumerate(track.cues, start=1)
        for _ in range(2 if speaker_lines(cue.lines) is not None else 1)
    )


@dataclass(frozen=True, slots=True)
class Candidate:
    spec: str  # as --voice takes it
    voice_type: str


def _espeak_variant_type(spec: str) -> str | None:
    _, _, variant = spec.partition("+")
    return next((kind for kind, names in ESPEAK_VARIANTS.items() if variant in names), None)


@functools.lru_cache(maxsize=64)
def _measured_type(language: str, spec: str) -> str:
    """A voice's type, measured on its own speech (cached per process)."""
    voice = resolve_voice(language, spec)
    audio = resample(voice.synthesize(_SAMPLE_TEXT), voice.sample_rate, 16_000)
    return estimate_voice_type(audio).voice_type


def voice_type_of(language: str, spec: str) -> str:
    known = _espeak_variant_type(spec)
    if known is not None:
        return known
    if spec == "espeak":
        return "lower"  # espeak-ng's default variant is a male voice
    return _measured_type(language, spec)


def _pulled_voices(language: str) -> list[str]:
    folder = piper_cache_dir()
    if not folder.is_dir():
        return []
    return sorted(
        p.name
        for p in folder.iterdir()
        if p.is_dir() and p.name.split("_")[0].lower() == language and any(p.glob("*.onnx"))
    )


def spread(count: int, limit: int = MAX_MODEL_SPEAKERS) -> list[int]:
    """``limit`` ids spread evenly over ``range(count)`` (all of them when fewer)."""
    if count <= limit:
        return list(range(count))
    return sorted({round(i * (count - 1) / (limit - 1)) for i in range(limit)})


def _model_specs(language: str, spec: str) -> list[str]:
    """A voice spec, or for a multi-speaker Piper model its speakers (``spec`` first)."""
    if spec == "espeak" or spec.startswith("espeak+"):
        return [spec]
    voice = resolve_voice(language, spec)
    if not isinstance(voice, PiperVoice) or not voice.speakers:
        return [spec]
    base = spec if Path(spec).expanduser().exists() else split_speaker(spec)[0]
    # a name with "#" in it could not be parsed back: such a speaker goes by its id
    labels = [name if "#" not in name else str(i) for i, name in enumerate(voice.speakers)]
    others = (i for i in spread(len(labels)) if i != voice.speaker_id)
    return [spec, *(f"{base}#{labels[i]}" for i in others)]


def pulled_voices(language: str) -> dict[str, Voice]:
    """Every pulled Piper voice of ``language`` (the voices its speakers are cast from),
    loaded: one that is broken, or speaks another language, is named now, before any
    work, not when the speakers are cast after the transcription."""
    code = get_language(language).code
    voices: dict[str, Voice] = {}
    for name in _pulled_voices(code):
        try:
            voices[name] = resolve_voice(code, name)
        except (ConfigError, LanguageError, ModelError) as exc:
            raise type(exc)(
                f"{exc} (a pulled {get_language(code).name} voice, which the dub casts "
                f"speakers from: pull it again with `scodub models pull piper:{name}`, or "
                f"remove {piper_cache_dir() / name})"
            ) from exc
    return voices


def voice_pool(language: str, default_spec: str | None) -> list[Candidate]:
    """The voices a language can cast from, the language's own voice first."""
    code = get_language(language).code
    first = default_spec or ("piper" if code == "en" else "espeak")
    specs: list[str] = []
    for spec in [first, *(name for name in _pulled_voices(code) if name != first)]:
        specs.extend(s for s in _model_specs(code, spec) if s not in specs)
    pool = [Candidate(spec, voice_type_of(code, spec)) for spec in specs]
    pool.extend(
        Candidate(f"espeak+{variant}", kind)
        for kind, variants in ESPEAK_VARIANTS.items()
        for variant in variants
        if f"espeak+{variant}" not in specs
    )
    return pool


@functools.lru_cache(maxsize=256)
def _voice_key(language: str, spec: str) -> str:
    """Which voice a spec names, however it is spelled (a Piper speaker by its id)."""
    if spec == "espeak" or spec.startswith("espeak+"):
        return spec
    voice = resolve_voice(language, spec)
    if isinstance(voice, PiperVoice):
        return f"{voice.model_path.absolute()}#{voice.speaker_id}"
    if isinstance(voice, EspeakVoice):  # espeak:ru+f4 as a report names it: espeak+f4
        _, plus, variant = voice.espeak_voice.partition("+")
        return f"espeak{plus}{variant}"
    return voice.name


def cast_speakers(
    language: str,
    speakers: Sequence[Speaker],
    default_spec: str | None,
    manual: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Speaker id -> voice spec for one language (see the module docstring)."""
    manual = dict(manual or {})
    known = {s.id for s in speakers}
    unknown = sorted(set(manual) - known)
    if unknown:
        raise ConfigError(
            f"--voice {language}:{unknown[0]}=...: no speaker {unknown[0]} in the transcript; "
            f"speakers: {', '.join(sorted(known)) or 'none'}"
        )
    pool = voice_pool(language, default_spec)
    # By the voice, not its spelling: a hand-cast MODEL#1 takes MODEL#name-of-1 too.
    used = {_voice_key(language, spec) for spec in manual.values()}
    cast: dict[str, str] = {}
    turn: dict[str, int] = {}
    for speaker in sorted(speakers, key=_speaker_number):
        if speaker.id in manual:
            cast[speaker.id] = manual[speaker.id]
            continue
        wanted = speaker.voice_type
        fits = [c for c in pool if wanted == "unknown" or c.voice_type == wanted] or pool
        free = [c for c in fits if _voice_key(language, c.spec) not in used]
        if free:
            choice = free[0]
        else:  # pool exhausted: reuse this type's voices in turn
            choice = fits[turn.get(wanted, 0) % len(fits)]
            turn[wanted] = turn.get(wanted, 0) + 1
        cast[speaker.id] = choice.spec
        used.add(_voice_key(language, choice.spec))
    return cast


def _speaker_number(speaker: Speaker) -> int:
    """S12 -> 12 (another id, such as one typed into a transcript by hand: 0)."""
    digits = speaker.id[1:]
    return int(digits) if digits.isascii() and digits.isdigit() else 0


def parse_speaker_voices(values: Sequence[str]) -> dict[str, dict[str, str]]:
    """``["ru:S2=espeak+f3"]`` (repeated ``--voice``) -> ``{"ru": {"S2": "espeak+f3"}}``;
    entries without a speaker (``ru=...``) are left to ``parse_voice_options``."""
    cast: dict[str, dict[str, str]] = {}
    for value in values:
        target, sep, spec = value.partition("=")
        code, colon, speaker = target.partition(":")
        if not colon:
            continue
        speaker = speaker.strip().upper()
        if not sep or not spec.strip() or not speaker[1:].isdigit() or speaker[:1] != "S":
            raise ConfigError(
                f"--voice {value!r}: expected LANG:SPEAKER=VOICE, e.g. ru:S2=espeak+f3"
            )
        lang, spec = get_language(code).code, spec.strip()
        given = cast.setdefault(lang, {})
        if given.get(speaker, spec) != spec:
            raise ConfigError(
                f"--voice {value!r}: {lang}:{speaker} already has the voice "
                f"{given[speaker]!r}; give one voice per speaker"
            )
        given[speaker] = spec
    return cast


def resolve_cast(language: str, cast: Mapping[str, str]) -> dict[str, Voice]:
    """Every cast voice, loaded (a bad spec fails here, before any synthesis)."""
    return {speaker: resolve_voice(language, spec) for speaker, spec in cast.items()}
