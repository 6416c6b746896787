"""A scripted OpenAI-compatible server on 127.0.0.1 for the client's fault cases.

Real HTTP (``http.server``), so the client's sockets, timeouts and retries run for real;
what each request gets back is decided by a Python function the test supplies. The
default answer "translates" every cue of the window as ``<lang> text`` with the
placeholders kept, the way a well-behaved model answers the prompt.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODEL = "fake-model"


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict -> JSON, bytes -> as is, None -> the default translation
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    drop: bool = False  # close the connection without an answer
    trickle_s: float = 0.0  # send the body one byte every trickle_s seconds
    cut: bool = False  # announce the whole body, send half of it, close the connection
    endless: bool = False  # no Content-Length: the body repeated until the client leaves


@dataclass
class Seen:
    path: str
    payload: dict[str, Any]
    authorization: str


def window_cues(payload: dict[str, Any]) -> dict[str, str]:
    """The numbered cues of a request (the JSON object on the prompt's last line)."""
    user = payload["messages"][-1]["content"]
    return dict(json.loads(user.strip().splitlines()[-1]))


def target_name(payload: dict[str, Any]) -> str:
    found = re.search(r"into (\w+)", payload["messages"][0]["content"])
    return found.group(1) if found else "?"


#: A word in each target's script: a translation must be written in it (llm_prompt).
SCRIPT_WORDS = {"ru": "да", "ch": "是", "pe": "بله", "hi": "हाँ", "ur": "جی", "ka": "иә",
                "ky": "ооба", "ta": "ҳа", "be": "так"}  # fmt: skip


#: Where each target's letters start: the fake writes a cue's Latin letters there, one for
#: one, so that its "translation" is in the target's script as a real one is.
SCRIPT_START = {"ru": 0x430, "ch": 0x4E00, "pe": 0x628, "hi": 0x915, "ur": 0x628, "ka": 0x430,
                "ky": 0x430, "ta": 0x430, "be": 0x430}  # fmt: skip


def in_script(text: str, tag: str) -> str:
    """``text``'s ASCII letters moved into the script of target ``tag`` (placeholders,
    digits and punctuation kept): "Hello [[1]]." -> "зейлл [[1]]." for Russian."""
    start = SCRIPT_START.get(tag)
    if start is None:
        return text
    return "".join(
        chr(start + ord(c.lower()) - ord("a")) if c.isascii() and c.isalpha() else c
        for c in text
    )


def translation(payload: dict[str, Any], cues: dict[str, str] | None = None) -> dict[str, str]:
    """The fake model's translation: the cue tagged with its target, a word in the
    target's script, and its letters in that script (``<ru> да зейлл [[1]].``)."""
    cues = window_cues(payload) if cues is None else cues
    tag = target_name(payload)[:2].lower()
    word = SCRIPT_WORDS.get(tag)
    return {
        k: f"<{tag}> {word} {in_script(v, tag)}" if word else f"<{tag}> {v}"
        for k, v in cues.items()
    }


def completion(
    content: str, prompt_tokens: int = 50, completion_tokens: int = 20
) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": content},
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


Responder = Callable[[Seen], Reply]


def well_behaved(seen: Seen) -> Reply:
    return Reply(body=completion(json.dumps(translation(seen.payload), ensure_ascii=False)))


class ScriptedServer:
    """``with ScriptedServer(respond) as server:`` ... ``server.url``, ``server.seen``."""

    def __init__(
        self,
        respond: Responder = well_behaved,
        *,
        models: tuple[str, ...] = (MODEL,),
        api_key: str | None = None,
        on_get: Responder | None = None,
    ) -> None:
        self.respond = respond
        self.on_get = on_get  # answers GETs instead of the model list
        self.models = models
        self.api_key = api_key
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                if not outer._authorized(self):
                    return
                seen = Seen(self.path, {}, self.headers.get("Authorization", ""))
                with outer._lock:
                    outer.seen.append(seen)
                if outer.on_get is not None:
                    self._send(outer.on_get(seen))
                elif self.path.endswith("/models"):
                    self._send(
                        Reply(
                            body={
                                "object": "list",
                                "data": [{"id": m, "object": "model"} for m in outer.models],
                            }
                        )
                    )
                else:
                    self._send(Reply(status=404, body={"error": "not found"}))

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                payload = json.loads(self.rfile.read(length) or b"{}")
                if not outer._authorized(self):
                    return
                seen = Seen(self.path, payload, self.headers.get("Authorization", ""))
                with outer._lock:
                    outer.seen.append(seen)
                if not self.path.endswith("/chat/completions"):
                    self._send(Reply(status=404, body={"error": "not found"}))
                    return
                self._send(outer.respond(seen))

            def _send(self, reply: Reply) -> None:
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                if reply.drop:
                    self.close_connection = True
                    return
                body = reply.body
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                if reply.endless:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                elif "Content-Length" not in reply.headers:  # else the reply's own
                    self.send_header("Content-Length", str(len(data)))
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                # The client may have given up already (a timeout test).
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    while reply.endless:
                        self.wfile.write(data or b" ")
                    if reply.cut:
                        self.wfile.write(data[: len(data) // 2])
                        self.wfile.flush()
                        self.close_connection = True
                        return
                    if not reply.trickle_s:
                        self.wfile.write(data)
                    for byte in data if reply.trickle_s else b"":
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(reply.trickle_s)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _authorized(self, handler: BaseHTTPRequestHandler) -> bool:
        if self.api_key is None:
            return True
        given = handler.headers.get("Authorization", "")
        if given == f"Bearer {self.api_key}":
            return True
        # Like some real servers, echo what was sent: the client must scrub it.
        data = json.dumps({"error": {"message": f"Incorrect API key provided: {given}"}})
        encoded = data.encode()
        handler.send_response(401)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(encoded)))
        handler.end_headers()
        handler.wfile.write(encoded)
        return False

    def chats(self) -> list[Seen]:
        return [s for s in self.seen if s.path.endswith("/chat/completions")]

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
