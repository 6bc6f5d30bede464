"""Presenting results to people, all through one Rich console made from the output context.

In a terminal Rich wraps to its width and draws the tables; in a pipe the same console writes
plain text, unwrapped for grep and diff. Every string from the data passes `terminal_text` first:
data never controls a terminal. Rich is imported inside the renderers, so `--json` never loads it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from totalplace_cli.inputs import printable, terminal_text

if TYPE_CHECKING:  # annotations only: `tp ask` and `tp show` need not load the pilots' records
    from rich.console import Console, RenderableType
    from rich.text import Text

    from totalplace_cli.data_format import CheckedFile
    from totalplace_cli.glossary import GlossaryTerm
    from totalplace_cli.models import FaqEntry
    from totalplace_cli.output import OutputContext
    from totalplace_cli.pilot_models import Category, Pilot
    from totalplace_cli.programme import ProgrammeItem
    from totalplace_cli.search import Correction, SearchResult

INDENT = "  "
NARROW = 60  # below this many columns, tables become stacked lists: no column cuts a word


def answer_blocks(answer: str) -> list[str | list[list[str]]]:
    """Split an answer into paragraphs (str) and tables (rows of cells, header first)."""
    blocks: list[str | list[list[str]]] = []
    for block in answer.split("\n\n"):
        lines = block.split("\n")
        if all(line.rstrip().endswith("|") for line in lines):
            blocks.append(
                [[cell.strip() for cell in line.rstrip().rstrip("|").split("|")] for line in lines]
            )
        else:
            blocks.append(block)
    return blocks


def _text(*parts: str | tuple[str, str]) -> Text:
    """Rich Text of data strings made terminal-safe, each optionally styled: ("words", "bold")."""
    from rich.text import Text

    text = Text()
    for part in parts:
        content, style = (part, "") if isinstance(part, str) else part
        text.append(terminal_text(content), style=style)
    return text


def _beside(
    ctx: OutputContext, console: Console, prefix: str | Text, body: Text, indent: int = 0
) -> None:
    """`prefix` then `body`, wrapped in a terminal under its first word (or `indent` columns in);
    whole in a pipe, for grep and diff."""
    from rich.text import Text

    prefix = Text(prefix) if isinstance(prefix, str) else prefix
    if not ctx.is_terminal:
        console.print(Text.assemble(prefix, body))
        return
    indent = indent or prefix.cell_len
    for number, line in enumerate(body.wrap(console, max(ctx.width - indent, 1))):
        console.print(Text.assemble(prefix if number == 0 else " " * indent, line), soft_wrap=True)


def _sourced(ctx: OutputContext, console: Console, line: str) -> None:
    """An indented line whose source URL ("words  <url>") is dimmed."""
    text, _, url = line.partition("  <")
    _beside(ctx, console, INDENT, _text(text, (f"  <{url}" if url else "", "dim")))


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' * (count != 1)}"


def render_questions(ctx: OutputContext, entries: Sequence[FaqEntry]) -> None:
    """The numbered list of questions, one per line: aligned ids, wrapped under the question."""
    console = ctx.console()
    # A pipe keeps the numbers' width fixed (" 9. "), as scripts may cut on it.
    width = max((len(f"{entry.id}.") for entry in entries), default=0) if ctx.is_terminal else 3
    for entry in entries:
        number = f"{entry.id}.".rjust(width)
        _beside(ctx, console, _text((number, "bold cyan"), " "), _text(entry.question))


def _answer_table(rows: list[list[str]]) -> RenderableType:
    """A table of an answer (header first), columns aligned under a bold header and a rule."""
    from rich import box
    from rich.padding import Padding
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    for cell in rows[0]:
        table.add_column(_text(cell))
    for row in rows[1:]:
        table.add_row(*(_text(cell) for cell in row))
    return Padding(table, (0, 0, 0, len(INDENT)), expand=False)


def render_entry(
    ctx: OutputContext, entry: FaqEntry, acronyms: Sequence[GlossaryTerm] = ()
) -> None:
    """One question and its answer (verbatim), then the acronyms it uses, explained."""
    console = ctx.console()
    console.print(_text((f"{entry.id}. ", "bold"), (entry.question, "bold")))
    # A pipe gets the answer exactly as in the data, for grep and diff.
    blocks = answer_blocks(entry.answer) if ctx.is_terminal else [entry.answer]
    for block in blocks:
        console.print()
        if isinstance(block, str):
            _beside(ctx, console, INDENT if ctx.is_terminal else "", _text(block))
        else:  # only answers with a table load Rich's tables
            console.print(_answer_table(block))
    if acronyms:
        console.print()
        colon = "" if ctx.is_terminal else ":"
        console.print(_text(("Acronyms", "bold"), " ", ("(tp glossary TERM)", "dim"), colon))
        width = max(len(term.term) for term in acronyms)
        for term in acronyms:
            name = _text(INDENT, (f"{term.term:<{width}}", "cyan"), "  ")
            _beside(ctx, console, name, _text(term.expansion))


def _snippet(result: SearchResult) -> Text:
    """The snippet, dim, its matched words bold yellow; each piece made terminal-safe."""
    from rich.text import Text

    text, position = Text(style="dim"), 0
    for start, end in result.highlights:
        text.append(terminal_text(result.snippet[position:start]))
        text.append(terminal_text(result.snippet[start:end]), style="bold yellow not dim")
        position = end
    text.append(terminal_text(result.snippet[position:]))
    return text


KIND_LABELS = {"faq": "FAQ", "pilot": "Pilot", "term": "Term", "fact": "Fact", "event": "Event"}
POINTERS = {"faq": "tp show ", "pilot": "tp pilot ", "term": "tp glossary "}


def result_title(result: SearchResult) -> str:
    """How a result is named in a list: an FAQ question, else its kind and name."""
    record = result.record
    if result.kind == "faq":
        return f"{record['id']}. {record['question']}"
    if result.kind == "pilot":
        name = str(record["name"])
    elif result.kind == "term":
        name = f"{record['term']} ({record['expansion']})"
    else:
        name = f"{record['date'] or 'undated'} {record[result.kind]}"
    return f"{KIND_LABELS[result.kind]}: {name}"


def result_pointer(result: SearchResult) -> str:
    """The command that shows a result in full."""
    if result.kind in POINTERS:
        return POINTERS[result.kind] + result.key
    return "tp facts" if result.kind == "fact" else "tp timeline"


def result_lines(result: SearchResult) -> list[str]:
    """A result beyond the FAQ in full, as lines: labelled as such, its facts with their sources."""
    from totalplace_cli.programme import BEYOND_THE_FAQ

    record = result.record
    lines = [f"{BEYOND_THE_FAQ}."]
    if result.kind == "pilot":
        lines.append(f"Region: {record['region']}")
        if record["official_name"]:
            lines.append(f"Official name: {record['official_name']}")
        lines += [f"Theme: {t['text']}  <{t['source']}>" for t in record["themes"]]
        if record["authorities"]:
            lines.append("Member authorities: " + "; ".join(record["authorities"]))
    elif result.kind == "term":
        lines.append(str(record["expansion"]))
        if record["source"] == "faq":
            lines.append(f"Spelt out in the FAQ: \u201c{record['quote']}\u201d")
        else:
            lines.append(f"{record['provenance']} (not spelt out in the FAQ)")
    else:  # the title holds the date and text
        if record.get("quote"):
            lines.append(f"\u201c{record['quote']}\u201d")
        lines.append(f"<{record['source']}>")
    lines.append(f"More: {result_pointer(result)}")
    return lines


def render_ask(
    ctx: OutputContext, results: Sequence[SearchResult], corrections: Sequence[Correction] = ()
) -> None:
    """The words a search corrected, the best result in full (an FAQ entry word for word, another
    kind by its key facts), then the other matches, each with its kind and a snippet."""
    console = ctx.console()
    if corrections:
        searched = " ".join(c.searched for c in corrections)
        typed = " ".join(c.typed for c in corrections)
        console.print(
            _text("Showing results for ", (f'"{searched}"', "bold"), f' (you typed "{typed}")')
        )
        console.print()
    best, others = results[0], results[1:]
    if best.kind == "faq":
        if ctx.is_terminal:  # a pipe gets the entry exactly as `tp show` prints it
            console.print(_text(("From the FAQ", "dim")))
        render_entry(ctx, best.entry)
    else:
        console.print(_text((result_title(best), "bold")))
        for line in result_lines(best):
            _sourced(ctx, console, line)
    if not others:
        return
    console.print()
    console.print(_text(("Other matches", "bold"), "" if ctx.is_terminal else ":"))
    for result in others:
        pointer = f"  ({result.score:.0f}; {result_pointer(result)})"
        title = _text(result_title(result), (pointer, "dim"))
        _beside(ctx, console, INDENT if ctx.is_terminal else "", title)
        # A fact's text is its title and its snippet: say it once.
        if result.snippet.strip("\u2026") not in result_title(result):
            _beside(ctx, console, INDENT * 2, _snippet(result))


BAR = "\u2588"  # full block, for the bar charts of `tp regions` and `tp themes`


def render_pilots(ctx: OutputContext, pilots: Sequence[Pilot]) -> None:
    """The pilots as a table: name, region and theme categories (as `--theme` accepts them)."""
    from rich import box
    from rich.table import Table

    console = ctx.console()
    rows = [(p.name, p.region, ", ".join(p.categories) or "(no sourced themes)") for p in pilots]
    if ctx.is_terminal and ctx.width < NARROW:
        for name, region, themes in rows:
            console.print(_text((name, "bold")))
            _beside(ctx, console, INDENT, _text(region, ("; ", "dim"), themes))
        return
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False, show_edge=False)
    table.add_column("Pilot", ratio=3)
    table.add_column("Region", ratio=2)
    table.add_column("Theme categories", ratio=4)
    for row in rows:
        table.add_row(*map(_text, row))
    console.print(table, soft_wrap=False)  # a pipe too gets the table folded to the width


PILOT_CSV_COLUMNS = (
    "id",
    "name",
    "region",
    "official_name",
    "categories",
    "themes",
    "authorities",
    "figures",
    "field_trials",
    "sources",
)

# A CSV cell starting with one of these is a formula to a spreadsheet (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: str) -> str:
    """A cell a spreadsheet shows as text: control characters dropped, a formula start quoted."""
    if value.startswith(FORMULA_STARTS):
        value = "'" + value  # OWASP's advice: the quote makes the spreadsheet read it as text
    return terminal_text(value)


def write_pilots_csv(ctx: OutputContext, pilots: Sequence[Pilot]) -> None:
    """One row per pilot under a header row; lists (of sourced texts too) joined with "; "."""
    import csv

    writer = csv.writer(ctx.stdout, lineterminator="\n")
    writer.writerow(PILOT_CSV_COLUMNS)
    for pilot in pilots:
        values = [getattr(pilot, column) for column in PILOT_CSV_COLUMNS]
        cells = [
            "; ".join(str(getattr(item, "text", item)) for item in value)
            if isinstance(value, tuple)
            else value or ""
            for value in values
        ]
        writer.writerow([csv_cell(cell) for cell in cells])


def pilot_sections(
    pilot: Pilot,
    categories: Sequence[Category],
    mentions: Sequence[tuple[FaqEntry, list[str]]],
) -> list[tuple[str, list[str]]]:
    """The parts of `tp pilot` as (heading, lines); each sourced line ends with its URL."""
    labels = {category.id: category.label for category in categories}
    facts = [f"Region: {pilot.region}"]
    if pilot.official_name:
        facts.append(f"Official name: {pilot.official_name}")
    if pilot.categories:
        names = ", ".join(f"{labels.get(c, c)} ({c})" for c in pilot.categories)
        facts.append(f"Categories: {names}")
    themes = [f"{t.text}  <{t.source}>" for t in pilot.themes] or ["none found in the sources read"]
    sections = [("", facts), ("Themes", themes)]
    members = f"Member authorities and bodies  <{pilot.authorities_source}>"
    for heading, lines in (
        (members, list(pilot.authorities)),
        ("Figures", [f"{f.text}  <{f.source}>" for f in pilot.figures]),
        ("Field trials after the pilot", [f"{t.text}  <{t.source}>" for t in pilot.field_trials]),
        ("Sources", list(pilot.sources)),
    ):
        if lines:
            sections.append((heading, lines))
    for entry, lines in mentions:
        sections.append((f"In the FAQ: {entry.id}. {entry.question}  (tp show {entry.id})", lines))
    return sections


def render_pilot(
    ctx: OutputContext,
    pilot: Pilot,
    categories: Sequence[Category],
    mentions: Sequence[tuple[FaqEntry, list[str]]],
) -> None:
    """One pilot in full: plain indented text in a pipe, the same with emphasis in a terminal."""
    console = ctx.console()
    console.print(_text((pilot.name, "bold")))
    for heading, lines in pilot_sections(pilot, categories, mentions):
        console.print()
        if heading and not ctx.is_terminal:
            console.print(_text(heading))
        elif heading:  # a terminal puts a heading's source on a line of its own
            title, _, url = heading.partition("  <")
            _beside(ctx, console, "", _text((title, "bold cyan")), indent=len(INDENT))
            if url:
                _beside(ctx, console, INDENT, _text((f"<{url}", "dim")))
        for line in lines:
            _sourced(ctx, console, line)


def _bar_chart(
    ctx: OutputContext, groups: Sequence[tuple[str, list[Pilot]]], title: str, footer: str = ""
) -> None:
    """Label, count and pilots per group: aligned text in a pipe, with bars in a terminal; one
    that is too narrow for a table gets the pilots wrapped and indented under each bar."""
    console = ctx.console()
    rows = [
        (terminal_text(label), len(members), "; ".join(p.name for p in members) or "-")
        for label, members in groups
    ]
    width = max((len(label) for label, _, _ in rows), default=0)
    most = max((count for _, count, _ in rows), default=0)
    if not ctx.is_terminal:
        for label, count, pilots in rows:
            console.print(_text(f"{label:<{width}}  {count:>2}  ", pilots))
    elif width + 2 + 2 + 2 + most + 2 + 20 > ctx.width:  # 20: the least room for the pilots
        console.print(_text((title, "italic")))
        for label, count, pilots in rows:
            console.print(_text((label, "bold"), f"  {count}  ", (BAR * count, "cyan")))
            _beside(ctx, console, INDENT, _text(pilots))
    else:
        from rich.table import Table

        table = Table(
            title=title, box=None, header_style="bold", pad_edge=False, title_justify="left"
        )
        table.add_column(title.split()[0].rstrip("s").capitalize(), no_wrap=True)
        table.add_column("n", justify="right")
        table.add_column("", no_wrap=True, min_width=most)
        table.add_column("Pilots", ratio=1)
        for label, count, pilots in rows:
            table.add_row(_text(label), str(count), _text((BAR * count, "cyan")), _text(pilots))
        console.print(table)
    if footer:
        if not ctx.is_terminal:
            console.print()
        console.print(_text((footer, "dim")))


render_regions = partial(_bar_chart, title="Regions and their pilots")


def render_themes(
    ctx: OutputContext, rows: Sequence[tuple[Category, list[Pilot]]], unthemed: Sequence[Pilot]
) -> None:
    """Each theme category with its count and pilots (`tp themes`), then who has no themes."""
    names = "; ".join(pilot.name for pilot in unthemed)
    footer = f"No sourced themes: {names}." if unthemed else ""
    _bar_chart(ctx, [(c.id, members) for c, members in rows], "Themes and their pilots", footer)


def render_glossary(ctx: OutputContext, terms: Sequence[GlossaryTerm]) -> None:
    """All acronyms: aligned `TERM  EXPANSION` lines in a pipe, a table in a terminal."""
    console = ctx.console()
    if not ctx.is_terminal:
        width = max((len(term.term) for term in terms), default=0)
        for term in terms:
            console.print(_text(f"{term.term:<{width}}  ", term.expansion))
        return
    from rich.table import Table

    table = Table(header_style="bold")
    table.add_column("Acronym", no_wrap=True, style="cyan")
    table.add_column("Expansion")
    table.add_column("Source")
    for term in terms:
        source = "the FAQ" if term.source == "faq" else term.provenance or ""
        table.add_row(_text(term.term), _text(term.expansion), _text(source))
    console.print(table)


def render_glossary_term(
    ctx: OutputContext, term: GlossaryTerm, used_in: Sequence[FaqEntry]
) -> None:
    """One acronym: its expansion, where that comes from, and the answers that use it."""
    lines = [("Source: ", term.source_note())]
    if term.aliases:
        lines.append(("Also written: ", ", ".join(term.aliases)))
    used = [f"{entry.id}. {entry.question}" for entry in used_in] or ["none of the FAQ's answers"]
    lines.append(("Used in: ", used[0]))
    lines += [("", " " * len("Used in: ") + question) for question in used[1:]]
    console = ctx.console()
    console.print(_text((term.term, "bold cyan"), (f": {term.expansion}", "bold")))
    for label, text in lines:
        console.print(_text((label, "dim"), text))


def render_validation(ctx: OutputContext, checked: Sequence[CheckedFile]) -> None:
    """Every problem as `file:line:column: severity: message`, then one summary line per file."""
    from totalplace_cli.data_format import count

    lines = [
        f"{problem.location()}: {problem.severity}: {problem.message}"
        for file in checked
        for problem in file.problems
    ]
    for file in checked:
        if file.kind is None and file.valid:
            continue  # an ignored stray file: its warning says so
        details = [count(file.kind, file.entries)] if file.kind and file.entries is not None else []
        details += [_plural(len(file.errors), "error")] if file.errors else []
        details += [_plural(len(file.warnings), "warning")] if file.warnings else []
        summary = f" ({', '.join(details)})" if details else ""
        lines.append(f"{'ok' if file.valid else 'INVALID'}: {file.path}{summary}")
    _report(ctx, lines)


def render_info(ctx: OutputContext, info: dict[str, Any]) -> None:
    """What `tp info` shows people: version, data folder and the files in use."""
    from totalplace_cli.data_format import count

    sources = {"option": "from --data-dir", "environment": "from TP_DATA_DIR"}
    folder = "none (bundled data)"
    if info["data_dir"] is not None:
        folder = f"{info['data_dir']} ({sources[info['data_dir_source']]})"
    lines = [f"tp {info['tp_version']}", f"data folder: {folder}"]
    for file in info["files"]:
        owner = "yours" if file["source"] == "user" else "bundled"
        if file["valid"]:
            version = file["format_version"] or "not given"
            details = f"{count(file['kind'], file['entries'])}, format version {version}"
            if file["warnings"]:
                details += ", " + _plural(file["warnings"], "warning")
        else:
            details = f"INVALID ({_plural(file['errors'], 'error')}; run 'tp validate')"
        lines.append(f"{file['kind'] + ':':<11}{file['path']} ({owner}): {details}")
    _report(ctx, lines)


def _report(ctx: OutputContext, lines: Iterable[str]) -> None:
    """Report lines (validate, info), controls shown as escapes, wrapped with a hanging indent."""
    console = ctx.console()
    for line in lines:
        _beside(ctx, console, "", _text(printable(line)), indent=2)


# `tp timeline` and `tp facts`: the programme beyond the FAQ, always labelled as such.

DATE_WIDTH = len("2009-07-30")


def _render_programme(
    ctx: OutputContext, items: Sequence[ProgrammeItem], heading: str, with_quote: bool
) -> None:
    """A title saying none of this is the FAQ, then each item: date, words, quote, source."""
    from totalplace_cli.programme import BEYOND_THE_FAQ

    console = ctx.console()
    console.print(_text((f"{BEYOND_THE_FAQ}. {heading}", "bold")))
    if not ctx.is_terminal:
        console.print()
    # A pipe puts the date before the words; a terminal gives it a line of its own.
    margin = INDENT if ctx.is_terminal else " " * (DATE_WIDTH + 2)
    for item in items:
        date = item.date or "undated"
        if ctx.is_terminal:
            console.print()
            console.print(_text((date, "bold cyan")))
            _beside(ctx, console, margin, _text(item.text))
        else:
            console.print(_text(f"{date:<{DATE_WIDTH}}  ", item.text))
        if with_quote and item.quote:
            _beside(ctx, console, margin, _text((f"\u201c{item.quote}\u201d", "italic")))
        _beside(ctx, console, margin, _text((f"<{item.source}>", "dim")))


# `tp timeline`: the events in date order; `tp facts`: the figures, with the source's words.
render_timeline = partial(
    _render_programme, heading="Events in date order (tp facts: the figures)", with_quote=False
)
render_facts = partial(
    _render_programme, heading="Figures (tp timeline: the events)", with_quote=True
)
