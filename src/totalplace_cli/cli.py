"""The `tp` command line: parse options, call the core, hand results to a renderer."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from totalplace_cli import __version__
from totalplace_cli.errors import DataError, ExitCode, NoMatchError, TpError

if TYPE_CHECKING:
    from totalplace_cli.data import DataDirSource

HELP = """Explore the Total Place FAQ (2009-2010) and its 13 pilot areas.

Examples:

  tp questions                      list the FAQ's questions

  tp show 12                        read one answer (by number or slug)

  tp ask "savings"                  search; the best answer first, typos forgiven

  tp pilots --region "West Midlands" --json | jq -r '.[].name'
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
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@dataclass
class Options:
    """Global options, shared by every command through Typer's context."""

    data_dir: str | None = None
    data_dir_source: DataDirSource = "option"
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
            help="Folder with your own faq.yaml and/or pilots.yaml (others fall back to bundled).",
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
    from totalplace_cli.render import OutputContext

    return OutputContext.detect(no_color=_options(ctx).no_color)


def _files(ctx: typer.Context) -> Any:
    from totalplace_cli.data import resolve_data_files

    options = _options(ctx)
    return resolve_data_files(options.data_dir, options.data_dir_source)


def _faq(ctx: typer.Context) -> Any:
    from totalplace_cli.data import load_faq

    return load_faq(_files(ctx).faq)


def _pilots(ctx: typer.Context) -> Any:
    from totalplace_cli.data import load_pilots

    return load_pilots(_files(ctx).pilots)


JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of text.")]


@app.command()
def questions(ctx: typer.Context, json: JsonFlag = False) -> None:
    """List the FAQ's questions with their numbers.

    Example: tp questions --json | jq -r '.[] | "\\(.id) \\(.question)"'
    """
    from totalplace_cli import render

    entries = _faq(ctx)
    out = _output(ctx)
    if json:
        render.write_json(out, [entry.summary_json() for entry in entries])
    else:
        render.render_questions(out, entries)


@app.command()
def show(
    ctx: typer.Context,
    question: Annotated[str, typer.Argument(help="Question number or slug (see 'tp questions').")],
    json: JsonFlag = False,
) -> None:
    """Show one question and its answer, word for word.

    Example: tp show 12    or    tp show what-sort-of-savings-can-be-made
    """
    from totalplace_cli import render
    from totalplace_cli.faq import find_entry
    from totalplace_cli.inputs import clean_argument

    entry = find_entry(_faq(ctx), clean_argument(question, "question number or slug"))
    out = _output(ctx)
    if json:
        render.write_json(out, entry.to_json())
    else:
        render.render_entry(out, entry)


@app.command()
def ask(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="Words to look for; typos are forgiven.")],
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, max=100, help="Most results to return.")
    ] = 5,
    json: JsonFlag = False,
) -> None:
    """Search questions and answers; the best answer first.

    Example: tp ask "savings"    tp ask "who pays the consultants" --json --limit 3
    """
    from totalplace_cli import render
    from totalplace_cli.inputs import clean_query
    from totalplace_cli.search import rank_answers

    query = clean_query(query)
    results = rank_answers(_faq(ctx), query, limit=limit)
    out = _output(ctx)
    if json:
        render.write_json(out, [{**r.entry.to_json(), "score": r.score} for r in results])
    elif results:
        render.render_ask(out, results)
    if not results:
        raise NoMatchError(
            f"nothing matches '{query}'; try fewer or other words, or 'tp questions'"
        )


@app.command()
def pilots(
    ctx: typer.Context,
    region: Annotated[
        str | None, typer.Option("--region", "-r", help="Only pilots in this region (any case).")
    ] = None,
    json: JsonFlag = False,
) -> None:
    """List the 13 pilot areas and their regions.

    Example: tp pilots --region "West Midlands" --json | jq -r '.[].name'
    """
    from totalplace_cli import render
    from totalplace_cli.inputs import clean_argument
    from totalplace_cli.pilots import filter_pilots

    if region is not None:
        region = clean_argument(region, "region")
    selected = filter_pilots(_pilots(ctx), region=region)
    out = _output(ctx)
    if json:
        render.write_json(out, [pilot.to_json() for pilot in selected])
    elif selected:
        render.render_pilots(out, selected)
    if not selected:
        raise NoMatchError("no pilot meets these filters")


@app.command()
def info(ctx: typer.Context, json: JsonFlag = False) -> None:
    """Show the version and the data files in use (yours or bundled).

    Example: tp --data-dir ./mydata info    or    tp info --json | jq '.files[].path'
    """
    from totalplace_cli import render
    from totalplace_cli.data import check_data_files

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
        render.write_json(out, details)
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
    from totalplace_cli import render
    from totalplace_cli.data import check_data_files, check_path

    checked = check_data_files(_files(ctx)) if path is None else check_path(Path(path))
    errors = sum(len(file.errors) for file in checked)
    warnings = sum(len(file.warnings) for file in checked)
    out = _output(ctx)
    if json:
        render.write_json(
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


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:  # Ctrl-C outside a command, e.g. while parsing options
        sys.stderr.write("tp: interrupted\n")
        sys.exit(ExitCode.INTERRUPTED)
