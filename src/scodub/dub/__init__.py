"""Dubbing: voices per language, and each translated line fitted into its cue's slot.

``voices`` resolves a voice per language (Piper, espeak-ng; Tajik via the Persian
voice), ``fitting`` synthesizes every cue, speeds up lines that are too long (engine
rate first, then time-stretch) and lays them out as one stem per language.
"""

from scodub.dub.fitting import (
    FitPolicy,
    FitSummary,
    FittedLine,
    fit_lines,
    render_stem,
    summarize,
    write_wav,
)
from scodub.dub.voices import (
    Voice,
    VoiceInfo,
    describe_voice,
    parse_voice_options,
    pull_piper_voice,
    resolve_voice,
)

__all__ = [
    "FitPolicy",
    "FitSummary",
    "FittedLine",
    "Voice",
    "VoiceInfo",
    "describe_voice",
    "fit_lines",
    "parse_voice_options",
    "pull_piper_voice",
    "render_stem",
    "resolve_voice",
    "summarize",
    "write_wav",
]
