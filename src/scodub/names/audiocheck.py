"""Festival names checked against the audio: recognition with a glossary that writes no
name nobody said (issue 8).

Biasing Whisper with every glossary name for a whole film (``hotwords``) writes names into
ordinary speech ("Mr. John Dashwood" became "Mr. Zhang Dashwood"), and a text-only
correction cannot tell a misheard name from an ordinary word that sounds like one. So:

1. a first pass without any bias (``transcribe_audio`` with the caller's settings);
2. ``scodub.names.secondpass.redecode``: only the segments where a name is plausible (a
   glossary form near some words, ``scodub.names.plausible.plausible_forms``) are decoded
   again, primed with only those names; each name the second pass hears is judged alone
   and taken, in the words around it only;
3. ``correct`` with a ``WhisperJudge``: every rewrite, from the second pass or from the
   fuzzy match, is kept only when Whisper scores the written text at least as high as the
   text heard, for the same audio and the same names in its prompt (forced decoding:
   CTranslate2's ``Whisper.align`` gives each text token's probability). The two
   log-probabilities are kept on each ``Correction`` as its evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from scodub.asr.whisper import AsrSettings, load_model, resolve_device, transcribe_audio
from scodub.data import Correction, Segment, Transcript
from scodub.langs import get_language
from scodub.media.decode import ASR_SAMPLE_RATE
from scodub.names.correct import correct
from scodub.names.glossary import Glossary
from scodub.names.match import tokens
from scodub.names.secondpass import redecode
from scodub.provision.whisper import ResolvedModel

#: Audio kept around a segment when it is scored or decoded again: Whisper's segment
#: edges can cut a first or last consonant.
PAD_MS = 300
#: Whisper's window: one encoder pass covers at most 30 s.
_WINDOW_MS = 30_000
#: Whisper's text budget per window (448 tokens, less the prompt).
_MAX_TOKENS = 224
#: Beam width of the second pass (faster-whisper's default) and the texts kept from it.
_BEAM = 5
HYPOTHESES = 3
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

    def decode(self, segment: Segment, names: Sequence[str]) -> list[str]:
        """The segment's audio decoded again (beam search, as faster-whisper does) with
        only ``names`` in the prompt: the beam's ``HYPOTHESES`` best texts, best first (a
        name the best one misses is often in the next). The encoder pass is the one
        scoring uses."""
        encoded, _ = self._encode(segment.start_ms, segment.end_ms)
        tok = self._tokenizer
        prompt = [*self._prompt(names), tok.no_timestamps]
        result = self._whisper.model.generate(encoded, [prompt], beam_size=_BEAM,
                                              num_hypotheses=HYPOTHESES,
                                              max_length=_MAX_TOKENS)[0]
        texts = [str(tok.decode([t for t in ids if t < tok.eot])).strip()
                 for ids in result.sequences_ids]
        return list(dict.fromkeys(t for t in texts if t))

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
        transcript = redecode(transcript, glossary, judge, judge.decode)
    return correct(transcript, glossary, judge=judge)


def evidence_line(c: Correction) -> str:
    """One report line: what was heard, what was written, and the scores behind it."""
    if not c.corrected:
        return f"{c.start_ms} ms: removed {c.heard!r} (prompt echo, score {c.score:.2f})"
    audio = ("" if c.heard_logprob is None else
             f", audio log-prob heard {c.heard_logprob:.2f} / written {c.written_logprob:.2f}")
    basis = f"; letter case alone: {c.basis}" if c.basis else ""
    return f"{c.start_ms} ms: {c.heard!r} -> {c.corrected!r} (match {c.score:.2f}{audio}{basis})"


__all__ = ["HYPOTHESES", "PAD_MS", "WhisperJudge", "evidence_line", "transcribe_with_glossary"]
