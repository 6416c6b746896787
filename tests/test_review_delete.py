"""Deleting a cue on the review page (a hallucinated line, a cue of tags only), in Debian's
Chromium: the cue is left out of the file saved, the other cues keep their rows, the
page reloaded shows the row as deleted in that column only, and writing text again keeps
the cue. The rows of an edited file with fewer cues are placed by time
(``scodub.review.rows``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import serve_review
from review_browser import finished_run, open_page, wait_until
from scodub.data import Cue, Track
from scodub.review.load import load_run
from scodub.review.page import write_review
from scodub.review.pagedata import film_data
from scodub.review.rows import place_cues
from scodub.text.srt import read_srt, write_srt

STEM = "film"
EN = (
    Cue(0, 1500, ("Hello there.",)),
    Cue(2000, 3500, ("Thanks for watching!",)),
    Cue(4000, 5500, ("See you.",)),
)
RU = (
    Cue(0, 1500, ("Привет.",)),
    Cue(2000, 3500, ("Спасибо за просмотр!",)),
    Cue(4000, 5500, ("Пока, и это слишком длинная строка для одного титра, правда.",)),
)
STATUS = "document.getElementById('status').textContent"


def _run(folder: Path) -> Path:
    return finished_run(folder, STEM, {"en": EN, "ru": RU})


def _cell(lang: str, row: int) -> str:
    return f".cell[data-lang='{lang}'][data-row='{row}']"


def _texts(path: Path, lang: str) -> list[str]:
    return [cue.text for cue in read_srt(path, lang).cues]


def test_place_cues_keeps_order_and_finds_the_rows_by_time() -> None:
    rows = [Cue(k * 2000, k * 2000 + 1500, ("x",)) for k in range(10)]
    kept = [cue for k, cue in enumerate(rows) if k not in (0, 4, 9)]
    assert place_cues(kept, rows) == [1, 2, 3, 5, 6, 7, 8]
    moved = [Cue(c.start_ms + 300, c.end_ms + 900, c.lines) for c in kept]  # times edited
    assert place_cues(moved, rows) == [1, 2, 3, 5, 6, 7, 8]
    assert place_cues([Cue(17_100, 17_900, ("y",))], rows) == [8]
    assert place_cues(rows, rows) == list(range(10))
    extra = [*rows, Cue(30_000, 31_000, ("z",))]  # more cues than rows: one per row in order
    assert place_cues(extra, rows) == list(range(11))
    assert place_cues([], rows) == []  # an empty edited file: an empty column, no crash


def test_an_edited_file_with_a_cue_deleted_keeps_the_other_cues_in_their_rows(
    tmp_path: Path,
) -> None:
    folder = _run(tmp_path / "run")
    write_srt(Track("ru", (RU[0], RU[2])), folder / f"{STEM}.ru.edited.srt")
    data = film_data(load_run(folder, STEM), None, {})
    assert data["rows"] == 3
    ru = next(c for c in data["columns"] if c["code"] == "ru")
    assert [cell[2] for cell in ru["cells"]] == [RU[0].text, "", RU[2].text]
    assert ru["cells"][1][:2] == [2000, 3500]  # the row's times, shown as deleted
    # the issues of the file's second cue are on the third row
    assert {issue[0] for issue in ru["issues"]} == {2}
    en = next(c for c in data["columns"] if c["code"] == "en")
    assert [cell[2] for cell in en["cells"]] == [cue.text for cue in EN]


@pytest.mark.slow
def test_a_cue_deleted_on_the_page_is_left_out_and_the_rest_keep_their_rows(
    browser: Any, tmp_path: Path
) -> None:
    folder = _run(tmp_path / "run")
    edited = folder / f"{STEM}.ru.edited.srt"
    with serve_review(folder) as (url, _):
        page, log = open_page(browser, url, url)
        assert page.locator(f"{_cell('ru', 2)} li[data-rule='chars_per_line']").count() == 1
        page.dblclick(f"{_cell('ru', 1)} .text")
        page.click(f"{_cell('ru', 1)} button.delete")
        assert page.locator(f"{_cell('ru', 1)}.deleted").count() == 1
        page.click("#save")
        wait_until(page, f"{STATUS}.startsWith('saved')")
        assert _texts(edited, "ru") == [RU[0].text, RU[2].text]
        # the saved file's issues come back on the rows the page shows
        assert page.locator(f"{_cell('ru', 2)} li[data-rule='chars_per_line']").count() == 1
        assert page.locator(f"{_cell('ru', 1)} li").count() == 0
        page.reload()
        wait_until(page, "document.querySelectorAll('.cell').length > 0")
        assert page.locator(f"{_cell('ru', 1)}.deleted").count() == 1
        assert page.locator(f"{_cell('en', 1)}.deleted").count() == 0
        assert page.inner_text(f"{_cell('ru', 2)} .text") == RU[2].text
        # written again, the cue is kept
        page.dblclick(f"{_cell('ru', 1)} .deleted-note")
        page.fill(f"{_cell('ru', 1)} textarea", "Спасибо.")
        page.click("#save")
        wait_until(page, f"{STATUS}.startsWith('saved')")
        assert _texts(edited, "ru") == [RU[0].text, "Спасибо.", RU[2].text]
        # every cue deleted: nothing is written
        for row in range(3):
            page.dblclick(f"{_cell('en', row)} .text")
            page.click(f"{_cell('en', row)} button.delete")
        page.click("#save")
        wait_until(page, f"{STATUS}.includes('not saved')")
        assert "every en cue is deleted" in page.evaluate(STATUS)
        assert not (folder / f"{STEM}.en.edited.srt").exists()
        assert not log.errors, log.errors


@pytest.mark.slow
def test_a_cue_of_tags_only_is_left_out_of_an_export(browser: Any, tmp_path: Path) -> None:
    """A machine cue with no text ({\\an8} alone) no longer stops an export: it is left out."""
    folder = _run(tmp_path / "run")
    write_srt(Track("en", (EN[0], Cue(2000, 3500, ("{\\an8}",)), EN[2])), folder / "film.en.srt")
    write_review(folder)
    page, log = open_page(browser, (folder / "review" / "index.html").as_uri(),
                          (folder / "review").as_uri())  # fmt: skip
    assert page.locator(f"{_cell('en', 1)}.deleted").count() == 1
    page.dblclick(f"{_cell('en', 0)} .text")
    page.fill(f"{_cell('en', 0)} textarea", "Hello.")
    with page.expect_download() as download:
        page.click("#save")
    saved = tmp_path / "export.srt"
    download.value.save_as(saved)
    assert _texts(saved, "en") == ["Hello.", EN[2].text]
    assert not log.errors, log.errors


def test_place_cues_of_a_long_track_is_not_quadratic(monkeypatch: pytest.MonkeyPatch) -> None:
    """10,000 rows and an editor's file of 5,000 of them: the best placement is 50 million
    steps (minutes, hundreds of MB); cue by cue it is the same rows, at once."""
    import time

    rows = [Cue(k * 2000, k * 2000 + 1500, ("x",)) for k in range(10_000)]
    kept = [Cue(c.start_ms + 300, c.end_ms + 900, c.lines) for c in rows[1::2]]
    began = time.perf_counter()
    assert place_cues(kept, rows) == list(range(1, 10_000, 2))
    assert time.perf_counter() - began < 2
    # cue by cue, the small cases come out as the best placement does
    monkeypatch.setattr("scodub.review.rows.EXACT_STEPS", 0)
    test_place_cues_keeps_order_and_finds_the_rows_by_time()
    crowded = [Cue(0, 100, ("a",)), Cue(0, 100, ("b",)), Cue(0, 100, ("c",))]  # one time
    assert place_cues(crowded, rows[:5]) == [0, 1, 2]
    late = [Cue(90_000, 91_000, ("y",)), Cue(95_000, 96_000, ("z",))]  # after every row
    assert place_cues(late, rows[:5]) == [3, 4]
