"""Where output goes: the output context, and JSON and documents written for scripts.

`OutputContext` says where we write and what that stream can show (httpie's Environment idea);
renderers read it, and tests build one to simulate a pipe or a terminal instead of patching `sys`.
This module stays small and imports nothing costly: `tp ask --json` needs only this.
"""

from __future__ import annotations

import io
import json
import os
import sys
from typing import TYPE_CHECKING, Any, NamedTuple, TextIO

if TYPE_CHECKING:
    from rich.console import Console


class OutputContext(NamedTuple):
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
