"""Is a word an ordinary word of its language? Word frequencies from ``wordfreq``.

A change of letter case alone ("Pemra" -> PEMRA, "пемра" -> ПЕМРА) sounds the same, so
the audio cannot judge it (``scodub.names.correct.judge_margin``). What Whisper wrote
can: a word that is no ordinary word of the language is a name Whisper did not know how
to write, and the glossary's name with the same letters is the one to write; an
ordinary word ("a white ant", "fine china daily") may be meant as that word, and is
left as heard (unless the words before it give a name: ``scodub.names.context``).

``wordfreq`` (Apache-2.0) gives how often a word occurs in a language's text, on the
Zipf scale (log10 of occurrences per billion words), for about 40 languages built from
subtitles, Wikipedia, books and the web. It counts names too, lower-cased: a name the
world writes often (Singapore: 4.35, Cannes: 3.5) counts as ordinary here, and so is
left to Whisper, which writes those right unaided. A word in another script than the
language's is looked up in English if it is Latin ("white ant" in a Russian transcript),
else not at all.
"""

from __future__ import annotations

import functools

from scodub.langs import get_language
from scodub.scripts import text_script

#: At or above this Zipf frequency (once per ten million words) a word is ordinary:
#: rarer words of the language are still words ("ocelot" 2.34, "camellia" 2.52, Russian
#: inflections: "воскресением" 2.36); the festival names Whisper wrote without knowing
#: them are rarer still ("pemra" 1.5, "yimou" 1.74, "umair" 1.72; "пемра", "rulkova": 0).
ORDINARY_ZIPF = 2.0
#: Languages whose lists need a word segmenter wordfreq does not ship (jieba for Chinese,
#: MeCab for Japanese and Korean): none of them writes letter case, the only use here.
_NEEDS_SEGMENTER = frozenset(("zh", "ja", "ko"))


@functools.cache
def _languages() -> frozenset[str]:
    import wordfreq

    return frozenset(wordfreq.available_languages(wordlist="best")) - _NEEDS_SEGMENTER


def has_word_list(lang: str) -> bool:
    """There is a frequency list for ``lang`` itself (wordfreq would otherwise answer
    for the nearest language it has: Tajik with Russian's) that needs no word segmenter."""
    return lang in _languages()


@functools.lru_cache(maxsize=4096)
def is_ordinary(word: str, lang: str) -> bool | None:
    """``word`` (letter case aside) is an ordinary word of ``lang`` (or, written in Latin
    letters in a language that is not, of English); None where there is no list for it,
    or the word has no letters."""
    script = text_script(word)
    if not script:
        return None
    if script != get_language(lang).script:
        if script != "Latin":
            return None
        lang = "en"
    if not has_word_list(lang):
        return None
    import wordfreq

    return wordfreq.zipf_frequency(word.lower(), lang) >= ORDINARY_ZIPF


__all__ = ["ORDINARY_ZIPF", "has_word_list", "is_ordinary"]
