"""Festival names checked against the audio: recognition with a glossary that writes no
name nobody said (issue 8).

Biasing Whisper with every glossary name for a whole film (``hotwords``) writes names into
ordinary speech ("Mr. John Dashwood" became "Mr. Zhang Dashwood"), and a text-only
correction cannot tell a misheard name from an ordinary word that sounds like one. So:

1. a first pass without any bias (``transcribe_audio`` with the caller's settings);
2. ``redecode``: only the segments where a name is plausible (a glossary form near some
   words, ``scodub.names.correct.plausible_forms``) are decoded again, primed with only
   those names; a name the second pass hears is taken, in the words around it only;
3. ``correct`` with a ``WhisperJudge``: every rewrite, from the second pass or from the
   fuzzy match, is kept only when Whisper scores the written text at least as high as the
   text heard, for the same audio and the same names in its prompt (forced decoding:
   CTranslate2's ``Whisper.align`` gives each text token's probability). The two
   log-probabilities are kept on each ``Correction`` as its evidence.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Sequence
from typing import Any

import numpy as np

from scodub.asr.whisper import AsrSettings, load_model, resolve_device, transcribe_audio
from scodub.data import Correction, Segment, Transcript, Word
from scodub.langs import get_language
from scodub.media.decode import ASR_SAMPLE_RATE
from scodub.names.correct import JUDGE_MARGIN, correct, plausible_forms
from scodub.names.glossary import Glossary
from scodub.names.match import tokens
from scodub.names.prompt import with_words
from scodub.provision.whisper import ResolvedModel

#: Audio kept around a segment when it is scored or decoded again: Whisper's segment
#: edges can cut a first or last consonant.
PAD_MS = 300
#: Whisper's window: one encoder pass covers at most 30 s.
_WINDOW_MS = 30_000
#: Whisper's text budget per window (448 tokens, less the prompt).
_MAX_TOKENS = 224
#: Floor for a token probability (log(0) would make every comparison a tie).
_MIN_PROBABILITY = 1e-10


class WhisperJudge:
    """Scores texts of a segment against its audio with Whisper's forced decoding.

    ``judge(segment, texts, names)`` -> the summed log-probability of each text's tokens
    given the audio of the segment (plus ``PAD_MS`` each side) and a prompt naming
    ``names`` (less the words the first text, as heard, already has); the same prompt
    for every text, so only the words differ. One encoder pass per segment (cached), one
    decoder pass per text.
    """

    def __init__(self, whisper: Any, audio: np.ndarray, language: str) -> None:
        from faster_whisper.tokenizer import Tokenizer

        self._whisper = whisper
        self._audio = audio
        self._language = language
        self._spaced = get_language(language).script != "Han"
        self._tokenizer = Tokenizer(whisper.hf_tokenizer, whisper.model.is_multilingual,
                                    task="transcribe", language=language)
        self._encoded: dict[tuple[int, int], tuple[Any, int]] = {}

    def _encode(self, start_ms: int, end_ms: int) -> tuple[Any, int]:
        key = (start_ms, end_ms)
        if key not in self._encoded:
            from faster_whisper.audio import pad_or_trim

            lo = max(0, start_ms - PAD_MS)
            hi = min(end_ms + PAD_MS, lo + _WINDOW_MS)
            clip = self._audio[lo * ASR_SAMPLE_RATE // 1000 : hi * ASR_SAMPLE_RATE // 1000]
            features = self._whisper.feature_extractor(clip)
            frames = int(features.shape[-1])
            encoded = self._whisper.encode(pad_or_trim(features))
            self._encoded = {key: (encoded, frames)}  # segments come in order: keep one
        return self._encoded[key]

    def _prompt(self, names: Sequence[str]) -> list[int]:
        tok = self._tokenizer
        start = list(tok.sot_sequence)
        if names:
            start = [tok.sot_prev, *tok.encode(" " + ", ".join(names) + "."), *start]
        return start

    def decode(self, segment: Segment, names: Sequence[str]) -> str:
        """The segment's audio decoded again (beam search, as faster-whisper does) with
        only ``names`` in the prompt; the encoder pass is the one scoring uses."""
        encoded, _ = self._encode(segment.start_ms, segment.end_ms)
        tok = self._tokenizer
        prompt = [*self._prompt(names), tok.no_timestamps]
        result = self._whisper.model.generate(encoded, [prompt], beam_size=5,
                                              max_length=_MAX_TOKENS)[0]
        ids = [t for t in result.sequences_ids[0] if t < tok.eot]
        return str(tok.decode(ids)).strip()

    def __call__(self, segment: Segment, texts: Sequence[str],
                 names: Sequence[str]) -> list[float]:
        encoded, frames = self._encode(segment.start_ms, segment.end_ms)
        tok = self._tokenizer
        heard = texts[0] if texts else ""
        start = self._prompt(_unheard(names, heard, " " if self._spaced else ""))
        scores = []
        for text in texts:
            ids = tok.encode((" " if self._spaced else "") + text.strip())
            if not ids:
                scores.append(0.0)
                continue
            result = self._whisper.model.align(encoded, start, [ids], frames)[0]
            probs = np.maximum(np.asarray(result.text_token_probs, dtype=np.float64),
                               _MIN_PROBABILITY)
            scores.append(float(np.log(probs).sum()))
        return scores


def _unheard(names: Sequence[str], heard: str, joiner: str = " ") -> list[str]:
    """``names`` without the words already in ``heard``: Whisper copies from its prompt,
    so "Zhang Dashwood" in the prompt would favour "Zhang" in "Mr. John Dashwood" for the
    "Dashwood" it already heard, not for what the audio says in John's place."""
    said = {t.text for t in tokens(heard)}
    out = []
    for name in names:
        kept = [name[t.start : t.end] for t in tokens(name) if t.text not in said]
        if kept:
            out.append(joiner.join(kept))
    return out


def _folded(texts: Sequence[str]) -> list[str]:
    return [" ".join(t.text for t in tokens(text)) for text in texts]


def _core(text: str) -> str:
    """A word without outer punctuation or a possessive ending, letter case kept."""
    word = text.strip(".,;:!?\"()[]«»“”")
    for ending in ("'s", "’s", "'", "’"):
        if word.endswith(ending) and len(word) > len(ending):
            return word[: -len(ending)]
    return word


def _occurrences(words: Sequence[str], form: str) -> list[tuple[int, int]]:
    """Word ranges [first, end) of ``words`` that read ``form`` (case kept)."""
    want = form.split()
    cores = [_core(w) for w in words]
    return [(i, i + len(want)) for i in range(len(words) - len(want) + 1)
            if cores[i : i + len(want)] == want]


def _name_chunks(heard: Sequence[str], again: Sequence[str],
                 forms: Sequence[str]) -> list[tuple[int, int, list[str], str]]:
    """Where the second pass wrote a glossary name that the first did not: (first, last,
    new words, the form), in the first pass's word indices. Only the words of the name
    (and any misheard words aligned with them) change; other differences are left."""
    matcher = difflib.SequenceMatcher(a=_folded(heard), b=_folded(again), autojunk=False)
    ops = matcher.get_opcodes()
    chunks: list[tuple[int, int, list[str], str]] = []
    for form in forms:
        for ja, jb in _occurrences(again, form):
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
            taken = any(not (hi_a <= c[0] or lo_a > c[1]) for c in chunks)
            if hi_a <= lo_a or taken or _occurrences(heard[lo_a:hi_a], form):
                continue  # nothing heard in its place, overlapping, or already there
            chunks.append((lo_a, hi_a - 1, list(again[lo_b:hi_b]), form))
    return chunks


def _timed(old: Sequence[Word], texts: Sequence[str]) -> list[Word]:
    """``texts`` spread over the time of ``old`` (by length), its mean probability kept."""
    start, end = old[0].start_ms, old[-1].end_ms
    probability = sum(w.probability for w in old) / len(old)
    weights = [max(1, len(t)) for t in texts]
    total, acc, out = sum(weights), 0, []
    for text, weight in zip(texts, weights, strict=True):
        w_start = start + (end - start) * acc // total
        acc += weight
        out.append(Word(text, w_start, start + (end - start) * acc // total, probability))
    return out


def redecode(transcript: Transcript, glossary: Glossary, judge: WhisperJudge) -> Transcript:
    """Decode again, primed with only the plausible names, the segments where a glossary
    name is plausible; take a name the second pass hears when the judge scores the
    segment with it at least as high as without (each change a ``Correction``)."""
    plausible = plausible_forms(transcript, glossary)
    if not plausible:
        return transcript
    language = get_language(transcript.language)
    spaced = language.script != "Han"
    segments = list(transcript.segments)
    corrections: list[Correction] = []
    for index, forms in sorted(plausible.items()):
        seg = segments[index]
        again = judge.decode(seg, forms)
        heard_texts = [w.text for w in seg.words]
        again_texts = again.split() if spaced else list(again)
        chunks = _name_chunks(heard_texts, again_texts, forms)
        if not chunks:
            continue
        words = list(seg.words)
        for first, last, new, _ in sorted(chunks, reverse=True):
            words[first : last + 1] = _timed(seg.words[first : last + 1], new)
        candidate = with_words(seg, words, spaced)
        names = [form for *_, form in chunks]
        heard_score, new_score = judge(seg, [seg.text, candidate.text], names)
        if new_score < heard_score + JUDGE_MARGIN:
            continue
        segments[index] = candidate
        joiner = " " if spaced else ""
        for first, last, new, form in chunks:
            old = seg.words[first : last + 1]
            corrections.append(Correction(
                heard=joiner.join(w.text for w in old), corrected=joiner.join(new),
                term_id=_term_id(glossary, form, language.code), start_ms=old[0].start_ms,
                end_ms=old[-1].end_ms, score=1.0, heard_logprob=round(heard_score, 3),
                written_logprob=round(new_score, 3)))
    if not corrections:
        return transcript
    return dataclasses.replace(transcript, segments=tuple(segments),
                               corrections=transcript.corrections + tuple(corrections))


def _term_id(glossary: Glossary, form: str, lang: str) -> str:
    return next((t.id for t in glossary.terms if form in t.accepted(lang)), "")


def transcribe_with_glossary(audio: np.ndarray, settings: AsrSettings, model: ResolvedModel,
                             glossary: Glossary, *, second_pass: bool = True,
                             progress: Any = None) -> Transcript:
    """Unbiased first pass, names decoded again where plausible, then audio-checked
    correction (see the module docstring). ``settings.hotwords`` set by the caller are
    used as given in the first pass."""
    transcript = transcribe_audio(audio, settings, model, progress)
    if not transcript.segments or not len(glossary):
        return transcript
    try:
        get_language(transcript.language)
    except Exception:
        return transcript  # a language outside the table: no glossary forms for it
    device, compute = resolve_device(settings.device, settings.compute_type)
    whisper = load_model(str(model.path), device, compute, settings.cpu_threads)
    judge = WhisperJudge(whisper, audio, transcript.language)
    if second_pass:
        transcript = redecode(transcript, glossary, judge)
    return correct(transcript, glossary, judge=judge)


def evidence_line(c: Correction) -> str:
    """One report line: what was heard, what was written, and the scores behind it."""
    if not c.corrected:
        return f"{c.start_ms} ms: removed {c.heard!r} (prompt echo, score {c.score:.2f})"
    audio = ("" if c.heard_logprob is None else
             f", audio log-prob heard {c.heard_logprob:.2f} / written {c.written_logprob:.2f}")
    return f"{c.start_ms} ms: {c.heard!r} -> {c.corrected!r} (match {c.score:.2f}{audio})"


__all__ = ["PAD_MS", "WhisperJudge", "evidence_line", "redecode", "transcribe_with_glossary"]
