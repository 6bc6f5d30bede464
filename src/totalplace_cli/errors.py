"""Exit codes, and the errors a user can cause: raised as `TpError` anywhere below the CLI, shown
at its boundary as one line on stderr with the error's exit code (bugs are not caught there)."""

from __future__ import annotations

import contextlib
import sys
from enum import IntEnum


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
