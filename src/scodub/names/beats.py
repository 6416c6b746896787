"""How many syllables a stretch of words takes to say, from its spelling (issue 8).

A name the second pass writes over heard words takes about the time those words took: a
name of half their syllables leaves speech unexplained (Whisper, primed with a name, drops
the words after it: "освещенные окно-сарае" -> "Воскрешение"; "young directors" ->
"Yongchuan"), one of twice theirs explains speech that is not there ("Resort" ->
"Resurrection"). The sum of log-probabilities the judge compares favours the shorter text,
so the audio cannot refuse such a rewrite; its length can.

The count is an estimate from letters, where the spelling shows the syllables:

- Latin: groups of vowels (``y`` before a vowel is a consonant: "Yimou", "Haiyang"); in
  English a final silent ``e`` does not count ("Base", "Coke", "makes"; "tables" has two);
- Cyrillic: each vowel letter is a syllable ("сарае" is three);
- Han: each character.

Other scripts (Arabic, Devanagari: short vowels unwritten), digits and words in capitals
(spelt out or read: "CGTN", "PEMRA") give ``None``: no estimate, no rule.
"""

from __future__ import annotations

import re

from scodub.scripts import script_of

_LATIN_VOWELS = "aeiouyàáâãäåæèéêëìíîïòóôõöøùúûüýÿāēīōūǎǐǒǔǖǘǚǜ"
_CYRILLIC_VOWELS = frozenset("аеёиоуыэюяіїєўәөүұӯӣ")
_LATIN_GROUP = re.compile(f"[{_LATIN_VOWELS}]+")
# English endings whose ``e`` is not said: "base", "coke", "closed", "makes" (not "table",
# "wanted", "places")
_SILENT_E = re.compile(
    r"(?:[^aeiouyl]|[aeiouy]l)e$|[^aeiouytd]ed$|(?:[^aeiouylszxcgh]|[aeiouy]l)es$"
)
_APOSTROPHES = re.compile("['’]")


def _latin(word: str, lang: str) -> int:
    low = word.lower()
    # ``y`` before a vowel is a consonant: "Yimou" has two syllables, "Haiyang" two
    low = re.sub(f"y(?=[{_LATIN_VOWELS}])", "j", low)
    count = len(_LATIN_GROUP.findall(low))
    if lang == "en" and count > 1 and _SILENT_E.search(low):
        count -= 1
    return max(1, count)


def syllables(text: str, lang: str) -> int | None:
    """The syllables of ``text`` (words in any of the scripts above), or ``None`` where
    its spelling does not show them."""
    total = 0
    for word in re.findall(r"[^\W\d_]+|\d+", _APOSTROPHES.sub("", text)):  # "Bremble's"
        if word.isdigit() or (len(word) > 1 and word.isupper()):
            return None
        scripts = {script_of(ch) for ch in word} - {None}
        if scripts == {"Latin"}:
            total += _latin(word, lang)
        elif scripts == {"Cyrillic"}:
            total += max(1, sum(ch in _CYRILLIC_VOWELS for ch in word.lower()))
        elif scripts == {"Han"}:
            total += len(word)
        else:
            return None
    return total


def unlike_in_beats(heard: str, written: str, lang: str) -> bool:
    """``written`` takes half the syllables of ``heard`` or twice as many (and two or more
    apart: one or two syllables say little), where both can be counted."""
    a, b = syllables(heard, lang), syllables(written, lang)
    if a is None or b is None:
        return False
    low, high = sorted((a, b))
    return high >= 2 * low and high - low >= 2


__all__ = ["syllables", "unlike_in_beats"]
