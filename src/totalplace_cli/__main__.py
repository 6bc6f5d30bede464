"""The console script's entry point, and `python -m totalplace_cli`: the one place where errors
become a line on stderr and an exit code. Tiny at import, so that Ctrl-C while Typer and our
modules are still importing ends as `tp: interrupted` (130) like any later one."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import sys
from collections.abc import Sequence

from totalplace_cli.errors import ExitCode, TpError, report

# Write errors of a full disk, a failing device, a size limit or a closed stdout (`>/dev/full`,
# `ulimit -f`, `>&-`).
OUTPUT_ERRNOS = frozenset(
    {errno.ENOSPC, errno.EIO, errno.EFBIG, errno.EBADF, getattr(errno, "EDQUOT", errno.ENOSPC)}
)


def main() -> None:
    """Import the CLI and run it."""
    try:
        import totalplace_cli.cli  # noqa: F401 (what `run` needs, imported while Ctrl-C is caught)
    except KeyboardInterrupt:
        with contextlib.suppress(OSError, AttributeError, ValueError):  # stderr may be closed
            sys.stderr.write("tp: interrupted\n")
        raise SystemExit(130) from None
    raise SystemExit(run())


def run(args: Sequence[str] | None = None) -> int:
    """Run `tp` and return its exit code. Typer's errors reach us as exceptions in its
    non-standalone mode, as in httpie's `raw_main`; a bug still shows its traceback."""
    import typer

    from totalplace_cli.cli import app

    # `tp >&-` or `2>&-` leave the stream None. Opening /dev/null takes the free descriptor, so no
    # file tp opens lands on 1 or 2; read-only for stdout, so output written there still fails
    # (EBADF, exit 74) while a command that prints nothing succeeds. Stderr's lines are dropped.
    for name, flags in (("stdout", os.O_RDONLY), ("stderr", os.O_WRONLY)):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.open(os.devnull, flags), "w", encoding="utf-8"))  # noqa: SIM115
    stdout, stderr = sys.stdout, sys.stderr
    try:
        try:
            result = app(args=args, prog_name="tp", standalone_mode=False)
        except SystemExit:
            if sys.stdout is not stdout:
                # Typer's own answer to a closed pipe: it swaps stdout and exits 1. Ours is 141.
                sys.stdout, sys.stderr = stdout, stderr
                raise BrokenPipeError from None
            raise  # shell completion ends this way
        if result == ExitCode.INTERRUPTED:  # Typer returns Ctrl-C in a command as exit 130
            raise KeyboardInterrupt
        sys.stdout.flush()  # short outputs meet a closed pipe or a full disk only here
        return result if isinstance(result, int) else ExitCode.OK
    except TpError as error:
        return report(str(error), error.exit_code)
    except typer.TyperException as error:  # Click's usage errors, as Typer re-exports their base
        context = getattr(error, "ctx", None)
        hint = "" if context is None else f" (try '{context.command_path} --help')"
        # Click's messages may span lines ("Choose from:\n\thtml,\n\tmarkdown"): one line here.
        message = " ".join(error.format_message().split())
        return report(f"{message}{hint}", getattr(error, "exit_code", ExitCode.USAGE))
    except (KeyboardInterrupt, typer.Abort):
        return report("interrupted", ExitCode.INTERRUPTED)
    except BrokenPipeError:
        _discard_stdout()
        return ExitCode.BROKEN_PIPE
    except OSError as error:
        if error.errno not in OUTPUT_ERRNOS:
            raise  # not about our output: a bug, which must show
        _discard_stdout()
        closed = error.errno == errno.EBADF
        reason = "standard output is closed" if closed else error.strerror
        return report(f"cannot write the output: {reason}", ExitCode.OUTPUT)


def _discard_stdout() -> None:
    """Stdout cannot take more (closed pipe, full disk): point it at /dev/null, or what is still
    buffered fails again when Python flushes at exit, with a traceback. Tests have no descriptor."""
    with contextlib.suppress(OSError, ValueError, AttributeError, io.UnsupportedOperation):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


if __name__ == "__main__":
    main()
