"""Shared fixtures: `tp` run in-process through its own entry point; paths to shared material."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from totalplace_cli.cli import run as run_tp
from totalplace_cli.data import (
    KINDS,
    DataFiles,
    bundled_data_dir,
    file_name,
    load_pilot_catalogue,
    query_data_set,
)
from totalplace_cli.models import FaqEntry
from totalplace_cli.pilot_models import Pilot
from totalplace_cli.search import SearchResult, search
from totalplace_cli.store import build_database, open_cached, read_faq_entries

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SHARED_COPY = REPO / "tests" / "data" / "shared"
"""Copies of the shared material the suite reads (seed page, research notes, dev set), laid out as
in ../shared/, so that a clone without the workspace still runs every test; test_data.py checks
they are byte-identical to ../shared/ whenever it is there."""


def shared_file(relative: str) -> Path:
    """The suite's copy of `../shared/<relative>`."""
    return SHARED_COPY / relative


@pytest.fixture(autouse=True)
def private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Each test gets its own cache directory, so no test reads or leaves a user's cache."""
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("TP_CACHE_DIR", str(folder))
    monkeypatch.delenv("TP_NO_CACHE", raising=False)
    return folder


@pytest.fixture
def tp(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Run `tp ARGS` in-process, as a user would, with a clean environment for our variables."""
    monkeypatch.delenv("TP_DATA_DIR", raising=False)

    def run(*args: str, input: str | None = None) -> Result:
        return invoke(args, input=input)

    return run


def invoke(
    args: Sequence[str], input: str | None = None, env: Mapping[str, str | None] | None = None
) -> Result:
    """Run `tp ARGS` through `cli.run`, the console script's own error handling, in isolation.

    CliRunner.invoke would call the Typer app directly and skip that handling, so this uses the
    runner's public `isolation` (captured streams, stdin, environment) around `run` instead.
    """
    runner = CliRunner()
    exception: BaseException | None = None
    with runner.isolation(input=input, env=env) as (stdout, stderr, output):
        try:
            code = run_tp(list(args))
        except SystemExit as exit:  # shell completion exits by itself
            code = exit.code if isinstance(exit.code, int) else 1
        except Exception as error:  # a bug: keep it for the test to show
            exception, code = error, 1
        sys.stdout.flush()
        sys.stderr.flush()
        captured = stdout.getvalue(), stderr.getvalue(), output.getvalue()
    return Result(
        runner=runner,
        stdout_bytes=captured[0],
        stderr_bytes=captured[1],
        output_bytes=captured[2],
        return_value=None,
        exit_code=code,
        exception=exception,
    )


# The data as tp reads it, for tests that call the core directly.


def load_faq(path: Path) -> tuple[FaqEntry, ...]:
    """One FAQ file's entries, read as tp reads them (the other data files bundled)."""
    paths = {kind: bundled_data_dir() / file_name(kind) for kind in KINDS}
    return query_data_set(DataFiles({**paths, "faq": path}), read_faq_entries)


def load_pilots(path: Path) -> tuple[Pilot, ...]:
    return load_pilot_catalogue(path).pilots


def load_data_set(files: DataFiles) -> sqlite3.Connection:
    """The database of every data file in use, as `tp ask` searches it (the caller closes it)."""
    from functools import partial

    from totalplace_cli.data import build_data_set

    return open_cached("all", [files.paths[kind] for kind in KINDS], partial(build_data_set, files))


def in_memory(entries: Sequence[FaqEntry]) -> sqlite3.Connection:
    """A database of `entries` alone, never cached."""
    return build_database("", entries)


def rank_answers(
    database: sqlite3.Connection | Sequence[FaqEntry],
    query: str,
    limit: int = 5,
    kinds: Collection[str] | None = None,
) -> list[SearchResult]:
    """What `tp ask` finds, best first; `database` may be plain FAQ entries, indexed in memory."""
    if not isinstance(database, sqlite3.Connection):
        database = in_memory(database)
    return search(database, query, limit, kinds).results
