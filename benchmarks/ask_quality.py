#!/usr/bin/env python3
"""Search quality of `tp ask`: top-1 accuracy and MRR@5 on query files, searched in-process.

usage: python benchmarks/ask_quality.py [--verbose] [QUERY_FILE ...]
By default: ../shared/eval/ask_dev.tsv (the shared dev set) and tests/data/ask_extra.tsv (our own).
A query file is a TSV of: query, expected question(s) separated by " | ", kind. Questions are
compared after lower-casing and dropping punctuation, as ../shared/eval/score_ask.py does.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_FILES = [
    REPO.parent / "shared" / "eval" / "ask_dev.tsv",
    REPO / "tests" / "data" / "ask_extra.tsv",
]
sys.path.insert(0, str(REPO / "src"))

from totalplace_cli.data import bundled_data_dir, load_faq  # noqa: E402
from totalplace_cli.search import SearchIndex, build_index, rank_answers  # noqa: E402


@dataclass(frozen=True)
class Query:
    text: str
    expected: frozenset[str]
    kind: str


@dataclass(frozen=True)
class Quality:
    top1: float
    mrr: float
    count: int
    misses: list[str]


def normalise(question: str) -> str:
    """The comparison score_ask.py uses: lower case, punctuation dropped."""
    return re.sub(r"[^a-z0-9]+", " ", question.lower().replace("\u2019", "'")).strip()


def read_queries(path: Path) -> list[Query]:
    """The rows of one query file (comments and blank lines skipped)."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            text, expected, kind = line.split("\t")
            rows.append(Query(text, frozenset(normalise(e) for e in expected.split(" | ")), kind))
    return rows


def measure(index: SearchIndex, queries: list[Query]) -> Quality:
    """Top-1 accuracy and mean reciprocal rank over the first five results."""
    top1 = reciprocal = 0.0
    misses = []
    for query in queries:
        ranked = [normalise(r.entry.question) for r in rank_answers(index, query.text, limit=5)]
        rank = next((i for i, q in enumerate(ranked) if q in query.expected), None)
        if rank is not None:
            top1 += rank == 0
            reciprocal += 1 / (rank + 1)
        if rank != 0:
            where = rank + 1 if rank is not None else ">5"
            misses.append(f"{query.kind:10s} {query.text!r}: rank {where}; first {ranked[:1]}")
    count = len(queries)
    return Quality(top1 / count, reciprocal / count, count, misses)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, default=DEFAULT_FILES)
    parser.add_argument("--verbose", action="store_true", help="list every query not ranked first")
    args = parser.parse_args()
    index = build_index(load_faq(bundled_data_dir() / "faq.yaml"))
    for path in args.files:
        if not path.exists():
            print(f"{path}: not found, skipped")
            continue
        quality = measure(index, read_queries(path))
        print(
            f"{path.name}: top-1 {quality.top1:.2f}  MRR@5 {quality.mrr:.2f}  "
            f"({quality.count} queries)"
        )
        if args.verbose:
            for miss in quality.misses:
                print(f"  {miss}")


if __name__ == "__main__":
    main()
