"""Print how fast, and in how much memory, `tp` refuses hostile data files.

Usage: python benchmarks/hostile_data.py [path/to/tp]

Each case runs the console script in a fresh process (`tp --data-dir DIR questions`) and prints its
exit code, wall time and peak resident memory, next to the same figures for the bundled data.
Figures, not assertions: the tests only check that each case fails cleanly and in time.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MEASURE = """
import resource, subprocess, sys
result = subprocess.run(sys.argv[1:], capture_output=True)
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(result.returncode, peak_kib, result.stderr.decode("utf-8", "replace").strip()[:90])
"""


def billion_laughs(levels: int = 9) -> str:
    lines = ['lol0: &lol0 "lol"']
    for level in range(1, levels + 1):
        lines.append(f"lol{level}: &lol{level} [" + ", ".join([f"*lol{level - 1}"] * 10) + "]")
    return "\n".join([*lines, f"entries: [*lol{levels}]"]) + "\n"


FIFO = b"<a named pipe with no writer>"  # made with os.mkfifo: must be refused, not waited on
LOOP = b"<a symbolic link to itself>"


def cases() -> dict[str, bytes | None]:
    many = "entries:\n" + "".join(
        f"  - {{id: {n}, slug: q-{n}, question: Q{n}?, answer: A{n}.}}\n" for n in range(1, 60_001)
    )
    return {
        "bundled data (baseline)": None,
        "alias bomb (10^9 values if expanded)": billion_laughs().encode(),
        "nesting 100,000 deep (flow)": b"entries: " + b"[" * 100_000,
        "nesting 500 deep (block)": "".join("  " * n + "- \n" for n in range(500)).encode(),
        "python tag": b"entries: [!!python/object/apply:os.system ['true']]\n",
        "binary (NUL bytes)": b"\x00" * 1000,
        "11 MiB file": b"entries: []\n" + b"#" * (11 * 1024 * 1024),
        f"60,000 valid entries ({len(many) // 1024} KiB)": many.encode(),
        "named pipe (FIFO) as faq.yaml": FIFO,
        "symbolic link loop as faq.yaml": LOOP,
    }


def main() -> None:
    tp = sys.argv[1] if len(sys.argv) > 1 else shutil.which("tp")
    if tp is None:
        sys.exit("tp is not on PATH; pass its path")
    rows = []
    for name, content in cases().items():
        with tempfile.TemporaryDirectory() as folder:
            args = [tp, "questions", "--json"]
            if content is not None:
                target = Path(folder) / "faq.yaml"
                if content is FIFO:
                    os.mkfifo(target)
                elif content is LOOP:
                    target.symlink_to(target)
                else:
                    target.write_bytes(content)
                args = [tp, "--data-dir", folder, "questions", "--json"]
            start = time.perf_counter()
            measured = subprocess.run(
                [sys.executable, "-c", MEASURE, *args],
                capture_output=True,
                text=True,
                timeout=300,
                check=True,
            )
            elapsed = time.perf_counter() - start
        code, peak_kib, message = measured.stdout.strip().split(" ", 2) + [""] * (
            3 - len(measured.stdout.strip().split(" ", 2))
        )
        rows.append(
            {
                "case": name,
                "exit": int(code),
                "seconds": round(elapsed, 3),
                "peak_mib": round(int(peak_kib) / 1024, 1),
                "stderr": message.removeprefix("tp: ").split(": ", 1)[-1],
            }
        )
        figures = f"exit {code:>3}  {elapsed:6.3f} s  {int(peak_kib) / 1024:7.1f} MiB"
        print(f"{name:<40} {figures}  {rows[-1]['stderr']}")
    if "--json" in sys.argv:
        print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
