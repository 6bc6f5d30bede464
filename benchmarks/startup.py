"""Start-up of every command a person runs, against `python -c "import typer"` in the same venv.

Each command runs REPEAT times, interleaved with the others, on the bundled data with a warm
cache; medians of CPU time (and wall time) are compared with the goals: JSON output <= 1.35x,
text for a terminal <= 1.7x, `export html` <= 2.5x. Usage: python benchmarks/startup.py [--repeat N]
"""

from __future__ import annotations

import argparse
import atexit
import shutil
import sys
import tempfile
from pathlib import Path

from timing import TP, TYPER, environment, medians, verdict

COMMANDS = [
    ["questions"],
    ["show", "12"],
    ["ask", "savings"],
    ["pilots"],
    ["pilot", "kent"],
    ["regions"],
    ["themes"],
    ["glossary"],
    ["timeline"],
    ["facts"],
    ["info"],
    ["sources"],
]
JSON_LIMIT, TEXT_LIMIT, EXPORT_LIMIT = 1.35, 1.7, 2.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tp-bench-"))
    atexit.register(shutil.rmtree, work, ignore_errors=True)
    env = environment(XDG_CACHE_HOME=str(work / "cache"))
    cases: dict[str, tuple[list[str], bool]] = {"import typer": (TYPER, False)}
    for args in COMMANDS:
        cases[f"tp {' '.join(args)} --json"] = ([TP, *args, "--json"], False)
        cases[f"tp {' '.join(args)} (terminal)"] = ([TP, *args], True)
    cases["tp export html -o FILE"] = ([TP, "export", "html", "-o", str(work / "p.html")], False)
    found = medians(cases, env, options.repeat)
    typer = found["import typer"]
    print(f"tp start-up: {options.repeat} runs each, medians; Python {sys.version.split()[0]}")
    print(f"{'case':32} {'CPU':>9} {'ratio':>7} {'wall':>9} {'ratio':>7} {'peak RSS':>10}")
    for name, run in found.items():
        print(
            f"{name:32} {run.cpu * 1000:7.1f}ms {run.cpu / typer.cpu:6.2f}x "
            f"{run.wall * 1000:7.1f}ms {run.wall / typer.wall:6.2f}x {run.peak / 1024:8.1f}MB"
        )
    print()
    for name, run in found.items():
        if name == "import typer":
            continue
        limit = JSON_LIMIT if "--json" in name else TEXT_LIMIT
        limit = EXPORT_LIMIT if "export" in name else limit
        print(verdict(name, run.cpu / typer.cpu, limit))


if __name__ == "__main__":
    main()
