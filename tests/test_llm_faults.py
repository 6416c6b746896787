"""A hostile or broken chat server (tests/llm_server.py, real HTTP on 127.0.0.1): an
error page that never ends or trickles, a redirect, an answer that is no chat completion,
a host name no resolver takes, cue numbers no integer reads; each is a bounded wait and
one clear line, never a hang, a leaked key or cues silently left in the source language."""

from __future__ import annotations

import time

import pytest

from llm_server import MODEL, Reply, ScriptedServer, Seen
from scodub.errors import ModelError
from scodub.mt.openai_client import ChatClient

HELLO = [{"role": "user", "content": "Hello."}]


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
