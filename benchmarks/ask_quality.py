#!/usr/bin/env python3
"""Search quality of `tp ask`: top-1, MRR@5 and off-topic rejection on query files, in-process.

usage: python benchmarks/ask_quality.py [--verbose] [QUERY_FILE ...]
By default: ../shared/eval/ask_dev.tsv (the shared dev set), tests/data/ask_extra.tsv,
ask_natural.tsv, off_topic.tsv and ask_kinds.tsv (our own). A query file is a TSV of: query,
expected question(s) separated by " | " (or "-": the data has no answer, so nothing may match),
kind. Questions are compared after lower-casing and dropping punctuation, as
../shared/eval/score_ask.py does, and searched with `--kind faq` as it does; a file whose
expectations are KIND:KEY (ask_kinds.tsv) is searched over every kind, as `tp ask` is by default.
Off-topic rejection is reported for both the FAQ alone and every kind.
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
    REPO / "tests" / "data" / "ask_natural.tsv",
    REPO / "tests" / "data" / "off_topic.tsv",
    REPO / "tests" / "data" / "ask_kinds.tsv",
]
sys.path.insert(0, str(REPO / "src"))

from totalplace_cli.loading import resolve_data_files  # noqa: E402
from totalplace_cli.search import KINDS, SearchResult, search  # noqa: E402
from totalplace_cli.store import use  # noqa: E402

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
            rows.append(Query(text, frozenset(map(normalise_expected, wanted)), kind))
    return rows


def normalise_expected(expected: str) -> str:
    """An expected FAQ question normalised, or a KIND:KEY kept as it is."""
    kind, colon, _ = expected.partition(":")
    return expected if colon and kind in KINDS else normalise(expected)


def identity(result: SearchResult) -> str:
    """How a result is compared with the expectations: KIND:KEY, or an FAQ question."""
    return f"{result.kind}:{result.key}"


def by_kind(queries: list[Query]) -> bool:
    """Whether a query file's expectations are KIND:KEY (searched over every kind)."""
    return any(":" in e and e.split(":")[0] in KINDS for q in queries for e in q.expected)


def measure(
    database: sqlite3.Connection, queries: list[Query], kinds: frozenset[str] | None = None
) -> Quality:
    """Top-1 accuracy and mean reciprocal rank over the first five results of on-topic queries;
    how many off-topic queries found nothing. Searched over `kinds` (None: every kind)."""
    keyed = by_kind(queries)
    top1 = reciprocal = 0.0
    rejected = 0
    misses = []
    for query in queries:
        found = search(database, query.text, 5, kinds).results
        ranked = [
            normalise(r.entry.question) if r.kind == "faq" and not keyed else identity(r)
            for r in found
        ]
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
    use(resolve_data_files(None, "bundled"), lambda data: report(data.database, args))


def report(database: sqlite3.Connection, args: argparse.Namespace) -> None:
    """One line of figures per query file, and with --verbose each miss."""
    for path in args.files:
        if not path.exists():
            print(f"{path}: not found, skipped")
            continue
        queries = read_queries(path)
        kinds = None if by_kind(queries) else frozenset({"faq"})
        quality = measure(database, queries, kinds)
        line = f"{path.name}: top-1 {quality.top1:.2f}  MRR@5 {quality.mrr:.2f}  "
        line += f"({quality.count} queries{'' if kinds is None else ', --kind faq'})"
        if quality.off_topic:
            line += f"  off-topic rejected {quality.rejected}/{quality.off_topic}"
            if kinds is not None:
                every = measure(database, queries, None)
                line += f" (every kind: {every.rejected}/{every.off_topic})"
                quality = quality._replace(misses=quality.misses + every.misses)
        print(line)
        if args.verbose:
            for miss in quality.misses:
                print(f"  {miss}")


if __name__ == "__main__":
    main()
