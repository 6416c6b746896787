"""Benchmarks of the dubbing voices and line fitting, each against a baseline measured in
the same run:

1. synthesis speed: seconds of speech per second of wall time for every backend (Piper
   English, espeak-ng for each language, Tajik through the Persian voice), and its ratio
   to espeak-ng English;
2. fitting: the same six lines in all eleven languages, each fitted into the slot that the
   English line takes when Piper speaks it (plus a 300 ms pause before the next line), as
   in a dub of an English film; per language, the share of lines at each speed-up and
   every line that did not fit;
3. the English Piper voice against real speech: the five LibriVox utterances, each dubbed
   into the time the human reader took.

Run: ``.venv/bin/python bench/bench_tts.py [--repeat 3]`` (under a minute on 2 cores).
"""

from __future__ import annotations

import argparse
import sys
import time
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from conftest import DATA, librivox_references  # noqa: E402
from scodub.data import Cue  # noqa: E402
from scodub.dub.fitting import fit_lines, summarize, trim_silence  # noqa: E402
from scodub.dub.voices import Voice, resolve_voice  # noqa: E402
from scodub.langs import SCO_LANGUAGES  # noqa: E402

PAUSE_MS = 300  # silence between two lines of the English original

# Six everyday film lines, translated by hand (no translation model exists offline).
LINES: dict[str, tuple[str, ...]] = {
    "en": (
        "We have to leave the city before the storm arrives.",
        "Where did you put the keys to the car?",
        "Nobody believed him when he said he had seen the mountain move.",
        "Thank you, my friend. I will never forget this.",
        "The meeting starts at nine tomorrow morning, so do not be late.",
        "Tell your mother that we will be home for dinner.",
    ),
    "zh": (
        "我们必须在暴风雨来临之前离开这座城市。",
        "你把车钥匙放在哪儿了？",
        "他说他看见山在移动，可是没有人相信他。",
        "谢谢你，我的朋友。我永远不会忘记这件事。",
        "会议明天早上九点开始，所以不要迟到。",
        "告诉你妈妈，我们会回家吃晚饭。",
    ),
    "ru": (
        "Мы должны покинуть город до того, как начнётся буря.",
        "Куда ты положил ключи от машины?",
        "Никто ему не поверил, когда он сказал, что видел, как гора сдвинулась.",
        "Спасибо, друг мой. Я никогда этого не забуду.",
        "Встреча начинается завтра в девять утра, так что не опаздывай.",
        "Скажи маме, что мы будем дома к ужину.",
    ),
    "hi": (
        "तूफ़ान आने से पहले हमें शहर छोड़ना होगा।",
        "तुमने गाड़ी की चाबियाँ कहाँ रखीं?",
        "जब उसने कहा कि उसने पहाड़ को हिलते देखा, तो किसी ने उस पर विश्वास नहीं किया।",
        "धन्यवाद, मेरे दोस्त। मैं इसे कभी नहीं भूलूँगा।",
        "बैठक कल सुबह नौ बजे शुरू होगी, इसलिए देर मत करना।",
        "अपनी माँ से कहो कि हम रात के खाने तक घर पहुँच जाएँगे।",
    ),
    "ur": (
        "طوفان آنے سے پہلے ہمیں شہر چھوڑنا ہوگا۔",
        "تم نے گاڑی کی چابیاں کہاں رکھیں؟",
        "جب اس نے کہا کہ اس نے پہاڑ کو ہلتے دیکھا تو کسی نے اس کا یقین نہیں کیا۔",
        "شکریہ، میرے دوست۔ میں اسے کبھی نہیں بھولوں گا۔",
        "میٹنگ کل صبح نو بجے شروع ہوگی، اس لیے دیر نہ کرنا۔",
        "اپنی امی سے کہو کہ ہم رات کے کھانے تک گھر پہنچ جائیں گے۔",
    ),
    "fa": (
        "باید پیش از رسیدن طوفان شهر را ترک کنیم.",
        "کلیدهای ماشین را کجا گذاشتی؟",
        "وقتی گفت که دیده کوه حرکت کرده، هیچ‌کس حرفش را باور نکرد.",
        "ممنونم دوست من. هرگز این را فراموش نمی‌کنم.",
        "جلسه فردا ساعت نه صبح شروع می‌شود، پس دیر نکن.",
        "به مادرت بگو که برای شام خانه خواهیم بود.",
    ),
    "kk": (
        "Дауыл басталмай тұрып қаладан кетуіміз керек.",
        "Көліктің кілттерін қайда қойдың?",
        "Ол таудың қозғалғанын көрдім дегенде, оған ешкім сенбеді.",
        "Рахмет, досым. Мен мұны ешқашан ұмытпаймын.",
        "Жиналыс ертең таңғы сағат тоғызда басталады, сондықтан кешікпе.",
        "Анаңа біз кешкі асқа үйде боламыз деп айт.",
    ),
    "ky": (
        "Бороон башталганга чейин шаардан кетишибиз керек.",
        "Унаанын ачкычтарын кайда койдуң?",
        "Ал тоонун жылганын көрдүм дегенде, ага эч ким ишенген жок.",
        "Рахмат, досум. Мен муну эч качан унутпайм.",
        "Жыйын эртең саат тогузда башталат, ошондуктан кечикпе.",
        "Апаңа биз кечки тамакка үйдө болобуз деп айт.",
    ),
    "tg": (
        "Мо бояд пеш аз омадани тӯфон аз шаҳр равем.",
        "Калидҳои мошинро куҷо мондӣ?",
        "Вақте ки ӯ гуфт, ки ҳаракати кӯҳро дидааст, ҳеҷ кас ба ӯ бовар накард.",
        "Ташаккур, дӯсти ман. Ман инро ҳеҷ гоҳ фаромӯш намекунам.",
        "Ҷаласа фардо соати нӯҳи саҳар оғоз мешавад, пас дер накун.",
        "Ба модарат бигӯ, ки мо барои хӯроки шом дар хона хоҳем буд.",
    ),
    "uz": (
        "Boʻron boshlanmasdan oldin shahardan ketishimiz kerak.",
        "Mashina kalitlarini qayerga qoʻyding?",
        "U togʻning qimirlaganini koʻrdim deganida, hech kim unga ishonmadi.",
        "Rahmat, doʻstim. Buni hech qachon unutmayman.",
        "Yigʻilish ertaga ertalab soat toʻqqizda boshlanadi, shuning uchun kechikma.",
        "Onangga ayt, kechki ovqatga uyda boʻlamiz.",
    ),
    "be": (
        "Мы павінны пакінуць горад да таго, як пачнецца бура.",
        "Куды ты паклаў ключы ад машыны?",
        "Ніхто яму не паверыў, калі ён сказаў, што бачыў, як гара зрушылася.",
        "Дзякуй, мой сябар. Я ніколі гэтага не забуду.",
        "Сустрэча пачынаецца заўтра ў дзевяць раніцы, таму не спазняйся.",
        "Скажы маме, што мы будзем дома да вячэры.",
    ),
}


def speech_per_wall(voice: Voice, lines: tuple[str, ...], repeat: int) -> tuple[float, float]:
    """(seconds of speech, seconds of wall time) for ``repeat`` passes over ``lines``."""
    voice.synthesize(lines[0])  # warm-up: first-call allocations are not synthesis speed
    samples = 0
    start = time.perf_counter()
    for _ in range(repeat):
        for line in lines:
            samples += voice.synthesize(line).size
    return samples / voice.sample_rate, time.perf_counter() - start


def bench_speed(repeat: int) -> None:
    print("1. Synthesis speed (seconds of speech per second of wall time, 1 process, 2 cores)")
    start = time.perf_counter()
    piper = resolve_voice("en", "piper")
    print(f"   Piper en_US-joe-medium load: {time.perf_counter() - start:.2f} s (once per run)")
    backends: list[tuple[str, Voice, str]] = [
        ("espeak-ng en (baseline)", resolve_voice("en", "espeak"), "en"),
        ("Piper en_US-joe-medium", piper, "en"),
    ]
    for code in SCO_LANGUAGES:
        if code != "en":
            voice = resolve_voice(code)
            label = f"espeak-ng {code} ({voice.name.removeprefix('espeak:')})"
            backends.append((label, voice, code))
    baseline = 0.0
    print(f"   {'backend':34} {'speech s':>9} {'wall s':>8} {'speech/wall':>12} {'vs base':>8}")
    for label, voice, code in backends:
        speech, wall = speech_per_wall(voice, LINES[code], repeat)
        speed = speech / wall
        baseline = baseline or speed
        print(f"   {label:34} {speech:9.1f} {wall:8.3f} {speed:12.1f} {speed / baseline:8.3f}")


def english_slots(piper: Voice) -> list[Cue]:
    """Cues timed like the English original: each line as long as Piper says it."""
    cues: list[Cue] = []
    at = 1000
    for text in LINES["en"]:
        spoken = trim_silence(piper.synthesize(text), piper.sample_rate).size
        length = round(spoken * 1000 / piper.sample_rate)
        cues.append(Cue(at, at + length, (text,)))
        at += length + PAUSE_MS
    return cues


def bench_fitting() -> None:
    print("\n2. Fitting six lines per language into the English line's slot (+300 ms pause)")
    piper = resolve_voice("en", "piper")
    english = english_slots(piper)
    film_ms = english[-1].end_ms + PAUSE_MS
    rows = [("en", piper), ("en", resolve_voice("en", "espeak"))]
    rows += [(code, resolve_voice(code)) for code in SCO_LANGUAGES if code != "en"]
    for code, voice in rows:
        cues = [
            Cue(cue.start_ms, cue.end_ms, (text,))
            for cue, text in zip(english, LINES[code], strict=True)
        ]
        start = time.perf_counter()
        lines = fit_lines(cues, voice, film_ms)
        wall = time.perf_counter() - start
        summary = summarize(code, voice.name, lines)
        mean = float(np.mean([line.speedup for line in lines]))
        head, *cut = summary.describe().splitlines()
        print(f"   {head}; mean speed-up {mean:.2f}; {wall:.2f} s", *cut, sep="\n   ")


def _speech_ms(path: Path) -> tuple[int, int]:
    """(whole clip, speech without leading/trailing silence) in ms."""
    with wave.open(str(path)) as wav:
        rate = wav.getframerate()
        audio = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2") / 32768.0
    speech = trim_silence(audio.astype(np.float32), rate)
    return round(audio.size * 1000 / rate), round(speech.size * 1000 / rate)


def bench_real_speech() -> None:
    print("\n3. Piper English into the time a human reader took (LibriVox, 5 utterances)")
    piper = resolve_voice("en", "piper")
    refs = librivox_references()
    cues: list[Cue] = []
    at = 0
    for ident, text in sorted(refs.items()):
        _, speech_ms = _speech_ms(DATA / "librivox" / f"{ident}.wav")
        cues.append(Cue(at, at + speech_ms, (text,)))
        at += speech_ms + PAUSE_MS
    lines = fit_lines(cues, piper, at)
    for cue, line in zip(cues, lines, strict=True):
        print(
            f"   human {cue.duration_ms:5d} ms, Piper natural {line.natural_ms:5d} ms -> "
            f"rate {line.engine_rate:.2f} x stretch {line.stretch:.2f}, "
            f"{'fitted' if line.fitted else f'NOT fitted ({line.overflow_ms} ms cut)'}"
        )
    print("   " + summarize("en", piper.name, lines).describe())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="passes over the lines (speed)")
    args = parser.parse_args()
    bench_speed(args.repeat)
    bench_fitting()
    bench_real_speech()


if __name__ == "__main__":
    main()
