"""A subtitle language's script subtag: the one scodub writes it in, or a clear refusal
(``zh-Hant`` was quietly written as Simplified Chinese, ``uz-Cyrl`` as Latin Uzbek). A
spoken language's tag keeps any script: the speech is the same."""

from __future__ import annotations

import re

import pytest

from scodub.errors import LanguageError
from scodub.langs import get_language, parse_language_list, written_language


def test_the_script_scodub_writes_is_accepted_with_any_region() -> None:
    assert parse_language_list("zh-Hans,zh-Hans-CN,zh-CN,uz-Latn,ru,fa-Arab,ur-Aran,en-GB") == (
        "zh", "uz", "ru", "fa", "ur", "en"
    )  # fmt: skip
    assert written_language("kk-Cyrl").code == "kk"


@pytest.mark.parametrize(
    ("tag", "words"),
    [
        ("zh-Hant-TW", "Chinese in Simplified Han script only (zh-Hans)"),
        ("zh-Hant", "Chinese in Simplified Han script only"),
        ("uz-Cyrl", "Uzbek in Latin script only (uz-Latn)"),
        ("ru-Latn", "Russian in Cyrillic script only"),
    ],
)
def test_another_script_is_refused_for_subtitles_not_for_speech(tag: str, words: str) -> None:
    with pytest.raises(LanguageError, match=re.escape(words)):
        parse_language_list(f"ru,{tag}")
    assert get_language(tag).code == tag[:2]  # an audio stream tagged so is that language
