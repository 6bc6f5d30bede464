"""Start-up cost of `tp` as instructions executed, counted by valgrind: the same on a busy machine.

CPU times (`benchmarks/startup.py`) move with the machine's load; the instructions a process
executes barely do, so their ratios to a bare `import typer` show a change of a few per cent.
Needs valgrind (`apt-get install valgrind`); each case runs once under callgrind, about 50 times
slower than usual. Every command of `benchmarks/startup.py`, with the same goals.
Usage: python benchmarks/instructions.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from startup import COMMANDS, EXPORT_LIMIT, JSON_LIMIT, TEXT_LIMIT
from timing import TP, TYPER, environment, verdict


def instructions(command: list[str], env: dict[str, str], terminal: bool = False) -> int:
    """User-space instructions that `command` executed (callgrind's total)."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        counted = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *command]
        if terminal:  # `script` gives the command a pseudo-terminal, as a person's shell would
            counted = ["script", "-qec", subprocess.list2cmdline(counted), "/dev/null"]
        subprocess.run(counted, env=env, check=True, capture_output=True)
        for line in out.read_text().splitlines():
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    raise RuntimeError(f"no total in callgrind's output for {command}")


def main() -> None:
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (apt-get install valgrind)")
    cache = tempfile.mkdtemp(prefix="tp-instructions-")
    env = environment(XDG_CACHE_HOME=cache)
    subprocess.run([TP, "ask", "savings", "--json"], env=env, check=True, capture_output=True)
    reference = instructions(TYPER, env)
    cases: dict[str, tuple[list[str], bool, float]] = {}
    for args in COMMANDS:
        cases[f"tp {' '.join(args)} --json"] = ([TP, *args, "--json"], False, JSON_LIMIT)
        cases[f"tp {' '.join(args)} (terminal)"] = ([TP, *args], True, TEXT_LIMIT)
    export = [TP, "export", "html", "-o", f"{cache}/page.html"]
    cases["tp export html -o FILE"] = (export, False, EXPORT_LIMIT)
    print(f"{'case':32} {'instructions':>14} {'ratio':>7}")
    print(f"{'python -c import typer':32} {reference:14,} {1:7.2f}x")
    verdicts = []
    for name, (command, terminal, limit) in cases.items():
        count = instructions(command, env, terminal)
        print(f"{name:32} {count:14,} {count / reference:7.2f}x")
        verdicts.append(verdict(name, count / reference, limit))
    print("", *verdicts, sep="\n")
    shutil.rmtree(cache, ignore_errors=True)


if __name__ == "__main__":
    main()
