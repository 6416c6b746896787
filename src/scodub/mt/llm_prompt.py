"""Prompts that keep subtitle alignment, and the reading of the answers (pure functions).

A *window* is a run of consecutive cues sent in one request, cut at sentence ends where
possible (``nllb.sentence_groups``) so the model sees whole sentences. Its prompt holds:

- the film's synopsis (``--context FILE``), and the cues just before and after the window
  as the scene, marked as context not to translate;
- the cues, numbered 1..n within the window, as one JSON object, and per cue a length
  target from the language's limits (``scodub.langs``: at most two lines of
  ``max_chars_per_line``, and no more characters than the cue's duration allows at the
  adult reading speed);
- the glossary names of the window: each ``[[n]]`` placeholder with the name it stands for,
  its target-language form and, for languages that inflect names, the note that the form
  goes in unchanged.

Placeholders are renumbered within the window (cue 3's ``[[1]]`` and cue 7's ``[[1]]`` are
different names), so a placeholder that turns up in the wrong cue shows the model moved
text between cues. The answer must be one JSON object with exactly the window's numbers
as keys (``schema`` asks the server to enforce that where it can); ``read_answer`` reads
it (or ``N: text`` lines from a server without JSON output) and ``cue_problem`` says what
is wrong with one cue's translation, if anything.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scodub.langs import INFLECTING, get_language
from scodub.mt.nllb import sentence_groups
from scodub.names.glossary import Glossary
from scodub.names.termcheck import find_terms
from scodub.scripts import script_of

#: Cues of scene shown before and after a window (context, not translated).
CONTEXT_CUES = 3
#: An answer longer than MAX_GROWTH times its cue plus MAX_EXTRA_CHARS is no translation
#: (Chinese to English grows about 3x in characters).
MAX_GROWTH, MAX_EXTRA_CHARS = 6, 80
#: Letters a cue needs before its translation must be in the target's script.
MIN_CHECKED_LETTERS = 4
#: The least share of a translation's letters in the target's script: a title or a brand
#: may stay in Latin letters, but "и Where were you last night?" is the source echoed.
MIN_SCRIPT_SHARE = 0.2
_TIMING_TEXT = re.compile(r"\d+:\d{2}:\d{2}[,.]\d{3}\s*-->")
#: A loosely written placeholder: what models do to ``[[n]]`` (spaces, one bracket lost,
#: full-width brackets); the digits are read back as the window's slot number.
LOOSE_PLACEHOLDER = re.compile(r"[\[［⟦【]{1,2}\s*(\d{1,4})\s*[\]］⟧】]{1,2}")
_LINE_ANSWER = re.compile(r'^\s*"?(\d{1,3})"?\s*[:.)=-]\s*(.*?)\s*,?\s*$')
_FENCE = re.compile(r"^```[a-zA-Z]*\s*|\s*```$")
#: What a chatty model says around a bare translation: a line that introduces it ("Here
#: is the translation:", "Translation into Russian:"), a label before it on its line, a
#: note after it.
_INTRO_LINE = re.compile(
    r"^(?:here\b|sure\b|certainly\b|of course\b|translat|the translat).*:$", re.I
)
_LABEL = re.compile(r"^(?:translation|translated text|перевод)(?:\s+\w+){0,3}\s*:\s*", re.I)
_NOTE_LINE = re.compile(r"^[(*_\s]*(?:note|notes|explanation)\b", re.I)
_QUOTES = {'"': '"', "“": "”", "«": "»", "„": "“", "「": "」"}


@dataclass(frozen=True, slots=True)
class CueRequest:
    """One cue to translate: its protected text and what the prompt says about it."""

    text: str  # the cue with glossary names as [[n]] placeholders
    source_text: str = ""  # the cue as written (shown as context)
    duration_ms: int = 0  # 0: unknown (no reading-speed target)
    names: tuple[tuple[str, str], ...] = ()  # (placeholder, glossary term id)


@dataclass(frozen=True, slots=True)
class Window:
    cues: tuple[int, ...]  # track indices translated here, in order
    before: tuple[int, ...] = ()  # scene shown as context
    after: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Prompt:
    messages: list[dict[str, str]]
    schema: dict[str, Any]
    max_tokens: int
    cues: tuple[int, ...]  # track index of window cue 1, 2, ...
    to_cue: tuple[dict[int, int], ...]  # per window cue: window slot -> the cue's own slot
    owner: dict[int, int]  # window slot -> position of the cue that holds it
    term_owner: dict[str, frozenset[int]]  # glossary term id -> positions that name it
    target: str = ""


def make_windows(texts: Sequence[str], size: int, context: int = CONTEXT_CUES) -> list[Window]:
    """Consecutive non-empty cues in windows of at most ``size``, cut at sentence ends
    where a sentence fits; empty cues are in no window (they stay empty)."""
    if size < 1:
        raise ValueError("window size must be at least 1")
    windows: list[list[int]] = []
    current: list[int] = []
    for group in sentence_groups(texts):
        cues = [i for i in group if texts[i].strip()]
        if current and len(current) + len(cues) > size:
            windows.append(current)
            current = []
        for cue in cues:
            if len(current) >= size:
                windows.append(current)
                current = []
            current.append(cue)
    if current:
        windows.append(current)
    filled = [i for i, t in enumerate(texts) if t.strip()]
    where = {cue: k for k, cue in enumerate(filled)}
    result: list[Window] = []
    for cues in windows:
        first, last = where[cues[0]], where[cues[-1]]
        before = tuple(filled[max(0, first - context) : first])
        after = tuple(filled[last + 1 : last + 1 + context])
        result.append(Window(tuple(cues), before, after))
    return result


def length_target(request: CueRequest, target: str) -> int:
    """Characters the cue's translation should not pass: two full lines, and no more than
    the cue's duration allows at the adult reading speed (STANDARDS.md)."""
    rules = get_language(target)
    limit = 2 * rules.max_chars_per_line
    if request.duration_ms > 0:
        limit = min(
            limit,
            max(rules.max_chars_per_line // 2, int(rules.max_cps * request.duration_ms / 1000)),
        )
    return limit


def _renumber(
    requests: Sequence[CueRequest],
) -> tuple[list[str], list[dict[int, int]], dict[int, tuple[str, int]]]:
    """Window-unique placeholder numbers, skipping numbers the cues themselves hold."""
    used = {
        int(n) for r in requests for n in re.findall(r"\d+", LOOSE_PLACEHOLDER.sub(" ", r.text))
    }
    texts: list[str] = []
    to_cue: list[dict[int, int]] = []
    slots: dict[int, tuple[str, int]] = {}  # window slot -> (term id, window cue position)
    number = 1
    for position, request in enumerate(requests):
        mapping: dict[int, int] = {}
        terms = dict(request.names)
        pieces: list[str] = []
        pos = 0
        for match in re.finditer(r"\[\[(\d+)\]\]", request.text):
            while number in used:
                number += 1
            mapping[number] = int(match.group(1))
            slots[number] = (terms.get(match.group(0), ""), position)
            pieces += [request.text[pos : match.start()], f"[[{number}]]"]
            pos = match.end()
            number += 1
        text = "".join(pieces) + request.text[pos:]
        texts.append(text)
        to_cue.append(mapping)
    return texts, to_cue, slots


def _name_lines(
    slots: Mapping[int, tuple[str, int]], source: str, target: str, glossary: Glossary
) -> list[str]:
    lines: list[str] = []
    for number in sorted(slots):
        term = glossary.by_id(slots[number][0])
        if term is None:
            continue
        original = term.form(source) or term.form("en") or ""
        wanted = term.form(target)
        line = f"[[{number}]] = {original} ({term.kind})"
        if wanted:
            line += f"; in {get_language(target).name}: {wanted}"
        lines.append(line)
    return lines


def build_prompt(
    requests: Sequence[CueRequest],
    window: Window,
    all_requests: Sequence[CueRequest],
    source: str,
    target: str,
    glossary: Glossary,
    synopsis: str = "",
    retry: bool = False,
) -> Prompt:
    """The chat messages, JSON schema and token budget for translating ``window``;
    ``retry``: these cues were answered wrong once (the prompt says so, and differs from
    the first, so a deterministic server does not give the same answer again)."""
    src, tgt = get_language(source), get_language(target)
    texts, to_cue, slots = _renumber(requests)
    numbers = [str(k + 1) for k in range(len(requests))]
    limits = [length_target(r, target) for r in requests]
    system = (
        f"You are a professional film subtitle translator from {src.name} into {tgt.name}. "
        "You receive numbered subtitle cues as a JSON object and answer with ONE JSON object "
        "that has exactly the same keys, each value the translation of that cue alone. "
        "Never merge two cues, never split one, never move words from one cue to another: "
        "if a sentence runs over several cues, translate each part in its own cue. "
        "Placeholders such as [[3]] stand for names: copy each one unchanged, exactly once, "
        "into the translation of the cue that has it, and never write the name instead. "
        f"Write natural, concise {tgt.name} subtitles."
    )
    parts: list[str] = []
    if synopsis.strip():
        parts.append("Film synopsis (context):\n" + " ".join(synopsis.split())[:1500])
    if window.before:
        parts.append(
            "Scene before (context, do not translate):\n"
            + "\n".join(all_requests[i].source_text or all_requests[i].text for i in window.before)
        )
    if window.after:
        parts.append(
            "Scene after (context, do not translate):\n"
            + "\n".join(all_requests[i].source_text or all_requests[i].text for i in window.after)
        )
    names = _name_lines(slots, source, target, glossary)
    if names:
        note = ""
        if tgt.code in INFLECTING:
            note = (
                f"\nEach name is put in later exactly in the {tgt.name} form given "
                "(nominative, unchanged): word the sentence so that form fits, with no "
                "case ending on the placeholder (a noun before it can carry the case)."
            )
        parts.append("Names in these cues:\n" + "\n".join(names) + note)
    parts.append(
        f"Length: a {tgt.name} subtitle has at most 2 lines of {tgt.max_chars_per_line} "
        f"characters and is read at {tgt.max_cps:g} characters per second. Keep each "
        "translation within its character limit:\n"
        + json.dumps(dict(zip(numbers, limits, strict=True)))
    )
    if retry:
        parts.append(
            "A previous answer for these cues moved text from one cue to another, repeated "
            "a cue or left one out. Each cue must hold the translation of that cue only, "
            "even when it is only part of a sentence."
        )
    parts.append(
        f"Translate these {len(numbers)} cues into {tgt.name}. Answer with a JSON object "
        f"with the keys {', '.join(numbers)} and nothing else.\n"
        + json.dumps(dict(zip(numbers, texts, strict=True)), ensure_ascii=False)
    )
    schema = {
        "type": "object",
        "properties": {
            n: {"type": "string", "minLength": 1, "maxLength": max(80, 4 * limit)}
            for n, limit in zip(numbers, limits, strict=True)
        },
        "required": numbers,
        "additionalProperties": False,
    }
    # Room for every cue at its limit, in any script (a Han character may be 2 tokens).
    budget = 32 + sum(2 * max(80, 4 * limit) // 3 + 12 for limit in limits)
    owner = {slot: position for slot, (_, position) in slots.items()}
    term_owner: dict[str, set[int]] = {}
    for term_id, position in slots.values():
        if term_id:
            term_owner.setdefault(term_id, set()).add(position)
    return Prompt(
        [{"role": "system", "content": system}, {"role": "user", "content": "\n\n".join(parts)}],
        schema,
        min(budget, 4096),
        window.cues,
        tuple(to_cue),
        owner,
        {t: frozenset(p) for t, p in term_owner.items()},
        tgt.code,
    )


_REASONING = re.compile(r"<(think|thinking|reasoning)>.*?</\1>", re.S | re.I)


def strip_reasoning(content: str) -> str:
    """The answer without the ``<think>...</think>`` a reasoning model writes before it."""
    return _REASONING.sub("", content).strip()


def _json_in(text: str) -> Any:
    """The JSON of ``text``: all of it, else the first object in it that has cue numbers
    (a model that writes prose around its answer, braces in the prose included)."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    decoder = json.JSONDecoder()
    start = text.find("{")
    for _ in range(64):  # the first objects only: an answer is not a JSON haystack
        if start < 0:
            break
        try:
            data, _end = decoder.raw_decode(text, start)
        except ValueError:
            data = None
        if isinstance(data, dict) and any(str(k).strip().isdecimal() for k in data):
            return data
        start = text.find("{", start + 1)
    return None


def read_answer(content: str, count: int) -> dict[int, str] | None:
    """Window cue number (1-based) -> translation, from a JSON object (or a list of exactly
    ``count`` strings), else from ``N: text`` lines; None when nothing can be read."""
    text = _FENCE.sub("", strip_reasoning(content))
    data = _json_in(text)
    if isinstance(data, dict):
        found: dict[int, str] = {}
        for key, value in data.items():
            if str(key).strip().isdecimal():  # not "¹": int() refuses it
                found[int(str(key).strip())] = _as_text(value)
        return found or None
    if isinstance(data, list) and len(data) == count:
        return {k + 1: _as_text(v) for k, v in enumerate(data)}
    lines = {}
    for line in text.splitlines():
        m = _LINE_ANSWER.match(line)
        if m:
            lines[int(m.group(1))] = m.group(2).strip().strip('"')
    return lines or None


def plain_answer(content: str) -> str:
    """A bare translation of one cue, without what a chatty model says around it (an
    introducing line, a label, notes after it, the quotes around it), on one line."""
    lines = [line.strip() for line in _FENCE.sub("", strip_reasoning(content)).splitlines()]
    lines = [line for line in lines if line]
    if len(lines) > 1 and _INTRO_LINE.match(lines[0]):
        lines = lines[1:]
    while len(lines) > 1 and _NOTE_LINE.match(lines[-1]):
        lines = lines[:-1]
    text = _LABEL.sub("", " ".join(" ".join(lines).split()), count=1)
    if len(text) > 2 and _QUOTES.get(text[0]) == text[-1]:
        text = text[1:-1].strip()
    return text


def _as_text(value: Any) -> str:
    """A cue's value; a model that nests (``{"text": ...}``) gives its first string."""
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, dict):
        return next((_as_text(v) for v in value.values() if isinstance(v, str)), "")
    return ""


def cue_problem(
    answer: str | None, request: CueRequest, position: int, prompt: Prompt, glossary: Glossary
) -> str | None:
    """What is wrong with window cue ``position``'s translation: ``missing``, ``empty``
    or ``moved``: a placeholder of another cue, or the name of a glossary term that only
    another cue of the window has (a model that writes names instead of placeholders
    shows a shift that way); else None."""
    if answer is None:
        return "missing"
    if request.text.strip() and not answer.strip():
        return "empty"
    for m in LOOSE_PLACEHOLDER.finditer(answer):
        owner = prompt.owner.get(int(m.group(1)))
        if owner is not None and owner != position:
            return "moved"
    if prompt.term_owner and prompt.target:
        for span in find_terms(answer, prompt.target, glossary):
            holders = prompt.term_owner.get(span.term_id)
            if holders is not None and position not in holders:
                return "moved"
    return answer_problem(answer, request.text, prompt.target) if prompt.target else None


def answer_problem(answer: str, source: str, target: str) -> str | None:
    """What makes ``answer`` no subtitle of ``source`` in ``target``, whatever its cue:
    ``control`` (a NUL or other control character: an SRT reader refuses it),
    ``timing`` (an SRT timing line: it would end the cue), ``too long`` (many times the
    source: a model that rambles), ``wrong script`` (no letter of the target's script
    where the source has words: the source echoed, or another language), ``unchanged``
    (a Latin-script target given the source's own words back); else None."""
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in answer):
        return "control"
    if _TIMING_TEXT.search(answer):
        return "timing"
    if len(answer) > MAX_GROWTH * len(source) + MAX_EXTRA_CHARS:
        return "too long"
    words = LOOSE_PLACEHOLDER.sub(" ", source)
    if sum(ch.isalpha() for ch in words) < MIN_CHECKED_LETTERS:
        return None  # "OK.", a name alone, a number: may stay as it is
    script = get_language(target).script
    if _script_share(LOOSE_PLACEHOLDER.sub(" ", answer), script) < MIN_SCRIPT_SHARE:
        return "wrong script"
    if script == "Latin" and len(words.split()) >= 3 and _bare(answer) == _bare(source):
        return "unchanged"
    return None


def _script_share(text: str, script: str) -> float:
    """The share of ``text``'s letters in ``script``, a Han, kana or Hangul character
    weighing as a word of three letters ("张艺谋 The Wandering Earth" is mostly Chinese)."""
    weights = {"Han": 3, "Hiragana": 3, "Katakana": 3, "Hangul": 3}
    total = ours = 0
    for ch in text:
        if not ch.isalpha():
            continue
        kind = script_of(ch)
        weight = weights.get(kind or "", 1)
        total += weight
        ours += weight if kind == script else 0
    return ours / total if total else 0.0


def _bare(text: str) -> str:
    return " ".join("".join(c for c in text.casefold() if c.isalnum() or c.isspace()).split())


def to_cue_placeholders(answer: str, position: int, prompt: Prompt) -> str:
    """The answer with the window's slot numbers turned back into the cue's own."""
    mapping = prompt.to_cue[position]

    def back(m: re.Match[str]) -> str:
        own = mapping.get(int(m.group(1)))
        return f"[[{own}]]" if own is not None else m.group(0)

    return LOOSE_PLACEHOLDER.sub(back, answer)
