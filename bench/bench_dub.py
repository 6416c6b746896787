"""Benchmark of the dubbing stage on the sample film, in all eleven languages at once.

The English track is what ``scodub transcribe samples/sco-sample.mp4 -l en`` writes (six
cues; its one recognition error, "ill-sposed", corrected as an editor would); the other
ten tracks are hand translations of each cue, laid on the same cue times. English is
spoken by Piper (neural), the others by espeak-ng (formant; Tajik through the Persian
voice). One ``dub_film`` run makes the delivery file with all of them. Measured:

1. fitting, per language: the share of lines spoken at the voice's own rate, sped up by
   the engine only, time-stretched, and not fitted (cut); the mean speed-up;
2. loudness of each mix (integrated, true peak, range) and of its AAC track in the
   delivery file, against EBU R128 (-23 LUFS +-1, true peak <= -1 dBTP);
3. intelligibility: Whisper base transcribing each mix back while the dub speaks (WER;
   CER for Chinese; Kyrgyz is not measurable). Baselines from the same run: Whisper on
   the film's own English speech at the same cue times, and the English and Russian
   dubs over silence (``--no-background``), which shows what the ducked original costs;
4. time: synthesis + mix per language, the back-check per language, the mux.

Run: ``.venv/bin/python bench/bench_dub.py [--out DIR]`` (about five minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from conftest import SAMPLE  # noqa: E402
from scodub.asr.whisper import AsrSettings  # noqa: E402
from scodub.data import Cue, Track  # noqa: E402
from scodub.dub.backcheck import backcheck  # noqa: E402
from scodub.langs import DUBBING, SCO_LANGUAGES  # noqa: E402
from scodub.media.loudness import EBU_R128, measure_loudness  # noqa: E402
from scodub.stages.deliver import DubReport, dub_film  # noqa: E402
from scodub.stages.dub import DubSettings, LanguageDub  # noqa: E402

#: Cue times of ``scodub transcribe samples/sco-sample.mp4 -l en`` (Whisper base).
CUE_TIMES: tuple[tuple[int, int], ...] = (
    (0, 2580),
    (3300, 7617),
    (7700, 10880),
    (12330, 14707),
    (14790, 19490),
    (20450, 23670),
)

# Each cue translated by hand (no translation model exists offline); "them" in cue 5 is
# the Dashwood women, hence feminine plurals where a language marks it.
LINES: dict[str, tuple[str, ...]] = {
    "en": (
        "And so, my fellow Americans,",
        "ask not what your country can do for you,",
        "ask what you can do for your country.",
        "And Mr. John Dashwood had then leisure",
        "to consider how much there might be prudently in his power to do for them.",
        "He was not an ill-disposed young man.",
    ),
    "ru": (
        "Итак, мои сограждане-американцы,",
        "не спрашивайте, что ваша страна может сделать для вас,",
        "спросите, что вы можете сделать для своей страны.",
        "И теперь у мистера Джона Дэшвуда было время",
        "подумать, сколько он благоразумно мог бы сделать для них.",
        "Он не был дурным молодым человеком.",
    ),
    "zh": (
        "因此，我的美国同胞们，",
        "不要问你的国家能为你做什么，",
        "而要问你能为你的国家做什么。",
        "约翰·达什伍德先生这时有空",
        "考虑他能审慎地为她们做多少事。",
        "他并不是一个心地不好的年轻人。",
    ),
    "hi": (
        "तो, मेरे साथी अमेरिकियों,",
        "यह मत पूछिए कि आपका देश आपके लिए क्या कर सकता है,",
        "यह पूछिए कि आप अपने देश के लिए क्या कर सकते हैं।",
        "और तब श्री जॉन डैशवुड को फ़ुरसत मिली",
        "यह सोचने की कि वे समझदारी से उनके लिए कितना कर सकते हैं।",
        "वह बुरे स्वभाव का युवक नहीं था।",
    ),
    "ur": (
        "تو میرے ہم وطن امریکیو،",
        "یہ مت پوچھیے کہ آپ کا ملک آپ کے لیے کیا کر سکتا ہے،",
        "یہ پوچھیے کہ آپ اپنے ملک کے لیے کیا کر سکتے ہیں۔",
        "اور تب مسٹر جان ڈیش ووڈ کو فرصت ملی",
        "یہ سوچنے کی کہ وہ سمجھداری سے ان کے لیے کتنا کچھ کر سکتے ہیں۔",
        "وہ بد مزاج نوجوان نہیں تھا۔",
    ),
    "fa": (
        "پس، هم‌وطنان آمریکایی من،",
        "نپرسید کشورتان چه کاری می‌تواند برای شما انجام دهد،",
        "بپرسید شما چه کاری می‌توانید برای کشورتان انجام دهید.",
        "و آقای جان دشوود آن‌وقت فرصت داشت",
        "بیندیشد که چقدر می‌تواند با احتیاط برای آن‌ها انجام دهد.",
        "او جوان بدطینتی نبود.",
    ),
    "kk": (
        "Сонымен, американдық отандастарым,",
        "еліңіз сіз үшін не істей алатынын сұрамаңыз,",
        "сіз еліңіз үшін не істей алатыныңызды сұраңыз.",
        "Ал Джон Дэшвуд мырзаның сол кезде уақыты болды",
        "олар үшін қаншалықты ақылмен көмектесе алатынын ойлануға.",
        "Ол жаман ниетті жас жігіт емес еді.",
    ),
    "ky": (
        "Ошентип, менин америкалык жердештерим,",
        "өлкөңүз сиз үчүн эмне кыла аларын сурабаңыз,",
        "сиз өлкөңүз үчүн эмне кыла аларыңызды сураңыз.",
        "Анан Джон Дэшвуд мырзанын ошондо убактысы бар эле",
        "алар үчүн акылдуулук менен канча жардам бере аларын ойлонууга.",
        "Ал жаман ниеттүү жигит эмес болчу.",
    ),
    "tg": (
        "Пас, ҳамватанони амрикоии ман,",
        "напурсед, ки кишваратон барои шумо чӣ кор карда метавонад,",
        "бипурсед, ки шумо барои кишваратон чӣ кор карда метавонед.",
        "Ва он гоҳ ҷаноби Ҷон Дэшвуд фурсат дошт",
        "андеша кунад, ки бо хирад барои онҳо чӣ қадар кор карда метавонад.",
        "Ӯ ҷавони бадният набуд.",
    ),
    "uz": (
        "Xullas, amerikalik vatandoshlarim,",
        "mamlakatingiz siz uchun nima qila olishini soʻramang,",
        "siz mamlakatingiz uchun nima qila olishingizni soʻrang.",
        "Va oʻshanda janob Jon Deshvudning vaqti bor edi",
        "ular uchun oqilona qancha yordam bera olishini oʻylab koʻrishga.",
        "U yomon niyatli yigit emas edi.",
    ),
    "be": (
        "Дык вось, мае суайчыннікі-амерыканцы,",
        "не пытайцеся, што ваша краіна можа зрабіць для вас,",
        "спытайце, што вы можаце зрабіць для сваёй краіны.",
        "І тады ў містэра Джона Дэшвуда быў час",
        "падумаць, колькі ён разумна мог бы зрабіць для іх.",
        "Ён не быў дрэнным маладым чалавекам.",
    ),
}


def track(code: str) -> Track:
    cues = tuple(
        Cue(start, end, (text,)) for (start, end), text in zip(CUE_TIMES, LINES[code], strict=True)
    )
    return Track(code, cues, meta={"path": f"bench {code} track"})


def _share(count: int, total: int) -> str:
    return f"{100 * count / max(total, 1):5.0f}%"


def report_fitting(report: DubReport) -> None:
    print("1. Fitting: share of the 6 lines per language by how each was made to fit its slot")
    print("   (no stretch = at the voice's own rate, or faster by the engine alone;")
    print(f"    stretched = time-stretched, at most {DUBBING.max_stretch}x; cut = did not fit)")
    head = f"   {'lang':5}{'voice':18}{'own rate':>9}{'engine':>7}{'no stretch':>11}"
    print(head + f"{'stretched':>10}{'cut':>6}{'mean x':>8}{'max x':>7}")
    for dub in report.languages:
        lines = dub.lines
        own = sum(1 for line in lines if line.fitted and line.speedup <= 1.0)
        engine = sum(
            1 for line in lines if line.fitted and line.stretch == 1.0 and line.engine_rate > 1.0
        )
        stretched = sum(1 for line in lines if line.fitted and line.stretch > 1.0)
        cut = sum(1 for line in lines if not line.fitted)
        speedups = [line.speedup for line in lines]
        print(
            f"   {dub.language:5}{dub.voice.voice:18}{_share(own, len(lines)):>9}"
            f"{_share(engine, len(lines)):>7}{_share(own + engine, len(lines)):>11}"
            f"{_share(stretched, len(lines)):>10}{_share(cut, len(lines)):>6}"
            f"{sum(speedups) / len(speedups):8.2f}{max(speedups):7.2f}"
        )
        for line in dub.fit.not_fitted:
            print(f"        cue {line.index} cut by {line.overflow_ms} ms: {line.text[:50]!r}")


def report_loudness(report: DubReport) -> None:
    target = EBU_R128
    print(
        f"\n2. Loudness (target {target.integrated_lufs:.0f} LUFS "
        f"±{target.tolerance_lu:.0f}, true peak <= {target.max_true_peak_dbtp:.0f} dBTP)"
    )
    print(
        f"   {'lang':5}{'mix LUFS':>9}{'TP dBTP':>9}{'LRA LU':>8}{'AAC LUFS':>10}{'AAC TP':>8}  ok"
    )
    for position, dub in enumerate(report.languages, start=1):
        aac = measure_loudness(report.delivery, position)  # audio 0 is the original
        mix = dub.mix
        ok = mix.meets_target and aac.meets(target)
        print(
            f"   {dub.language:5}{mix.integrated_lufs:9.1f}{mix.true_peak_dbtp:9.1f}{mix.lra:8.1f}"
            f"{aac.integrated_lufs:10.1f}{aac.true_peak_dbtp:8.1f}  {'yes' if ok else 'NO'}"
        )


def report_backcheck(
    report: DubReport, silent: dict[str, LanguageDub], baseline: float, seconds: dict[str, float]
) -> None:
    print("\n3. Intelligibility: Whisper base on each mix while the dub speaks")
    print(f"   baseline: the film's own English speech at the same cue times: WER {baseline:.1%}")
    print(f"   {'lang':5}{'metric':>7}{'mix':>8}{'silence':>9}{'loops':>6}{'check s':>9}  heard")
    for dub in report.languages:
        check = dub.backcheck
        if check is None or check.error_rate is None:
            print(f"   {dub.language:5}  {check.reason if check else 'not run'}")
            continue
        other = silent.get(dub.language)
        quiet = other.backcheck if other else None
        over_silence = f"{quiet.error_rate:9.1%}" if quiet and quiet.error_rate is not None else ""
        print(
            f"   {dub.language:5}{check.metric.upper():>7}{check.error_rate:8.1%}"
            f"{over_silence:>9}{check.loops:6d}{seconds[dub.language]:9.1f}  {check.heard[:60]!r}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="keep the outputs here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-dub-") as scratch:
        out = args.out or Path(scratch)
        tracks: dict[str, Track | Path] = {code: track(code) for code in SCO_LANGUAGES}
        asr = AsrSettings()
        started = time.perf_counter()
        dubbed = dub_film(SAMPLE, tracks, out, DubSettings(backcheck=False, force=True))
        total = time.perf_counter() - started
        # The mixes are cached now: this run's per-language time is the back-check alone.
        report = dub_film(SAMPLE, tracks, out, DubSettings(force=True), asr=asr)
        check_seconds = {dub.language: dub.seconds for dub in report.languages}
        silent_report = dub_film(
            SAMPLE,
            {code: tracks[code] for code in ("en", "ru")},
            out / "over silence",
            DubSettings(background=False, force=True),
            asr=asr,
        )
        silent = {dub.language: dub for dub in silent_report.languages}
        english = track("en")
        spans = [(cue.start_ms, cue.end_ms) for cue in english.cues]
        baseline = backcheck(SAMPLE, "en", english.cues, spans, asr)
        report_fitting(report)
        report_loudness(report)
        report_backcheck(report, silent, baseline.error_rate or 0.0, check_seconds)
        print("\n4. Time (one process, 2 cores)")
        for dub in dubbed.languages:
            print(f"   {dub.language}: synthesis + fit + mix {dub.seconds:.1f} s")
        synth = sum(dub.seconds for dub in dubbed.languages)
        print(
            f"   whole run without back-check: {total:.1f} s (mux and checks {total - synth:.1f} s)"
        )
        print(f"   streams in {report.delivery.name}: {len(report.streams)}")


if __name__ == "__main__":
    main()
