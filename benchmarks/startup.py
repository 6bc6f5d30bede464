"""Start-up, large-data and memory figures for `tp`, measured on whole processes.

Runs every command REPEAT times, interleaved so that machine noise hits all alike, and prints
medians of the CPU time (user + system, from the kernel's accounting of each child: on a shared
machine it moves far less than the wall clock, which is printed too), ratios against the goals
of the project, and peak memory (max RSS of the process).
Usage: python benchmarks/startup.py [--repeat N] [--entries N]
"""

from __future__ import annotations

import argparse
import os
import pty
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

BIN = Path(sys.executable).parent
TP = str(BIN / "tp")


class Run(NamedTuple):
    """One run of a command: wall and CPU seconds, peak RSS in KiB."""

    wall: float
    cpu: float
    peak: int


def run_once(command: list[str], env: dict[str, str], terminal: bool = False) -> Run:
    """Wall time, CPU time (user + system) and peak memory of one run of `command`."""
    started = time.perf_counter()
    if terminal:  # stdout is a pseudo-terminal, so tp renders for a person (Rich)
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
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}")
    return Run(elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--entries", type=int, default=10_000)
    options = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="tp-bench-"))
    big = work / "big"
    # A child process writes the large FAQ, so this launcher stays small: the peak RSS that the
    # kernel reports for a child can include the launcher's memory at the moment it forks.
    script = Path(__file__).with_name("large_faq.py")
    subprocess.run(
        [sys.executable, str(script), str(big), str(options.entries)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    faq = big / "faq.yaml"
    warm_cache, cold_root = work / "cache", work / "cold"
    # XDG_CACHE_HOME, not TP_CACHE_DIR: a user's run finds its cache through platformdirs.
    base_env = {**os.environ, "XDG_CACHE_HOME": str(warm_cache), "COLUMNS": "100"}
    for name in ("TP_DATA_DIR", "TP_NO_CACHE", "TP_CACHE_DIR"):
        base_env.pop(name, None)

    cases: dict[str, tuple[list[str], bool, bool]] = {  # command, terminal, cold cache
        "python -c 'import typer'": ([sys.executable, "-c", "import typer"], False, False),
        "tp ask savings --json": ([TP, "ask", "savings", "--json"], False, False),
        "tp ask savings (terminal)": ([TP, "ask", "savings"], True, False),
        # A word the FAQ lacks loads RapidFuzz and the English word list (pyspellchecker).
        "tp ask savngs --json (corrects)": ([TP, "ask", "savngs", "--json"], False, False),
        "large FAQ, first run": (
            [TP, "--data-dir", str(big), "ask", "savings", "--json"],
            False,
            True,
        ),
        "large FAQ, later run": (
            [TP, "--data-dir", str(big), "ask", "savings", "--json"],
            False,
            False,
        ),
    }
    for command, terminal, _ in cases.values():  # warm the caches and the OS file cache
        run_once(command, base_env, terminal)
    runs: dict[str, list[Run]] = {name: [] for name in cases}
    for repeat in range(options.repeat):
        for name, (command, terminal, cold) in cases.items():
            env = base_env
            if cold:
                env = {**base_env, "XDG_CACHE_HOME": str(cold_root / str(repeat))}
            runs[name].append(run_once(command, env, terminal))

    cpu = {name: statistics.median(run.cpu for run in found) for name, found in runs.items()}
    wall = {name: statistics.median(run.wall for run in found) for name, found in runs.items()}
    memory = {name: max(run.peak for run in found) for name, found in runs.items()}
    reference = "python -c 'import typer'"
    print(
        f"tp benchmarks: {options.repeat} runs each, medians; large FAQ = {options.entries:,} "
        f"entries, {faq.stat().st_size / 1e6:.1f} MB of YAML; Python {sys.version.split()[0]}"
    )
    print(f"{'case':32} {'CPU':>9} {'ratio':>7} {'wall':>9} {'ratio':>7} {'peak RSS':>10}")
    for name in cases:
        print(
            f"{name:32} {cpu[name] * 1000:7.1f}ms {cpu[name] / cpu[reference]:6.2f}x "
            f"{wall[name] * 1000:7.1f}ms {wall[name] / wall[reference]:6.2f}x "
            f"{memory[name] / 1024:8.1f}MB"
        )
    print()
    print(f"{'goal':44} {'CPU':>8} {'wall':>8}")
    for label, measure, limit in (
        ("ask --json <= 1.25x import typer", _ratio("tp ask savings --json", reference), 1.25),
        ("terminal ask <= 1.8x import typer", _ratio("tp ask savings (terminal)", reference), 1.8),
        ("large first run <= 1.5 s", lambda t: t["large FAQ, first run"], 1.5),
        (
            "large later run <= 1.15x bundled run",
            _ratio("large FAQ, later run", "tp ask savings --json"),
            1.15,
        ),
    ):
        by_cpu, by_wall = measure(cpu), measure(wall)
        verdict = "met   " if by_cpu <= limit else "MISSED"
        print(f"{verdict} {label:37} {by_cpu:8.2f} {by_wall:8.2f}")
    peak = memory["large FAQ, first run"] / 1024
    verdict = "met   " if peak <= 150 else "MISSED"
    print(f"{verdict} {'large first run peak memory <= 150 MB':37} {peak:8.1f}")


def _ratio(name: str, reference: str) -> Callable[[dict[str, float]], float]:
    return lambda medians: medians[name] / medians[reference]


if __name__ == "__main__":
    main()
