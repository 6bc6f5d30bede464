"""Where output goes and what it can show (httpie's Environment idea), and JSON for scripts.

Tests build an `OutputContext` to simulate a pipe or a terminal instead of patching `sys`.
Nothing costly is imported here: `tp ask --json` needs only this.
"""

# No `from __future__ import annotations`: NamedTuples compile string annotations at start-up.

import io
import json
import os
import re
import sys
from typing import TYPE_CHECKING, Any, NamedTuple, TextIO, cast

if TYPE_CHECKING:
    from rich.console import Console

DEFAULT_WIDTH = 80  # columns when neither COLUMNS nor the terminal says (a pipe, a file)
MAX_WIDTH = 1000  # a width above this (or below 1) is a mistake, ignored rather than obeyed


def _width(stream: TextIO, is_terminal: bool) -> int:
    """COLUMNS if it is a sane number, else the terminal's own width, else DEFAULT_WIDTH."""
    value = os.environ.get("COLUMNS", "").strip()
    if value.isdigit() and 1 <= int(value) <= MAX_WIDTH:
        return int(value)
    try:
        columns = os.get_terminal_size(stream.fileno()).columns if is_terminal else 0
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        columns = 0
    return columns if 1 <= columns <= MAX_WIDTH else DEFAULT_WIDTH


class OutputContext(NamedTuple):
    """Where output goes and what it can show."""

    stdout: TextIO
    is_terminal: bool
    color: bool
    width: int = DEFAULT_WIDTH

    @classmethod
    def detect(cls, no_color: bool = False) -> "OutputContext":
        """Read the real streams and the environment (NO_COLOR, TERM, COLUMNS). Text stdout
        cannot encode (ASCII-only `PYTHONIOENCODING`, a legacy code page) is written as `?`."""
        stdout = sys.stdout
        if isinstance(stdout, io.TextIOWrapper):
            stdout.reconfigure(errors="replace")
        is_terminal = stdout.isatty()
        # no-color.org: NO_COLOR disables colour when it is set and not empty; a dumb terminal
        # (TERM=dumb, Emacs shells) shows escape codes as text, so it gets none at all.
        color = (
            is_terminal
            and not no_color
            and not os.environ.get("NO_COLOR")
            and os.environ.get("TERM", "") not in {"dumb", "unknown"}
        )
        return cls(stdout, is_terminal, color, _width(stdout, is_terminal))

    def console(self) -> "Console":
        """The one Rich console every text renderer draws with: it wraps only in a terminal."""
        # Rich costs ~30-50 ms to import: only text output pays for it, never --json.
        from rich.console import Console

        console = Console(
            file=cast("TextIO", _TrimmedLines(self.stdout)),
            width=self.width,  # always given: Rich would obey COLUMNS=0 and print nothing
            force_terminal=self.is_terminal,
            soft_wrap=not self.is_terminal,
            no_color=not self.color,
            color_system="auto" if self.color else None,  # None: no escape code of any kind
            highlight=False,
            markup=False,
            emoji=False,
        )
        console.on_broken_pipe = _closed_pipe  # type: ignore[method-assign]
        return console


# Spaces at the end of a line, before any closing style codes: Rich pads wrapped lines and cells.
STYLE_CODE = r"\x1b\[[0-9;]*m"
LINE_END = r"(?:[ ]|\x1b\[[0-9;]*m)*[ ](?:[ ]|\x1b\[[0-9;]*m)*(?=\n)"


class _TrimmedLines(io.TextIOBase):
    """A stream for Rich minus the spaces it pads lines with, which spoil copying and diffs."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self._stream = stream

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._stream, "encoding", None) or "utf-8"

    def write(self, text: str) -> int:
        trimmed = re.sub(LINE_END, lambda end: "".join(re.findall(STYLE_CODE, end[0])), text)
        write_all(self._stream, trimmed)
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def fileno(self) -> int:
        return self._stream.fileno()


def _closed_pipe() -> None:
    """Rich would exit 1 on a closed pipe; let the CLI boundary end it like everything else."""
    raise BrokenPipeError


# Characters a JSON encoder may leave raw but a terminal or viewer would obey: C1 controls,
# bidirectional overrides and isolates, line and paragraph separators.
JSON_UNSAFE = "[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"


def write_json(ctx: OutputContext, value: Any) -> None:
    """Plain JSON, nothing else; control characters escaped, non-ASCII only if it must be."""
    encoding = (getattr(ctx.stdout, "encoding", None) or "utf-8").lower().replace("-", "")
    ensure_ascii = encoding not in {"utf8", "utf8sig", "utf16", "utf32"}
    text = json.dumps(value, ensure_ascii=ensure_ascii, indent=2)
    # These can only occur inside strings, where \\uXXXX is their spelling. All are unprintable,
    # as is the newline of the indent: most outputs need no search at all.
    if not ensure_ascii and not text.replace("\n", "").isprintable():
        text = re.sub(JSON_UNSAFE, lambda match: f"\\u{ord(match.group()):04x}", text)
    write_all(ctx.stdout, text + "\n")


def write_all(stream: TextIO, text: str, encoding: str | None = None) -> None:
    """Write all of `text`, or raise. A large write to a pipe whose reader goes away returns a
    short count, and Python's layers drop the rest silently (exit 0, output cut); looping on the
    short count makes the next write raise BrokenPipeError as it should."""
    buffer = getattr(stream, "buffer", None)
    if buffer is None:  # a StringIO in tests, or a stream without a byte layer
        stream.write(text)
        return
    encoding = encoding or getattr(stream, "encoding", None) or "utf-8"
    data = memoryview(text.encode(encoding, getattr(stream, "errors", None) or "strict"))
    stream.flush()
    while data:
        written = buffer.write(data)
        data = data[written or 0 :]
    buffer.flush()
