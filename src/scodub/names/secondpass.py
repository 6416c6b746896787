"""The second pass: segments where a festival name is plausible decoded again, primed
with only those names (issue 8).

``redecode`` asks ``scodub.names.plausible.plausible_forms`` where a name may have been
said, decodes those segments again with only the plausible names in Whisper's prompt
(``WhisperJudge.decode``, the beam's best few texts; once more with the likeliest name
alone when the others crowd it out), and finds where the second pass wrote a name the
first did not (``name_chunks``): a glossary form, or words near one (``_near``: "Jiang
Yimou" is written "Zhang Yimou"). Each such chunk is judged against the audio (forced
decoding, ``WhisperJudge``), one at a time, and taken only when the segment with it
scores ``JUDGE_MARGIN`` higher than without, as heard or beside the names already taken
(``_judged``). (Taking any name that scores higher, as the issue puts it, "at least as
well", gained four names on the bench and wrote two that nobody said: "young directors"
-> Yongchuan District, 0.65 higher, "end Erie film" for "and airy film" -> ARY Films,
0.10; names misheard as words came out from 0.24 higher. A change of letter case alone
sounds the same: only Whisper's language model judges it.)
Words the first pass already wrote as a name, spelled near the glossary's ("Chen Yang" for
Chen Liang), need only score as well (``judge_margin``). A name is written only over the
words where it was plausible, or over words that sound like it (``_where_plausible``).

Only the name's words change: the words around it keep what the first pass heard and
their times (and, inside a misheard stretch replaced whole, where the audio agrees:
``scodub.names.beside``). A name heard exactly is never replaced (unless by a longer name
that holds it: "SCO" in the SCO Film Festival), nor one whose letters were heard as whole
words with other words changed around them ("fined China Daily" for "fine-china daily");
words near a name are it misspelt only where they agree with it word by word ("The film
festival" is not the SCO Film Festival); a second pass that ends a sentence inside the
misheard stretch ("Jiang Lin. Jiang Haiyang" for "John Hayeon"), copies its prompt (a name
twice, or beside another), adds or drops a plural -s on a word it heard ("A film where" ->
"ARY Films, we") or replaces a stretch of more than twice or half the name's letters or
syllables (``scodub.names.beats``) is not taken; an
article heard before or after the name stays (unless its sound is the name's first or last
syllable: "mapping the river" is not "Ma Ping river"), and a name that cannot follow an
article is not written after one, nor in place of the verb that opens a question
(``scodub.names.context``).
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from scodub.data import Correction, Segment, Transcript, Word
from scodub.langs import get_language
from scodub.names.beats import unlike_in_beats
from scodub.names.beside import heard_beside
from scodub.names.context import (
    article_conflict,
    is_article,
    opens_question,
    sentence_end,
    sounds_like_edge,
)
from scodub.names.correct import (
    CORRECTION_THRESHOLD,
    judge_margin,
    letter_case_basis,
    shared_words_agree,
)
from scodub.names.glossary import Glossary, Term
from scodub.names.match import compact, similarity, tokens
from scodub.names.plausible import plausible_places
from scodub.names.prompt import with_words
from scodub.names.spans import split_word, spread_words

#: ``judge(segment, texts, names)`` -> a log-probability per text (``WhisperJudge``);
#: ``decode(segment, names)`` -> the segment decoded again primed with ``names`` (the
#: beam's best texts, best first).
Judge = Callable[[Segment, Sequence[str], Sequence[str]], Sequence[float]]


@dataclass(frozen=True, slots=True)
class Chunk:
    """Heard words ``first``..``last`` (inclusive) to be written as ``new``: the form
    ``form`` of ``term`` (and any misheard words of the first pass aligned with it)."""

    first: int
    last: int
    new: tuple[str, ...]
    form: str
    term: Term | None
    name_at: int = 0  # where the form's words are in ``new`` (0: all of it)
    name_len: int = 0

    @property
    def name(self) -> tuple[str, ...]:
        """The form's words as written (``new`` less the words the second pass heard
        beside the name)."""
        if not self.name_len:
            return self.new
        return self.new[self.name_at : self.name_at + self.name_len]


@dataclass(frozen=True, slots=True)
class NameIndex:
    """The glossary's forms in one language, by their first word: where any name is
    written in a run of words, in time linear in the words, not in the glossary."""

    terms: Mapping[str, Term]
    by_first: Mapping[str, tuple[tuple[str, ...], ...]]

    @classmethod
    def of(cls, terms: Mapping[str, Term]) -> NameIndex:
        by_first: dict[str, list[tuple[str, ...]]] = {}
        for form in terms:
            words = tuple(form.split())
            if words:
                by_first.setdefault(words[0], []).append(words)
        return cls(terms, {k: tuple(v) for k, v in by_first.items()})

    def found(self, words: Sequence[str]) -> list[tuple[int, int, str]]:
        """[first, end) ranges of ``words`` (punctuation and ``'s`` aside, case kept)
        that read a form, with the form."""
        cores = [split_word(w)[1] for w in words]
        return [(i, i + len(want), " ".join(want)) for i, core in enumerate(cores)
                for want in self.by_first.get(core, ())
                if tuple(cores[i : i + len(want)]) == want]


#: Words of the second pass this close to a form it was primed with, one of them written
#: exactly, are the form misspelt ("Tang Yimou": 79); the judge then decides. Without a
#: word exact, ``CORRECTION_THRESHOLD`` ("Jiang Yimou": 90): "Irman" is not Irfan (75),
#: nor "A film" ARY Films.
NEAR_THRESHOLD = 75.0


def _near(run: Sequence[str], want: Sequence[str]) -> bool:
    """``run`` is ``want`` misspelt, not ordinary words around a part of it: the words
    they do not share must sound alike too ("The film festival" is not the SCO Film
    Festival, ``scodub.names.correct.shared_words_agree``)."""
    score = similarity(" ".join(run), " ".join(want))
    exact = len(want) > 1 and any(a == b for a, b in zip(run, want, strict=True))
    need = NEAR_THRESHOLD if exact else CORRECTION_THRESHOLD
    folded = tuple(w.casefold() for w in run), tuple(w.casefold() for w in want)
    return score >= need and shared_words_agree(*folded, need)


def _folded(texts: Sequence[str]) -> list[str]:
    return [" ".join(t.text for t in tokens(text)) for text in texts]


def _occurrences(words: Sequence[str], form: str,
                 near: bool) -> list[tuple[int, int, list[str]]]:
    """Word ranges [first, end) of ``words`` that read ``form`` (case kept), with the
    words to write there; with ``near``, also ranges of as many words within
    near it (``_near``), written as the form (their punctuation kept)."""
    want = form.split()
    n = len(want)
    cores = [split_word(w) for w in words]
    found = []
    for i in range(len(words) - n + 1):
        run = [c[1] for c in cores[i : i + n]]
        if run == want:
            found.append((i, i + n, list(words[i : i + n])))
        elif near and all(run) and _near(run, want):
            new = list(want)
            new[0] = cores[i][0] + new[0]
            new[-1] = new[-1] + cores[i + n - 1][2]
            found.append((i, i + n, new))
    return found


def _echo(new: Sequence[str], around: Sequence[str], form: str, index: NameIndex) -> bool:
    """Whisper copying its prompt, not hearing: ``form`` twice in the words ``around``
    the chunk ("Zhang Yimou. Zhang Yimou."), or another name in its new words
    ("Nadeem Mandviwalla, Ma Ping" for "and he meant the well-known cinema")."""
    if len(_occurrences(around, form, near=False)) > 1:
        return True
    return any(name != form and name not in form for *_, name in index.found(new))


def _doubled(heard: Sequence[str], lo: int, hi: int, form: str) -> bool:
    """Two words of ``form`` in a row were heard just before or after the stretch
    ``heard[lo:hi]``: the second pass wrote the name beside the part of it that was heard
    ("The Film Festival in our town won" -> "The Film Festival Cannes Film Festival,
    one"). Were the name said, it would be written there, over what was heard."""
    want = [w.casefold() for w in form.split()]
    pairs = set(itertools.pairwise(want))
    n = len(want)
    for part in (heard[max(0, lo - n) : lo], heard[hi : hi + n]):
        cores = [split_word(w)[1].casefold() for w in part]
        if pairs & set(itertools.pairwise(cores)):
            return True
    return False


def _looping(old: Sequence[str], new: Sequence[str]) -> bool:
    """The second pass repeats a word back to back that the heard stretch does not
    ("Chonyumu and Geo-Chonkbo sent Britons." -> "Zhang Yimou, auntie, auntie, auntie,
    auntie, auntie."): Whisper's repetition loop, which a forced-decoding score rewards
    (each repeat is easy to predict), not speech."""
    def repeats(words: Sequence[str]) -> set[str]:
        cores = [split_word(w)[1].casefold() for w in words]
        return {a for a, b in itertools.pairwise(cores) if a and a == b}

    return bool(repeats(new) - repeats(old))


def _alike_in_length(old: Sequence[str], new: Sequence[str], lang: str) -> bool:
    """A misheard name has about the letters of the name: at most twice as many or half
    ("G. Jank" for Jia Zhangke); a longer stretch replaced is speech the second pass
    dropped, which a shorter text always scores better on. The same for syllables where
    the spelling shows them (``scodub.names.beats``: "young directors" is not Yongchuan)."""
    a, b = len(compact(" ".join(old))), len(compact(" ".join(new)))
    return (max(a, b) <= 2 * max(1, min(a, b))
            and not unlike_in_beats(" ".join(old), " ".join(new), lang))


def _blocks(name: str, lo: int, hi: int, lo_a: int, hi_a: int, form: str) -> bool:
    """A name heard exactly at words [lo, hi) stands in the way of ``form`` written over
    [lo_a, hi_a), unless ``form`` holds it there ("SCO" of "The SCO film festival" in the
    SCO Film Festival)."""
    if hi <= lo_a or lo >= hi_a:
        return False
    held = name != form and f" {name} " in f" {form} "
    return not (held and lo_a <= lo and hi <= hi_a)


def _heard_letters(old: Sequence[str], new: Sequence[str], form: str) -> bool:
    """The name's letters were heard as whole words ("fine-china daily" for China Daily)
    and the second pass changes other words around them ("fined China Daily"): the audio
    can only judge those, not the name. Letters glued to another word's ("DSCO Film
    Festival", the "the" of "The SCO Film Festival" heard as a D) are no name heard."""
    before, after = compact(" ".join(old)), compact(" ".join(new))
    if before == after:
        return False
    parts = [p for w in old for p in (compact(x) for x in w.split("-")) if p]
    name = compact(form)
    return any("".join(parts[i:j]) == name
               for i in range(len(parts)) for j in range(i + 1, len(parts) + 1))


def _number_changed(old: Sequence[str], new: Sequence[str]) -> bool:
    """The second pass writes a word heard in the stretch with a plural -s added or
    dropped ("A film where" -> "ARY Films, we", "colors die mostly" -> "color Dai Mo's
    long", "cinemas of" -> "Cinema Fund"): it reshapes the words it heard to fit the
    name it was primed with, which the audio, with or without the -s, did not ask for.
    A possessive is another word ("Bremble" -> "Bremble's" is not checked). Of the
    festival's eleven languages, only English marks number with an -s."""
    def letters(words: Sequence[str]) -> set[str]:  # "Mo's" keeps its apostrophe
        return {w for w in ("".join(ch for ch in x.casefold().replace("\u2019", "'")
                                    if ch.isalpha() or ch == "'").strip("'")
                            for x in words) if len(w) >= _NUMBER_LETTERS}

    heard, written = letters(old), letters(new)
    return any(w + "s" in written for w in heard - written) or any(
        w + "s" in heard for w in written - heard)


#: Words this short are not checked for a plural -s ("is", "as", "us").
_NUMBER_LETTERS = 3


def name_chunks(heard: Sequence[str], again: Sequence[str], forms: Sequence[str],
                names: NameIndex | Mapping[str, Term] | None = None,
                lang: str = "en") -> list[Chunk]:
    """Where the second pass (``again``) wrote a name of ``forms`` that the first
    (``heard``) did not, in the first pass's word indices; see the module docstring.
    ``names``: the glossary's forms (each with its term) in ``lang``."""
    index = names if isinstance(names, NameIndex) else NameIndex.of(names or {})
    terms = index.terms
    matcher = difflib.SequenceMatcher(a=_folded(heard), b=_folded(again), autojunk=False)
    ops = matcher.get_opcodes()
    chunks: list[Chunk] = []
    # a name heard exactly (or already there) stays, unless a longer name holds it
    exact = [*index.found(heard), *((lo, hi, form) for form in forms
                                    for lo, hi, _ in _occurrences(heard, form, near=False))]
    found = [(near, ja, jb, written, form) for near in (False, True) for form in forms
             for ja, jb, written in _occurrences(again, form, near)
             if near == (written != list(again[ja:jb]))]
    for _, ja, jb, written, form in found:  # names written exactly first
        lo_a, hi_a, lo_b, hi_b = len(heard), 0, ja, jb
        for tag, i1, i2, j1, j2 in ops:
            if j2 <= ja or j1 >= jb:
                continue
            if tag == "equal":  # one to one: only the name's own words
                lo_a = min(lo_a, i1 + max(ja, j1) - j1)
                hi_a = max(hi_a, i1 + min(jb, j2) - j1)
            else:  # a misheard stretch is replaced as a whole
                lo_a, hi_a = min(lo_a, i1), max(hi_a, i2)
                lo_b, hi_b = min(lo_b, j1), max(hi_b, j2)
        new = [*again[lo_b:ja], *written, *again[jb:hi_b]]
        if any(sentence_end(w) for w in new[:-1]):
            continue  # a sentence ends inside: the second pass added one, not a name
        width = len(written)
        if (lo_a < hi_a and is_article(heard[lo_a], lang) and lo_b == ja
                and not sounds_like_edge(heard[lo_a], form)):
            lo_a += 1  # "The bass effects" is not "Base FX": the article was said
        if (hi_a - lo_a > 1 and is_article(heard[hi_a - 1], lang) and hi_b == jb
                and not sounds_like_edge(heard[hi_a - 1], form, last=True)):
            hi_a -= 1  # "mapping the river" is not "Ma Ping river": the article was said
        previous = again[ja - 1] if ja > lo_b else (heard[lo_a - 1] if lo_a else None)
        term = terms.get(form)
        taken = any(not (hi_a <= c.first or lo_a > c.last) for c in chunks)
        if (hi_a <= lo_a or taken or (term and article_conflict(previous, term, form, lang))
                or any(_blocks(name, lo, hi, lo_a, hi_a, form) for lo, hi, name in exact)
                or _heard_letters(heard[lo_a:hi_a], new, form)
                or _doubled(heard, lo_a, hi_a, form)
                or _looping(heard[lo_a:hi_a], new)
                or _number_changed(heard[lo_a:hi_a], new)
                or opens_question(heard, lo_a, form, lang)
                or _echo(new, again[max(0, lo_b - width) : hi_b + width], form, index)
                or not _alike_in_length(heard[lo_a:hi_a], new, lang)):
            continue  # nothing heard there, overlapping, already there, or no name there
        chunks.append(Chunk(lo_a, hi_a - 1, tuple(new), form, term, ja - lo_b, width))
    return chunks


def retimed(old: Sequence[Word], texts: Sequence[str]) -> list[Word]:
    """``old`` words rewritten as ``texts``: a word both have keeps its time ("Global" of
    "Trap News Global" -> "StratNews Global"), the others share the time of the words
    they replace (an inserted word joins its neighbour's)."""
    if not old or not texts:
        return []
    matcher = difflib.SequenceMatcher(a=_folded([w.text for w in old]), b=_folded(texts),
                                      autojunk=False)
    blocks: list[list[int]] = []  # [i1, i2, j1, j2, same]
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            blocks += [[i1 + k, i1 + k + 1, j1 + k, j1 + k + 1, 1] for k in range(i2 - i1)]
        else:
            blocks.append([i1, i2, j1, j2, 0])
    merged: list[list[int]] = []
    for block in blocks:
        if merged and (block[0] == block[1] or merged[-1][0] == merged[-1][1]):
            last = merged[-1]  # an insertion takes the time of the words next to it
            merged[-1] = [last[0], block[1], last[2], block[3], 0]
        else:
            merged.append(block)
    out: list[Word] = []
    for i1, i2, j1, j2, same in merged:
        if same:
            out.append(dataclasses.replace(old[i1], text=texts[j1]))
        elif j2 > j1:
            out += spread_words(old[i1:i2], texts[j1:j2])
    return out


def _with_chunks(seg: Segment, chunks: Sequence[Chunk], spaced: bool) -> Segment:
    words = list(seg.words)
    for c in sorted(chunks, key=lambda c: c.first, reverse=True):
        words[c.first : c.last + 1] = retimed(seg.words[c.first : c.last + 1], c.new)
    return with_words(seg, words, spaced)


def _text_with(seg: Segment, spaced: bool, chunks: Sequence[Chunk]) -> str:
    return _with_chunks(seg, chunks, spaced).text


def _split(text: str, spaced: bool) -> list[str]:
    return text.split() if spaced else list(text)


def _candidates(heard: Sequence[str], texts: Sequence[str], forms: Sequence[str],
                index: NameIndex, lang: str, spaced: bool) -> list[Chunk]:
    """The chunks of every text of the second pass (they may overlap: the judge picks)."""
    found: dict[tuple[int, int, tuple[str, ...], str], Chunk] = {}
    for text in texts:
        for c in name_chunks(heard, _split(text, spaced), forms, index, lang):
            found.setdefault((c.first, c.last, c.new, c.form), c)
    return list(found.values())


#: A chunk outside the words where its name was plausible is taken only when what it
#: replaces sounds this much like its new words (``similarity``): names the second pass
#: wrote in another place came out 48-65 ("Yiankou" -> "Jia Zhangke both", the name
#: plausible only at "Yang"), other words it turned into a name 31-33 ("for the cinema of
#: Pakistan" -> "Umair Nasir Ali", plausible at "Marata Sandali"; espeak-ng voices).
ELSEWHERE_SIMILARITY = 40.0


def _where_plausible(chunk: Chunk, places: Sequence[tuple[int, int]],
                     heard: Sequence[str]) -> bool:
    """The chunk replaces words where its name was plausible, or words that sound like
    its own (``ELSEWHERE_SIMILARITY``): primed with names, the second pass also writes
    one in place of other words of the segment."""
    if any(lo <= chunk.last and hi >= chunk.first for lo, hi in places):
        return True
    old = " ".join(split_word(w)[1] for w in heard[chunk.first : chunk.last + 1])
    new = " ".join(split_word(w)[1] for w in chunk.new)
    return similarity(old, new) >= ELSEWHERE_SIMILARITY


def _overlap(a: Chunk, b: Chunk) -> bool:
    return not (a.last < b.first or a.first > b.last)


def _holds(a: Chunk, b: Chunk) -> bool:
    """``a`` writes a longer name over the whole stretch ``b`` rewrites, and more: both
    passing the judge, the longer explains more of what was heard ("The Legend of Mala
    Jat" is the film The Legend of Maula Jatt, not "The Legend of Malik Jatt" with the
    producer's name in it), as the text-only correction prefers longer names."""
    return (a.first <= b.first and b.last <= a.last and (a.first, a.last) != (b.first, b.last)
            and len(compact(a.form)) > len(compact(b.form)))


def _judged(seg: Segment, chunks: Sequence[Chunk], judge: Judge,
            spaced: bool, lang: str) -> list[tuple[Chunk, float, float]]:
    """The chunks the judge takes, one at a time, best first: each must score its margin
    (``judge_margin``) above the segment as heard, or above the segment with the names
    taken so far ("Chen Liang" after "Ma Ping" in a list of names); a weak name never
    rides on a strong one. Each with the scores without and with it that let it in."""
    names = list(dict.fromkeys(c.form for c in chunks))
    heard = [w.text for w in seg.words]
    margins = {id(c): judge_margin(heard, c.first, c.last, " ".join(c.new), lang)
               for c in chunks}
    kept: list[tuple[Chunk, float, float]] = []
    left = list(chunks)
    alone: dict[int, tuple[float, float]] = {}  # passed against the segment as heard
    while left:
        base = [c for c, *_ in kept]
        texts = [_with_chunks(seg, base, spaced).text]
        texts += [_with_chunks(seg, [*base, c], spaced).text for c in left]
        scores = judge(seg, texts, names)
        evidence = {id(c): (float(scores[0]), float(scores[i + 1]))
                    for i, c in enumerate(left) if scores[i + 1] >= scores[0] + margins[id(c)]}
        if not base:
            alone = dict(evidence)
        passing = [i for i, c in enumerate(left) if id(c) in evidence or id(c) in alone]
        if not passing:
            break
        best = max(passing, key=lambda i: scores[i + 1])
        holding = [i for i in passing if _holds(left[i], left[best])]
        if holding:  # a name over the whole stretch before one over a part of it
            best = max(holding, key=lambda i: scores[i + 1])
        chosen = left.pop(best)
        kept.append((chosen, *(evidence[id(chosen)] if id(chosen) in evidence
                               else alone[id(chosen)])))
        left = [c for c in left if not _overlap(c, chosen)]
    return kept


def redecode(transcript: Transcript, glossary: Glossary, judge: Judge,
             decode: Callable[[Segment, Sequence[str]], Sequence[str]]) -> Transcript:
    """Decode again, primed with only the plausible names, the segments where a glossary
    name is plausible; take each name the second pass hears that the judge scores at least
    ``JUDGE_MARGIN`` above what was heard (``_judged``; each a ``Correction``)."""
    plausible = plausible_places(transcript, glossary)
    if not plausible:
        return transcript
    language = get_language(transcript.language)
    spaced = language.script != "Han"
    names = NameIndex.of({form: t for t in glossary.terms
                          for form in t.accepted(language.code)})
    segments = list(transcript.segments)
    corrections: list[Correction] = []
    joiner = " " if spaced else ""
    for index, places in sorted(plausible.items()):
        seg = segments[index]
        heard = [w.text for w in seg.words]
        forms = tuple(places)
        chunks = _candidates(heard, decode(seg, forms), forms, names, language.code, spaced)
        if len(forms) > 1 and not any(c.form == forms[0] for c in chunks):
            # the likeliest name alone: other names in the prompt can crowd it out
            chunks += _candidates(heard, decode(seg, forms[:1]), forms[:1], names,
                                  language.code, spaced)
        chunks = [c for c in chunks if _where_plausible(c, places[c.form], heard)]
        if not chunks:
            continue
        kept = _judged(seg, chunks, judge, spaced, language.code)
        if not kept:
            continue
        kept = heard_beside(
            seg, kept, judge, functools.partial(_text_with, seg, spaced),
            previous=[w.text for w in segments[index - 1].words] if index else [],
            following=([w.text for w in segments[index + 1].words]
                       if index + 1 < len(segments) else []))
        segments[index] = _with_chunks(seg, [c for c, *_ in kept], spaced)
        for c, heard_score, score in kept:
            old = seg.words[c.first : c.last + 1]
            corrections.append(Correction(
                heard=joiner.join(w.text for w in old), corrected=joiner.join(c.new),
                term_id=c.term.id if c.term else "", start_ms=old[0].start_ms,
                end_ms=old[-1].end_ms, score=1.0, heard_logprob=round(heard_score, 3),
                written_logprob=round(score, 3),
                basis=letter_case_basis(heard, c.first, c.last, " ".join(c.new),
                                        language.code)))
    if not corrections:
        return transcript
    return dataclasses.replace(transcript, segments=tuple(segments),
                               corrections=transcript.corrections + tuple(corrections))


__all__ = ["Chunk", "NameIndex", "name_chunks", "redecode", "retimed"]
