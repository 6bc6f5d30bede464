"""The `tp` command line: parse options, call the core, hand results to a renderer."""

# No `from __future__ import annotations` here: Typer would then evaluate every annotation string
# of every command at start-up (about 3 ms a run).

import contextlib
import errno
import io
import os
import sys
from collections.abc import Callable, Sequence
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple

import typer

from totalplace_cli import __version__
from totalplace_cli.errors import DataError, ExitCode, NoMatchError, TpError, UsageError

if TYPE_CHECKING:
    from totalplace_cli.data import DataDirSource, DataFiles
    from totalplace_cli.output import OutputContext
    from totalplace_cli.pilot_models import Pilot

HELP = """Explore the Total Place FAQ (2009-2010) and its 13 pilot areas.

\b
Examples:
  tp questions                      list the FAQ's questions
  tp show 12                        read one answer (by number or slug)
  tp ask "savings"                  search; the best answer first, typos forgiven
  tp pilots --region "West Midlands" --json | jq -r '.[].name'
  tp glossary riep                  what an acronym of the FAQ stands for
  tp export html -o faq.html        a shareable page: click a question to read its answer
  tp pilots --theme children        pilots by theme, --region or --place
  tp pilot poole                    one pilot in full, with its sources
  tp timeline                       what happened after the FAQ, each event sourced
"""

EPILOG = (
    "Exit codes: 0 ok, 1 no match, 2 usage error, 3 bad data file, 74 output could not be "
    "written (disk full), 130 interrupted, 141 output pipe closed early."
)


def _warn(message: str) -> None:
    """One line on stderr about something tp did for the user; the run goes on."""
    _fail(f"warning: {message}", ExitCode.OK)


app = typer.Typer(
    help=HELP,
    epilog=EPILOG,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={
        "help_option_names": ["-h", "--help"],
        # Help fills the terminal (Click caps it at this, then at the terminal's own width).
        "max_content_width": 1000,
    },
)


class Options(NamedTuple):
    """Global options, for every command through Typer's context."""

    data_dir: str | None
    data_dir_source: "DataDirSource"
    no_color: bool


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"tp {__version__}\n")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def global_options(
    ctx: typer.Context,
    data_dir: Annotated[
        str | None,
        typer.Option(
            "--data-dir",
            metavar="DIR",
            envvar="TP_DATA_DIR",
            help="Folder with your own faq.yaml, pilots.yaml, glossary.yaml and/or programme.yaml "
            "(others fall back to the bundled ones).",
            show_envvar=True,
        ),
    ] = None,
    no_color: Annotated[
        bool, typer.Option("--no-color", help="Never colour the output (NO_COLOR works too).")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    if ctx.invoked_subcommand is None:  # bare `tp`: the help, on stdout, as a success
        sys.stdout.write(ctx.get_help() + "\n")
        raise typer.Exit()
    source = ctx.get_parameter_source("data_dir")
    from_env = source is not None and source.name == "ENVIRONMENT"
    if data_dir is not None and not data_dir.strip():
        if not from_env:  # an empty TP_DATA_DIR means unset, as for most variables
            raise UsageError("the --data-dir value is empty; give a folder, or leave it out")
        data_dir = None
    ctx.obj = Options(data_dir, "environment" if from_env else "option", no_color)


# The data in use, loaded only by the commands that need it (`tp schema` needs none).


def _files(ctx: typer.Context) -> "DataFiles":
    from totalplace_cli.data import resolve_data_files

    return resolve_data_files(ctx.obj.data_dir, ctx.obj.data_dir_source)


def _faq(files: "DataFiles") -> Any:
    """The FAQ's entries from the data set's one database (the same one `tp ask` searches)."""
    from totalplace_cli.data import query_data_set
    from totalplace_cli.store import read_faq_entries

    return query_data_set(files, read_faq_entries)


def _catalogue(files: "DataFiles") -> Any:
    from totalplace_cli.data import load_pilot_catalogue

    return load_pilot_catalogue(files.paths["pilots"])


def _glossary(files: "DataFiles") -> Any:
    from totalplace_cli.data import load_glossary

    return load_glossary(files.paths["glossary"])


def _programme(files: "DataFiles") -> Any:
    from totalplace_cli.data import load_programme

    return load_programme(files.paths["programme"])


def _output(ctx: typer.Context) -> "OutputContext":
    from totalplace_cli.output import OutputContext

    return OutputContext.detect(no_color=ctx.obj.no_color)


def _print(
    ctx: typer.Context, json: bool, value: Any, render: Callable[..., None], *args: Any
) -> None:
    """With --json, `value` for scripts; otherwise `render(output, *args)` for people."""
    from totalplace_cli.output import write_json

    if json:
        write_json(_output(ctx), value)
    else:
        render(_output(ctx), *args)


# Shell completion. Typer keeps only the values that start with the typed text, case and all,
# so each value is offered in the case the user typed ("West" -> "West-midlands").

Completions = list[tuple[str, str]]
COMPLETION_WIDTH = 76  # Rich wraps at 80 when it cannot see a terminal


def _completion(
    values: Callable[["DataFiles", str], Completions],
) -> Callable[[typer.Context, str], Completions]:
    """A completion callback offering `values(files in use, typed)`; none if the data is broken."""

    def complete(ctx: typer.Context, incomplete: str) -> Completions:
        from totalplace_cli.data import resolve_data_files

        # While completing, global options are parsed into the root context but not yet applied.
        try:
            files = resolve_data_files(ctx.find_root().params.get("data_dir"))
            found = values(files, incomplete)
        except TpError:
            return []
        return [(_as_typed(value, incomplete), _description(text)) for value, text in found]

    return complete


def _as_typed(value: str, typed: str) -> str:
    """`value` spelt so that it starts with `typed`, when they differ only in case."""
    if value[: len(typed)].casefold() != typed.casefold():
        return value
    for candidate in (value, value.lower(), value.upper()):
        if candidate.startswith(typed):
            return candidate
    return typed + value[len(typed) :]


def _description(text: str) -> str:
    """A description for Typer to print on one line: Rich reads its markup ("[x]") and wraps it."""
    from rich.markup import escape  # completion only; Typer's own rendering imports Rich anyway

    from totalplace_cli.inputs import without_controls

    text = " ".join(without_controls(text).split())
    if len(text) > COMPLETION_WIDTH:
        text = text[: COMPLETION_WIDTH - 1] + "\u2026"
    return escape(text)


# `tp pilots --region, --theme, --place`; then the arguments of `tp pilot`, `show` and `glossary`.
# Each helper module is imported only when completing.


@_completion
def complete_region(files: "DataFiles", typed: str) -> Completions:
    from totalplace_cli.pilots import region_completions

    return region_completions(_catalogue(files).pilots, typed)


@_completion
def complete_theme(files: "DataFiles", typed: str) -> Completions:
    from totalplace_cli.pilots import theme_completions

    return theme_completions(_catalogue(files).categories, typed)


@_completion
def complete_place(files: "DataFiles", typed: str) -> Completions:
    from totalplace_cli.pilots import place_completions

    return place_completions(_catalogue(files).pilots, typed)


@_completion
def complete_pilot(files: "DataFiles", typed: str) -> Completions:
    from totalplace_cli.pilots import pilot_completions

    return pilot_completions(_catalogue(files).pilots, typed)


@_completion
def complete_question(files: "DataFiles", typed: str) -> Completions:
    from totalplace_cli.faq import question_completions

    return question_completions(_faq(files), typed)


@_completion
def complete_term(files: "DataFiles", typed: str) -> Completions:
    from totalplace_cli.glossary import term_completions

    return term_completions(_glossary(files), typed)


JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of text.")]


@app.command()
def questions(ctx: typer.Context, json: JsonFlag = False) -> None:
    """List the FAQ's questions with their numbers.

    
    Example:
      tp questions --json | jq -r '.[] | "\\(.id) \\(.question)"'
    """
    from totalplace_cli.render import render_questions

    entries = _faq(_files(ctx))
    _print(ctx, json, [entry.summary_json() for entry in entries], render_questions, entries)


@app.command()
def show(
    ctx: typer.Context,
    question: Annotated[
        str,
        typer.Argument(
            metavar="ID",
            help="Question number or slug (see 'tp questions').",
            autocompletion=complete_question,
        ),
    ],
    json: JsonFlag = False,
) -> None:
    """Show one question and its answer, word for word, and explain the acronyms it uses.

    
    Examples:
      tp show 12
      tp show what-sort-of-savings-can-be-made
    """
    from totalplace_cli.faq import find_entry
    from totalplace_cli.glossary import terms_in
    from totalplace_cli.inputs import clean_argument
    from totalplace_cli.render import render_entry

    files = _files(ctx)
    entry = find_entry(_faq(files), clean_argument(question, "question number or slug"))
    acronyms = terms_in(_glossary(files), entry.answer)
    value = {**entry.to_json(), "glossary": [term.summary_json() for term in acronyms]}
    _print(ctx, json, value, render_entry, entry, acronyms)


def _ask_kinds(given: Sequence[str] | None) -> frozenset[str] | None:
    """The kinds `--kind` names (repeated or comma-separated); None for all."""
    from totalplace_cli.search import KINDS as SEARCHED

    if not given:
        return None
    named = {part.strip().lower() for value in given for part in value.split(",")} - {""}
    unknown = sorted(named - set(SEARCHED))
    if unknown or not named:
        shown = ", ".join(unknown) or "''"
        raise UsageError(f"unknown --kind {shown}; choose from: {', '.join(SEARCHED)}")
    return frozenset(named)


def complete_ask_kind(incomplete: str) -> list[str]:
    """Shell completion for `tp ask --kind`."""
    from totalplace_cli.search import KINDS as SEARCHED

    return [kind for kind in SEARCHED if kind.startswith(incomplete.lower())]


@app.command()
def ask(
    ctx: typer.Context,
    query: Annotated[
        str, typer.Argument(metavar="QUERY", help="Words to look for; typos are forgiven.")
    ],
    limit: Annotated[
        int,
        typer.Option(
            "--limit", "-n", min=1, metavar="N", help="Most results to return (any N from 1)."
        ),
    ] = 5,
    kind: Annotated[
        list[str] | None,
        typer.Option(
            "--kind",
            "-k",
            metavar="KIND",
            help="Search only these kinds: faq, pilot, term, fact, event "
            "(repeat or comma-separate: --kind pilot,term).",
            autocompletion=complete_ask_kind,
        ),
    ] = None,
    json: JsonFlag = False,
) -> None:
    """Search the FAQ, the pilots, the glossary and the programme's facts and events at once;
    the best answer first, then other matches with a snippet.

    Words are matched by their stem ("saved" finds "savings"), a misspelt word is corrected to the
    closest word of the data (a correctly spelt English word never is), and a title (a question,
    a pilot's name, an acronym) outranks the text. A query mostly about something the data does
    not cover finds nothing (exit 1) and lists the three closest questions (--json prints []).
    Each result has a "kind": faq, pilot, term, fact or event; all but faq come from later
    sources and are labelled so. --json adds "snippet" (an excerpt
    around the matched words) and "matched" (the query words that matched). In a terminal,
    corrections are shown first.

    
    Examples:
      tp ask "savings"
      tp ask poole --kind pilot
      tp ask "who pays the consultants" --json --limit 3 --kind faq
    """
    from totalplace_cli.data import query_data_set
    from totalplace_cli.inputs import clean_query
    from totalplace_cli.output import write_json
    from totalplace_cli.search import closest_questions, search, suggest_query

    query = clean_query(query, warn=_warn)
    kinds = _ask_kinds(kind)
    # Any N is fine ("all"); sys.maxsize keeps a huge one within what SQLite accepts.
    limit = min(limit, sys.maxsize)

    def run(database: Any) -> Any:
        answer = search(database, query, limit=limit, kinds=kinds)
        if answer.results:
            return answer, None, []
        closest = [] if json else closest_questions(database, query)
        return answer, suggest_query(database, query), closest

    answer, suggestion, closest = query_data_set(_files(ctx), run)
    results = answer.results
    if json:
        write_json(_output(ctx), [result.to_json() for result in results])
    elif results:
        from totalplace_cli.render import render_ask  # only text output pays for the renderers

        render_ask(_output(ctx), results, answer.corrections)
    else:  # never a dead end: the nearest questions, each with how to read it
        typer.echo("Nothing in the FAQ answers that closely. Closest questions:")
        for entry in closest:
            typer.echo(f"  {entry.id}. {entry.question}  (tp show {entry.id})")
    if not results:
        hint = f"did you mean '{suggestion}'?" if suggestion else "try fewer or other words"
        shown = query if len(query) <= 80 else f"{query[:77]}..."
        raise NoMatchError(f"nothing matches '{shown}'; {hint} (or see 'tp questions')")


@app.command()
def pilots(
    ctx: typer.Context,
    region: Annotated[
        str | None,
        typer.Option(
            "--region",
            "-r",
            metavar="REGION",
            help="Only pilots in this region; forgiving: 'west mids', 'Yorkshire', 'north-east'.",
            autocompletion=complete_region,
        ),
    ] = None,
    theme: Annotated[
        str | None,
        typer.Option(
            "--theme",
            "-t",
            metavar="THEME",
            help="Only pilots with this theme: a category (see 'tp themes') or the pilot's own "
            "words, e.g. children, drugs, older, gangs.",
            autocompletion=complete_theme,
        ),
    ] = None,
    place: Annotated[
        str | None,
        typer.Option(
            "--place",
            "-p",
            metavar="PLACE",
            help="Only pilots that name this place or member authority, e.g. Poole, Thanet.",
            autocompletion=complete_place,
        ),
    ] = None,
    json: JsonFlag = False,
    csv: Annotated[
        bool, typer.Option("--csv", help="Print CSV (header row; lists joined with '; ').")
    ] = False,
) -> None:
    """List the pilots; filter by --region, --theme, --place (all must hold).

    
    Example:
      tp pilots --theme drugs --region "west mids" --json | jq -r '.[].name'
    """
    from totalplace_cli import render
    from totalplace_cli.inputs import clean_argument
    from totalplace_cli.output import write_json
    from totalplace_cli.pilots import explain_no_match, filter_pilots

    if json and csv:
        raise UsageError("choose one of --json and --csv")
    region = None if region is None else clean_argument(region, "--region value")
    theme = None if theme is None else clean_argument(theme, "--theme value")
    place = None if place is None else clean_argument(place, "--place value")
    catalogue = _catalogue(_files(ctx))
    selected = filter_pilots(
        catalogue.pilots, region=region, theme=theme, place=place, categories=catalogue.categories
    )
    out = _output(ctx)
    if json:
        write_json(out, [pilot.to_json() for pilot in selected])
    elif csv:
        render.write_pilots_csv(out, selected)
    elif selected:
        render.render_pilots(out, selected)
    if not selected:
        raise NoMatchError(explain_no_match(catalogue.pilots, region, theme, place))


@app.command()
def pilot(
    ctx: typer.Context,
    key: Annotated[
        str,
        typer.Argument(
            metavar="PILOT",
            help="Pilot id, name or a place in it; a unique start or a near miss is enough.",
            autocompletion=complete_pilot,
        ),
    ],
    json: JsonFlag = False,
) -> None:
    """Show one pilot in full, each fact with its source.

    Themes, member authorities, figures, field trials, sources, and the FAQ lines naming it.

    
    Examples:
      tp pilot poole
      tp pilot birmingham --json | jq -r '.themes[].text'
    """
    from totalplace_cli.inputs import clean_argument
    from totalplace_cli.pilots import faq_mentions, find_pilot
    from totalplace_cli.render import render_pilot

    files = _files(ctx)
    catalogue = _catalogue(files)
    found = find_pilot(catalogue.pilots, clean_argument(key, "pilot"))
    mentions = faq_mentions(_faq(files), found)
    faq = [{**entry.summary_json(), "lines": lines} for entry, lines in mentions]
    value = {**found.to_json(), "faq": faq}
    _print(ctx, json, value, render_pilot, found, catalogue.categories, mentions)


def _counted(members: Sequence[Any]) -> dict[str, Any]:
    """The JSON of a group of pilots (a region, a theme): how many, and who."""
    return {"count": len(members), "pilots": [pilot.brief_json() for pilot in members]}


@app.command()
def regions(ctx: typer.Context, json: JsonFlag = False) -> None:
    """Count the pilots in each region.

    
    Examples:
      tp regions
      tp regions --json | jq -r '.[] | "\\(.count) \\(.region)"'
    """
    from totalplace_cli.pilots import pilots_by_region
    from totalplace_cli.render import render_regions

    rows = pilots_by_region(_catalogue(_files(ctx)).pilots)
    value = [{"region": region, **_counted(members)} for region, members in rows]
    _print(ctx, json, value, render_regions, rows)


@app.command()
def themes(ctx: typer.Context, json: JsonFlag = False) -> None:
    """Count the pilots in each theme category (from their sourced themes).

    
    Examples:
      tp themes
      tp themes --json | jq -r '.[] | select(.count > 1) | .id'
    """
    from totalplace_cli.pilots import pilots_by_category
    from totalplace_cli.render import render_themes

    catalogue = _catalogue(_files(ctx))
    rows = pilots_by_category(catalogue.pilots, catalogue.categories)
    value = [{**category.to_json(), **_counted(members)} for category, members in rows]
    unthemed = [pilot for pilot in catalogue.pilots if not pilot.themes]
    _print(ctx, json, value, render_themes, rows, unthemed)


@app.command()
def glossary(
    ctx: typer.Context,
    term: Annotated[
        str | None,
        typer.Argument(
            metavar="TERM",
            help="An acronym, in any case, singular or plural (RIEP, rieps); or none.",
            autocompletion=complete_term,
        ),
    ] = None,
    json: JsonFlag = False,
) -> None:
    """Explain the acronyms of the FAQ and of Total Place: all of them, or the one you name.

    Acronyms the FAQ spells out itself are explained in its own words; the others come from
    the project's research notes, which give their source.

    
    Examples:
      tp glossary riep
      tp glossary --json | jq -r '.[] | "\\(.term)\\t\\(.expansion)"'
    """
    from totalplace_cli.glossary import answers_using, find_term
    from totalplace_cli.inputs import clean_argument
    from totalplace_cli.render import render_glossary, render_glossary_term

    files = _files(ctx)
    terms = _glossary(files)
    used_in = answers_using(terms, _faq(files))
    if term is None:
        _print(ctx, json, [t.to_json(used_in[t]) for t in terms], render_glossary, terms)
        return
    found = find_term(terms, clean_argument(term, "term"))
    _print(ctx, json, found.to_json(used_in[found]), render_glossary_term, found, used_in[found])


class ExportFormat(str, Enum):
    """The document formats `tp export` writes."""

    html = "html"
    markdown = "markdown"


@app.command()
def export(
    ctx: typer.Context,
    format: Annotated[
        ExportFormat,
        typer.Argument(metavar="FORMAT", help="html (one self-contained page) or markdown."),
    ],
    destination: Annotated[
        str | None,
        typer.Option(
            "--output", "-o", metavar="FILE", help="Write to FILE ('-' or none: standard output)."
        ),
    ] = None,
) -> None:
    """Write the FAQ, the pilots, the programme's timeline and figures, the glossary and the
    sources as one document (what is not the FAQ's own words is labelled "Beyond the FAQ").

    The HTML page needs nothing else (no fonts, scripts or images from elsewhere): open it in
    any browser, send it, or print it. Click a question to read its answer; search as with
    `tp ask`. With -o the file is written whole or not at all, and never over the data in use.

    
    Examples:
      tp export html -o total-place-faq.html
      tp export markdown > faq.md
    """
    from totalplace_cli import export as documents
    from totalplace_cli.data import KINDS, bundled_data_dir, file_name
    from totalplace_cli.inputs import terminal_text
    from totalplace_cli.output import write_all
    from totalplace_cli.pilots import category_labels
    from totalplace_cli.writing import write_atomically

    files = _files(ctx)
    catalogue = _catalogue(files)
    from totalplace_cli.data import load_synonyms

    thesaurus = load_synonyms(files.paths["synonyms"])
    dataset = documents.Dataset(faq=_faq(files), pilots=catalogue.pilots, thesaurus=thesaurus)
    programme = _programme(files)
    build = documents.build_html if format is ExportFormat.html else documents.build_markdown

    def themes_of(pilot: "Pilot") -> tuple[str, ...]:
        return tuple(category_labels(pilot, catalogue.categories))

    page = build(dataset, _glossary(files), themes_of=themes_of, programme=programme)
    # A page or a Markdown file is text too: no control character from the data reaches it.
    text = terminal_text(page)
    if destination is None or destination == "-":
        # The HTML declares charset=utf-8, so its bytes must be UTF-8 even on a legacy console.
        write_all(_output(ctx).stdout, text, encoding="utf-8")
        return
    path = Path(destination).expanduser()
    # Every data file in use, of every kind, is off limits, and so is the bundled fallback.
    bundled = [bundled_data_dir() / file_name(kind) for kind in KINDS]
    size = write_atomically(path, text, protected=[*files.paths.values(), *bundled])
    typer.echo(f"tp: wrote {path} ({max(1, round(size / 1024))} KB)", err=True)


@app.command()
def info(ctx: typer.Context, json: JsonFlag = False) -> None:
    """Show the version and the data files in use (yours or bundled).

    
    Examples:
      tp --data-dir ./mydata info
      tp info --json | jq '.files[].path'
    """
    from totalplace_cli.checking import check_data_files
    from totalplace_cli.render import render_info

    files = _files(ctx)
    checked = check_data_files(files)
    details = {
        "tp_version": __version__,
        "data_dir": str(files.data_dir) if files.data_dir else None,
        "data_dir_source": files.source,
        "files": [
            {**file.to_json(), "source": "bundled" if files.is_bundled(Path(file.path)) else "user"}
            for file in checked
        ],
    }
    _print(ctx, json, details, render_info, details)
    errors = [problem for file in checked for problem in file.errors]
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise DataError(f"{errors[0]}{more}; run 'tp validate' for every problem")


@app.command()
def validate(
    ctx: typer.Context,
    path: Annotated[
        str | None,
        typer.Argument(
            help="A data file or a folder of them (default: the files in use).",
            metavar="PATH",
            show_default=False,
        ),
    ] = None,
    json: JsonFlag = False,
) -> None:
    """Check data files; list every problem with its file:line:column.

    Each problem is one line, 'file:line:column: severity: message'. Exit 0 when valid (warnings
    allowed), 3 when there is any error. The format: 'tp schema faq' (or pilots, glossary,
    programme, synonyms) and the README's "Data format" section.

    
    Examples:
      tp validate ./mydata
      tp validate mydata/faq.yaml --json
    """
    from totalplace_cli.checking import check_data_files, check_path
    from totalplace_cli.render import render_validation

    checked = check_data_files(_files(ctx)) if path is None else check_path(Path(path))
    errors = sum(len(file.errors) for file in checked)
    warnings = sum(len(file.warnings) for file in checked)
    value = {
        "valid": errors == 0,
        "errors": errors,
        "warnings": warnings,
        "files": [file.to_json() for file in checked],
        "problems": [p.to_json() for file in checked for p in file.problems],
    }
    _print(ctx, json, value, render_validation, checked)
    if errors:
        where = "in the JSON above" if json else "above"
        raise DataError(f"{errors} error{'s' * (errors != 1)} in the data (listed {where})")


def complete_kind(incomplete: str) -> list[str]:
    """Shell completion for `tp schema`: the kinds of data file."""
    from totalplace_cli.data import KINDS

    return [kind for kind in KINDS if kind.startswith(incomplete.lower())]


@app.command()
def schema(
    kind: Annotated[
        str,
        typer.Argument(
            metavar="KIND",
            help="faq, pilots, glossary, programme or synonyms.",
            autocompletion=complete_kind,
        ),
    ],
) -> None:
    """Print the JSON Schema of a data file, for editors and other tools.

    Put '# yaml-language-server: $schema=FILE' at the top of your YAML for completion and
    checking as you type; 'tp validate' checks the same rules.

    
    Example:
      tp schema faq > faq.schema.json
    """
    from totalplace_cli.data import KINDS
    from totalplace_cli.data_format import schema_path

    wanted = kind.strip().lower()
    if wanted not in KINDS:
        raise UsageError(f"unknown data file kind '{kind}'; choose one of: {', '.join(KINDS)}")
    sys.stdout.write(schema_path(wanted).read_text(encoding="utf-8"))


@app.command()
def timeline(ctx: typer.Context, json: JsonFlag = False) -> None:
    """The programme in date order (2008-2010): launch, pilots, reports and what came after.

    Beyond the FAQ: each event comes from a later source, shown with it. A partial date (2009-10)
    means the source gives no day.

    
    Examples:
      tp timeline
      tp timeline --json | jq -r '.[] | "\\(.date)  \\(.event)"'
    """
    from totalplace_cli.render import render_timeline

    events = _programme(_files(ctx)).timeline()
    _print(ctx, json, [event.to_json() for event in events], render_timeline, events)


@app.command()
def facts(ctx: typer.Context, json: JsonFlag = False) -> None:
    """The programme's headline figures (spending mapped, savings estimates), each with its source.

    Beyond the FAQ: the figures come from the March 2010 report and later sources, with their
    own words where recorded.

    
    Examples:
      tp facts
      tp facts --json | jq -r '.[] | "\\(.figure): \\(.source)"'
    """
    from totalplace_cli.render import render_facts

    figures = _programme(_files(ctx)).facts
    _print(ctx, json, [fact.to_json() for fact in figures], render_facts, figures)


def run(args: Sequence[str] | None = None) -> int:
    """Run `tp`; the one place where errors become a line on stderr and an exit code (Typer's
    reach us as exceptions in its non-standalone mode, as in httpie's `raw_main`)."""
    # `tp >&-` or `2>&-` leave the stream None: write to /dev/null instead. Opening it also takes
    # the free descriptor, so no file tp opens lands on 1 or 2.
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115
    stdout, stderr = sys.stdout, sys.stderr
    try:
        try:
            result = app(args=args, prog_name="tp", standalone_mode=False)
        except SystemExit:
            if sys.stdout is not stdout:
                # Typer's own answer to a closed pipe: it swaps stdout and exits 1. Ours is 141.
                sys.stdout, sys.stderr = stdout, stderr
                raise BrokenPipeError from None
            raise  # shell completion ends this way
        if result == ExitCode.INTERRUPTED:  # Typer returns Ctrl-C in a command as exit 130
            raise KeyboardInterrupt
        sys.stdout.flush()  # short outputs meet a closed pipe or a full disk only here
        return result if isinstance(result, int) else ExitCode.OK
    except TpError as error:
        return _fail(str(error), error.exit_code)
    except typer.TyperException as error:  # Click's usage errors, as Typer re-exports their base
        context = getattr(error, "ctx", None)
        hint = "" if context is None else f" (try '{context.command_path} --help')"
        # Click's messages may span lines ("Choose from:\n\thtml,\n\tmarkdown"): one line here.
        message = " ".join(error.format_message().split())
        return _fail(f"{message}{hint}", getattr(error, "exit_code", ExitCode.USAGE))
    except (KeyboardInterrupt, typer.Abort):
        return _fail("interrupted", ExitCode.INTERRUPTED)
    except BrokenPipeError:
        _discard_stdout()
        return ExitCode.BROKEN_PIPE
    except OSError as error:
        if error.errno not in OUTPUT_ERRNOS:
            raise  # not about our output: a bug, which must show
        _discard_stdout()
        return _fail(f"cannot write the output: {error.strerror}", ExitCode.OUTPUT)


# Write errors of a full disk, a failing device or a size limit (`>/dev/full`, `ulimit -f`).
OUTPUT_ERRNOS = frozenset(
    {errno.ENOSPC, errno.EIO, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}
)


def _fail(message: str, code: int) -> int:
    """Print `tp: message` as one line on stderr; return `code`."""
    from totalplace_cli.inputs import printable

    line = f"tp: {printable(message)}\n"
    encoding = getattr(sys.stderr, "encoding", None) or "utf-8"
    with contextlib.suppress(OSError, ValueError):  # stderr gone too: the exit code still tells
        sys.stderr.write(line.encode(encoding, "backslashreplace").decode(encoding))
        sys.stderr.flush()
    return code


def _discard_stdout() -> None:
    """Stdout cannot take more (closed pipe, full disk): point it at /dev/null, or what is still
    buffered fails again when Python flushes at exit, with a traceback. Tests have no descriptor."""
    with contextlib.suppress(OSError, ValueError, AttributeError, io.UnsupportedOperation):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
