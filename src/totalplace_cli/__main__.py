"""The console script's entry point, and `python -m totalplace_cli`.

Deliberately tiny: Ctrl-C while Typer, Rich and our modules are still importing must end as
`tp: interrupted` (exit 130) like Ctrl-C at any later moment, so the import happens in here.
"""

import contextlib
import sys


def main() -> None:
    """Import the CLI and run it; an interrupt during the import ends as one at any other time."""
    try:
        from totalplace_cli.cli import main as run
    except KeyboardInterrupt:
        with contextlib.suppress(OSError, AttributeError, ValueError):  # stderr may be closed
            sys.stderr.write("tp: interrupted\n")
        raise SystemExit(130) from None
    run()


if __name__ == "__main__":
    main()
