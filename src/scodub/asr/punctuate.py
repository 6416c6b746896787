"""Letter case and punctuation for speech Whisper wrote flat.

Whisper sometimes writes a stretch of speech all in lower case without a single mark
("and so my fellow americans" / "ask not what your country can do for you"): it happens
where a film cuts into speech, and a shift of 20 ms in where the audio starts is enough
for the same model to write the same words flat or punctuated. A subtitle without a
capital or a full stop reads as broken, and the segmenter finds no sentence to end a cue on.

Whisper continues the style of its prompt. So a run of flat segments (a language written
in cases, ``PROMPTS``; no capital letter and no punctuation mark; at least ``MIN_WORDS``
words in the run) is decoded again, its own audio with a little margin, primed with a
short, well-punctuated text in its language. Only letter case and punctuation are taken
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
#: A run of flat segments this short ("i know") is left as it is.
MIN_WORDS = 3
#: Flat segments closer than this make one run, decoded together for context.
JOIN_MS = 2000
#: A run is decoded in pieces no longer than this (Whisper's window is 30 s).
MAX_RUN_MS = 25_000
#: Audio decoded beyond a run's first and last word.
PAD_MS = 200


def fold(word: str) -> str:
    """A word as compared here: lower case, letters and digits only."""
    return "".join(c for c in word.casefold() if c.isalnum())


def _flat(segment: Segment) -> bool:
    text = segment.text
    if any(c.isupper() for c in text):
        return False
    return not any(unicodedata.category(c).startswith("P") and c not in "-'’" for c in text)


def flat_runs(segments: Sequence[Segment]) -> list[list[int]]:
    """Indices of the flat segments, in runs decoded together."""
    runs: list[list[int]] = []
    for i, segment in enumerate(segments):
        if not segment.words or not _flat(segment):
            continue
        if runs and runs[-1][-1] == i - 1:
            last = segments[runs[-1][0]]
            close = segment.start_ms - segments[i - 1].end_ms < JOIN_MS
            if close and segment.end_ms - last.start_ms <= MAX_RUN_MS:
                runs[-1].append(i)
                continue
        runs.append([i])
    return [run for run in runs if sum(len(segments[i].words) for i in run) >= MIN_WORDS]


def restore_case(
    whisper: Any,
    audio: np.ndarray,
    segments: Sequence[Segment],
    language: str,
    options: dict[str, Any],
    spoken: str | None = None,
) -> tuple[list[Segment], int]:
    """``segments`` (written in ``language``) with the flat runs written with case and
    punctuation where a primed decoding finds the same words, and how many segments
    changed. ``options``: the transcription's ``WhisperModel.transcribe`` options (its
    task too: a translation is decoded again as one); ``spoken``: the audio's language
    (default ``language``)."""
    prompt = PROMPTS.get(language)
    runs = flat_runs(segments) if prompt else []
    if not runs:
        return list(segments), 0
    end_ms = len(audio) * 1000 // ASR_SAMPLE_RATE
    spans = [
        (max(0, segments[run[0]].start_ms - PAD_MS), min(end_ms, segments[run[-1]].end_ms + PAD_MS))
        for run in runs
    ]
    asked = {
        **options,
        "language": spoken or language,
        "vad_filter": False,
        "word_timestamps": False,
        "clip_timestamps": [t / 1000 for span in spans for t in span],
        "hotwords": None,
        "initial_prompt": prompt,
        "condition_on_previous_text": False,
    }
    raws, _ = whisper.transcribe(audio, **asked)
    heard: list[list[str]] = [[] for _ in runs]
    for raw in raws:
        middle = (raw.start + raw.end) * 500
        for k, (a, b) in enumerate(spans):
            if a <= middle <= b:
                heard[k].extend(raw.text.split())
                break
    out = list(segments)
    changed = 0
    for run, tokens in zip(runs, heard, strict=True):
        words = [w for i in run for w in out[i].words]
        written = _rewritten(words, tokens)
        if written is None:
            continue
        at = 0
        for i in run:
            count = len(out[i].words)
            new_words = tuple(written[at : at + count])
            at += count
            if new_words != out[i].words:
                text = " ".join(w.text for w in new_words)
                out[i] = replace(out[i], words=new_words, text=text)
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
