"""Machine translation of subtitle text: NLLB-200 on CTranslate2, with sentence context.

``NllbTranslator`` runs a CTranslate2 NLLB folder (see ``scodub.provision.nllb``) with its
sentencepiece model: the source is ``[src_lang] pieces </s>``, the target is forced to
start with the target language token (``target_prefix``), as NLLB was trained. Every
request of a call, whatever its target language, goes into ONE ``translate_batch`` call
(CTranslate2 takes a target prefix per example and sorts the batch by length itself),
so translating a film into ten languages is one pass over the model, not ten.

``translate_cues`` gives the model whole sentences: subtitle cues that continue a
sentence are joined, translated together, and the translation is split back over the
cues in proportion to their source lengths (see ``split_translation``).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from scodub.devices import DEVICES as DEVICES
from scodub.devices import resolve_device
from scodub.errors import ConfigError, LanguageError, ModelError
from scodub.langs import get_language, joiner, written_with_spaces
from scodub.mt.chunks import split_to_budget
from scodub.provision.nllb import NLLB_LANG_TOKEN, SPM_FILE, check_nllb_folder, read_vocabulary

#: NLLB's special tokens (besides its language tokens), never shown in a translation.
_SPECIAL_TOKENS = frozenset({"<s>", "</s>", "<pad>", "<unk>", "<mask>"})


class Translator(Protocol):
    """What the pipeline needs from a translation engine (a fake one in tests)."""

    name: str

    def translate(
        self, texts: Sequence[str], source: str, target: str, *, n_best: int = 1
    ) -> list[list[str]]:
        """Per input text, up to ``n_best`` candidates, best first (ISO 639-1 codes)."""
        ...


@runtime_checkable
class MultiTargetTranslator(Translator, Protocol):
    """A translator that does several target languages in one pass."""

    def translate_many(
        self, texts: Sequence[str], source: str, targets: Sequence[str], *, n_best: int = 1
    ) -> dict[str, list[list[str]]]: ...


@dataclass(frozen=True, slots=True)
class TranslationRequest:
    """One text to translate; a batch may mix source and target languages."""

    text: str
    source: str  # ISO 639-1 (any code get_language knows)
    target: str


def resolve_mt_device(device: str, compute_type: str | None) -> tuple[str, str]:
    """``auto`` -> cuda when CTranslate2 can use a GPU; int8 on CPU, int8_float16 on CUDA."""
    return resolve_device(device, compute_type, option="--mt-device", gpu_compute="int8_float16")


class NllbTranslator:
    """An NLLB-200 CTranslate2 folder, loaded once, translating batches.

    ``beam_size`` and ``max_batch_size`` are plain attributes and may be changed between
    calls. The folder is checked before the model is loaded (``check_nllb_folder``).
    """

    def __init__(
        self,
        model: Path | str,
        *,
        device: str = "auto",
        compute_type: str | None = None,
        beam_size: int = 4,
        max_batch_size: int = 32,
        cpu_threads: int = 0,
        max_input_length: int = 1024,
        max_decoding_length: int = 256,
    ) -> None:
        import ctranslate2
        import sentencepiece

        self.folder = check_nllb_folder(model)
        self.name = f"nllb:{self.folder.name}"
        self.device, self.compute_type = resolve_mt_device(device, compute_type)
        self.beam_size = beam_size
        self.max_batch_size = max_batch_size
        self.max_input_length = max_input_length  # NLLB-200 has 1024 positions
        self.max_decoding_length = max_decoding_length
        vocabulary = read_vocabulary(self.folder)
        self._lang_tokens = frozenset(t for t in vocabulary if NLLB_LANG_TOKEN.match(t))
        try:
            self._model = ctranslate2.Translator(
                str(self.folder), device=self.device, compute_type=self.compute_type,
                intra_threads=cpu_threads,
            )
        except (RuntimeError, ValueError) as exc:
            raise ModelError(f"{self.folder}: CTranslate2 cannot load this model ({exc})") from exc
        try:
            self._spm = sentencepiece.SentencePieceProcessor(
                model_file=str(self.folder / SPM_FILE)
            )
        except (OSError, RuntimeError) as exc:
            raise ModelError(f"{self.folder / SPM_FILE}: unreadable ({exc})") from exc

    def lang_token(self, code: str) -> str:
        """The NLLB token of ``code`` (LanguageError if this model lacks it)."""
        token = get_language(code).nllb
        if token not in self._lang_tokens:
            raise LanguageError(f"{self.folder}: this model has no language token {token}")
        return token

    def translate(
        self, texts: Sequence[str], source: str, target: str, *, n_best: int = 1
    ) -> list[list[str]]:
        return self.translate_requests(
            [TranslationRequest(t, source, target) for t in texts], n_best=n_best
        )

    def translate_many(
        self, texts: Sequence[str], source: str, targets: Sequence[str], *, n_best: int = 1
    ) -> dict[str, list[list[str]]]:
        """Every text into every target language, in one batch call."""
        requests = [TranslationRequest(t, source, target) for target in targets for t in texts]
        flat = self.translate_requests(requests, n_best=n_best)
        return {target: flat[i * len(texts): (i + 1) * len(texts)]
                for i, target in enumerate(targets)}

    def translate_requests(
        self, requests: Sequence[TranslationRequest], *, n_best: int = 1
    ) -> list[list[str]]:
        """Per request, up to ``n_best`` distinct candidates, best first; one model call."""
        if n_best < 1 or self.beam_size < 1 or self.max_batch_size < 1:
            raise ConfigError("n_best, beam size and batch size must be at least 1")
        results: list[list[str]] = [[""] for _ in requests]
        sources: list[list[str]] = []
        prefixes: list[list[str] | None] = []
        slots: list[int] = []
        chunked: dict[int, int] = {}  # request -> its number of chunks, when cut
        budget = self.chunk_budget
        for index, request in enumerate(requests):
            text = " ".join(request.text.split())
            src, tgt = self.lang_token(request.source), self.lang_token(request.target)
            if not text:
                continue  # NLLB invents text for empty input; empty stays empty
            chunks = split_to_budget(text, self._count, budget)
            if len(chunks) > 1:
                chunked[index] = len(chunks)
            for chunk in chunks:
                sources.append([src, *self._spm.encode(chunk, out_type=str), "</s>"])
                prefixes.append([tgt])
                slots.append(index)
        if not sources:
            return results
        try:
            outputs = self._model.translate_batch(
                sources, target_prefix=prefixes, beam_size=max(self.beam_size, n_best),
                num_hypotheses=n_best, max_batch_size=self.max_batch_size,
                max_input_length=self.max_input_length,
                max_decoding_length=self.max_decoding_length,
            )
        except (RuntimeError, ValueError) as exc:
            raise ModelError(f"{self.folder}: translation failed ({exc})") from exc
        parts: dict[int, list[str]] = {}
        for index, output in zip(slots, outputs, strict=True):
            candidates = self._candidates(output.hypotheses)
            if index in chunked:  # one translation of the whole: the chunks' best, joined
                parts.setdefault(index, []).append(candidates[0])
            else:
                results[index] = candidates
        for index, texts in parts.items():
            results[index] = [joiner(requests[index].target).join(t for t in texts if t)]
        return results

    @property
    def chunk_budget(self) -> int:
        """The most source tokens translated in one piece: half what the model may write
        (a translation may be longer than its source), within what it reads."""
        return max(1, min(self.max_decoding_length // 2, self.max_input_length - 2))

    def _count(self, text: str) -> int:
        return len(self._spm.encode(text))

    def _candidates(self, hypotheses: list[list[str]]) -> list[str]:
        """Decoded, distinct candidates; empty ones, and ones whose byte pieces do not
        form valid UTF-8 (U+FFFD), only when nothing better is left."""
        seen: list[str] = []
        for tokens in hypotheses:
            pieces = [t for t in tokens
                      if t not in _SPECIAL_TOKENS and t not in self._lang_tokens]
            text = " ".join(self._spm.decode(pieces).split())
            if text not in seen:
                seen.append(text)
        good = [t for t in seen if t and "\ufffd" not in t]
        return good or [t for t in seen if t][:1] or [""]


# --- Sentence context over cues ------------------------------------------------------

#: Ends a sentence: . ! ? … and the CJK, Arabic-script (؟ ۔) and Devanagari (। ॥) stops,
#: optionally followed by closing quotes or brackets.
_SENTENCE_END = re.compile(r"[.!?…。！？؟۔।॥][\"'”’»)\]」』]*$")
#: A cue that opens with a dialogue dash is a new speaker: never joined to the previous.
_NEW_SPEAKER = re.compile(r"^[-–—]\s")
#: Breaking after these reads naturally; see split_translation.
_SOFT_BREAK = frozenset(",;:、，；：—–.!?…。！？؟۔।")
MAX_CUES_PER_SENTENCE = 4


def sentence_groups(
    cue_texts: Sequence[str],
    max_cues: int = MAX_CUES_PER_SENTENCE,
    starts: Collection[int] = (),
) -> list[list[int]]:
    """Cue indices grouped into sentences, in order.

    A cue whose text does not end in sentence-final punctuation continues into the next
    cue, unless the next one opens with a dialogue dash or is in ``starts`` (a new
    speaker), or the sentence already spans ``max_cues`` cues (unpunctuated ASR output
    must not swallow a scene). Empty cues stand alone.
    """
    groups: list[list[int]] = []
    current: list[int] = []
    for index, raw in enumerate(cue_texts):
        text = " ".join(raw.split())
        if current and (not text or _NEW_SPEAKER.match(text) or index in starts):
            groups.append(current)
            current = []
        current.append(index)
        if not text or _SENTENCE_END.search(text) or len(current) >= max_cues:
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return groups


def _cut_candidates(text: str, cjk: bool) -> list[int]:
    """Positions where ``text`` may be cut: spaces; in CJK text also between characters,
    except inside a run of Latin letters or digits."""
    cuts: list[int] = []
    for pos in range(1, len(text)):
        before, after = text[pos - 1], text[pos]
        if after == " ":
            following = text[pos:].lstrip()[:1]
            if following and not _closing(following):
                cuts.append(pos)
        elif cjk and before != " " and not _glued(before, after):
            cuts.append(pos)
    return [c for c in cuts if text[:c].strip() and text[c:].strip()]


def _glued(before: str, after: str) -> bool:
    """Characters a CJK cut must not separate: a Latin word or number, punctuation from
    the character it closes, an opening bracket or quote from what it opens."""
    if before.isascii() and after.isascii() and before.isalnum() and after.isalnum():
        return True
    return _closing(after) or unicodedata.category(before) in ("Ps", "Pi")


def _closing(char: str) -> bool:
    """Punctuation that belongs to what precedes it (a piece must not start with it)."""
    return unicodedata.category(char) in ("Po", "Pe", "Pf", "Pd")


def split_translation(translation: str, weights: Sequence[int], target: str) -> list[str] | None:
    """Split one sentence's translation over cues in proportion to ``weights``.

    Method: the translation (whitespace collapsed) has L characters; cut i is placed as
    close as possible to L * (w_1 + ... + w_i) / (w_1 + ... + w_n), at a word boundary
    (for Chinese: a character boundary, never inside a Latin word or number). A cut
    right after punctuation (, ; : and sentence stops) is preferred when it lies within
    a fifth of an average piece of the ideal place. Cuts are chosen left to right,
    each leaving room for the ones after it, so every piece is non-empty. The pieces,
    joined with a space (nothing for Chinese), give the translation back.
    Returns None when the translation has fewer places to cut than the cues need.
    """
    text = " ".join(translation.split())
    count = len(weights)
    if count == 1:
        return [text] if text else None
    cjk = not written_with_spaces(target)
    candidates = _cut_candidates(text, cjk)
    candidates = sorted(set(_skip_spaces(text, c) for c in candidates))
    if len(candidates) < count - 1:
        return None
    total = sum(max(1, w) for w in weights)
    bonus = 0.2 * len(text) / count
    cuts: list[int] = []
    cumulative = 0
    lowest = 0
    for i, weight in enumerate(weights[:-1]):
        cumulative += max(1, weight)
        ideal = len(text) * cumulative / total
        highest = len(candidates) - (count - 2 - i)  # leave a cut for every later cue
        best = min(
            range(lowest, highest),
            key=lambda j: abs(candidates[j] - ideal)
            - (bonus if text[: candidates[j]].rstrip()[-1:] in _SOFT_BREAK else 0.0),
        )
        cuts.append(candidates[best])
        lowest = best + 1
    bounds = [0, *cuts, len(text)]
    return [text[a:b].strip() for a, b in itertools.pairwise(bounds)]


def _skip_spaces(text: str, pos: int) -> int:
    """A cut at a space and a cut just after it are the same cut."""
    while pos < len(text) and text[pos] == " ":
        pos += 1
    return pos


def _translate_targets(
    translator: Translator, texts: list[str], source: str, targets: Sequence[str], n_best: int
) -> dict[str, list[list[str]]]:
    if not texts:
        return {t: [] for t in targets}
    if isinstance(translator, MultiTargetTranslator):
        return translator.translate_many(texts, source, targets, n_best=n_best)
    return {t: translator.translate(texts, source, t, n_best=n_best) for t in targets}


def translate_cues(
    cue_texts: Sequence[str],
    translator: Translator,
    source: str,
    targets: Sequence[str],
    *,
    n_best: int = 1,
    max_cues_per_sentence: int = MAX_CUES_PER_SENTENCE,
    starts: Collection[int] = (),
) -> dict[str, list[list[str]]]:
    """Translate subtitle cues in sentence context; per target, per cue, candidates.

    Cues that form one sentence (``sentence_groups``) are joined and translated as one
    sentence; each candidate of that sentence is split back over its cues
    (``split_translation``), so candidate k of every cue of a sentence comes from the
    same sentence candidate k (the lists line up). A cue that is a whole sentence keeps
    its own n-best list. A sentence whose translation has fewer words than cues falls
    back to translating its cues one by one. Identical sentences are translated once.
    """
    source = get_language(source).code
    targets = [get_language(t).code for t in targets]
    normal = [" ".join(t.split()) for t in cue_texts]
    groups = sentence_groups(normal, max_cues_per_sentence, starts)
    glue = joiner(source)
    sentences = [glue.join(normal[i] for i in group) for group in groups]
    unique = list(dict.fromkeys(s for s in sentences if s))  # order kept, repeats once
    translated = _translate_targets(translator, unique, source, targets, n_best)
    result: dict[str, list[list[str]]] = {t: [[""] for _ in normal] for t in targets}
    fallback: dict[str, list[int]] = {t: [] for t in targets}
    for target in targets:
        by_sentence = dict(zip(unique, translated[target], strict=True))
        for group, sentence in zip(groups, sentences, strict=True):
            if not sentence:
                continue
            candidates = by_sentence[sentence] or [""]
            if len(group) == 1:
                result[target][group[0]] = candidates
                continue
            weights = [len(normal[i]) for i in group]
            splits = [s for c in candidates
                      if (s := split_translation(c, weights, target)) is not None]
            if not splits:
                fallback[target].extend(i for i in group if normal[i])
                continue
            for k, cue in enumerate(group):
                result[target][cue] = [pieces[k] for pieces in splits]
    for target, cues in fallback.items():
        if cues:
            alone = translator.translate([normal[i] for i in cues], source, target, n_best=n_best)
            for cue, candidates in zip(cues, alone, strict=True):
                result[target][cue] = candidates or [""]
    return result

