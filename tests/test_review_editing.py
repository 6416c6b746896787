"""The review page as an editor types on it, in Debian's Chromium: what a save must not
lose (an edit typed while a save is on its way, another tab's or program's version of the
file), a mistyped time, text the player must show as written, an export scodub could not
read back, and a film whose name holds characters that mean something in a URL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import serve_review
from review_browser import finished_run, open_page, wait_media_loaded, wait_until
from scodub.data import Cue, Hearing, Segment, Transcript, Word
from scodub.review.page import write_review
from scodub.text.srt import read_srt

pytestmark = pytest.mark.slow

STEM = "Film #1 50%"
EN = (Cue(0, 1500, ("Hello there.",)), Cue(2000, 3500, ("How are you?",)))
RU = (Cue(0, 1500, ("Привет.",)), Cue(2000, 3500, ("Как дела?",)))
STATUS = "document.getElementById('status').textContent"


def _run(folder: Path) -> Path:
    """A finished run of a film named with '#' and '%': report, film and two tracks."""
    return finished_run(folder, STEM, {"en": EN, "ru": RU})


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    folder = _run(tmp_path / "run")
    with serve_review(folder) as (url, _):
        yield folder, url


def _type(page: Any, lang: str, row: int, text: str) -> None:
    page.dblclick(f".cell[data-lang='{lang}'][data-row='{row}'] .text")
    page.fill(f".cell[data-lang='{lang}'][data-row='{row}'] textarea", text)


def _texts(path: Path, lang: str) -> list[str]:
    return [cue.text for cue in read_srt(path, lang).cues]


def test_nothing_typed_or_saved_elsewhere_is_lost(browser: Any, served: tuple[Path, str]) -> None:
    folder, url = served
    page, log = open_page(browser, url, url)
    wait_media_loaded(page)  # the film and its tracks, though "#" and "%" are in their names
    edited = folder / f"{STEM}.en.edited.srt"
    # Typed while the save is on its way: it was marked saved and never written.
    _type(page, "en", 0, "Saved first.")
    page.evaluate(
        """() => {
          document.getElementById('save').click();
          const col = scodubReview.data.columns.find((c) => c.code === 'en');
          scodubReview.startEdit(col, 1);
          const area = document.querySelector(".cell[data-lang='en'][data-row='1'] textarea");
          area.value = 'Typed during the save.';
          area.dispatchEvent(new Event('input'));
        }"""
    )
    wait_until(page, f"{STATUS}.startsWith('saved')")
    assert "1 language(s) edited, not saved" in page.evaluate(STATUS)
    assert not page.is_disabled("#save")
    assert _texts(edited, "en") == ["Saved first.", "How are you?"]
    page.click("#save")
    wait_until(page, f"{STATUS}.startsWith('saved') && !{STATUS}.includes('not saved')")
    assert _texts(edited, "en") == ["Saved first.", "Typed during the save."]
    assert page.is_disabled("#save")
    # Another program's version, written after the page saved: refused once, then replaced
    # knowingly, with that version kept as a backup.
    edited.write_text("1\n00:00:00,000 --> 00:00:01,500\nBy hand.\n", encoding="utf-8")
    _type(page, "en", 0, "From the page.")
    page.click("#save")
    wait_until(page, f"{STATUS}.includes('not saved:')")
    assert "changed since this page loaded" in page.evaluate(STATUS)
    assert _texts(edited, "en") == ["By hand."]
    page.click("#save")
    wait_until(page, f"{STATUS}.startsWith('saved')")
    assert _texts(edited, "en") == ["From the page.", "Typed during the save."]
    backups = sorted(folder.glob(f"{STEM}.en.edited.srt.~*~"))
    assert [_texts(p, "en")[0] for p in backups][-1] == "By hand."
    # Chromium logs every answer that is not a success, the refusal too
    assert [e for e in log.errors if "409 (Conflict)" not in e] == [], log.errors


def test_a_mistyped_time_is_flagged_and_text_plays_as_written(
    browser: Any, served: tuple[Path, str]
) -> None:
    _, url = served
    page, log = open_page(browser, url, url)
    wait_media_loaded(page)
    cell = ".cell[data-lang='en'][data-row='0']"
    page.dblclick(f"{cell} .text")
    page.fill(f"{cell} .edit-start", "0:0:2")
    assert "bad" in (page.get_attribute(f"{cell} .edit-start", "class") or "")
    assert "is not a time" in page.locator(f"{cell} .live li.time").text_content()
    page.fill(f"{cell} .edit-start", "00:00:00.200")
    assert page.locator(f"{cell} .live li.time").count() == 0
    page.fill(f"{cell} textarea", "if a < b and c > d & e")
    page.keyboard.press("Escape")
    shown = page.evaluate(
        """() => {
          const track = [...document.getElementById('video').textTracks]
            .find((t) => t.language === 'en');
          return track.cues[0].getCueAsHTML().textContent;
        }"""
    )
    assert shown == "if a < b and c > d & e"
    # markup plays as the player's own: italics shown, a colour and an ASS position left out
    page.dblclick(f"{cell} .text")
    page.fill(f"{cell} textarea", '{\\an8}<i>Where</i> <font color="red">are</font> you?')
    page.keyboard.press("Escape")
    shown = page.evaluate(
        """() => {
          const track = [...document.getElementById('video').textTracks]
            .find((t) => t.language === 'en');
          const html = track.cues[0].getCueAsHTML();
          return [html.textContent, [...html.querySelectorAll('i')].map((i) => i.textContent)];
        }"""
    )
    assert shown == ["Where are you?", ["Where"]]
    assert not log.errors, log.errors


def test_an_export_scodub_could_not_read_is_not_written(browser: Any, tmp_path: Path) -> None:
    folder = _run(tmp_path / "run")
    write_review(folder)
    url = (folder / "review" / "index.html").as_uri()
    page, log = open_page(browser, url, (folder / "review").as_uri())
    downloads: list[Any] = []
    page.on("download", lambda download: downloads.append(download))
    cell = ".cell[data-lang='en'][data-row='1']"
    page.dblclick(f"{cell} .text")
    page.fill(f"{cell} .edit-end", "00:00:01.000")  # before its start, 00:00:02.000
    page.click("#save")
    wait_until(page, f"{STATUS}.startsWith('not exported')")
    assert "en cue 2: its end 00:00:01.000 is not after its start" in page.evaluate(STATUS)
    page.dblclick(f"{cell} .text")
    page.fill(f"{cell} .edit-end", "00:00:03.000")
    page.fill(f"{cell} textarea", "Fine again.")
    with page.expect_download() as download:
        page.click("#save")
    assert download.value.suggested_filename == f"{STEM}.en.edited.srt"
    assert len(downloads) == 1 and not log.errors, log.errors


def test_a_batch_index_links_films_whose_folders_hold_url_characters(tmp_path: Path) -> None:
    for name in ("Ep #1", "50% off?"):
        _run(tmp_path / name)
    write_review(tmp_path)
    index = (tmp_path / "review" / "index.html").read_text(encoding="utf-8")
    assert 'href="Ep%20%231/index.html"' in index and 'href="50%25%20off%3F/index.html"' in index
    data = (tmp_path / "review" / "Ep #1" / "data.js").read_text(encoding="utf-8")
    assert '"video":"media/Film%20%231%2050%25.mp4"' in data


def test_speech_with_no_subtitle_is_listed_and_found(browser: Any, tmp_path: Path) -> None:
    """The transcript's unheard speech (asr.hearing): one button per stretch that no
    source cue covers, and per stretch in another language, which seeks the film there."""
    folder = _run(tmp_path / "run")
    words = (Word("Hello", 100, 350), Word("there.", 400, 650))
    hearing = Hearing(None, ((1000, 1400), (4200, 6400)), ("ru", 0.95),
                      ((7000, 9000, "ru", 0.9),), 10_000)  # fmt: skip
    transcript = Transcript("en", 0.99, 18_000, (Segment(100, 650, "Hello there.", words),),
                            hearing=hearing)  # fmt: skip
    stored = {"transcript": transcript.to_json()}
    (folder / f"{STEM}.transcript.json").write_text(json.dumps(stored), encoding="utf-8")
    with serve_review(folder) as (url, _):
        page, log = open_page(browser, url, url)
        wait_media_loaded(page)
        buttons = page.locator("#hearing button.unheard")
        # 1.0-1.4 s has a cue; then the speech in another language
        assert buttons.all_inner_texts() == [
            "00:00:04.200–00:00:06.400", "ru 00:00:07.000–00:00:09.000",
        ]  # fmt: skip
        assert "sounds like ru" in page.inner_text("#hearing")
        warnings = page.locator("#hearing .warning").all_inner_texts()
        assert warnings[0].startswith("speech over 2.0 s of the film sounds like Russian"), warnings
        assert "got no words" in warnings[1]
        buttons.first.click()
        wait_until(page, "Math.abs(document.getElementById('video').currentTime - 4.2) < 0.05")
        assert not log.errors, log.errors
