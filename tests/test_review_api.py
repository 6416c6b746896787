"""``scodub review --serve`` against hostile requests: every refusal is an HTTP answer
(no traceback, no dropped connection), a refused save writes nothing, and the server
keeps serving. No browser: the requests are sent as raw HTTP."""

from __future__ import annotations

import http.client
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from conftest import SAMPLE, serve_review
from scodub.data import Cue, Track
from scodub.text.srt import write_srt

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
     "expected {film, lang, cells}"),
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
