#!/usr/bin/env python3
"""Search quality of `tp ask`: top-1, MRR@5 and off-topic rejection on query files, in-process.

usage: python benchmarks/ask_quality.py [--verbose] [QUERY_FILE ...]
By default: ../shared/eval/ask_dev.tsv (the shared dev set), tests/data/ask_extra.tsv and
tests/data/off_topic.tsv (our own). A query file is a TSV of: query, expected question(s)
separated by " | " (or "-": the FAQ has no answer, so nothing may match), kind. Questions are
compared after lower-casing and dropping punctuation, as ../shared/eval/score_ask.py does.
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import sys
from pathlib import Path
from typing import NamedTuple

REPO = Path(__file__).resolve().parents[1]
SHARED = next(
    (p / "shared" for p in (REPO.parent, REPO.parent.parent) if (p / "shared").is_dir()),
    REPO.parent / "shared",
)
DEFAULT_FILES = [
    SHARED / "eval" / "ask_dev.tsv",
    REPO / "tests" / "data" / "ask_extra.tsv",
    REPO / "tests" / "data" / "off_topic.tsv",
]
sys.path.insert(0, str(REPO / "src"))

from totalplace_cli.data import bundled_data_dir, load_search_index  # noqa: E402
from totalplace_cli.search import rank_answers  # noqa: E402

NO_ANSWER = "-"


class Query(NamedTuple):
    text: str
    expected: frozenset[str]  # empty: off-topic, nothing may match
    kind: str


class Quality(NamedTuple):
    top1: float  # over on-topic queries
    mrr: float
    count: int
    rejected: int  # off-topic queries that got no result
    off_topic: int
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
            wanted = [] if expected == NO_ANSWER else expected.split(" | ")
            rows.append(Query(text, frozenset(normalise(e) for e in wanted), kind))
    return rows


def measure(database: sqlite3.Connection, queries: list[Query]) -> Quality:
    """Top-1 accuracy and mean reciprocal rank over the first five results of on-topic queries;
    how many off-topic queries found nothing."""
    top1 = reciprocal = 0.0
    rejected = 0
    misses = []
    for query in queries:
        ranked = [normalise(r.entry.question) for r in rank_answers(database, query.text, 5)]
        if not query.expected:
            rejected += not ranked
            if ranked:
                misses.append(f"{query.kind:10s} {query.text!r}: answered {ranked[:1]}")
            continue
        rank = next((i for i, q in enumerate(ranked) if q in query.expected), None)
        if rank is not None:
            top1 += rank == 0
            reciprocal += 1 / (rank + 1)
        if rank != 0:
            where = rank + 1 if rank is not None else ">5"
            misses.append(f"{query.kind:10s} {query.text!r}: rank {where}; first {ranked[:1]}")
    off_topic = sum(not query.expected for query in queries)
    count = len(queries) - off_topic
    return Quality(
        top1 / max(count, 1), reciprocal / max(count, 1), count, rejected, off_topic, misses
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, default=DEFAULT_FILES)
    parser.add_argument("--verbose", action="store_true", help="list every query not ranked first")
    args = parser.parse_args()
    database = load_search_index(bundled_data_dir() / "faq.yaml")
    for path in args.files:
        if not path.exists():
            print(f"{path}: not found, skipped")
            continue
        quality = measure(database, read_queries(path))
        line = f"{path.name}: top-1 {quality.top1:.2f}  MRR@5 {quality.mrr:.2f}  "
        line += f"({quality.count} queries)"
        if quality.off_topic:
            line += f"  off-topic rejected {quality.rejected}/{quality.off_topic}"
        print(line)
        if args.verbose:
            for miss in quality.misses:
                print(f"  {miss}")


if __name__ == "__main__":
    main()
