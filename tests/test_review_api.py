"""``scodub review --serve`` against hostile requests: every refusal is an HTTP answer
(no traceback, no dropped connection), a refused save writes nothing, and the server
keeps serving. No browser: the requests are sent as raw HTTP."""

from __future__ import annotations

import http.client
import json
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from conftest import SAMPLE, serve_review
from scodub.data import Cue, Track
from scodub.text.srt import read_srt, write_srt

GOOD = [[0, 1500, "Hello there."], [2000, 3500, "How are you?"]]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[Path, str, subprocess.Popen[str]]]:
    """A finished run of two tracks (report and SRTs), served."""
    folder = tmp_path / "run"
    folder.mkdir()
    report = {"film": str(SAMPLE), "stages": {"transcribe": {"language": "en"}}}
    (folder / "film.report.json").write_text(json.dumps(report), encoding="utf-8")
    cues = (Cue(0, 1500, ("Hello there.",)), Cue(2000, 3500, ("How are you?",)))
    write_srt(Track("en", cues), folder / "film.en.srt")
    write_srt(Track("ru", tuple(Cue(c.start_ms, c.end_ms, ("Привет.",)) for c in cues)),
              folder / "film.ru.srt")  # fmt: skip
    with serve_review(folder) as (url, process):
        yield folder, url, process


def _post(url: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=20)
    try:
        connection.putrequest("POST", parts.path + "api/save", skip_accept_encoding=True)
        sent = {"Content-Type": "application/json", "Content-Length": str(len(body))}
        for name, value in (sent | (headers or {})).items():
            connection.putheader(name, value)
        connection.endheaders()
        connection.send(body)
        response = connection.getresponse()
        data = response.read()
        kind = response.getheader("Content-Type", "")
        return response.status, json.loads(data) if kind.startswith("application/json") else data
    finally:
        connection.close()


def _save(url: str, cells: Any, lang: str = "en") -> tuple[int, Any]:
    return _post(url, json.dumps({"film": "", "lang": lang, "cells": cells}).encode())


HOSTILE: list[tuple[str, bytes, dict[str, str], int, str]] = [
    ("cells not a list", b'{"film": "", "lang": "en", "cells": 5}', {}, 400, "list of cues"),
    ("cells null", b'{"film": "", "lang": "en", "cells": null}', {}, 400, "list of cues"),
    ("a lone surrogate", b'{"film": "", "lang": "en", "cells": [[0, 1000, "a\\ud800b"]]}', {},
     400, "U+D800"),
    ("a NUL", b'{"film": "", "lang": "en", "cells": [[0, 1000, "a\\u0000b"]]}', {}, 400,
     "U+0000"),
    ("times that are booleans", b'{"film": "", "lang": "en", "cells": [[false, true, "x"]]}',
     {}, 400, "whole ms"),
    ("only invisible text", b'{"film": "", "lang": "en", "cells": [[0, 1000, "\\ufeff "]]}', {},
     400, "no text"),
    ("nested 100,000 deep", b'{"cells": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", {}, 400,
     "expected {film, lang, cells"),
    ("rows out of order", b'{"film": "", "lang": "en", "cells": [[0, 900, "a"], [1000, 1900, "b"]],'
     b' "rows": [1, 0]}', {}, 400, "expected {film, lang, cells, rows"),
    ("a row past the page's", b'{"film": "", "lang": "en", "cells": [[0, 900, "a"]],'
     b' "rows": [99]}', {}, 400, "expected {film, lang, cells, rows"),
    ("a length that is no number", b"{}", {"Content-Length": "abc"}, 413, "bad length"),
    ("a type that only starts like JSON", b"{}", {"Content-Type": "application/jsonx"}, 415,
     "send JSON"),
]  # fmt: skip


@pytest.mark.parametrize("name,body,headers,status,error", HOSTILE, ids=[c[0] for c in HOSTILE])
def test_a_hostile_save_is_refused_and_writes_nothing(
    server: tuple[Path, str, subprocess.Popen[str]],
    name: str,
    body: bytes,
    headers: dict[str, str],
    status: int,
    error: str,
) -> None:
    folder, url, process = server
    code, answer = _save(url, GOOD)
    assert code == 200, answer
    edited = folder / "film.en.edited.srt"
    first = edited.read_bytes()
    code, answer = _post(url, body, headers)
    assert code == status and error in answer["error"], (code, answer)
    assert edited.read_bytes() == first and not list(folder.glob("*.~*~"))
    code, answer = _save(url, [[0, 1000, "Still here."]])  # the server still serves
    assert code == 200 and (folder / "film.en.edited.srt.~1~").read_bytes() == first
    process.terminate()
    _, log = process.communicate(timeout=10)
    assert "Traceback" not in log, log


def test_a_save_over_the_size_limit_or_into_a_removed_folder_writes_nothing(
    server: tuple[Path, str, subprocess.Popen[str]],
) -> None:
    folder, url, _ = server
    huge = [[n * 1000, n * 1000 + 900, "x" * 1000] for n in range(21_000)]  # 21 MB of text
    code, answer = _save(url, huge, "ru")
    assert code == 400 and "over the 20 MB limit of an SRT" in answer["error"], answer
    assert not (folder / "film.ru.edited.srt").exists()
    (folder / "film.report.json").unlink()  # the page cannot be rebuilt: the edit is saved
    code, answer = _save(url, GOOD, "ru")
    assert code == 200 and "the page could not be rebuilt" in answer["warning"], answer
    assert (folder / "film.ru.edited.srt").is_file()
    shutil.rmtree(folder)
    code, answer = _save(url, GOOD)
    assert code == 400 and "the run's folder is gone" in answer["error"], answer
    assert not folder.exists()


def _save_on(url: str, cells: Any, base: str | None, lang: str = "en") -> tuple[int, Any]:
    body = {"film": "", "lang": lang, "cells": cells, "base": base}
    return _post(url, json.dumps(body).encode())


def test_a_save_over_a_version_the_page_did_not_load_is_refused_once(
    server: tuple[Path, str, subprocess.Popen[str]],
) -> None:
    """Two tabs (or a tab and Subtitle Edit): the second save silently replaced the first.
    Each save names the version it was made from; another version on disk is a 409, and
    a save that names that version replaces it, the other kept as a backup."""
    folder, url, _ = server
    edited = folder / "film.en.edited.srt"
    code, first = _save_on(url, GOOD, "")  # tab A: the page had no edited file
    assert code == 200 and edited.is_file() and first["base"], first
    code, answer = _save_on(url, [[0, 1500, "Tab B."]], "")  # tab B: loaded before A saved
    assert code == 409 and "changed since this page loaded" in answer["error"], answer
    assert answer["current"] == first["base"]
    assert read_srt(edited, "en").cues[0].text == "Hello there."
    code, again = _save_on(url, [[0, 1500, "Tab B."]], answer["current"])  # knowingly
    assert code == 200 and read_srt(edited, "en").cues[0].text == "Tab B."
    assert read_srt(folder / "film.en.edited.srt.~1~", "en").cues[0].text == "Hello there."
    edited.write_text("1\n00:00:00,000 --> 00:00:01,000\nBy hand.\n", encoding="utf-8")
    code, answer = _save_on(url, GOOD, again["base"])  # changed by another program
    assert code == 409 and read_srt(edited, "en").cues[0].text == "By hand."
    edited.unlink()
    code, answer = _save_on(url, GOOD, answer["current"])
    assert code == 409 and "was deleted since" in answer["error"] and answer["current"] == ""
    assert not edited.exists()


def test_a_save_that_cannot_be_written_is_an_answer_not_a_dropped_connection(
    server: tuple[Path, str, subprocess.Popen[str]],
) -> None:
    """A time past 99:59:59,999 and a folder where the file goes were uncaught errors: the
    connection dropped and the page said "Failed to fetch"."""
    folder, url, process = server
    code, answer = _save(url, [[0, 360_000_000, "A hundred hours."]])
    assert code == 400 and "past 99:59:59,999" in answer["error"], answer
    (folder / "film.ru.edited.srt").mkdir()
    code, answer = _save(url, GOOD, "ru")
    assert code == 400 and "cannot be written" in answer["error"], answer
    code, answer = _save(url, GOOD)
    assert code == 200, answer
    process.terminate()
    _, log = process.communicate(timeout=10)
    assert "Traceback" not in log, log


def test_origin_hosts_and_a_track_that_cannot_be_read(
    server: tuple[Path, str, subprocess.Popen[str]],
) -> None:
    folder, url, _ = server
    parts = urlsplit(url)
    body = json.dumps({"film": "", "lang": "en", "cells": GOOD}).encode()
    code, _ = _post(url, body, {"Origin": "http://evil.example"})
    assert code == 403 and not (folder / "film.en.edited.srt").exists()
    code, _ = _post(url, body, {"Origin": f"http://{parts.netloc}"})
    assert code == 200
    code, text = _get(url, {"Host": f"localhost:{parts.port}"})
    assert code == 403 and f"http://127.0.0.1:{parts.port}/" in text
    # A hand-made edit that is no SRT: the page says which file, not an empty response.
    (folder / "film.en.edited.srt").write_text("1\n00:00:00,000 -> 00:00:01,000\nx\n")
    code, text = _get(url + "index.html")
    assert code == 500 and "film.en.edited.srt" in text and "Fix or remove" in text
    (folder / "film.en.edited.srt").unlink()
    assert _get(url + "index.html")[0] == 200


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=20)
    try:
        connection.request("GET", parts.path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def _raw(url: str, request: bytes, *, close: bool = False) -> bytes:
    """``request`` sent as is on a socket; the answer (b"" when ``close`` drops the
    connection before reading it: the server's answer then has nowhere to go)."""
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    with socket.create_connection((parts.hostname, parts.port), timeout=20) as sock:
        sock.sendall(request)
        if close:
            return b""
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer


def test_hostile_paths_ranges_and_bodies_cut_short_are_answers_not_tracebacks(
    server: tuple[Path, str, subprocess.Popen[str]],
) -> None:
    """A path segment over 255 bytes (ENAMETOOLONG from stat), a Range of 5000 digits
    (int() refuses over 4300) and a POST whose body stops before its Content-Length were
    uncaught errors: a traceback on the editor's terminal and a dropped connection; the
    body cut short was even saved when what came was JSON."""
    folder, url, process = server
    parts = urlsplit(url)
    head = f"Host: {parts.netloc}\r\nConnection: close\r\n"
    for path in ("a" * 300, "tracks/" + "b" * 5000, "%2e%2e/" * 3 + "c" * 400):
        answer = _raw(url, f"GET {parts.path}{path} HTTP/1.1\r\n{head}\r\n".encode())
        assert answer.startswith(b"HTTP/1.1 404"), answer[:80]
    huge = "9" * 5000
    for spec in (f"bytes={huge}-", f"bytes=0-{huge}", f"bytes=-{huge}"):
        request = f"GET {parts.path}index.html HTTP/1.1\r\n{head}Range: {spec}\r\n\r\n"
        answer = _raw(url, request.encode())
        assert answer.startswith((b"HTTP/1.1 200", b"HTTP/1.1 416")), answer[:80]
    body = json.dumps({"film": "", "lang": "en", "cells": GOOD}).encode()
    post = (
        f"POST {parts.path}api/save HTTP/1.1\r\n{head}Content-Type: application/json\r\n"
        f"Content-Length: {len(body) + 100}\r\n\r\n"
    ).encode()
    answer = _raw(url, post + body)
    assert answer.startswith(b"HTTP/1.1 400") and b"cut short" in answer, answer
    _raw(url, post + body, close=True)  # gone before the answer
    short = json.dumps({"film": "", "lang": "en", "cells": []}).encode()
    _raw(url, post + short, close=True)
    assert not (folder / "film.en.edited.srt").exists()
    code, answer = _save(url, GOOD)  # the server still serves
    assert code == 200, answer
    process.terminate()
    _, log = process.communicate(timeout=10)
    assert "Traceback" not in log, log


def test_a_stalled_connection_is_closed_and_its_thread_freed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client that promises a body and stalls, or opens a connection and says nothing,
    held a server thread for as long as it stayed: past the idle timeout it is closed
    (the save answered 400, nothing written)."""
    import threading
    import time

    from scodub.review import serve

    timeout = serve._Handler.timeout  # socketserver's default is None: no limit
    assert timeout is not None and 0 < timeout <= 600
    monkeypatch.setattr(serve._Handler, "timeout", 0.5)  # the same, quicker
    server = serve.ReviewServer(tmp_path, [], lambda page: page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        host = f"{serve.HOST}:{server.port}"
        post = (
            f"POST /{server.token}/api/save HTTP/1.1\r\nHost: {host}\r\n"
            "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"film\""
        ).encode()
        for request in (post, b""):
            with socket.create_connection((serve.HOST, server.port), timeout=20) as sock:
                sock.sendall(request)
                started, answer = time.monotonic(), b""
                while chunk := sock.recv(65536):  # until the server closes it
                    answer += chunk
                assert time.monotonic() - started < 10
                assert answer.startswith(b"HTTP/1.1 400") if request else answer == b""
        assert not list(tmp_path.iterdir())
        # a film sent to a paused player waits for it, past the idle timeout
        film = tmp_path / "film.mp4"
        film.write_bytes(bytes(32 * 1024 * 1024))  # more than the sockets' buffers hold
        get = f"GET /{server.token}/film.mp4 HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
        with socket.create_connection((serve.HOST, server.port), timeout=20) as sock:
            sock.sendall(get)
            time.sleep(1.5)  # paused
            answer = b""
            while len(answer) < film.stat().st_size and (chunk := sock.recv(1 << 20)):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 200") and len(answer) > film.stat().st_size
    finally:
        server.shutdown()
        server.server_close()



def _dub_json(folder: Path, mix: Path, fitted: bool) -> None:
    mix.parent.mkdir(parents=True, exist_ok=True)
    mix.write_bytes(b"fLaC" + mix.name.encode())
    line = {"index": 1, "text": "Hello there.", "start_ms": 0, "duration_ms": 900,
            "engine_rate": 1.0, "stretch": 1.0, "fitted": fitted, "overflow_ms": 0}  # fmt: skip
    entry = {"voice": {"route": "espeak"}, "mix": str(mix), "lines": [line]}
    (folder / "film.dub.json").write_text(json.dumps({"languages": {"en": entry}}))


def test_a_page_reloaded_after_a_re_dub_plays_the_new_dub(tmp_path: Path) -> None:
    """Edits saved, ``scodub dub`` run again over them, the served page reloaded: it
    played the earlier mix and showed the earlier dub's line facts (only a change of the
    SRT files rebuilt a page); it now plays and shows the new dub."""
    folder = tmp_path / "run"
    folder.mkdir()
    report = {"film": str(SAMPLE), "stages": {"transcribe": {"language": "en"}}}
    (folder / "film.report.json").write_text(json.dumps(report), encoding="utf-8")
    write_srt(Track("en", (Cue(0, 1500, ("Hello there.",)),)), folder / "film.en.srt")
    _dub_json(folder, folder / ".scodub" / "dub" / "first.flac", fitted=False)
    link = folder / "review" / "media" / "film.en.dub.flac"
    with serve_review(folder) as (url, _):
        assert _get(url)[0] == 200
        assert link.resolve().name == "first.flac"
        assert '"lines":{"0":[1.0,false' in _get(url + "data.js")[1]
        _dub_json(folder, folder / ".scodub" / "dub" / "second.flac", fitted=True)
        assert _get(url)[0] == 200  # the editor reloads the page
        assert link.resolve().name == "second.flac"
        assert '"lines":{"0":[1.0,true' in _get(url + "data.js")[1]


def _page_data(url: str) -> Any:
    status, text = _get(url + "data.js")
    assert status == 200
    return json.loads(text.removeprefix("window.SCODUB_REVIEW = ").rstrip().removesuffix(";"))


def test_a_save_over_a_translation_re_made_since_the_page_loaded_is_refused_once(
    server: tuple[Path, str, subprocess.Popen[str]],
) -> None:
    """The page loaded, then ``scodub translate`` of the edited source wrote a new
    Russian track (cues merged, split, added), then an edit to a Russian cell in that
    page was saved: the edited file, the old translation with one change, silently
    shadowed the new one on the page and in the dub. The save now says so (409) and
    writes nothing; a second save, knowing, writes it."""
    folder, url, _ = server
    (ru,) = [c for c in _page_data(url)["columns"] if c["code"] == "ru"]
    assert ru["machine_base"]
    write_srt(Track("ru", (Cue(0, 3500, ("Привет, как дела?",)),)), folder / "film.ru.srt")
    cells = [[0, 1500, "Здравствуйте."], [2000, 3500, "Привет."]]
    body = {"film": "", "lang": "ru", "cells": cells, "base": ru["base"],
            "machine": ru["machine_base"]}  # fmt: skip
    code, answer = _post(url, json.dumps(body).encode())
    assert code == 409 and "film.ru.srt" in answer["error"], answer
    assert "Reload the page" in answer["error"] and not (folder / "film.ru.edited.srt").exists()
    code, answer = _post(url, json.dumps(body | {"machine": answer["machine"]}).encode())
    assert code == 200 and (folder / "film.ru.edited.srt").is_file(), answer
