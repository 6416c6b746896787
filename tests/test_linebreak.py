"""Line layout per language: widths, reading speed, line breaks, RTL direction marks."""

from __future__ import annotations

import subprocess
import unicodedata
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from scodub.data import Cue
from scodub.langs import LANGUAGES, TIMING, get_language
from scodub.media.ffmpeg import ffmpeg_exe
from scodub.text.bidi import PDF, RLE, needs_direction_marks, strip_direction_marks, wrap_rtl
from scodub.text.linebreak import (
    WORD_RULES,
    best_layout,
    break_lines,
    ends_sentence,
    join_words,
    layout,
    lines_fit,
    min_duration_for_cps,
    min_lines,
    reading_chars,
    reading_speed_cps,
    text_width,
)
from scodub.text.srt import write_srt

EN, ZH, RU, FA, UR, HI = (get_language(c) for c in ("en", "zh", "ru", "fa", "ur", "hi"))


def test_every_language_has_break_word_lists() -> None:
    for code in LANGUAGES:
        rules = WORD_RULES[code]
        assert rules.break_before or rules.break_before_prefixes, code


def test_cjk_width_counts_full_width_as_one_and_half_width_as_half() -> None:
    assert text_width("中文", ZH) == 2.0
    assert text_width("DVD", ZH) == 1.5
    assert text_width("我看了DVD，很好。", ZH) == 1.5 + 7  # 我看了 ， 很好 。 are full width
    assert text_width("ｱｲｳ", ZH) == 1.5  # half-width katakana
    assert text_width("１２", ZH) == 2.0  # full-width digits
    # Other languages count characters.
    assert text_width("中文 ok", EN) == 5.0
    assert text_width("Привет", RU) == 6.0


def test_widths_and_reading_speed_exclude_direction_marks_and_line_breaks() -> None:
    line = f"{RLE}سلام دنیا!{PDF}"
    assert text_width(line, FA) == len("سلام دنیا!")
    assert reading_chars((line, "\u200fok")) == len("سلام دنیا!") + 2
    assert reading_chars("Hello,\nworld") == 11  # the line break is not counted
    # Spaces and punctuation are counted.
    assert reading_chars(("Hello, my", "friend.")) == len("Hello, my") + len("friend.")
    assert reading_speed_cps(("a" * 20,), 1000) == 20.0
    assert reading_speed_cps((), 1000) == 0.0
    assert reading_speed_cps(("x",), 0) == float("inf")


def test_min_duration_for_cps_meets_the_limit_exactly() -> None:
    for text in ("a", "a" * 21, "Some text, with punctuation."):
        for lang in (EN, ZH, RU):
            need = min_duration_for_cps(text, lang)
            assert reading_speed_cps(text, need) <= lang.max_cps
            assert reading_speed_cps(text, need - 1) > lang.max_cps


def test_one_line_when_it_fits() -> None:
    assert break_lines("Ask not what your country can do for you.", EN) == (
        "Ask not what your country can do for you.",
    )
    assert break_lines("  spaced   out \n text ", EN) == ("spaced out text",)
    assert break_lines("", EN) == ()


def test_breaks_after_punctuation() -> None:
    lines = break_lines("And so, my fellow Americans, ask not what your country can do", EN)
    assert lines == ("And so, my fellow Americans,", "ask not what your country can do")


def test_breaks_before_a_conjunction_never_after_an_article() -> None:
    lines = break_lines("I think we should go to the cinema and watch the new film tonight", EN)
    assert lines[1].startswith("and ")
    for text in (
        "We watched the extraordinarily long documentary about the festival",
        "She gave the young director a prize at the closing ceremony today",
    ):
        first, second = break_lines(text, EN)
        assert first.split()[-1].lower() not in {"a", "an", "the", "to", "at"}, (first, second)


def test_keeps_first_and_last_name_together() -> None:
    text = "Yesterday evening the famous film director Jia Zhangke arrived in Astana"
    lines = break_lines(text, EN)
    assert any("Jia Zhangke" in line for line in lines) and lines_fit(lines, EN), lines


def test_a_titles_dot_ends_no_sentence_and_keeps_the_title_with_its_name() -> None:
    """"And Mr. / John Dashwood had then leisure to consider": the dot after a title looked
    like a sentence's end, the best place to break."""
    for text in ("And Mr. John Dashwood had then leisure to consider",
                 "We all met Dr. Tan Yingzi yesterday after the screening.",
                 "Both Mrs. Dashwood and her three daughters stayed at home."):
        lines = break_lines(text, EN)
        assert not any(line.endswith(("Mr.", "Dr.", "Mrs.")) for line in lines), lines
    assert ends_sentence("home.", "He", EN) and ends_sentence('"Go."', "We", EN)
    assert not ends_sentence("Mr.", "Smith", EN) and not ends_sentence("Dr.", "Tan", EN)
    # a full word ends a sentence, and an abbreviation before a small word is no title
    assert ends_sentence("sir.", "We", EN) and ends_sentence("ms.", "then", EN)
    lines = break_lines("Yes, sir. We will leave the camp at dawn tomorrow.", EN)
    assert lines == ("Yes, sir.", "We will leave the camp at dawn tomorrow."), lines


def test_protected_span_is_not_split_when_a_layout_allows() -> None:
    text = "the festival jury gave the golden leopard prize to a young director"
    assert "golden leopard prize" not in " | ".join(break_lines(text, EN))  # split by default
    lines = break_lines(text, EN, protected=["Golden Leopard Prize"])
    assert any("golden leopard prize" in line for line in lines), lines
    assert lines_fit(lines, EN)
    text = "导演王小明在哈萨克斯坦拍摄了三年电影"
    assert not any("哈萨克斯坦" in line for line in break_lines(text, ZH))
    lines = break_lines(text, ZH, protected=["哈萨克斯坦"])
    assert any("哈萨克斯坦" in line for line in lines) and lines_fit(lines, ZH), lines


def test_bottom_heavy_pyramid_preferred() -> None:
    lines = break_lines("we walked along the river for hours and hours until it was dark", EN)
    assert len(lines) == 2 and len(lines[0]) <= len(lines[1]), lines


def test_russian_keeps_preposition_with_its_noun() -> None:
    text = "Режиссёр снимал этот фильм три года в Казахстане и в Китае"
    first, second = break_lines(text, RU)
    assert first.split()[-1] not in {"в", "и"}, (first, second)


def test_urdu_and_hindi_keep_postpositions_after_their_word() -> None:
    ur = "یہ فلم شنگھائی تعاون تنظیم کے بارے میں ہے اور اسے کل دکھایا جائے گا"
    first, second = break_lines(ur, UR)
    assert second.split()[0] not in WORD_RULES["ur"].no_break_before, (first, second)
    hi = "यह फ़िल्म शंघाई सहयोग संगठन के बारे में है और इसे कल दिखाया जाएगा"
    first, second = break_lines(hi, HI)
    assert second.split()[0] not in WORD_RULES["hi"].no_break_before, (first, second)


def test_chinese_prefers_punctuation_and_never_starts_a_line_with_it() -> None:
    text = "各位朋友，今天我们放映一部新电影。"
    first, second = break_lines(text, ZH)
    assert first == "各位朋友，", (first, second)
    assert lines_fit((first, second), ZH)
    text = "今天我们为大家放映一部关于上海合作组织的新电影，谢谢。"
    for line in break_lines(text, ZH)[1:]:
        assert unicodedata.category(line[0]) not in ("Po", "Pe", "Pf"), line


def test_chinese_keeps_latin_words_and_numbers_whole() -> None:
    text = "导演在哈萨克斯坦拍摄了三年的电影SCO2025Festival，今天首映"
    lines = break_lines(text, ZH)
    assert any("SCO2025Festival" in line for line in lines), lines


def test_chinese_breaks_before_a_two_character_conjunction() -> None:
    text = "我们今天去北京但是他们明天去上海看电影"
    first, second = break_lines(text, ZH)
    assert second.startswith("但是"), (first, second)


def test_word_wider_than_a_line_is_hard_wrapped() -> None:
    url = "https://example.org/" + "festival" * 6
    assert len(url) > EN.max_chars_per_line
    lines = break_lines(url, EN)
    assert len(lines) == 2 and lines_fit(lines, EN)
    assert "".join(lines) == url
    # Too long for any cue: the layout overflows, never drops text.
    huge = "x" * (TIMING.max_lines * EN.max_chars_per_line + 10)
    result = best_layout(huge, EN)
    assert result.overflow > 0 and "".join(result.lines) == huge
    assert min_lines(huge, EN) == TIMING.max_lines + 1


def test_rtl_lines_are_wrapped_in_embedding_marks_idempotently() -> None:
    text = "فیلم جدید در سال 2024 در جشنواره SCO نمایش داده شد و همه آن را دیدند."
    lines = layout(text, FA)
    assert len(lines) == 2
    for line in lines:
        assert line.startswith(RLE) and line.endswith(PDF)
        assert not needs_direction_marks(line)
    assert tuple(wrap_rtl(line) for line in lines) == lines
    assert " ".join(strip_direction_marks(line) for line in lines) == text
    assert layout(text, EN) == break_lines(text, EN)  # LTR: no marks


def test_needs_direction_marks_flags_latin_digit_and_punctuation_edges() -> None:
    assert needs_direction_marks("SCO نمایش")
    assert needs_direction_marks("نمایش 2024")
    assert needs_direction_marks("نمایش داده شد.")
    assert not needs_direction_marks("نمایش داده شد")
    assert not needs_direction_marks(wrap_rtl("SCO نمایش"))


def test_join_words_spaces_per_script() -> None:
    assert join_words(["And", " so,", "my "], EN) == "And so, my"
    assert join_words(["我们", "看", "DVD", "Video", "吧"], ZH) == "我们看DVD Video吧"
    assert join_words(["", "  "], EN) == ""


_WORD = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ,.!?'-йцукенгшщзхъ"),
    min_size=1,
    max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(words=st.lists(_WORD, min_size=1, max_size=25), code=st.sampled_from(["en", "ru", "uz"]))
def test_layout_keeps_every_word_in_order_and_fits_when_possible(
    words: list[str], code: str
) -> None:
    lang = get_language(code)
    text = " ".join(words)
    lines = break_lines(text, lang)
    assert " ".join(lines).split() == words
    assert len(lines) <= TIMING.max_lines
    if min_lines(text, lang) <= TIMING.max_lines:
        assert lines_fit(lines, lang), lines
    if text_width(text, lang) <= lang.max_chars_per_line:
        assert lines == (text,)


_HAN = st.text(
    alphabet=st.sampled_from("我们今天电影上海合作组织，。！“”《》AB12"), min_size=1, max_size=40
)


@settings(max_examples=150, deadline=None)
@given(text=_HAN)
def test_chinese_layout_keeps_every_character(text: str) -> None:
    lines = break_lines(text, ZH)
    assert "".join(lines) == text
    if min_lines(text, ZH) <= TIMING.max_lines:
        assert lines_fit(lines, ZH)


def _ink_runs(line: str, folder: Path) -> list[tuple[int, int]]:
    """Render ``line`` as a subtitle with libass (FFmpeg's subtitles filter, the renderer
    of mpv and of burnt-in subtitles) and return the column runs that carry ink."""
    srt = folder / "line.srt"
    write_srt([Cue(0, 2000, (line,))], srt)
    width, height = 960, 240
    style = "FontName=DejaVu Sans,FontSize=28,Outline=0,Shadow=0"
    frame = subprocess.run(
        [
            ffmpeg_exe(),
            "-nostdin",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            f"color=c=black:s={width}x{height}:d=1",
            "-vf",
            f"subtitles={srt}:force_style='{style}'",
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "gray",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    image = np.frombuffer(frame, np.uint8).reshape(height, width)
    inked = image.max(axis=0) > 100
    runs: list[tuple[int, int]] = []
    for x in np.nonzero(inked)[0]:
        if runs and runs[-1][1] >= x - 2:  # glyphs closer than 2 px belong together
            runs[-1] = (runs[-1][0], int(x))
        else:
            runs.append((int(x), int(x)))
    return runs


def test_direction_marks_put_final_punctuation_on_the_left_in_a_real_renderer(
    tmp_path: Path,
) -> None:
    """libass lays a line out left-to-right unless told otherwise: an unmarked Persian
    sentence shows its full stop on the right (wrong); wrapped in RLE ... PDF the stop
    sits at the left end, where a right-to-left reader ends. (Needs the DejaVu Sans
    font, which has Arabic glyphs: Debian's fonts-dejavu-core.)"""
    sentence = "نمایش داده شد."
    plain = _ink_runs(sentence, tmp_path)
    marked = _ink_runs(wrap_rtl(sentence), tmp_path)
    dot = 8  # px: a full stop at this size; Arabic words are far wider
    assert plain[-1][1] - plain[-1][0] < dot < plain[0][1] - plain[0][0]
    assert marked[0][1] - marked[0][0] < dot < marked[-1][1] - marked[-1][0]
    # Why RLE ... PDF and not the lighter leading RLM: libass ignores the RLM here.
    assert _ink_runs("\u200f" + sentence, tmp_path) == plain


def test_chinese_lines_never_split_a_character_as_shown() -> None:
    """Per-character breaking keeps together what shows as one character or one word: an
    emoji joined by ZWJ, a skin-tone modifier, a combining mark, a full-width Latin word."""
    zh = get_language("zh")
    family = "👨\u200d👩\u200d👧\u200d👦"
    cases = [
        "我们一家人今天去公园" + family + "玩得很开心啊朋友们你们呢",
        "大家好我是来自ＬＡＴＩＮ美洲的导演今天很高兴见到你们",
        "他说हिंदी很好听我们都喜欢这种语言的声音真的很美",
        "谢谢👍🏽大家的支持我们明天再见晚安朋友们好梦吧",
    ]
    for text in cases:
        lines = break_lines(text, zh)
        assert "".join(lines) == text and len(lines) == 2, lines
        for line in lines[1:]:
            first = line[0]
            assert unicodedata.category(first) not in ("Mn", "Mc", "Me"), lines
            assert first not in ("\u200d", "\U0001f3fd") and not (
                "\uff21" <= first <= "\uff3a" and "\uff21" <= lines[0][-1] <= "\uff3a"
            ), lines
        assert family not in text or any(family in line for line in lines), lines


def test_chinese_never_breaks_a_number_at_its_decimal_point_separator_or_colon() -> None:
    for text, number in (
        ("我们公司今年的销售额增长了3.5个百分点左右", "3.5"),
        ("我们公司今年一共卖出了10,000台机器人", "10,000"),
        ("我们公司今年的会议定在明天上午10:30开始", "10:30"),
    ):
        lines = break_lines(text, ZH)
        assert len(lines) == 2 and lines_fit(lines, ZH), lines
        assert "".join(lines) == text
        assert any(number in line for line in lines), lines


def test_a_hard_wrapped_word_is_cut_between_graphemes_only() -> None:
    """A word wider than a line is cut between the characters a reader sees: never before
    a vowel sign or a virama's consonant (Devanagari), a vowel mark (Persian), a
    combining accent, nor inside an emoji or a flag."""
    flags = "🇮🇳" * 23  # 46 code points: 23 a line would cut a flag in half
    for lines in (break_lines(flags, EN), break_lines(f"Go {flags}", EN)):
        assert len(lines) == 2, lines
        assert all(sum("\U0001f1e6" <= c <= "\U0001f1ff" for c in line) % 2 == 0 for line in lines)
    pieces = {
        HI: "स्त्रीक्षत्रिय",
        FA: "سلامِ",
        EN: "Jose\u0301",
        RU: "й",  # и + combining breve
        UR: "کتابُ",
    }
    for lang, piece in pieces.items():
        for length in range(lang.max_chars_per_line + 1, 2 * lang.max_chars_per_line):
            word = (piece * 60)[:length].rstrip("\u094d")
            if text_width(word, lang) <= lang.max_chars_per_line:
                continue  # a decomposed accent counts as one with its letter
            lines = break_lines(f"{word} ok", lang)
            assert len(lines) == 2 and "".join(lines).replace(" ", "") == f"{word}ok"
            first, second = (strip_direction_marks(line) for line in lines)
            assert unicodedata.category(second[0]) not in ("Mn", "Mc", "Me"), (lang.code, lines)
            assert unicodedata.combining(first[-1]) != 9, (lang.code, lines)  # no virama


def test_a_number_in_groups_of_three_digits_stays_on_one_line() -> None:
    # Russian (and the other Cyrillic languages) group thousands with a space.
    text = "В первую неделю посмотрели ровно 1 250 000 зрителей во всех кинотеатрах"
    lines = break_lines(text, RU)
    assert len(lines) == 2 and lines_fit(lines, RU) and " ".join(lines) == text
    assert any("1 250 000" in line for line in lines), lines


def test_a_no_break_space_is_kept_and_never_broken() -> None:
    for space in ("\u00a0", "\u202f"):
        text = f"В первую неделю посмотрели ровно 1{space}250{space}000 зрителей во всех кино"
        lines = break_lines(text, RU)
        assert len(lines) == 2 and lines_fit(lines, RU) and " ".join(lines) == text, lines
    text = "我们昨天在电影院里一起看了Star\u00a0Wars第七部"
    lines = break_lines(text, ZH)
    assert "".join(lines) == text and any("Star\u00a0Wars" in line for line in lines), lines


def test_a_hard_wrapped_address_or_compound_is_cut_after_a_slash_dot_or_hyphen() -> None:
    for text, lang in (
        ("Подробности на https://festival.example.org/programme/2025/films/resurrection", RU),
        ("See https://festival.example.org/programme/2025/films/resurrection", EN),
        ("详情请见https://festival.example.org/programme/2025/films", ZH),
        ("It was a never-to-be-forgotten-once-in-a-lifetime-experience-for-everyone", EN),
        ("Напишите нам: festival_programme_committee_2025@example.org", RU),
    ):
        lines = break_lines(text, lang)
        assert len(lines) == 2 and lines_fit(lines, lang), lines
        assert lines[0][-1] in "/.-_@" or lines[1][0] in "@", lines


def test_chinese_emoji_widths_agree_between_the_line_breaker_and_qc() -> None:
    # An emoji shown as one wide character counts one, its variation selector or skin
    # tone nothing more; combining marks nothing. The breaker measured them one way and
    # the width check another, so its lines failed the width check.
    assert text_width("❤️", ZH) == 1.0 and text_width("👍🏽", ZH) == 1.0
    assert text_width("q\u0307", ZH) == 0.5
    for text in ("我真的非常非常喜欢这部电影❤️❤️，我们明天还要再去电影院看一遍",
                 "我们👍🏽👍🏽👍🏽👍🏽真的非常喜欢这部电影，明天还要再去电影院看吧"):
        lines = break_lines(text, ZH)
        assert len(lines) == 2 and lines_fit(lines, ZH), [text_width(x, ZH) for x in lines]
