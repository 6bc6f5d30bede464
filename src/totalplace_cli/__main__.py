"""The console script's entry point, and `python -m totalplace_cli`; tiny, so that Ctrl-C while
Typer and our modules are still importing ends as `tp: interrupted` (130) like any later one."""

import contextlib
import sys


def main() -> None:
    """Import the CLI and run it."""
    try:
        from totalplace_cli.cli import run
    except KeyboardInterrupt:
        with contextlib.suppress(OSError, AttributeError, ValueError):  # stderr may be closed
            sys.stderr.write("tp: interrupted\n")
        raise SystemExit(130) from None
    raise SystemExit(run())


if __name__ == "__main__":
    main()
