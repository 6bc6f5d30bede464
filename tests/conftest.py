"""Shared fixtures: a CliRunner bound to the real app and paths to shared material."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from totalplace_cli.cli import app

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
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, list(args), input=input)

    return run
