"""Everything about presenting results: the output context, JSON for scripts, Rich for people.

`OutputContext` says where we write and what that stream can show; every renderer reads it, and
tests build one to simulate a pipe or a terminal instead of patching `sys`.
"""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from totalplace_cli.inputs import printable
from totalplace_cli.models import FaqEntry, Pilot

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

    from totalplace_cli.search import SearchResult
    from totalplace_cli.spec import CheckedFile


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
        """Read the real streams and the environment (NO_COLOR, COLUMNS).

        Text stdout cannot encode (an ASCII-only `PYTHONIOENCODING`, a legacy code page) is
        written as `?` rather than crashing; JSON escapes it instead (see `write_json`).
        """
        stdout = sys.stdout
        if isinstance(stdout, io.TextIOWrapper):
            stdout.reconfigure(errors="replace")
        is_terminal = stdout.isatty()
        # no-color.org: NO_COLOR disables colour when it is set and not empty.
        color = is_terminal and not no_color and not os.environ.get("NO_COLOR")
        return cls(stdout=stdout, stderr=sys.stderr, is_terminal=is_terminal, color=color)

    def console(self) -> Console:
        """A Rich console bound to this context (Rich is imported only here)."""
        # Rich costs ~30-50 ms to import: only human-facing output pays for it.
        from rich.console import Console

        console = Console(
            file=self.stdout,
            force_terminal=self.is_terminal,
            no_color=not self.color,
            color_system="auto" if self.color else None,
            highlight=False,
            width=self.width,
        )
        console.on_broken_pipe = _closed_pipe  # type: ignore[method-assign]
        return console


def _closed_pipe() -> None:
    """Rich would exit 1 on a closed pipe; let the CLI boundary end it like everything else."""
    raise BrokenPipeError


def write_json(ctx: OutputContext, value: Any) -> None:
    """Plain JSON, nothing else; non-ASCII is escaped only if stdout cannot encode it."""
    encoding = (getattr(ctx.stdout, "encoding", None) or "utf-8").lower().replace("-", "")
    ensure_ascii = encoding not in {"utf8", "utf8sig", "utf16", "utf32"}
    ctx.stdout.write(json.dumps(value, ensure_ascii=ensure_ascii, indent=2) + "\n")


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


def render_entry(ctx: OutputContext, entry: FaqEntry) -> None:
    """One question and its answer: verbatim text in a pipe, formatted in a terminal."""
    if not ctx.is_terminal:
        ctx.stdout.write(f"{entry.id}. {entry.question}\n\n{entry.answer}\n")
        return
    from rich.padding import Padding
    from rich.text import Text

    console = ctx.console()
    console.print(Text(f"{entry.id}. {entry.question}", style="bold"))
    for renderable in _answer_renderables(entry.answer):
        console.print()
        console.print(Padding(renderable, (0, 0, 0, 2)))


def render_ask(ctx: OutputContext, results: Sequence[SearchResult]) -> None:
    """The best answer in full, then the other matches as a short list with their ids."""
    best, others = results[0], results[1:]
    render_entry(ctx, best.entry)
    if not others:
        return
    lines = [f"{r.entry.id:>2}. {r.entry.question}  ({r.score:.0f})" for r in others]
    if not ctx.is_terminal:
        ctx.stdout.write("\nOther matches (tp show ID):\n" + "".join(f"{ln}\n" for ln in lines))
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


def render_pilots(ctx: OutputContext, pilots: Sequence[Pilot]) -> None:
    """The pilots as a table."""
    from rich.table import Table

    table = Table(header_style="bold")
    table.add_column("Pilot", no_wrap=True)
    table.add_column("Region", no_wrap=True)
    for pilot in pilots:
        table.add_row(pilot.name, pilot.region)
    ctx.console().print(table)


def _counts(checked: CheckedFile) -> str:
    errors, warnings = len(checked.errors), len(checked.warnings)
    parts = [f"{errors} error{'s' * (errors != 1)}"] if errors else []
    parts += [f"{warnings} warning{'s' * (warnings != 1)}"] if warnings else []
    return ", ".join(parts)


def render_validation(ctx: OutputContext, checked: Sequence[CheckedFile]) -> None:
    """Every problem as `file:line:column: severity: message`, then one summary line per file."""
    for file in checked:
        for problem in file.problems:
            where = printable(problem.location())
            ctx.stdout.write(f"{where}: {problem.severity}: {printable(problem.message)}\n")
    for file in checked:
        if file.spec is None and file.valid:
            continue  # an ignored stray file: its warning says so
        verdict = "ok" if file.valid else "INVALID"
        entries = file.spec.count(file.entries) if file.spec and file.entries is not None else ""
        details = ", ".join(part for part in (entries, _counts(file)) if part)
        ctx.stdout.write(
            f"{verdict}: {printable(file.path)}" + (f" ({details})" if details else "") + "\n"
        )


def render_info(ctx: OutputContext, info: dict[str, Any]) -> None:
    """What `tp info` shows people: version, data folder and the files in use."""
    from totalplace_cli.spec import SPECS

    lines = [f"tp {info['tp_version']}"]
    sources = {"option": "from --data-dir", "environment": "from TP_DATA_DIR"}
    if info["data_dir"] is None:
        lines.append("data folder: none (bundled data)")
    else:
        lines.append(f"data folder: {info['data_dir']} ({sources[info['data_dir_source']]})")
    for file in info["files"]:
        owner = "yours" if file["source"] == "user" else "bundled"
        if file["valid"]:
            spec = next(spec for spec in SPECS if spec.kind == file["kind"])
            version = file["format_version"] or "not given"
            details = f"{spec.count(file['entries'])}, format version {version}"
        else:
            errors = file["errors"]
            details = f"INVALID ({errors} error{'s' * (errors != 1)}; run 'tp validate')"
        lines.append(f"{file['kind'] + ':':<8}{file['path']} ({owner}): {details}")
    ctx.stdout.write("".join(f"{printable(line)}\n" for line in lines))
