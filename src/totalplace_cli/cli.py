"""The `tp` command line: parse options, call the core, hand results to a renderer."""

# No `from __future__ import annotations` here: Typer would then evaluate every annotation string
# of every command at start-up (about 3 ms a run).

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
    from totalplace_cli.data import DataDirSource

HELP = """Explore the Total Place FAQ (2009-2010) and its 13 pilot areas.

Examples:

  tp questions                      list the FAQ's questions

  tp show 12                        read one answer (by number or slug)

  tp ask "savings"                  search; the best answer first, typos forgiven

  tp pilots --region "West Midlands" --json | jq -r '.[].name'

  tp glossary riep                  what an acronym of the FAQ stands for

  tp export html -o faq.html        a shareable page: click a question to read its answer

  tp pilots --theme children        pilots by theme, --region or --place

  tp pilot poole                    one pilot in full, with its sources
"""

EPILOG = (
    "Exit codes: 0 ok, 1 no match, 2 usage error, 3 bad data file, 130 interrupted, "
    "141 output pipe closed early."
)


class TpGroup(typer.core.TyperGroup):
    """Turns user errors, Ctrl-C and closed pipes into one line on stderr and an exit code."""

    def main(  # type: ignore[override]
        self, args: Sequence[str] | None = None, standalone_mode: bool = True, **extra: Any
    ) -> Any:
        # Typer's parser errors and ours both end here, for the console script and CliRunner.
        from typer._click.exceptions import ClickException, UsageError

        try:
            result = super().main(args, standalone_mode=False, **extra)
            sys.stdout.flush()  # a closed pipe shows up here for short outputs
        except UsageError as error:
            hint = ""
            if error.ctx is not None:
                hint = f" (try '{error.ctx.command_path} --help')"
            _fail(f"{error.format_message()}{hint}", error.exit_code)
        except ClickException as error:
            _fail(error.format_message(), error.exit_code)
        except typer.Abort:
            _fail("interrupted", ExitCode.INTERRUPTED)
        except BrokenPipeError:
            _stdout_closed()
        if not standalone_mode:
            return result
        sys.exit(result if isinstance(result, int) else ExitCode.OK)

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        try:  # --help and --version print while the context is made
            return super().make_context(*args, **kwargs)
        except BrokenPipeError:
            _stdout_closed()

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except TpError as error:
            _fail(error.message, error.exit_code)
        except KeyboardInterrupt:
            _fail("interrupted", ExitCode.INTERRUPTED)
        except BrokenPipeError:
            _stdout_closed()


def _fail(message: str, code: int) -> None:
    from totalplace_cli.inputs import printable

    line = f"tp: {printable(message)}\n"
    encoding = getattr(sys.stderr, "encoding", None) or "utf-8"
    sys.stderr.write(line.encode(encoding, "backslashreplace").decode(encoding))
    raise SystemExit(code)


def _stdout_closed() -> None:
    """The reader of our output went away (`tp questions | head -1`): stop quietly, like `cat`."""
    try:
        # Whatever is still buffered would fail again at exit and print a traceback: discard it.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass  # not a real file descriptor (tests); nothing will be flushed to it
    raise SystemExit(ExitCode.BROKEN_PIPE)


app = typer.Typer(
    cls=TpGroup,
    help=HELP,
    epilog=EPILOG,
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Options(NamedTuple):
    """Global options, shared by every command through Typer's context."""

    data_dir: str | None = None
    data_dir_source: "DataDirSource" = "option"
    no_color: bool = False


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"tp {__version__}\n")
        raise typer.Exit()


@app.callback()
def global_options(
    ctx: typer.Context,
    data_dir: Annotated[
        str | None,
        typer.Option(
            "--data-dir",
            envvar="TP_DATA_DIR",
            help="Folder with your own faq.yaml, pilots.yaml and/or glossary.yaml (others fall "
            "back to the bundled ones).",
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
    from typer._click.core import ParameterSource

    from_env = ctx.get_parameter_source("data_dir") == ParameterSource.ENVIRONMENT
    ctx.obj = Options(
        data_dir=data_dir,
        data_dir_source="environment" if from_env else "option",
        no_color=no_color,
    )


def _options(ctx: typer.Context) -> Options:
    return ctx.obj if isinstance(ctx.obj, Options) else Options()


def _output(ctx: typer.Context) -> Any:
    from totalplace_cli.output import OutputContext

    return OutputContext.detect(no_color=_options(ctx).no_color)


def _files(ctx: typer.Context) -> Any:
    from totalplace_cli.data import resolve_data_files

    options = _options(ctx)
    return resolve_data_files(options.data_dir, options.data_dir_source)


def _faq(ctx: typer.Context) -> Any:
    from totalplace_cli.data import load_faq

    return load_faq(_files(ctx).faq)


def _load_catalogue(data_dir: str | None) -> Any:
    from totalplace_cli.data import load_pilot_catalogue, resolve_data_files

    return load_pilot_catalogue(resolve_data_files(data_dir).pilots)


def _catalogue(ctx: typer.Context) -> Any:
    return _load_catalogue(_options(ctx).data_dir)


def _completions(
    ctx: typer.Context, values: Callable[[Any], list[tuple[str, str]]]
) -> list[tuple[str, str]]:
    """Completion values from the pilots file in use; nothing (not an error) if it is broken."""
    # While completing, global options are parsed into the root context but not yet applied.
    try:
        return values(_load_catalogue(ctx.find_root().params.get("data_dir")))
    except TpError:
        return []


def complete_region(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Shell completion for --region: the regions, as shell-friendly slugs."""
    from totalplace_cli.pilots import region_completions

    return _completions(ctx, lambda catalogue: region_completions(catalogue.pilots, incomplete))


def complete_theme(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Shell completion for --theme: the theme categories."""
    from totalplace_cli.pilots import theme_completions

    return _completions(ctx, lambda catalogue: theme_completions(catalogue.categories, incomplete))


def complete_place(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Shell completion for --place: pilot name parts and named member authorities."""
    from totalplace_cli.pilots import place_completions

    return _completions(ctx, lambda catalogue: place_completions(catalogue.pilots, incomplete))


def complete_pilot(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Shell completion for `tp pilot`: the pilot ids."""
    from totalplace_cli.pilots import pilot_completions

    return _completions(ctx, lambda catalogue: pilot_completions(catalogue.pilots, incomplete))


def _search_index(ctx: typer.Context) -> Any:
    from totalplace_cli.data import load_search_index

    return load_search_index(_files(ctx).faq)


def _glossary(ctx: typer.Context) -> Any:
    from totalplace_cli.data import load_glossary

    return load_glossary(_files(ctx).glossary)


JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of text.")]


@app.command()
def questions(ctx: typer.Context, json: JsonFlag = False) -> None:
    """List the FAQ's questions with their numbers.

    Example: tp questions --json | jq -r '.[] | "\\(.id) \\(.question)"'
    """
    from totalplace_cli import output, render

    entries = _faq(ctx)
    out = _output(ctx)
    if json:
        output.write_json(out, [entry.summary_json() for entry in entries])
    else:
        render.render_questions(out, entries)


@app.command()
def show(
    ctx: typer.Context,
    question: Annotated[str, typer.Argument(help="Question number or slug (see 'tp questions').")],
    json: JsonFlag = False,
) -> None:
    """Show one question and its answer, word for word, and explain the acronyms it uses.

    Example: tp show 12    or    tp show what-sort-of-savings-can-be-made
    """
    from totalplace_cli import output, render
    from totalplace_cli.faq import find_entry
    from totalplace_cli.glossary import terms_in
    from totalplace_cli.inputs import clean_argument

    entry = find_entry(_faq(ctx), clean_argument(question, "question number or slug"))
    acronyms = terms_in(_glossary(ctx), entry.answer)
    out = _output(ctx)
    if json:
        glossary = [term.summary_json() for term in acronyms]
        output.write_json(out, {**entry.to_json(), "glossary": glossary})
    else:
        render.render_entry(out, entry, acronyms)


@app.command()
def ask(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="Words to look for; typos are forgiven.")],
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, max=100, help="Most results to return.")
    ] = 5,
    json: JsonFlag = False,
) -> None:
    """Search questions and answers; the best answer first, then other matches with a snippet.

    Words are matched by their stem ("saved" finds "savings"), misspelt words are corrected to the
    closest word of the FAQ, and a question outranks its answer. --json adds "snippet" (an excerpt
    of the answer around the matched words) and "matched" (the query words that matched).

    Example: tp ask "savings"    tp ask "who pays the consultants" --json --limit 3
    """
    from totalplace_cli import output
    from totalplace_cli.inputs import clean_query
    from totalplace_cli.search import rank_answers, suggest_query

    query = clean_query(query)
    index = _search_index(ctx)
    results = rank_answers(index, query, limit=limit)
    out = _output(ctx)
    if json:
        output.write_json(out, [result.to_json() for result in results])
    elif results:
        from totalplace_cli.render import render_ask  # only text output pays for the renderers

        render_ask(out, results)
    if not results:
        suggestion = suggest_query(index, query)
        hint = f"did you mean '{suggestion}'?" if suggestion else "try fewer or other words"
        raise NoMatchError(f"nothing matches '{query}'; {hint} (or see 'tp questions')")


@app.command()
def pilots(
    ctx: typer.Context,
    region: Annotated[
        str | None,
        typer.Option(
            "--region",
            "-r",
            help="Only pilots in this region; forgiving: 'west mids', 'Yorkshire', 'north-east'.",
            autocompletion=complete_region,
        ),
    ] = None,
    theme: Annotated[
        str | None,
        typer.Option(
            "--theme",
            "-t",
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

    Example: tp pilots --theme drugs --region "west mids" --json | jq -r '.[].name'
    """
    from totalplace_cli import output, render
    from totalplace_cli.inputs import clean_argument
    from totalplace_cli.pilots import explain_no_match, filter_pilots

    if json and csv:
        raise UsageError("choose one of --json and --csv")
    region, theme, place = (
        None if value is None else clean_argument(value, name)
        for value, name in (
            (region, "--region value"),
            (theme, "--theme value"),
            (place, "--place value"),
        )
    )
    catalogue = _catalogue(ctx)
    selected = filter_pilots(
        catalogue.pilots, region=region, theme=theme, place=place, categories=catalogue.categories
    )
    out = _output(ctx)
    if json:
        output.write_json(out, [pilot.to_json() for pilot in selected])
    elif csv:
        render.write_pilots_csv(out, selected)
    elif selected:
        render.render_pilots(out, selected, catalogue.categories)
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

    Example: tp pilot poole    tp pilot birmingham --json | jq -r '.themes[].text'
    """
    from totalplace_cli import output, render
    from totalplace_cli.inputs import clean_argument
    from totalplace_cli.pilots import faq_mentions, find_pilot

    catalogue = _catalogue(ctx)
    found = find_pilot(catalogue.pilots, clean_argument(key, "pilot"))
    mentions = faq_mentions(_faq(ctx), found)
    out = _output(ctx)
    if json:
        faq = [{**entry.summary_json(), "lines": lines} for entry, lines in mentions]
        output.write_json(out, {**found.to_json(), "faq": faq})
    else:
        render.render_pilot(out, found, catalogue.categories, mentions)


@app.command()
def regions(ctx: typer.Context, json: JsonFlag = False) -> None:
    """Count the pilots in each region.

    Example: tp regions    tp regions --json | jq -r '.[] | "\\(.count) \\(.region)"'
    """
    from totalplace_cli import output, render
    from totalplace_cli.pilots import pilots_by_region

    rows = pilots_by_region(_catalogue(ctx).pilots)
    out = _output(ctx)
    if json:
        output.write_json(
            out,
            [
                {
                    "region": region,
                    "count": len(members),
                    "pilots": [p.brief_json() for p in members],
                }
                for region, members in rows
            ],
        )
    else:
        render.render_regions(out, rows)


@app.command()
def themes(ctx: typer.Context, json: JsonFlag = False) -> None:
    """Count the pilots in each theme category (from their sourced themes).

    Example: tp themes    tp themes --json | jq -r '.[] | select(.count > 1) | .id'
    """
    from totalplace_cli import output, render
    from totalplace_cli.pilots import pilots_by_category

    catalogue = _catalogue(ctx)
    rows = pilots_by_category(catalogue.pilots, catalogue.categories)
    out = _output(ctx)
    if json:
        output.write_json(
            out,
            [
                {
                    **category.to_json(),
                    "count": len(members),
                    "pilots": [p.brief_json() for p in members],
                }
                for category, members in rows
            ],
        )
    else:
        unthemed = [pilot for pilot in catalogue.pilots if not pilot.themes]
        render.render_themes(out, rows, unthemed)


@app.command()
def glossary(
    ctx: typer.Context,
    term: Annotated[
        str | None,
        typer.Argument(help="An acronym, in any case, singular or plural (RIEP, rieps); or none."),
    ] = None,
    json: JsonFlag = False,
) -> None:
    """Explain the acronyms of the FAQ and of Total Place: all of them, or the one you name.

    Acronyms the FAQ spells out itself are explained in its own words; the others come from
    the project's research notes, which give their source.

    Example: tp glossary riep    tp glossary --json | jq -r '.[] | "\\(.term)\\t\\(.expansion)"'
    """
    from totalplace_cli import output, render
    from totalplace_cli.glossary import answers_using, find_term
    from totalplace_cli.inputs import clean_argument

    terms = _glossary(ctx)
    used_in = answers_using(terms, _faq(ctx))
    out = _output(ctx)
    if term is None:
        if json:
            output.write_json(out, [t.to_json(used_in[t]) for t in terms])
        else:
            render.render_glossary(out, terms)
        return
    found = find_term(terms, clean_argument(term, "term"))
    if json:
        output.write_json(out, found.to_json(used_in[found]))
    else:
        render.render_glossary_term(out, found, used_in[found])


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
    """Write the FAQ, the pilots, the glossary and the sources as one document.

    The HTML page needs nothing else (no fonts, scripts or images from elsewhere): open it in
    any browser, send it, or print it. Click a question to read its answer; search as with
    `tp ask`. With -o the file is written whole or not at all, and never over the data in use.

    Example: tp export html -o total-place-faq.html    tp export markdown > faq.md
    """
    from totalplace_cli import export as documents
    from totalplace_cli import output
    from totalplace_cli.models import Dataset
    from totalplace_cli.pilots import category_labels

    catalogue = _catalogue(ctx)
    dataset = Dataset(faq=_faq(ctx), pilots=catalogue.pilots)
    build = documents.build_html if format is ExportFormat.html else documents.build_markdown
    text = build(
        dataset,
        _glossary(ctx),
        themes_of=lambda pilot: tuple(category_labels(pilot, catalogue.categories)),
    )
    if destination is None or destination == "-":
        output.write_document(_output(ctx), text)
        return
    from totalplace_cli.writing import write_atomically

    path = Path(destination).expanduser()
    # Every data file in use (whatever kinds DataFiles comes to hold) is off limits.
    in_use = [value for value in _files(ctx) if isinstance(value, Path)]
    size = write_atomically(path, text, protected=in_use)
    typer.echo(f"tp: wrote {path} ({max(1, round(size / 1024))} KB)", err=True)


@app.command()
def info(ctx: typer.Context, json: JsonFlag = False) -> None:
    """Show the version and the data files in use (yours or bundled).

    Example: tp --data-dir ./mydata info    or    tp info --json | jq '.files[].path'
    """
    from totalplace_cli import output, render
    from totalplace_cli.checking import check_data_files

    files = _files(ctx)
    checked = check_data_files(files)
    details = {
        "tp_version": __version__,
        "data_dir": str(files.data_dir) if files.data_dir else None,
        "data_dir_source": files.source,
        "files": [
            {
                **file.to_json(),
                "source": "bundled" if files.is_bundled(Path(file.path)) else "user",
            }
            for file in checked
        ],
    }
    out = _output(ctx)
    if json:
        output.write_json(out, details)
    else:
        render.render_info(out, details)
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
    allowed), 3 when there is any error. The format: docs/data-format.md.

    Example: tp validate ./mydata    or    tp validate mydata/faq.yaml --json
    """
    from totalplace_cli import output, render
    from totalplace_cli.checking import check_data_files, check_path

    checked = check_data_files(_files(ctx)) if path is None else check_path(Path(path))
    errors = sum(len(file.errors) for file in checked)
    warnings = sum(len(file.warnings) for file in checked)
    out = _output(ctx)
    if json:
        output.write_json(
            out,
            {
                "valid": errors == 0,
                "errors": errors,
                "warnings": warnings,
                "files": [file.to_json() for file in checked],
                "problems": [p.to_json() for file in checked for p in file.problems],
            },
        )
    else:
        render.render_validation(out, checked)
    if errors:
        where = "in the JSON above" if json else "above"
        raise DataError(f"{errors} error{'s' * (errors != 1)} in the data (listed {where})")


def invoked_command(args: Sequence[str]) -> str | None:
    """The command a command line runs, when plain to see: global options skipped, no help."""
    position = 0
    while position < len(args):
        argument = args[position]
        if argument == "--data-dir":
            position += 2
        elif argument.startswith("--data-dir=") or argument == "--no-color":
            position += 1
        elif argument.startswith("-"):
            return None  # --help, --version, completion set-up: they need every command
        else:
            return argument
    return None


def _register_only(name: str | None) -> None:
    """Keep only the invoked command in the app, so Typer builds one command instead of all.

    Typer turns every registered function into a command on each run (about 0.4 ms each); a run
    that names its command needs only that one. Anything else (help, an unknown or misspelt
    command, shell completion) keeps them all, so listings and suggestions stay complete.
    """
    if name is None or any(k.startswith("_") and k.endswith("_COMPLETE") for k in os.environ):
        return
    named = [
        info
        for info in app.registered_commands
        if info.callback is not None
        and (info.name or typer.main.get_command_name(info.callback.__name__)) == name
    ]
    if named:
        app.registered_commands = named


def main() -> None:
    """Console-script entry point."""
    _register_only(invoked_command(sys.argv[1:]))
    try:
        app()
    except KeyboardInterrupt:  # Ctrl-C outside a command, e.g. while parsing options
        sys.stderr.write("tp: interrupted\n")
        sys.exit(ExitCode.INTERRUPTED)
