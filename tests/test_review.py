"""The editors' review page, in a real browser (Debian's Chromium, headless).

Two real runs of the sample: ``make sample``'s (English, dubbed with Piper) and one with
several languages (Russian, Chinese, Persian from the tiny copy model). Their pages load
offline from ``file://`` and over ``scodub review --serve``; the tests check what an
editor relies on: the film and every track load, QC flags match ``scodub qc``, RTL text
is laid out right to left, a click seeks the film, an edit is re-checked and saved or
exported, no console error, and no request leaves the page's own files.

Text is read with ``text_content()``, never ``inner_text()``: cells are
``content-visibility: auto``, and a row drawn again (after an edit) has an empty
``innerText`` until Chromium's next frame decides it is on screen, a race CI lost once.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT, SAMPLE, serve_review
from review_browser import open_page, screenshot, wait_media_loaded, wait_until
from scodub.data import Cue, Track
from scodub.review.rules import cell_issues
from scodub.text.qc import check_track
from scodub.text.srt import read_srt

pytestmark = pytest.mark.slow

TINY_NLLB = ROOT / "tests" / "data" / "tiny-nllb"
FESTIVAL = ROOT / "glossaries" / "sco-film-festival-2025.yaml"
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}


def scodub(*args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "scodub", *args], capture_output=True, text=True, env=ENV
    )
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``make sample``: English subtitles and the Piper dub of the sample film."""
    out = tmp_path_factory.mktemp("review") / "sample"
    scodub(
        "run",
        str(SAMPLE),
        "--glossary",
        str(FESTIVAL),
        "--dub",
        "--dub-langs",
        "en",
        "--force",
        "--out",
        str(out),
    )
    scodub("review", str(out), "--glossary", str(FESTIVAL))
    return out


@pytest.fixture(scope="module")
def multi_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four languages (the tiny model copies English: Persian gets English words in
    right-to-left lines, Chinese cannot meet its 16 columns and 9 chars/s)."""
    out = tmp_path_factory.mktemp("review") / "multi"
    scodub(
        "run",
        str(SAMPLE),
        "--lang",
        "en",
        "--langs",
        "ru,zh,fa",
        "--mt-model",
        str(TINY_NLLB),
        "--glossary",
        str(FESTIVAL),
        "--speakers",
        "2",
        "--out",
        str(out),
    )
    # An editor names a festival guest in cue 4 of the source; the Russian machine
    # output does not have the name: the page must show it missing there.
    source = read_srt(out / "sco-sample.en.srt", "en")
    cues = list(source.cues)
    cues[3] = Cue(cues[3].start_ms, cues[3].end_ms, ("And Zhang Yimou had then leisure",))
    from scodub.text.srt import write_srt

    write_srt(Track("en", tuple(cues)), out / "sco-sample.en.edited.srt")
    scodub("review", str(out), "--glossary", str(FESTIVAL))
    return out


def _url(folder: Path) -> tuple[str, str]:
    page = (folder / "review" / "index.html").as_uri()
    return page, page.rsplit("/", 1)[0] + "/"


def _cells(page: Any, lang: str) -> list[list[Any]]:
    cells: list[list[Any]] = page.evaluate(
        f"scodubReview.data.columns.find(c => c.code === '{lang}').cells"
    )
    return cells


def _wait_time(page: Any, seconds: float) -> None:
    wait_until(page, f"Math.abs(document.getElementById('video').currentTime - {seconds}) < 0.05")


def test_sample_page_offline_plays_seeks_and_exports(
    browser: Any, sample_run: Path, tmp_path: Path
) -> None:
    url, own = _url(sample_run)
    page, log = open_page(browser, url, own)
    wait_media_loaded(page)
    video = page.evaluate("[video.duration, video.videoWidth]")
    assert abs(video[0] - 27.9) < 0.5 and video[1] > 0
    cells = _cells(page, "en")
    assert page.evaluate("[...video.textTracks].map(t => t.cues.length)") == [len(cells)]
    # the dub plays on its own element, on the film's clock
    page.select_option("#audio", "en")
    wait_until(page, "document.getElementById('dub-audio').readyState >= 1")
    assert page.evaluate("video.muted")
    page.click(".row[data-row='2'] .num")
    _wait_time(page, cells[2][0] / 1000)
    wait_until(
        page,
        "Math.abs(document.getElementById('dub-audio').currentTime - video.currentTime) < 0.05",
    )
    assert page.locator(".row.current").get_attribute("data-row") == "2"
    assert page.locator(".cell[data-lang='en'][data-row='0'] .dub").text_content().startswith("dub")
    # the words Whisper was unsure of are shown on the source column
    stored = json.loads((sample_run / "sco-sample.transcript.json").read_text(encoding="utf-8"))
    words = [w for seg in stored["transcript"]["segments"] for w in seg["words"]]
    unsure = [w[0].strip() for w in words if w[3] < 0.5]
    # The sample may have none since names are checked against the audio (no "Zhang" for
    # "John" any more); test_review_data.py puts unsure words on their cues.
    wait_until(page, f"document.querySelectorAll('.asr .unsure').length === {len(unsure)}")
    shown = page.locator(".cell[data-lang='en'] .asr .unsure")
    assert [shown.nth(k).text_content().split(" (")[0] for k in range(shown.count())] == unsure
    # the waveform strip shows the whole short film: a click on its middle falls in a cue
    # box, which seeks to that cue's in-time and makes its row the current one
    middle = page.evaluate("scodubReview.data.film.duration_ms") / 2
    hit = next(k for k, (a, b, _) in enumerate(cells) if a <= middle < b)
    box = page.locator("#wave").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + 20)
    _wait_time(page, cells[hit][0] / 1000)
    assert page.locator(".row.current").get_attribute("data-row") == str(hit)
    screenshot(page, "sample.png")
    # an edit, re-checked as it is typed, then exported as a download
    page.dblclick(".cell[data-lang='en'][data-row='0'] .text")
    editor = page.locator(".cell[data-lang='en'][data-row='0'] textarea")
    long_line = "And so, my fellow Americans, all of you who listen tonight,"
    editor.fill(long_line)
    live = page.locator(".cell[data-lang='en'][data-row='0'] .live li")
    assert "every line at most 42 characters wide" in live.first.text_content()
    live_rules = [live.nth(k).get_attribute("data-rule") for k in range(live.count())]
    with page.expect_download() as download:
        page.click("#save")
    target = tmp_path / download.value.suggested_filename
    download.value.save_as(target)
    assert target.name == "sco-sample.en.edited.srt"
    exported = read_srt(target, "en")
    assert exported.cues[0].lines == (long_line,) and len(exported.cues) == len(cells)
    assert [i.rule for i in check_track(exported).issues if i.index == 0] == live_rules
    assert not list(sample_run.glob("*.edited.srt"))  # the static page writes nothing
    assert not log.errors, log.errors
    assert not log.foreign(own), log.foreign(own)


def test_several_languages_flags_rtl_and_qc_parity(browser: Any, multi_run: Path) -> None:
    url, own = _url(multi_run)
    page, log = open_page(browser, url, own)
    wait_media_loaded(page)
    columns = page.evaluate("scodubReview.data.columns.map(c => [c.code, c.cells.length])")
    assert [code for code, _ in columns] == ["en", "fa", "ru", "zh"]
    rows = columns[0][1]
    assert page.evaluate("[...video.textTracks].map(t => t.cues.length)") == [rows] * 4
    # a known violation: the first issue scodub qc finds in the Chinese track
    zh = read_srt(multi_run / "sco-sample.zh.srt", "zh", fps=24.0)
    issue = check_track(zh).issues[0]
    cell = page.locator(f".cell[data-lang='zh'][data-row='{issue.index}']")
    assert "hard" in cell.get_attribute("class") or "soft" in cell.get_attribute("class")
    words = page.evaluate(f"scodubReview.data.qc.languages.zh.words.{issue.rule}")
    assert words in cell.locator(f"li[data-rule='{issue.rule}']").text_content()
    # the page's checker agrees with scodub qc on every cell of every track
    for code, _ in columns:
        python = page.evaluate(f"scodubReview.data.columns.find(c => c.code === '{code}').issues")
        javascript = page.evaluate(
            f"scodubReview.QC.checkTrack(scodubReview.data.columns.find(c => c.code === "
            f"'{code}').cells, '{code}', scodubReview.data.speakers)"
        )
        assert _same_issues(python, javascript), code
    # right to left: Persian cells are laid out from the right edge, English from the left
    for code, side in (("fa", "right"), ("en", "left")):
        text = page.locator(f".cell[data-lang='{code}'][data-row='0'] .text")
        assert text.evaluate("n => getComputedStyle(n).direction") == (
            "rtl" if side == "right" else "ltr"
        )
        gap_left, gap_right = text.evaluate(
            "n => { const r = document.createRange(); r.selectNodeContents(n);"
            " const t = r.getBoundingClientRect(), b = n.getBoundingClientRect();"
            " return [t.left - b.left, b.right - t.right]; }"
        )
        assert (
            (gap_right < 2 < 20 < gap_left) if side == "right" else (gap_left < 2 < 20 < gap_right)
        )
    # glossary names: the edited source names Zhang Yimou; the Russian cell lacks him
    source_cell = page.locator(".cell[data-lang='en'][data-row='3']")
    assert source_cell.locator(".terms .term.hit").count() == 1
    assert source_cell.locator(".text mark.term.hit").text_content() == "Zhang Yimou"
    assert (
        "Чжан Имоу" in page.locator(".cell[data-lang='ru'][data-row='3'] .term.miss").text_content()
    )
    assert page.locator(".colhead[data-lang='en'] .tag.edited").count() == 1
    # speakers: the transcript's (forced to two), per row, and a filter by speaker
    speakers = page.evaluate("scodubReview.data.speakers")
    assert len(speakers) == rows and {s for row in speakers for s in row} == {"S1", "S2"}
    chips = page.locator(".row[data-row='0'] .num .speaker")
    assert [chips.nth(k).text_content() for k in range(chips.count())] == speakers[0]
    page.select_option("#filter-speaker", "S2")
    assert page.evaluate("scodubReview.state.rows.slice()") == [
        i for i, row in enumerate(speakers) if "S2" in row
    ]
    page.select_option("#filter-speaker", "")
    # an edit is re-checked as it is typed, every rule (here two that are not timing
    # rules: a tag players do not know, a numeral English writes out) ...
    page.dblclick(".cell[data-lang='en'][data-row='3'] .text")
    page.locator(".cell[data-lang='en'][data-row='3'] textarea").fill(
        "And Zhang Yimou had 5 <c.yellow>leisure</c>"
    )
    live = page.locator(".cell[data-lang='en'][data-row='3'] .live li")
    found = {live.nth(k).get_attribute("data-rule") for k in range(live.count())}
    assert {"unknown_tags", "number_style"} <= found
    # ... and the names are marked again: the Russian cell still misses the source's name,
    # until the source drops it (nothing expected) or the Russian cell gains it
    ru = page.locator(".cell[data-lang='ru'][data-row='3']")
    assert "Чжан Имоу" in ru.locator(".term.miss").text_content()
    page.locator(".cell[data-lang='en'][data-row='3'] textarea").fill("And then leisure")
    assert ru.locator(".term").count() == 0
    page.locator(".cell[data-lang='en'][data-row='3'] textarea").fill("Zhang Yimou had leisure")
    page.keyboard.press("Escape")
    page.dblclick(".cell[data-lang='ru'][data-row='3'] .text")
    page.locator(".cell[data-lang='ru'][data-row='3'] textarea").fill("Чжана Имоу не было")
    assert ru.locator(".terms .term.miss").count() == 0
    assert "Чжана Имоу" in ru.locator(".terms .term").text_content()  # a case ending counts
    page.keyboard.press("Escape")
    assert ru.locator(".text mark.term").text_content() == "Чжана Имоу"
    # the edited columns' issues, checked again cue by cue as typed, are scodub qc's
    for code in ("en", "ru"):
        cells, issues, fps, cuts, speakers = page.evaluate(
            f"(() => {{ const d = scodubReview.data, c = d.columns.find(c => c.code === '{code}');"
            " return [c.cells, c.issues, d.qc.fps, d.qc.cuts, d.speakers]; })()"
        )
        track = Track(code, tuple(Cue(a, b, tuple(t.split("\n"))) for a, b, t in cells))
        assert _same_issues(cell_issues(track, fps, cuts, speakers), issues), code
    # filters: only problems, one language, one rule
    page.check("#only-problems")
    shown = page.evaluate("scodubReview.state.rows.slice()")
    problem_rows = {i[0] for c in page.evaluate("scodubReview.data.columns") for i in c["issues"]}
    assert set(shown) >= problem_rows and len(shown) <= rows
    page.select_option("#filter-lang", "fa")
    assert page.locator("#grid-head .colhead").count() == 2
    page.select_option("#filter-lang", "")
    page.uncheck("#only-problems")
    page.select_option("#filter-rule", issue.rule)
    shown = page.evaluate("scodubReview.state.rows.slice()")
    assert issue.index in shown and all(
        page.locator(f".row[data-row='{i}'] li[data-rule='{issue.rule}']").count() for i in shown
    )
    page.select_option("#filter-rule", "")
    page.evaluate("document.getElementById('grid').scrollTop = 300")
    screenshot(page, "languages.png")
    assert not log.errors, log.errors
    assert not log.foreign(own), log.foreign(own)


def _same_issues(python: list[list[Any]], javascript: list[list[Any]]) -> bool:
    if [(i[0], i[1], i[3], i[4]) for i in python] != [(i[0], i[1], i[3], i[4]) for i in javascript]:
        return False
    return all(abs(a[2] - b[2]) <= 0.011 for a, b in zip(python, javascript, strict=True))


@pytest.fixture
def served(multi_run: Path, tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A copy of the several-language run served by ``scodub review --serve``."""
    folder = tmp_path / "served"
    shutil.copytree(multi_run, folder, symlinks=False, ignore=shutil.ignore_patterns("review"))
    (folder / "sco-sample.en.edited.srt").unlink()
    with serve_review(folder) as (url, _):
        yield folder, url


def _status(url: str, headers: dict[str, str] | None = None, data: bytes | None = None) -> int:
    request = urllib.request.Request(url, headers=headers or {}, data=data)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_served_page_saves_edits_beside_the_machine_output(
    browser: Any, served: tuple[Path, str]
) -> None:
    folder, url = served
    port = int(url.split(":")[2].split("/")[0])
    base = url.rsplit("/", 2)[0]
    assert _status(url) == 200 and _status(url + "tracks/sco-sample.fa.vtt") == 200
    assert _status(f"{base}/") == 403 and _status(f"{base}/wrong-token/index.html") == 403
    assert _status(url, {"Host": f"evil.example:{port}"}) == 403
    assert _status(url + "..%2f..%2fsco-sample.report.json") == 404
    assert _status(url + ".%2e/sco-sample.en.srt") == 404
    assert _status(url + "api/save", {"Content-Type": "text/plain"}, b"x") == 415
    with pytest.raises(OSError):  # it listens on 127.0.0.1 only
        socket.create_connection(("127.0.0.2", port), timeout=2).close()
    page, log = open_page(browser, url, url)
    wait_media_loaded(page)
    assert any(r.endswith("tracks/sco-sample.fa.vtt") for r in log.requests)
    machine = (folder / "sco-sample.en.srt").read_bytes()
    cells = _cells(page, "en")
    # the source's times and text, re-checked as typed
    page.dblclick(".cell[data-lang='en'][data-row='1'] .text")
    page.fill(".cell[data-lang='en'][data-row='1'] .edit-end", "00:00:03.700")
    page.fill(".cell[data-lang='en'][data-row='1'] textarea", "Ask not what your country can do.")
    live = page.locator(".cell[data-lang='en'][data-row='1'] .live")
    assert (
        "on screen at least 833 ms" in live.locator("li[data-rule='min_duration']").text_content()
    )
    page.click("#save")
    wait_until(page, "document.getElementById('status').textContent.startsWith('saved')")
    edited = folder / "sco-sample.en.edited.srt"
    track = read_srt(edited, "en")
    assert track.cues[1] == Cue(cells[1][0], 3700, ("Ask not what your country can do.",))
    assert (folder / "sco-sample.en.srt").read_bytes() == machine
    first_save = edited.read_bytes()
    # a second save keeps the first as a numbered backup
    page.dblclick(".cell[data-lang='fa'][data-row='0'] .text")
    page.fill(".cell[data-lang='fa'][data-row='0'] textarea", "\u202bسلام.\u202c")
    page.dblclick(".cell[data-lang='en'][data-row='2'] .text")
    page.fill(".cell[data-lang='en'][data-row='2'] textarea", "Ask what you can do.")
    page.click("#save")
    wait_until(page, "document.getElementById('status').textContent.startsWith('saved')")
    assert (folder / "sco-sample.en.edited.srt.~1~").read_bytes() == first_save
    assert read_srt(folder / "sco-sample.fa.edited.srt", "fa").cues[0].lines == (
        "\u202bسلام.\u202c",
    )
    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    assert page.locator(".colhead[data-lang='fa'] .tag.edited").count() == 1
    assert (
        "Ask what you can do." in page.locator(".cell[data-lang='en'][data-row='2']").text_content()
    )
    screenshot(page, "served.png")
    assert not log.errors, log.errors
    assert not log.foreign(url) and not log.blocked, (log.foreign(url), log.blocked)
    # the editor's file goes straight into scodub translate
    result = scodub(
        "translate",
        str(edited),
        "--to",
        "ru",
        "--mt-model",
        str(TINY_NLLB),
        "--out",
        str(folder / "retranslated"),
        "--json",
    )
    report = json.loads(result.stdout)
    ru = read_srt(Path(report["outputs"]["ru"]), "ru")
    assert len(ru.cues) == len(track.cues) and ru.cues[1].end_ms >= 3700
    # ... and into the run's own folder: the film's tracks are translated again, the page
    # (reloaded) shows them, the editors' files are untouched and the machine output
    # that was replaced is kept
    machine_ru = (folder / "sco-sample.ru.srt").read_bytes()
    saved = {p.name: p.read_bytes() for p in folder.glob("*.edited.srt")}
    old_ru = _cells(page, "ru")
    result = scodub(
        "translate",
        str(edited),
        "--to",
        "ru,fa",
        "--mt-model",
        str(TINY_NLLB),
        "--out",
        str(folder),
        "--json",
    )
    outputs = json.loads(result.stdout)["outputs"]
    assert outputs["ru"] == str(folder / "sco-sample.ru.srt")
    assert outputs["en"] == str(folder / "sco-sample.en.retimed.srt")
    assert (folder / "sco-sample.ru.srt.~1~").read_bytes() == machine_ru
    assert {p.name: p.read_bytes() for p in folder.glob("*.edited.srt")} == saved
    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    new_ru = read_srt(folder / "sco-sample.ru.srt", "ru")
    assert (
        [c[2] for c in _cells(page, "ru")]
        == [cue.text for cue in new_ru.cues]
        != [c[2] for c in old_ru]
    )
    fa = _cells(page, "fa")  # the Persian editor's version still wins over the new output
    assert fa[0][2] == "\u202bسلام.\u202c"
    assert page.locator(".colhead[data-lang='fa'] .tag.edited").count() == 1
    assert page.locator(".colhead[data-lang='fa'] .tag.newer").count() == 1
    assert page.locator(".colhead[data-lang='ru'] .tag.newer").count() == 0  # no edit


def test_batch_index_and_browser_proxy(
    browser: Any, sample_run: Path, multi_run: Path, tmp_path: Path
) -> None:
    """A batch folder (one subfolder per film) gets an index page; a film that is only
    found as its Matroska delivery file plays from an H.264/AAC proxy, made once."""
    from scodub.media.probe import probe

    batch = tmp_path / "batch"
    shutil.copytree(sample_run, batch / "opening", ignore=shutil.ignore_patterns("review"))
    shutil.copytree(multi_run, batch / "panel", ignore=shutil.ignore_patterns("review"))
    report_path = batch / "opening" / "sco-sample.report.json"
    report = json.loads(report_path.read_text(encoding="utf-8"))
    report["film"] = str(tmp_path / "moved away.mp4")  # the film is gone: the MKV remains
    report_path.write_text(json.dumps(report), encoding="utf-8")
    scodub("review", str(batch))
    index = batch / "review" / "index.html"
    context = browser.new_context()  # the index page has no script: the film page by link
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(index.as_uri())
    assert page.locator("#films li").count() == 2
    page.click("text=sco-sample >> nth=0")
    page.wait_for_selector("body[data-ready='1']")
    wait_media_loaded(page)
    assert page.evaluate("scodubReview.data.film.proxy") is True
    assert "browser proxy" in page.locator("#legend").inner_text()
    proxy = (batch / "review" / "opening" / "media" / "sco-sample.mp4").resolve()
    assert proxy.parent == (batch / "opening" / ".scodub" / "review").resolve()
    info = probe(proxy)
    assert [v.codec for v in info.video] == ["h264"] and [a.codec for a in info.audio] == ["aac"]
    assert info.video[0].height <= 360
    made = proxy.stat().st_mtime_ns
    scodub("review", str(batch))  # made once: the second page reuses it
    assert proxy.stat().st_mtime_ns == made
    own = (batch / "review").as_uri() + "/"
    assert all(url.startswith((own, "blob:null/")) for url in requests), requests
