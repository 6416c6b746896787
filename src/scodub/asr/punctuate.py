"""Letter case and punctuation for speech Whisper wrote flat.

Whisper sometimes writes a stretch of speech all in lower case without a single mark
("and so my fellow americans" / "ask not what your country can do for you"): it happens
where a film cuts into speech, and a shift of 20 ms in where the audio starts is enough
for the same model to write the same words flat or punctuated. A subtitle without a
capital or a full stop reads as broken, and the segmenter finds no sentence to end a cue on.

Whisper continues the style of its prompt. So a stretch of flat segments (a language
written in cases, ``PROMPTS``; no capital letter and no punctuation mark; at least
``MIN_WORDS`` words) is decoded again, its own audio with the segment before it (the
sentence it may continue) and a little margin, primed with a short, well-punctuated text
in its language. Only letter case and punctuation are taken
from that decoding: where its words, folded (lower case, letters and digits only), are the
run's own words in the same order, each word takes its new form; a word decoded otherwise
keeps what was heard, and no time moves. So the words of a transcript never change here,
only how they are written.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from scodub.data import Segment, Word
from scodub.media.decode import ASR_SAMPLE_RATE

#: Punctuated text per language written in cases (Latin, Cyrillic) that Whisper
#: transcribes: a greeting, a question, a list; nothing that could be a film's words.
PROMPTS: dict[str, str] = {
    "en": "Good evening. Yes, I know; we met before, didn't we? Well, then.",
    "ru": "Добрый вечер. Да, я знаю; мы уже встречались, не так ли? Ну что ж.",
    "kk": "Қайырлы кеш. Иә, білемін; біз бұрын кездескенбіз, солай емес пе?",
    "uz": "Xayrli kech. Ha, bilaman; biz avval uchrashganmiz, shunday emasmi?",
    "tg": "Шоми хуш. Ҳа, медонам; мо пештар вохӯрда будем, ҳамин тавр не?",
}
#: A stretch with fewer flat words than this ("i know") is left as it is.
MIN_WORDS = 3
#: Segments closer than this are decoded together (a pause Whisper decodes by itself).
JOIN_MS = 8000
#: A stretch decoded at once is no longer than this (Whisper's window is 30 s).
MAX_SPAN_MS = 25_000
#: Audio decoded beyond a stretch's first and last word.
PAD_MS = 200


def fold(word: str) -> str:
    """A word as compared here: lower case, letters and digits only."""
    return "".join(c for c in word.casefold() if c.isalnum())


def _flat(segment: Segment) -> bool:
    text = segment.text
    if not segment.words or any(c.isupper() for c in text):
        return False
    return not any(unicodedata.category(c).startswith("P") and c not in "-'’" for c in text)


def flat_stretches(segments: Sequence[Segment]) -> list[tuple[int, int]]:
    """Stretches of segments [first, last] to decode again: flat segments, each stretch
    with the segment before it as context where that one is close (a flat segment can
    be the middle of a sentence: decoded alone, it would be written as a sentence of its
    own), at most ``MAX_SPAN_MS`` long, and holding at least ``MIN_WORDS`` flat words."""
    flat = [_flat(s) for s in segments]
    stretches: list[tuple[int, int]] = []
    i = 0
    while i < len(segments):
        if not flat[i]:
            i += 1
            continue
        first = i
        before = i - 1
        if (before >= 0 and segments[i].start_ms - segments[before].end_ms < JOIN_MS
                and segments[i].end_ms - segments[before].start_ms <= MAX_SPAN_MS):
            first = before
        last = i
        while last + 1 < len(segments) and flat[last]:
            following = segments[last + 1]
            if (following.start_ms - segments[last].end_ms >= JOIN_MS
                    or following.end_ms - segments[first].start_ms > MAX_SPAN_MS):
                break
            last += 1  # a flat segment, or the first that is not: context after the run
        words = sum(len(segments[k].words) for k in range(first, last + 1) if flat[k])
        if words >= MIN_WORDS:
            stretches.append((first, last))
        i = last + 1
    return stretches


def restore_case(
    whisper: Any,
    audio: np.ndarray,
    segments: Sequence[Segment],
    language: str,
    options: dict[str, Any],
    spoken: str | None = None,
) -> tuple[list[Segment], int]:
    """``segments`` (written in ``language``) with their flat ones written with case and
    punctuation where a primed decoding finds the same words, and how many segments
    changed. ``options``: the transcription's ``WhisperModel.transcribe`` options (its
    task too: a translation is decoded again as one); ``spoken``: the audio's language
    (default ``language``). Each stretch is decoded on its own audio, so that the prompt
    primes every one (faster-whisper drops it after the first window otherwise)."""
    prompt = PROMPTS.get(language)
    stretches = flat_stretches(segments) if prompt else []
    if not stretches:
        return list(segments), 0
    asked = {
        **options,
        "language": spoken or language,
        "vad_filter": False,
        "word_timestamps": False,
        "hotwords": None,
        "initial_prompt": prompt,
        "condition_on_previous_text": False,
    }
    asked.pop("clip_timestamps", None)
    rate = ASR_SAMPLE_RATE // 1000
    out = list(segments)
    changed = 0
    for first, last in stretches:
        a = max(0, segments[first].start_ms - PAD_MS)
        b = min(len(audio) // rate, segments[last].end_ms + PAD_MS)
        raws, _ = whisper.transcribe(audio[a * rate : b * rate], **asked)
        tokens = [token for raw in raws for token in raw.text.split()]
        span = range(first, last + 1)
        written = _rewritten([w for k in span for w in out[k].words], tokens)
        if written is None:
            continue
        at = 0
        for k in span:
            count = len(out[k].words)
            new_words = tuple(written[at : at + count])
            at += count
            if _flat(segments[k]) and new_words != out[k].words:  # context stays as heard
                out[k] = replace(out[k], words=new_words, text=" ".join(w.text for w in new_words))
                changed += 1
    return out, changed


def _rewritten(words: Sequence[Word], tokens: Sequence[str]) -> list[Word] | None:
    """``words`` with the forms of ``tokens`` where the two agree folded; None when
    they agree nowhere."""
    old = [fold(w.text) for w in words]
    new = [fold(t) for t in tokens]
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    out = list(words)
    found = False
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            i, j = block.a + k, block.b + k
            if old[i] and tokens[j] != words[i].text:
                out[i] = replace(words[i], text=tokens[j])
                found = True
    return out if found else None
