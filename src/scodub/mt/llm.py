"""Subtitle translation by a large language model behind an OpenAI-compatible server.

``LlmTranslator`` translates a whole track cue for cue (``translate_track``): the cues go
in windows (``llm_prompt``), several windows at once up to the client's concurrency limit.
Alignment is never left to chance: the answer must hold exactly one translation per cue
number; the cues mixed with another cue's text (a placeholder of another cue), or whose own
placeholder was dropped or replaced, are asked again once, in a smaller window of just those
cues, and so is every cue of an answer that lacks a cue or leaves one empty (a dropped cue
shifts the ones after it); what is still wrong is asked cue by cue; a cue that even then
gets no translation keeps its source text (counted as ``untranslated``); a track where that
is most cues is an error, not a translation. An answer is no translation when it holds
control characters or an SRT timing line, is many times its cue's length, has too few
letters of the target's script, or gives a Latin-script target the source's own words
(``llm_prompt.answer_problem``). Text never moves between cues, so cues in = cues out.

Names: the placeholders of ``scodub.names.enforce`` go through the model; the caller
restores and repairs them as for NLLB. Every answer that gave at least one cue is cached
by what was sent (``AnswerCache``, e.g. ``StageCache`` under ``OUT/.scodub/mt-llm/``), so a
re-run or a resumed batch sends nothing already answered, and asks again what was refused.
A reasoning model's ``<think>`` block and prose around the JSON are dropped; an answer cut
off at its token budget loses its last cue, which is asked again (a track that fails
because its answers ran out of tokens before any cue says so: a model thinking at
length first). ``stats`` per language
say how many windows, re-asks, cue-by-cue fallbacks, requests, cached answers and tokens
it took.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from typing import Any, Protocol, runtime_checkable

from scodub.errors import ModelError
from scodub.langs import get_language
from scodub.mt.llm_prompt import (
    CueRequest,
    Prompt,
    Window,
    build_prompt,
    cue_problem,
    make_windows,
    plain_answer,
    read_answer,
    strip_reasoning,
    to_cue_placeholders,
)
from scodub.mt.openai_client import ChatClient
from scodub.names.glossary import Glossary

CACHE_STAGE = "mt-llm"
#: Bumped when the prompt changes in a way that should not reuse cached answers.
PROMPT_VERSION = 1
DEFAULT_WINDOW = 8


class AnswerCache(Protocol):
    """Where answers are kept between runs (``scodub.stages.cache.StageCache`` fits)."""

    def load(self, stage: str, key: str) -> dict[str, Any] | None: ...

    def store(self, stage: str, key: str, result: dict[str, Any]) -> Any: ...


@dataclass(slots=True)
class LlmStats:
    """Counts for one language (the report's ``mt`` section)."""

    cues: int = 0
    windows: int = 0
    windows_ok: int = 0  # first answer right for every cue
    numbering_errors: int = 0  # windows whose first answer lacked, emptied or mixed cues
    malformed_answers: int = 0  # answers with nothing readable (not JSON, no N: lines)
    cut_off_answers: int = 0  # stopped at max_tokens before any cue (a model thinking first)
    reasks: int = 0
    reask_fixed_cues: int = 0
    fallback_cues: int = 0  # cues asked one by one after the re-ask
    fallback_fixed_cues: int = 0
    untranslated_cues: int = 0  # kept the source text
    placeholder_breaks: int = 0  # cues whose placeholders the model dropped or changed
    requests: int = 0  # sent to the server
    cached_answers: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0

    def add(self, other: LlmStats) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def to_json(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["seconds"] = round(self.seconds, 3)
        return data


@dataclass(frozen=True, slots=True)
class LlmTrack:
    texts: list[str]  # per cue, placeholders as the cue's own [[n]]
    stats: LlmStats = field(default_factory=LlmStats)


@runtime_checkable
class CueTranslator(Protocol):
    """A translator that keeps the cues: one translation per cue, never merged."""

    name: str

    def translate_track(
        self,
        requests: Sequence[CueRequest],
        source: str,
        targets: Sequence[str],
        glossary: Glossary,
    ) -> dict[str, LlmTrack]: ...


class LlmTranslator:
    """Translation through a chat model (see the module docstring)."""

    def __init__(
        self,
        client: ChatClient,
        *,
        window: int = DEFAULT_WINDOW,
        synopsis: str = "",
        cache: AnswerCache | None = None,
        concurrency: int = 2,
    ) -> None:
        self.client = client
        self.name = f"openai:{client.model}"
        self.window = window
        self.synopsis = synopsis
        self.cache = cache
        self.concurrency = concurrency

    def translate(
        self, texts: Sequence[str], source: str, target: str, *, n_best: int = 1
    ) -> list[list[str]]:
        """The ``Translator`` protocol: texts in order, one candidate each."""
        requests = [CueRequest(t, t) for t in texts]
        track = self.translate_track(requests, source, [target], Glossary())[target]
        return [[t] for t in track.texts]

    def translate_track(
        self,
        requests: Sequence[CueRequest],
        source: str,
        targets: Sequence[str],
        glossary: Glossary,
    ) -> dict[str, LlmTrack]:
        """Every cue into every target, one translation per cue (see the module docstring)."""
        source = get_language(source).code
        windows = make_windows([r.text for r in requests], self.window)
        jobs = [(get_language(t).code, w) for t in targets for w in windows]
        started = time.monotonic()

        def one(job: tuple[str, Window]) -> tuple[dict[int, str], LlmStats]:
            try:
                return self._window(requests, job[1], source, job[0], glossary)
            except ModelError as exc:  # a server that fails: say for which language
                raise ModelError(f"{get_language(job[0]).name} translation: {exc}") from exc

        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            done = list(pool.map(one, jobs))
        seconds = time.monotonic() - started
        result: dict[str, LlmTrack] = {}
        for code in dict.fromkeys(get_language(t).code for t in targets):
            texts = ["" for _ in requests]
            stats = LlmStats(cues=sum(1 for r in requests if r.text.strip()), seconds=seconds)
            for (lang, _), (found, window_stats) in zip(jobs, done, strict=True):
                if lang == code:
                    for cue, text in found.items():
                        texts[cue] = text
                    stats.add(window_stats)
            if stats.untranslated_cues * 2 > stats.cues:  # a track that is mostly the source
                why = "no translation, the source text back, or another language"
                if stats.cut_off_answers:
                    answers = stats.requests + stats.cached_answers
                    why = (
                        f"{stats.cut_off_answers} of {answers} answers ran out of tokens "
                        "before any translation: a model that reasons first? turn its "
                        "thinking off on the server"
                    )
                name = get_language(code).name
                others = len({get_language(t).code for t in targets}) > 1
                raise ModelError(
                    f"openai:{self.client.model} gave no usable {name} "
                    f"for {stats.untranslated_cues} of {stats.cues} cues ({why}): nothing "
                    "was published; its usable answers are cached for the next run"
                    + (f" (leave {name} out of the target languages to have the others "
                       "now: their answers are cached too)" if others else "")
                )
            result[code] = LlmTrack(texts, stats)
        return result

    # --- one window: ask, re-ask once, then cue by cue ---------------------------------

    def _window(
        self,
        requests: Sequence[CueRequest],
        window: Window,
        source: str,
        target: str,
        glossary: Glossary,
    ) -> tuple[dict[int, str], LlmStats]:
        stats = LlmStats(windows=1)
        found, failed = self._attempt(requests, window, source, target, glossary, stats)
        if not failed:
            stats.windows_ok = 1
            return found, stats
        stats.numbering_errors = 1
        stats.reasks = 1
        smaller = _sub_window(window.cues, failed, requests)
        again, failed = self._attempt(
            requests, smaller, source, target, glossary, stats, retry=True
        )
        stats.reask_fixed_cues += len(again)
        found.update(again)
        for cue in failed:
            stats.fallback_cues += 1
            single = _sub_window(window.cues, [cue], requests)
            alone, still = self._attempt(
                requests, single, source, target, glossary, stats, plain_ok=True
            )
            if still:
                stats.untranslated_cues += 1
                found[cue] = requests[cue].text
            else:
                stats.fallback_fixed_cues += 1
                found.update(alone)
        return found, stats

    def _attempt(
        self,
        requests: Sequence[CueRequest],
        window: Window,
        source: str,
        target: str,
        glossary: Glossary,
        stats: LlmStats,
        plain_ok: bool = False,
        retry: bool = False,
    ) -> tuple[dict[int, str], list[int]]:
        """Ask for ``window``; the cues answered right, and the cue indices that were not."""
        asked = [requests[i] for i in window.cues]
        prompt = build_prompt(
            asked, window, requests, source, target, glossary, self.synopsis, retry=retry
        )
        content, finish, record = self._ask(prompt, stats)
        answers = read_answer(content, len(asked))
        bare = strip_reasoning(content)
        if answers is None and plain_ok and len(asked) == 1 and bare[:1] not in ("{", "["):
            answers = {1: plain_answer(bare)}  # a bare translation of the one cue
        if answers is None:
            stats.malformed_answers += 1
            answers = {}
        if finish == "length" and answers:  # cut off at max_tokens: its last cue half-written
            del answers[max(answers)]
        if finish == "length" and not any(a.strip() for a in answers.values()):
            stats.cut_off_answers += 1
        problems: dict[int, str] = {}
        for position, request in enumerate(asked):
            answer = answers.get(position + 1)
            problem = cue_problem(answer, request, position, prompt, glossary)
            if problem is not None:
                problems[position] = problem
        _spread_problems(problems, answers, asked)
        found: dict[int, str] = {}
        failed: list[int] = []
        for position, (cue, request) in enumerate(zip(window.cues, asked, strict=True)):
            answer = answers.get(position + 1)
            if position in problems or answer is None:
                failed.append(cue)
                continue
            text = to_cue_placeholders(answer, position, prompt)
            if _placeholders(text) != _placeholders(request.text):
                if not plain_ok:  # a name dropped or replaced: asked again, then repaired
                    failed.append(cue)
                    continue
                stats.placeholder_breaks += 1
            found[cue] = text
        if record is not None and found and self.cache is not None:
            # only an answer of some use is kept: a rejected one is asked again next run
            self.cache.store(CACHE_STAGE, _answer_key(self.client.model, prompt), record)
        return found, failed

    def _ask(self, prompt: Prompt, stats: LlmStats) -> tuple[str, str, dict[str, Any] | None]:
        """The answer's text and finish reason, from the cache or the server; and, for a
        new answer, the record to cache if it proves of use (``_attempt``)."""
        if self.cache is not None:
            cached = self.cache.load(CACHE_STAGE, _answer_key(self.client.model, prompt))
            if cached is not None and isinstance(cached.get("content"), str):
                stats.cached_answers += 1
                return str(cached["content"]), str(cached.get("finish_reason") or ""), None
        answer = self.client.chat(
            prompt.messages, max_tokens=prompt.max_tokens, schema=prompt.schema
        )
        stats.requests += 1
        stats.prompt_tokens += answer.prompt_tokens
        stats.completion_tokens += answer.completion_tokens
        record = {
            "model": self.client.model,
            "content": answer.content,
            "prompt_tokens": answer.prompt_tokens,
            "completion_tokens": answer.completion_tokens,
            "finish_reason": answer.finish_reason,
        }
        return answer.content, answer.finish_reason, record


def _answer_key(model: str, prompt: Prompt) -> str:
    """What was asked (model, messages, budget): the server's URL and key are not part of
    it, so the same question to the same model on another host is not asked again."""
    blob = json.dumps(
        {
            "v": PROMPT_VERSION,
            "model": model,
            "messages": prompt.messages,
            "max_tokens": prompt.max_tokens,
            "schema": prompt.schema,
        },
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


def _spread_problems(
    problems: dict[int, str], answers: dict[int, str], asked: Sequence[CueRequest]
) -> None:
    """Text that left a cue went somewhere: two cues with the same translation (and
    different sources) are both wrong, and so is the cue before a moved one, which most
    likely took its text (a merge). A cue missing or left empty may have shifted every
    cue of the answer (a dropped cue moves the ones after it up): all of them are doubted
    and asked again."""
    if any(problems[p] in ("missing", "empty") for p in problems):
        for position in range(len(asked)):
            problems.setdefault(position, "shifted")
        return
    seen: dict[str, int] = {}
    for position in range(len(asked)):
        text = " ".join((answers.get(position + 1) or "").split())
        if not text:
            continue
        other = seen.setdefault(text, position)
        if other != position and asked[other].text.strip() != asked[position].text.strip():
            problems.setdefault(other, "merged")
            problems.setdefault(position, "merged")
    for position in sorted(problems):
        if problems[position] != "merged" and position > 0:
            problems.setdefault(position - 1, "neighbour")


def _placeholders(text: str) -> list[str]:
    return sorted(re.findall(r"\[\[\d+\]\]", text))


def _sub_window(
    window_cues: Sequence[int], cues: Sequence[int], requests: Sequence[CueRequest]
) -> Window:
    """A window of ``cues`` alone, with the cues around them (translated or not) as scene."""
    filled = [i for i, r in enumerate(requests) if r.text.strip()]
    where = {cue: k for k, cue in enumerate(filled)}
    first, last = where[cues[0]], where[cues[-1]]
    before = tuple(filled[max(0, first - 3) : first])
    after = tuple(filled[last + 1 : last + 4])
    return Window(tuple(cues), before, after)
