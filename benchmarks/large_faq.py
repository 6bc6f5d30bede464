"""Write a synthetic FAQ of N entries (default 10,000, about 7 MB of YAML) for benchmarks.

The words are drawn from the real FAQ so that search sees realistic vocabulary; the text is
meaningless and never shipped. Usage: python benchmarks/large_faq.py OUT_DIR [N]
"""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

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


if __name__ == "__main__":
    out = write_large_faq(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 10_000)
    print(f"{out}: {out.stat().st_size / 1e6:.1f} MB")
