"""Voices: real Piper and espeak-ng synthesis, the Tajik route, and bad voice input."""

from __future__ import annotations

import http.server
import json
import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

from scodub.dub.espeak import EspeakVoice
from scodub.dub.piper_voice import PiperVoice, load_piper_voice
from scodub.dub.tajik import tajik_to_pinglish
from scodub.dub.voices import (
    Voice,
    parse_voice_options,
    piper_hub_files,
    pull_piper_voice,
    resolve_voice,
)
from scodub.errors import ConfigError, LanguageError, ModelError
from scodub.provision.piper import embedded_english_model
from scodub.scripts import foreign_scripts, scripts_in

pytestmark = pytest.mark.slow

# One everyday line per language (what a translated cue looks like).
LINES = {
    "en": "We have to leave the city before the storm arrives.",
    "zh": "我们必须在暴风雨来临之前离开这座城市。",
    "ru": "Мы должны покинуть город до того, как начнётся буря.",
    "hi": "तूफ़ान आने से पहले हमें शहर छोड़ना होगा।",
    "ur": "طوفان آنے سے پہلے ہمیں شہر چھوڑنا ہوگا۔",
    "fa": "باید پیش از رسیدن طوفان شهر را ترک کنیم.",
    "kk": "Дауыл басталмай тұрып қаладан кетуіміз керек.",
    "ky": "Бороон башталганга чейин шаардан кетишибиз керек.",
    "tg": "Мо бояд пеш аз омадани тӯфон аз шаҳр равем.",
    "uz": "Boʻron boshlanmasdan oldin shahardan ketishimiz kerak.",
    "be": "Мы павінны пакінуць горад да таго, як пачнецца бура.",
}


def seconds(voice: Voice, audio: np.ndarray) -> float:
    return audio.size / voice.sample_rate


@pytest.fixture(scope="session")
def english() -> Voice:
    return resolve_voice("en")


@pytest.fixture(scope="session")
def espeak_voices() -> dict[str, Voice]:
    return {code: resolve_voice(code) for code in LINES if code != "en"}


def test_default_english_is_the_embedded_piper_voice(english: Voice) -> None:
    assert isinstance(english, PiperVoice)
    assert english.name == "en_US-joe-medium"
    assert english.language == "en"
    assert english.sample_rate == 22050
    assert resolve_voice("en", "piper") is english  # loaded once


def test_piper_english_speech_is_sane(english: Voice) -> None:
    audio = english.synthesize(LINES["en"])
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert np.isfinite(audio).all() and np.abs(audio).max() <= 1.0
    # 10 words: between 1.5 and 6 seconds for any reasonable voice.
    assert 1.5 < seconds(english, audio) < 6.0
    assert float(np.sqrt(np.mean(audio**2))) > 0.02


@pytest.mark.parametrize("code", [c for c in LINES if c != "en"])
def test_espeak_speaks_every_other_language(code: str, espeak_voices: dict[str, Voice]) -> None:
    voice = espeak_voices[code]
    assert isinstance(voice, EspeakVoice) and voice.language == code
    audio = voice.synthesize(LINES[code])
    assert audio.dtype == np.float32
    duration = seconds(voice, audio)
    assert 1.0 < duration < 8.0, f"{code}: {duration:.2f} s"
    assert float(np.sqrt(np.mean(audio**2))) > 0.01


def test_mandarin_tones_are_not_read_as_digits(espeak_voices: dict[str, Voice]) -> None:
    # Debian's espeak-ng 1.51 says the tone numbers aloud, doubling the syllables.
    voice = espeak_voices["zh"]
    text = LINES["zh"]
    hanzi = sum(1 for ch in text if scripts_in(ch))
    assert seconds(voice, voice.synthesize(text)) / hanzi < 0.35


@pytest.mark.parametrize("code", ["en", "ru", "zh", "fa", "hi", "tg"])
def test_rate_is_done_by_the_engine(
    code: str, english: Voice, espeak_voices: dict[str, Voice]
) -> None:
    voice = english if code == "en" else espeak_voices[code]
    normal = seconds(voice, voice.synthesize(LINES[code], rate=1.0))
    fast = seconds(voice, voice.synthesize(LINES[code], rate=1.3))
    # Piper shortens ~1.18x at rate 1.3 and its VITS noise varies lengths by about
    # +-2.5% per call (unseedable inside the ONNX graph); espeak-ng is deterministic.
    assert fast < normal / (1.08 if code == "en" else 1.15)


def test_tajik_is_spoken_by_the_persian_phoneme_set(espeak_voices: dict[str, Voice]) -> None:
    voice = espeak_voices["tg"]
    assert isinstance(voice, EspeakVoice)
    assert voice.espeak_voice == "fa-Latn" and "Tajik Cyrillic" in voice.route
    ipa = voice.phonemes("Тоҷикистон. Кӯдакҳо дар боғ бозӣ мекунанд. Рӯзҳо.")
    assert "dʒ" in ipa  # ҷ
    assert "x" not in ipa  # ҳ stays [h] after к (кӯдакҳо), never the х of "kh"
    assert re.search("(?<!d)ʒ", ipa) is None  # ... and after з (рӯзҳо), never "zh" [ʒ]
    assert "(en)" not in ipa  # no word fell back to English rules
    # Spelled-out letter names would make a short word very long.
    assert len(ipa) < 80


def test_tajik_respelling_table() -> None:
    assert tajik_to_pinglish("Тоҷикистон") == "taajikistaan"
    assert tajik_to_pinglish("Ҳамаи одамон") == "hamai aadamaan"
    assert tajik_to_pinglish("кӯдакҳо") == "kodak'haa"
    assert tajik_to_pinglish("ҒҚӢӮ") == "ghqio"
    assert tajik_to_pinglish("ейҳо") == "yeyhaa"  # after y an h forms no digraph
    assert tajik_to_pinglish("Ҷаъфар 1992!") == "ja'far 1992!"
    assert tajik_to_pinglish("Ѓафуров") == tajik_to_pinglish("Ғафуров")  # old stand-in


def test_voices_refuse_text_in_a_script_they_cannot_read(
    english: Voice, espeak_voices: dict[str, Voice]
) -> None:
    with pytest.raises(LanguageError, match="Han"):
        english.synthesize("你好，世界")
    with pytest.raises(LanguageError, match="Cyrillic"):
        espeak_voices["fa"].synthesize("Привет, как дела?")
    with pytest.raises(LanguageError, match="Arabic"):
        espeak_voices["ru"].synthesize("سلام")
    # Latin names inside a line are read (espeak switches to its English rules).
    assert espeak_voices["ru"].synthesize("Это iPhone.").size > 0


def test_script_detection() -> None:
    assert set(scripts_in(LINES["hi"])) == {"Devanagari"}
    assert set(scripts_in(LINES["uz"])) == {"Latin"}  # ʻ is a neutral modifier letter
    assert set(scripts_in("Ｈｅｌｌｏ 你好")) == {"Latin", "Han"}
    assert foreign_scripts("Москва, 2024!", {"Cyrillic"}) == {}
    # the sample a message shows keeps words apart
    assert foreign_scripts("Да, Привет мир", {"Latin"}) == {"Cyrillic": "Да Приве"}


def test_empty_text_gives_no_audio(english: Voice, espeak_voices: dict[str, Voice]) -> None:
    assert english.synthesize("  ").size == 0
    assert espeak_voices["ru"].synthesize("").size == 0


# ---- bad voice input ----------------------------------------------------------------


def joe_copy(folder: Path) -> Path:
    model = embedded_english_model()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "en_US-joe-medium.onnx"
    target.symlink_to(model)
    shutil.copyfile(model.with_name(model.name + ".json"), folder / (target.name + ".json"))
    return target


def test_voice_from_a_folder_and_from_a_file(tmp_path: Path) -> None:
    model = joe_copy(tmp_path / "my voices")
    by_folder = resolve_voice("en", str(model.parent))
    assert by_folder.name == "en_US-joe-medium"
    assert resolve_voice("en", str(model)) is by_folder


def test_missing_voice_file_names_it(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "ru_RU-irina-medium.onnx"
    with pytest.raises(ModelError, match="ru_RU-irina-medium.onnx"):
        resolve_voice("ru", str(missing))


def test_voice_without_its_json(tmp_path: Path) -> None:
    model = joe_copy(tmp_path)
    (tmp_path / "en_US-joe-medium.onnx.json").unlink()
    with pytest.raises(ModelError, match=r"en_US-joe-medium\.onnx\.json: missing"):
        resolve_voice("en", str(model))


def test_voice_that_is_not_onnx(tmp_path: Path) -> None:
    model = tmp_path / "fake.onnx"
    model.write_text("this is not a neural network\n")
    shutil.copyfile(embedded_english_model().with_suffix(".onnx.json"), tmp_path / "fake.onnx.json")
    with pytest.raises(ModelError, match=r"fake\.onnx: not a loadable ONNX voice"):
        load_piper_voice(model)


def test_voice_with_a_broken_json(tmp_path: Path) -> None:
    model = joe_copy(tmp_path)
    (tmp_path / "en_US-joe-medium.onnx.json").write_text('{"audio": ')
    with pytest.raises(ModelError, match="not a Piper voice config"):
        resolve_voice("en", str(model))


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"audio": {"sample_rate": 0}}, r"audio\.sample_rate 0 is not a sample rate"),
        ({"audio": {"sample_rate": -16000}}, "is not a sample rate"),
        ({"audio": {"sample_rate": 10**9}}, "is not a sample rate"),
        ({"audio": {"sample_rate": "x"}}, "is not a sample rate"),
        ({"espeak": {"voice": "zz-nonexist"}}, "espeak-ng has no voice 'zz-nonexist'"),
        ({"espeak": {"voice": ""}}, "is not an espeak-ng voice name"),
        ({"num_speakers": 0}, "num_speakers does not fit the model, which takes a speaker id"),
        ({"num_speakers": "four"}, "num_speakers 'four' is not a number of speakers"),
        ({"inference": {"length_scale": 0}}, r"inference\.length_scale 0 is out of range"),
        ({"inference": {"noise_scale": float("nan")}}, r"inference\.noise_scale nan is out"),
        ({"phoneme_id_map": []}, "phoneme_id_map is empty or not a mapping"),
        ({"inference": {"length_scale": None}}, r"inference\.length_scale None is out"),
        ({"num_speakers": None}, "num_speakers None is not a number of speakers"),
    ],
)
def test_a_voice_config_piper_would_fail_on_is_refused_before_any_work(
    tmp_path: Path, change: dict[str, object], problem: str
) -> None:
    """One line naming the config and the value, not a traceback from Piper mid-dub."""
    source = Path(__file__).parent / "data" / "tiny-piper" / "en_US-tinyms-medium.onnx"
    model = tmp_path / "voice.onnx"
    shutil.copyfile(source, model)
    config = json.loads(source.with_name(source.name + ".json").read_text(encoding="utf-8"))
    for key, value in change.items():
        if isinstance(value, dict) and isinstance(config.get(key), dict):
            config[key].update(value)
        else:
            config[key] = value
    (tmp_path / "voice.onnx.json").write_text(json.dumps(config), encoding="utf-8")
    with pytest.raises(ModelError, match=rf"voice\.onnx\.json: .*{problem}"):
        load_piper_voice(model)


def _shifted(ids: dict[str, list[int]]) -> dict[str, list[int]]:
    return {phoneme: [i + 1000 for i in numbers] for phoneme, numbers in ids.items()}


def _without_start(ids: dict[str, list[int]]) -> dict[str, list[int]]:
    return {phoneme: numbers for phoneme, numbers in ids.items() if phoneme != "^"}


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (_shifted, r"phoneme_id_map has ids 1000-1150; the model fails on them"),
        (lambda ids: {**ids, "a": "x"}, r"phoneme_id_map\['a'\] 'x' is not a list of ids"),
        (lambda ids: {**ids, "a": [-3]}, r"phoneme_id_map\['a'\] \[-3\] is not a list of ids"),
        (lambda ids: {**ids, "a": [1.5]}, r"phoneme_id_map\['a'\] \[1\.5\] is not a list of"),
        (_without_start, r"phoneme_id_map lacks '\^'"),
    ],
    ids=["ids past the model", "not a list", "negative", "not whole", "no start"],
)
def test_a_phoneme_set_that_is_not_the_models_is_refused_at_load(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], change: object, problem: str
) -> None:
    """A config whose phoneme ids the model does not have (another voice's .json beside
    the .onnx) loaded, and onnxruntime's Gather error came as a traceback on the first
    cue voiced, mid-dub; a malformed id or a missing sentence start likewise."""
    model = joe_copy(tmp_path)
    config = tmp_path / "en_US-joe-medium.onnx.json"
    data = json.loads(config.read_text(encoding="utf-8"))
    data["phoneme_id_map"] = change(data["phoneme_id_map"])  # type: ignore[operator]
    config.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ModelError, match=rf"en_US-joe-medium\.onnx\.json: {problem}"):
        load_piper_voice(model)
    assert capfd.readouterr().err == ""  # not onnxruntime's own log line besides


def test_folder_without_a_voice(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"no Piper voice \(\.onnx file\)"):
        resolve_voice("en", str(tmp_path))


def test_voice_of_another_language_is_refused() -> None:
    with pytest.raises(LanguageError, match="speaks 'en', not Russian"):
        resolve_voice("ru", str(embedded_english_model()))


def test_unknown_voice_name_says_how_to_pull_it() -> None:
    with pytest.raises(ModelError, match="scodub models pull piper:kk_KZ-nobody-high"):
        resolve_voice("kk", "kk_KZ-nobody-high")
    with pytest.raises(ModelError, match="no embedded Piper voice for Russian"):
        resolve_voice("ru", "piper")
    with pytest.raises(LanguageError):
        resolve_voice("xx")


def test_voice_options() -> None:
    assert parse_voice_options(["ru=espeak", "eng=/v/joe.onnx"]) == {
        "ru": "espeak",
        "en": "/v/joe.onnx",
    }
    for bad in ("ru", "=espeak", "ru="):
        with pytest.raises(ConfigError, match="expected LANG=VOICE"):
            parse_voice_options([bad])


# ---- pulling from the hub -----------------------------------------------------------


def test_hub_paths() -> None:
    assert piper_hub_files("en_US-joe-medium") == (
        "en/en_US/joe/medium/en_US-joe-medium.onnx",
        "en/en_US/joe/medium/en_US-joe-medium.onnx.json",
    )
    assert piper_hub_files("kk_KZ-issai-high")[0].startswith("kk/kk_KZ/issai/high/")
    with pytest.raises(ConfigError, match="LOCALE-NAME-QUALITY"):
        piper_hub_files("joe")


class _FakeHub(http.server.BaseHTTPRequestHandler):
    """Serves the embedded voice's files the way the hub's /resolve/ URLs do."""

    served: ClassVar[list[str]] = []

    def _send_head(self) -> Path | None:
        name = self.path.split("?")[0].rsplit("/", 1)[-1]
        source = embedded_english_model().with_name(name)
        if "/rhasspy/piper-voices/resolve/main/en/en_US/joe/medium/" not in self.path or not (
            source.is_file()
        ):
            self.send_response(404)
            self.end_headers()
            return None
        return self._found(source, name)

    def _found(self, source: Path, name: str) -> Path:
        """The headers of a file the hub has (its size, an ETag, the commit)."""
        self.send_response(200)
        self.send_header("Content-Length", str(source.stat().st_size))
        self.send_header("ETag", f'"{abs(hash(name)):x}"')
        self.send_header("X-Repo-Commit", "0" * 40)
        self.end_headers()
        return source

    def do_HEAD(self) -> None:
        self._send_head()

    def do_GET(self) -> None:
        source = self._send_head()
        if source is not None:
            self.served.append(source.name)
            self.wfile.write(source.read_bytes())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def fake_hub() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _FakeHub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_pull_piper_voice_from_a_hub(tmp_path: Path, fake_hub: str) -> None:
    _FakeHub.served.clear()
    model = pull_piper_voice("en_US-joe-medium", tmp_path, endpoint=fake_hub)
    assert model == tmp_path / "en_US-joe-medium" / "en_US-joe-medium.onnx"
    assert model.stat().st_size == embedded_english_model().stat().st_size
    assert sorted(_FakeHub.served) == ["en_US-joe-medium.onnx", "en_US-joe-medium.onnx.json"]
    assert not (tmp_path / ".downloads").exists()
    # Pulled once: found again without the network.
    assert pull_piper_voice("en_US-joe-medium", tmp_path, endpoint="http://127.0.0.1:9") == model


def test_pull_fetches_a_damaged_voice_again(tmp_path: Path, fake_hub: str) -> None:
    """A pulled voice damaged in the cache (a disk error, a copy cut short) made every
    later pull fail on it ('not a loadable ONNX voice'): pull never fetched it again."""
    model = pull_piper_voice("en_US-joe-medium", tmp_path, endpoint=fake_hub)
    model.write_bytes(model.read_bytes()[:100_000])
    with pytest.raises(ModelError) as caught:
        pull_piper_voice("en_US-joe-medium", tmp_path, endpoint="http://127.0.0.1:9")
    message = str(caught.value)
    assert message.startswith(str(model)) and "unreachable" in message and "\n" not in message
    assert pull_piper_voice("en_US-joe-medium", tmp_path, endpoint=fake_hub) == model
    assert model.read_bytes() == embedded_english_model().read_bytes()
    load_piper_voice(model)


class _SlowHub(_FakeHub):
    """Serves the embedded voice's files under any voice name; en_US-amy-medium's model
    slowly (a big voice on a slow line)."""

    def _send_head(self) -> Path | None:
        name = self.path.split("?")[0].rsplit("/", 1)[-1]
        suffix = ".onnx.json" if name.endswith(".onnx.json") else ".onnx"
        source = embedded_english_model().with_name(f"en_US-joe-medium{suffix}")
        return self._found(source, name)

    def do_GET(self) -> None:
        source = self._send_head()
        assert source is not None
        data = source.read_bytes()
        if "amy" in self.path and self.path.split("?")[0].endswith(".onnx"):
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            time.sleep(1.5)
            data = data[len(data) // 2 :]
        self.wfile.write(data)


def test_two_voices_pulled_at_once_both_arrive(tmp_path: Path) -> None:
    """Pulls of two voices at once shared one download folder, and the first to finish
    removed it under the other: that pull failed (a traceback, or a false 'cannot fetch')."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SlowHub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hub = f"http://127.0.0.1:{server.server_port}"
    results: dict[str, object] = {}

    def pull(name: str) -> None:
        try:
            results[name] = pull_piper_voice(name, tmp_path, endpoint=hub)
        except BaseException as exc:  # reported below
            results[name] = exc

    slow = threading.Thread(target=pull, args=("en_US-amy-medium",))
    slow.start()
    time.sleep(0.5)  # the slow pull is downloading
    pull("en_US-joe-medium")
    slow.join()
    server.shutdown()
    for name in ("en_US-amy-medium", "en_US-joe-medium"):
        assert results[name] == tmp_path / name / f"{name}.onnx", results
        assert (tmp_path / name / f"{name}.onnx").stat().st_size == (
            embedded_english_model().stat().st_size
        )
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_pull_offline_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as caught:
        pull_piper_voice("ru_RU-irina-medium", tmp_path, endpoint="http://127.0.0.1:9")
    message = str(caught.value)
    assert "\n" not in message
    assert "unreachable" in message and "--voice LANG=" in message


@pytest.mark.parametrize("variant", ["zz9", "../../x", "F2"])
def test_an_espeak_variant_that_does_not_exist_is_refused(variant: str) -> None:
    """espeak-ng speaks an unknown variant as the plain voice, and the report named it."""
    wrong = rf"espeak-ng has no voice variant '{re.escape(variant)}'"
    with pytest.raises(ConfigError, match=wrong):
        resolve_voice("ru", f"espeak+{variant}")
    assert resolve_voice("ru", "espeak+f2").name == "espeak:ru+f2"
