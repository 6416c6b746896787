"""Quality check of a subtitle track against its language's rules (``scodub.langs``).

Hard rules (a delivery must meet them): visible text, at most ``max_lines`` lines, line
width, minimum and maximum duration, minimum gap to the next cue, order without
overlap. Soft rules (reported, a human decides): reading speed, chaining (a gap of 12
frames or less should be closed to 2 frames), text that fits one line kept on one line,
two lines broken where the style guide allows when such a break fits
(``scodub.text.breakcheck``), direction marks on right-to-left lines that start or end
with a left-to-right or neutral run, numbers in the language's style (``scodub.text.numbers``).

With the film's cuts (``check_track(..., cuts=...)``), two more soft rules: an in-time
within 7 frames of a cut sits on it and none is 8-11 frames before one; an out-time near a
cut sits 2 frames before it (or 12 or more), never 3-11 frames before it or 0-7 after it
(``scodub.text.shots``, numbers in ``scodub.langs.TIMING``). Frames are counted at the
track's rate from the whole-ms times, rounded to the nearest frame.

Dual-speaker cues: a cue whose ``speakers`` name two has exactly two lines, each opened by
one hyphen with no space after it (../shared/STANDARDS.md; hard); a cue
read from a file whose first line opens with a hyphen is checked the same way (soft).

Gap rules are reported on the earlier cue of the pair (its out-time is what moves).
SRT stores whole milliseconds while frames at 23.976 or 29.97 fps do not fall on them, so
gaps are compared with 1 ms of rounding tolerance. Widths, reading speed and "has text"
exclude direction marks and formatting tags (``scodub.text.linebreak.visible_text``;
STANDARDS.md: tags never count); markup players do not know is a soft finding
(``unknown_tags``, ``scodub.text.tags``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from scodub.data import Cue, Track
from scodub.langs import TIMING, Language, subtitle_rules
from scodub.text.bidi import needs_direction_marks, strip_direction_marks
from scodub.text.breakcheck import misplaced_break
from scodub.text.linebreak import (
    SPEAKER_DASH,
    join_words,
    normalize,
    reading_speed_cps,
    speaker_lines,
    text_width,
    visible_text,
)
from scodub.text.numbers import number_style_breaches
from scodub.text.shots import frames_to_cut, nearest_cut
from scodub.text.tags import KNOWN_TAGS, unknown_tags

Severity = Literal["hard", "soft"]
_ROUNDING_MS = 1


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    severity: Severity
    description: str


#: Descriptions are templates over ``Limits`` (filled in the JSON report).
RULES: tuple[Rule, ...] = (
    Rule("empty", "hard", "the cue has visible text"),
    Rule("max_lines", "hard", "at most {max_lines} lines"),
    Rule("chars_per_line", "hard", "every line at most {max_chars_per_line} characters wide"),
    Rule("min_duration", "hard", "on screen at least {min_duration_ms} ms"),
    Rule("max_duration", "hard", "on screen at most {max_duration_ms} ms"),
    Rule("min_gap", "hard", "at least {min_gap_ms} ms (2 frames) before the next cue"),
    Rule("order", "hard", "starts after the previous cue starts and never overlaps it"),
    Rule("after_end", "hard", "ends by the end of the film (within a frame)"),
    Rule(
        "dual_speaker",
        "hard",
        "a dual-speaker cue has two lines, each opened by one hyphen with no space after it",
    ),
    Rule(
        "speaker_dash",
        "soft",
        "a cue opened by a hyphen is a dual-speaker cue: two lines, one hyphen each",
    ),
    Rule("reading_speed", "soft", "at most {max_cps:g} characters per second"),
    Rule(
        "chaining",
        "soft",
        "a gap of {chain_gap_ms} ms (12 frames) or less is closed to {min_gap_ms} ms",
    ),
    Rule("one_line", "soft", "text that fits on one line is on one line"),
    Rule(
        "line_break",
        "soft",
        "two lines break after punctuation or before a conjunction, never after an article, "
        "preposition or title nor between a first and a last name, where such a break fits",
    ),
    Rule(
        "unknown_tags",
        "soft",
        "markup is only the tags players know ("
        + ", ".join(f"<{t}>" for t in sorted(KNOWN_TAGS))
        + ", {{\\...}} overrides); others may show as text",
    ),
    Rule(
        "shot_in",
        "soft",
        "an in-time within 7 frames of a shot change is on it; none 8-11 frames before one",
    ),
    Rule(
        "shot_out",
        "soft",
        "an out-time near a shot change is 2 frames (or 12 or more) before it",
    ),
    Rule(
        "rtl_marks",
        "soft",
        "right-to-left lines that start or end with a Latin, digit or punctuation run "
        "carry direction marks",
    ),
    Rule(
        "number_style",
        "soft",
        "numbers written in the language's style (English: one to ten in words, numerals "
        "above ten, a sentence never starts with a numeral)",
    ),
)
RULES_BY_ID = {rule.id: rule for rule in RULES}


@dataclass(frozen=True, slots=True)
class Issue:
    """One broken rule: ``index`` is the cue's 0-based position (SRT number - 1)."""

    index: int
    rule: str
    measured: float
    limit: float
    detail: str = ""

    @property
    def severity(self) -> Severity:
        return RULES_BY_ID[self.rule].severity

    def to_json(self) -> dict[str, Any]:
        return {
            "cue": self.index + 1,
            "index": self.index,
            "rule": self.rule,
            "severity": self.severity,
            "measured": round(self.measured, 2),
            "limit": round(self.limit, 2),
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class Limits:
    """The numbers a track was checked against (for the report)."""

    max_lines: int
    max_chars_per_line: int
    max_cps: float
    min_duration_ms: int
    max_duration_ms: int
    min_gap_ms: int
    chain_gap_ms: int

    @classmethod
    def of(cls, lang: Language, fps: float | None) -> Limits:
        return cls(
            max_lines=TIMING.max_lines,
            max_chars_per_line=lang.max_chars_per_line,
            max_cps=lang.max_cps,
            min_duration_ms=TIMING.min_duration_ms,
            max_duration_ms=TIMING.max_duration_ms,
            min_gap_ms=TIMING.frames_ms(TIMING.min_gap_frames, fps),
            chain_gap_ms=TIMING.frames_ms(TIMING.chain_gap_frames, fps),
        )


@dataclass(frozen=True, slots=True)
class QcReport:
    language: str
    fps: float
    cue_count: int
    limits: Limits
    issues: tuple[Issue, ...]
    cues: tuple[Cue, ...] = ()

    @property
    def hard_issues(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == "hard")

    @property
    def soft_issues(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == "soft")

    @property
    def ok(self) -> bool:
        """True when no hard rule is broken."""
        return not self.hard_issues

    def violations(self) -> dict[str, int]:
        """Issues per rule id (rules without issues left out)."""
        return dict(Counter(i.rule for i in self.issues))

    def share_ok(self) -> dict[str, float]:
        """Per rule, the share of cues that meet it (1.0 for an empty track)."""
        if not self.cue_count:
            return {rule.id: 1.0 for rule in RULES}
        failing: dict[str, set[int]] = {rule.id: set() for rule in RULES}
        for issue in self.issues:
            failing[issue.rule].add(issue.index)
        return {rule: 1 - len(cues) / self.cue_count for rule, cues in failing.items()}

    def to_json(self) -> dict[str, Any]:
        speeds = [reading_speed_cps(c.lines, c.duration_ms) for c in self.cues if c.duration_ms > 0]
        return {
            "language": self.language,
            "fps": self.fps,
            "cues": self.cue_count,
            "limits": {
                "max_lines": self.limits.max_lines,
                "max_chars_per_line": self.limits.max_chars_per_line,
                "max_cps": self.limits.max_cps,
                "min_duration_ms": self.limits.min_duration_ms,
                "max_duration_ms": self.limits.max_duration_ms,
                "min_gap_ms": self.limits.min_gap_ms,
                "chain_gap_ms": self.limits.chain_gap_ms,
            },
            "summary": {
                "ok": self.ok,
                "hard_violations": len(self.hard_issues),
                "soft_violations": len(self.soft_issues),
                "violations": self.violations(),
                "share_ok": {k: round(v, 4) for k, v in self.share_ok().items()},
                "max_cps": round(max(speeds), 2) if speeds else 0.0,
                "mean_cps": round(sum(speeds) / len(speeds), 2) if speeds else 0.0,
            },
            "rules": [
                {
                    "id": r.id,
                    "severity": r.severity,
                    "description": r.description.format(**asdict(self.limits)),
                }
                for r in RULES
            ],
            "issues": [issue.to_json() for issue in self.issues],
        }

    def render_table(self) -> str:
        """The report as a plain-text table for a terminal."""
        out = [
            f"QC {self.language}: {self.cue_count} cues at {self.fps:g} fps, "
            f"{len(self.hard_issues)} hard and {len(self.soft_issues)} soft issues",
        ]
        if self.issues:
            out.append("")
            out.append(
                f"{'cue':>5}  {'start':<12}  {'rule':<15} {'sev':<4} "
                f"{'measured':>9} {'limit':>7}  detail"
            )
            for issue in self.issues:
                start = self.cues[issue.index].start_ms if issue.index < len(self.cues) else 0
                out.append(
                    f"{issue.index + 1:>5}  {_clock(start):<12}  {issue.rule:<15} "
                    f"{issue.severity:<4} {issue.measured:>9.2f} {issue.limit:>7.2f}  "
                    f"{issue.detail}"
                )
        out.append("")
        out.append(f"{'rule':<15} {'sev':<4} {'cues meeting it':>15}")
        for rule, share in self.share_ok().items():
            out.append(f"{rule:<15} {RULES_BY_ID[rule].severity:<4} {share:>15.1%}")
        return "\n".join(out)


def _clock(ms: int) -> str:
    seconds, millis = divmod(max(0, ms), 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d},{millis:03d}"


def film_end_limit(film_ms: int | None, fps: float | None) -> int | None:
    """The latest out-time of a film of ``film_ms``: its end and one frame (None: the
    film's length is not known, nothing is checked)."""
    return film_ms + TIMING.frames_ms(1, fps) if film_ms else None


def check_track(
    track: Track,
    fps: float | None = None,
    cuts: Sequence[int] | None = None,
    film_ms: int | None = None,
) -> QcReport:
    """Check every cue of ``track``; ``fps`` (else ``track.fps``, else 24) sets the gaps;
    ``cuts`` (shot changes in ms, ``scodub.media.shots``) adds the shot-change rules;
    ``film_ms`` (the film's length) the rule that no cue ends after the film."""
    lang = subtitle_rules(track.language)
    rate = fps or track.fps or TIMING.default_fps
    limits = Limits.of(lang, rate)
    issues: list[Issue] = []
    cues = track.cues
    last_out = film_end_limit(film_ms, rate)
    for index, cue in enumerate(cues):
        issues.extend(_cue_issues(index, cue, lang, limits))
        if last_out is not None and cue.end_ms > last_out:
            issues.append(Issue(index, "after_end", cue.end_ms, last_out, "ms"))
        if index + 1 < len(cues):
            issues.extend(_gap_issues(index, cue, cues[index + 1], limits))
        if cuts:
            issues.extend(_shot_issues(index, cue, sorted(cuts), rate))
    issues.sort(key=lambda i: (i.index, list(RULES_BY_ID).index(i.rule)))
    return QcReport(lang.code, rate, len(cues), limits, tuple(issues), cues)


def _cue_issues(index: int, cue: Cue, lang: Language, limits: Limits) -> list[Issue]:
    issues: list[Issue] = []
    visible = [line for line in cue.lines if visible_text(line).strip()]
    if not visible:
        issues.append(Issue(index, "empty", 0, 1, "no visible text"))
    if len(cue.lines) > limits.max_lines:
        issues.append(Issue(index, "max_lines", len(cue.lines), limits.max_lines))
    widths = [text_width(line, lang) for line in cue.lines]
    widest = max(widths, default=0.0)
    if widest > limits.max_chars_per_line:
        line = widths.index(widest) + 1
        issues.append(
            Issue(index, "chars_per_line", widest, limits.max_chars_per_line, f"line {line}")
        )
    duration = cue.duration_ms
    if duration < limits.min_duration_ms:
        issues.append(Issue(index, "min_duration", duration, limits.min_duration_ms, "ms"))
    if duration > limits.max_duration_ms:
        issues.append(Issue(index, "max_duration", duration, limits.max_duration_ms, "ms"))
    if duration > 0 and visible:
        cps = reading_speed_cps(cue.lines, duration)
        if cps > limits.max_cps:
            issues.append(Issue(index, "reading_speed", cps, limits.max_cps, "chars/s"))
    # A cue known to hold two speakers must be a dual cue (hard); one read from a file
    # that opens with a dash looks like one and is checked as one (soft: the dash may
    # belong to a word such as "-based" that a line break put first).
    known = len(cue.speakers) >= 2
    if known or strip_direction_marks(cue.lines[0] if cue.lines else "").lstrip().startswith(
        SPEAKER_DASH
    ):
        problem = _dual_speaker_problem(cue)
        if problem:
            rule = "dual_speaker" if known else "speaker_dash"
            issues.append(Issue(index, rule, len(cue.lines), 2, problem))
    if len(visible) > 1 and speaker_lines(cue.lines) is None:
        flat = join_words([normalize(line) for line in cue.lines], lang)  # zh: no space
        if text_width(flat, lang) <= limits.max_chars_per_line:
            issues.append(
                Issue(
                    index,
                    "one_line",
                    text_width(flat, lang),
                    limits.max_chars_per_line,
                    "fits on one line",
                )
            )
    misplaced = misplaced_break(cue.lines, lang, limits.max_chars_per_line)
    if misplaced:
        issues.append(Issue(index, "line_break", 1, 0, misplaced))
    strange = [tag for line in cue.lines for tag in unknown_tags(line)]
    if strange:
        shown = ", ".join(dict.fromkeys(strange))
        issues.append(Issue(index, "unknown_tags", len(strange), 0, shown[:80]))
    numerals = number_style_breaches(" ".join(visible), lang)
    if numerals:
        issues.append(Issue(index, "number_style", numerals, 0, "numbers to write out"))
    if lang.rtl:
        unmarked = sum(1 for line in visible if needs_direction_marks(line))
        if unmarked:
            issues.append(Issue(index, "rtl_marks", unmarked, 0, "lines without marks"))
    return issues


def _dual_speaker_problem(cue: Cue) -> str:
    """What is wrong with a cue that is, or should be, a dual-speaker cue ("" if nothing)."""
    plain = [strip_direction_marks(line).strip() for line in cue.lines]
    dashed = [line for line in plain if line.startswith(SPEAKER_DASH)]
    if not plain:
        return ""
    if len(plain) != 2 or len(dashed) != 2:
        return f"{len(dashed)} of {len(plain)} lines opened by a hyphen"
    for number, line in enumerate(plain, start=1):
        rest = line[len(SPEAKER_DASH) :]
        if rest[:1].isspace() or rest.startswith(SPEAKER_DASH) or not rest.strip():
            return f"line {number}: one hyphen, then the text with no space"
    return ""


def _gap_issues(index: int, cue: Cue, following: Cue, limits: Limits) -> list[Issue]:
    gap = following.start_ms - cue.end_ms
    if following.start_ms < cue.start_ms:
        return [
            Issue(
                index,
                "order",
                following.start_ms - cue.start_ms,
                0,
                f"cue {index + 2} starts before cue {index + 1}",
            )
        ]
    if gap < 0:
        return [Issue(index, "order", gap, 0, f"overlaps cue {index + 2} (ms)")]
    if gap < limits.min_gap_ms - _ROUNDING_MS:
        return [Issue(index, "min_gap", gap, limits.min_gap_ms, "ms")]
    if limits.min_gap_ms + _ROUNDING_MS < gap <= limits.chain_gap_ms:
        return [
            Issue(index, "chaining", gap, limits.chain_gap_ms, f"close to {limits.min_gap_ms} ms")
        ]
    return []


def _shot_issues(index: int, cue: Cue, cuts: Sequence[int], fps: float) -> list[Issue]:
    issues: list[Issue] = []
    snap, clear = TIMING.shot_snap_frames, TIMING.shot_clear_frames
    cut = nearest_cut(cuts, cue.start_ms)
    if cut is not None:
        frames = frames_to_cut(cue.start_ms, cut, fps)
        if 0 < abs(frames) <= snap or snap < frames < clear:
            where = "before" if frames > 0 else "after"
            detail = f"{abs(frames)} frames {where} the cut at {_clock(cut)}"
            issues.append(Issue(index, "shot_in", frames, 0, detail))
    cut = nearest_cut(cuts, cue.end_ms, after=cue.start_ms)
    if cut is not None:
        frames = frames_to_cut(cue.end_ms, cut, fps)
        wanted = TIMING.shot_out_gap_frames
        if frames != wanted and (-snap <= frames <= snap or snap < frames < clear):
            where = "before" if frames >= 0 else "after"
            detail = f"{abs(frames)} frames {where} the cut at {_clock(cut)}"
            issues.append(Issue(index, "shot_out", frames, wanted, detail))
    return issues
