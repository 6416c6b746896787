"""What ``transcribe`` and ``run`` print: the run report turned into lines of text."""

from __future__ import annotations

import click

from scodub.asr.hearing import hearing_notes
from scodub.cli.common import print_json, untranslated_warning
from scodub.stages.run import RunReport, unused_edit_note, write_report


def summary(report: RunReport) -> None:
    stage = report.stages["transcribe"]
    cached = " (cached)" if stage["cached"] else ""
    click.echo(
        f"{report.film.name}: {stage['language']} "
        f"(p={stage['language_probability']:.2f}), {stage['words']} words in "
        f"{stage['seconds']:.1f} s{cached}"
    )
    heard = report.transcript
    warned = set(hearing_notes(heard.transcript)) if heard else set()
    for note in heard.notes if heard else ():
        if note not in warned:  # those are warnings, on stderr (finish)
            click.echo(f"  note: {note}")
    for fix in heard.transcript.corrections if heard else ():
        evidence = (
            f" (audio log-prob {fix.heard_logprob:.2f} -> {fix.written_logprob:.2f})"
            if fix.written_logprob is not None and fix.heard_logprob is not None
            else ""
        )
        if fix.basis:  # the audio cannot judge letter case: what the words said decided
            evidence += f" (letter case alone: {fix.basis})"
        click.echo(f"  glossary correction: {fix.heard!r} -> {fix.corrected!r}{evidence}")
    for speaker in heard.transcript.speakers if heard else ():
        click.echo(
            f"  speaker {speaker.id}: {speaker.speech_ms / 1000:.1f} s of speech, "
            f"{speaker.voice_type} voice ({speaker.pitch_hz:.0f} Hz)"
        )
    shots = report.stages.get("shots")
    if shots:
        click.echo(
            f"  shot changes: {shots['cuts']} cuts; in-times moved {shots['in_times_moved']} "
            f"({shots['in_times_on_cuts']} on a cut), out-times moved {shots['out_times_moved']}"
        )
    for lang, subs in report.stages["subtitles"].items():
        summary = subs["qc"]["summary"]
        line = (
            f"  {lang}: {subs['cues']} cues, hard-rule violations: {summary['hard_violations']}, "
            f"reading speed met: {summary['share_ok'].get('reading_speed', 1.0):.0%}"
        )
        if "glossary" in subs:
            g = subs["glossary"]
            line += f", names: {g['hits']} right ({g['repairs']} repaired), {g['misses']} missed"
        click.echo(line)
    dubbed = report.dub
    for dub in dubbed.languages if dubbed else ():
        fit, mix = dub.fit, dub.mix
        score = dub.backcheck.describe() if dub.backcheck else "not checked (--no-backcheck)"
        click.echo(
            f"  dub {dub.language}: {dub.voice.route}; {len(dub.lines)} lines, "
            f"{fit.natural} at natural speed, {len(fit.not_fitted)} not fitted; "
            f"{mix.integrated_lufs:.1f} LUFS, {mix.true_peak_dbtp:.1f} dBTP; back-check {score}"
        )
        for role, voice in dub.cast.items():
            click.echo(f"    {role}: {voice.voice}")
    for warning in dubbed.warnings() if dubbed else ():
        click.echo(f"  warning: {warning}")
    for name, path in report.outputs.items():
        click.echo(f"  {name}: {path}")


def finish(report: RunReport, quiet: bool, as_json: bool) -> None:
    report.outputs["report"] = str(write_report(report))
    heard = report.transcript
    for note in hearing_notes(heard.transcript) if heard else ():  # even with --quiet
        click.echo(f"scodub: warning: {report.film.name}: {note}", err=True)
    for lang, info in report.stages.get("subtitles", {}).items():
        line = untranslated_warning(lang, info)
        if line:
            click.echo(line, err=True)
    for path in report.stale:  # even with --quiet or --json: a stale file is a wrong file
        click.echo(
            f"scodub: warning: {path} was made from an earlier version of {report.film.name} "
            "and this run did not remake it (remake it with the options that made it and "
            "--force, or remove it)",
            err=True,
        )
    for path, backup in report.kept:
        click.echo(
            f"scodub: warning: {path} held other text than this run's (an edit?); it is "
            f"replaced, and kept as {backup}",
            err=True,
        )
    for path in report.unused_edits:  # even with --quiet or --json: the dub says otherwise
        click.echo(f"scodub: warning: {unused_edit_note(report.film, path)}", err=True)
    if as_json:
        print_json(report.to_json())
    elif not quiet:
        summary(report)


