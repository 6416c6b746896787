"""The second pass: segments where a festival name is plausible decoded again, primed
with only those names (issue 8).

``redecode`` asks ``scodub.names.correct.plausible_forms`` where a name may have been
said, decodes those segments again with only the plausible names in Whisper's prompt
(``WhisperJudge.decode``; once more with the likeliest name alone when the others crowd
it out), and finds where the second pass wrote a name the first did not
(``name_chunks``): a glossary form, or words within ``CORRECTION_THRESHOLD`` of one
("Jiang Yimou" is written "Zhang Yimou"). Each such chunk is judged alone against the
audio (forced decoding, ``WhisperJudge``) and taken only when the segment with it scores
``JUDGE_MARGIN`` higher than as heard. Only the name's words change: the words around
it keep what the first pass heard and their times, an article heard before it stays
(unless its sound is the name's first syllable), and a name that cannot follow an
article is not written after one (``scodub.names.context``).
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from scodub.data import Correction, Segment, Transcript, Word
from scodub.langs import get_language
from scodub.names.context import article_conflict, is_article, sounds_like_start
from scodub.names.correct import CORRECTION_THRESHOLD, JUDGE_MARGIN, plausible_forms
from scodub.names.glossary import Glossary, Term
from scodub.names.match import similarity, tokens
from scodub.names.prompt import with_words
from scodub.names.spans import split_word, spread_words

#: ``judge(segment, texts, names)`` -> a log-probability per text (``WhisperJudge``);
#: ``decode(segment, names)`` -> the segment decoded again primed with ``names``.
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


def _folded(texts: Sequence[str]) -> list[str]:
    return [" ".join(t.text for t in tokens(text)) for text in texts]


def _occurrences(words: Sequence[str], form: str,
                 near: bool) -> list[tuple[int, int, list[str]]]:
    """Word ranges [first, end) of ``words`` that read ``form`` (case kept), with the
    words to write there; with ``near``, also ranges of as many words within
    ``CORRECTION_THRESHOLD`` of it, written as the form (their punctuation kept)."""
    want = form.split()
    n = len(want)
    cores = [split_word(w) for w in words]
    found = []
    for i in range(len(words) - n + 1):
        run = [c[1] for c in cores[i : i + n]]
        if run == want:
            found.append((i, i + n, list(words[i : i + n])))
        elif near and all(run) and similarity(" ".join(run), form) >= CORRECTION_THRESHOLD:
            new = list(want)
            new[0] = cores[i][0] + new[0]
            new[-1] = new[-1] + cores[i + n - 1][2]
            found.append((i, i + n, new))
    return found


def name_chunks(heard: Sequence[str], again: Sequence[str], forms: Sequence[str],
                terms: Mapping[str, Term] | None = None, lang: str = "en") -> list[Chunk]:
    """Where the second pass (``again``) wrote a name of ``forms`` that the first
    (``heard``) did not, in the first pass's word indices; see the module docstring."""
    terms = terms or {}
    matcher = difflib.SequenceMatcher(a=_folded(heard), b=_folded(again), autojunk=False)
    ops = matcher.get_opcodes()
    chunks: list[Chunk] = []
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
        if (lo_a < hi_a and is_article(heard[lo_a], lang) and lo_b == ja
                and not sounds_like_start(heard[lo_a], form)):
            lo_a += 1  # "The bass effects" is not "Base FX": the article was said
        previous = again[ja - 1] if ja > lo_b else (heard[lo_a - 1] if lo_a else None)
        term = terms.get(form)
        taken = any(not (hi_a <= c.first or lo_a > c.last) for c in chunks)
        if (hi_a <= lo_a or taken or _occurrences(heard[lo_a:hi_a], form, near=False)
                or (term and article_conflict(previous, term, form, lang))):
            continue  # nothing heard there, overlapping, already there, or no name there
        chunks.append(Chunk(lo_a, hi_a - 1, tuple(new), form, term))
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


def _split(text: str, spaced: bool) -> list[str]:
    return text.split() if spaced else list(text)


def _judged(seg: Segment, chunks: Sequence[Chunk], judge: Judge,
            spaced: bool) -> list[tuple[Chunk, float, float]]:
    """The chunks the judge takes, one at a time, best first: each must score
    ``JUDGE_MARGIN`` above the segment with the names taken so far ("Chen Liang" after
    "Ma Ping" in a list of names), but a weak name never rides on a strong one. Each with
    the scores without and with it."""
    names = [c.form for c in chunks]
    kept: list[tuple[Chunk, float, float]] = []
    left = list(chunks)
    while left:
        base = [c for c, *_ in kept]
        texts = [_with_chunks(seg, base, spaced).text]
        texts += [_with_chunks(seg, [*base, c], spaced).text for c in left]
        scores = judge(seg, texts, names)
        best = max(range(len(left)), key=lambda i: scores[i + 1])
        if scores[best + 1] < scores[0] + JUDGE_MARGIN:
            break
        kept.append((left.pop(best), float(scores[0]), float(scores[best + 1])))
    return kept


def redecode(transcript: Transcript, glossary: Glossary, judge: Judge,
             decode: Callable[[Segment, Sequence[str]], str]) -> Transcript:
    """Decode again, primed with only the plausible names, the segments where a glossary
    name is plausible; take each name the second pass hears that the judge scores at least
    ``JUDGE_MARGIN`` above the segment as heard (each a ``Correction``)."""
    plausible = plausible_forms(transcript, glossary)
    if not plausible:
        return transcript
    language = get_language(transcript.language)
    spaced = language.script != "Han"
    terms = {form: t for t in glossary.terms for form in t.accepted(language.code)}
    segments = list(transcript.segments)
    corrections: list[Correction] = []
    joiner = " " if spaced else ""
    for index, forms in sorted(plausible.items()):
        seg = segments[index]
        heard = [w.text for w in seg.words]
        chunks = name_chunks(heard, _split(decode(seg, forms), spaced), forms, terms,
                             language.code)
        if len(forms) > 1 and not any(c.form == forms[0] for c in chunks):
            # the likeliest name alone: other names in the prompt can crowd it out
            alone = name_chunks(heard, _split(decode(seg, forms[:1]), spaced), forms[:1],
                                terms, language.code)
            chunks += [a for a in alone if all(a.last < c.first or a.first > c.last
                                               for c in chunks)]
        if not chunks:
            continue
        kept = _judged(seg, chunks, judge, spaced)
        if not kept:
            continue
        segments[index] = _with_chunks(seg, [c for c, *_ in kept], spaced)
        for c, heard_score, score in kept:
            old = seg.words[c.first : c.last + 1]
            corrections.append(Correction(
                heard=joiner.join(w.text for w in old), corrected=joiner.join(c.new),
                term_id=c.term.id if c.term else "", start_ms=old[0].start_ms,
                end_ms=old[-1].end_ms, score=1.0, heard_logprob=round(heard_score, 3),
                written_logprob=round(score, 3)))
    if not corrections:
        return transcript
    return dataclasses.replace(transcript, segments=tuple(segments),
                               corrections=transcript.corrections + tuple(corrections))


__all__ = ["Chunk", "name_chunks", "redecode", "retimed"]
