"""ruff and mypy are part of the suite, so the one test command checks style and types too.

Neither keeps its cache in the project folder: tests write only into their temporary folders."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def tool(name: str) -> str | None:
    return shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)


@pytest.mark.skipif(tool("ruff") is None, reason="ruff is not installed (pip install '.[test]')")
def test_ruff_is_clean() -> None:
    result = subprocess.run(
        [str(tool("ruff")), "check", "--no-cache", "."],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    formatted = subprocess.run(
        [str(tool("ruff")), "format", "--check", "--no-cache", "."],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr


@pytest.mark.skipif(tool("mypy") is None, reason="mypy is not installed (pip install '.[test]')")
def test_mypy_is_clean(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(tool("mypy")), "--cache-dir", str(tmp_path), "src"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
