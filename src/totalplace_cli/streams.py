"""The process's boundary with a person and a script: text that comes in (arguments, cleaned),
output that goes out (`OutputContext`: where it goes and what it can show, httpie's Environment
idea; JSON and CSV for scripts), and errors a user can cause, told as one line on stderr with a
documented exit code. Every string from the data passes `terminal_text` before a terminal or a
pipe sees it: data never controls a terminal.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sys
from collections.abc import Iterable, Sequence
from enum import IntEnum
from typing import TYPE_CHECKING, Any, NamedTuple, TextIO, cast

from totalplace_cli.models import Citation, Citations, Pilot, Registry, Source

if TYPE_CHECKING:
    from rich.console import Console


class ExitCode(IntEnum):
    """The documented exit codes of `tp` (see the README)."""

    OK = 0
    NO_MATCH = 1  # a valid query or filter that nothing matched, as grep does
    USAGE = 2  # bad option, argument or value (also Typer's own usage errors)
    DATA = 3  # a data file that cannot be read or is not valid
    OUTPUT = 74  # stdout cannot be written (disk full, I/O error): sysexits.h's EX_IOERR
    INTERRUPTED = 130  # Ctrl-C
    BROKEN_PIPE = 141  # the reader of stdout went away (128 + SIGPIPE, as `cat` would end)


class TpError(Exception):
    """An error the user can fix; its message is shown as-is on one line."""

    exit_code: ExitCode = ExitCode.USAGE


class UsageError(TpError):
    """An invalid value, such as an unknown id or region (exit code USAGE, TpError's own)."""


class NoMatchError(TpError):
    """A valid request that found nothing."""

    exit_code = ExitCode.NO_MATCH


class DataError(TpError):
    """A data file that is missing, unreadable or invalid; the message names file and entry."""

    exit_code = ExitCode.DATA


def report(message: str, code: int = ExitCode.OK) -> int:
    """Print `tp: message` as one line on stderr (controls shown as escapes); return `code`."""
    line = f"tp: {printable(message)}\n"
    encoding = getattr(sys.stderr, "encoding", None) or "utf-8"
    with contextlib.suppress(OSError, ValueError):  # stderr gone too: the exit code still tells
        sys.stderr.write(line.encode(encoding, "backslashreplace").decode(encoding))
        sys.stderr.flush()
    return code


# Kept when echoing: joiners shape emoji and some scripts; everything else in Cc/Cf is escaped.
_JOINERS = {"\u200c", "\u200d"}


def is_control(char: str) -> bool:
    import unicodedata  # only for text that str.isprintable() already flagged

    return unicodedata.category(char) in {"Cc", "Cf", "Cs"} and char not in _JOINERS


def printable(text: str) -> str:
    """`text` safe to echo on one line of a terminal: controls shown as escapes, not obeyed."""
    if text.isprintable():
        return text
    return "".join(
        char.encode("unicode_escape", "backslashreplace").decode("ascii")
        if is_control(char)
        else char
        for char in text
    )


DEFAULT_WIDTH = 80  # columns when neither COLUMNS nor the terminal says (a pipe, a file)
MAX_WIDTH = 1000  # a width above this (or below 1) is a mistake, ignored rather than obeyed
MAX_QUERY_CHARS = 1000  # longest query searched; of a longer one (a pasted page), its first words
MAX_ARGUMENT_CHARS = 200  # longest slug or region accepted
MAX_NUMBER_DIGITS = 4300  # longest id accepted: the longest number a data file may hold
URL = r"https?://(?:www\.)?([^/\s<>]+)[^\s<>]*"  # its group: the host, a link's short label
LINK_TERMINALS = {"iTerm.app", "WezTerm", "vscode", "ghostty", "Hyper", "tabby"}  # TERM_PROGRAM

# Terminal control from data: escape sequences (CSI, OSC, DCS and friends, 7- and 8-bit), then
# any C0 control but newline and tab, DEL, C1, and the bidi embeddings, overrides and isolates.
ESCAPE_SEQUENCE = (
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]?|[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?|[ -/]*[0-~]?)"
    r"|\x9b[0-?]*[ -/]*[@-~]?|[\x90\x98\x9d\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
)
CONTROL = "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
# Characters a JSON encoder may leave raw but a terminal or viewer would obey: C1 controls,
# bidirectional overrides and isolates, line and paragraph separators.
JSON_UNSAFE = "[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
# Spaces at the end of a line, before any closing style codes: Rich pads wrapped lines and cells.
STYLE_CODE = r"\x1b\[[0-9;]*m"
LINE_END = r"(?:[ ]|\x1b\[[0-9;]*m)*[ ](?:[ ]|\x1b\[[0-9;]*m)*(?=\n)"


def without_controls(text: str) -> str:
    """`text` with control, format (bidi override) and stray surrogate characters as spaces."""
    if text.isprintable():  # no Cc, Cf or Cs character: the common case, checked in C
        return text
    return "".join(" " if is_control(char) else char for char in text)


def terminal_text(text: str) -> str:
    """Data text safe for a terminal or a text pipe: its words kept, its commands dropped (a data
    file could otherwise clear the screen, set the clipboard or reverse a line)."""
    if re.search(CONTROL, text) is None:  # the common case, one scan in C
        return text
    return re.sub(CONTROL, "", re.sub(ESCAPE_SEQUENCE, "", text))


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
    """Where output goes and what it can show; tests build one to simulate a pipe or a terminal."""

    stdout: TextIO
    is_terminal: bool
    color: bool
    width: int = DEFAULT_WIDTH
    links: bool = False  # URLs as OSC 8 hyperlinks, each named by its host

    @classmethod
    def detect(cls, no_color: bool = False) -> OutputContext:
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
        # OSC 8 links if colour is on: FORCE_HYPERLINK=1/0, else terminals known to (VTE 0.50+).
        env, vte = os.environ, os.environ.get("VTE_VERSION", "")
        known = env.get("TERM_PROGRAM") in LINK_TERMINALS or env.get("TERM") == "xterm-kitty"
        known = known or bool(env.get("WT_SESSION")) or (vte.isdigit() and int(vte) >= 5000)
        links = color and (env["FORCE_HYPERLINK"] != "0" if env.get("FORCE_HYPERLINK") else known)
        return cls(stdout, is_terminal, color, _width(stdout, is_terminal), links)

    def console(self) -> Console:
        """The one Rich console every text renderer draws with: it wraps only in a terminal."""
        from rich.console import Console  # costs start-up time: only text output pays for it

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


def json_text(value: Any, ensure_ascii: bool = False) -> str:
    """Plain JSON and a newline; control characters escaped, non-ASCII if `ensure_ascii`."""
    text = json.dumps(value, ensure_ascii=ensure_ascii, indent=2)
    # These can only occur inside strings, where \\uXXXX is their spelling. All are unprintable,
    # as is the newline of the indent: most outputs need no search at all.
    if not ensure_ascii and not text.replace("\n", "").isprintable():
        text = re.sub(JSON_UNSAFE, lambda match: f"\\u{ord(match.group()):04x}", text)
    return text + "\n"


def write_json(ctx: OutputContext, value: Any) -> None:
    """Plain JSON, nothing else; non-ASCII escaped only if the output cannot show it."""
    encoding = (getattr(ctx.stdout, "encoding", None) or "utf-8").lower().replace("-", "")
    write_all(ctx.stdout, json_text(value, encoding not in {"utf8", "utf8sig", "utf16", "utf32"}))


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


# A CSV cell starting with one of these is a formula to a spreadsheet (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PILOT_CSV_COLUMNS = (
    *("id", "name", "region", "official_name", "categories", "themes"),
    *("authorities", "figures", "field_trials", "sources"),
)


def csv_cell(value: str) -> str:
    """A cell a spreadsheet shows as text: control characters dropped, a formula start quoted."""
    if value.startswith(FORMULA_STARTS):
        value = "'" + value  # OWASP's advice: the quote makes the spreadsheet read it as text
    return terminal_text(value)


def write_csv(ctx: OutputContext, columns: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """A header row, then the rows, each cell safe for a spreadsheet."""
    import csv

    writer = csv.writer(ctx.stdout, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([csv_cell(cell) for cell in row] for row in rows)


def write_pilots_csv(ctx: OutputContext, pilots: Sequence[Pilot], sources: Registry) -> None:
    """One row per pilot under a header row; lists joined with "; ", `sources` as URLs."""

    def cell(pilot: Pilot, column: str) -> str:
        value = getattr(pilot, column)
        value = tuple(sources[i].url for i in value) if column == "sources" else value
        if isinstance(value, tuple):
            return "; ".join(str(getattr(item, "text", item)) for item in value)
        return value or ""

    write_csv(ctx, PILOT_CSV_COLUMNS, ([cell(p, c) for c in PILOT_CSV_COLUMNS] for p in pilots))


def cited_by(citations: Iterable[Citation]) -> str:
    """What cites a source, in words: "pilot kent themes; pilot kent figures; event x"."""
    return "; ".join(" ".join(filter(None, place)) for place in dict.fromkeys(citations))


def write_sources_csv(ctx: OutputContext, sources: Sequence[Source], citations: Citations) -> None:
    """One row per source, its fields then what cites it."""
    rows = ([*("" if v is None else str(v) for v in s), cited_by(citations[s.id])] for s in sources)
    write_csv(ctx, (*Source._fields, "cited_by"), rows)


def citation(ids: Sequence[str], sources: Registry) -> str:
    """A statement's sources, each "[Public Finance, 2010] <URL>", the URL whole."""
    return " ".join(f"{sources[i].label()} <{sources[i].url}>" for i in ids if i in sources)


# What users type, made safe before it reaches the core.


def from_argv(text: str) -> str:
    """Command-line text with bytes that were not UTF-8 (lone surrogates) replaced by U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        try:
            return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        except UnicodeEncodeError:  # surrogates that did not come from undecodable bytes
            return re.sub("[\ud800-\udfff]", "\ufffd", text)
    return text


def clean_query(text: str) -> str:
    """A search query ready for ranking, or a usage error if it has no words. A longer one is cut
    to its first whole words, with a warning: a pasted paragraph should find its answer."""
    query = " ".join(without_controls(from_argv(text)).split())
    if not query:
        raise UsageError("the query is empty; try for example: tp ask savings")
    if len(query) > MAX_QUERY_CHARS:
        head = query[: MAX_QUERY_CHARS + 1]
        shortened = head.rsplit(" ", 1)[0] if " " in head else query[:MAX_QUERY_CHARS]
        report(
            f"warning: the query is {len(query):,} characters long; searching its first "
            f"{len(shortened.split()):,} words ({len(shortened):,} characters)",
            ExitCode.OK,
        )
        query = shortened
    return query


def clean_argument(text: str, what: str) -> str:
    """An id, slug or region ready for look-up, or a usage error naming `what` was expected."""
    value = without_controls(from_argv(text)).strip()
    if not value:
        raise UsageError(f"the {what} is empty; see 'tp --help'")
    longest = MAX_NUMBER_DIGITS if value.isascii() and value.isdigit() else MAX_ARGUMENT_CHARS
    if len(value) > longest:
        raise UsageError(
            f"the {what} is {len(value):,} characters long; at most {longest:,} make sense"
        )
    return value


def clean_filter(value: str | None, option: str) -> str | None:
    """A filter's value ready for look-up; a blank one is left for the look-up to explain."""
    return value if value is None or not value.strip() else clean_argument(value, f"{option} value")


def clean_choices(
    given: Sequence[str] | None, choices: Sequence[str], option: str
) -> frozenset[str] | None:
    """The choices an option names, repeated or comma-separated (`--kind pilot,term`); None: all."""
    if not given:
        return None
    named = {part.strip().lower() for value in given for part in value.split(",")} - {""}
    unknown = sorted(named - set(choices))
    if unknown or not named:
        shown = ", ".join(unknown) or "''"
        raise UsageError(f"unknown {option} {shown}; choose from: {', '.join(choices)}")
    return frozenset(named)
