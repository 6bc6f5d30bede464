"""`tp export -o FILE` through real processes: whole files or none, never over the data in use."""

from __future__ import annotations

import os
import re
import resource
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import clean_env
from test_console_script import TP

from totalplace_cli.loading import bundled_data_dir, shown_path

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
    assert result.stderr.startswith(f"tp: cannot write {shown_path(tmp_path / name)}: ")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


# Issue 22: what -o does with links and special files.


def test_a_link_is_written_through_and_survives(tmp_path: Path) -> None:
    """The link's target is replaced whole (a new file renamed in beside it); the link stays."""
    pages = tmp_path / "pages"
    pages.mkdir()
    real = pages / "faq.html"
    real.write_text("the old page\n", encoding="utf-8")
    inode = real.stat().st_ino
    link = tmp_path / "link.html"
    link.symlink_to(real)
    result = tp("export", "html", "-o", str(link))
    assert result.returncode == 0
    assert re.fullmatch(rf"tp: wrote {re.escape(str(link))} \(\d+ KB\)\n", result.stderr)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text(encoding="utf-8") == tp("export", "html").stdout
    assert real.stat().st_ino != inode  # renamed over, never rewritten in place
    assert leftovers(tmp_path) == leftovers(pages) == []
    dangling = tmp_path / "new.html"
    dangling.symlink_to(pages / "new.html")
    assert tp("export", "markdown", "-o", str(dangling)).returncode == 0
    assert dangling.is_symlink() and (pages / "new.html").read_text(encoding="utf-8")


def test_a_fifo_is_written_to_its_reader_and_stays_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as stream:
            received.append(stream.read())

    reader = threading.Thread(target=read)
    reader.start()
    result = tp("export", "markdown", "-o", str(fifo))
    reader.join(timeout=60)
    assert result.returncode == 0, result.stderr
    assert received == [tp("export", "markdown").stdout.encode("utf-8")]
    assert stat.S_ISFIFO(fifo.lstat().st_mode) and leftovers(tmp_path) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node (mknod) needs root")
def test_a_device_node_is_written_directly_and_survives(tmp_path: Path) -> None:
    null = tmp_path / "null"
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    result = tp("export", "html", "-o", str(null))
    assert result.returncode == 0
    assert re.fullmatch(rf"tp: wrote {re.escape(str(null))} \(\d+ KB\)\n", result.stderr)
    assert stat.S_ISCHR(null.lstat().st_mode) and null.lstat().st_rdev == os.makedev(1, 3)
    assert leftovers(tmp_path) == []


def test_dev_null_dev_stdout_and_dev_full() -> None:
    """As the shell's `>`: written directly; /dev/null stays the system's device, even for root."""
    before = os.lstat("/dev/null")
    assert tp("export", "html", "-o", "/dev/null").returncode == 0
    after = os.lstat("/dev/null")
    assert stat.S_ISCHR(after.st_mode)
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
    expected = tp("export", "markdown").stdout
    assert tp("export", "markdown", "-o", "/dev/stdout").stdout == expected
    if os.path.exists("/dev/full") and stat.S_ISCHR(os.stat("/dev/full").st_mode):
        full = tp("export", "markdown", "-o", "/dev/full")
        assert (full.returncode, full.stderr) == (
            2,
            "tp: cannot write /dev/full: No space left on device\n",
        )


def test_dev_stdout_onto_a_file_writes_that_file(tmp_path: Path) -> None:
    target = tmp_path / "out.md"
    assert TP is not None
    with target.open("w") as stream:
        subprocess.run(
            [TP, "export", "markdown", "-o", "/dev/stdout"],
            stdout=stream,
            env=clean_env(),
            timeout=60,
        )
    assert target.read_text(encoding="utf-8") == tp("export", "markdown").stdout


def make_socket(path: Path) -> None:
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(path))


def make_block_device(path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("making a device node (mknod) needs root")
    os.mknod(path, stat.S_IFBLK | 0o600, os.makedev(7, 0))


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (make_socket, "is a socket, not a regular file"),
        (make_block_device, "is a device, not a regular file"),
        (Path.mkdir, "is a folder, not a file"),
    ],
    ids=["socket", "block-device", "folder"],
)
def test_other_special_files_are_refused(
    tmp_path: Path, make: Callable[[Path], None], why: str
) -> None:
    target = tmp_path / "target"
    make(target)
    mode = target.lstat().st_mode
    result = tp("export", "html", "-o", str(target))
    assert (result.returncode, result.stderr) == (2, f"tp: cannot write {target}: it {why}\n")
    assert target.lstat().st_mode == mode and leftovers(tmp_path) == []
