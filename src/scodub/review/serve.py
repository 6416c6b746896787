"""``scodub review --serve``: the review page on 127.0.0.1, with saving.

The server listens on 127.0.0.1 only, on a free port the system picks, and answers only
requests whose path starts with a random token (``http://127.0.0.1:PORT/TOKEN/``) and
whose Host header names that address (so another site cannot reach it through a DNS
name that points at 127.0.0.1). It serves the files of ``OUT/review/`` and nothing else
(no listing, no path outside the folder), with byte ranges so the film can seek, and
one action: ``POST TOKEN/api/save`` writes ``<film>.<lang>.edited.srt`` (``review.edits``)
and rebuilds that film's page data, so that a reload shows the saved text.
"""

from __future__ import annotations

import hmac
import html
import itertools
import json
import mimetypes
import posixpath
import re
import secrets
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import unquote, urlsplit

from scodub.errors import ScodubError
from scodub.review.edits import EditConflict, save_edited
from scodub.review.page import FilmPage
from scodub.review.pagedata import film_layout, row_issues
from scodub.review.rules import cell_issues

HOST = "127.0.0.1"
MAX_BODY = 64 << 20  # a 2-hour film's eleven tracks are ~2 MB; anything bigger is wrong
_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".vtt": "text/vtt; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".flac": "audio/flac",
    ".m4a": "audio/mp4",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".mov": "video/quicktime",
}
_CHUNK = 1 << 20
# At most 18 digits a side (an exabyte): a longer number is no range of these files, and
# int() of one over 4300 digits raises; a Range that does not match is ignored (RFC 9110).
_RANGE = re.compile(r"^bytes=([0-9]{0,18})-([0-9]{0,18})$")
# What the page may load: its own files only (styles: the rows are placed by style).
_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "media-src 'self' blob:; connect-src 'self'; img-src 'self' data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)

Rebuild = Callable[[FilmPage], FilmPage]
#: See ``_Handler.timeout``.
IDLE_TIMEOUT_S = 120.0


class ReviewServer(ThreadingHTTPServer):
    """Serves one review folder under a token; ``url`` is what the editor opens."""

    daemon_threads = True
    request_queue_size = 128  # a page saves every edited language at once

    def __init__(self, review_dir: Path, pages: list[FilmPage], rebuild: Rebuild) -> None:
        super().__init__((HOST, 0), _Handler)
        self.review_dir = Path(review_dir).resolve()
        self.pages = {page.key: page for page in pages}
        self.rebuild = rebuild
        self.token = secrets.token_urlsafe(24)
        self.lock = threading.Lock()  # one save at a time: backups are numbered

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/{self.token}/"


class _Handler(BaseHTTPRequestHandler):
    server: ReviewServer
    protocol_version = "HTTP/1.1"
    #: Seconds a connection may stall while the server reads from it (a request or a body
    #: promised and not sent, a keep-alive left idle): then it is closed, and its thread
    #: ends. Not while a file is sent (``_send_file``).
    timeout = IDLE_TIMEOUT_S

    def log_message(self, format: str, *args: Any) -> None:
        return  # the editor's terminal shows the URL, not every request

    # -- checks ---------------------------------------------------------------------
    def _relative(self) -> str | None:
        """The path after the token, or None (answered 403) when the request is not
        for this server: wrong Host, missing or wrong token, or a POST from another
        origin."""
        host = self.headers.get("Host", "")
        if host != f"{HOST}:{self.server.port}":
            return None
        origin = self.headers.get("Origin")
        if self.command == "POST" and origin is not None and origin != f"http://{host}":
            return None
        path = unquote(urlsplit(self.path).path)
        _, token, rest = [*path.split("/", 2), "", ""][:3]
        if not hmac.compare_digest(token.encode(), self.server.token.encode()):
            return None
        return rest

    def _send(self, status: HTTPStatus, body: bytes, ctype: str, extra: dict[str, str]) -> None:
        try:
            self._head(status, len(body), ctype, extra)
            if self.command != "HEAD":
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client is gone: nobody to tell
            self.close_connection = True

    def _send_file(
        self, status: HTTPStatus, fh: BinaryIO, length: int, ctype: str, extra: dict[str, str]
    ) -> None:
        """``length`` bytes of ``fh`` from where it stands, a chunk at a time (a film is
        never read into memory whole). Without the idle ``timeout``: a paused player
        stops reading the film for as long as the editor likes."""
        self._head(status, length, ctype, extra)
        self.connection.settimeout(None)
        try:
            while self.command != "HEAD" and length > 0:
                chunk = fh.read(min(length, _CHUNK))
                if not chunk:
                    break
                try:
                    self.wfile.write(chunk)
                except (BrokenPipeError, ConnectionResetError):  # the player seeked away
                    self.close_connection = True
                    return
                length -= len(chunk)
        finally:
            self.connection.settimeout(self.timeout)

    def _head(self, status: HTTPStatus, length: int, ctype: str, extra: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(length))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", _CSP)
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()

    def _json(self, status: HTTPStatus, obj: Any) -> None:
        body = json.dumps(obj, ensure_ascii=False).encode("utf-8")
        self._send(status, body, "application/json; charset=utf-8", {})

    def _refuse(self, status: HTTPStatus = HTTPStatus.FORBIDDEN) -> None:
        text = status.phrase
        if status is HTTPStatus.FORBIDDEN and self.headers.get("Host", "").startswith(
            ("localhost:", "[::1]:")
        ):  # the editor typed another name for this machine: say which one works
            text += f": open the address scodub review printed (http://{HOST}:{self.server.port}/...)"
        self._send(status, text.encode(), "text/plain; charset=utf-8", {})

    # -- GET: files of the review folder ---------------------------------------------
    def _file(self, rest: str) -> Path | None:
        clean = posixpath.normpath("/" + (rest or "index.html")).lstrip("/")
        if clean.endswith("/") or not clean or any(p.startswith(".") for p in clean.split("/")):
            return None
        path = self.server.review_dir / clean
        try:
            if path.is_dir():
                path = path / "index.html"
            return path if path.is_file() else None
        except OSError:  # a name over 255 bytes (ENAMETOOLONG), a folder not to be read
            return None

    def do_GET(self) -> None:
        rest = self._relative()
        if rest is None:
            return self._refuse()
        path = self._file(rest)
        if path is None:
            return self._refuse(HTTPStatus.NOT_FOUND)
        if path.name == "index.html":
            try:
                self._refresh(path)
            except ScodubError as exc:  # a track beside the run that cannot be read
                return self._problem_page(str(exc))
        ctype = _TYPES.get(path.suffix.lower()) or (
            mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        )
        size = path.stat().st_size
        match = _RANGE.match(self.headers.get("Range", "").strip())
        with open(path, "rb") as fh:
            if match and (match[1] or match[2]):
                start, end = _byte_range(match[1], match[2], size)
                if start >= size or start > end:
                    self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
                    self.send_header("Content-Range", f"bytes */{size}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                fh.seek(start)
                extra = {"Content-Range": f"bytes {start}-{end}/{size}", "Accept-Ranges": "bytes"}
                length = end - start + 1
                return self._send_file(HTTPStatus.PARTIAL_CONTENT, fh, length, ctype, extra)
            return self._send_file(HTTPStatus.OK, fh, size, ctype, {"Accept-Ranges": "bytes"})

    do_HEAD = do_GET

    def _refresh(self, index: Path) -> None:
        """A film page opened (or reloaded) after its tracks changed on disk, by a
        ``scodub translate`` of an edited source for one, is built again first."""
        for key, page in list(self.server.pages.items()):
            if page.index.resolve() == index.resolve() and page.run.changed():
                with self.server.lock:
                    self.server.pages[key] = self.server.rebuild(page)

    def _problem_page(self, problem: str) -> None:
        body = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            "<title>scodub review: cannot show this film</title></head><body>"
            f"<h1>This film's page cannot be rebuilt</h1><p>{html.escape(problem)}</p>"
            "<p>Fix or remove that file, then reload this page. Nothing was lost.</p>"
            "</body></html>"
        )
        self._send(
            HTTPStatus.INTERNAL_SERVER_ERROR, body.encode(), "text/html; charset=utf-8", {}
        )

    # -- POST api/save -------------------------------------------------------------------
    def do_POST(self) -> None:
        rest = self._relative()
        if rest is None:
            return self._refuse()
        if rest != "api/save":
            return self._refuse(HTTPStatus.NOT_FOUND)
        if self.headers.get_content_type() != "application/json":
            self.close_connection = True  # the body is not read
            return self._json(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, {"error": "send JSON"})
        length = _length(self.headers.get("Content-Length"))
        if not 0 < length <= MAX_BODY:
            self.close_connection = True
            return self._json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "bad length"})
        try:
            body = self.rfile.read(length)
        except OSError:  # the connection was reset mid-body, or stalled (``timeout``)
            body = b""
        if len(body) < length:  # the client stopped sending: a part of a save is no save
            self.close_connection = True
            return self._json(HTTPStatus.BAD_REQUEST, {"error": "the body was cut short"})
        try:
            request = json.loads(body)
            page = self.server.pages[str(request["film"])]
            lang, cells = str(request["lang"]), request["cells"]
            base, machine = request.get("base"), request.get("machine")
            if not all(v is None or isinstance(v, str) for v in (base, machine)):
                raise TypeError(base)
            rows = _rows(request.get("rows"), cells, page.rows)
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
            return self._json(
                HTTPStatus.BAD_REQUEST, {"error": "expected {film, lang, cells, rows, base}"}
            )
        if lang not in page.languages:
            return self._json(HTTPStatus.BAD_REQUEST, {"error": f"no {lang} track here"})
        answer: dict[str, Any] = {}
        with self.server.lock:
            try:  # every check is made before the file is written: a refusal writes nothing
                path, track, digest = save_edited(
                    page.run.folder, page.run.stem, lang, cells, base, machine
                )
            except EditConflict as exc:
                told = {"error": str(exc), "current": exc.current}
                if exc.machine is not None:
                    told["machine"] = exc.machine
                return self._json(HTTPStatus.CONFLICT, told)
            except ScodubError as exc:
                return self._json(HTTPStatus.BAD_REQUEST, {"error": str(exc)})
            try:
                page = self.server.pages[page.key] = self.server.rebuild(page)
            except ScodubError as exc:  # saved all the same: the page is what is stale
                answer["warning"] = f"saved; the page could not be rebuilt: {exc}"
        run = page.run
        layout = film_layout(run)
        if rows is None or len(rows) != len(track.cues):  # as the page shows it reloaded
            rows = layout.placement.get(lang) or list(range(len(track.cues)))
        speakers = [layout.speakers[row] if row < layout.rows else [] for row in rows]
        issues = row_issues(cell_issues(track, run.fps, run.cuts, speakers, run.end_ms), rows)
        answer |= {"path": str(path), "issues": issues, "base": digest}
        return self._json(HTTPStatus.OK, answer)


def _rows(rows: Any, cells: Any, count: int) -> list[int] | None:
    """The page's row of each cell sent (cells of cues deleted on the page are not sent):
    whole numbers, increasing, within the page's rows; None when not given."""
    if rows is None:
        return None
    if not (isinstance(rows, list) and isinstance(cells, list) and len(rows) == len(cells)):
        raise ValueError(rows)
    if not all(type(row) is int and 0 <= row < count for row in rows):
        raise ValueError(rows)
    if any(a >= b for a, b in itertools.pairwise(rows)):
        raise ValueError(rows)
    return rows


def _length(value: str | None) -> int:
    """A Content-Length header as a number (-1 when it is not one)."""
    text = (value or "0").strip()
    return int(text) if text.isascii() and text.isdigit() else -1


def _byte_range(first: str, last: str, size: int) -> tuple[int, int]:
    if not first:  # "bytes=-N": the last N bytes
        return max(0, size - int(last)), size - 1
    return int(first), min(int(last), size - 1) if last else size - 1
