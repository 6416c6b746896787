"""Post-ASR glossary correction: put festival names back where Whisper misheard them.

``correct`` looks at every run of 1 to (longest term + 1) words inside each segment and
scores it against the glossary's forms in the transcript's language (canonical form,
accepted variants, and the spoken aliases written in that language's script) with
``scodub.names.match.similarity``: a character ratio and a sound-skeleton ratio, both on a
Latin transliteration, so it works the same for Cyrillic, Arabic-script and Devanagari
transcripts. A run is rewritten when

- it equals an alias, or a form or variant up to letter case (score 1.0), or
- it scores at least ``CORRECTION_THRESHOLD`` against a form or variant and Whisper was
  unsure of one of its words (probability below ``UNSURE_PROBABILITY``), or at least
  ``CONFIDENT_THRESHOLD`` when it was sure of them all. Whisper is unsure of the names it
  mishears (Piper-spoken festival sentences through Whisper base: every real mishearing
  but one had a word below 0.65) and sure of ordinary words; "mapping" is Ma Ping misheard
  AND a common word, and only the confidence tells them apart;
- near-misses of aliases count from ``ALIAS_FUZZY_THRESHOLD``; one-word aliases shorter
  than ``MIN_FUZZY_CHARS`` letters ("Can", "Khan") are everyday words and are ignored;
- and it is not ordinary speech around a name: a part of the term (``Film Festival``),
  the term plus or minus unlike words (``Cannes Film Festival``), the name with a suffix
  (``Eurasian``), a run that starts or ends on a function word (``our films`` for ARY
  Films), a run in capitals (a byline), or a name that would follow an article it cannot
  take (``the minks`` is not ``the Minsk``) or take the place of a question's opening verb
  (``scodub.names.context``).

What is written is the term's form that was said (``scodub.names.written``): "Yong
Chuan" becomes ``Yongchuan``, not ``Yongchuan District``; ``Listipad`` becomes
``Listapad``; a spelling variant is written canonically (``Chungking`` -> ``Chongqing``). A
run that already reads exactly as a form or variant (or, in an inflecting language, one
with case endings) is never touched, and no correction may overlap it but a misheard
longer name it is part of ("Yongchuan" in "Yongchuan Tecknology Studio", "Али" in "Умаир
Насер Али": not written twice). Names of more words win over shorter ones (``Yongchuan
Technology Studio`` before ``Yongchuan``), then higher scores (not more letters: a
misheard "Менский" is Minsk's, not the one letter longer "Каннский"), and a match that
would swallow words Whisper was sure of beside a name ("Потом Золатая камелия") gives way
to the name alone. Every change is a ``Correction`` on the transcript: corrections are reported,
never silent. With a ``judge`` (the audio: ``scodub.names.audiocheck``) a correction is
kept only when the written text explains the audio at least as well as the heard one.

Chinese is compared through toneless pinyin (``scodub.names.match.latin_key``), so a
homophone Whisper writes for a name (张一谋 for 张艺谋, 海青 for 海清) scores as the sound it
is; because homophones are everywhere in Chinese, a fuzzy Chinese match is only taken where
Whisper was unsure of a character (never on confidence alone), and only where each
character stands for a syllable of the name, the same or a near sound, with a character of
the name kept (``scodub.names.match.han_misheard``: 将 is not 戛纳, 用户 not 永川).
Cyrillic, Arabic-script and Devanagari transcripts are compared on their Latin
transliteration the same way.

Before that, a tail of glossary names that Whisper copied from its prompt (a failure of
faster-whisper's ``hotwords``) is removed: ``scodub.names.prompt.strip_prompt_echo``, where
``hotwords`` / ``initial_prompt`` (re-exported here) build that prompt.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from scodub.data import Correction, Segment, Transcript
from scodub.langs import get_language
from scodub.names.context import (
    article_conflict,
    case_basis,
    heard_as_name,
    opens_question,
    partly_heard_as_name,
)
from scodub.names.glossary import Glossary, Term
from scodub.names.match import (
    LETTERS_ONLY_PENALTY,
    MIN_SOUND_KEY,
    compact,
    han_misheard,
    is_respelling,
    phonetic_key,
    similarity,
    word_matches,
)
from scodub.names.prompt import (
    HOTWORD_TOKEN_BUDGET,
    hotwords,
    initial_prompt,
    strip_prompt_echo,
    with_words,
)
from scodub.names.spans import (
    UNSURE_PROBABILITY,
    Span,
    rewrite_words,
    spans_of,
    split_word,
    word_tokens,
)
from scodub.names.written import spoken_form, with_case_endings, writable_forms
from scodub.scripts import text_script
from scodub.text.wordrules import NAME_EDGE_WORDS, NAME_SUFFIXES

#: Minimum mean of the character and sound ratios (0-100) for a fuzzy correction of a run
#: Whisper was unsure of. Real mishearings (Piper speech through Whisper base) score 80-98
#: (``Emer Nasser`` / Umair Nasir Ali 80, ``jah jang kuh`` / Jia Zhangke 85); 132,000 words
#: of English prose hold runs up to 96 (``mapping`` / Ma Ping) that only confidence stops.
CORRECTION_THRESHOLD = 80.0
#: The same for a run whose every word Whisper was sure of (or a transcript without word
#: probabilities): only spelling-level differences (``list a pad``, ``Chong Qing``).
CONFIDENT_THRESHOLD = 97.0
#: A name shorter than this (in transliterated letters) is only corrected when exact up to
#: case or an alias: three- and four-letter names (SCO, Ma Ping's "Ma") look like anything.
MIN_FUZZY_CHARS = 5
#: The most cells of one span x surface score matrix ``scored_matches`` builds at a time
#: (a few float arrays of this size are alive at once: about 30 MB each).
MATRIX_CELLS = 4_000_000
#: Languages written in Han characters: compared on pinyin, where homophones abound.
_HOMOPHONE_LANGS = frozenset(("zh",))
#: Fuzzy matches against an alias (itself a mishearing) need more: "Chongking" for the
#: alias "Chong King" scores 100, "high-tech in" for the alias "High Ching" 85.
ALIAS_FUZZY_THRESHOLD = 90.0
#: How much lower the differing words of a partly identical span may score (``jang`` for
#: ``Zhang`` in ``jang yimou`` scores 67, ``leong`` for ``Liang`` 60; ``cannes`` for ``SCO``
#: scores 44, ``the`` for ``Publications`` 0).
_PART_SLACK = 20.0
#: A span that is the term with this many letters missing is a partial mention.
_PART_LETTERS = 3
#: Scores texts of one segment against its audio: ``judge(segment, texts, names)`` gives
#: one log-probability per text (higher explains the audio better), the names being the
#: glossary forms under test (``scodub.names.audiocheck.WhisperJudge``).
#: How much higher (natural log) the judge must score the written text than the heard one:
#: a tie is not evidence. Misheard names came out 4-16 higher (Piper speech, Whisper base);
#: "Zhang" for the "John" of "Mr. John Dashwood", primed with "Zhang", only 0.1.
JUDGE_MARGIN = 1.0
#: The same for a stretch the first pass already wrote as a name and spelled within
#: ``CORRECTION_THRESHOLD`` of the glossary's ("Chen Yang" for Chen Liang, "Bridget Young"
#: for Bridget Yang): a name was heard, only its spelling is in question, and the written
#: one need only explain the audio at least as well (``judge_margin``). Such respellings
#: came out 0.1-0.9 higher; "Zhang" for the "John" of "Mr. John Dashwood" is heard as a
#: name but spelled far from it (44).
SPELLING_MARGIN = 0.0
#: ... where the words that differ are respellings of each other too: "Yang" / Liang and
#: "Young" / Yang score 67, while the "John" of "Mr. John Dashwood" / Zhang scores 44, a
#: name of its own that the shared surname made look close (the whole stretches: 90).
RESPELT_WORDS = 60.0
Judge = Callable[[Segment, Sequence[str], Sequence[str]], Sequence[float]]


def _differing_words_respelt(heard: str, spelt: str) -> bool:
    """Whether the words that differ between two names, the words they share at either
    end set aside, are near spellings of each other (``RESPELT_WORDS``); a name that only
    adds or drops words counts as near."""
    a, b = heard.casefold().split(), spelt.casefold().split()
    while a and b and a[0] == b[0]:
        a, b = a[1:], b[1:]
    while a and b and a[-1] == b[-1]:
        a, b = a[:-1], b[:-1]
    if not a or not b:
        return True
    return similarity(" ".join(a), " ".join(b)) >= RESPELT_WORDS


@dataclass(frozen=True, slots=True)
class Surface:
    term: Term
    text: str  # how the term can be written or heard
    canonical: str  # what a match is rewritten to (the canonical form, or the variant)
    exact_ok: bool  # True for canonical forms and variants: an exact span stays as it is
    words: tuple[str, ...]  # folded word tokens
    raw: tuple[str, ...]  # word tokens as written


@dataclass(frozen=True, slots=True)
class Match:
    span: Span
    surface: Surface
    score: float  # 0-100


def surfaces_of(glossary: Glossary, lang: str) -> list[Surface]:
    script = get_language(lang).script
    out: list[Surface] = []
    for term in glossary.terms:
        canonical = term.form(lang)
        if not canonical:
            continue
        for text in term.accepted(lang):
            # a spelling variant (Chungking) is written in the canonical spelling, a short
            # or other name (Listapad for the festival's full name) as the variant it is
            out.append(Surface(term, text, canonical if is_respelling(text, canonical)
                                else text, True, *word_tokens(text)))
        for alias in term.aliases:
            # a one-word alias as short as "Can" or "Khan" is an everyday word or name
            letters = 2 if script == "Han" else MIN_FUZZY_CHARS  # 张一谋 is a whole name
            short = " " not in alias.strip() and len(compact(alias)) < letters
            if text_script(alias) == script and not short:
                out.append(Surface(term, alias, canonical, False, *word_tokens(alias)))
    return [s for s in out if s.words]


def _sound(text: str) -> str:
    return phonetic_key(text) or compact(text)


def shared_words_agree(words: tuple[str, ...], whole: tuple[str, ...],
                        threshold: float) -> bool:
    """When a span and a term share whole words, what they do not share must sound alike.

    ``Film Festival`` is a part of ``SCO Film Festival`` (nothing left on the span's side),
    ``the Directorate of Electronic Media`` is the start of a longer name plus an extra
    word, ``Cannes Film Festival`` swaps ``SCO`` for an unlike word: none is a mishearing.
    """
    common = Counter(words) & Counter(whole)
    if not common:
        return True
    rest_span, rest_term = list(words), list(whole)
    for word, count in common.items():
        for _ in range(count):
            rest_span.remove(word)
            rest_term.remove(word)
    if not rest_span or not rest_term:
        return False
    return similarity(" ".join(rest_span), " ".join(rest_term)) >= threshold - _PART_SLACK


def _plausible(span: Span, surface: Surface, score: float, threshold: float,
               lang: str, lenient: bool = False) -> bool:
    """Is a fuzzy match a mishearing of the term rather than ordinary words near it?

    ``lenient`` (where to decode again, not what to write: ``plausible_forms``): only the
    score counts, and words Whisper was sure of need ``CORRECTION_THRESHOLD`` ("Dingrui"
    for Deng Rui, 93, at probability 0.75)."""
    if lenient:
        need = max(threshold, CORRECTION_THRESHOLD) if span.sure else threshold
        return score >= need and span.words != surface.words
    if span.sure and lang in _HOMOPHONE_LANGS:
        return False  # 海青色 is a colour, not 海清: only an unsure span may be a name
    han = han_misheard(span.text, surface.text) if lang in _HOMOPHONE_LANGS else None
    if han is False:
        return False  # 将 (jiang) is not 戛纳 (jia na), 用户 (yong hu) not 永川 (yong chuan)
    need = threshold if not span.sure else max(threshold, CONFIDENT_THRESHOLD)
    need = need if surface.exact_ok else max(need, ALIAS_FUZZY_THRESHOLD)
    if score < need or span.words == surface.words:
        return False
    heard, term = compact(span.text), compact(surface.text)
    if heard.startswith(term) and len(heard) > len(term) and (
            span.text.startswith(surface.text) or heard[len(term):] in NAME_SUFFIXES):
        return False  # the name is there with a suffix ("Eurasian", "LenkaBy"), not "Fan Ling"
    if span.text.isupper() and heard == compact(surface.canonical):
        return False  # the name in capitals ("TAN YINGZI" in a byline) is a choice
    if heard in term and len(term) - len(heard) >= _PART_LETTERS:  # "films" of "Aryfilms"
        return False
    if not han and not shared_words_agree(span.words, surface.words, threshold):
        return False  # (a Chinese name with an inner character dropped is misheard, no part)
    edge_words = NAME_EDGE_WORDS.get(lang, frozenset())
    return all(span.words[i] not in edge_words or span.words[i] == surface.words[i]
               for i in (0, -1))


def scored_matches(spans: Sequence[Span], surfaces: Sequence[Surface],
                 threshold: float, lang: str, min_chars: int = MIN_FUZZY_CHARS,
                 lenient: bool = False) -> list[Match]:
    """Exact, case-only, alias and fuzzy matches between every span and every surface."""
    matches: list[Match] = []
    by_words: dict[tuple[str, ...], list[Surface]] = {}
    for surface in surfaces:
        by_words.setdefault(surface.words, []).append(surface)
    cand_compact = [compact(s.text) for s in surfaces]
    cand_sound = [_sound(s.text) for s in surfaces]
    cand_ok = np.array([len(c) >= min_chars for c in cand_compact])
    cutoff = max(0.0, 2 * threshold - 100)  # the mean reaches threshold only if both do
    # Spans per chunk so that each score matrix (spans x surfaces) stays within
    # MATRIX_CELLS: 4000 spans at a time held 1.2 GB against a 10,000-term glossary.
    chunk = max(1, min(4000, MATRIX_CELLS // max(1, len(surfaces))))
    for lo in range(0, len(spans), chunk):
        part = spans[lo : lo + chunk]
        for span in part:
            for surface in by_words.get(span.words, ()):
                shouted = span.text.isupper() and not surface.text.isupper()
                if not shouted:  # "TAN YINGZI" in capitals is a choice, not a mishearing
                    matches.append(Match(span, surface, 100.0))
        span_compact = [compact(sp.text) for sp in part]
        span_sound = [_sound(sp.text) for sp in part]
        chars = process.cdist(span_compact, cand_compact, scorer=fuzz.ratio, score_cutoff=cutoff)
        sounds = process.cdist(span_sound, cand_sound, scorer=fuzz.ratio, score_cutoff=cutoff)
        # A short skeleton says nothing (see namematch.similarity): use the letters twice.
        short = np.array([len(k) < MIN_SOUND_KEY for k in span_sound])[:, None] | np.array(
            [len(k) < MIN_SOUND_KEY for k in cand_sound])[None, :]
        sounds = np.where(short, chars, sounds)
        combined = np.maximum((chars + sounds) / 2.0, chars - LETTERS_ONLY_PENALTY)
        span_ok = np.array([len(c) >= min_chars for c in span_compact])
        hits = (combined >= threshold) & (chars > 0)
        hits &= span_ok[:, None] & cand_ok[None, :]
        for r, c in zip(*np.nonzero(hits), strict=True):
            span, surface = part[int(r)], surfaces[int(c)]
            score = float(combined[r, c])
            if _plausible(span, surface, score, threshold, lang, lenient):
                matches.append(Match(span, surface, score))
    return matches


def already_right(m: Match, lang: str) -> bool:
    """Exactly a form or variant, or (inflecting languages) one with case endings."""
    if not m.surface.exact_ok or len(m.span.words) != len(m.surface.words):
        return False
    if m.span.raw == m.surface.raw:
        return True
    results = [word_matches(t, w, lang) for t, w in zip(m.span.words, m.surface.words,
                                                         strict=True)]
    return all(ok for ok, _ in results) and not all(exact for _, exact in results)


def _preference(m: Match) -> tuple[int, float, int]:
    """Names of more words first (``Yongchuan Technology Studio`` before ``Yongchuan``),
    then better scores (of two names with as many words, the one that sounds like what
    was heard, not the one with more letters), then spans closest in length to the term
    (which of the term's forms is written is ``written_form``'s choice)."""
    gap = abs(len(compact(m.span.text)) - len(compact(m.surface.text)))
    return -len(m.surface.words), -m.score, gap


def written_form(m: Match, writable: dict[str, tuple[str, ...]]) -> str:
    return spoken_form(m.span.text, m.surface.canonical, writable.get(m.surface.term.id, ()))


def _contains(whole: tuple[str, ...], part: tuple[str, ...]) -> bool:
    n = len(part)
    return any(whole[i : i + n] == part for i in range(len(whole) - n + 1))


def _overlaps(a: Span, b: Span) -> bool:
    return a.seg == b.seg and a.first <= b.last and b.first <= a.last


def _holds(m: Match, exact: Match) -> bool:
    """``m`` is a longer name over a name heard exactly that is part of it ("Yongchuan" in a
    misheard "Yongchuan Tecknology Studio", "Али" in "Умаир Насер Али"); not where the
    rest was heard right but for letter case ("Yongchuan district" is left as written)."""
    return (m.span.words != m.surface.words
            and m.span.first <= exact.span.first and exact.span.last <= m.span.last
            and (_contains(m.surface.words, exact.surface.words)
                 or _contains(m.surface.words, exact.span.words)))  # inflected: минский


def _needless_edges(m: Match, inner: Sequence[Match], segments: Sequence[Segment]) -> bool:
    """A match of the same term lies inside ``m``, and every word of ``m`` outside it is
    one Whisper was sure of and no word of the name: ordinary words heard beside the name
    ("Потом" in "Потом Золатая камелия"), which ``m`` would swallow."""
    words = segments[m.span.seg].words
    for o in inner:
        if o.span == m.span or not (m.span.first <= o.span.first and o.span.last <= m.span.last):
            continue
        extra = [*range(m.span.first, o.span.first), *range(o.span.last + 1, m.span.last + 1)]
        if all(words[i].probability >= UNSURE_PROBABILITY and not any(
                similarity(split_word(words[i].text)[1], w) >= RESPELT_WORDS
                for w in m.surface.raw) for i in extra):
            return True
    return False


def _choose(matches: Sequence[Match], lang: str,
            segments: Sequence[Segment] = ()) -> list[Match]:
    """Non-overlapping corrections, best first (``_preference``). Exact spans are
    protected: never corrected, never overlapped, but by a longer name they are part of
    (``_holds``); a match that would swallow words heard beside a name is left for the
    match of the name alone (``_needless_edges``)."""
    fine = [m for m in matches if already_right(m, lang)]
    protected: dict[int, list[Match]] = {}
    for m in fine:
        protected.setdefault(m.span.seg, []).append(m)
    by_term: dict[tuple[int, str], list[Match]] = {}
    for m in matches:
        by_term.setdefault((m.span.seg, m.surface.term.id), []).append(m)
    taken: dict[int, set[int]] = {}
    chosen: list[Match] = []
    for m in sorted((m for m in matches if m not in fine), key=_preference):
        used = taken.setdefault(m.span.seg, set())
        cells = set(range(m.span.first, m.span.last + 1))
        if cells & used or any(_overlaps(m.span, h.span) and not _holds(m, h)
                               for h in protected.get(m.span.seg, ())):
            continue
        if segments and _needless_edges(m, by_term[m.span.seg, m.surface.term.id], segments):
            continue
        used.update(cells)
        chosen.append(m)
    return chosen


def letter_case_basis(words: Sequence[str], first: int, last: int, written: str,
                      lang: str) -> str:
    """Why writing ``words[first..last]`` as ``written`` needs no help from the audio (""
    if nothing says so): a change of letter case alone that the words say is a name's
    ("Pemra" for PEMRA, "base FX", "called resurrection":
    ``scodub.names.context.case_basis``)."""
    heard = [split_word(w)[1] for w in words[first : last + 1]]
    spelt = [split_word(w)[1] for w in written.split()]
    if " ".join(heard).casefold() != " ".join(spelt).casefold() or heard == spelt:
        return ""
    return case_basis(words, first, last, spelt, lang)


def judge_margin(words: Sequence[str], first: int, last: int, written: str,
                 lang: str) -> float:
    """How much higher than ``words`` as heard the judge must score them with
    ``words[first..last]`` written as ``written``: none at all (``-math.inf``) for a
    change of letter case alone the words say is a name's (``letter_case_basis``: the
    audio cannot judge case, and the primed language model prefers ordinary text's:
    "base FX"); ``SPELLING_MARGIN`` for a name heard as a name and spelled near
    ``written``, or for a change of letter case alone where part of the stretch was
    written as a name; never (``math.inf``) for any other change of letter case alone;
    else ``JUDGE_MARGIN``."""
    if letter_case_basis(words, first, last, written, lang):
        return -math.inf
    heard = " ".join(split_word(w)[1] for w in words[first : last + 1])
    spelt = " ".join(split_word(w)[1] for w in written.split())
    if (
        similarity(heard, spelt) >= CORRECTION_THRESHOLD
        and heard_as_name(words, first, last)
        and _differing_words_respelt(heard, spelt)
    ):
        return SPELLING_MARGIN
    if compact(heard) == compact(spelt) and partly_heard_as_name(words, first, last):
        return SPELLING_MARGIN  # the same letters, part of them written as a name unprimed
    if heard.casefold() == spelt.casefold():
        # letter case alone: the same sound, so the audio cannot judge it, only Whisper's
        # language model, which the name in its prompt favours: never where Whisper wrote
        # ordinary words ("fine china daily": China Daily came out 1.7 higher, primed)
        return math.inf
    return JUDGE_MARGIN


@dataclass(frozen=True, slots=True)
class _Fix:
    match: Match
    written: str
    heard_logprob: float | None = None
    written_logprob: float | None = None


def _judged(seg: Segment, fixes: list[_Fix], judge: Judge, spaced: bool,
            lang: str) -> list[_Fix]:
    """The fixes whose written text explains the segment's audio at least as well as the
    text as heard (each fix tested alone, the scores kept as evidence). A change of
    letter case is judged too: the sound is the same, but Whisper's language model knows
    "a white ant" from the film "White Ant" by the words around it."""
    to_test = fixes
    texts = [seg.text.strip()]
    for fix in to_test:
        words = list(seg.words)
        span = fix.match.span
        words[span.first : span.last + 1] = rewrite_words(words[span.first : span.last + 1],
                                                     fix.written, spaced)
        texts.append((" " if spaced else "").join(w.text for w in words))
    names = list(dict.fromkeys(f.written for f in to_test))
    scores = list(judge(seg, texts, names))
    kept = []
    heard = [w.text for w in seg.words]
    for fix, score in zip(to_test, scores[1:], strict=True):
        span = fix.match.span
        if score >= scores[0] + judge_margin(heard, span.first, span.last, fix.written, lang):
            kept.append(dataclasses.replace(fix, heard_logprob=round(float(scores[0]), 3),
                                            written_logprob=round(float(score), 3)))
    return kept


def correct(transcript: Transcript, glossary: Glossary, lang: str | None = None, *,
            threshold: float = CORRECTION_THRESHOLD, judge: Judge | None = None) -> Transcript:
    """``transcript`` with misheard glossary names rewritten and prompt echoes removed;
    ``corrections`` lists each change (an echo removed has an empty ``corrected``).

    With a ``judge`` (the audio, see ``scodub.names.audiocheck``), a correction is kept
    only when its text explains the audio at least as well as what was heard. The scores
    are kept on each ``Correction``.
    """
    language = get_language(lang or transcript.language)
    surfaces = surfaces_of(glossary, language.code)
    if not surfaces or not transcript.segments:
        return transcript
    spaced = language.script != "Han"
    transcript, echoes = strip_prompt_echo(transcript, {s.words for s in surfaces}, spaced)
    max_words = max(len(s.words) for s in surfaces) + 1
    spans = spans_of(transcript, max_words)
    matches = scored_matches(spans, surfaces, threshold, language.code)
    writable = writable_forms(glossary, language.code)
    by_seg: dict[int, list[_Fix]] = {}
    for m in _choose(matches, language.code, transcript.segments):
        written = with_case_endings(written_form(m, writable), m.span.raw, language.code)
        texts = [w.text for w in transcript.segments[m.span.seg].words]
        previous = texts[m.span.first - 1] if m.span.first else None
        if article_conflict(previous, m.surface.term, written, language.code) or (
                opens_question(texts, m.span.first, written, language.code)):
            continue  # "the minks" is not "the Minsk", "Can film festival ...?" not Cannes
        if m.span.raw != word_tokens(written)[1]:  # already written that way: nothing to do
            by_seg.setdefault(m.span.seg, []).append(_Fix(m, written))
    segments = list(transcript.segments)
    corrections: list[Correction] = list(echoes)
    for s in sorted(by_seg):
        seg = segments[s]
        fixes = (_judged(seg, by_seg[s], judge, spaced, language.code) if judge
                 else by_seg[s])
        words = list(seg.words)
        heard = [w.text for w in words]
        for fix in sorted(fixes, key=lambda f: f.match.span.first, reverse=True):
            m = fix.match
            old = words[m.span.first : m.span.last + 1]
            words[m.span.first : m.span.last + 1] = rewrite_words(old, fix.written, spaced)
            corrections.append(Correction(
                heard=(" " if spaced else "").join(w.text for w in old), corrected=fix.written,
                term_id=m.surface.term.id, start_ms=old[0].start_ms, end_ms=old[-1].end_ms,
                score=round(m.score / 100.0, 4), heard_logprob=fix.heard_logprob,
                written_logprob=fix.written_logprob,
                basis=(letter_case_basis(heard, m.span.first, m.span.last, fix.written,
                                         language.code) if judge else "")))
        segments[s] = with_words(seg, words, spaced)
    if not corrections:
        return transcript
    corrections.sort(key=lambda c: c.start_ms)
    return dataclasses.replace(transcript, segments=tuple(segments),
                               corrections=transcript.corrections + tuple(corrections))


__all__ = ["ALIAS_FUZZY_THRESHOLD", "CONFIDENT_THRESHOLD", "CORRECTION_THRESHOLD",
           "HOTWORD_TOKEN_BUDGET", "JUDGE_MARGIN", "MIN_FUZZY_CHARS", "SPELLING_MARGIN",
           "UNSURE_PROBABILITY", "Judge", "Match", "Surface", "already_right", "correct",
           "hotwords", "initial_prompt", "judge_margin", "letter_case_basis", "scored_matches",
           "shared_words_agree", "surfaces_of", "written_form"]
