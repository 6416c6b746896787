"""Tajik speech without a Tajik voice: Tajik Cyrillic respelled for espeak-ng's Persian.

espeak-ng has no Tajik voice and no neural Tajik voice can be had offline. Tajik is a
variety of Persian and its Cyrillic spelling is phonemic (every vowel written), so the
line is respelled letter by letter in the Latin "Pinglish" convention that espeak-ng's
``fa-Latn`` voice reads with the Persian phoneme set. Routes that were measured on the
phonemes espeak-ng produces (see the dubbing notes in the report) and rejected:

* the Russian voice with Ҷ Ҳ Ӯ Ӣ Қ Ғ mapped to Russian letters: Russian vowel
  reduction (``одамон`` -> [ʌdˈɑmʌn]), palatalisation and final devoicing
  (``озод`` -> [ʌzˈot]), and қ/ғ/ҳ collapse into к/г/х;
* the Kazakh voice: keeps қ ғ and final stress, but reads и as [əj] and у as [w]
  (``Душанбе`` -> [dwʃɑnbˈe]);
* Persian script through the ``tg2fa-translit`` model and the ``fa`` voice: Iranian
  vowels on Tajik words (``меравем`` -> [mirˈavim]), the short vowels dropped by the
  Arabic script are guessed back, loanwords degrade, long lines break down, and the
  package needs PyTorch.

Known limits of this route: the Persian voice merges қ and ғ into one uvular stop, as
Iranian Persian does, and places word stress by its own Pinglish rules, which are
often not the final syllable that Tajik stresses.
"""

from __future__ import annotations

# Letter table. Vowels keep Tajik's six-way contrast with distinct Persian phonemes:
# о [ɔ] is the counterpart of Persian ā (Тоҷикистон = تاجیکستان), so "aa" -> [ɑ];
# ӯ [ɵ] is a mid rounded vowel, nearest to Persian o; у -> u; и, ӣ -> i; е -> e; а -> a.
_LETTERS: dict[str, str] = {
    "а": "a", "б": "b", "в": "v", "г": "g", "ғ": "gh", "д": "d", "е": "e", "ё": "yaa",
    "ж": "jh", "з": "z", "и": "i", "ӣ": "i", "й": "y", "к": "k", "қ": "q", "л": "l",
    "м": "m", "н": "n", "о": "aa", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ӯ": "o", "ф": "f", "х": "kh", "ҳ": "h", "ч": "ch", "ҷ": "j", "ш": "sh", "ъ": "'",
    "э": "e", "ю": "yu", "я": "ya",
    # Russian letters in loanwords and names.
    "ц": "ts", "щ": "shch", "ы": "i", "ь": "",
}
# Old typewriter/keyboard stand-ins for the Tajik letters (Ѓ for Ғ, Ї for Ӣ, ...).
_STAND_INS = str.maketrans("ѓїќўњљЃЇЌЎЊЉ", "ғӣқӯҳҷҒӢҚӮҲҶ")
_VOWELS = frozenset("аеёиӣоуӯэюя")
# After these Latin letters an "h" would form a digraph (kh, gh, sh, ch, th, zh, jh, ph):
# ҳ after them is written "'h" so that it stays [h] (кӯдакҳо, рӯзҳо, сангҳо).
_DIGRAPH_LEADS = frozenset("kgsctzjp")

#: Tajik letters that Russian lacks: what the route does with each, for the voice report.
TAJIK_LETTERS: dict[str, str] = {
    "ҷ": "j [dʒ]", "ҳ": "h [h]", "ӯ": "o [o]", "ӣ": "i [i]", "қ": "q [q~ɢ]", "ғ": "gh [q~ɢ]",
}


def tajik_to_pinglish(text: str) -> str:
    """Respell Tajik Cyrillic in the Latin convention of espeak-ng's ``fa-Latn`` voice.

    Characters that are not Tajik letters (digits, punctuation, Latin names) are kept.
    The result is lower case: espeak-ng spells out all-capital words.
    """
    source = text.translate(_STAND_INS).lower()
    out: list[str] = []
    previous = ""
    for char in source:
        latin = _LETTERS.get(char)
        if latin is None:
            out.append(char)
        elif char == "е" and (not previous.isalpha() or previous in _VOWELS or previous == "ъ"):
            out.append("ye")  # е is [je] at the start of a word and after a vowel
        elif char == "ҳ" and out and out[-1] and out[-1][-1] in _DIGRAPH_LEADS:
            out.append("'h")
        else:
            out.append(latin)
        previous = char
    return "".join(out)
