"""Everything about presenting results: the output context, JSON for scripts, Rich for people.

`OutputContext` says where we write and what that stream can show; every renderer reads it, and
tests build one to simulate a pipe or a terminal instead of patching `sys`.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from totalplace_cli.models import FaqEntry, Pilot

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

    from totalplace_cli.glossary import GlossaryTerm
    from totalplace_cli.search import SearchResult


@dataclass(frozen=True)
class OutputContext:
    """Where output goes and what it can show."""

    stdout: TextIO
    stderr: TextIO
    is_terminal: bool
    color: bool
    width: int | None = None

    @classmethod
    def detect(cls, no_color: bool = False) -> OutputContext:
        """Read the real streams and the environment (NO_COLOR, COLUMNS)."""
        stdout = sys.stdout
        is_terminal = stdout.isatty()
        color = is_terminal and not no_color and "NO_COLOR" not in os.environ
        return cls(stdout=stdout, stderr=sys.stderr, is_terminal=is_terminal, color=color)

    def console(self) -> Console:
        """A Rich console bound to this context (Rich is imported only here)."""
        # Rich costs ~30-50 ms to import: only human-facing output pays for it.
        from rich.console import Console

        return Console(
            file=self.stdout,
            force_terminal=self.is_terminal,
            no_color=not self.color,
            color_system="auto" if self.color else None,
            highlight=False,
            width=self.width,
        )


def write_json(ctx: OutputContext, value: Any) -> None:
    """Plain JSON, nothing else; non-ASCII is escaped only if stdout cannot encode it."""
    encoding = (getattr(ctx.stdout, "encoding", None) or "utf-8").lower().replace("-", "")
    ensure_ascii = encoding not in {"utf8", "utf8sig", "utf16", "utf32"}
    ctx.stdout.write(json.dumps(value, ensure_ascii=ensure_ascii, indent=2) + "\n")


def write_document(ctx: OutputContext, text: str) -> None:
    """A whole document (HTML, Markdown) as UTF-8, whatever the stream's own encoding."""
    buffer = getattr(ctx.stdout, "buffer", None)
    if buffer is None:
        ctx.stdout.write(text)
        return
    # The HTML declares charset=utf-8, so its bytes must be UTF-8 even on a legacy console.
    ctx.stdout.flush()
    buffer.write(text.encode("utf-8"))
    buffer.flush()


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


def _answer_renderables(answer: str) -> list[RenderableType]:
    from rich.table import Table
    from rich.text import Text

    renderables: list[RenderableType] = []
    for block in answer_blocks(answer):
        if isinstance(block, str):
            renderables.append(Text(block))
        else:
            table = Table(*block[0], header_style="bold")
            for row in block[1:]:
                table.add_row(*row)
            renderables.append(table)
    return renderables


def render_questions(ctx: OutputContext, entries: Sequence[FaqEntry]) -> None:
    """The numbered list of questions, one per line (aligned ids)."""
    if not ctx.is_terminal:
        for entry in entries:
            ctx.stdout.write(f"{entry.id:>2}. {entry.question}\n")
        return
    from rich.text import Text

    console = ctx.console()
    for entry in entries:
        console.print(Text.assemble((f"{entry.id:>2}. ", "bold cyan"), entry.question))


def render_entry(
    ctx: OutputContext, entry: FaqEntry, acronyms: Sequence[GlossaryTerm] = ()
) -> None:
    """One question and its answer (verbatim), then the acronyms it uses, explained."""
    width = max((len(term.term) for term in acronyms), default=0)
    if not ctx.is_terminal:
        ctx.stdout.write(f"{entry.id}. {entry.question}\n\n{entry.answer}\n")
        if acronyms:
            ctx.stdout.write("\nAcronyms (tp glossary TERM):\n")
            for term in acronyms:
                ctx.stdout.write(f"  {term.term:<{width}}  {term.expansion}\n")
        return
    from rich.padding import Padding
    from rich.text import Text

    console = ctx.console()
    console.print(Text(f"{entry.id}. {entry.question}", style="bold"))
    for renderable in _answer_renderables(entry.answer):
        console.print()
        console.print(Padding(renderable, (0, 0, 0, 2)))
    if acronyms:
        console.print()
        console.print(Text.assemble(("Acronyms", "bold"), " ", ("(tp glossary TERM)", "dim")))
        for term in acronyms:
            console.print(
                Text.assemble("  ", (f"{term.term:<{width}}", "cyan"), "  ", term.expansion)
            )


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
    from rich.text import Text

    console = ctx.console()
    console.print()
    console.print(Text.assemble(("Other matches", "bold"), " ", ("(tp show ID)", "dim")))
    for result in others:
        console.print(
            Text.assemble(
                (f"{result.entry.id:>2}. ", "cyan"),
                result.entry.question,
                (f"  ({result.score:.0f})", "dim"),
            )
        )
        snippet = Text(result.snippet, style="dim")
        for start, end in result.highlights:
            snippet.stylize("bold yellow not dim", start, end)
        console.print(Text("    ").append_text(snippet))


def render_pilots(ctx: OutputContext, pilots: Sequence[Pilot]) -> None:
    """The pilots as a table."""
    from rich.table import Table

    table = Table(header_style="bold")
    table.add_column("Pilot", no_wrap=True)
    table.add_column("Region", no_wrap=True)
    for pilot in pilots:
        table.add_row(pilot.name, pilot.region)
    ctx.console().print(table)


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
