"""Exit codes, and the errors a user can cause: raised as `TpError` anywhere below the CLI, shown
at its boundary as one line on stderr with the error's exit code (bugs are not caught there)."""

from __future__ import annotations

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
