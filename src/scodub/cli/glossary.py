"""``scodub glossary check`` and ``scodub glossary show``: lint and list glossary files."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import click

from scodub.cli.common import print_json
from scodub.langs import LANGUAGES, parse_language_list
from scodub.names.glossary import TERM_KINDS, Glossary, Term
from scodub.names.io import check_glossary, load_glossaries


@click.group("glossary")
def glossary() -> None:
    """Check and list festival glossaries (YAML; format in glossaries/README.md)."""


@glossary.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--errors-only", is_flag=True, help="Print errors only (warnings are still counted).")
@click.option("--json", "as_json", is_flag=True, help="Print the issues as JSON.")
def check(files: tuple[Path, ...], errors_only: bool, as_json: bool) -> None:
    """Check glossary FILES: one line per problem as file:line: severity: term: problem.

    Exit status 1 when any file has an error, 0 otherwise (warnings do not fail).
    """
    issues = [issue for path in files for issue in check_glossary(path)]
    errors = sum(issue.is_error for issue in issues)
    warnings = len(issues) - errors
    shown = [i for i in issues if i.is_error] if errors_only else issues
    if as_json:
        print_json(
            {
                "errors": errors,
                "warnings": warnings,
                "issues": [
                    {
                        "file": i.file,
                        "line": i.line,
                        "severity": i.severity,
                        "term": i.term,
                        "problem": i.problem,
                    }
                    for i in shown
                ],
            }
        )
    else:
        for issue in shown:
            click.echo(str(issue))
        noun = "file" if len(files) == 1 else "files"
        click.echo(
            f"{len(files)} {noun} checked: {errors} error{'s' * (errors != 1)}, "
            f"{warnings} warning{'s' * (warnings != 1)}"
        )
    if errors:
        raise SystemExit(1)


def _width(text: str) -> int:
    """Terminal columns: wide (CJK) characters take two, combining marks none."""
    return sum(
        0
        if unicodedata.combining(c) or unicodedata.category(c) == "Cf"
        else 2
        if unicodedata.east_asian_width(c) in "WF"
        else 1
        for c in text
    )


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _rows(term: Term, langs: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """(lang, form, others) for each language shown; a keep term shows its effective form.

    The loader puts the source-language form first, so that is where the ASR aliases go.
    """
    source = next(iter(term.forms), "")
    rows = []
    for lang in langs:
        accepted = term.accepted(lang)
        if not accepted:
            rows.append((lang, "(none)", ""))
            continue
        marker = " [kept]" if term.keep and lang not in term.forms else ""
        rows.append((lang, accepted[0] + marker, "; ".join(accepted[1:])))
    if source in langs and term.aliases:
        rows.append(("asr", "", "heard as: " + "; ".join(term.aliases)))
    return rows


@glossary.command("show")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--lang",
    "-l",
    "lang_spec",
    default="all",
    show_default=True,
    help="Languages to list: ISO 639-1 codes (ru,zh) or 'all'.",
)
@click.option(
    "--kind", type=click.Choice(TERM_KINDS), default=None, help="Only terms of this kind."
)
@click.option("--json", "as_json", is_flag=True, help="Print the terms as JSON.")
def show(files: tuple[Path, ...], lang_spec: str, kind: str | None, as_json: bool) -> None:
    """List the terms of glossary FILES (merged in order, later wins) and their forms."""
    merged: Glossary = load_glossaries(files)
    langs = parse_language_list(lang_spec) if lang_spec != "all" else tuple(LANGUAGES)
    terms = [t for t in merged.terms if kind is None or t.kind == kind]
    if as_json:
        print_json(
            [
                {
                    "id": t.id,
                    "kind": t.kind,
                    "keep": t.keep,
                    "forms": {lang: t.form(lang) for lang in langs},
                    "variants": {
                        lang: list(t.variants.get(lang, ()))
                        for lang in langs
                        if t.variants.get(lang)
                    },
                    "aliases": list(t.aliases),
                    "notes": t.notes,
                    "file": t.source_file,
                    "line": t.line,
                }
                for t in terms
            ]
        )
        return
    table = [(t.id, t.kind, *row) for t in terms for row in _rows(t, langs)]
    widths = [max((_width(r[i]) for r in table), default=0) for i in range(4)]
    last_id = None
    for term_id, term_kind, lang, form, others in table:
        head = (term_id, term_kind) if term_id != last_id else ("", "")
        last_id = term_id
        cells = [_pad(head[0], widths[0]), _pad(head[1], widths[1]), _pad(lang, widths[2])]
        line = "  ".join(cells) + "  " + (_pad(form, widths[3]) + "  " + others if others else form)
        click.echo(line.rstrip())
    click.echo(f"{len(terms)} terms from {', '.join(str(f) for f in files)}")
