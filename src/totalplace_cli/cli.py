"""The `tp` command line: parse options, read the store, hand the results to a renderer.

No `from __future__ import annotations`: Typer reads these annotations at run time, as objects.
"""

import inspect
import sys
from collections.abc import Callable, Sequence
from enum import Enum
from functools import partial
from pathlib import Path
from typing import Annotated, Any, NamedTuple, TypeVar

import typer
from typer.core import TyperGroup

import totalplace_cli
from totalplace_cli import checking, export, loading, lookup, models, render, search, store, streams
from totalplace_cli.loading import KINDS
from totalplace_cli.streams import DataError, NoMatchError, TpError, UsageError, report

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])
EXAMPLES = [
    ("tp questions", "list the FAQ's questions"),
    ("tp show 12", "read one answer: by number, slug or question"),
    ("tp ask who pays for it", "search; best answer first, typos forgiven"),
    ("tp pilots --theme children", "pilots by theme, --region or --place"),
    ("tp pilot poole", "one pilot in full, with its sources"),
    ("tp glossary riep", "what an acronym of the FAQ stands for"),
    ("tp sources", "every page the data cites: title, publisher, date"),
    ("tp export html -o faq.html", "one page to share, with every answer"),
    ("tp pilots --json | jq '.[].name'", "JSON for scripts: every listing has --json"),
]
# Words people type for a command: run as that command, as git and gh run their aliases.
ALIASES = {"search": "ask", "find": "ask", "query": "ask", "list": "questions", "faq": "questions"}
ALIASES |= {"area": "pilot", "areas": "pilots", "acronyms": "glossary", "version": "info"}
SCHEMAS = (*KINDS, "export")  # what `tp schema` prints: each data file's, and `tp export json`'s
# What `--help` says of each option (by its long name) and argument (by its metavar).
PARAMETER_HELP = {
    "--data-dir": "Folder with your own data files (faq, pilots, glossary, programme, sources, "
    "synonyms .yaml); a file it lacks falls back to the bundled one.",
    "--no-color": "Never colour the output (NO_COLOR works too).",
    "--version": "Print the version.",
    "--json": "Print JSON for scripts instead of text.",
    "--csv": "Print CSV (header row; lists joined with '; ').",
    "ID": "Question number, slug or the question itself (see 'tp questions').",
    "QUERY...": "Words to look for, quoted or not; typos forgiven.",
    "--limit": "Most results to return (any N from 1).",
    "--kind": "Search only these kinds: faq, pilot, term, fact, event "
    "(repeat or comma-separate: --kind pilot,term).",
    "--region": "Only pilots in this region, e.g. 'west mids', 'Yorkshire' (see 'tp regions').",
    "--theme": "Only pilots with this theme: a category (see 'tp themes') or the pilot's own "
    "words, e.g. children, drugs, older, gangs.",
    "--place": "Only pilots that name this place or member authority, e.g. Poole, Thanet.",
    "PILOT": "Pilot id, name or a place in it; a unique start or a near miss is enough.",
    "TERM": "An acronym, in any case, singular or plural (RIEP, rieps); or none.",
    "FORMAT": "html (a page), markdown, sqlite or json.",
    "--output": "Write to FILE ('-' or none: standard output).",
    "--metadata": "With sqlite: also write Datasette's metadata.json.",
    "PATH": "A data file or a folder of them (default: the files in use).",
    "KIND": "faq, pilots, glossary, programme, sources, synonyms; or export.",
}


class Commands(TyperGroup):
    """Commands also by a word of the same meaning (`tp search` runs `tp ask`); a misspelling of
    either gets a suggestion, never a guess run. Help fits the terminal, examples included."""

    def resolve_command(self, ctx: Any, args: list[str]) -> tuple[str | None, Any, list[str]]:
        args = [*args[1:2], "--help"] if args[0] == "help" else args  # as git: `tp help ask`
        args = [ALIASES.get(args[0].lower(), args[0].lower()), *args[1:]]  # `tp search -h`: tp ask
        try:
            return super().resolve_command(ctx, args)
        except typer.TyperException as error:
            close = lookup.closest(args[0], [*self.commands, *ALIASES])  # RapidFuzz
            hint = f" Did you mean '{ALIASES.get(close[0], close[0])}'?" if close else ""
            error.message = f"No such command '{args[0]}'.{hint}"
            raise

    def make_context(self, info_name: str | None, args: list[str], *rest: Any, **extra: Any) -> Any:
        # Click's help is never narrower than 50 columns, unless told the terminal's width.
        width = min(typer.get_terminal_size().columns, streams.MAX_WIDTH)
        return super().make_context(info_name, args, *rest, terminal_width=width - 2, **extra)

    def format_help_text(self, ctx: Any, formatter: Any) -> None:
        super().format_help_text(ctx, formatter)
        with formatter.section("Examples"):
            formatter.write_dl(EXAMPLES, col_max=min(26, formatter.width // 2 - 2))


app = typer.Typer(
    cls=Commands,
    help="Explore the Total Place FAQ (2009-2010) and its 13 pilot areas.",
    epilog="Exit codes: 0 ok, 1 no match, 2 usage error, 3 bad data file, 74 output could not be "
    "written (closed, disk full), 130 interrupted, 141 output pipe closed early.",
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def command(*examples: str, name: str | None = None) -> Callable[[F], F]:
    """A command of `app`; its help is its docstring, then its examples, a line each."""

    def add(function: F) -> F:
        lines = "".join(f"\n  {example}" for example in examples)
        help = f"{inspect.cleandoc(function.__doc__ or '')}\n\n\b\nExamples:{lines}"
        return app.command(name, help=help)(function)

    return add


def _option(spec: str, complete: Callable[..., Any] | None = None, **settings: Any) -> Any:
    """The option `spec` shows ('--region -r REGION': its names, then its metavar if any)."""
    names = spec.split()
    metavar = None if names[-1].startswith("-") else names.pop()
    help = PARAMETER_HELP[names[0]]
    return typer.Option(*names, metavar=metavar, help=help, autocompletion=complete, **settings)


def _argument(metavar: str, complete: Callable[..., Any] | None = None, **settings: Any) -> Any:
    """The argument shown as `metavar`, with its help."""
    help = PARAMETER_HELP[metavar]
    return typer.Argument(metavar=metavar, help=help, autocompletion=complete, **settings)


class Options(NamedTuple):
    """Global options, for every command through Typer's context."""

    data_dir: str | None
    data_dir_source: loading.DataDirSource
    no_color: bool

    def files(self) -> loading.DataFiles:
        return loading.resolve_data_files(self.data_dir, self.data_dir_source)

    def output(self) -> streams.OutputContext:
        return streams.OutputContext.detect(no_color=self.no_color)

    def read(self, run: Callable[[store.Store], T]) -> T:
        """`run` on the store of the data in use."""
        return store.use(self.files(), run)

    def show(self, json: bool, value: Any, draw: Callable[..., None], *args: Any) -> None:
        """With --json, `value` for scripts; otherwise `draw(output, *args)` for people."""
        if json:
            streams.write_json(self.output(), value)
        else:
            draw(self.output(), *args)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"tp {totalplace_cli.__version__}\n")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def global_options(
    ctx: typer.Context,
    data_dir: Annotated[str | None, _option("--data-dir DIR", envvar="TP_DATA_DIR")] = None,
    no_color: Annotated[bool, _option("--no-color")] = False,
    version: Annotated[bool, _option("--version -V", callback=_version, is_eager=True)] = False,
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


# Shell completion: values of the data in use (none when it is broken), each spelt as typed and
# with a one-line description. Global options are parsed into the root context, not yet applied.

Completions = list[tuple[str, str]]
Completer = Callable[[typer.Context, str], Completions]


def _completer(values: Callable[[store.Store, str], Completions]) -> Completer:
    def complete(ctx: typer.Context, typed: str) -> Completions:
        try:
            files = loading.resolve_data_files(ctx.find_root().params.get("data_dir"))
            return lookup.as_completions(store.use(files, lambda data: values(data, typed)), typed)
        except TpError:
            return []

    return complete


complete_region = _completer(lambda data, typed: lookup.region_completions(data.pilots(), typed))
complete_theme = _completer(lambda data, typed: lookup.theme_completions(data.categories(), typed))
complete_place = _completer(lambda data, typed: lookup.place_completions(data.pilots(), typed))
complete_pilot = _completer(lambda data, typed: lookup.pilot_completions(data.pilots(), typed))
complete_question = _completer(lambda data, typed: lookup.question_completions(data.faq(), typed))
complete_term = _completer(lambda data, typed: lookup.term_completions(data.glossary(), typed))


def _one_of(words: Sequence[str]) -> Callable[[str], list[str]]:
    def complete(typed: str) -> list[str]:
        return [word for word in words if word.startswith(typed.lower())]

    return complete


# Parameter types, by name: the flags several commands share, and the commands' arguments.
JsonFlag = Annotated[bool, _option("--json")]
CsvFlag = Annotated[bool, _option("--csv")]
QuestionKey = Annotated[str, _argument("ID", complete_question)]
PilotKey = Annotated[str, _argument("PILOT", complete_pilot)]
TermKey = Annotated[str | None, _argument("TERM", complete_term)]
DataPath = Annotated[str | None, _argument("PATH", show_default=False)]


@command("tp questions | grep -i saving", "tp questions --json | jq '.[0]'")
def questions(ctx: typer.Context, json: JsonFlag = False) -> None:
    """List the FAQ's questions with their numbers."""
    entries = ctx.obj.read(store.Store.faq)
    value = [entry.summary_json() for entry in entries]
    ctx.obj.show(json, value, render.render_questions, entries)


@command("tp show 12", 'tp show "What is Total Place?"')
def show(ctx: typer.Context, question: QuestionKey, json: JsonFlag = False) -> None:
    """Show one answer, word for word.

    By number, slug or the question itself; the acronyms the answer uses are explained after it."""
    key = streams.clean_argument(question, "question number or slug")
    entry, glossary = ctx.obj.read(lambda data: (data.find_entry(key), data.glossary()))
    acronyms = lookup.terms_in(glossary, entry.answer)
    value = {**entry.to_json(), "glossary": [term.summary_json() for term in acronyms]}
    ctx.obj.show(json, value, render.render_entry, entry, acronyms)


@command("tp ask savings", "tp ask poole --kind pilot", "tp ask consultants -n 3 --kind faq")
def ask(
    ctx: typer.Context,
    query: Annotated[list[str], _argument("QUERY...")],
    limit: Annotated[int, _option("--limit -n N", min=1)] = 5,
    kind: Annotated[list[str] | None, _option("--kind -k KIND", _one_of(search.KINDS))] = None,
    json: JsonFlag = False,
) -> None:
    """Search everything; the best answer first.

    The FAQ, the pilots, the glossary and the programme's facts and events at once: the best
    answer in full, then other matches with a snippet.

    Plain English works ("who paid for it?"): words count by their stem, everyday words find the
    FAQ's (data/synonyms.yaml), typos are corrected, and question words ask for a kind ("how
    many": a figure; "when": an event). A query the data cannot answer finds nothing (exit 1;
    a terminal lists the closest questions). Each result has a "kind"; all but faq come from
    later sources and are labelled so. --json adds "snippet" and "matched"."""
    text = streams.clean_query(" ".join(query))
    kinds = streams.clean_choices(kind, search.KINDS, "--kind")
    out = ctx.obj.output()
    person = out.is_terminal and not json  # the closest questions; a pipe gets none, as from grep
    answer, suggestion, closest = ctx.obj.read(lambda data: data.ask(text, limit, kinds, person))
    if json:
        streams.write_json(out, [result.to_json() for result in answer.results])
    elif answer.results:
        render.render_ask(out, answer.results, answer.corrections)
    elif closest:
        render.render_closest(out, closest)
    if not answer.results:
        hint = f"did you mean '{suggestion}'?" if suggestion else "try fewer or other words"
        shown = text if len(text) <= 80 else f"{text[:77]}..."
        raise NoMatchError(f"nothing matches '{shown}'; {hint} (or see 'tp questions')")


@command("tp pilots --theme drugs -r west", "tp pilots --json | jq -r '.[].name'")
def pilots(
    ctx: typer.Context,
    region: Annotated[str | None, _option("--region -r REGION", complete_region)] = None,
    theme: Annotated[str | None, _option("--theme -t THEME", complete_theme)] = None,
    place: Annotated[str | None, _option("--place -p PLACE", complete_place)] = None,
    json: JsonFlag = False,
    csv: CsvFlag = False,
) -> None:
    """List the pilots, by region, theme or place.

    Filters combine: every one given must hold."""
    if json and csv:
        raise UsageError("choose one of --json and --csv")
    region = streams.clean_filter(region, "--region")
    theme = streams.clean_filter(theme, "--theme")
    place = streams.clean_filter(place, "--place")
    every, categories, sources = ctx.obj.read(lambda d: (d.pilots(), d.categories(), d.registry()))
    selected = lookup.filter_pilots(every, region, theme, place, categories)
    value = [pilot.to_json(sources) for pilot in selected]
    draw = partial(streams.write_pilots_csv, sources=sources) if csv else render.render_pilots
    if selected or json or csv:  # with no pilot, a person gets the error alone
        ctx.obj.show(json, value, draw, selected)
    if not selected:
        raise NoMatchError(lookup.explain_no_match(every, region, theme, place, categories))


@command("tp pilot poole", "tp pilot margate", "tp pilot kent --json | jq .themes")
def pilot(ctx: typer.Context, key: PilotKey, json: JsonFlag = False) -> None:
    """Show one pilot in full, with its sources.

    Themes, member authorities, figures, field trials, sources, and the FAQ lines naming it; each
    citation as [Publisher, year] <URL> (tp sources: the sources in full)."""
    wanted = streams.clean_argument(key, "pilot")

    def read(data: store.Store) -> tuple[Any, ...]:
        found = data.pilot(lookup.slug(wanted)) or lookup.find_pilot(data.pilots(), wanted)
        return found, data.categories(), lookup.faq_mentions(data.faq(), found), data.registry()

    found, categories, mentions, sources = ctx.obj.read(read)
    faq = [{**entry.summary_json(), "lines": lines} for entry, lines in mentions]
    value = {**found.to_json(sources), "faq": faq}
    ctx.obj.show(json, value, render.render_pilot, found, categories, mentions, sources)


@command("tp regions", "tp regions --json | jq '.[].count'")
def regions(ctx: typer.Context, json: JsonFlag = False) -> None:
    """Count the pilots in each region."""
    rows = lookup.pilots_by_region(ctx.obj.read(store.Store.pilots))
    value = [{"region": region, **models.group_json(members)} for region, members in rows]
    ctx.obj.show(json, value, render.render_groups, rows, "Regions and their pilots")


@command("tp themes", "tp themes --json | jq -r '.[].id'")
def themes(ctx: typer.Context, json: JsonFlag = False) -> None:
    """Count the pilots in each theme category.

    Categories group the themes the sources give for each pilot."""
    every, categories = ctx.obj.read(lambda data: (data.pilots(), data.categories()))
    rows = lookup.pilots_by_category(every, categories)
    value = [{**category.to_json(), **models.group_json(members)} for category, members in rows]
    unthemed = "; ".join(pilot.name for pilot in every if not pilot.themes)
    footer = f"No sourced themes: {unthemed}." if unthemed else ""
    groups = [(category.id, members) for category, members in rows]
    ctx.obj.show(json, value, render.render_groups, groups, "Themes and their pilots", footer)


@command("tp glossary riep", "tp glossary --json | jq '.[].term'")
def glossary(ctx: typer.Context, term: TermKey = None, json: JsonFlag = False) -> None:
    """Explain the acronyms: all, or the one you name.

    Acronyms the FAQ spells out itself are explained in its own words; the others come from
    the project's research notes, which give their source."""
    terms, entries = ctx.obj.read(lambda data: (data.glossary(), data.faq()))
    used_in = lookup.answers_using(terms, entries)
    if term is None:
        value = [t.to_json(used_in[t.term]) for t in terms]
        ctx.obj.show(json, value, render.render_glossary, terms)
        return
    found = lookup.find_term(terms, streams.clean_argument(term, "term"))
    used = used_in[found.term]
    users = [entry for entry in entries if entry.id in used]
    ctx.obj.show(json, found.to_json(used), render.render_glossary_term, found, users)


class ExportFormat(str, Enum):
    """The formats `tp export` writes: documents to read, and open data for other tools."""

    html = "html"
    markdown = "markdown"
    sqlite = "sqlite"
    json = "json"


@command(
    "tp export html -o faq.html",
    "tp export markdown > faq.md",
    "tp export sqlite -o tp.db",
    "tp export json | jq '.pilots[].name'",
    name="export",
)
def export_command(
    ctx: typer.Context,
    format: Annotated[ExportFormat, _argument("FORMAT", show_choices=False)],
    destination: Annotated[str | None, _option("--output -o FILE")] = None,
    metadata: Annotated[str | None, _option("--metadata FILE")] = None,
) -> None:
    """Write a page, Markdown or open data.

    The FAQ, the pilots, the programme's timeline and figures, the glossary and the sources as
    one document (what is not the FAQ's own words is labelled "Beyond the FAQ"), or
    as open data: an SQLite database for Datasette, sqlite-utils or pandas, or one JSON document
    ('tp schema export'), both described in docs/open-data.md.

    The HTML page needs nothing else (no fonts, scripts or images from elsewhere): open it in
    any browser, send it, or print it. Click a question to read its answer; search as with
    `tp ask`. With -o the file is written whole or not at all, and never over the data in use."""
    to_stdout = destination in (None, "-")
    if format is ExportFormat.sqlite and to_stdout:
        raise UsageError("a database cannot go to standard output; name its file: -o tp.db")
    if metadata is not None and format is not ExportFormat.sqlite:
        raise UsageError("--metadata describes a database: use it with 'tp export sqlite'")
    files = ctx.obj.files()
    data = store.use(files, lambda found: found.data_set(english=format is ExportFormat.html))
    if to_stdout:  # UTF-8 even on a legacy console: the HTML declares it, and JSON is UTF-8
        text = export.document(format.value, data)
        streams.write_all(ctx.obj.output().stdout, text, encoding="utf-8")
        return
    # Every data file in use, of every kind, is off limits, and so is the bundled fallback.
    bundled = loading.bundled_data_dir()
    protected = [*files.paths.values(), *(bundled / loading.file_name(kind) for kind in KINDS)]
    for path, size in export.write_files(format.value, data, str(destination), metadata, protected):
        kilobytes = f" ({max(1, round(size / 1024))} KB)" if size else ""
        report(f"wrote {loading.shown_path(path)}{kilobytes}")


@command("tp --data-dir ./mydata info", "tp info --json | jq '.files[].path'")
def info(ctx: typer.Context, json: JsonFlag = False) -> None:
    """Show the version and the data files in use (yours or bundled)."""
    details, error = store.describe(ctx.obj.files())
    ctx.obj.show(json, details, render.render_info, details)
    if error:  # every file shown all the same, then fail
        raise error


@command("tp validate ./mydata", "tp validate mydata/faq.yaml --json")
def validate(ctx: typer.Context, path: DataPath = None, json: JsonFlag = False) -> None:
    """Check data files; list every problem.

    Each problem is one line, 'file:line:column: severity: message'. Exit 0 when valid (warnings
    allowed), 3 when there is any error. The format: 'tp schema faq' (or pilots, glossary,
    programme, sources, synonyms). An unknown source id is an error, a source nothing cites a
    warning (checked with the files 'tp --data-dir' would read beside PATH)."""
    if path is None:
        checked = checking.check_data_files(ctx.obj.files())
    else:
        checked = checking.check_path(Path(path))
    value = checking.summary(checked)
    ctx.obj.show(json, value, render.render_validation, checked)
    if value["errors"]:
        where, errors = "in the JSON above" if json else "above", value["errors"]
        raise DataError(f"{errors} error{'s' * (errors != 1)} in the data (listed {where})")


@command("tp schema faq > faq.schema.json", "tp schema export > export.json")
def schema(kind: Annotated[str, _argument("KIND", _one_of(SCHEMAS))]) -> None:
    """Print the JSON Schema of a data file.

    Or, with 'export', of the document 'tp export json' writes.

    Put '# yaml-language-server: $schema=FILE' at the top of your YAML for completion and
    checking as you type; 'tp validate' checks the same rules."""
    wanted = kind.strip().lower()
    if wanted not in SCHEMAS:
        raise UsageError(f"unknown schema '{kind}'; choose one of: {', '.join(SCHEMAS)}")
    export_schema = Path(__file__).parent / "schemas" / "export.json"
    path = checking.schema_path(wanted) if wanted in KINDS else export_schema
    streams.write_all(sys.stdout, path.read_text(encoding="utf-8"))


def _programme(ctx: typer.Context, json: bool, kind: str, heading: str) -> None:
    """The programme's events (in date order) or facts, each with its sources."""
    found, sources = ctx.obj.read(lambda data: (data.programme(kind), data.registry()))
    items = models.timeline(found) if kind == "event" else found
    value = [item.to_json(sources) for item in items]
    ctx.obj.show(json, value, render.render_programme, items, heading, sources)


@command("tp timeline", "tp timeline --json | jq '.[].date'")
def timeline(ctx: typer.Context, json: JsonFlag = False) -> None:
    """The programme's events in date order.

    2008-2010: launch, pilots, reports and what came after.

    Beyond the FAQ: each event comes from a later source, shown with it. A partial date (2009-10)
    means the source gives no day."""
    _programme(ctx, json, "event", "Events in date order (tp facts: the figures)")


@command("tp facts", "tp facts --json | jq -r '.[].figure'")
def facts(ctx: typer.Context, json: JsonFlag = False) -> None:
    """The programme's headline figures.

    Spending mapped, savings estimates, each with its source.

    Beyond the FAQ: the figures come from the March 2010 report and later sources, with their
    own words where recorded."""
    _programme(ctx, json, "fact", "Figures (tp timeline: the events)")


@command("tp sources", "tp sources --json | jq '.[].title'")
def sources(ctx: typer.Context, json: JsonFlag = False, csv: CsvFlag = False) -> None:
    """Every page the data cites.

    From sources.yaml: title, publisher, date, and what cites it.

    A page's own title is in quotes; one without describes the page (title_is_description).
    No date: none is known. Into a pipe, one line each: id, date, publisher, title, address."""
    if json and csv:
        raise UsageError("choose one of --json and --csv")
    found, cited = ctx.obj.read(lambda data: (data.sources(), data.data_set().citations()))
    cited = {source.id: cited.get(source.id, []) for source in found}
    value = [source.to_json(cited[source.id]) for source in found]
    draw = streams.write_sources_csv if csv else render.render_sources
    ctx.obj.show(json, value, draw, found, cited)
