"""Localize stage."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scodub.data import Cue, Track, Transcript
from scodub.mt.backends import load_backends
from scodub.mt.localize import MtSettings, localize, mt_identity
from scodub.names.glossary import Glossary
from scodub.stages.cache import StageCache, stage_key
from scodub.stages.transcribe import glossary_fingerprint
from scodub.text.srt import write_srt


@dataclass(frozen=True, slots=True)
class LocalizeStageResult:
    source: Track
    tracks: dict[str, Track]
    paths: dict[str, Path]
    reports: dict[str, Any]
    cached: bool


def stage_localize(
    source: Track,
    out_dir: Path,
    stem: str,
    targets: tuple[str, ...],
    glossary: Glossary,
    mt: MtSettings,
    *,
    whisper_english: Transcript | None = None,
) -> LocalizeStageResult:
    """Source track -> aligned ``<stem>.<lang>.srt`` for every target (and the source,
    re-timed with them), glossary-enforced; cached by source text, targets, model,
    glossary and settings. The translation model is loaded only on a cache miss."""
    mt_targets = [
        t for t in targets if t != source.language and not (t == "en" and whisper_english)
    ]
    needs_mt = bool(mt_targets)
    cache = StageCache(out_dir)
    key = stage_key(
        {
            "stage": "localize",
            "source": [[c.start_ms, c.end_ms, c.text] for c in source.cues],
            "language": source.language,
            "fps": source.fps,
            "targets": list(targets),
            "mt": mt_identity(mt, mt_targets) if needs_mt else "",
            "n_best": mt.n_best,
            "glossary": glossary_fingerprint(glossary),
            "whisper_english": whisper_english.to_json() if whisper_english else None,
        }
    )
    languages = tuple(dict.fromkeys((source.language, *targets)))
    cached = cache.load("localize", key)
    if cached is None:
        # An LLM backend keeps each answer under OUT/.scodub/mt-llm/: a re-run after a
        # failure re-sends nothing already answered.
        translator = load_backends(mt, mt_targets, cache) if needs_mt else None
        result = localize(
            source,
            languages,
            glossary,
            translator=translator,
            whisper_english=whisper_english,
            n_best=mt.n_best,
        )
        cached = {
            "tracks": {
                lang: [[c.start_ms, c.end_ms, list(c.lines)] for c in track.cues]
                for lang, track in result.tracks.items()
            },
            "reports": {lang: r.to_json() for lang, r in result.reports.items()},
        }
        cache.store("localize", key, cached)
        was_cached = False
    else:
        was_cached = True
    tracks = {
        lang: Track(lang, tuple(Cue(a, b, tuple(lines)) for a, b, lines in cues), source.fps)
        for lang, cues in cached["tracks"].items()
    }
    paths = {
        lang: write_srt(track, out_dir / f"{stem}.{lang}.srt") for lang, track in tracks.items()
    }
    return LocalizeStageResult(
        tracks[source.language], tracks, paths, cached["reports"], was_cached
    )
