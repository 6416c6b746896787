"""Glossary hit rates: how many festival names come out right, before and after scodub.

Part 1 (always): translation. The English sentences of tests/data/glossary_sentences.yaml
go through each deterministic fake translator (``tests/fakes.py``) into each of the 11
languages. Per fake and language it prints the share of source terms found in the output
in the glossary form for that language (``scodub.names.enforce.verify``):

- before: the fake's output for the plain sentence, untouched;
- repair: that same output after ``enforce.repair`` (verify, fuzzy-replace or insert);
- after: protect -> fake -> restore (placeholders, then verify and repair).

plus, over all languages, the placeholders left in the output and the terms left more
often than the source had them (both must be 0).

Part 2 (``--asr``, about 4 minutes on 2 cores): speech. The same sentences spoken by the
embedded Piper voice, transcribed by the embedded Whisper base without and with the
glossary's hotwords, then ``scodub.names.correct.correct``: names right in the transcript before
and after correction, wrong names (in the transcript but not in the sentence), and echoed
prompt lists removed.

Glossary: glossaries/sco-film-festival-2025.yaml when it is there, else the test glossary
in the YAML file (``--glossary case`` forces it).

Run: ``.venv/bin/python bench/bench_glossary.py [--asr] [--glossary festival|case]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from fakes import FAKES, InflectTranslator, source_names  # noqa: E402
from glossary_cases import case_glossary, festival_glossary, sentences  # noqa: E402
from scodub.langs import SCO_LANGUAGES  # noqa: E402
from scodub.names.enforce import PLACEHOLDER_RE, find_terms, protect, repair, restore, verify  # noqa: E402
from scodub.names.glossary import Glossary  # noqa: E402


def _translator(name: str, glossary: Glossary):  # type: ignore[no-untyped-def]
    cls = FAKES[name]
    if cls is InflectTranslator:
        return InflectTranslator(glossary=glossary)
    return cls(names=source_names(glossary, "en"))


def translation_rates(glossary: Glossary) -> None:
    texts = [s.text for s in sentences()]
    print(f"{len(texts)} sentences, "
          f"{sum(len(find_terms(t, 'en', glossary)) for t in texts)} term occurrences")
    print("hit rate % per language: before / repair / after")
    header = "".join(f"{lang:>12}" for lang in SCO_LANGUAGES)
    print(f"{'fake':<14}{header}  leaks dups  ms/sentence")
    for name in FAKES:
        translator = _translator(name, glossary)
        cells, leaks, dups, started, runs = [], 0, 0, time.perf_counter(), 0
        for target in SCO_LANGUAGES:
            total = before = plain = after = 0
            raw = [hyps[0] for hyps in translator.translate(texts, "en", target)]
            protected = [protect(t, "en", glossary) for t in texts]
            out = [hyps[0] for hyps in translator.translate([p.text for p in protected],
                                                            "en", target)]
            for text, raw_text, prot, out_text in zip(texts, raw, protected, out, strict=True):
                checks = verify(raw_text, text, "en", target, glossary)
                total += len(checks)
                before += sum(c.status != "miss" for c in checks)
                plain += len(repair(raw_text, text, "en", target, glossary).hits)
                enforced = restore(out_text, prot, target, glossary)
                after += len(enforced.hits)
                leaks += len(PLACEHOLDER_RE.findall(enforced.text))
                wanted = Counter(s.term_id for s in prot.slots)
                found = Counter(s.term_id for s in find_terms(enforced.text, target, glossary))
                dups += sum(max(0, found[t] - n) for t, n in wanted.items())
                runs += 1
            cells.append(f"{_pct(before, total)}/{_pct(plain, total)}/{_pct(after, total)}")
        per = 1000 * (time.perf_counter() - started) / runs
        print(f"{name:<14}" + "".join(f"{c:>12}" for c in cells) + f"  {leaks:>5} {dups:>4}"
              f"  {per:8.1f}")


def _pct(part: int, total: int) -> str:
    return f"{round(100 * part / total) if total else 100}"


def asr_rates(glossary: Glossary) -> None:
    import numpy as np

    from scodub.asr.whisper import AsrSettings, prepare, transcribe_audio
    from scodub.dub.piper_voice import load_piper_voice
    from scodub.names.correct import correct
    from scodub.names.prompt import hotwords
    from scodub.provision.piper import embedded_english_model

    voice = load_piper_voice(embedded_english_model())
    _, model = prepare(AsrSettings(language="en"))
    cases = sentences()
    audio = []
    for case in cases:
        wave = voice.synthesize(case.text)
        n = int(len(wave) * 16000 / voice.sample_rate)
        grid = np.linspace(0, len(wave) - 1, n)
        audio.append(np.interp(grid, np.arange(len(wave)), wave).astype(np.float32))
    print(f"\nspeech: {len(cases)} sentences spoken by Piper {voice.name}, Whisper base")
    print(f"{'prompt':<10}{'names':>7}{'ASR right':>11}{'corrected':>11}{'wrong':>7}"
          f"{'fixes':>7}{'echoes':>8}")
    for label, prompt in (("none", None), ("hotwords", hotwords(glossary, "en"))):
        names = right = fixed = wrong = fixes = echoes = 0
        for case, wave in zip(cases, audio, strict=True):
            want = {s.term_id for s in find_terms(case.text, "en", glossary)}
            heard = transcribe_audio(wave, AsrSettings(language="en", hotwords=prompt), model)
            after = correct(heard, glossary)
            got_before = {s.term_id for s in find_terms(heard.text, "en", glossary)}
            got_after = {s.term_id for s in find_terms(after.text, "en", glossary)}
            names += len(want)
            right += len(want & got_before)
            fixed += len(want & got_after)
            wrong += len(got_after - want)
            fixes += sum(1 for c in after.corrections if c.corrected)
            echoes += sum(1 for c in after.corrections if not c.corrected)
        print(f"{label:<10}{names:>7}{right:>11}{fixed:>11}{wrong:>7}{fixes:>7}{echoes:>8}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--glossary", choices=("festival", "case"), default="festival")
    parser.add_argument("--asr", action="store_true", help="also speech -> Whisper -> correct")
    args = parser.parse_args()
    festival = festival_glossary() if args.glossary == "festival" else None
    glossary = festival or case_glossary()
    print(f"glossary: {glossary.sources[0]} ({len(glossary)} terms)")
    translation_rates(glossary)
    if args.asr:
        asr_rates(glossary)


if __name__ == "__main__":
    main()
