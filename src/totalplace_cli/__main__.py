"""Allow `python -m totalplace_cli`."""

from totalplace_cli.cli import main

main()
