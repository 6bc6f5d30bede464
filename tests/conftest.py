"""Shared fixtures: `tp` run in-process through its own entry point; paths to shared material."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from totalplace_cli.cli import run as run_tp

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
