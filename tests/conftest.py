"""Shared fixtures: a CliRunner bound to the real app and paths to shared material."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from totalplace_cli.cli import app

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture
def tp(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Run `tp ARGS` in-process, as a user would, with a clean environment for our variables."""
    monkeypatch.delenv("TP_DATA_DIR", raising=False)
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, list(args), input=input)

    return run
