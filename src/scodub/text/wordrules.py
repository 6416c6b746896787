"""Per-language word lists: those that steer line and cue breaks (conjunctions and
prepositions that may open a line, articles that never end one, particles that never open
one), and the function words a misheard festival name never starts or ends on."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WordRules:
    """Small per-language word lists that steer line (and cue) breaks."""

    break_before: frozenset[str] = frozenset()  # conjunctions, prepositions: may open a line
    no_break_after: frozenset[str] = frozenset()  # articles, prepositions: never end a line
    no_break_before: frozenset[str] = frozenset()  # postpositions, auxiliaries: never open one
    break_before_prefixes: tuple[str, ...] = ()  # unsegmented scripts (zh): two-char conjunctions
    # words that are a postposition in one sense and open a clause in another (Urdu "میں":
    # "in" and "I"; Hindi "पर": "on" and "but"; Uzbek "keyin": "after" and "then"): a line
    # had better not open with one, but may
    maybe_no_break_before: frozenset[str] = frozenset()
    # capitalised words that are no part of a name ("I told Sarah / I would come")
    not_names: frozenset[str] = frozenset()


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_EN_CONJ = (
    "and but or nor so yet because although though while when where which who whom if unless"
    " until since as than whether that"
)
_EN_PREP = (
    "to of in on at for with from by about into onto over under between through without"
    " against during across toward towards upon within after before"
)
_RU_CONJ = (
    "и а но или либо что чтобы если когда потому хотя как где который которая которое которые"
    " пока зато однако"
)
_RU_PREP = (
    "в во на с со к ко по о об обо от до из за для без под над при про через у между перед"
    " около после"
)
_BE_CONJ = "і й а але ці або што каб калі бо хоць як дзе які якая якое якія пакуль аднак"
_BE_PREP = "у ў в на з са к да па аб ад за для без пад над пры пра праз каля перад паміж пасля"
_TG_CONJ = "ва вале аммо ё агар зеро чунки ки балки лекин ҳам"
_TG_PREP = "дар ба аз бо барои то бе сӯи назди пеши баъди пас"
# Two-character conjunctions (Chinese is not segmented into words here).
_ZH_CONJ = "但是 因为 所以 而且 如果 可是 然后 不过 或者 虽然 以及 因此 于是 并且 还是 只是"
_FA_CONJ = "و اما ولی یا اگر چون زیرا که بلکه پس تا"
_FA_PREP = "در به از با برای بی بر روی زیر بدون"

WORD_RULES: dict[str, WordRules] = {
    "en": WordRules(
        break_before=_words(_EN_CONJ + " " + _EN_PREP),
        no_break_after=_words(
            "a an the my your his her its our their this these those some any no every each "
            + _EN_PREP
            + " "
            + _EN_CONJ
            + " i you he she we they not very mr mrs ms dr"
        ),
        not_names=_words("i i'm i'll i've i'd i’m i’ll i’ve i’d"),
    ),
    "ru": WordRules(
        break_before=_words(_RU_CONJ + " " + _RU_PREP),
        no_break_after=_words(_RU_PREP + " " + _RU_CONJ + " не ни"),
        no_break_before=_words("же ли бы ль б ж"),
    ),
    "be": WordRules(
        break_before=_words(_BE_CONJ + " " + _BE_PREP),
        no_break_after=_words(_BE_PREP + " " + _BE_CONJ + " не ні"),
        no_break_before=_words("жа ж лі б бы"),
    ),
    # Turkic languages put postpositions after the noun: break after them, not before.
    "kk": WordRules(
        break_before=_words("және бірақ немесе әлде егер себебі өйткені сондықтан алайда яғни"),
        no_break_after=_words("және бірақ немесе әлде егер"),
        no_break_before=_words(
            "үшін туралы арқылы дейін бойынша сияқты қарай бері соң ғой ма ме ба бе па пе"
        ),
        maybe_no_break_before=_words("кейін"),
    ),
    "ky": WordRules(
        break_before=_words("жана бирок же эгер анткени ошондуктан"),
        no_break_after=_words("жана бирок же эгер"),
        no_break_before=_words(
            "үчүн жөнүндө менен аркылуу чейин боюнча сыяктуу карай бери го бы"
        ),
        maybe_no_break_before=_words("кийин"),
    ),
    "uz": WordRules(
        break_before=_words("va lekin ammo biroq yoki agar chunki balki shuning"),
        no_break_after=_words("va lekin ammo biroq yoki agar"),
        no_break_before=_words(
            "uchun bilan haqida orqali qadar boʻyicha bo'yicha kabi sari tomon"
        ),
        maybe_no_break_before=_words("keyin"),
    ),
    "tg": WordRules(
        break_before=_words(_TG_CONJ + " " + _TG_PREP),
        no_break_after=_words(_TG_PREP + " " + _TG_CONJ),
        no_break_before=_words("ро"),
    ),
    "fa": WordRules(
        break_before=_words(_FA_CONJ + " " + _FA_PREP),
        no_break_after=_words(_FA_PREP + " " + _FA_CONJ),
        no_break_before=_words("را است هست"),
    ),
    # Urdu and Hindi: postpositions and auxiliaries follow the word they belong to.
    "ur": WordRules(
        break_before=_words("اور لیکن مگر یا اگر کیونکہ کہ جب بلکہ پھر"),
        no_break_after=_words("اور لیکن مگر یا اگر کیونکہ"),
        no_break_before=_words(
            "کا کی کے سے نے کو تک والا والی والے ہے ہیں تھا تھی تھے گا گی گے"
        ),
        maybe_no_break_before=_words("میں پر"),
    ),
    "hi": WordRules(
        break_before=_words("और लेकिन मगर या अगर क्योंकि कि जब बल्कि फिर परंतु किंतु"),
        no_break_after=_words("और लेकिन मगर या अगर क्योंकि"),
        no_break_before=_words("का की के में से ने को तक वाला वाली वाले है हैं था थी थे गा गी गे"),
        maybe_no_break_before=_words("पर"),
    ),
    "zh": WordRules(
        break_before_prefixes=tuple(sorted(_words(_ZH_CONJ))),
    ),
}

#: Function words that never start or end a misheard name (``scodub.names.correct``),
#: unless the name has them ("The Legend of Maula Jatt"). "our films" sounds like
#: "ARY Films" and "aim to" like "Dai Mo", but a phrase that leans on such a word is
#: ordinary speech.
NAME_EDGE_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset((
        "a", "an", "the", "of", "to", "in", "on", "at", "and", "or", "but", "as", "by",
        "for", "from", "with", "into", "our", "my", "your", "his", "her", "its", "their",
        "we", "you", "he", "she", "it", "they", "i", "is", "was", "are", "were", "be",
        "been", "has", "have", "had", "do", "did", "not", "no", "so", "that", "this",
        "these", "those", "there", "here", "what", "which", "who", "when", "where",
        "than", "then", "if"
    )),
    "ru": frozenset((
        "а", "в", "во", "и", "к", "ко", "на", "над", "о", "об", "от", "по", "под", "при",
        "про", "с", "со", "у", "за", "из", "не", "но", "что", "как", "это", "он", "она",
        "они", "мы", "вы", "я", "же", "ли", "бы"
    )),
}

#: Endings that make a word of a name ("eurasian", "koreans"); other added letters are
#: taken for a mishearing ("fan ling" for Fan Lin).
NAME_SUFFIXES = frozenset(
    ("s", "es", "n", "an", "ian", "ians", "ans", "ese", "ish", "er", "ers", "ern", "ns")
)

#: Articles (``scodub.names.context``): English puts none before the name of a person, a
#: place or a company ("Minsk", "Fan Lin", "Base FX"), so "the minks" or "the fan lint"
#: heard after one are ordinary words, not those names. Languages without articles have
#: no entry.
ARTICLES: dict[str, frozenset[str]] = {"en": frozenset(("the", "a", "an"))}

#: Titles that stand before a person's name ("Mr. John Dashwood"): no place, film or
#: company follows one ("Mr. Young Nash" is not "Mr. Yongchuan"). Folded as names are
#: matched (``scodub.names.match.tokens``: lower case, letters only: "Mr." is "mr").
HONORIFICS: dict[str, frozenset[str]] = {
    "en": frozenset((
        "mr", "mrs", "ms", "miss", "mister", "dr", "doctor", "prof", "professor", "sir",
        "dame", "lord", "lady", "madam", "madame", "mx", "rev", "reverend",
    )),
    "ru": frozenset(("господин", "госпожа", "гн", "гжа", "доктор", "профессор")),
}
#: Titles written short with a dot before a name ("Mr. Dashwood", "Dr. Tan"): that dot ends
#: no sentence. Only abbreviations: "Yes, sir." and "Call a doctor." do end one.
TITLE_ABBREVIATIONS: dict[str, frozenset[str]] = {
    "en": frozenset(("mr", "mrs", "ms", "messrs", "mmes", "dr", "prof", "mx", "rev", "hon")),
}
#: Words after which a name is given ("The Russian entry was called resurrection": a
#: film's title, however Whisper wrote its case), folded as names are matched.
NAMING_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(("called", "titled", "entitled", "named")),
    "ru": frozenset(("названием", "называется", "назывался", "называлась", "называлось",
                     "назывались", "называются", "названный", "названная", "названное")),
}
#: Subjects after which an English naming word is a verb of its own ("he called home",
#: "they named him"), not a name given ("a film called Resurrection", "it was called").
NAMING_VERB_SUBJECTS: dict[str, frozenset[str]] = {
    "en": frozenset(("i", "you", "he", "she", "we", "they", "who")),
}
#: Languages that capitalise a title before a name: there, a title in lower case is an
#: ordinary word ("I miss Chongqing", "a lady from Minsk"). Russian writes "господин"
#: in lower case.
TITLES_CAPITALISED = frozenset(("en",))

#: Common nouns that head a name which does take an article: "the China Film Group", "the
#: Yongchuan District", "the CineTech Expo", "the FilmMart" (the last part of a joined
#: word counts). Singular forms: a plural ending is taken off before looking.
ARTICLE_HEADS: dict[str, frozenset[str]] = {
    "en": frozenset((
        "academy", "administration", "agency", "alliance", "association", "authority",
        "award", "bank", "board", "bureau", "center", "centre", "ceremony", "channel",
        "club", "college", "commission", "committee", "company", "conference", "congress",
        "corporation", "council", "daily", "department", "directorate", "district",
        "division", "expo", "federation", "festival", "forum", "foundation", "gala",
        "gazette", "group", "hall", "herald", "institute", "island", "kingdom", "lab",
        "laboratory", "league", "library", "mart", "market", "ministry", "mountain",
        "museum", "network", "office", "organisation", "organization", "palace", "park",
        "post", "prize", "province", "region", "republic", "river", "school", "sea",
        "service", "society", "square", "state", "station", "studio", "system", "theatre",
        "theater", "times", "tower", "union", "university", "valley", "week",
    )),
}

#: Words that open an English yes/no question ("Can film festival organisers ever rest?"):
#: the question's own verb, never the start of a name the sentence would then lack a verb
#: for (``scodub.names.context``).
QUESTION_OPENERS: dict[str, frozenset[str]] = {
    "en": frozenset((
        "can", "could", "will", "would", "shall", "should", "may", "might", "must", "do",
        "does", "did", "is", "are", "was", "were", "have", "has", "had",
    )),
}
