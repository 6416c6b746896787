"""A hostile or broken chat server (tests/llm_server.py, real HTTP on 127.0.0.1): an
error page that never ends or trickles, a redirect, an answer that is no chat completion,
a host name no resolver takes, cue numbers no integer reads; each is a bounded wait and
one clear line, never a hang, a leaked key or cues silently left in the source language."""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Sequence

import pytest

from llm_server import MODEL, Reply, ScriptedServer, Seen, completion, well_behaved
from scodub.data import Cue, Track
from scodub.errors import ConfigError, ModelError
from scodub.mt.llm import LlmTranslator
from scodub.mt.llm_prompt import CueRequest, read_answer
from scodub.mt.localize import localize
from scodub.mt.openai_client import ChatClient, resolve_base_url
from scodub.names.glossary import Glossary

HELLO = [{"role": "user", "content": "Hello."}]
LINES = ["Where were you last night?", "I was at home with my sister."]


def _client(server: ScriptedServer, timeout: float = 5.0, retries: int = 1) -> ChatClient:
    return ChatClient(server.url, MODEL, timeout_s=timeout, backoff_s=0.01, retries=retries)


@pytest.mark.parametrize("kind", ["trickled", "endless"])
def test_an_error_page_is_read_within_the_timeout_and_a_bound(kind: str) -> None:
    """A 500 whose page trickles (a byte every 0.2 s) or never ends: the client read it
    whole, past --mt-timeout and without a size limit, and hung (or filled the memory)."""

    def broken(seen: Seen) -> Reply:
        if kind == "trickled":
            return Reply(status=500, body=b"<html>" + b"x" * 200, trickle_s=0.2)
        return Reply(status=500, body=b"<html>" + b"x" * 65536, endless=True)

    with ScriptedServer(broken) as server:
        started = time.monotonic()
        with pytest.raises(ModelError, match=r"no answer after 2 tries \((HTTP 500|the answer)"):
            _client(server, timeout=1.0).chat(HELLO, max_tokens=10)
        assert time.monotonic() - started < 5


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_not_followed_with_the_key(status: int) -> None:
    """A server (a proxy) that redirects: urllib followed it with the API key to any host,
    turned the POST into a GET (an HTTP 404 from somewhere else) or, for 307/308, took
    the redirect for an empty answer: every cue re-asked, then "no usable Russian"."""
    key = "sk-redirect-secret-0123456789"
    with ScriptedServer(api_key=key) as elsewhere:
        moved = elsewhere.url.replace("127.0.0.1", "localhost")

        def redirect(seen: Seen) -> Reply:
            where = moved + seen.path.removeprefix("/v1")
            return Reply(status=status, body=b"moved", headers={"Location": where})

        with ScriptedServer(redirect, on_get=redirect) as server:
            client = ChatClient(server.url, MODEL, api_key=key, backoff_s=0.01, retries=1)
            wanted = rf"{server.url}: HTTP {status}: it redirects to {moved}/chat/completions; "
            with pytest.raises(ModelError, match=wanted + r"pass that URL \(up to /v1\)"):
                client.chat(HELLO, max_tokens=10)
            with pytest.raises(ModelError, match=rf"redirects to {moved}/models; pass"):
                client.check()
            assert len(server.seen) == 2  # a redirect is no fault to retry
    assert elsewhere.seen == []


NO_COMPLETIONS = {
    "html": (200, b"<html><body>Sign in to the proxy</body></html>", "<html><body>Sign in"),
    "error": (200, b'{"error": {"message": "model is loading"}}', '{"error": {"message": "mod'),
    "no choices": (200, b'{"choices": []}', '{"choices": []}'),
    "no content": (204, b"", "an empty body"),
}


@pytest.mark.parametrize("kind", sorted(NO_COMPLETIONS))
def test_an_answer_that_is_no_chat_completion_is_a_server_fault(kind: str) -> None:
    """HTTP 200 with a proxy's login page, an error object or no choices: taken for the
    model's malformed answer, so every cue was asked again, then one by one, then kept in
    English ("no usable Russian", or published with a warning when it was a few windows).
    Now it is retried as a server fault, and the error shows what the server said."""
    status, body, shown = NO_COMPLETIONS[kind]
    calls: list[int] = []

    def broken(seen: Seen) -> Reply:
        calls.append(1)
        return Reply(status=status, body=body) if len(calls) != 3 else well_behaved(seen)

    requests = [CueRequest(t, t, 2000) for t in LINES]
    with ScriptedServer(broken) as server:
        translator = LlmTranslator(_client(server, retries=1), window=5, concurrency=1)
        wanted = rf"^Russian translation: translation server {server.url}: no answer after 2 "
        wanted += rf"tries \(HTTP {status}: {re.escape(shown)}"
        with pytest.raises(ModelError, match=wanted):
            translator.translate_track(requests, "en", ["ru"], Glossary())
        assert len(calls) == 2
        track = translator.translate_track(requests, "en", ["ru"], Glossary())["ru"]
    assert track.stats.untranslated_cues == track.stats.reasks == 0
    assert track.stats.requests == 1 and len(calls) == 3


@pytest.mark.parametrize("host", ["a..b", "x" * 64 + ".lan", ".local"])
def test_a_host_name_no_resolver_takes_is_one_line(host: str) -> None:
    """A typo in --mt-url's host (an empty or over-long label) ended in a UnicodeError
    traceback from the IDNA codec, in the preflight or mid-run."""
    url = f"http://{host}:8080/v1"
    with pytest.raises(ConfigError, match=rf"--mt-url '{url}': the host name {host!r}"):
        resolve_base_url(url)
    assert resolve_base_url("http://bücher.example:8080/") == "http://bücher.example:8080/v1"
    assert resolve_base_url("http://[::1]:8080") == "http://[::1]:8080/v1"


def test_cue_numbers_written_as_other_digits() -> None:
    """A model that numbers a cue with a superscript ("¹") crashed the run with a
    ValueError traceback (str.isdigit takes it, int does not), and so did a server's
    Content-Length written that way; Persian digits are read."""
    assert read_answer('{"¹": "a", "2": "b"}', 2) == {2: "b"}
    assert read_answer('Here: {"²": "a"} and {"1": "b"}', 1) == {1: "b"}
    assert read_answer('{"١": "а", "٢": "б"}', 2) == {1: "а", 2: "б"}
    reply = Reply(body=completion("да"), headers={"Content-Length": "¹", "Connection": "close"})
    with ScriptedServer(lambda seen: reply) as server:
        assert _client(server).chat(HELLO, max_tokens=10).content == "да"


class _CountingNllb:
    """A stand-in for NLLB (sentences in, sentences out) that says what it was asked."""

    name = "nllb:counting"

    def __init__(self) -> None:
        self.asked: list[str] = []

    def translate(
        self, texts: Sequence[str], source: str, target: str, *, n_best: int = 1
    ) -> list[list[str]]:
        self.asked.append(target)
        return [[f"[{target}] {t}"] * n_best for t in texts]


def test_a_failing_llm_language_costs_no_nllb_work() -> None:
    """--mt routes kk to NLLB and ru to a server that fails: NLLB translated kk first
    (minutes of CPU for a film, kept nowhere), then the server's error ended the run and
    the next run did it all again. Now the server's languages go first; the tracks keep
    the order asked for."""
    cues = tuple(Cue(i * 3000, i * 3000 + 2500, (t,)) for i, t in enumerate(LINES))
    source = Track("en", cues, 25.0)
    nllb = _CountingNllb()
    with ScriptedServer(lambda seen: Reply(status=500, body={"error": "gone"})) as server:
        llm = LlmTranslator(_client(server, retries=0), window=5, concurrency=1)
        with pytest.raises(ModelError, match="^Russian translation: .*HTTP 500"):
            localize(source, ["en", "kk", "ru"], Glossary(), translator={"kk": nllb, "ru": llm})
    assert nllb.asked == []
    with ScriptedServer() as server:
        llm = LlmTranslator(_client(server), window=5, concurrency=1)
        both = {"kk": nllb, "ru": llm}
        result = localize(source, ["en", "kk", "ru"], Glossary(), translator=both)
    assert list(result.tracks) == ["kk", "ru", "en"] and nllb.asked == ["kk"]
    assert result.reports["kk"].route == "mt:nllb:counting"
    assert result.tracks["ru"].cues[0].flat_text.startswith("<ru>")


@pytest.mark.parametrize("status", [200, 400, 404])
def test_a_server_message_cannot_drive_the_terminal(status: int) -> None:
    """What a server says goes into the one-line error: its escape sequences (clear the
    screen, retitle the window, hide the text) reached the user's terminal as they were."""
    body = b"\x1b[2J\x1b]0;owned\x07oops\x1b[8m hidden \x00\x9b31m\xe2\x80\xaeend"
    with (
        ScriptedServer(lambda seen: Reply(status=status, body=body)) as server,
        pytest.raises(ModelError, match=r"HTTP \d+: .*oops") as caught,
    ):
        _client(server, retries=0).chat(HELLO, max_tokens=10)
    message = str(caught.value)
    assert not [c for c in message if unicodedata.category(c) in ("Cc", "Cf")], message
    assert "hidden" in message and "end" in message


def test_the_model_list_in_a_message_is_cleaned_and_short() -> None:
    served = ("\x1b]0;owned\x07qwen", "x" * 100_000)
    with ScriptedServer(models=served) as server, pytest.raises(ModelError) as caught:
        _client(server).check()
    message = str(caught.value)
    assert "it serves: ]0;ownedqwen, xxx" in message and len(message) < 400, message[:300]


@pytest.mark.parametrize("content", ["<think>The user wants Russian. Cue 1 says", None])
def test_a_model_that_thinks_away_its_budget_is_named_as_such(content: str | None) -> None:
    """A reasoning model (Qwen3, R1) spends every answer's token budget thinking, in the
    content or beside it, and stops at "length" before any translation: the run failed
    with "no translation, the source text back, or another language", no word of why."""

    def thinking(seen: Seen) -> Reply:
        body = completion("")
        body["choices"][0]["message"]["content"] = content
        body["choices"][0]["finish_reason"] = "length"
        return Reply(body=body)

    requests = [CueRequest(t, t, 2000) for t in LINES]
    with ScriptedServer(thinking) as server:
        translator = LlmTranslator(_client(server), window=5, concurrency=1)
        wanted = r"no usable Russian for 2 of 2 cues \(4 of 4 answers ran out of tokens before"
        with pytest.raises(ModelError, match=wanted + r" any translation: .* thinking off"):
            translator.translate_track(requests, "en", ["ru"], Glossary())


def test_a_proxy_page_for_the_model_list_fails_the_preflight() -> None:
    """A sign-in proxy answers every path with HTTP 200 and its HTML page: the preflight
    took it for a server without a model list and passed, so the run transcribed the
    film (minutes to hours) before the first translation request failed."""
    page = b"<!doctype html><html><title>Sign in</title></html>"
    with ScriptedServer(on_get=lambda seen: Reply(body=page)) as server:
        wanted = rf"^translation server {server.url}: /models answered HTTP 200 with no model "
        with pytest.raises(ModelError, match=wanted + "list: <!doctype html><html><title>Sign"):
            _client(server).check()
    with ScriptedServer(on_get=lambda seen: Reply(body={"object": "list"})) as server:
        _client(server).check()  # JSON of another shape: a server of its own kind
