"""Shared by the benchmarks: run `tp` as a person would and measure it (CPU, wall, peak memory).

CPU time (user + system, from the kernel's accounting of each child) moves far less than the
wall clock on a shared machine; both are reported. Children never inherit
PYTHONDONTWRITEBYTECODE: an installed tp runs from compiled bytecode, and so must a benchmark.
"""

from __future__ import annotations

import os
import pty
import statistics
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

BIN = Path(sys.executable).parent
TP = str(BIN / "tp")
TYPER = [sys.executable, "-c", "import typer"]


class Run(NamedTuple):
    """One run of a command: wall and CPU seconds, peak RSS in KiB."""

    wall: float
    cpu: float
    peak: int


def environment(**extra: str) -> dict[str, str]:
    """The environment of a person's shell: no tp variables, bytecode written and read."""
    env = {**os.environ, "COLUMNS": "100", **extra}
    for name in ("TP_DATA_DIR", "TP_NO_CACHE", "TP_CACHE_DIR", "PYTHONDONTWRITEBYTECODE"):
        env.pop(name, None)
    return env


def run_once(command: list[str], env: dict[str, str], terminal: bool = False) -> Run:
    """Wall time, CPU time and peak memory of one run of `command` (its output discarded; with
    `terminal`, stdout is a pseudo-terminal, so tp renders for a person)."""
    import time

    started = time.perf_counter()
    if terminal:
        leader, follower = pty.openpty()
        process = subprocess.Popen(command, stdout=follower, stderr=follower, env=env)
        os.close(follower)
        while True:
            try:
                if not os.read(leader, 65536):
                    break
            except OSError:
                break
        os.close(leader)
    else:
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
        )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"failed: {' '.join(command)}")
    return Run(elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)


def medians(
    cases: dict[str, tuple[list[str], bool]], env: dict[str, str], repeat: int
) -> dict[str, Run]:
    """Median CPU and wall time, and the highest peak memory, of each case, the cases run in
    turn `repeat` times (after one warming run each) so that machine noise hits all alike."""
    for command, terminal in cases.values():
        run_once(command, env, terminal)
    runs: dict[str, list[Run]] = {name: [] for name in cases}
    for _ in range(repeat):
        for name, (command, terminal) in cases.items():
            runs[name].append(run_once(command, env, terminal))
    return {
        name: Run(
            statistics.median(run.wall for run in found),
            statistics.median(run.cpu for run in found),
            max(run.peak for run in found),
        )
        for name, found in runs.items()
    }


def verdict(label: str, value: float, limit: float, unit: str = "x") -> str:
    """One line of a goal: met or MISSED, the figure and the limit."""
    mark = "met   " if value <= limit else "MISSED"
    return f"{mark} {label:48} {value:7.2f}{unit} (goal <= {limit}{unit})"


def written_by_a_child(script: str, folder: Path, count: int) -> Path:
    """`folder`, with the synthetic file `script --write` puts there, written by another process:
    this one stays small, and so does the peak memory the kernel reports for the processes it
    starts (a child's count starts from its parent's)."""
    command = [sys.executable, script, "--write", str(folder), "--count", str(count)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return folder
