"""A small client for OpenAI-compatible chat-completion servers (vLLM, llama.cpp, Ollama,
hosted APIs), with the manners a batch job owes a shared server.

- The base URL is ``--mt-url``, else ``$SCODUB_MT_URL``, else ``$OPENAI_BASE_URL``; the key
  is ``$SCODUB_MT_API_KEY``, else ``$OPENAI_API_KEY``. The key lives only in this object's
  request headers: it is never part of a message, a report, a cache key or ``repr``, and
  anything a server sends back is scrubbed of it before it reaches an error message (some
  servers echo the key they refused).
- At most ``concurrency`` requests are in flight at once, whatever the number of threads.
- 429 and 5xx answers, timeouts and dropped connections are retried with exponential
  backoff (``Retry-After`` is honoured, capped); other 4xx answers are final. The
  timeout bounds a whole request, not each read: a server that trickles its answer byte by
  byte times out too. An answer over ``MAX_ANSWER_BYTES`` is refused; an error page is
  read only to its first 64 kB. A success that is no chat completion (a proxy's login
  page, an error object, no choices) is retried as a 5xx is, and its start shown.
- Structured output: the OpenAI ``json_schema`` response format first, then the
  ``json_object`` form with a ``schema`` (llama-cpp-python's server), then plain text; a
  server that rejects one form (HTTP 400/422) is asked with the next, and remembered.
- A redirect is not followed (urllib would take the key along to any host, and turn a
  POST into a GET): it is an error that names where it points.
- ``check`` is the preflight: one GET of ``/models`` proves the server answers, accepts
  the key and serves the model, so a wrong URL or model name fails in a second with one
  line, before any transcription.

Plain ``urllib``: the calls are a few JSON POSTs, no new dependency is worth that.
"""

from __future__ import annotations

import http.client
import json
import math
import os
import random
import re
import threading
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from scodub.errors import ConfigError, ModelError

URL_ENV = ("SCODUB_MT_URL", "OPENAI_BASE_URL")
KEY_ENV = ("SCODUB_MT_API_KEY", "OPENAI_API_KEY")
#: Response formats, most precise first (see the module docstring).
FORMATS = ("json_schema", "json_object", "text")
_RETRY_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
_MAX_RETRY_AFTER_S = 30.0
#: The longest a request may take (a day: beyond it, the socket layer overflows).
MAX_TIMEOUT_S = 86400.0
#: An answer body beyond this is refused (a window of cues is a few kB of JSON).
MAX_ANSWER_BYTES = 16 << 20
_PIECE = 64 << 10


@dataclass(frozen=True, slots=True)
class ChatAnswer:
    content: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str


def resolve_base_url(url: str | None) -> str:
    """The server's base URL (``.../v1``): the option, else the environment."""
    named = next((n for n in URL_ENV if os.environ.get(n)), None) if not url else None
    text = url or (os.environ[named] if named else "")
    where = f"${named}" if named else "--mt-url"
    if not text:
        raise ConfigError(
            "an openai: translation model needs a server: pass --mt-url URL (such as "
            "http://127.0.0.1:8080/v1) or set SCODUB_MT_URL or OPENAI_BASE_URL"
        )
    try:
        parts = urllib.parse.urlsplit(text.strip())
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
        valid = valid and (parts.port or 0) >= 0  # reading the port checks it
    except ValueError:  # "http://[::1", "http://host:port"
        valid = False
    shown = text.strip().rsplit("@", 1)[-1]  # never a password in a message
    if not valid:
        raise ConfigError(f"{where} {shown!r}: expected an http:// or https:// URL")
    host = parts.hostname or ""
    try:
        host.encode("idna")  # what the resolver does with it
    except UnicodeError:
        raise ConfigError(
            f"{where} {shown!r}: the host name {host!r} is not valid (a part of it is empty "
            "or over 63 characters)"
        ) from None
    if parts.username is not None:  # urllib would take "user:pw@host" for the host name
        raise ConfigError(
            f"{where} {shown!r}: a user or password in the URL is not sent; give the API key "
            "in $SCODUB_MT_API_KEY (or $OPENAI_API_KEY)"
        )
    if parts.query or parts.fragment:  # never sent: say so (it may hold a secret: not shown)
        raise ConfigError(
            f"{where}: a query (?...) or fragment (#...) is not sent to the server; give the "
            "API key in $SCODUB_MT_API_KEY and the URL up to /v1 only"
        )
    path = parts.path.rstrip("/") or "/v1"  # a bare host means the usual /v1 root
    path = urllib.parse.quote(path, safe="/%:@!$&'()*+,;=-._~")  # "my path" -> my%20path
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def public_url(url: str) -> str:
    """``url`` without user:password, for messages and reports."""
    parts = urllib.parse.urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def api_key_from_env() -> str | None:
    """The API key of the environment, without the spaces or line end a key file gives
    it; a ConfigError (which never shows the key) for a character no HTTP header carries."""
    named = next((n for n in KEY_ENV if os.environ.get(n, "").strip()), None)
    if named is None:
        return None
    key = os.environ[named].strip()
    bad = next((k for k, c in enumerate(key) if not " " < c <= "~"), None)
    if bad is not None:
        raise ConfigError(
            f"${named}: character {bad + 1} of the API key is not printable ASCII, which an "
            "HTTP header cannot carry; check the key"
        )
    return key


class ServerError(ModelError):
    """The server answered with an error that retrying does not cure."""

    def __init__(
        self, message: str, status: int | None = None, *, format_error: bool = False
    ) -> None:
        super().__init__(message)
        self.status = status
        self.format_error = format_error  # the answer names the response_format we sent


class ChatClient:
    """Chat completions against one model on one OpenAI-compatible server."""

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout_s: float = 120.0,
        retries: int = 4,
        backoff_s: float = 1.0,
        concurrency: int = 2,
    ) -> None:
        if concurrency < 1 or retries < 0 or not 0 < timeout_s <= MAX_TIMEOUT_S:
            raise ConfigError(
                "concurrency must be at least 1, retries at least 0, and the timeout above 0 "
                f"and at most {MAX_TIMEOUT_S:g} s"
            )
        self.base_url = base_url.rstrip("/")
        self.url = public_url(self.base_url)
        self.model = model
        self.timeout_s = timeout_s
        self.retries = retries
        self.backoff_s = backoff_s
        self._key = api_key
        self._slots = threading.BoundedSemaphore(concurrency)
        self._lock = threading.Lock()
        self._format = 0  # index into FORMATS: the most precise form the server took

    def __repr__(self) -> str:  # never the key
        return f"ChatClient({self.url!r}, {self.model!r})"

    # --- public -------------------------------------------------------------------------

    def check(self) -> None:
        """Preflight: the server answers, takes the key and serves ``model``."""
        try:
            status, body, headers = self._request(
                "GET", "/models", None, timeout=min(10.0, self.timeout_s)
            )
        except (OSError, http.client.HTTPException) as exc:
            raise ModelError(self._unreachable(exc)) from exc
        if status in (401, 403):
            raise ModelError(self._auth_message(status))
        if 300 <= status < 400:
            raise ModelError(self._redirect_message(status, "/models", headers))
        if status == 404:
            self._probe_chat()  # a server without /models: one token of chat instead
            return
        if status >= 400:
            raise ModelError(
                f"translation server {self.url}: /models answered HTTP {status}: "
                f"{self._scrub(body)[:160]}"
            )
        if (strange := _not_json(body)) is not None:  # a sign-in proxy's page, say
            raise ModelError(
                f"translation server {self.url}: /models answered HTTP {status} with no "
                f"model list: {self._scrub(strange)[:160]}"
            )
        served = _model_ids(body)
        if served and self.model not in served:
            raise ModelError(
                f"translation server {self.url} has no model {self.model!r}; it serves: "
                + self._scrub(", ".join(served[:10]))[:200]
            )

    def chat(
        self,
        messages: list[dict[str, str]],
        *,
        max_tokens: int,
        schema: dict[str, Any] | None = None,
        temperature: float = 0.0,
    ) -> ChatAnswer:
        """One chat completion; structured output per ``schema`` where the server can.

        A form the server refuses is replaced by the next for this request, and for the
        session once the next one was answered. A 400 that only mentions JSON or a schema
        (not the ``response_format`` we sent) may be about something else: the same form
        is asked once more before it is given up."""
        with self._lock:
            form = self._format if schema is not None else FORMATS.index("text")
        asked_again = False
        while True:
            payload: dict[str, Any] = {
                "model": self.model,
                "messages": messages,
                "max_tokens": max_tokens,
                "temperature": temperature,
                "seed": 0,
                "stream": False,
            }
            if FORMATS[form] == "json_schema" and schema is not None:
                payload["response_format"] = {
                    "type": "json_schema",
                    "json_schema": {"name": "subtitles", "schema": schema, "strict": True},
                }
            elif FORMATS[form] == "json_object" and schema is not None:
                payload["response_format"] = {"type": "json_object", "schema": schema}
            try:
                body = self._post_with_retries(payload)
            except ServerError as exc:
                if _format_refused(exc) and form < len(FORMATS) - 1 and schema is not None:
                    doubtful = exc.status == 400 and not exc.format_error
                    if doubtful and not asked_again:
                        asked_again = True  # a glitch, or that form? once more to tell
                        continue
                    form += 1  # this server does not take that form: the next one
                    continue
                raise
            if schema is not None:
                with self._lock:  # the form the server took: the session's from now on
                    self._format = max(self._format, form)
            return _answer(body)

    # --- internals ----------------------------------------------------------------------

    def _post_with_retries(self, payload: dict[str, Any]) -> bytes:
        attempt = 0
        while True:
            retry_after: float | None = None
            try:
                status, body, headers = self._post(payload)
                retry_after = _retry_after(headers)
                if status < 300 and (strange := _no_completion(body)) is None:
                    return body
                if status < 300:  # a proxy's page, an error object: the server's fault
                    problem = f"HTTP {status}: {strange}"
                    raise _Retry(problem)
                if status in (401, 403):
                    raise ServerError(self._auth_message(status), status)
                if status < 400:
                    message = self._redirect_message(status, "/chat/completions", headers)
                    raise ServerError(message, status)
                about_format = _about_format(payload, body)
                if status not in _RETRY_STATUS or about_format:
                    raise ServerError(
                        f"translation server {self.url}: HTTP {status}: {self._scrub(body)[:200]}",
                        status,
                        format_error=about_format,
                    )
                problem = f"HTTP {status}"
            except _Retry as retry:
                problem = self._scrub(str(retry))[:200]
            except (OSError, http.client.HTTPException) as exc:
                problem = self._scrub(str(getattr(exc, "reason", exc)) or type(exc).__name__)
            if attempt >= self.retries:
                raise ModelError(
                    f"translation server {self.url}: no answer after {attempt + 1} tries "
                    f"({problem})"
                )
            delay = self.backoff_s * 2**attempt * (1 + 0.25 * random.random())
            if retry_after is not None:
                delay = min(max(delay, retry_after), _MAX_RETRY_AFTER_S)
            time.sleep(delay)
            attempt += 1

    def _post(self, payload: dict[str, Any]) -> tuple[int, bytes, dict[str, str]]:
        with self._slots:
            return self._request("POST", "/chat/completions", payload, self.timeout_s)

    def _request(
        self, method: str, path: str, payload: dict[str, Any] | None, timeout: float
    ) -> tuple[int, bytes, dict[str, str]]:
        data = None if payload is None else json.dumps(payload, ensure_ascii=False).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self._key:
            request.add_header("Authorization", f"Bearer {self._key}")
        deadline = time.monotonic() + timeout  # for the whole request, however it trickles
        try:
            with _OPENER.open(request, timeout=timeout) as response:
                body = _read_within(response, deadline, timeout)
                return response.status, body, dict(response.headers.items())
        except urllib.error.HTTPError as exc:
            with exc:  # an error page: its start is enough for a message
                body = b"" if exc.fp is None else _read_within(exc, deadline, timeout, _PIECE)
            return exc.code, body, dict(exc.headers.items()) if exc.headers else {}

    def _probe_chat(self) -> None:
        try:
            self.chat([{"role": "user", "content": "ok"}], max_tokens=1)
        except ServerError as exc:
            if exc.status in (400, 404):
                raise ModelError(
                    f"translation server {self.url} refused model {self.model!r} "
                    f"(HTTP {exc.status}); check the model name and that the URL ends in /v1"
                ) from exc
            raise

    def _unreachable(self, exc: BaseException) -> str:
        reason = getattr(exc, "reason", exc)
        return (
            f"cannot reach the translation server at {self.url} "
            f"({self._scrub(str(reason))}); start it, or pass --mt-url / set SCODUB_MT_URL"
        )

    def _redirect_message(self, status: int, path: str, headers: dict[str, str]) -> str:
        location = next((v for k, v in headers.items() if k.lower() == "location"), "")
        where = public_url(urllib.parse.urljoin(self.base_url + path, location.strip()))
        return (
            f"translation server {self.url}: HTTP {status}: it redirects to "
            f"{self._scrub(where)[:200]}; pass that URL (up to /v1) as --mt-url if it is the "
            "server (a redirect is not followed: it would take the API key along)"
        )

    def _auth_message(self, status: int) -> str:
        state = "refused the API key" if self._key else "needs an API key"
        return (
            f"translation server {self.url} {state} (HTTP {status}); "
            "set SCODUB_MT_API_KEY or OPENAI_API_KEY"
        )

    def _scrub(self, text: str | bytes) -> str:
        """Server text fit for a message: decoded, one line, no control characters (a
        terminal takes them for commands), the key removed."""
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        text = " ".join(text.split())
        text = "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cf"))
        if self._key:
            # Servers echo the key, or part of it ("sk-ab...wxyz"), in any case: every run
            # of 6 of its characters goes (of a short key, the key itself).
            size = min(6, len(self._key))
            parts = {self._key[i : i + size] for i in range(len(self._key) - size + 1)}
            pattern = "|".join(re.escape(p) for p in sorted(parts, key=len, reverse=True))
            text = re.sub(f"(?:{pattern})+", "***", text, flags=re.IGNORECASE)
            if len(self._key) > 8:
                text = text.replace(self._key[-4:], "***")
        return text


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A 3xx answer comes back as it is (an ``HTTPError``), not followed."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _read_within(
    response: Any, deadline: float, timeout: float, first: int | None = None
) -> bytes:
    """The body of ``response``, read by pieces: a ``TimeoutError`` (retried as any
    timeout) past ``deadline``, and a ``ModelError`` past ``MAX_ANSWER_BYTES``; with
    ``first``, only the body's first bytes (an error page, which may never end)."""
    pieces: list[bytes] = []
    size = 0
    expected = response.headers.get("Content-Length") if response.headers else None
    while piece := response.read1(_PIECE):
        pieces.append(piece)
        size += len(piece)
        if first is not None and size >= first:
            return b"".join(pieces)[:first]
        if size > MAX_ANSWER_BYTES:
            raise ModelError(
                f"the translation server's answer is over {MAX_ANSWER_BYTES >> 20} MB; "
                "no subtitle window needs that"
            )
        if time.monotonic() > deadline:
            raise TimeoutError(f"the answer took over {timeout:g} s")
    if expected is not None and expected.strip().isdecimal() and size < int(expected):
        # the connection dropped mid-answer: read1 returns what came (retried as a drop)
        raise http.client.IncompleteRead(b"".join(pieces), int(expected) - size)
    return b"".join(pieces)


class _Retry(Exception):
    """An answer worth asking again for (its text: what was wrong)."""


def _no_completion(body: bytes) -> str | None:
    """What makes a successful answer's body no chat completion (a proxy's HTML page, an
    error object, no choices), shown as the body's start; None for a completion (whatever
    its message holds: a missing text is the model's, asked again as a bad answer)."""
    try:
        data = json.loads(body)
        choice = data["choices"][0]
        if isinstance(choice["message"], dict):
            return None
    except (ValueError, KeyError, IndexError, TypeError):
        pass
    return body.decode("utf-8", "replace")[:200] if body.strip() else "an empty body"


def _about_format(payload: dict[str, Any], body: bytes) -> bool:
    """An error answer that names the response format we sent: llama-cpp-python answers
    an unknown ``response_format`` type with HTTP 500 and a validation message, which no
    retry cures."""
    return "response_format" in payload and b"response_format" in body


def _format_refused(exc: ServerError) -> bool:
    """A 400/422 (or a 500 naming it) about the response format, not, say, a prompt over
    the context size."""
    text = str(exc).lower()
    if exc.status == 422 or exc.format_error:
        return True
    return exc.status == 400 and any(w in text for w in ("format", "schema", "json"))


def _retry_after(headers: dict[str, str]) -> float | None:
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _not_json(body: bytes) -> str | None:
    """The start of ``body`` when it is no JSON at all (else None)."""
    try:
        json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")[:200] if body.strip() else "an empty body"
    return None


def _model_ids(body: bytes) -> list[str]:
    try:
        data = json.loads(body)
    except ValueError:
        return []
    items = data.get("data") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return []
    return [str(m["id"]) for m in items if isinstance(m, dict) and "id" in m]


def _answer(body: bytes) -> ChatAnswer:
    """The first choice's text and the token counts of a chat-completion response; a
    body that is not one gives an empty answer (the caller re-asks, as for a bad text)."""
    try:
        data = json.loads(body)
        choice = data["choices"][0]
        content = choice["message"].get("content") or ""
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return ChatAnswer("", 0, 0, "malformed")
    usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
    return ChatAnswer(
        str(content),
        _count(usage.get("prompt_tokens")),
        _count(usage.get("completion_tokens")),
        str(choice.get("finish_reason") or "") if isinstance(choice, dict) else "",
    )


def _count(value: Any) -> int:
    """A token count as the server gave it; 0 when it is no finite whole number."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return 0
    return max(0, int(value))
