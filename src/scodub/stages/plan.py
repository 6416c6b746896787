"""The plan of one film: which stages run, for which languages, in which order.

``plan_film`` turns the run settings into stages and checks everything that can fail
before the heavy work, cheapest first: the film (probed once), the glossary, the
languages and dub languages asked for, the output names, the voices, the delivery
target; then the models (Whisper resolved and verified, the translation model where a
target needs one). When the spoken language is not given and the plan depends on it
(targets or a dub), it is detected on the first 30 s: a run whose targets are all the
spoken language, or English from Whisper, never needs a translation model.
A ``FilmPlan`` is plain data: ``describe_plan`` prints it (``scodub run --plan``) and its
stages can be written as JSON and run anywhere that sees the same files.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scodub import naming
from scodub.asr.speakers import SpeakerSettings, require_backend
from scodub.asr.whisper import AsrSettings, detect_spoken_language, prepare
from scodub.dub.voices import resolve_voice
from scodub.errors import ConfigError, OutputError
from scodub.langs import LANGUAGES, get_language
from scodub.media.ffmpeg import check_ffmpeg
from scodub.mt.backends import check_backends
from scodub.mt.localize import MtSettings, mt_targets
from scodub.stages.backcheck import BackcheckStage
from scodub.stages.base import Stage, StageContext, is_cached
from scodub.stages.deliver import DeliverStage, check_delivery, dub_stages, refuse_foreign
from scodub.stages.dub import DubSettings, DubStage
from scodub.stages.film import Film, open_film
from scodub.stages.glossary import GlossaryRef
from scodub.stages.localize import LocalizeStage
from scodub.stages.shots import ShotsStage, SnapStage
from scodub.stages.subtitles import SubtitlesStage
from scodub.stages.transcribe import TranscribeStage


@dataclass(frozen=True, slots=True)
class RunSettings:
    """Everything ``scodub run`` does to one film."""

    asr: AsrSettings = field(default_factory=AsrSettings)
    targets: tuple[str, ...] = ()  # subtitle languages besides the spoken one
    glossary_files: tuple[Path, ...] = ()
    mt: MtSettings = field(default_factory=MtSettings)
    english_route: str = "mt"  # "whisper": English from Whisper's speech translation
    audio_stream: int | None = None
    dub: DubSettings | None = None  # None: no dubbing stage
    dub_langs: tuple[str, ...] | None = None  # None: every target except the spoken one
    speakers: SpeakerSettings = field(default_factory=SpeakerSettings)  # --speakers

    def __post_init__(self) -> None:
        by_hand = self.dub.first_cast() if self.dub is not None else None
        if by_hand and not self.speakers.enabled:  # the voice would go unused
            raise ConfigError(
                f"{by_hand}: --speakers off tells no speakers apart; give --voice LANG=VOICE, "
                "or leave speakers on"
            )

    @property
    def english_from_whisper(self) -> bool:
        return self.english_route == "whisper" and "en" in self.targets


@dataclass(frozen=True, slots=True)
class FilmPlan:
    film: Film
    out_dir: Path
    settings: RunSettings
    transcribe: TranscribeStage
    subtitles: SubtitlesStage
    detected: tuple[str, float] | None = None  # (language, probability) when detected here
    english: TranscribeStage | None = None
    localize: LocalizeStage | None = None
    shots: ShotsStage | None = None  # films with a picture
    snap: SnapStage | None = None
    dubs: tuple[DubStage, ...] = ()
    backchecks: tuple[BackcheckStage, ...] = ()
    deliver: DeliverStage | None = None

    def stages(self) -> list[Stage[Any]]:
        """Every stage, each after the stages it needs."""
        ordered: dict[str, Stage[Any]] = {}

        def visit(stage: Stage[Any]) -> None:
            for dep in stage.deps():
                visit(dep)
            ordered.setdefault(stage.key(), stage)

        roots: list[Stage[Any]] = [self.transcribe, self.subtitles]
        roots += [s for s in (self.english, self.localize, self.snap) if s is not None]
        roots += [*self.dubs, *self.backchecks]
        roots += [self.deliver] if self.deliver is not None else []
        for stage in roots:
            visit(stage)
        return list(ordered.values())


def _spoken_language(
    film: Film, settings: RunSettings, ctx: StageContext
) -> tuple[str, float] | None:
    """Detect the spoken language when the plan depends on it and it was not given."""
    if settings.asr.language or not (settings.targets or settings.dub is not None):
        return None
    asr, model = prepare(settings.asr)
    return detect_spoken_language(film.path, film.stream, asr, model)


def _check_dub_languages(spoken: str | None, settings: RunSettings) -> tuple[str, ...]:
    """The languages to dub; each must have a subtitle track (the spoken one or a target)."""
    targets = tuple(t for t in settings.targets if t != spoken)
    wanted = tuple(get_language(c).code for c in settings.dub_langs or ()) or targets
    tracks = {*targets, *([spoken] if spoken else [])}
    if not wanted:  # --dub is never dropped without a word
        raise ConfigError(
            "--dub: nothing to dub: the only subtitle track is the spoken language; "
            f"add languages with --langs, or dub it with --dub-langs {spoken or 'LANG'}"
        )
    missing = [code for code in wanted if code not in tracks]
    if missing:
        raise ConfigError(
            f"cannot dub {', '.join(missing)}: no subtitle track in that language; "
            "add it to --langs"
        )
    return wanted


def check_outputs(film: Path, out_dir: Path, settings: RunSettings) -> None:
    """Every name this run may write fits the file system and none is an input
    (``scodub.naming``; issue 7), before any work."""
    dub = settings.dub
    outputs = naming.film_outputs(
        film, out_dir, dict.fromkeys((*LANGUAGES, *settings.targets)),
        dub=dub is not None, stems=dub.stems if dub else None,
    )  # fmt: skip
    inputs = {"film": film} | {
        f"glossary #{n}": Path(p) for n, p in enumerate(settings.glossary_files, start=1)
    }
    naming.check_names(outputs)
    naming.refuse_inputs(outputs, inputs)


def plan_film(
    film_path: Path,
    out_dir: Path,
    settings: RunSettings,
    ctx: StageContext,
    *,
    to_show: bool = False,
) -> FilmPlan:
    """The stages of one film, every check made (see the module docstring); ``to_show``:
    a plan only shown (``run --plan``), which an existing delivery does not stop (it
    says that the run needs --force: ``overwrite_problem``)."""
    check_ffmpeg()  # one line naming the ffmpeg, the version needed and the fix
    check_outputs(Path(film_path), Path(out_dir), settings)
    film = open_film(film_path, out_dir, settings.audio_stream, settings.asr.language)
    glossary = GlossaryRef.of(settings.glossary_files)
    glossary.load(ctx)  # a broken glossary fails here, before any model
    dub = settings.dub.validate() if settings.dub is not None else None
    if settings.asr.language and dub is not None:
        _check_dub_languages(settings.asr.language, settings)  # before any model
    if settings.speakers.count is not None:
        require_backend()  # a forced speaker count cannot be met without the backend
    if dub is not None:
        for code in settings.dub_langs or settings.targets:
            resolve_voice(code, dub.voices.get(code))  # a bad voice fails before any model
        for code, cast in dub.speaker_voices.items():
            for spec in cast.values():
                resolve_voice(code, spec)
    detected = _spoken_language(film, settings, ctx)
    spoken = settings.asr.language or (detected[0] if detected else None)
    asr = replace(settings.asr, language=spoken)
    needed = mt_targets(spoken, settings.targets, settings.english_from_whisper)
    if needed:
        # A missing model, or an LLM server that is down or lacks the model, fails here.
        check_backends(settings.mt, needed)
    transcribe = TranscribeStage.build(film, asr, glossary, settings.speakers)
    fallback = spoken or "en"
    subtitles = SubtitlesStage(transcribe, glossary, fallback)
    targets = tuple(t for t in settings.targets if t != spoken)
    english = None
    if "en" in targets and settings.english_from_whisper:
        english = TranscribeStage.build(film, replace(asr, task="translate"), GlossaryRef())
    localize = None
    if targets:
        localize = LocalizeStage.build(
            spoken, targets, glossary, settings.mt, subtitles=subtitles, english=english
        )
    shots = ShotsStage(film) if film.info.video else None
    snap = SnapStage(subtitles, shots, localize) if shots is not None else None
    plan = FilmPlan(
        film, Path(out_dir), settings, transcribe, subtitles, detected, english, localize,
        shots, snap,
    )  # fmt: skip
    if dub is None:
        return plan
    return _with_dubs(plan, dub, spoken, ctx, to_show)


def _with_dubs(
    plan: FilmPlan, dub: DubSettings, spoken: str | None, ctx: StageContext, to_show: bool
) -> FilmPlan:
    wanted = _check_dub_languages(spoken, plan.settings)
    film, source = plan.film, plan.snap or plan.localize or plan.subtitles
    check_delivery(film, wanted, plan.out_dir, dub)
    turns = plan.transcribe if plan.settings.speakers.enabled else None
    dubs = [
        DubStage.build(film, code, dub, ctx, source=source, transcribe=turns) for code in wanted
    ]
    checks, deliver = dub_stages(film, dubs, plan.out_dir, dub, plan.settings.asr)
    if not to_show:
        refuse_foreign(deliver, ctx, dub.force)
    return replace(plan, dubs=tuple(dubs), backchecks=tuple(checks), deliver=deliver)


def overwrite_problem(plan: FilmPlan, ctx: StageContext) -> str | None:
    """Why running ``plan`` would stop before any work (a delivery file it may not
    overwrite without --force), or None."""
    if plan.deliver is None or plan.settings.dub is None:
        return None
    try:
        refuse_foreign(plan.deliver, ctx, plan.settings.dub.force)
    except OutputError as exc:
        return str(exc)
    return None


def describe_plan(plan: FilmPlan, ctx: StageContext) -> list[str]:
    """One line per stage: what it is, whether a verified result is cached, its model."""
    lines = [f"{plan.film.path}: {len(plan.stages())} stages"]
    if plan.detected:
        lines.append(f"  spoken language: {plan.detected[0]} (detected, p={plan.detected[1]:.2f})")
    for stage in plan.stages():
        state = "cached" if is_cached(stage, ctx) else "to run"
        model = stage.model()
        lines.append(f"  {stage.label():<24} {state:<7} {model or ''}".rstrip())
    problem = overwrite_problem(plan, ctx)
    if problem:
        lines.append(f"  the run would stop: {problem}")
    return lines


def plan_json(plan: FilmPlan, ctx: StageContext) -> dict[str, Any]:
    """The plan as data: each stage with its key, state and model, and its spec."""
    return {
        "film": str(plan.film.path),
        "detected": list(plan.detected) if plan.detected else None,
        "refused": overwrite_problem(plan, ctx),
        "stages": [
            {
                "label": stage.label(),
                "key": stage.key(),
                "cached": is_cached(stage, ctx),
                "model": stage.model(),
                "needs": [dep.key() for dep in stage.deps()],
                "spec": stage.to_json(),
            }
            for stage in plan.stages()
        ],
    }
