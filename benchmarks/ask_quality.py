#!/usr/bin/env python3
"""Search quality of `tp ask`, in-process: both errors on every query set, per kind of query.

usage: python benchmarks/ask_quality.py [--verbose] [--holdout N] [QUERY_FILE ...]
By default: the shared sets (../shared/eval/ask_dev.tsv, ask_plain.tsv, off_topic_plain.tsv,
ask_kinds_plain.tsv) and our own (tests/data/*.tsv). A query file is a TSV of: query, expected,
kind of query. Expected is FAQ question(s) separated by " | " (searched with `--kind faq`),
KIND:KEY(s) (faq:12, pilot:kent, term:RIEP; searched over every kind), or "-" (off-topic: nothing
may match; searched over every kind), exactly as ../shared/eval/score_ask.py scores them.

For each file and each kind of query: top-1, MRR@5, false "no match" (an answerable query that
found nothing) and, for off-topic rows, how many were answered. With --holdout N, every N-th row
of each file (rows N-1, 2N-1, ...) is reported apart as a hold-out slice, the rest as "tune".
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import sys
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import NamedTuple

REPO = Path(__file__).resolve().parents[1]
SHARED = next(
    (p / "shared" for p in (REPO.parent, REPO.parent.parent) if (p / "shared").is_dir()),
    REPO.parent / "shared",
)
OWN = REPO / "tests" / "data"
DEFAULT_FILES = [
    SHARED / "eval" / "ask_dev.tsv",
    SHARED / "eval" / "ask_plain.tsv",
    SHARED / "eval" / "off_topic_plain.tsv",
    SHARED / "eval" / "ask_kinds_plain.tsv",
    *(OWN / name for name in ("ask_extra.tsv", "ask_natural.tsv", "off_topic.tsv")),
    *(OWN / name for name in ("ask_kinds.tsv", "ask_fresh.tsv", "ask_fresh_kinds.tsv")),
]
sys.path.insert(0, str(REPO / "src"))

from totalplace_cli.loading import resolve_data_files  # noqa: E402
from totalplace_cli.search import KINDS, SearchResult, search  # noqa: E402
from totalplace_cli.store import use  # noqa: E402

NO_ANSWER = "-"
FAQ_ONLY = frozenset({"faq"})


class Query(NamedTuple):
    text: str
    expected: frozenset[str]  # empty: off-topic, nothing may match
    kind: str
    kinds: frozenset[str] | None  # what `score_ask.py` searches: the FAQ, or every kind (None)


class Quality(NamedTuple):
    """Both errors of one set of queries."""

    count: int  # answerable queries
    top1: float
    mrr: float
    no_match: int  # answerable queries that found nothing
    off_topic: int  # off-topic queries
    answered: int  # off-topic queries that found something
    misses: list[str]

    @property
    def rejected(self) -> int:
        return self.off_topic - self.answered


def normalise(question: str) -> str:
    """The comparison score_ask.py uses: lower case, punctuation dropped."""
    return re.sub(r"[^a-z0-9]+", " ", question.lower().replace("\u2019", "'")).strip()


def is_keyed(expected: str) -> bool:
    """Whether an expectation is KIND:KEY rather than an FAQ question."""
    kind, colon, key = expected.partition(":")
    return bool(colon and key) and kind.lower() in KINDS


def read_queries(path: Path) -> list[Query]:
    """The rows of one query file (comments and blank lines skipped)."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            text, expected, kind = line.split("\t")[:3]
            wanted = [] if expected == NO_ANSWER else [e.strip() for e in expected.split(" | ")]
            keyed = all(map(is_keyed, wanted))  # off-topic rows too: searched over every kind
            found = frozenset(e if is_keyed(e) else normalise(e) for e in wanted)
            rows.append(Query(text, found, kind, None if keyed else FAQ_ONLY))
    return rows


def identity(result: SearchResult, keyed: bool) -> str:
    """How a result is compared with the expectations: KIND:KEY, or an FAQ question."""
    if result.kind == "faq" and not keyed:
        return normalise(result.entry.question)
    return f"{result.kind}:{result.key}"


def measure(
    database: sqlite3.Connection, queries: Iterable[Query], kinds: Collection[str] | None = ()
) -> Quality:
    """Top-1 and mean reciprocal rank over the first five results of answerable queries, and
    both errors. Each query is searched as score_ask.py does, unless `kinds` is given (None:
    every kind)."""
    top1 = reciprocal = 0.0
    count = no_match = off_topic = answered = 0
    misses = []
    for query in queries:
        searched = query.kinds if kinds == () else kinds
        found = search(database, query.text, 5, searched).results
        keyed = not query.expected or all(map(is_keyed, query.expected))
        ranked = [identity(result, keyed) for result in found]
        if not query.expected:
            off_topic += 1
            answered += bool(ranked)
            if ranked:
                misses.append(f"{query.kind:10s} {query.text!r}: off-topic, answered {ranked[0]}")
            continue
        count += 1
        no_match += not ranked
        rank = next((i for i, q in enumerate(ranked) if q in query.expected), None)
        if rank is not None:
            top1 += rank == 0
            reciprocal += 1 / (rank + 1)
        if rank != 0:
            where = rank + 1 if rank is not None else ">5"
            first = ranked[0] if ranked else "nothing (no match)"
            misses.append(f"{query.kind:10s} {query.text!r}: rank {where}; first {first}")
    share = max(count, 1)
    return Quality(count, top1 / share, reciprocal / share, no_match, off_topic, answered, misses)


def describe(quality: Quality) -> str:
    """One line of figures."""
    parts = []
    if quality.count:
        parts.append(
            f"top-1 {quality.top1:.2f}  MRR@5 {quality.mrr:.2f}  "
            f"no match {quality.no_match}/{quality.count}"
        )
    if quality.off_topic:
        parts.append(f"off-topic answered {quality.answered}/{quality.off_topic}")
    return "  ".join(parts)


def by_kind(queries: list[Query]) -> dict[str, list[Query]]:
    groups: dict[str, list[Query]] = {}
    for query in queries:
        groups.setdefault(query.kind, []).append(query)
    return groups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, default=DEFAULT_FILES)
    parser.add_argument("--verbose", action="store_true", help="list every query not ranked first")
    parser.add_argument("--holdout", type=int, default=0, metavar="N", help="every N-th row apart")
    parser.add_argument("--part", choices=["all", "tune", "holdout"], default="all")
    args = parser.parse_args()
    use(resolve_data_files(None, "bundled"), lambda data: report(data.database, args))


def report(database: sqlite3.Connection, args: argparse.Namespace) -> None:
    """Figures per query file and per kind of query; with --verbose each miss."""
    for path in args.files:
        if not path.exists():
            print(f"{path}: not found, skipped")
            continue
        queries = read_queries(path)
        slices = {"": queries}
        if args.holdout > 1:
            n = args.holdout
            slices = {
                " (tune)": [q for i, q in enumerate(queries) if i % n != n - 1],
                " (hold-out)": [q for i, q in enumerate(queries) if i % n == n - 1],
            }
            if args.part != "all":
                slices = {k: v for k, v in slices.items() if args.part.replace("-", "") in k}
        for label, rows in slices.items():
            quality = measure(database, rows)
            print(f"{path.name}{label}: {describe(quality)}")
            groups = by_kind(rows)
            if len(groups) > 1:
                for kind, own in groups.items():
                    print(f"    {kind:11s} {len(own):4d}  {describe(measure(database, own))}")
            if args.verbose:
                for miss in quality.misses:
                    print(f"      {miss}")


if __name__ == "__main__":
    main()
