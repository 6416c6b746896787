"""From one source track to aligned, glossary-true tracks in many languages.

Steps per film: group cues into sentences; protect glossary terms with placeholders
(numbered uniquely within each sentence, so terms from neighbouring cues never collide);
translate every sentence into every target language in one batched pass
(``translate.translate_cues``); restore and verify the terms (``enforce.restore``);
fit each language's text into the SOURCE timing (``fit.fit_tracks``), which may extend a
cue's out-time for every track at once, never for one track alone.

n-best: a cue that is a whole sentence offers all its candidates to the fitter (a shorter
one may meet the reading speed); a sentence spread over several cues is restored as one
text and split back over its cues, and keeps its best candidate only, since mixing
candidates of one sentence across cues could repeat or lose words at the seams.

Speakers: each speaker's line of a dual-speaker cue is translated as a text of its own
(dash removed), a sentence never runs across a change of speaker, and the fitter lays the
two translated lines out again as a dual-speaker cue, so the dashes hold in every language.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from scodub.data import Track, Transcript, Word
from scodub.devices import DEVICES
from scodub.errors import ConfigError
from scodub.langs import get_language, joiner, subtitle_rules
from scodub.mt.llm import CueTranslator
from scodub.mt.llm_prompt import CueRequest
from scodub.mt.namemarkup import named_markup, wrap_names
from scodub.mt.nllb import Translator, sentence_groups, split_translation, translate_cues
from scodub.mt.units import SpeakerUnit, joined_units, per_cue_candidates, speaker_units
from scodub.names.enforce import (
    Enforced,
    Protected,
    Slot,
    find_terms,
    numbers_in,
    protect,
    repair,
    restore,
)
from scodub.names.glossary import Glossary
from scodub.text.aligned import fit_tracks
from scodub.text.linebreak import join_words, normalize, speaker_lines
from scodub.text.tags import TAG, restore_track_markup, strip_track_markup


@dataclass(frozen=True, slots=True)
class LanguageReport:
    language: str
    cues: int
    glossary_hits: int
    glossary_repairs: int
    glossary_misses: int
    repairs: tuple[dict[str, Any], ...]
    misses: tuple[dict[str, Any], ...]
    fit: dict[str, Any]
    route: str  # "mt:<model>" or "whisper-translate"
    mt: dict[str, Any] = field(default_factory=dict)  # backend counts (LLM: windows, tokens)
    markup_dropped: int = 0  # source tags between words, which translation cannot place

    def to_json(self) -> dict[str, Any]:
        data = {
            "cues": self.cues,
            "route": self.route,
            "glossary": {
                "hits": self.glossary_hits,
                "repairs": self.glossary_repairs,
                "misses": self.glossary_misses,
                "repair_details": list(self.repairs),
                "miss_details": list(self.misses),
            },
            "fit": self.fit,
        }
        if self.mt:
            data["mt"] = self.mt
        if self.markup_dropped:
            data["markup_dropped"] = self.markup_dropped
        return data


@dataclass(frozen=True, slots=True)
class LocalizeResult:
    source: Track  # the source track with the common (possibly extended) timing
    tracks: dict[str, Track]
    reports: dict[str, LanguageReport] = field(default_factory=dict)


def _renumber(prot: Protected, first: int, avoid: set[int]) -> tuple[Protected, int]:
    """The same protection with slot numbers from ``first`` on, skipping ``avoid``."""
    slots: list[Slot] = []
    number = first
    for slot in prot.slots:
        while number in avoid:
            number += 1
        slots.append(replace(slot, number=number, placeholder=f"[[{number}]]"))
        number += 1
    pieces: list[str] = []
    pos = 0
    for slot in slots:
        pieces += [prot.source_text[pos : slot.start], slot.placeholder]
        pos = slot.end
    pieces.append(prot.source_text[pos:])
    return replace(prot, text="".join(pieces), slots=tuple(slots)), number


@dataclass(frozen=True, slots=True)
class _Sentence:
    cues: tuple[int, ...]
    per_cue: tuple[Protected, ...]
    joined: Protected  # the whole sentence, slots at their offsets in the joined text


def _protect_sentences(
    texts: Sequence[str], lang: str, glossary: Glossary, starts: Collection[int] = ()
) -> list[_Sentence]:
    sentences: list[_Sentence] = []
    glue = joiner(lang)
    for group in sentence_groups(texts, starts=starts):
        source = glue.join(texts[i] for i in group)
        avoid = numbers_in(source)
        per_cue: list[Protected] = []
        slots: list[Slot] = []
        number, offset = 1, 0
        for i in group:
            prot, number = _renumber(protect(texts[i], lang, glossary), number, avoid)
            per_cue.append(prot)
            slots += [replace(s, start=s.start + offset, end=s.end + offset) for s in prot.slots]
            offset += len(texts[i]) + len(glue)
        joined = Protected(glue.join(p.text for p in per_cue), source, lang, tuple(slots))
        sentences.append(_Sentence(tuple(group), tuple(per_cue), joined))
    return sentences


def _split_keeping_terms(
    text: str, weights: Sequence[int], lang: str, glossary: Glossary
) -> list[str] | None:
    """Split a restored sentence over its cues; a cut never falls inside a glossary name.
    None when the text has too few places to cut."""
    pieces = split_translation(text, weights, lang)
    if pieces is None:
        return None
    flat = " ".join(text.split())  # the text the pieces were cut from, in order
    spans = [(s.start, s.end) for s in find_terms(flat, lang, glossary)]
    cuts, pos = [], 0
    for piece in pieces[:-1]:
        pos = flat.find(piece, pos) + len(piece) if piece else pos
        cut = pos
        for start, end in spans:
            if start < cut < end:
                cut = start  # move the seam before the name
        cuts.append(cut)
    bounds = [0, *cuts, len(flat)]
    return [flat[a:b].strip() for a, b in itertools.pairwise(bounds)]


def _restore_language(
    sentences: Sequence[_Sentence],
    candidates: Sequence[Sequence[str]],
    lang: str,
    glossary: Glossary,
    n_cues: int,
) -> tuple[list[list[str]], list[list[Enforced]]]:
    texts: list[list[str]] = [[""] for _ in range(n_cues)]
    enforced: list[list[Enforced]] = [[] for _ in range(n_cues)]
    for sentence in sentences:
        if len(sentence.cues) == 1:
            (cue,) = sentence.cues
            results = [restore(c, sentence.per_cue[0], lang, glossary) for c in candidates[cue]]
            texts[cue] = [r.text for r in results] or [""]
            enforced[cue] = results
            continue
        # Chinese: no space, except between two Latin words ("Star Wars" + "in")
        translated = [candidates[i][0] for i in sentence.cues if candidates[i]]
        joined = join_words(translated, subtitle_rules(lang))
        result = restore(joined, sentence.joined, lang, glossary)
        weights = [max(1, len(p.source_text)) for p in sentence.per_cue]
        pieces = _split_keeping_terms(result.text, weights, lang, glossary)
        if pieces is None or not all(pieces):  # no place to cut: each cue keeps its own
            for cue, prot in zip(sentence.cues, sentence.per_cue, strict=True):
                own = restore(candidates[cue][0] if candidates[cue] else "", prot, lang, glossary)
                texts[cue], enforced[cue] = [own.text], [own]
            continue
        for cue, piece in zip(sentence.cues, pieces, strict=True):
            texts[cue] = [piece]
        enforced[sentence.cues[0]] = [result]  # the sentence's terms are counted once
    return texts, enforced


def _restore_per_cue(
    sentences: Sequence[_Sentence],
    translated: Sequence[str],
    lang: str,
    glossary: Glossary,
    n_cues: int,
) -> tuple[list[list[str]], list[list[Enforced]]]:
    """Restore a backend that kept the cues (one translation per cue): each cue on its own,
    so no restore or re-split ever moves text from one cue to another."""
    texts: list[list[str]] = [[""] for _ in range(n_cues)]
    enforced: list[list[Enforced]] = [[] for _ in range(n_cues)]
    for sentence in sentences:
        for cue, prot in zip(sentence.cues, sentence.per_cue, strict=True):
            if not prot.source_text.strip():
                continue
            result = restore(translated[cue], prot, lang, glossary)
            texts[cue], enforced[cue] = [result.text], [result]
    return texts, enforced


def _cue_requests(
    source: Track, sentences: Sequence[_Sentence], units: Sequence[SpeakerUnit]
) -> list[CueRequest]:
    """One numbered request per unit (a cue, or one speaker's line of a dual-speaker cue,
    which shares its cue's time with the other line)."""
    shares = Counter(unit.cue for unit in units)
    requests: list[CueRequest] = []
    for sentence in sentences:
        for k, prot in zip(sentence.cues, sentence.per_cue, strict=True):
            c = source.cues[units[k].cue]
            requests.append(
                CueRequest(
                    prot.text,
                    prot.source_text,
                    (c.end_ms - c.start_ms) // shares[units[k].cue],
                    tuple((s.placeholder, s.term_id) for s in prot.slots),
                )
            )
    return requests


def _by_backend(
    translator: Translator | Mapping[str, Translator], targets: Sequence[str]
) -> list[tuple[Translator, list[str]]]:
    """Targets grouped by the translator serving them (in first-use order)."""
    groups: list[tuple[Translator, list[str]]] = []
    for lang in targets:
        chosen = translator.get(lang) if isinstance(translator, Mapping) else translator
        if chosen is None:
            raise ValueError(f"no translator for {lang}")
        for known, langs in groups:
            if known is chosen:
                langs.append(lang)
                break
        else:
            groups.append((chosen, [lang]))
    return groups


def _chosen(
    track: Track, texts: Sequence[Sequence[str]], enforced: Sequence[Sequence[Enforced]]
) -> list[Enforced]:
    """The enforcement record of the candidate the fitter chose, per cue."""
    chosen: list[Enforced] = []
    for cue, options, records in zip(track.cues, texts, enforced, strict=True):
        if not records:
            continue
        flat = normalize(cue.flat_text)
        index = next((k for k, t in enumerate(options) if normalize(t) == flat), 0)
        chosen.append(records[min(index, len(records) - 1)])
    return chosen


def _report(
    lang: str,
    track: Track,
    records: Sequence[Enforced],
    fit: dict[str, Any],
    route: str,
    mt: dict[str, Any] | None = None,
) -> LanguageReport:
    repairs = tuple(
        {"term": r.term_id, "kind": r.kind, "before": r.before, "after": r.after}
        for e in records
        for r in e.repairs
    )
    misses = tuple(
        {"term": m.term_id, "expected": m.expected, "note": m.note}
        for e in records
        for m in e.misses
    )
    return LanguageReport(
        lang,
        len(track.cues),
        sum(len(e.hits) for e in records),
        sum(1 for e in records for h in e.hits if h.status == "repaired"),
        len(misses),
        repairs,
        misses,
        fit,
        route,
        mt or {},
    )


def mt_targets(
    spoken: str | None, targets: Sequence[str], english_from_whisper: bool
) -> tuple[str, ...]:
    """The targets only a translation model can make: not the spoken language, and not
    English when it comes from Whisper's speech translation. With ``spoken`` unknown
    (before detection) every such target may need one."""
    return tuple(t for t in targets if t != spoken and not (t == "en" and english_from_whisper))


def localize(
    source: Track,
    targets: Sequence[str],
    glossary: Glossary,
    *,
    translator: Translator | Mapping[str, Translator] | None = None,
    whisper_english: Transcript | None = None,
    n_best: int = 4,
    end_ms: int | None = None,
) -> LocalizeResult:
    """Translate ``source`` into ``targets`` (MT and/or Whisper's English) and fit all.

    ``translator`` is one backend for every language, or one per language (``--mt``
    routing). A backend that keeps the cues (``CueTranslator``: an LLM) gets the cues
    themselves and is restored cue by cue; others get sentences (``translate_cues``).

    The source language itself may be among ``targets``: its track is re-fitted (same
    text) so that all tracks share the final timing, which ends by ``end_ms`` (the film's
    end) where given.
    """
    src = get_language(source.language).code
    # Markup does not go through translation: the cue-wide tags come back around the
    # translated cue, tags between words are dropped (counted in the reports).
    tagged, (source, marks) = source, strip_track_markup(source)
    cue_texts = [normalize(c.flat_text) for c in source.cues]
    units = speaker_units(source)
    texts = [u.text for u in units]
    starts = {k for k, u in enumerate(units) if u.new_speaker}
    sentences = _protect_sentences(texts, src, glossary, starts)
    to_translate = mt_targets(src, targets, whisper_english is not None)
    candidates: dict[str, list[list[str]]] = {}
    records: dict[str, list[list[Enforced]]] = {}
    routes: dict[str, str] = {}
    mt_stats: dict[str, dict[str, Any]] = {}
    if to_translate:
        if translator is None:
            raise ValueError("a translator is needed for " + ", ".join(to_translate))
        protected_texts = [p.text for s in sentences for p in s.per_cue]
        # A server's languages first: its failure (the network, a model gone) then costs
        # no local model's minutes, and its answers are cached for the next run anyway.
        groups = sorted(
            _by_backend(translator, to_translate),
            key=lambda group: not isinstance(group[0], CueTranslator),
        )
        for backend, langs in groups:
            per_unit: dict[str, tuple[list[list[str]], list[list[Enforced]]]] = {}
            if isinstance(backend, CueTranslator):
                tracks = backend.translate_track(
                    _cue_requests(source, sentences, units), src, langs, glossary
                )
                for lang in langs:
                    per_unit[lang] = _restore_per_cue(
                        sentences, tracks[lang].texts, lang, glossary, len(texts)
                    )
                    mt_stats[lang] = tracks[lang].stats.to_json()
            else:
                raw = translate_cues(
                    protected_texts, backend, src, langs, n_best=n_best, starts=starts
                )
                for lang in langs:
                    per_unit[lang] = _restore_language(
                        sentences, raw[lang], lang, glossary, len(texts)
                    )
            for lang in langs:
                candidates[lang], records[lang] = per_cue_candidates(units, *per_unit[lang])
                routes[lang] = f"mt:{backend.name}"
        candidates = {lang: candidates[lang] for lang in to_translate}  # the order asked
    if whisper_english is not None and "en" in targets and src != "en":
        english = words_per_cue(source, whisper_english)
        candidates["en"] = [[t] for t in english]
        records["en"] = [
            [repair(t, s, src, "en", glossary)] if s else []
            for t, s in zip(english, cue_texts, strict=True)
        ]
        candidates["en"] = [
            [r[0].text] if r else [t] for r, t in zip(records["en"], english, strict=True)
        ]
        routes["en"] = "whisper-translate"
    if src in targets:
        candidates[src] = [[t] for t in joined_units(units, [[t] for t in texts])]
        records[src] = [[] for _ in cue_texts]
        routes[src] = "source"
    protected = {lang: [glossary_names(glossary, lang)] * len(cue_texts) for lang in candidates}
    fitted = fit_tracks(source, candidates, source.fps, protected, end_ms)
    reports = {
        lang: _report(
            lang,
            fitted.tracks[lang],
            _chosen(fitted.tracks[lang], candidates[lang], records[lang]),
            fitted.stats[lang].to_json(),
            routes[lang],
            mt_stats.get(lang),
        )
        for lang in candidates
    }
    # The source's own words keep every tag where it was (tags between words too).
    restored = {
        lang: restore_track_markup(track, marks, tagged if lang == src else None)
        for lang, track in fitted.tracks.items()
    }
    lost = {lang: [m.lost(c.lines) for m, c in zip(marks, track.cues, strict=True)]
            for lang, track in fitted.tracks.items()}
    # A name in markup (a film's title in italics) is wrapped again where it was enforced.
    named = named_markup(tagged, glossary)
    dropped = {lang: sum(lost[lang]) for lang in restored}
    for lang in restored:
        if lang != src:
            restored[lang], back = wrap_names(restored[lang], named, lost[lang])
            dropped[lang] -= sum(back)
    if src in restored:  # only where a cue's words were not kept as they were
        dropped[src] = sum(
            mark.dropped
            for mark, was, now in zip(marks, tagged.cues, restored[src].cues, strict=True)
            if _tags(now.lines) < _tags(was.lines)
        )
    return LocalizeResult(
        restore_track_markup(fitted.source, marks, tagged),
        restored,
        {lang: replace(r, markup_dropped=dropped[lang]) for lang, r in reports.items()},
    )


def _tags(lines: Sequence[str]) -> int:
    return sum(len(TAG.findall(line)) for line in lines)


def glossary_names(glossary: Glossary, lang: str) -> tuple[str, ...]:
    """Glossary forms of several words (or Chinese) a line break must not split."""
    han = get_language(lang).script == "Han"
    forms = {f for t in glossary.terms for f in t.accepted(lang) if han or " " in f.strip()}
    return tuple(sorted(forms, key=len, reverse=True))


def words_per_cue(source: Track, english: Transcript) -> list[str]:
    """Whisper's English translation laid over the source cues: each translated word goes
    to the cue whose span (in-time to the next cue's in-time) holds the word's midpoint.
    A dual-speaker cue's words are split where their speaker changes (else in proportion
    to the two source lines) and joined by a newline, one line per speaker."""
    cues = source.cues
    bins: list[list[Word]] = [[] for _ in cues]
    if not cues:
        return []
    for word in english.words:
        mid = (word.start_ms + word.end_ms) // 2
        index = 0
        for i, cue in enumerate(cues):
            if cue.start_ms <= mid:
                index = i
        bins[index].append(word)
    out: list[str] = []
    for cue, words in zip(cues, bins, strict=True):
        parts = speaker_lines(cue.lines)
        if parts is None or len(words) < 2:
            out.append(" ".join(w.text for w in words))
            continue
        changes = [
            k
            for k in range(1, len(words))
            if words[k].speaker is not None and words[k].speaker != words[k - 1].speaker
        ]
        cut = changes[0] if changes else None
        if cut is None:
            share = len(parts[0]) / max(1, len(parts[0]) + len(parts[1]))
            cut = min(len(words) - 1, max(1, round(len(words) * share)))
        lines = (" ".join(w.text for w in words[:cut]), " ".join(w.text for w in words[cut:]))
        out.append("\n".join(lines))
    return out


#: Cues per CTranslate2 batch (``--mt-batch-size``): beyond it only memory runs out (and a
#: number past 64 bits reached CTranslate2 as a TypeError).
MAX_MT_BATCH_SIZE = 1024
MAX_MT_WINDOW = 50  # cues per request to an LLM server (``--mt-window``)
MAX_MT_CONCURRENCY = 64  # requests in flight (``--mt-concurrency``)


@dataclass(frozen=True, slots=True)
class MtSettings:
    """How the translation model runs (``--mt-*`` options)."""

    model: str | None = None  # a CTranslate2 NLLB folder, a known name, or openai:MODEL
    device: str = "auto"
    compute_type: str | None = None
    beam_size: int = 4
    max_batch_size: int = 32
    n_best: int = 4
    # LLM backends (scodub.mt.backends): per-language routes, the server, the prompt.
    routes: tuple[tuple[str, str], ...] = ()  # (language, spec) from --mt
    url: str | None = None  # --mt-url; else $SCODUB_MT_URL / $OPENAI_BASE_URL
    synopsis: str = ""  # --context FILE
    window: int = 8  # cues per request
    concurrency: int = 2  # requests in flight
    timeout_s: float = 120.0

    def validate(self) -> MtSettings:
        """Each setting within its bounds (as the ``--mt-*`` options take them), or one
        ConfigError line naming the option: a stage written as JSON is checked the same."""
        from scodub.asr.whisper import MAX_BEAM_SIZE
        from scodub.mt.openai_client import MAX_TIMEOUT_S

        bounds = (
            ("--mt-beam-size", self.beam_size, 1, MAX_BEAM_SIZE),
            ("--mt-batch-size", self.max_batch_size, 1, MAX_MT_BATCH_SIZE),
            # the beam is widened to n_best: beyond MAX_BEAM_SIZE it would be unbounded
            ("--n-best", self.n_best, 1, MAX_BEAM_SIZE),
            ("--mt-window", self.window, 1, MAX_MT_WINDOW),
            ("--mt-concurrency", self.concurrency, 1, MAX_MT_CONCURRENCY),
        )
        for option, value, low, high in bounds:
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ConfigError(f"{option} must be {low}-{high}, not {value!r}")
        if not 1 <= self.timeout_s <= MAX_TIMEOUT_S:  # NaN too
            raise ConfigError(f"--mt-timeout must be 1-{MAX_TIMEOUT_S:g} s, not {self.timeout_s}")
        if self.device not in DEVICES:
            raise ConfigError(
                f"--mt-device {self.device!r} is unknown; expected one of: {', '.join(DEVICES)}"
            )
        return self


def mt_identity(settings: MtSettings, targets: Sequence[str] = ()) -> str:
    """What identifies the translation model's output (for cache keys); with ``targets``,
    that of every backend serving them (``--mt`` routes, LLM servers)."""
    from scodub.mt.nllb import resolve_mt_device
    from scodub.provision.nllb import resolve_mt_model

    if targets:
        from scodub.mt.backends import backends_identity

        return backends_identity(settings, targets)

    folder = resolve_mt_model(settings.model)
    resolve_mt_device(settings.device, settings.compute_type)  # a wrong device fails now
    from scodub.provision.identity import side_files_identity

    stat = (folder / "model.bin").stat()
    return (
        f"{folder.resolve()}:{stat.st_size}:{stat.st_mtime_ns}:{side_files_identity(folder)}"
        f":{settings.beam_size}"
    )
