"""Start-up cost of `tp` as instructions executed, counted by valgrind: the same on a busy machine.

CPU times (`benchmarks/startup.py`) move with the machine's load; the instructions a process
executes barely do, so their ratios to a bare `import typer` show a change of a few per cent.
Needs valgrind (`apt-get install valgrind`); each case runs once under callgrind, about 50 times
slower than usual. Usage: python benchmarks/instructions.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BIN = Path(sys.executable).parent
TP = str(BIN / "tp")


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
    env = {**os.environ, "XDG_CACHE_HOME": cache, "COLUMNS": "100"}
    for name in ("TP_DATA_DIR", "TP_NO_CACHE", "TP_CACHE_DIR"):
        env.pop(name, None)
    subprocess.run([TP, "ask", "savings", "--json"], env=env, check=True, capture_output=True)
    reference = instructions([sys.executable, "-c", "import typer"], env)
    cases = {
        "tp ask savings --json": ([TP, "ask", "savings", "--json"], False, 1.25),
        "tp ask savings (terminal)": ([TP, "ask", "savings"], True, 1.8),
    }
    print(f"{'case':30} {'instructions':>14} {'ratio':>7}  goal")
    print(f"{'python -c import typer':30} {reference:14,} {1:7.2f}x")
    for name, (command, terminal, goal) in cases.items():
        count = instructions(command, env, terminal)
        ratio = count / reference
        verdict = "met" if ratio <= goal else "MISSED"
        print(f"{name:30} {count:14,} {ratio:7.2f}x  <= {goal}x {verdict}")
    shutil.rmtree(cache, ignore_errors=True)


if __name__ == "__main__":
    main()
