"""A 10,000-entry FAQ: `tp ask savings --json` on its first run and on later runs.

The FAQ is synthetic (about 8 MB of YAML): words drawn from the real FAQ, so that search sees
realistic vocabulary; the text is meaningless and never shipped. Each case runs REPEAT times,
interleaved; medians of CPU time are compared with a warm bundled `tp ask savings --json`: the
first run (which checks the files and builds the store) <= 12x, later runs <= 1.3x.
Usage: python benchmarks/large_faq.py [--repeat N] [--count N]; or
python benchmarks/large_faq.py --write OUT_DIR to write the file only.
"""

from __future__ import annotations

import argparse
import atexit
import random
import re
import shutil
import tempfile
from pathlib import Path

from timing import TP, Run, environment, run_once, verdict, written_by_a_child

FIRST_LIMIT, LATER_LIMIT = 12.0, 1.3
REPO = Path(__file__).resolve().parents[1]


def vocabulary() -> list[str]:
    """Words of the bundled FAQ, with their real frequencies."""
    text = (REPO / "data" / "faq.yaml").read_text(encoding="utf-8")
    return re.findall(r"[A-Za-z£0-9.\u2019]+", text)


def quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_large_faq(folder: Path, count: int = 10_000, seed: int = 2009) -> Path:
    """Write `folder/faq.yaml` with `count` entries and return its path."""
    rng = random.Random(seed)
    words = vocabulary()
    lines = ["version: 1", "entries:"]
    for number in range(1, count + 1):
        question = " ".join(rng.choices(words, k=rng.randint(6, 14))).capitalize() + "?"
        paragraphs = [" ".join(rng.choices(words, k=rng.randint(38, 62))) for _ in range(2)]
        lines += [
            f"  - id: {number}",
            f"    slug: question-{number}",
            f"    question: {quoted(question)}",
            "    answer: |-",
            f"      {paragraphs[0]}",
            "",
            f"      {paragraphs[1]}",
        ]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "faq.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--write", metavar="OUT_DIR", help="only write the file into OUT_DIR")
    options = parser.parse_args()
    if options.write:
        out = write_large_faq(Path(options.write), options.count)
        print(f"{out}: {out.stat().st_size / 1e6:.1f} MB")
        return
    work = Path(tempfile.mkdtemp(prefix="tp-bench-faq-"))
    atexit.register(shutil.rmtree, work, ignore_errors=True)
    path = written_by_a_child(__file__, work / "data", options.count) / "faq.yaml"
    bundled = [TP, "ask", "savings", "--json"]
    large = [TP, "--data-dir", str(path.parent), "ask", "savings", "--json"]
    warm, fresh = environment(XDG_CACHE_HOME=str(work / "cache")), work / "fresh"
    run_once(bundled, warm)  # warm both caches (the English word list too)
    run_once(large, warm)
    runs: dict[str, list[Run]] = {"bundled": [], "first": [], "later": []}
    for _ in range(options.repeat):
        runs["bundled"].append(run_once(bundled, warm))
        shutil.rmtree(fresh, ignore_errors=True)  # no store: the run checks and builds it all
        runs["first"].append(run_once(large, environment(XDG_CACHE_HOME=str(fresh))))
        runs["later"].append(run_once(large, warm))
    found = {name: median(found) for name, found in runs.items()}
    size = path.stat().st_size / 1e6
    print(f"{options.count:,} FAQ entries, {size:.1f} MB of YAML; {options.repeat} runs, medians")
    print(f"{'tp ask savings --json':32} {'CPU':>9} {'wall':>9} {'peak RSS':>10}")
    for name, run in found.items():
        label = {"bundled": "bundled, warm", "first": "large, first run", "later": "large, later"}
        print(
            f"{label[name]:32} {run.cpu * 1000:7.0f}ms {run.wall * 1000:7.0f}ms "
            f"{run.peak / 1024:8.1f}MB"
        )
    print()
    reference = found["bundled"].cpu
    print(verdict("large first run / bundled", found["first"].cpu / reference, FIRST_LIMIT))
    print(verdict("large later runs / bundled", found["later"].cpu / reference, LATER_LIMIT))


def median(runs: list[Run]) -> Run:
    """The median CPU and wall time of `runs`, and their highest peak memory."""
    import statistics

    return Run(
        statistics.median(run.wall for run in runs),
        statistics.median(run.cpu for run in runs),
        max(run.peak for run in runs),
    )


if __name__ == "__main__":
    main()
