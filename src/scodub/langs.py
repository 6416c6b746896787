"""The per-language rules table (../shared/STANDARDS.md), one row per language.

Every stage (segmenter, QC, translation fitting, dubbing, muxing) reads its numbers
from here; no other module holds a language literal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scodub.errors import LanguageError


@dataclass(frozen=True, slots=True)
class TimingRules:
    """General timing rules (Netflix Timed Text Style Guide, timing section)."""

    max_lines: int = 2
    min_duration_ms: int = 833  # 5/6 s: 20 frames at 24 fps
    max_duration_ms: int = 7000
    min_gap_frames: int = 2
    chain_gap_frames: int = 12  # gaps <= 12 frames (0.5 s at 24 fps) close to 2 frames
    out_time_extension_ms: int = 500  # out-time may run this far past the end of speech
    in_time_tolerance_frames: int = 2
    default_fps: float = 24.0
    # Shot changes (Netflix timing guide; scodub.text.shots): an in-time within
    # ``shot_snap_frames`` of a cut moves onto the cut, one that is
    # ``shot_snap_frames + 1`` to ``shot_clear_frames - 1`` frames before a cut moves to
    # ``shot_clear_frames`` before it; an out-time in those windows moves to
    # ``shot_out_gap_frames`` before the cut (or onto the ``shot_clear_frames`` mark).
    shot_snap_frames: int = 7
    shot_clear_frames: int = 12
    shot_out_gap_frames: int = 2

    #: The frame rules are for moving pictures: below this rate (a slideshow, a 1 fps
    #: test picture, where 2 frames are 2 s) they are counted at ``default_fps``.
    min_frame_rule_fps: float = 10.0

    def rule_fps(self, fps: float | None) -> float:
        """The rate the frame rules count at: ``fps``, or 24 when unknown or below 10."""
        return fps if fps and fps >= self.min_frame_rule_fps else self.default_fps

    def frames_ms(self, frames: int, fps: float | None) -> int:
        """Duration of ``frames`` at ``rule_fps(fps)`` in whole ms."""
        return round(frames * 1000 / self.rule_fps(fps))


TIMING = TimingRules()


@dataclass(frozen=True, slots=True)
class DubbingRules:
    """Dubbing audio rules (STANDARDS.md, after EBU R128)."""

    max_stretch: float = 1.25  # time-stretch at most 1.25x; prefer a faster speaking rate
    loudness_lufs: float = -23.0  # integrated loudness of a delivered mix
    loudness_tolerance_lu: float = 1.0
    max_true_peak_dbtp: float = -1.0


DUBBING = DubbingRules()


@dataclass(frozen=True, slots=True)
class NumberStyle:
    """How a language's subtitles write numbers (``scodub.text.numbers``).

    Netflix English Timed Text Style Guide: numbers from one to ten are written out,
    numerals above ten; a number that starts a sentence is written out. ``words[n]`` is
    ``n`` written out (index 0 unused); ``tens[k]`` is ``10 * k`` for spelling a number
    of up to two digits at the start of a sentence.
    """

    words: tuple[str, ...]  # 0..spell_max (0 unused)
    teens: tuple[str, ...]  # 11..19
    tens: tuple[str, ...]  # 0, 10, 20 ... 90 (0 and 10 unused)
    spell_max: int = 10


ENGLISH_NUMBERS = NumberStyle(
    words=("", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
    teens=("eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
           "eighteen", "nineteen"),
    tens=("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty",
          "ninety"),
)


@dataclass(frozen=True, slots=True)
class Language:
    code: str  # ISO 639-1
    name: str  # English name
    native_name: str
    iso639_2: str  # ISO 639-2/B: the Matroska language tag
    bcp47: str
    nllb: str  # NLLB-200 language token
    script: str  # Unicode script of the language's letters (Latin, Han, Cyrillic, ...)
    rtl: bool
    whisper_asr: bool
    max_chars_per_line: int
    max_cps: float  # adult reading speed, characters per second
    cjk_width: bool = False  # full-width char counts 1, half-width 0.5
    numbers: NumberStyle | None = None  # None: numerals as spoken/translated

    @property
    def dub_title(self) -> str:
        return f"{self.name} (dub)"


LANGUAGES: dict[str, Language] = {
    row.code: row
    for row in (
        Language("en", "English", "English", "eng", "en", "eng_Latn", "Latin", False, True, 42, 20,
                 numbers=ENGLISH_NUMBERS),
        Language(
            "zh",
            "Chinese",
            "中文",
            "chi",
            "zh-Hans",
            "zho_Hans",
            "Han",
            False,
            True,
            16,
            9,
            cjk_width=True,
        ),
        Language(
            "ru", "Russian", "Русский", "rus", "ru", "rus_Cyrl", "Cyrillic", False, True, 42, 17
        ),
        Language(
            "hi", "Hindi", "हिन्दी", "hin", "hi", "hin_Deva", "Devanagari", False, True, 42, 22
        ),
        Language("ur", "Urdu", "اردو", "urd", "ur", "urd_Arab", "Arabic", True, True, 42, 17),
        Language("fa", "Persian", "فارسی", "per", "fa", "pes_Arab", "Arabic", True, True, 42, 17),
        Language(
            "kk", "Kazakh", "Қазақша", "kaz", "kk", "kaz_Cyrl", "Cyrillic", False, True, 42, 17
        ),
        Language(
            "ky", "Kyrgyz", "Кыргызча", "kir", "ky", "kir_Cyrl", "Cyrillic", False, False, 42, 17
        ),
        Language("tg", "Tajik", "Тоҷикӣ", "tgk", "tg", "tgk_Cyrl", "Cyrillic", False, True, 42, 17),
        Language(
            "uz", "Uzbek", "Oʻzbekcha", "uzb", "uz-Latn", "uzn_Latn", "Latin", False, True, 42, 17
        ),
        Language(
            "be",
            "Belarusian",
            "Беларуская",
            "bel",
            "be",
            "bel_Cyrl",
            "Cyrillic",
            False,
            True,
            42,
            17,
        ),
    )
}

#: The ten SCO member states' main languages, plus English (official in India and Pakistan).
SCO_LANGUAGES: tuple[str, ...] = ("zh", "ru", "hi", "ur", "fa", "kk", "ky", "tg", "uz", "be", "en")

#: Languages whose grammar inflects proper names (a case ending on a glossary form is a hit),
#: with the longest case ending a name may carry (Russian "Чжан Имоу-ем" ... Kazakh "-нің").
CASE_ENDING_MAX: dict[str, int] = {"ru": 3, "be": 3, "tg": 3, "kk": 4, "ky": 4, "uz": 4}
INFLECTING: frozenset[str] = frozenset(CASE_ENDING_MAX)

#: Languages written without spaces between words (Whisper marks no word start with a
#: space in them; joined text takes no space): the table's Chinese and others Whisper knows.
UNSPACED: frozenset[str] = frozenset({"zh", "ja", "th", "lo", "my", "km", "yue", "bo"})

#: espeak-ng voice per language (``espeakng-loader``). Tajik has no voice: it is respelled
#: for the Persian phoneme set (``dub.tajik``) and read by ``fa-Latn``.
ESPEAK_VOICES: dict[str, str] = {
    "en": "en-us", "zh": "cmn", "ru": "ru", "hi": "hi", "ur": "ur", "fa": "fa", "kk": "kk",
    "ky": "ky", "uz": "uz", "be": "be", "tg": "fa-Latn",
}  # fmt: skip


def written_with_spaces(code: str) -> bool:
    """Whether words of the language are separated by spaces."""
    return code not in UNSPACED


def joiner(code: str) -> str:
    """What goes between two pieces of text in the language: a space, or nothing."""
    return " " if written_with_spaces(code) else ""


#: Other codes of the table's languages: ISO 639-2/T (where it differs from /B, as MP4
#: files tag streams) and ISO 639-3 codes of the variety the row is.
_OTHER_CODES = {"zho": "zh", "cmn": "zh", "fas": "fa", "pes": "fa"}
#: A BCP 47 tag with a script and/or region subtag (``zh-Hans-CN``, ``en_GB``, ``es-419``).
_SUBTAGGED = re.compile(r"^([a-z]{2,3})(?:[-_][a-z]{4})?(?:[-_](?:[a-z]{2}|\d{3}))?$")


def get_language(code: str) -> Language:
    """Look a language up by ISO 639-1, ISO 639-2 (B or T), BCP 47 (a region or script
    subtag is allowed: ``zh-CN``, ``en_GB``) or NLLB code, or by its English name."""
    key = code.strip()
    if key in LANGUAGES:
        return LANGUAGES[key]
    lowered = key.lower()
    if lowered in _OTHER_CODES:
        return LANGUAGES[_OTHER_CODES[lowered]]
    for row in LANGUAGES.values():
        if lowered in (row.iso639_2, row.bcp47.lower(), row.nllb.lower(), row.name.lower()):
            return row
    tagged = _SUBTAGGED.match(lowered)
    if tagged and tagged[1] != lowered:  # "zh-CN", "uz-Latn": the language's subtag
        try:
            return get_language(tagged[1])
        except LanguageError:
            pass  # named as given, below
    raise LanguageError(
        f"unknown language code {code!r}; expected one of: {', '.join(LANGUAGES)} "
        "(or their ISO 639-2 codes: eng, zho, rus, ...)"
    )


#: Languages outside the table whose text is written without spaces in full-width characters:
#: they take the Chinese row's width and reading-speed limits (an assumption: STANDARDS.md
#: has no row for them).
_FULL_WIDTH_SCRIPTS = {"ja": "Japanese", "ko": "Korean", "yue": "Cantonese"}


def subtitle_rules(code: str) -> Language:
    """The rules row for subtitling ``code``: its own row, else STANDARDS.md's default row
    (42 characters per line, 17 characters per second) so that a film in any language
    Whisper transcribes gets a track. Such a row has no NLLB token (no translation)."""
    try:
        return get_language(code)
    except LanguageError:
        pass
    zh = LANGUAGES["zh"]
    if code in _FULL_WIDTH_SCRIPTS:
        return Language(
            code,
            _FULL_WIDTH_SCRIPTS[code],
            code,
            code,
            code,
            "",
            "",
            False,
            True,
            zh.max_chars_per_line,
            zh.max_cps,
            cjk_width=True,
        )
    rtl = code in ("ar", "he", "yi", "ps", "sd", "ug", "dv")
    return Language(code, code, code, code, code, "", "", rtl, True, 42, 17)


#: ISO 15924 script subtags a language's row is written in (``zh-Hans``, ``uz-Latn``).
_SCRIPT_SUBTAGS = {"Latin": ("latn",), "Cyrillic": ("cyrl",), "Arabic": ("arab", "aran"),
                   "Devanagari": ("deva",), "Han": ("hans",)}
_SCRIPT_OF_TAG = re.compile(r"^[a-z]{2,3}[-_]([a-z]{4})(?:[-_]|$)")


def written_language(code: str) -> Language:
    """``get_language`` for a language to write subtitles in: a script subtag must be the
    one scodub writes it in (``zh-Hant`` and ``uz-Cyrl`` are refused, not written as
    Simplified Chinese and Latin Uzbek). A spoken language's tag keeps any script."""
    row = get_language(code)
    tagged = _SCRIPT_OF_TAG.match(code.strip().lower())
    if tagged and tagged[1] not in _SCRIPT_SUBTAGS.get(row.script, (tagged[1],)):
        script = "Simplified Han" if row.script == "Han" else row.script
        raise LanguageError(
            f"{code.strip()!r}: scodub writes {row.name} in {script} script only ({row.bcp47})"
        )
    return row


def parse_language_list(spec: str) -> tuple[str, ...]:
    """``"all"`` or a comma list (``"ru,zh"``) to ISO 639-1 codes, order kept, no repeats
    (a script subtag must be the one scodub writes the language in)."""
    if spec.strip().lower() == "all":
        return SCO_LANGUAGES
    codes: list[str] = []
    for part in spec.split(","):
        if part.strip():
            code = written_language(part).code
            if code not in codes:
                codes.append(code)
    if not codes:
        raise LanguageError(f"empty language list {spec!r}; give codes such as ru,zh or 'all'")
    return tuple(codes)


#: What ``--lang`` (and a manifest's ``lang``) accepts for "detect the spoken language".
DETECT_WORDS = ("", "detect", "auto")


def spoken_language(value: str | None) -> str | None:
    """The spoken language a user gave (``--lang``), as a Whisper code; None to detect it
    (nothing given, ``detect`` or ``auto``). A code Whisper cannot transcribe fails here."""
    if value is None or value.strip().lower() in DETECT_WORDS:
        return None
    return require_asr(value).code


def require_asr(code: str) -> Language:
    """The language, if Whisper can transcribe it; a clear error otherwise."""
    lang = get_language(code)
    if not lang.whisper_asr:
        raise LanguageError(
            f"Whisper cannot transcribe {lang.name} ({lang.code}): it has no {lang.name} "
            f"training data; transcribe in another language and translate to {lang.code}"
        )
    return lang
