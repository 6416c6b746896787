"""Text-level glossary correction outside English (issue 8): a misspelt name is written
once, whole and as the right term, and the words around it stay as heard.

The faults were found by bench/bench_names_text.py (generated ASR-like misspellings of the
festival glossary's Chinese and Russian forms, and ordinary text in each language).
"""

from __future__ import annotations

from scodub.data import Segment, Transcript, Word
from scodub.names.correct import correct
from scodub.names.glossary import Glossary, Term
from test_correct import transcript

SURE, UNSURE = 0.95, 0.4

UMAIR = Term("umair-nasir-ali", "person", {"en": "Umair Nasir Ali", "ru": "Умаир Насир Али"},
             variants={"en": ("Ali",), "ru": ("Али",)})
YONGCHUAN = Term("yongchuan", "place", {"en": "Yongchuan", "ru": "Юнчуань"})
STUDIO = Term("yongchuan-technology-studio", "place",
              {"en": "Yongchuan Technology Studio", "ru": "Технологическая киностудия Юнчуань"})
MINSK_IFF = Term("minsk-iff", "festival",
                 {"en": "Minsk International Film Festival Listapad",
                  "ru": "Минский международный кинофестиваль «Лістапад»"},
                 variants={"ru": ("Лістапад", "Минский международный кинофестиваль")})
CANNES = Term("cannes-film-festival", "festival",
              {"en": "Cannes Film Festival", "ru": "Каннский кинофестиваль"},
              variants={"ru": ("Каннский международный кинофестиваль",)})
CAMELLIA = Term("golden-camellia", "award", {"en": "Golden Camellia", "ru": "Золотая камелия"},
                variants={"ru": ("премия «Золотая камелия»",)})


def test_punctuation_of_the_name_is_not_doubled() -> None:
    glossary = Glossary((MINSK_IFF,))
    heard = "минский мешдународный кинофестиваль «лістапад» привлёк"
    fixed = correct(transcript(heard, "ru", set(heard.split()[:4])), glossary)
    assert fixed.text.strip() == "Минский международный кинофестиваль «Лістапад» привлёк"


def zh(*words: tuple[str, bool]) -> Transcript:
    """A Chinese segment of Whisper's one- or two-character words (True: unsure)."""
    ws = tuple(Word(w, i * 300, i * 300 + 290, UNSURE if unsure else SURE)
               for i, (w, unsure) in enumerate(words))
    return Transcript("zh", 1.0, ws[-1].end_ms,
                      (Segment(0, ws[-1].end_ms, "".join(w for w, _ in words), ws),))


ZH = Glossary((Term("cannes", "place", {"en": "Cannes", "zh": "戛纳"}),
               Term("yongchuan", "place", {"en": "Yongchuan", "zh": "永川"}),
               Term("chongqing", "place", {"en": "Chongqing", "zh": "重庆"}),
               Term("zhang-yimou", "person", {"en": "Zhang Yimou", "zh": "张艺谋"}),
               Term("cinetech", "festival", {"en": "CineTech Expo", "zh": "电影科技成果展览"}),
               Term("filmmart", "festival", {"en": "FilmMart", "zh": "电影市场"})))


def test_chinese_ordinary_words_are_not_read_as_names_of_other_syllables() -> None:
    # one character is one syllable: 将 (jiang) is not 戛纳 (jia na), 用户 (yong hu) not
    # 永川 (yong chuan), 创建 (chuang jian) not 重庆 (chong qing), even where Whisper was unsure
    for words in ((("将", True), ("树", False), ("信息", False)),
                  (("只有", False), ("超级", False), ("用户", True), ("能", False)),
                  (("无法", False), ("创建", True), ("链接", False))):
        assert correct(zh(*words), ZH).corrections == (), words


def test_chinese_homophones_and_a_dropped_inner_character_are_corrected() -> None:
    fixed = correct(zh(("我们", False), ("采访", False), ("了", False), ("章", True),
                       ("一谋", True), ("。", False)), ZH)
    assert fixed.text == "我们采访了张艺谋。"
    # 科 dropped from the middle of a long name is a mishearing, not a part of the name;
    # the shorter name FilmMart (电影市场, dian ying shi chang) is not 电影技成 (ji cheng)
    fixed = correct(zh(("电影", True), ("技成", True), ("果", True), ("展览", True),
                       ("开幕", False)), ZH)
    assert fixed.text == "电影科技成果展览开幕"
