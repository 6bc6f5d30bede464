"""50,000 pilots: `tp pilot ID`, `tp pilots --json` and `tp pilots | cat` on a synthetic file.

The pilots are drawn from the real vocabulary of data/pilots.yaml (names, regions, theme words,
categories, source URLs): about 8 MB of YAML, meaningless and never shipped. Each case runs with
a warm cache, interleaved with the others; medians of CPU time (user + system of the whole
pipeline) are compared with the goals: `tp pilot ID` <= 1.5x a bundled `tp pilot kent` (both
into a pipe), `tp pilots --json` <= 2.5 s, `tp pilots | cat` <= 6 s. The first run (which
builds the store) is reported too. Usage: python benchmarks/large_pilots.py [--repeat N]
[--count N]; or python benchmarks/large_pilots.py --write OUT_DIR to write the file only.
"""

from __future__ import annotations

import argparse
import atexit
import random
import re
import shutil
import tempfile
from pathlib import Path

from timing import TP, environment, medians, run_once, verdict, written_by_a_child

REPO = Path(__file__).resolve().parents[1]
PILOT_RATIO, JSON_SECONDS, PIPE_SECONDS = 1.5, 2.5, 6.0


def write_large_pilots(folder: Path, count: int = 50_000, seed: int = 2009) -> Path:
    """Write `folder/pilots.yaml` with `count` pilots (and the real categories); return its path.

    Each pilot has a name and a region; one in two has one theme of 2-5 real theme words citing
    a page the real pilots cite (by its id in the bundled sources.yaml), that page in `sources`,
    and one or two categories.
    """
    import yaml  # only the child that writes the file needs it

    rng = random.Random(seed)
    text = (REPO / "data" / "pilots.yaml").read_text(encoding="utf-8")
    real = yaml.safe_load(text)
    names = [pilot["name"] for pilot in real["pilots"]]
    regions = sorted({pilot["region"] for pilot in real["pilots"]})
    categories = [category["id"] for category in real["categories"]]
    cited = sorted({source for pilot in real["pilots"] for source in pilot.get("sources") or ()})
    themes = [theme["text"] for pilot in real["pilots"] for theme in pilot.get("themes") or ()]
    words = re.findall(r"[A-Za-z]+", " ".join(themes))
    lines = [text[: text.index("\npilots:")], "pilots:"]
    for number in range(1, count + 1):
        name = rng.choice(names)
        slug = re.sub(r"[^a-z]+", "-", name.lower()).strip("-")
        lines += [
            f"  - id: {slug}-{number}",
            f"    name: {name} {number}",
            f"    region: {rng.choice(regions)}",
        ]
        if rng.random() < 0.5:  # like the real ones, many pilots have a sourced theme
            theme = " ".join(rng.choices(words, k=rng.randint(2, 5))).capitalize()
            source = rng.choice(cited)
            lines.append(f"    themes: [{{text: {theme}, source: {source}}}]")
            lines.append(
                f"    categories: [{', '.join(rng.sample(categories, rng.randint(1, 2)))}]"
            )
            lines.append(f"    sources: [{source}]")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "pilots.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--count", type=int, default=50_000)
    parser.add_argument("--write", metavar="OUT_DIR", help="only write the file into OUT_DIR")
    options = parser.parse_args()
    if options.write:
        path = write_large_pilots(Path(options.write), options.count)
        print(f"{path}: {path.stat().st_size / 1e6:.1f} MB")
        return
    work = Path(tempfile.mkdtemp(prefix="tp-bench-pilots-"))
    atexit.register(shutil.rmtree, work, ignore_errors=True)
    path = written_by_a_child(__file__, work / "data", options.count) / "pilots.yaml"
    large = [TP, "--data-dir", str(path.parent)]
    with path.open(encoding="utf-8") as lines:  # the pilot in the middle of the file
        wanted = f"-{options.count // 2}\n"
        middle = next(
            line[8:-1] for line in lines if line.startswith("  - id: ") and line.endswith(wanted)
        )
    first = run_once([*large, "pilot", middle], environment(XDG_CACHE_HOME=str(work / "first")))
    pipe = ["bash", "-c", '"$@" pilots | cat >/dev/null', "bash", *large]
    cases: dict[str, tuple[list[str], bool]] = {
        "bundled: tp pilot kent": ([TP, "pilot", "kent"], False),
        f"large: tp pilot {middle}": ([*large, "pilot", middle], False),
        "large: tp pilots --json": ([*large, "pilots", "--json"], False),
        "large: tp pilots | cat": (pipe, False),
    }
    found = medians(cases, environment(XDG_CACHE_HOME=str(work / "cache")), options.repeat)
    size = path.stat().st_size / 1e6
    print(f"{options.count:,} pilots, {size:.1f} MB of YAML; {options.repeat} warm runs, medians")
    print(f"{'case':44} {'CPU':>9} {'wall':>9} {'peak RSS':>10}")
    for name, run in {"large: first run (builds the store)": first, **found}.items():
        print(f"{name:44} {run.cpu:8.2f}s {run.wall:8.2f}s {run.peak / 1024:8.1f}MB")
    print()
    bundled, one, listing, piped = found.values()
    print(verdict(f"tp pilot {middle} / bundled tp pilot kent", one.cpu / bundled.cpu, PILOT_RATIO))
    print(verdict("tp pilots --json", listing.cpu, JSON_SECONDS, "s"))
    print(verdict("tp pilots | cat", piped.cpu, PIPE_SECONDS, "s"))


if __name__ == "__main__":
    main()
