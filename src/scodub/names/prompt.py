"""Whisper's prompt and its echo: which glossary names to prime faster-whisper with, and
removing the name lists it sometimes copies from that prompt into the transcript.

``hotwords`` / ``initial_prompt`` give faster-whisper the most useful names within a token
budget. Primed that way, Whisper base now and then ends a segment with a run of the primed
names that nobody said ("... a natural film set. Jia Zhangke, Dai Mo, Hai Qing,"), every
word at probability ~0.0 (seen in 6 of 56 Piper-spoken sentences); ``strip_prompt_echo``
removes such tails and reports them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence

from scodub.data import Correction, Segment, Transcript, Word
from scodub.langs import get_language
from scodub.names.glossary import Glossary, Term
from scodub.names.match import tokens
from scodub.scripts import text_script

#: Whisper sees at most 223 prompt tokens, shared between the hotwords and the previous
#: window's text, and re-sent with every 30 s window; 64 tokens keeps room for both.
HOTWORD_TOKEN_BUDGET = 64
#: Characters per Whisper token for names in each script, measured with Whisper base's
#: tokenizer on festival names (Latin 2.8, Cyrillic 1.65, Arabic 1.07, Devanagari 0.79,
#: Han 0.59), rounded down so the estimate errs on the long side.
_CHARS_PER_TOKEN = {"Latin": 2.7, "Cyrillic": 1.6, "Arabic": 1.0, "Devanagari": 0.75,
                    "Han": 0.55}
#: Which names are most worth priming: people and titles are what ASR gets wrong; places
#: such as Chongqing are in its training text already.
_KIND_PRIORITY = ("person", "film", "organisation", "award", "festival", "place")
#: Mean word probability under which a tail of glossary names is an echo of the prompt
#: (echoed names came out at 0.00-0.12; names really spoken at 0.01-0.65, but never a
#: whole list of them closing a segment).
ECHO_PROBABILITY = 0.15
_ECHO_WORD_MAX = 0.9  # echoed words came out at up to 0.81 (the mean decides)


def _token_cost(text: str) -> float:
    return len(text) / _CHARS_PER_TOKEN.get(text_script(text), _CHARS_PER_TOKEN["Latin"])


def _ranked_names(glossary: Glossary, lang: str, focus: Sequence[str]) -> list[str]:
    focus_rank = {term_id: i for i, term_id in reversed(list(enumerate(focus)))}

    def rank(term: Term) -> tuple[int, int, int]:
        in_focus = focus_rank.get(term.id, len(focus))
        kind = _KIND_PRIORITY.index(term.kind) if term.kind in _KIND_PRIORITY else 99
        return in_focus, 0 if term.aliases else 1, kind

    # A dict keeps the order and makes "seen before?" a lookup: a list scan here was
    # quadratic in the glossary's size (issue 7).
    names: dict[str, None] = {}
    for term in sorted(glossary.terms, key=rank):  # stable: glossary order breaks ties
        name = term.form(lang)
        if name:
            names.setdefault(name, None)
    return list(names)


def hotwords(glossary: Glossary, lang: str, *, focus: Sequence[str] = (),
             budget_tokens: int = HOTWORD_TOKEN_BUDGET) -> str:
    """The most useful glossary names in ``lang`` as one comma list for faster-whisper.

    Order: the term ids in ``focus`` (names known to be in this film), then terms with
    known mishearings (aliases), then people, films, organisations, awards, festivals,
    places. Names are added while the estimated token count stays within ``budget_tokens``
    (64 tokens: about 170 Latin or 100 Cyrillic characters); a name that does not fit is
    skipped so a shorter one after it still can.
    """
    get_language(lang)
    chosen: list[str] = []
    used = 0.0
    for name in _ranked_names(glossary, lang, focus):
        cost = _token_cost(name + ", ")
        if used + cost <= budget_tokens:
            chosen.append(name)
            used += cost
    return ", ".join(chosen)


def initial_prompt(glossary: Glossary, lang: str, *, focus: Sequence[str] = (),
                   budget_tokens: int = HOTWORD_TOKEN_BUDGET) -> str:
    """The same names as a sentence: a punctuated, capitalised prompt also nudges Whisper
    towards punctuated, capitalised output."""
    names = hotwords(glossary, lang, focus=focus, budget_tokens=budget_tokens)
    return f"{names}." if names else ""


def with_words(seg: Segment, words: Sequence[Word], spaced: bool) -> Segment:
    """``seg`` holding ``words``, its text rebuilt (without spaces for Chinese)."""
    joined = (" " if spaced else "").join(w.text for w in words)
    text = (" " + joined) if seg.text.startswith(" ") and spaced and joined else joined
    end = words[-1].end_ms if words else seg.start_ms
    return dataclasses.replace(seg, words=tuple(words), text=text,
                               end_ms=min(seg.end_ms, max(end, seg.start_ms)))


def _name_run(words: Sequence[str], names: Collection[tuple[str, ...]], longest: int) -> int:
    """How many glossary names ``words`` is, back to back (the last may be only a piece of
    one); 0 if anything else is in it."""
    count, pos = 0, 0
    while pos < len(words):
        for n in range(min(longest, len(words) - pos), 0, -1):
            if tuple(words[pos : pos + n]) in names:
                count, pos = count + 1, pos + n
                break
        else:
            rest = tuple(words[pos:])  # cut off: a piece of a name ("Hai Yang,")
            part = any(name[i : i + len(rest)] == rest for name in names
                       for i in range(len(name) - len(rest) + 1))
            return count if part else 0
    return count


def strip_prompt_echo(transcript: Transcript, names: Collection[tuple[str, ...]],
                      spaced: bool = True) -> tuple[Transcript, list[Correction]]:
    """Remove segment tails that are an echo of the prompt's names.

    ``names``: the glossary names as tuples of folded words (``namematch.form_words``). A
    segment's tail made only of two or more of them, with mean word probability below
    ``ECHO_PROBABILITY`` and no word above 0.9, goes; each removal is returned as a
    ``Correction`` with an empty ``corrected`` and ``term_id``.
    """
    if not names:
        return transcript, []
    longest = max(len(n) for n in names)
    segments = list(transcript.segments)
    removed: list[Correction] = []
    for index, seg in enumerate(segments):
        words = seg.words
        first = len(words)
        while first > 0 and words[first - 1].probability < _ECHO_WORD_MAX:
            first -= 1
        for start in range(first, len(words) - 1):
            tail = words[start:]
            folded = [t.text for w in tail for t in tokens(w.text)]
            mean = sum(w.probability for w in tail) / len(tail)
            if mean < ECHO_PROBABILITY and _name_run(folded, names, longest) >= 2:
                removed.append(Correction(
                    heard=" ".join(w.text for w in tail), corrected="", term_id="",
                    start_ms=tail[0].start_ms, end_ms=tail[-1].end_ms,
                    score=round(1.0 - mean, 4)))
                segments[index] = with_words(seg, words[:start], spaced)
                break
    if not removed:
        return transcript, []
    return dataclasses.replace(transcript, segments=tuple(segments)), removed


__all__ = ["ECHO_PROBABILITY", "HOTWORD_TOKEN_BUDGET", "hotwords", "initial_prompt",
           "strip_prompt_echo", "with_words"]
