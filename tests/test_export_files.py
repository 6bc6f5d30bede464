"""`tp export -o FILE` through real processes: whole files or none, never over the data in use."""

from __future__ import annotations

import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import clean_env
from test_console_script import TP

from totalplace_cli.loading import bundled_data_dir

pytestmark = pytest.mark.skipif(TP is None, reason="tp is not installed as a console script")


def tp(*args: str, limit: int | None = None) -> subprocess.CompletedProcess[str]:
    assert TP is not None

    def file_size_limit() -> None:
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        [TP, *args],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=60,
        check=False,
        preexec_fn=file_size_limit,
    )


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "D"
    folder.mkdir()
    for name in ("faq.yaml", "pilots.yaml"):
        shutil.copy(bundled_data_dir() / name, folder / name)
    return folder


def leftovers(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if "tmp" in path.name)


@pytest.mark.parametrize("spelling", ["D/faq.yaml", "D/../D/faq.yaml", "D/pilots.yaml", "link"])
def test_export_refuses_to_write_over_the_data_in_use(data_dir: Path, spelling: str) -> None:
    (data_dir.parent / "link").symlink_to(data_dir / "faq.yaml")
    before = (data_dir / "faq.yaml").read_bytes(), (data_dir / "pilots.yaml").read_bytes()
    target = data_dir.parent / spelling
    result = tp("--data-dir", str(data_dir), "export", "html", "-o", str(target))
    assert result.returncode == 2
    assert result.stderr.startswith(
        f"tp: refusing to write over {target}: it is a data file tp reads"
    )
    assert result.stderr.count("\n") == 1
    assert ((data_dir / "faq.yaml").read_bytes(), (data_dir / "pilots.yaml").read_bytes()) == before


def test_export_refuses_the_bundled_data_when_it_is_in_use(tmp_path: Path) -> None:
    target = bundled_data_dir() / "glossary.yaml"
    before = target.read_bytes()
    result = tp("export", "markdown", "-o", str(target))
    assert result.returncode == 2 and "refusing to write over" in result.stderr
    assert target.read_bytes() == before


def test_a_file_size_limit_leaves_the_old_file_whole_and_nothing_else(tmp_path: Path) -> None:
    target = tmp_path / "faq.html"
    target.write_text("the old page\n", encoding="utf-8")
    result = tp("export", "html", "-o", str(target), limit=20_000)
    assert result.returncode == 2
    assert result.stderr == f"tp: cannot write {target}: File too large\n"
    assert target.read_text(encoding="utf-8") == "the old page\n"
    assert leftovers(tmp_path) == []
    new = tmp_path / "new.html"
    assert tp("export", "html", "-o", str(new), limit=20_000).returncode == 2
    assert not new.exists() and leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("signum", "code"),
    [(signal.SIGTERM, -signal.SIGTERM), (signal.SIGHUP, -signal.SIGHUP), (signal.SIGINT, 130)],
)
def test_a_signal_while_writing_removes_the_temporary_file(
    tmp_path: Path, signum: int, code: int
) -> None:
    target = tmp_path / "faq.md"
    target.write_text("old\n", encoding="utf-8")
    # The signal arrives from outside while the file is being written (at its fsync).
    script = (
        "import os, sys\n"
        f"os.fsync = lambda fd: os.kill(os.getpid(), {int(signum)})\n"
        "from totalplace_cli.__main__ import main\n"
        "sys.argv[0] = 'tp'\n"
        "main()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, "export", "markdown", "-o", str(target)],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=60,
        check=False,
    )
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    assert target.read_text(encoding="utf-8") == "old\n"
    assert leftovers(tmp_path) == []


def test_an_existing_file_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "faq.md"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o640)
    result = tp("export", "markdown", "-o", str(target))
    assert result.returncode == 0
    assert result.stderr.startswith(f"tp: wrote {target} (") and result.stderr.endswith(" KB)\n")
    assert target.stat().st_mode & 0o777 == 0o640
    assert target.read_text(encoding="utf-8").startswith("# Total Place")
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("name", ["x" * 300 + ".html", "loop/faq.html"])
def test_an_impossible_target_is_a_one_line_error(tmp_path: Path, name: str) -> None:
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    result = tp("export", "html", "-o", str(tmp_path / name))
    assert result.returncode == 2
    assert result.stderr.startswith(f"tp: cannot write {tmp_path / name}: ")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
