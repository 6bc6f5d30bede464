"""Presenting results to people: plain text in a pipe, Rich in a terminal.

Every renderer takes the `OutputContext` (output.py) that says where it writes and what that
stream can show.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from totalplace_cli.inputs import printable
from totalplace_cli.models import FaqEntry
from totalplace_cli.output import OutputContext
from totalplace_cli.pilot_models import Category, Pilot

if TYPE_CHECKING:
    from totalplace_cli.data_format import CheckedFile
    from totalplace_cli.glossary import GlossaryTerm
    from totalplace_cli.search import Correction, SearchResult


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


# `tp questions`, `tp show` and `tp ask` are the commands people run most: they draw with a few
# escape codes and textwrap instead of Rich, whose import would add ~30 ms to every such run.
SGR = {"bold": "1", "dim": "2", "cyan": "36", "bold cyan": "1;36", "highlight": "1;33"}
MARK_START, MARK_END = "\ue000", "\ue001"  # private-use stand-ins for highlights while wrapping


def _style(ctx: OutputContext, text: str, style: str) -> str:
    """`text` in `style` when the terminal shows colour, else as it is."""
    return f"\x1b[{SGR[style]}m{text}\x1b[0m" if ctx.color and text else text


def _width(ctx: OutputContext) -> int:
    if ctx.width is not None:
        return ctx.width
    import shutil

    return shutil.get_terminal_size().columns


def _wrapped(text: str, width: int, indent: str) -> str:
    import textwrap

    return textwrap.fill(
        text,
        width=max(width, len(indent) + 20),
        initial_indent=indent,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def _table(ctx: OutputContext, rows: list[list[str]], indent: str) -> str:
    """Aligned columns under a bold header and a rule."""
    widths = [max(len(row[i]) for row in rows if i < len(row)) for i in range(len(rows[0]))]

    def line(row: list[str]) -> str:
        return indent + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False))

    header = _style(ctx, line(rows[0]).rstrip(), "bold")
    rule = indent + "  ".join("\u2500" * w for w in widths)
    return "\n".join([header, rule, *(line(row).rstrip() for row in rows[1:])])


def _terminal_answer(ctx: OutputContext, answer: str) -> str:
    width = _width(ctx)
    blocks = [
        _wrapped(block, width, "  ") if isinstance(block, str) else _table(ctx, block, "  ")
        for block in answer_blocks(answer)
    ]
    return "\n\n".join(blocks)


def render_questions(ctx: OutputContext, entries: Sequence[FaqEntry]) -> None:
    """The numbered list of questions, one per line (aligned ids)."""
    for entry in entries:
        ctx.stdout.write(f"{_style(ctx, f'{entry.id:>2}.', 'bold cyan')} {entry.question}\n")


def render_entry(
    ctx: OutputContext, entry: FaqEntry, acronyms: Sequence[GlossaryTerm] = ()
) -> None:
    """One question and its answer (verbatim), then the acronyms it uses, explained.

    In a pipe the answer is written exactly as in the data (no wrapping), for grep and diff; in a
    terminal paragraphs are wrapped to its width and tables aligned.
    """
    width = max((len(term.term) for term in acronyms), default=0)
    if not ctx.is_terminal:
        ctx.stdout.write(f"{entry.id}. {entry.question}\n\n{entry.answer}\n")
        if acronyms:
            ctx.stdout.write("\nAcronyms (tp glossary TERM):\n")
            for term in acronyms:
                ctx.stdout.write(f"  {term.term:<{width}}  {term.expansion}\n")
        return
    out = [
        _style(ctx, f"{entry.id}. {entry.question}", "bold"),
        "",
        _terminal_answer(ctx, entry.answer),
    ]
    if acronyms:
        out += ["", f"{_style(ctx, 'Acronyms', 'bold')} {_style(ctx, '(tp glossary TERM)', 'dim')}"]
        out += [f"  {_style(ctx, f'{t.term:<{width}}', 'cyan')}  {t.expansion}" for t in acronyms]
    ctx.stdout.write("\n".join(out) + "\n")


def _highlighted(ctx: OutputContext, result: SearchResult, indent: str) -> str:
    """The snippet wrapped under `indent`, its matched words highlighted."""
    text, shift = result.snippet, 0
    for start, end in result.highlights:
        start, end = start + shift, end + shift
        text = f"{text[:start]}{MARK_START}{text[start:end]}{MARK_END}{text[end:]}"
        shift += 2
    wrapped = _wrapped(text, _width(ctx), indent)
    if not ctx.color:
        return wrapped.replace(MARK_START, "").replace(MARK_END, "")
    # Dim for the snippet, bold yellow for a matched word, then back to dim.
    dim, bright = f"\x1b[{SGR['dim']}m", f"\x1b[0m\x1b[{SGR['highlight']}m"
    lines = [
        indent
        + dim
        + line[len(indent) :].replace(MARK_START, bright).replace(MARK_END, "\x1b[0m" + dim)
        + "\x1b[0m"
        for line in wrapped.split("\n")
    ]
    return "\n".join(lines)


def render_ask(ctx: OutputContext, results: Sequence[SearchResult]) -> None:
    """The best answer in full, then the other matches with their ids and a snippet of why."""
    best, others = results[0], results[1:]
    render_entry(ctx, best.entry)
    if not others:
        return
    if not ctx.is_terminal:
        ctx.stdout.write("\nOther matches (tp show ID):\n")
        for r in others:
            ctx.stdout.write(f"{r.entry.id:>2}. {r.entry.question}  ({r.score:.0f})\n")
            ctx.stdout.write(f"    {r.snippet}\n")
        return
    out = ["", f"{_style(ctx, 'Other matches', 'bold')} {_style(ctx, '(tp show ID)', 'dim')}"]
    for r in others:
        number = _style(ctx, f"{r.entry.id:>2}.", "cyan")
        out.append(f"{number} {r.entry.question}  {_style(ctx, f'({r.score:.0f})', 'dim')}")
        out.append(_highlighted(ctx, r, "    "))
    ctx.stdout.write("\n".join(out) + "\n")


def render_corrections(ctx: OutputContext, corrections: Sequence[Correction]) -> None:
    """Say which misspelt words a search corrected: 'Showing results for "savings" (you typed
    "savngs")', before its results."""
    if not corrections:
        return
    searched = " ".join(c.searched for c in corrections)
    typed = " ".join(c.typed for c in corrections)
    ctx.stdout.write(f'Showing results for "{searched}" (you typed "{typed}")\n\n')


NO_THEMES = "(no sourced themes)"
NOT_FOUND = "none found in the sources read"
BAR = "\u2588"  # full block, for the bar charts of `tp regions` and `tp themes`


def render_pilots(
    ctx: OutputContext, pilots: Sequence[Pilot], categories: Sequence[Category] = ()
) -> None:
    """The pilots as a table: name, region and theme categories (as `--theme` accepts them)."""
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)
    table.add_column("Pilot", ratio=3, overflow="fold")
    table.add_column("Region", ratio=2, overflow="fold")
    table.add_column("Theme categories", ratio=4, overflow="fold")
    for pilot in pilots:
        themes = ", ".join(pilot.categories) if pilot.categories else NO_THEMES
        table.add_row(pilot.name, pilot.region, themes)
    if ctx.is_terminal:
        ctx.console().print(table)
        return
    # In a pipe, drop the padding Rich adds to the right of every line and the blank top edge.
    console = ctx.console()
    with console.capture() as capture:
        console.print(table)
    lines = [line.rstrip() for line in capture.get().splitlines()]
    ctx.stdout.write("".join(f"{line}\n" for line in lines if line))


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


def write_pilots_csv(ctx: OutputContext, pilots: Sequence[Pilot]) -> None:
    """One row per pilot under a header row; lists joined with "; " (see PILOT_CSV_COLUMNS)."""
    import csv

    writer = csv.writer(ctx.stdout, lineterminator="\n")
    writer.writerow(PILOT_CSV_COLUMNS)
    for pilot in pilots:
        writer.writerow(
            [
                pilot.id,
                pilot.name,
                pilot.region,
                pilot.official_name or "",
                "; ".join(pilot.categories),
                "; ".join(theme.text for theme in pilot.themes),
                "; ".join(pilot.authorities),
                "; ".join(figure.text for figure in pilot.figures),
                "; ".join(trial.text for trial in pilot.field_trials),
                "; ".join(pilot.sources),
            ]
        )


def pilot_sections(
    pilot: Pilot,
    categories: Sequence[Category],
    mentions: Sequence[tuple[FaqEntry, list[str]]],
) -> list[tuple[str, list[str]]]:
    """The parts of `tp pilot` as (heading, lines); each sourced line ends with its URL."""
    labels = {category.id: category.label for category in categories}
    sections: list[tuple[str, list[str]]] = []
    facts = [f"Region: {pilot.region}"]
    if pilot.official_name:
        facts.append(f"Official name: {pilot.official_name}")
    if pilot.categories:
        names = ", ".join(f"{labels.get(c, c)} ({c})" for c in pilot.categories)
        facts.append(f"Categories: {names}")
    sections.append(("", facts))
    sections.append(("Themes", [f"{t.text}  <{t.source}>" for t in pilot.themes] or [NOT_FOUND]))
    if pilot.authorities:
        sections.append(
            (
                f"Member authorities and bodies  <{pilot.authorities_source}>",
                list(pilot.authorities),
            )
        )
    if pilot.figures:
        sections.append(("Figures", [f"{f.text}  <{f.source}>" for f in pilot.figures]))
    if pilot.field_trials:
        trials = [f"{t.text}  <{t.source}>" for t in pilot.field_trials]
        sections.append(("Field trials after the pilot", trials))
    if pilot.sources:
        sections.append(("Sources", list(pilot.sources)))
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
    sections = pilot_sections(pilot, categories, mentions)
    if not ctx.is_terminal:
        out = [pilot.name]
        for heading, lines in sections:
            out.append("")
            if heading:
                out.append(heading)
            out.extend(f"  {line}" for line in lines)
        ctx.stdout.write("\n".join(out) + "\n")
        return
    from rich.text import Text

    console = ctx.console()
    console.print(Text(pilot.name, style="bold"))
    for heading, lines in sections:
        console.print()
        if heading:
            console.print(Text(heading, style="bold cyan"))
        for line in lines:
            text, _, url = line.partition("  <")
            console.print(Text.assemble("  ", text, (f"  <{url}" if url else "", "dim")))


def _bar_chart(
    ctx: OutputContext, rows: Sequence[tuple[str, list[Pilot]]], title: str, footer: str = ""
) -> None:
    """Label, count and pilots per row: aligned text in a pipe, with bars in a terminal."""
    width = max((len(label) for label, _ in rows), default=0)
    if not ctx.is_terminal:
        for label, members in rows:
            names = "; ".join(pilot.name for pilot in members) or "-"
            ctx.stdout.write(f"{label:<{width}}  {len(members):>2}  {names}\n")
        if footer:
            ctx.stdout.write(f"\n{footer}\n")
        return
    from rich.table import Table
    from rich.text import Text

    most = max((len(members) for _, members in rows), default=0)
    table = Table(title=title, box=None, header_style="bold", pad_edge=False, title_justify="left")
    table.add_column(title.split()[0].rstrip("s").capitalize(), no_wrap=True)
    table.add_column("n", justify="right")
    table.add_column("", no_wrap=True, min_width=most)
    table.add_column("Pilots", ratio=1)
    for label, members in rows:
        names = "; ".join(pilot.name for pilot in members) or "-"
        table.add_row(label, str(len(members)), Text(BAR * len(members), style="cyan"), names)
    console = ctx.console()
    console.print(table)
    if footer:
        console.print(Text(footer, style="dim"))


def render_regions(ctx: OutputContext, rows: Sequence[tuple[str, list[Pilot]]]) -> None:
    """Each region with its count and pilots (`tp regions`)."""
    _bar_chart(ctx, rows, "Regions and their pilots")


def render_themes(
    ctx: OutputContext, rows: Sequence[tuple[Category, list[Pilot]]], unthemed: Sequence[Pilot]
) -> None:
    """Each theme category with its count and pilots (`tp themes`), then who has no themes."""
    footer = ""
    if unthemed:
        names = "; ".join(pilot.name for pilot in unthemed)
        footer = f"No sourced themes: {names}."
    _bar_chart(ctx, [(c.id, members) for c, members in rows], "Themes and their pilots", footer)


def render_glossary(ctx: OutputContext, terms: Sequence[GlossaryTerm]) -> None:
    """All acronyms: aligned `TERM  EXPANSION` lines in a pipe, a table in a terminal."""
    if not ctx.is_terminal:
        width = max((len(term.term) for term in terms), default=0)
        for term in terms:
            ctx.stdout.write(f"{term.term:<{width}}  {term.expansion}\n")
        return
    from rich.table import Table

    table = Table(header_style="bold")
    table.add_column("Acronym", no_wrap=True, style="cyan")
    table.add_column("Expansion")
    table.add_column("Source")
    for term in terms:
        table.add_row(
            term.term, term.expansion, "the FAQ" if term.source == "faq" else term.provenance
        )
    ctx.console().print(table)


def render_glossary_term(
    ctx: OutputContext, term: GlossaryTerm, used_in: Sequence[FaqEntry]
) -> None:
    """One acronym: its expansion, where that comes from, and the answers that use it."""
    lines = [
        ("", f"{term.term}: {term.expansion}"),
        ("Source: ", term.source_note()),
    ]
    if term.aliases:
        lines.append(("Also written: ", ", ".join(term.aliases)))
    if used_in:
        lines.append(("Used in: ", f"{used_in[0].id}. {used_in[0].question}"))
        lines += [("", f"         {entry.id}. {entry.question}") for entry in used_in[1:]]
    else:
        lines.append(("Used in: ", "none of the FAQ's answers"))
    if not ctx.is_terminal:
        ctx.stdout.write("".join(f"{label}{text}\n" for label, text in lines))
        return
    from rich.text import Text

    console = ctx.console()
    console.print(Text.assemble((term.term, "bold cyan"), (f": {term.expansion}", "bold")))
    for label, text in lines[1:]:
        console.print(Text.assemble((label, "dim"), text))


def _counts(checked: CheckedFile) -> str:
    errors, warnings = len(checked.errors), len(checked.warnings)
    parts = [f"{errors} error{'s' * (errors != 1)}"] if errors else []
    parts += [f"{warnings} warning{'s' * (warnings != 1)}"] if warnings else []
    return ", ".join(parts)


def render_validation(ctx: OutputContext, checked: Sequence[CheckedFile]) -> None:
    """Every problem as `file:line:column: severity: message`, then one summary line per file."""
    from totalplace_cli.data_format import count

    for file in checked:
        for problem in file.problems:
            where = printable(problem.location())
            ctx.stdout.write(f"{where}: {problem.severity}: {printable(problem.message)}\n")
    for file in checked:
        if file.kind is None and file.valid:
            continue  # an ignored stray file: its warning says so
        verdict = "ok" if file.valid else "INVALID"
        entries = count(file.kind, file.entries) if file.kind and file.entries is not None else ""
        details = ", ".join(part for part in (entries, _counts(file)) if part)
        ctx.stdout.write(
            f"{verdict}: {printable(file.path)}" + (f" ({details})" if details else "") + "\n"
        )


def render_info(ctx: OutputContext, info: dict[str, Any]) -> None:
    """What `tp info` shows people: version, data folder and the files in use."""
    from totalplace_cli.data_format import count

    lines = [f"tp {info['tp_version']}"]
    sources = {"option": "from --data-dir", "environment": "from TP_DATA_DIR"}
    if info["data_dir"] is None:
        lines.append("data folder: none (bundled data)")
    else:
        lines.append(f"data folder: {info['data_dir']} ({sources[info['data_dir_source']]})")
    for file in info["files"]:
        owner = "yours" if file["source"] == "user" else "bundled"
        if file["valid"]:
            version = file["format_version"] or "not given"
            details = f"{count(file['kind'], file['entries'])}, format version {version}"
            warnings = file["warnings"]
            details += f", {warnings} warning{'s' * (warnings != 1)}" if warnings else ""
        else:
            errors = file["errors"]
            details = f"INVALID ({errors} error{'s' * (errors != 1)}; run 'tp validate')"
        lines.append(f"{file['kind'] + ':':<10}{file['path']} ({owner}): {details}")
    ctx.stdout.write("".join(f"{printable(line)}\n" for line in lines))
