"""Output names (issue 7 items 4 and 14): long film names are shortened with a hash so
every derived name fits 255 bytes of UTF-8, and no command ever writes over its input.
The CLI cases run the real CLI (``run_cli``)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import DATA, run_cli
from scodub.errors import OutputError
from scodub.naming import NAME_MAX_BYTES, check_names, film_stem, refuse_inputs, safe_stem, srt_stem

SUFFIXES = (".en.srt", ".transcript.json", ".report.json", ".dub.mkv", ".ru.dub.m4a",
            ".translate-report.json", ".zh.srt")  # fmt: skip
# A CRLF file with a reading-speed problem, so translate re-times it and rewrites the
# line ends: any write over the input would change its bytes.
SOURCE = (
    "1\r\n00:00:01,000 --> 00:00:01,900\r\nThe SCO Film Festival opens today in Chongqing.\r\n"
    "\r\n2\r\n00:00:04,000 --> 00:00:06,000\r\nWelcome.\r\n"
)


@pytest.mark.parametrize(
    "stem",
    ["f" * 245, "фильм" * 49, "电影节" * 30, "a" * 200 + "ж" * 40, "🎬" * 70],
    ids=["ascii", "cyrillic", "cjk", "mixed", "emoji"],
)
def test_long_stems_fit_255_bytes_with_every_suffix(stem: str) -> None:
    short = safe_stem(stem)
    assert short != stem and short == safe_stem(stem)  # stable between runs
    assert short.split("~")[0] and stem.startswith(short.rsplit("~", 1)[0])  # readable prefix
    for suffix in SUFFIXES:
        assert len((short + suffix).encode("utf-8")) <= NAME_MAX_BYTES
    assert safe_stem(stem[:-1] + "x") != short  # the hash tells two long names apart


def test_short_stems_are_kept() -> None:
    assert safe_stem("фильм 2025") == "фильм 2025"
    assert film_stem(Path("/films/Sense and Sensibility.mkv")) == "Sense and Sensibility"


def test_a_name_too_long_for_its_folder_is_refused_before_work(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match=r"the name is 300 bytes, over the 255 bytes"):
        check_names([tmp_path / ("ж" * 150)])
    check_names([tmp_path / ("ж" * 127)])


def test_translate_long_cyrillic_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # 246 bytes of stem: the input's own name fits, "<stem>.translate-report.json" not.
    stem = ("Кинофестиваль стран ШОС " * 6).encode()[:246].decode("utf-8", "ignore")
    source = tmp_path / f"{stem}.en.srt"
    assert (
        len(source.name.encode()) <= NAME_MAX_BYTES < len(f"{stem}.translate-report.json".encode())
    )
    source.write_text(SOURCE.replace("\r\n", "\n"), encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = run_cli(["translate", str(source), "--to", "en", "--out", str(out)], capsys)
    assert code == 0, err
    names = sorted(p.name for p in out.iterdir() if p.is_file())
    assert len(names) == 2 and all(len(n.encode()) <= NAME_MAX_BYTES for n in names)
    assert all(n.startswith("Кинофестиваль стран ШОС") and "~" in n for n in names)


@pytest.mark.slow
def test_transcribe_long_film_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], whisper_model: object
) -> None:
    # A 245-byte stem (the case, in Cyrillic): "<stem>.transcript.json" is 261.
    stem = ("Фестиваль " * 13).encode()[:245].decode("utf-8", "ignore")
    film = tmp_path / f"{stem}.wav"
    film.symlink_to(DATA / "jfk.wav")
    out = tmp_path / "out"
    code, _, err = run_cli(["transcribe", str(film), "--lang", "en", "--out", str(out), "-q"],
                           capsys)  # fmt: skip
    assert code == 0, err
    stem = film_stem(film)
    assert "~" in stem
    for name in (f"{stem}.en.srt", f"{stem}.transcript.json", f"{stem}.report.json"):
        assert (out / name).is_file() and len(name.encode()) <= NAME_MAX_BYTES


def test_translate_into_its_own_folder_keeps_the_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "film.en.srt"
    source.write_bytes(SOURCE.encode())
    # Through a relative path and "." as --out, as a user in that folder would type it.
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(["translate", "film.en.srt", "--to", "en", "--out", "."], capsys)
    assert code == 0, err
    assert source.read_bytes() == SOURCE.encode()
    retimed = tmp_path / "film.en.retimed.srt"
    assert retimed.is_file() and retimed.read_bytes() != SOURCE.encode()
    report = json.loads((tmp_path / "film.translate-report.json").read_text())
    assert report["outputs"]["en"] == str(Path("film.en.retimed.srt"))


@pytest.mark.parametrize("name", ["film.en.edited.srt", "film.en.EDITED.SRT"])
def test_an_edited_source_in_any_case_leaves_the_machine_source_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    """srt_stem reads ``film.en.EDITED.SRT`` as the film's edited source; its re-timed
    copy goes to film.en.retimed.srt, as for the lower-case name, not over film.en.srt."""
    machine = tmp_path / "film.en.srt"
    machine.write_text("1\n00:00:00,000 --> 00:00:02,000\nThe machine's line.\n")
    (tmp_path / name).write_bytes(SOURCE.encode())
    code, _, err = run_cli(["translate", str(tmp_path / name), "--to", "en",
                            "--out", str(tmp_path)], capsys)  # fmt: skip
    assert code == 0, err
    assert "machine's line" in machine.read_text()
    assert (tmp_path / "film.en.retimed.srt").is_file()
    assert not list(tmp_path.glob("*.~1~"))


def test_translate_through_a_symlink_keeps_the_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real = tmp_path / "edits" / "film.en.srt"
    real.parent.mkdir()
    real.write_bytes(SOURCE.encode())
    out = tmp_path / "out"
    out.mkdir()
    (out / "film.en.srt").symlink_to(real)
    code, _, err = run_cli(["translate", str(out / "film.en.srt"), "--to", "en",
                            "--out", str(out)], capsys)  # fmt: skip
    assert code == 0, err
    assert real.read_bytes() == SOURCE.encode() and (out / "film.en.srt").is_symlink()
    assert (out / "film.en.retimed.srt").is_file()


def test_dub_and_transcribe_refuse_an_output_that_is_an_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    film = tmp_path / "film.wav"
    film.symlink_to(DATA / "jfk.wav")
    track = tmp_path / "film.dub.json"  # an SRT, oddly named: the dub report's name
    track.write_bytes(SOURCE.encode())
    code, _, err = run_cli(["dub", str(film), "--track", f"en={track}", "--out", str(tmp_path)],
                           capsys)  # fmt: skip
    assert code == 1 and "would overwrite the en track" in err, err
    assert track.read_bytes() == SOURCE.encode()
    glossary = tmp_path / "film.report.json"  # a glossary named like the run report
    glossary.write_text("version: 1\nterms: []\n", encoding="utf-8")
    hard = tmp_path / "hard-link.yaml"
    os.link(glossary, hard)
    code, _, err = run_cli(["transcribe", str(film), "--glossary", str(hard), "--out",
                            str(tmp_path)], capsys)  # fmt: skip
    assert code == 1 and "would overwrite the glossary #1" in err, err
    assert len(err.strip().splitlines()) == 1


def test_refuse_inputs_names_both_files(tmp_path: Path) -> None:
    a = tmp_path / "a.srt"
    a.write_text("x")
    with pytest.raises(OutputError, match=r"a\.srt: this output would overwrite the film"):
        refuse_inputs([tmp_path / "." / "a.srt"], {"film": a})
    refuse_inputs([tmp_path / "b.srt"], {"film": a})


def test_srt_stems_of_odd_names() -> None:
    assert srt_stem("film.SRT", "ru") == "film"  # an upper-case suffix is still the suffix
    assert srt_stem("Film.EN.srt", "en") == "Film"
    assert srt_stem("film.en.edited.srt", "en") == "film"
    assert srt_stem(".srt", "en") == srt_stem(".en.srt", "en") == "subtitles"  # not hidden


RU_EDITED = (
    "1\n00:00:01,000 --> 00:00:03,000\nФестиваль открывается сегодня.\n\n"
    "2\n00:00:04,000 --> 00:00:06,000\nДобро пожаловать.\n"
)


def test_an_editor_s_track_translates_from_the_language_its_name_gives(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A Russian film's ``film.ru.edited.srt`` (the review page's save) without --from:
    it was read as English, its Russian re-timed into ``film.ru.edited.en.srt`` and
    "translated" from English into ``film.ru.edited.zh.srt``, tracks of no film; it
    now goes from Russian into the film's own tracks. A --from its name contradicts is
    one line, nothing written."""
    (tmp_path / "film.ru.edited.srt").write_text(RU_EDITED, encoding="utf-8")
    args = ["translate", str(tmp_path / "film.ru.edited.srt"), "--to", "en,zh",
            "--out", str(tmp_path), "--mt-model", str(DATA / "tiny-nllb"), "--json"]  # fmt: skip
    code, _, err = run_cli([*args, "--from", "en"], capsys)
    assert code != 0 and err.count("\n") == 1 and "film.ru.edited.srt" in err, err
    assert "--from ru" in err and sorted(p.name for p in tmp_path.iterdir()) == [
        "film.ru.edited.srt"
    ]
    code, out, err = run_cli(args, capsys)
    assert code == 0, err
    report = json.loads(out)
    assert {lang: Path(p).name for lang, p in report["outputs"].items()} == {
        "en": "film.en.srt", "zh": "film.zh.srt", "ru": "film.ru.retimed.srt",
    }  # fmt: skip
    assert report["languages"]["en"]["route"].startswith("mt:")
    assert report["languages"]["ru"]["route"] == "source"


def test_translate_s_re_timed_copy_translates_into_the_film_s_tracks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``film.en.retimed.srt``, translate's own re-timed source, edited and translated
    again: its tracks were named ``film.en.retimed.ru.srt``, of no film (the review page
    never showed them), and its own re-timed copy went to ``film.en.retimed.en.srt``.
    They are now the film's tracks; into its own folder, where its re-timed copy would
    take its own name, it is one line saying how to name an editor's file."""
    (tmp_path / "film.en.retimed.srt").write_bytes(SOURCE.encode())
    (tmp_path / "out").mkdir()
    args = ["translate", str(tmp_path / "film.en.retimed.srt"), "--to", "ru",
            "--mt-model", str(DATA / "tiny-nllb")]  # fmt: skip
    code, _, err = run_cli([*args, "--out", str(tmp_path / "out")], capsys)
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if p.is_file()) == [
        "film.en.retimed.srt", "film.ru.srt", "film.translate-report.json",
    ]  # fmt: skip
    code, _, err = run_cli([*args, "--out", str(tmp_path)], capsys)
    assert code != 0 and err.count("\n") == 1 and "film.en.edited.srt" in err, err
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["film.en.retimed.srt"]
    assert (tmp_path / "film.en.retimed.srt").read_bytes() == SOURCE.encode()


def test_a_hand_edited_track_a_re_translation_replaces_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An editor's changes made in ``film.ru.srt`` itself, then a re-translation: the
    file was replaced and its text kept as ``film.ru.srt.~1~`` without a word (``run``
    says so); translate now names it on stderr and in its report."""
    (tmp_path / "film.en.srt").write_bytes(SOURCE.encode())
    out = tmp_path / "out"
    args = ["translate", str(tmp_path / "film.en.srt"), "--to", "ru", "--out", str(out),
            "--mt-model", str(DATA / "tiny-nllb"), "--json"]  # fmt: skip
    assert run_cli(args, capsys)[0] == 0
    ru = out / "film.ru.srt"
    ru.write_text(ru.read_text(encoding="utf-8").replace("Welcome", "Hello"), encoding="utf-8")
    code, stdout, err = run_cli(args, capsys)
    assert code == 0, err
    backup = out / "film.ru.srt.~1~"
    assert "Hello" in backup.read_text(encoding="utf-8")
    assert str(ru) in err and str(backup) in err, err
    assert json.loads(stdout)["replaced_outputs"] == [{"path": str(ru), "kept_as": str(backup)}]
