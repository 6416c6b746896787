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


def test_a_short_form_heard_exactly_inside_a_misspelt_name_is_not_written_twice() -> None:
    # "Али" alone is a form of the term: it used to be protected as a name heard right,
    # so the misspelt rest was rewritten to the whole name beside it ("Али Али")
    glossary = Glossary((UMAIR,))
    fixed = correct(transcript("Умаир Насер Али привлёк внимание", "ru", {"Насер"}), glossary)
    assert fixed.text.strip() == "Умаир Насир Али привлёк внимание"
    fixed = correct(transcript("then Umair Naser Ali spoke", "en", {"Naser"}), glossary)
    assert fixed.text.strip() == "then Umair Nasir Ali spoke"


def test_a_longer_name_may_hold_a_shorter_one_heard_exactly() -> None:
    # "Yongchuan" heard right is part of the studio's name, not a reason to leave the
    # misspelt studio as heard
    glossary = Glossary((YONGCHUAN, STUDIO))
    fixed = correct(transcript("the Yongchuan Tecknology Studio opened", "en", {"Tecknology"}),
                    glossary)
    assert fixed.text.strip() == "the Yongchuan Technology Studio opened"
    # a name heard exactly still stops a match of another name over it
    fixed = correct(transcript("Yongchuan Tecknology opened", "en", {"Tecknology"}),
                    Glossary((YONGCHUAN, Term("tech", "organisation", {"en": "Tecknology Ltd"}))))
    assert fixed.text.strip() == "Yongchuan Tecknology opened"


def test_the_best_matching_name_wins_over_a_longer_spelt_one() -> None:
    # "Каннский международный кинофестиваль" has one letter more than Minsk's variant:
    # letters alone used to choose Cannes for a misspelt Minsk
    glossary = Glossary((MINSK_IFF, CANNES))
    fixed = correct(transcript("Менский международный кинофестиваль привлёк внимание", "ru",
                               {"Менский"}), glossary)
    assert fixed.text.strip() == "Минский международный кинофестиваль привлёк внимание"


def test_a_word_heard_surely_beside_a_name_is_not_swallowed_by_it() -> None:
    glossary = Glossary((CAMELLIA, MINSK_IFF))
    fixed = correct(transcript("Потом Золатая камелия снова появилась", "ru",
                               {"Золатая", "камелия"}), glossary)
    assert fixed.text.strip() == "Потом Золотая камелия снова появилась"
    fixed = correct(transcript("Потом Минский международный кинофестивал «Лістапад» снова", "ru",
                               {"кинофестивал"}), glossary)
    assert fixed.text.strip() == "Потом Минский международный кинофестиваль «Лістапад» снова"


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


def test_a_longer_name_may_hold_a_shorter_one_heard_inflected() -> None:
    # "минский" reads as the place Минск with a case ending: part of the festival's name
    glossary = Glossary((MINSK_IFF, Term("minsk", "place", {"en": "Minsk", "ru": "Минск"})))
    heard = "минский мешдународный кинофестиваль «лістапад» привлёк"
    fixed = correct(transcript(heard, "ru", set(heard.split()[:4])), glossary)
    assert fixed.text.strip() == "Минский международный кинофестиваль «Лістапад» привлёк"
