"""The console script's entry point, and `python -m totalplace_cli`: the one place where errors
become a line on stderr and an exit code. Tiny at import, so that Ctrl-C while Typer and our
modules are still importing ends as `tp: interrupted` (130) like any later one."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import re
import sys
from collections.abc import Sequence
from enum import Enum
from typing import Any

from totalplace_cli.streams import ExitCode, TpError, report

# Write errors of a full disk, a failing device, a size limit or a closed stdout (`>/dev/full`,
# `ulimit -f`, `>&-`).
OUTPUT_ERRNOS = frozenset(
    {errno.ENOSPC, errno.EIO, errno.EFBIG, errno.EBADF, getattr(errno, "EDQUOT", errno.ENOSPC)}
)


def main() -> None:
    """Import the CLI and run it."""
    import gc

    # A run lasts seconds and its records hold no cycles: the cycle collector would only rescan
    # them, again and again as they grow (a third of `tp pilots --json` over 50,000 pilots).
    gc.disable()
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
        message, path = plain_usage(error, typer.main.get_command(app))
        hint = f" (try '{path} --help')" if path else ""
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


def plain_usage(error: Any, group: Any) -> tuple[str, str]:
    """Click's usage error in plain words, and the command it is about: what a wrong or missing
    value should be (its choices, a whole number, or its help), or the options there are."""
    from totalplace_cli.lookup import closest  # RapidFuzz, as for commands; only on an error

    context, param = getattr(error, "ctx", None), getattr(error, "param", None)
    name = getattr(error, "option_name", None)
    path, command = (context.command_path, context.command) if context else ("tp", group)
    if context is None:  # Click's parser names only the option that lacks a value: whose is it?
        commands = [("tp", group), *((f"tp {n}", c) for n, c in group.commands.items())]
        owners = [(p, c, x) for p, c in commands for x in c.params if name in x.opts]
        path, command, param = owners[0] if len(owners) == 1 else (path, command, None)
    options = [max(p.opts, key=len) for p in command.params if p.param_type_name == "option"]
    listed = "its options: " + ", ".join(options)
    if type(error).__name__ == "NoSuchOption":  # Click's classes, which Typer does not re-export
        close = [f"did you mean {option}?" for option in closest(error.option_name, options)]
        return f"{path} has no option {name}; {(close or [listed])[0]}", path
    extra = re.match(r"Got unexpected extra argument\S* \((.*)\)", str(error))
    if extra:  # `--region West Midlands`: one value's words; `tp pilots kent`: `tp pilot kent`
        values = error.ctx.params  # as far as Click has read them
        given = [p for p in command.params if isinstance(values.get(p.name), str)]
        hint = f"did you mean '{path[:-1]} {extra[1]}'?" if path[3:-1] in group.commands else listed
        for p in given if len(given) == 1 else []:
            option = f"{max(p.opts, key=len)} " * (p.param_type_name == "option")
            hint = f"if they go together, quote them: {path} {option}'{values[p.name]} {extra[1]}'"
        return f"unexpected '{extra[1]}' after {path}; {listed if given[1:] else hint}", path
    if param is None or getattr(param, "is_flag", False):
        # Click's messages may span lines ("Choose from:\n\thtml,\n\tmarkdown"): one line here.
        return " ".join(error.format_message().split()), path
    choices, whole, least = _accepted(param)
    what = " or ".join(filter(None, [", ".join(choices[:-1]), *choices[-1:]])) or param.help
    what = f"{param.metavar}: {what[:1].lower()}{what[1:].rstrip('.')}"
    if whole:
        what = f"a whole number such as {param.default}" + (f", at least {least}" if least else "")
    if param.param_type_name == "option":
        return f"{max(param.opts, key=len)} takes {what}", path
    example = re.search(r"^\s+(tp \S.*)$", command.help or "", re.MULTILINE)
    return f"{path} takes {what}" + (f"; for example: {example[1]}" if example else ""), path


def _accepted(param: Any) -> tuple[list[str], bool, int | None]:
    """What a parameter accepts: its choices, whether it is a whole number, and its least value.
    Typer 0.28 keeps these in Click's `type`, Typer 0.29 in the annotation and `min`."""
    kind = getattr(param, "type", None)
    if kind is not None:
        choices = [str(getattr(c, "value", c)) for c in getattr(kind, "choices", [])]
        return choices, kind.name.startswith("int"), getattr(kind, "min", None)
    annotation = param.type_descriptor.annotation
    enum = isinstance(annotation, type) and issubclass(annotation, Enum)
    return (
        [str(c.value) for c in annotation] if enum else [],
        annotation is int,
        getattr(param, "min", None),
    )


def _discard_stdout() -> None:
    """Stdout cannot take more (closed pipe, full disk): point it at /dev/null, or what is still
    buffered fails again when Python flushes at exit, with a traceback. Tests have no descriptor."""
    with contextlib.suppress(OSError, ValueError, AttributeError, io.UnsupportedOperation):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


if __name__ == "__main__":
    main()
