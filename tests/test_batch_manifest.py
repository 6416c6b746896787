"""Batch manifests (YAML and CSV) and the validation that runs before any work."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from conftest import SAMPLE, run_cli
from scodub.batch.manifest import Defaults, read_manifest, scan_folder
from scodub.batch.validate import validate
from scodub.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
FESTIVAL = ROOT / "glossaries" / "sco-film-festival-2025.yaml"
TINY_NLLB = ROOT / "tests" / "data" / "tiny-nllb"


def _films(tmp_path: Path) -> Path:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        shutil.copy(SAMPLE, tmp_path / folder / "film.mp4")
    return tmp_path


def test_yaml_rows_apply_over_defaults_and_clashing_names_get_distinct_ids(tmp_path: Path) -> None:
    _films(tmp_path)
    manifest = tmp_path / "batch.yaml"
    manifest.write_text(
        "defaults:\n"
        "  lang: en\n"
        "  langs: [ru, zh]\n"
        f"  glossaries: [{FESTIVAL}]\n"
        "films:\n"
        "  - a/film.mp4\n"
        "  - path: b/film.mp4\n"
        "    langs: ru\n"
        "    dub: yes\n"
        "    voices: {ru: espeak}\n"
        "    audio_stream: 0\n"
        "  - path: b/film.mp4\n"
        "    id: second-copy\n"
        "  - b/film.mp4\n",
        encoding="utf-8",
    )
    entries = read_manifest(manifest, Defaults())
    assert [e.line for e in entries] == [6, 7, 12, 14]
    first, second, third, fourth = entries
    assert first.settings.targets == ("ru", "zh") and first.settings.dub is None
    assert first.settings.asr.language == "en" and first.settings.glossary_files == (FESTIVAL,)
    assert second.settings.targets == ("ru",) and second.settings.dub is not None
    assert second.settings.dub.voices == {"ru": "espeak"} and second.settings.audio_stream == 0
    assert first.film_id != second.film_id and first.film_id.startswith("film-")
    assert third.film_id == "second-copy" and not third.problems
    assert fourth.problems and "already used at line 7" in fourth.problems[0][1]


def test_csv_rows_carry_their_line_numbers_and_every_problem_is_reported(tmp_path: Path) -> None:
    _films(tmp_path)
    (tmp_path / "notes.mp4").write_text("not a film")
    bad_glossary = tmp_path / "bad.yaml"
    bad_glossary.write_text("version: 1\nterms: [\n")
    manifest = tmp_path / "batch.csv"
    manifest.write_text(
        "path,lang,langs,glossaries,dub,voices,mt_model\n"
        f'a/film.mp4,en,"ru,zh",,,,{TINY_NLLB}\n'
        "missing.mkv,en,ru,,,\n"
        "notes.mp4,xx,ru,,,\n"
        f"b/film.mp4,ky,ru,{bad_glossary},yes,ru=/nowhere/ru.onnx\n",
        encoding="utf-8",
    )
    entries = read_manifest(manifest, Defaults())
    assert [e.line for e in entries] == [2, 3, 4, 5]
    checked = validate(entries, tmp_path / "out")
    text = "\n".join(p.line() for p in checked.problems)
    assert [e.film_id for e in checked.valid] == [entries[0].film_id], text
    where = {p.where.rsplit(":", 1)[-1] for p in checked.problems}
    assert where == {"3", "4", "5"}, text
    assert "missing.mkv: file does not exist" in text
    assert "unknown language code 'xx'" in text
    assert "Whisper cannot transcribe Kyrgyz" in text  # ky is not an ASR language
    # The row with a bad language is reported once for the language; the others per check.
    row5 = [p.problem for p in checked.problems if p.where.endswith(":5")]
    assert len(row5) == 1  # lang fails while reading: the row is not probed further
    assert not (tmp_path / "out" / "missing").exists()


def test_checks_on_disk_find_every_problem_of_a_readable_row(tmp_path: Path) -> None:
    _films(tmp_path)
    (tmp_path / "notes.mp4").write_text("not a film")
    bad_glossary = tmp_path / "bad.yaml"
    bad_glossary.write_text("version: 1\nterms: [\n")
    manifest = tmp_path / "batch.yaml"
    manifest.write_text(
        "films:\n"
        f"  - {{path: notes.mp4, lang: en, langs: ru, glossaries: [{bad_glossary}], "
        "dub: yes, voices: {ru: /nowhere/ru.onnx}}\n"
        "  - {path: a/film.mp4, lang: en, langs: [en], bogus: 1}\n",
        encoding="utf-8",
    )
    checked = validate(read_manifest(manifest, Defaults()), tmp_path / "out")
    first = [p.problem for p in checked.problems if p.where.endswith(":2")]
    assert len(first) >= 3, first  # not media, bad glossary, missing voice: all at once
    assert any("bad.yaml" in p for p in first) and any("ru.onnx" in p for p in first)
    second = [p.problem for p in checked.problems if p.where.endswith(":3")]
    assert second and "unknown key 'bogus'" in second[0]


def test_a_folder_gives_every_media_file_and_a_bad_manifest_names_its_line(tmp_path: Path) -> None:
    _films(tmp_path)
    (tmp_path / "readme.txt").write_text("x")
    entries = scan_folder(tmp_path, Defaults())
    assert len(entries) == 2 and len({e.film_id for e in entries}) == 2
    broken = tmp_path / "broken.yaml"
    broken.write_text("films:\n  - path: a.mkv\n    langs: [ru\n")
    with pytest.raises(InputError) as err:
        read_manifest(broken, Defaults())
    assert "broken.yaml:" in str(err.value)


def test_a_folder_named_relative_to_the_working_folder_finds_its_films(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "festival films").mkdir()
    _films(tmp_path / "festival films")
    monkeypatch.chdir(tmp_path)
    entries = scan_folder(Path("festival films"), Defaults())
    assert sorted(e.path for e in entries) == sorted(
        p.absolute() for p in (tmp_path / "festival films").rglob("*.mp4")
    )
    assert all(e.path.is_file() for e in entries)


def test_speakers_and_speaker_casting_read_as_run_reads_them(tmp_path: Path) -> None:
    """A manifest sets the speaker count and casts one speaker's voice, in YAML and CSV,
    exactly as `scodub run --speakers 2 --voice ru:S2=espeak+f2` does; a bad count or cast
    is a problem on its line."""
    _films(tmp_path)
    manifest = tmp_path / "cast.yaml"
    manifest.write_text(
        "films:\n"
        "  - path: a/film.mp4\n"
        "    speakers: 2\n"
        "    dub: yes\n"
        "    voices: {ru: espeak, 'ru:S2': espeak+f2}\n"
        "  - path: b/film.mp4\n"
        "    speakers: off\n"
        "    voices: [ru=espeak, 'ru:s3=espeak+m3']\n"
        "  - path: b/film.mp4\n"
        "    id: bad\n"
        "    speakers: many\n"
        "    voices: {'ru:X': espeak}\n",
        encoding="utf-8",
    )
    cast, off, bad = read_manifest(manifest, Defaults())
    assert cast.settings.speakers.count == 2 and cast.settings.dub is not None
    assert cast.settings.dub.voices == {"ru": "espeak"}
    assert cast.settings.dub.speaker_voices == {"ru": {"S2": "espeak+f2"}}
    assert not off.settings.speakers.enabled and off.settings.dub is None
    lines = {line for line, _ in bad.problems}
    assert lines == {11, 12} and len(bad.problems) == 2
    assert any("speakers" in p and "many" in p for _, p in bad.problems)
    csv = tmp_path / "cast.csv"
    csv.write_text("path,speakers,voices\na/film.mp4,3,ru=espeak;ru:S1=espeak+m1\n")
    (row,) = read_manifest(csv, Defaults())
    assert row.settings.speakers.count == 3 and not row.problems


def test_batch_takes_the_dub_and_speaker_options_of_run() -> None:
    """One option group: every dub and speaker option of `scodub run` is also one of
    `scodub batch` and (the dub ones) of `scodub dub`."""
    from scodub.cli.batch import run_command
    from scodub.cli.dub import dub
    from scodub.cli.run import run

    def names(command: object) -> set[str]:
        return {opt for p in command.params for opt in p.opts}  # type: ignore[attr-defined]

    shared = {"--voice", "--no-background", "--stems", "--force", "--no-backcheck"}
    assert shared <= names(run) and shared <= names(run_command) and shared <= names(dub)
    assert "--speakers" in names(run) and "--speakers" in names(run_command)


def test_ids_never_leave_the_batch_folder_nor_take_its_own_names(tmp_path: Path) -> None:
    _films(tmp_path)
    for name in ("batch.json.mp4", "review.mp4"):
        shutil.copy(SAMPLE, tmp_path / name)
    manifest = tmp_path / "batch.yaml"
    manifest.write_text(
        "films:\n"
        "  - {path: a/film.mp4, id: '..'}\n"
        "  - {path: a/film.mp4, id: .scodub-batch}\n"
        "  - {path: a/film.mp4, id: Batch.JSON}\n"
        "  - {path: a/film.mp4, id: review}\n"
        "  - batch.json.mp4\n"
        "  - review.mp4\n",
        encoding="utf-8",
    )
    entries = read_manifest(manifest, Defaults())
    assert [bool(e.problems) for e in entries] == [True] * 4 + [False] * 2
    assert "not starting with '.'" in entries[0].problems[0][1]
    assert "uses that name itself" in entries[2].problems[0][1]
    assert [e.film_id for e in entries[4:]] == ["batch.json-film", "review-film"]


def test_csv_cells_outside_the_named_columns_are_a_problem_not_dropped(tmp_path: Path) -> None:
    _films(tmp_path)
    manifest = tmp_path / "batch.csv"
    manifest.write_text('path,langs\na/film.mp4,ru,zh\nb/film.mp4,"ru,zh",,\n', encoding="utf-8")
    shifted, quoted = read_manifest(manifest, Defaults())
    [(line, problem)] = shifted.problems
    assert line == 2 and problem.startswith("'zh': not under a named column; quote")
    assert not quoted.problems and quoted.settings.targets == ("ru", "zh")


@pytest.mark.parametrize(("name", "text"), [("header.csv", "path,langs\n"),
                                            ("none.yaml", "films: []\n")])
def test_a_manifest_that_lists_no_film_is_an_error(tmp_path: Path, name: str, text: str) -> None:
    manifest = tmp_path / name
    manifest.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_manifest(manifest, Defaults())
    assert name in str(err.value) and "no films listed" in str(err.value)


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("deep.yaml", "films: " + "[" * 5000 + "]" * 5000, "deep.yaml:1: not valid YAML"),
        ("big.csv", "path,lang\n" + "a" * 200_000 + ".mp4,en\n", "big.csv:2: not a manifest"),
    ],
)
def test_a_manifest_that_no_parser_should_follow_is_one_line(
    tmp_path: Path, name: str, text: str, expected: str
) -> None:
    manifest = tmp_path / name
    manifest.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_manifest(manifest, Defaults())
    assert str(err.value).startswith(f"{tmp_path / expected}")


def test_films_that_cannot_be_read_are_named_with_the_reason(tmp_path: Path) -> None:
    manifest = tmp_path / "odd.yaml"
    films = ["x" * 5000 + ".mp4", "/dev/zero", str(tmp_path), "missing.mp4"]
    manifest.write_text("films:\n" + "".join(f"  - '{f}'\n" for f in films), encoding="utf-8")
    checked = validate(read_manifest(manifest, Defaults()), tmp_path / "out")
    problems = [p.problem for p in checked.problems]
    assert len(problems) == 4 and not checked.valid
    assert "cannot be read (File name too long)" in problems[0]
    assert "/dev/zero: is a character device" in problems[1]
    assert "is a folder, not a media file" in problems[2]
    assert problems[3].endswith("missing.mp4: file does not exist")


@pytest.mark.parametrize(
    "state",
    [
        {"films": 5},
        {"films": {}, "executor": "local"},
        {"films": {"a": {"stages": {"x": 3}}}, "executor": "local", "started_at": "now"},
        {"films": {}, "executor": "local", "started_at": "now", "summary": []},
    ],
)
def test_a_damaged_batch_state_file_is_one_line(
    tmp_path: Path, state: dict[str, object], capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "batch.json").write_text(json.dumps(state), encoding="utf-8")
    code, _, err = run_cli(["batch", "status", str(tmp_path)], capsys)
    assert code != 0 and err.count("\n") == 1, err
    assert f"{tmp_path / 'batch.json'}: " in err and "damaged batch state" in err


def test_an_id_the_row_gives_is_kept_and_an_empty_one_is_a_problem(tmp_path: Path) -> None:
    """A row that names itself as the file is named stays so (another row of the same file
    takes the tagged id); an empty id is not taken for no id; a missing file is one problem,
    however many checks read it."""
    shutil.copy(SAMPLE, tmp_path / "clip.mp4")
    manifest = tmp_path / "batch.yaml"
    manifest.write_text(
        "defaults: {lang: en, langs: [en, ru], dub: yes, mt_model: " + str(TINY_NLLB) + "}\n"
        "films:\n"
        "  - clip.mp4\n"
        "  - path: clip.mp4\n"
        "    id: clip\n"
        "  - path: clip.mp4\n"
        "    id: ''\n"
        "  - nosuch.mp4\n",
        encoding="utf-8",
    )
    first, named, empty, missing = read_manifest(manifest, Defaults())
    assert first.film_id.startswith("clip-") and not first.problems
    assert named.film_id == "clip" and not named.problems
    assert empty.problems[0] == (7, "id is empty; give a name or no id")
    result = validate([missing], tmp_path / "out")
    missing_file = f"{tmp_path / 'nosuch.mp4'}: file does not exist"
    assert [p.problem for p in result.problems] == [missing_file]


def test_a_key_given_twice_is_a_problem_not_the_last_value(tmp_path: Path) -> None:
    """YAML keeps the last of two values without a word: an English film was
    transcribed as Russian (lang: en, then lang: ru)."""
    _films(tmp_path)
    manifest = tmp_path / "batch.yaml"
    manifest.write_text(
        "films:\n  - path: a/film.mp4\n    lang: en\n    lang: ru\n", encoding="utf-8"
    )
    (entry,) = read_manifest(manifest, Defaults())
    assert list(entry.problems) == [(4, "'lang' given twice (first on line 3)")]
    manifest.write_text(
        "defaults:\n  langs: [ru]\n  langs: [kk]\nfilms: [a/film.mp4]\n", encoding="utf-8"
    )
    with pytest.raises(InputError, match=r"defaults: 'langs' given twice \(first on line 2\)"):
        read_manifest(manifest, Defaults())
    # a second films: list dropped the first list's films without a word
    manifest.write_text("films:\n  - a/film.mp4\nfilms:\n  - b/film.mp4\n", encoding="utf-8")
    with pytest.raises(InputError, match=r":3: 'films' given twice \(first on line 1\)"):
        read_manifest(manifest, Defaults())
    manifest = tmp_path / "batch.csv"
    manifest.write_text("path,lang,path\na/film.mp4,en,b/film.mp4\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"column\(s\) path given twice"):
        read_manifest(manifest, Defaults())
    manifest.write_text("path,beam_size\na/film.mp4,100\n", encoding="utf-8")
    (entry,) = read_manifest(manifest, Defaults())
    assert "100 is above 32" in " ".join(p for _, p in entry.problems), entry.problems


def test_out_above_the_films_folder_still_finds_the_films(tmp_path: Path) -> None:
    """``scodub batch films --out .`` said "no media files found": every file under
    --out was skipped, and the films lie under it. Only scodub's own output folders are."""
    films = tmp_path / "films"
    (films / "a").mkdir(parents=True)
    shutil.copy(SAMPLE, films / "a" / "film.mp4")
    shutil.copy(SAMPLE, films / "b.mp4")
    made = films / "b"  # an output folder of an earlier batch with --out films
    (made / ".scodub").mkdir(parents=True)
    shutil.copy(SAMPLE, made / "b.dub.mkv")
    for out in (tmp_path, films):
        entries = scan_folder(films, Defaults(), exclude=out)
        assert sorted(str(e.path.relative_to(films)) for e in entries) == ["a/film.mp4", "b.mp4"]
    inside = scan_folder(films, Defaults(), exclude=films / "a")  # --out inside: skipped
    assert sorted(str(e.path.relative_to(films)) for e in inside) == ["b.mp4", "b/b.dub.mkv"]


def test_yaml_anchors_merge_into_rows_and_empty_values_are_not_given(tmp_path: Path) -> None:
    """``<<: *common`` was refused as an unknown key, and a top-level anchor as an unknown
    section; an empty ``lang:`` was "unknown language code 'None'" where an empty CSV cell
    means "not given"."""
    _films(tmp_path)
    manifest = tmp_path / "batch.yaml"
    manifest.write_text(
        "x-common: &common {lang: ru, langs: [ru, kk]}\n"
        "x-dub: &dub {dub: yes, lang: kk}\n"
        "defaults: {lang: zh}\n"
        "films:\n"
        "  - <<: [*common, *dub]\n"  # the first listed wins: ru
        "    path: a/film.mp4\n"
        "  - <<: *common\n"
        "    path: b/film.mp4\n"
        "    langs: [en]\n"  # the row's own key wins over the merged one
        "  - path: a/film.mp4\n"
        "    id: plain\n"
        "    lang:\n",  # not given: the defaults' zh
        encoding="utf-8",
    )
    merged, own, empty = read_manifest(manifest, Defaults())
    assert not (merged.problems or own.problems or empty.problems)
    assert merged.settings.asr.language == "ru" and merged.settings.targets == ("ru", "kk")
    assert merged.settings.dub is not None
    assert own.settings.asr.language == "ru" and own.settings.targets == ("en",)
    assert own.settings.dub is None
    assert empty.settings.asr.language == "zh"
    manifest.write_text("common: {lang: ru}\nfilms: [a/film.mp4]\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown top-level key.*x-... keys of your own"):
        read_manifest(manifest, Defaults())


def test_a_malformed_row_does_not_hide_the_other_rows_problems(tmp_path: Path) -> None:
    _films(tmp_path)
    manifest = tmp_path / "batch.yaml"
    manifest.write_text(
        "films:\n"
        "  - [a/film.mp4, b/film.mp4]\n"
        "  - path: [a/film.mp4]\n"
        "  - path: b/film.mp4\n"
        "    lang: xx\n"
        "  - &me\n"
        "    <<: *me\n"
        "    path: a/film.mp4\n"
        "    id: loop\n",
        encoding="utf-8",
    )
    listed, path_list, bad_lang, loop = read_manifest(manifest, Defaults())
    assert listed.problems == ((2, "each film is a path or a mapping (path: ..., langs: ...)"),)
    assert path_list.problems == ((3, "path: one file, not a list"),)
    assert bad_lang.problems[0][0] == 5 and "'xx'" in bad_lang.problems[0][1]
    assert "not a list, a value or itself" in loop.problems[0][1]


def test_film_ids_keep_letters_of_every_script(tmp_path: Path) -> None:
    for name in ("Фильм 1.mp4", "电影.mp4", "فیلم.mp4"):
        shutil.copy(SAMPLE, tmp_path / name)
    entries = scan_folder(tmp_path, Defaults())
    assert sorted(e.film_id for e in entries) == sorted(["Фильм_1", "电影", "فیلم"])
    manifest = tmp_path / "batch.yaml"
    manifest.write_text("films:\n  - {path: 电影.mp4, id: 電影-HK}\n", encoding="utf-8")
    (entry,) = read_manifest(manifest, Defaults())
    assert entry.film_id == "電影-HK" and not entry.problems


def test_a_manifest_that_is_no_regular_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    """``/dev/zero`` behind a manifest's name was read until memory ran out (a traceback),
    and a FIFO blocked for ever: both are one line, as for every file read as text."""
    zero = tmp_path / "zero.yaml"
    zero.symlink_to("/dev/zero")
    with pytest.raises(InputError, match=r"zero\.yaml: is a character device"):
        read_manifest(zero, Defaults())
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match=r"pipe\.csv: is a pipe \(FIFO\)"):
        read_manifest(fifo, Defaults())
    (tmp_path / "films.txt").write_text("films: [a.mp4]\n", encoding="utf-8")
    with pytest.raises(InputError, match="manifest must be .yaml, .yml or .csv"):
        read_manifest(tmp_path / "films.txt", Defaults())


_BOMB = "".join(
    f"x-{b}: &{b} [{', '.join([f'*{a}'] * 10)}]\n"
    for a, b in zip("abcdefg", "bcdefgh", strict=True)
)


def test_a_yaml_bomb_in_a_value_is_one_problem_not_a_gigabyte_string(tmp_path: Path) -> None:
    """Anchors make a list of 10^8 items from a few lines: a key that takes one value
    (``model``) was turned into a string of all of them (a traceback half a gigabyte long);
    a key that takes a list takes a list of plain values."""
    manifest = tmp_path / "bomb.yaml"
    manifest.write_text(
        "x-a: &a [x, x, x, x, x, x, x, x, x, x]\n" + _BOMB + "films:\n"
        "  - {path: a.mp4, model: *h}\n"
        "  - {path: b.mp4, langs: *h}\n"
        "  - {path: c.mp4, id: {a: 1}, lang: [en]}\n"
        "  - {path: d.mp4, voices: {en: *h}}\n",
        encoding="utf-8",
    )
    model, langs, row, voices = read_manifest(manifest, Defaults())
    assert model.problems == ((10, "model: one value, not a list"),)
    assert langs.problems == ((11, "langs: a list of plain values, not of lists"),)
    assert set(row.problems) == {
        (12, "id: one value, not a dict"),
        (12, "lang: one value, not a list"),
    }
    assert voices.problems == ((13, "voices: en: one value, not a list"),)


def test_a_yaml_bomb_of_merge_keys_is_read_in_a_moment(tmp_path: Path) -> None:
    """``<<: [*a, *a, ...]`` ten deep merged the same mapping 10^7 times (minutes of CPU
    before any check ran)."""
    merges = "".join(
        f"x-{b}: &{b} {{<<: [{', '.join([f'*{a}'] * 10)}]}}\n"
        for a, b in zip("abcdefg", "bcdefgh", strict=True)
    )
    manifest = tmp_path / "bomb.yaml"
    manifest.write_text(
        "x-a: &a {lang: en, <<: 5}\n" + merges + "films:\n  - {path: a.mp4, <<: *h}\n",
        encoding="utf-8",
    )
    started = time.perf_counter()
    (entry,) = read_manifest(manifest, Defaults())
    assert time.perf_counter() - started < 5
    assert entry.settings.asr.language == "en"
    merge_problem = "'<<' merges a mapping (<<: *name), not a list, a value or itself"
    assert entry.problems == ((1, merge_problem),)


def test_a_value_yaml_cannot_build_is_that_row_s_problem(tmp_path: Path) -> None:
    """``id: 2024-02-30`` (a date that does not exist), ``!!int x``, an unhashable key or a
    Python tag were tracebacks; each is its row's problem, the other rows still read."""
    manifest = tmp_path / "batch.yaml"
    manifest.write_text(
        "films:\n"
        "  - {path: a.mp4, id: 2024-02-30}\n"
        "  - {path: b.mp4, beam_size: !!int five}\n"
        "  - {path: c.mp4, voices: {[en]: espeak}}\n"
        "  - path: d.mp4\n"
        "    model: !!python/name:os.system ''\n"
        "  - {path: e.mp4, [lang]: en}\n"
        "  - {path: f.mp4, id: 2024-02-03}\n",
        encoding="utf-8",
    )
    date, number, key, tag, listed, fine = read_manifest(manifest, Defaults())
    assert date.problems == ((2, "id: cannot read its value (day is out of range for month)"),)
    assert number.problems[0][1].startswith("beam_size: cannot read its value (invalid literal")
    assert key.problems[0][1] == "voices: cannot read its value (found unhashable key)"
    assert "could not determine a constructor" in tag.problems[0][1]
    assert listed.problems[0][1].startswith("a key is a plain name")
    assert fine.film_id == "2024-02-03" and not fine.problems


def test_batch_status_of_a_state_file_that_cannot_be_one_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``batch.json`` nested ten thousand deep was a RecursionError traceback, and a link
    to ``/dev/zero`` a MemoryError."""
    deep, device = tmp_path / "deep", tmp_path / "device"
    deep.mkdir()
    device.mkdir()
    (deep / "batch.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    (device / "batch.json").symlink_to("/dev/zero")
    code, _, err = run_cli(["batch", "status", str(deep)], capsys)
    assert code != 0 and err.count("\n") == 1, err
    assert "batch.json: not valid JSON (nested too deeply)" in err
    code, _, err = run_cli(["batch", "status", str(device)], capsys)
    assert code != 0 and err.count("\n") == 1, err
    assert "batch.json: is a character device, not a batch state file" in err
    code, _, err = run_cli(["batch", "status", str(tmp_path)], capsys)
    assert code != 0 and "no batch here (batch.json not found)" in err


def test_a_film_id_too_long_for_a_folder_name_is_a_problem_or_cut(tmp_path: Path) -> None:
    """A row's ``id`` of 300 letters was an OSError traceback (File name too long) while
    validating; a file name's id is cut to fit with the clash tag after it."""
    long_name = "𠀀" * 62  # 248 bytes of UTF-8: with "-" and a tag, over 255
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        shutil.copy(SAMPLE, tmp_path / folder / f"{long_name}.mp4")
    manifest = tmp_path / "batch.yaml"
    manifest.write_text(
        "films:\n"
        f"  - {{path: other.mp4, id: {'a' * 300}}}\n"
        f"  - a/{long_name}.mp4\n"
        f"  - b/{long_name}.mp4\n",
        encoding="utf-8",
    )
    named, first, second = read_manifest(manifest, Defaults())
    assert named.problems == (
        (2, "id is 300 bytes long; a folder name takes at most 200 (UTF-8)"),
    )
    for entry in (first, second):
        assert not entry.problems and len(entry.film_id.encode("utf-8")) <= 200 + 9
    assert first.film_id != second.film_id
    checked = validate([first, second], tmp_path / "out")
    assert not checked.problems, checked.problems


def test_a_nul_character_in_a_name_is_that_row_s_problem(tmp_path: Path) -> None:
    """``"fi\\0lm.mp4"`` (YAML's escape, or a NUL byte in a CSV cell) was a ValueError
    traceback from os.stat while validating (embedded null byte)."""
    manifest = tmp_path / "batch.yaml"
    manifest.write_text(
        'films:\n  - "fi\\0lm.mp4"\n  - {path: a.mp4, glossaries: ["g\\0.yaml"]}\n'
        '  - {path: b.mp4, model: "sm\\0all"}\n',
        encoding="utf-8",
    )
    nul = "holds a NUL character (\\0), which no name may have"
    film, glossary, model = read_manifest(manifest, Defaults())
    assert film.problems == ((2, f"path: {nul}"),)
    assert glossary.problems == ((3, f"glossaries: {nul}"),)
    assert model.problems == ((4, f"model: {nul}"),)
    csv = tmp_path / "batch.csv"
    csv.write_bytes(b"path,lang\nfi\x00lm.mp4,en\n")
    (row,) = read_manifest(csv, Defaults())
    assert row.problems == ((2, f"path: {nul}"),)
    checked = validate([film, glossary, model, row], tmp_path / "out")
    assert len(checked.invalid) == 4


def test_model_folders_are_relative_to_the_manifest_as_its_other_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """'Paths are relative to the manifest', films and glossaries were; a model folder was
    taken relative to the working folder: run from elsewhere, `mt_model: nllb` was an
    unknown model, or another folder of that name there was used."""
    (tmp_path / "project").mkdir()
    project = _films(tmp_path / "project")
    shutil.copytree(TINY_NLLB, project / "nllb")
    (project / "whisper").mkdir()
    manifest = project / "batch.yaml"
    manifest.write_text(
        "defaults: {lang: en, langs: [ru]}\n"
        "films:\n"
        "  - {path: a/film.mp4, mt_model: nllb, model: whisper}\n"
        "  - {path: b/film.mp4, mt_model: ./nllb, model: ./whisper}\n"
        "  - {path: a/film.mp4, id: named, mt_model: nllb-200-distilled-600M, model: small}\n"
        "  - {path: a/film.mp4, id: hub, mt_model: openai:qwen2.5, "
        "model: Systran/faster-whisper-small}\n",
        encoding="utf-8",
    )
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "nllb").mkdir(parents=True)  # not a model: must not be the one used
    monkeypatch.chdir(elsewhere)
    first, second, named, hub = read_manifest(Path("../project/batch.yaml"), Defaults())
    for entry in (first, second):
        assert entry.settings.mt.model and entry.settings.asr.model
        assert Path(entry.settings.mt.model).resolve() == (project / "nllb").resolve()
        assert Path(entry.settings.asr.model).resolve() == (project / "whisper").resolve()
    assert (named.settings.mt.model, named.settings.asr.model) == (
        "nllb-200-distilled-600M", "small")
    assert (hub.settings.mt.model, hub.settings.asr.model) == (
        "openai:qwen2.5", "Systran/faster-whisper-small")
    from scodub.batch.validate import _mt

    _mt(first.settings.mt)  # the manifest's model, found from here


def test_model_folders_given_as_batch_options_are_made_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--mt-model ./nllb (and --model, --mt LANG=FOLDER) reached the workers as given,
    relative to a working folder a Ray worker on another node does not share (glossaries
    given as options were made absolute for that reason; model folders were not)."""
    from scodub.asr.whisper import AsrSettings
    from scodub.batch.manifest import absolute_models
    from scodub.mt.localize import MtSettings
    from scodub.stages.plan import RunSettings

    shutil.copytree(TINY_NLLB, tmp_path / "nllb")
    monkeypatch.chdir(tmp_path)
    settings = absolute_models(
        RunSettings(
            asr=AsrSettings(model="./whisper"),
            mt=MtSettings(model="nllb", routes=(("ru", "nllb"), ("zh", "openai:qwen2.5"))),
        ),
        Path.cwd(),
    )
    assert settings.asr.model == str(tmp_path / "whisper")
    assert settings.mt.model == str(tmp_path / "nllb")
    assert settings.mt.routes == (("ru", str(tmp_path / "nllb")), ("zh", "openai:qwen2.5"))
    kept = absolute_models(RunSettings(), Path.cwd())
    assert (kept.asr.model, kept.mt.model) == (None, None)
