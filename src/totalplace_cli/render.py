"""Text for people: tables and wrapping in a terminal, one line per record into a pipe (for grep
and cut). Rich is imported inside the renderers, so `--json` never loads it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from itertools import zip_longest
from typing import TYPE_CHECKING, Any

from totalplace_cli.checking import count
from totalplace_cli.models import (
    BEYOND_THE_FAQ,
    Category,
    Citations,
    FaqEntry,
    GlossaryTerm,
    Pilot,
    ProgrammeItem,
    Registry,
    Source,
    readable_date,
)
from totalplace_cli.streams import URL, citation, cited_by, printable, terminal_text, write_all

if TYPE_CHECKING:
    from rich.console import Console
    from rich.padding import Padding
    from rich.text import Text

    from totalplace_cli.checking import CheckedFile
    from totalplace_cli.search import Correction, SearchResult
    from totalplace_cli.streams import OutputContext

INDENT = "  "
NARROW = 60  # below this many columns, tables become stacked lists: no column cuts a word
DATE_WIDTH = len("2009-07-30")
BAR = "\u2588"  # full block, for the bar charts of `tp regions` and `tp themes`
KIND_LABELS = {"faq": "FAQ", "pilot": "Pilot", "term": "Term", "fact": "Fact", "event": "Event"}
POINTERS = {"faq": "tp show ", "pilot": "tp pilot ", "term": "tp glossary "}


def answer_blocks(answer: str) -> list[str | list[list[str]]]:
    """Split an answer into paragraphs (str) and tables (rows of cells, header first)."""
    blocks: list[str | list[list[str]]] = []
    for block in answer.split("\n\n"):
        lines = [line.rstrip() for line in block.split("\n")]
        rows = [[cell.strip() for cell in line.rstrip("|").split("|")] for line in lines]
        blocks.append(rows if all(line.endswith("|") for line in lines) else block)
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
    """`prefix` then `body`: whole in a pipe (for grep); in a terminal wrapped under its first word
    (or `indent` columns in), a word too long for a line (a URL) on a line of its own."""
    from rich.text import Text

    prefix = Text(prefix) if isinstance(prefix, str) else prefix
    if not ctx.is_terminal:
        console.print(Text.assemble(prefix, body))
        return
    indent = indent or prefix.cell_len
    width, lines, position = max(ctx.width - indent, 1), list[Text](), 0
    for word in re.finditer(rf"\s*(\S{{{width + 1},}})\s*", body.plain):
        if word.start() > position:
            lines += body[position : word.start()].wrap(console, width)
        lines.append(body[word.start(1) : word.end(1)])
        position = word.end()
    lines += body[position:].wrap(console, width) if position < len(body) or not position else []
    for number, line in enumerate(lines):
        console.print(Text.assemble(prefix if number == 0 else " " * indent, line), soft_wrap=True)


def _sourced(ctx: OutputContext, console: Console, line: str) -> None:
    """An indented line, its citation ("[Publisher, 2010] <url>") dim; a link shows a URL's host."""
    from rich.style import Style
    from rich.text import Text

    cut = 0 if line.startswith("[") else line.find("  [") if "  [" in line else line.find("<http")
    body = _text(line) if cut < 0 else _text(line[:cut], (line[cut:], "dim"))
    for url in reversed(list(re.finditer(URL, body.plain) if ctx.links else [])):
        style = body.get_style_at_offset(console, url.start()) + Style(link=url[0])
        body = body[: url.start()] + Text(url[1], style) + body[url.end() :]
    _beside(ctx, console, INDENT, body)


def _columns(ctx: OutputContext, rows: Iterable[Sequence[str]]) -> None:
    """Rows as aligned columns, one line each, however long (a listing into a pipe)."""
    rows = [[terminal_text(cell) for cell in row] for row in rows]
    widths = [max(len(row[n]) for row in rows) for n in range(len(rows[0]) - 1)] if rows else []
    lines = ("  ".join(map(str.ljust, row, [*widths, 0])).rstrip() for row in rows)
    write_all(ctx.stdout, "".join(line + "\n" for line in lines))


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


def _table(rows: Sequence[Sequence[str]], ratios: Sequence[int] = (), indent: int = 0) -> Padding:
    """Rows (header first) under a bold header and a rule, no outer edge, `indent` columns in."""
    from rich import box
    from rich.padding import Padding
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    for cell, ratio in zip_longest(rows[0], ratios):
        table.add_column(_text(cell), ratio=ratio)
    for row in rows[1:]:
        table.add_row(*map(_text, row))
    return Padding(table, (0, 0, 0, indent), expand=False)


def render_entry(ctx: OutputContext, entry: FaqEntry, terms: Sequence[GlossaryTerm] = ()) -> None:
    """One question and its answer (verbatim), then the acronyms it uses, explained."""
    console = ctx.console()
    console.print(_text((f"{entry.id}. ", "bold"), (entry.question, "bold")))
    # A pipe gets the answer exactly as in the data, for grep and diff.
    for block in answer_blocks(entry.answer) if ctx.is_terminal else [entry.answer]:
        console.print()
        if isinstance(block, str):
            _beside(ctx, console, INDENT if ctx.is_terminal else "", _text(block))
        else:
            console.print(_table(block, indent=len(INDENT)))
    if terms:
        colon = "" if ctx.is_terminal else ":"
        console.print(_text("\n", ("Acronyms", "bold"), " ", ("(tp glossary TERM)", "dim"), colon))
        width = max(len(term.term) for term in terms)
        for term in terms:
            name = _text(INDENT, (f"{term.term:<{width}}", "cyan"), "  ")
            _beside(ctx, console, name, _text(term.expansion))


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
        spelt = f"Spelt out in the FAQ: \u201c{record['quote']}\u201d"
        if record["source"] != "faq":
            spelt = f"{record['provenance']} (not spelt out in the FAQ)"
        lines += [str(record["expansion"]), spelt]
    else:  # the title holds the date and text
        quote = [f"\u201c{record['quote']}\u201d"] if record.get("quote") else []
        lines += [*quote, f"<{record['source']}>"]
    lines.append(f"More: {result_pointer(result)}")
    return lines


def _snippet(result: SearchResult) -> Text:
    """The snippet, dim, its matched words bold yellow."""
    snippet, position, parts = result.snippet, 0, list[tuple[str, str]]()
    for start, end in result.highlights:
        parts += [(snippet[position:start], "dim"), (snippet[start:end], "bold yellow")]
        position = end
    return _text(*parts, (snippet[position:], "dim"))


def render_ask(
    ctx: OutputContext, results: Sequence[SearchResult], corrections: Sequence[Correction] = ()
) -> None:
    """The words corrected, the best result in full (an FAQ entry verbatim), then the others."""
    console = ctx.console()
    if corrections:
        searched = " ".join(c.searched for c in corrections)
        typed = " ".join(c.typed for c in corrections)
        console.print(
            _text("Showing results for ", (f'"{searched}"', "bold"), f' (you typed "{typed}")\n')
        )
    best, others = results[0], results[1:]
    if best.kind == "faq":
        if ctx.is_terminal:  # a pipe gets the entry exactly as `tp show` prints it
            console.print(_text(("From the FAQ", "dim")))
        render_entry(ctx, best.entry)
    else:
        console.print(_text((result_title(best), "bold")))
        for line in result_lines(best):
            _sourced(ctx, console, line)
    if others:
        console.print(_text("\n", ("Other matches", "bold"), "" if ctx.is_terminal else ":"))
    for result in others:
        pointer = f"  ({result.score:.0f}; {result_pointer(result)})"
        title = _text(result_title(result), (pointer, "dim"))
        _beside(ctx, console, INDENT if ctx.is_terminal else "", title)
        # A fact's text is its title and its snippet: say it once.
        if result.snippet.strip("\u2026") not in result_title(result):
            _beside(ctx, console, INDENT * 2, _snippet(result))


def render_pilots(ctx: OutputContext, pilots: Sequence[Pilot]) -> None:
    """Name, region, categories (as `--theme` takes them): a table (narrow: a list) or columns."""
    rows = [(p.name, p.region, ", ".join(p.categories) or "(no sourced themes)") for p in pilots]
    if not ctx.is_terminal:
        _columns(ctx, rows)
        return
    console = ctx.console()
    if ctx.width < NARROW:
        for name, region, themes in rows:
            console.print(_text((name, "bold")))
            _beside(ctx, console, INDENT, _text(region, ("; ", "dim"), themes))
        return
    console.print(_table([("Pilot", "Region", "Theme categories"), *rows], ratios=(3, 2, 4)))


def render_pilot(
    ctx: OutputContext,
    pilot: Pilot,
    categories: Sequence[Category],
    mentions: Sequence[tuple[FaqEntry, list[str]]],
    sources: Registry,
) -> None:
    """One pilot in full: plain indented text in a pipe, the same with emphasis in a terminal."""
    labels = {category.id: category.label for category in categories}

    def cited(text: str, ids: Sequence[str]) -> str:
        return f"{text}  {citation(ids, sources)}" if ids else text

    facts = [f"Region: {pilot.region}"]
    if pilot.official_name:
        facts.append(cited(f"Official name: {pilot.official_name}", pilot.official_name_source))
    names = ", ".join(f"{labels.get(c, c)} ({c})" for c in pilot.categories)
    facts += [f"Categories: {names}"] if names else []
    themes = [cited(t.text, t.source) for t in pilot.themes] or ["none found in the sources read"]
    pages = [sources[i] for i in pilot.sources if i in sources]
    sections = [
        ("", facts),
        ("Themes", themes),
        (cited("Member authorities and bodies", pilot.authorities_source), list(pilot.authorities)),
        ("Figures", [cited(f.text, f.source) for f in pilot.figures]),
        ("Field trials after the pilot", [cited(t.text, t.source) for t in pilot.field_trials]),
        ("Sources", [f"{page.name()}  {citation([page.id], sources)}" for page in pages]),
        *((f"In the FAQ: {e.id}. {e.question}  (tp show {e.id})", lines) for e, lines in mentions),
    ]
    console = ctx.console()
    console.print(_text((pilot.name, "bold")))
    for heading, lines in [(heading, lines) for heading, lines in sections if lines]:
        console.print()
        if heading and not ctx.is_terminal:
            console.print(_text(heading))
        elif heading:  # a terminal puts a heading's source on a line of its own
            title, _, source = heading.partition("  [")
            _beside(ctx, console, "", _text((title, "bold cyan")), indent=len(INDENT))
            if source:
                _sourced(ctx, console, f"[{source}")
        for line in lines:
            _sourced(ctx, console, line)


def render_groups(
    ctx: OutputContext, groups: Sequence[tuple[str, list[Pilot]]], title: str, footer: str = ""
) -> None:
    """Label, count and pilots per group: columns into a pipe, a table with bars in a terminal."""
    rows = [(label, len(group), "; ".join(p.name for p in group) or "-") for label, group in groups]
    if not ctx.is_terminal:
        _columns(ctx, [(label, f"{count:>2}", pilots) for label, count, pilots in rows])
        return
    console = ctx.console()
    width = max((len(label) for label, _, _ in rows), default=0)
    most = max((count for _, count, _ in rows), default=0)
    if width + most + 28 > ctx.width:  # 28: the gaps, the count and the least room for pilots
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
        console.print(_text((footer, "dim")))


def render_glossary(ctx: OutputContext, terms: Sequence[GlossaryTerm]) -> None:
    """All acronyms: aligned `TERM  EXPANSION` lines into a pipe, a table in a terminal."""
    if not ctx.is_terminal:
        _columns(ctx, [(term.term, term.expansion) for term in terms])
        return
    from rich.table import Column, Table

    acronym = Column("Acronym", no_wrap=True, style="cyan")
    table = Table(acronym, "Expansion", "Source", header_style="bold")
    for term in terms:
        source = "the FAQ" if term.source == "faq" else term.provenance or ""
        table.add_row(_text(term.term), _text(term.expansion), _text(source))
    ctx.console().print(table)


def render_glossary_term(ctx: OutputContext, term: GlossaryTerm, users: Sequence[FaqEntry]) -> None:
    """One acronym: its expansion, where that comes from, and the answers that use it."""
    aliases = [("Also written: ", ", ".join(term.aliases))] if term.aliases else []
    used = [f"{entry.id}. {entry.question}" for entry in users] or ["none of the FAQ's answers"]
    lines = [("Source: ", term.source_note()), *aliases, ("Used in: ", used[0])]
    lines += [("", " " * len("Used in: ") + question) for question in used[1:]]
    console = ctx.console()
    console.print(_text((term.term, "bold cyan"), (f": {term.expansion}", "bold")))
    for label, text in lines:
        console.print(_text((label, "dim"), text))


def render_programme(
    ctx: OutputContext, items: Sequence[ProgrammeItem], heading: str, sources: Registry
) -> None:
    """A title saying none of this is the FAQ, then each item: date, words, quote, citation."""
    if not ctx.is_terminal:
        lines = [f"{BEYOND_THE_FAQ}. {heading}"]
        for item in items:
            quote = f"  \u201c{item.quote}\u201d" if item.kind == "fact" and item.quote else ""
            cited = citation(item.source, sources)
            lines.append(f"{item.date or 'undated':<{DATE_WIDTH}}  {item.text}{quote}  {cited}")
        write_all(ctx.stdout, "".join(terminal_text(line) + "\n" for line in lines))
        return
    console = ctx.console()
    console.print(_text((f"{BEYOND_THE_FAQ}. {heading}", "bold")))
    for item in items:
        console.print(_text("\n", (item.date or "undated", "bold cyan")))
        _beside(ctx, console, INDENT, _text(item.text))
        if item.kind == "fact" and item.quote:
            _beside(ctx, console, INDENT, _text((f"\u201c{item.quote}\u201d", "italic")))
        _sourced(ctx, console, citation(item.source, sources))


def render_sources(ctx: OutputContext, sources: Sequence[Source], citations: Citations) -> None:
    """Each source: one line into a pipe, with its author, kind and what cites it in a terminal."""
    if not ctx.is_terminal:
        _columns(ctx, [(s.id, s.date or "-", s.publisher, s.name(), s.url) for s in sources])
        return
    console = ctx.console()
    for s in sources:
        byline = ", ".join(filter(None, (s.author, s.publisher, s.date and readable_date(s.date))))
        console.print(_text("\n", (s.name(), "bold"), ("  " + s.id, "dim")))
        for line in (f"{byline} ({s.type})", s.url, f"Cited by: {cited_by(citations[s.id])}"):
            _beside(ctx, console, INDENT, _text(line))


def render_validation(ctx: OutputContext, checked: Sequence[CheckedFile]) -> None:
    """Every problem as `file:line:column: severity: message`, then one summary line per file."""
    lines = [f"{p.location()}: {p.severity}: {p.message}" for f in checked for p in f.problems]
    for file in checked:
        if file.kind is None and file.valid:
            continue  # an ignored stray file: its warning says so
        details = [count(file.kind, file.entries)] if file.kind and file.entries is not None else []
        found = {"error": len(file.errors), "warning": len(file.warnings)}
        details += [_plural(number, noun) for noun, number in found.items() if number]
        summary = f" ({', '.join(details)})" if details else ""
        lines.append(f"{'ok' if file.valid else 'INVALID'}: {file.path}{summary}")
    _report(ctx, lines)


def render_info(ctx: OutputContext, info: dict[str, Any]) -> None:
    """What `tp info` shows people: version, data folder and the files in use."""
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


def render_closest(ctx: OutputContext, entries: Sequence[FaqEntry]) -> None:
    """No match, never a dead end: the questions closest to the query, each with how to read it."""
    console = ctx.console()
    console.print(_text("Nothing in the FAQ answers that closely. Closest questions:"))
    for entry in entries:
        _beside(ctx, console, INDENT, _text(f"{entry.id}. {entry.question}  (tp show {entry.id})"))
