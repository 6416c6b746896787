"""What a misbehaving chat server or model must not get into a subtitle (a fake
OpenAI-compatible server, tests/llm_server.py): a dropped cue that shifts the others, a
reasoning block or prose around the JSON, an answer cut off at its token budget, the
source echoed under one word of the target's script, a refused answer kept in the cache;
and the server settings a user gets wrong (a key file's line end, a query in the URL, a
space in its path, a connection dropped mid-answer)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llm_server import (
    MODEL,
    Reply,
    ScriptedServer,
    Seen,
    completion,
    target_name,
    translation,
    window_cues,
)
from scodub.errors import ConfigError, ModelError
from scodub.mt.llm import LlmTranslator
from scodub.mt.llm_prompt import CueRequest, answer_problem
from scodub.mt.openai_client import ChatClient, api_key_from_env, resolve_base_url
from scodub.names.glossary import Glossary
from scodub.stages.cache import StageCache

LINES = [
    "Where were you last night?",
    "I was at home with my sister.",
    "She says you were not there.",
    "Then she is lying to you.",
    "I stopped trusting you years ago.",
]


def _translate(server: ScriptedServer, tmp: Path | None = None) -> list[str]:
    client = ChatClient(server.url, MODEL, timeout_s=5, backoff_s=0.01, retries=2)
    cache = StageCache(tmp) if tmp else None
    translator = LlmTranslator(client, window=5, cache=cache, concurrency=1)
    requests = [CueRequest(t, t, 2000) for t in LINES]
    return translator.translate_track(requests, "en", ["ru"], Glossary())["ru"].texts


def _expected(server: ScriptedServer) -> list[str]:
    """What the fake translates each line to, asked alone."""
    payload = server.chats()[0].payload
    return [translation(payload, {"1": line})["1"] for line in LINES]


def test_a_dropped_cue_that_shifts_the_others_is_asked_again() -> None:
    """The model leaves out cue 2 and moves cues 3-5 up: cue 2 read cue 3's line and cue
    3 cue 4's, with exit code 0 (only the cue before the missing one was doubted)."""

    def shifting(seen: Seen) -> Reply:
        answer = translation(seen.payload)
        if len(answer) == len(LINES):  # the first, whole window
            values = list(answer.values())
            del values[1]
            answer = {str(k + 1): v for k, v in enumerate(values)}
        return Reply(body=completion(json.dumps(answer, ensure_ascii=False)))

    with ScriptedServer(shifting) as server:
        texts = _translate(server)
        assert texts == _expected(server)


def test_reasoning_and_prose_around_the_answer_stay_out_of_the_subtitles() -> None:
    def chatty(seen: Seen) -> Reply:
        answer = json.dumps(translation(seen.payload), ensure_ascii=False)
        content = (
            f"<think>They want JSON like {{\"1\": \"...\"}}. {answer}</think>\n"
            f"Here is the translation:\n{answer}\nHope this helps {{:)}}"
        )
        return Reply(body=completion(content))

    with ScriptedServer(chatty) as server:
        texts = _translate(server)
        assert texts == _expected(server)
        assert not any("think" in t or "Hope" in t or "{" in t for t in texts)


def test_an_answer_cut_off_at_its_token_budget_loses_no_words() -> None:
    def cut(seen: Seen) -> Reply:
        cues = window_cues(seen.payload)
        answer = translation(seen.payload, cues)
        if len(cues) == 1:
            return Reply(body=completion(json.dumps(answer, ensure_ascii=False)))
        text = json.dumps(answer, ensure_ascii=False, indent=1)
        body = completion(text[: len(text) - 12])  # ends inside cue 5's text
        body["choices"][0]["finish_reason"] = "length"
        return Reply(body=body)

    with ScriptedServer(cut) as server:
        texts = _translate(server)
        assert texts == _expected(server)


def test_the_source_under_one_word_of_the_target_is_no_translation() -> None:
    source = "Where were you last night?"
    assert answer_problem("и Where were you last night?", source, "ru") == "wrong script"
    assert answer_problem("Где ты был прошлой ночью?", source, "ru") is None
    # a title left in Latin letters is still a translation, in Chinese too
    assert answer_problem("Фильм «The Wandering Earth» получил приз.", source, "ru") is None
    assert answer_problem("张艺谋的电影 The Wandering Earth", source, "zh") is None


def test_a_refused_answer_is_not_kept_and_a_mended_server_is_asked_again(
    tmp_path: Path,
) -> None:
    """A glitch (the source echoed) was cached and replayed on every re-run: the run could
    never recover, even from a mended server."""

    def echo(seen: Seen) -> Reply:
        return Reply(body=completion(json.dumps(window_cues(seen.payload))))

    with ScriptedServer(echo) as server, pytest.raises(ModelError, match="no usable Russian"):
        _translate(server, tmp_path)
    with ScriptedServer() as server:
        texts = _translate(server, tmp_path)
        assert texts == _expected(server) and len(server.chats()) == 1
    with ScriptedServer(echo) as server:  # what was of use is now answered from the cache
        assert _translate(server, tmp_path) == texts and not server.chats()


def test_a_connection_dropped_mid_answer_is_retried() -> None:
    calls: list[int] = []

    def dropping(seen: Seen) -> Reply:
        calls.append(1)
        return Reply(body=completion("да"), cut=len(calls) == 1)

    with ScriptedServer(dropping) as server:
        client = ChatClient(server.url, MODEL, timeout_s=5, backoff_s=0.01, retries=2)
        answer = client.chat([{"role": "user", "content": "ok"}], max_tokens=10)
        # the half answer was taken for a malformed one (a bad translation), not retried
        assert (answer.content, answer.finish_reason, len(calls)) == ("да", "stop", 2)


def test_an_error_that_only_mentions_json_keeps_the_structured_format() -> None:
    """One 400 about something else that mentions JSON ("bad json in messages"): the
    session dropped its schema for good, though the server takes it."""
    calls: list[str] = []
    schema = {"type": "object"}

    def glitch(seen: Seen) -> Reply:
        calls.append(seen.payload.get("response_format", {}).get("type", "text"))
        if len(calls) == 1:
            return Reply(status=400, body={"error": {"message": "bad json in messages"}})
        return Reply(body=completion("{}"))

    with ScriptedServer(glitch) as server:
        client = ChatClient(server.url, MODEL, timeout_s=5, backoff_s=0.01, retries=0)
        for _ in range(2):
            client.chat([{"role": "user", "content": "ok"}], max_tokens=10, schema=schema)
    assert calls == ["json_schema", "json_schema", "json_schema"]


def test_server_settings_a_user_gets_wrong(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SCODUB_MT_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SCODUB_MT_API_KEY", "sk-SECRETkey1234567\r\n")  # a Windows key file
    assert api_key_from_env() == "sk-SECRETkey1234567"
    monkeypatch.setenv("SCODUB_MT_API_KEY", "sk-SECRET\tkey")
    with pytest.raises(ConfigError, match="character 10 of the API key") as caught:
        api_key_from_env()
    assert "SECRET" not in str(caught.value)
    with pytest.raises(ConfigError, match="query") as caught:
        resolve_base_url("http://127.0.0.1:8080/v1?api_key=hunter2")
    assert "hunter2" not in str(caught.value)
    assert resolve_base_url("http://127.0.0.1:8080/my path/v1") == (
        "http://127.0.0.1:8080/my%20path/v1"
    )


def test_a_server_failure_names_the_language_it_failed_for() -> None:
    def chinese_fails(seen: Seen) -> Reply:
        if "Chinese" in seen.payload["messages"][0]["content"]:
            return Reply(status=500, body={"error": "out of memory"})
        return Reply(body=completion(json.dumps(translation(seen.payload), ensure_ascii=False)))

    with ScriptedServer(chinese_fails) as server:
        client = ChatClient(server.url, MODEL, timeout_s=5, backoff_s=0.01, retries=1)
        translator = LlmTranslator(client, window=5, concurrency=1)
        requests = [CueRequest(t, t, 2000) for t in LINES]
        failed = r"^Chinese translation: translation server .*HTTP 500"
        with pytest.raises(ModelError, match=failed):
            translator.translate_track(requests, "en", ["ru", "zh"], Glossary())


def test_a_name_the_model_replaced_is_asked_again() -> None:
    """The model wrote another name where the placeholder was ("the Джон Смит"): the cue
    was published with the wrong name and the right one patched in beside it."""
    asked: list[int] = []

    def replacing(seen: Seen) -> Reply:
        asked.append(1)
        answer = translation(seen.payload)
        if len(asked) == 1:
            answer = {k: v.replace("[[1]]", "Джон Смит") for k, v in answer.items()}
        return Reply(body=completion(json.dumps(answer, ensure_ascii=False)))

    requests = [
        CueRequest("Hello [[1]].", "Hello Zhang Yimou.", 2000, (("[[1]]", "zhang-yimou"),)),
        CueRequest("Where were you last night?", "Where were you last night?", 2000),
    ]
    with ScriptedServer(replacing) as server:
        client = ChatClient(server.url, MODEL, timeout_s=5, backoff_s=0.01, retries=1)
        track = LlmTranslator(client, window=5).translate_track(
            requests, "en", ["ru"], Glossary()
        )["ru"]
    assert "[[1]]" in track.texts[0] and "Смит" not in track.texts[0]
    assert len(asked) == 2 and track.stats.placeholder_breaks == 0


def test_no_part_of_the_key_reaches_a_message() -> None:
    client = ChatClient("http://127.0.0.1:1/v1", MODEL, api_key="sk-SECRETkey1234567")
    for echo in ("sk-secretkey1234567", "key SECRETkey1 refused", "SK-SECRETKEY1234567"):
        assert "ecretk" not in client._scrub(echo).lower(), echo


def test_a_language_the_model_cannot_write_names_how_to_have_the_others() -> None:
    """Chinese echoed, Russian translated: the run publishes nothing, and the message
    says how to have the Russian now (its answers are cached)."""

    def chinese_echoed(seen: Seen) -> Reply:
        if target_name(seen.payload).startswith("Chinese"):
            return Reply(body=completion(json.dumps(window_cues(seen.payload))))
        return Reply(body=completion(json.dumps(translation(seen.payload))))

    requests = [CueRequest(t, t, 2000) for t in LINES]
    with ScriptedServer(chinese_echoed) as server:
        client = ChatClient(server.url, MODEL, timeout_s=5, backoff_s=0.01, retries=2)
        translator = LlmTranslator(client, window=5, concurrency=1)
        with pytest.raises(ModelError, match=r"leave Chinese out of the target languages"):
            translator.translate_track(requests, "en", ["ru", "zh"], Glossary())
        with pytest.raises(ModelError) as alone:
            translator.translate_track(requests, "en", ["zh"], Glossary())
        assert "leave" not in str(alone.value)
