"""The database cache makes runs faster, never different: stale, damaged, hostile, locked or
unwritable caches, signals during a build, and many first runs at once."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import load_faq
from typer.testing import Result

from totalplace_cli import search, store
from totalplace_cli.data import (
    KINDS,
    DataFiles,
    bundled_data_dir,
    file_name,
    query_data_set,
)
from totalplace_cli.errors import DataError
from totalplace_cli.writing import TEMPORARY_SUFFIX

Tp = Callable[..., Result]
TP = [sys.executable, "-m", "totalplace_cli"]

FAQ = """version: 1
entries:
  - id: 1
    slug: first
    question: What is first?
    answer: The first answer.
"""


def databases(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.sqlite"))


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(TEMPORARY_SUFFIX)]


def user_faq(tmp_path: Path, text: str = FAQ) -> Path:
    folder = tmp_path / "data"
    folder.mkdir(exist_ok=True)
    path = folder / "faq.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def run_tp(*args: str, cache: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TP_CACHE_DIR": str(cache)}
    env.pop("TP_NO_CACHE", None)
    return subprocess.run(
        [*TP, *args], capture_output=True, text=True, env=env, timeout=timeout, check=False
    )


def test_cached_load_equals_a_cache_less_load(
    private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = bundled_data_dir() / "faq.yaml"
    first = load_faq(path)
    assert len(databases(private_cache)) == 1
    second = load_faq(path)  # from the database
    monkeypatch.setenv("TP_NO_CACHE", "1")
    assert first == second == load_faq(path)
    assert first[0].question == "What is Total Place?"


def test_the_cache_is_one_sqlite_database_of_documents_with_a_kind(private_cache: Path) -> None:
    load_faq(bundled_data_dir() / "faq.yaml")
    [file] = databases(private_cache)
    with sqlite3.connect(file) as database:
        kinds = database.execute("SELECT kind, count(*) FROM documents GROUP BY kind").fetchall()
        (key,) = database.execute("SELECT value FROM meta WHERE name = 'key'").fetchone()
    assert ("faq", 14) in kinds
    assert {kind for kind, _ in kinds} == set(search.KINDS)
    assert all(str(bundled_data_dir() / file_name(kind)) in key for kind in KINDS)


def test_same_output_with_and_without_cache(tp: Tp, monkeypatch: pytest.MonkeyPatch) -> None:
    cold = tp("ask", "tribl consultng", "--json").output
    warm = tp("ask", "tribl consultng", "--json").output
    monkeypatch.setenv("TP_NO_CACHE", "1")
    assert cold == warm == tp("ask", "tribl consultng", "--json").output
    assert json.loads(cold)[0]["slug"].startswith("what-is-the-role-of-tribal")


def test_no_cache_writes_no_file(
    tp: Tp, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TP_NO_CACHE", "1")
    assert tp("ask", "savings", "--json").exit_code == 0
    assert list(private_cache.iterdir()) == []


def test_an_edited_source_is_read_again(private_cache: Path, tmp_path: Path) -> None:
    path = user_faq(tmp_path)
    assert load_faq(path)[0].answer == "The first answer."
    path.write_text(FAQ.replace("The first answer.", "An edited answer!"), encoding="utf-8")
    assert load_faq(path)[0].answer == "An edited answer!"
    assert len(databases(private_cache)) == 1  # the stale database was replaced, not kept


def test_a_same_size_edit_with_its_time_restored_is_seen(tmp_path: Path) -> None:
    path = user_faq(tmp_path)
    assert load_faq(path)[0].answer == "The first answer."
    before = path.stat()
    path.write_text(FAQ.replace("first answer", "other answer"), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # as `touch -r` does
    assert path.stat().st_size == before.st_size
    assert path.stat().st_mtime_ns == before.st_mtime_ns
    assert load_faq(path)[0].answer == "The other answer."


def test_a_file_swapped_in_by_mv_with_the_same_size_and_time_is_seen(tmp_path: Path) -> None:
    path = user_faq(tmp_path)
    assert load_faq(path)[0].answer == "The first answer."
    other = tmp_path / "other.yaml"
    other.write_text(FAQ.replace("first answer", "swapped one"), encoding="utf-8")
    before = path.stat()
    os.utime(other, ns=(before.st_atime_ns, before.st_mtime_ns))  # as `cp -p` keeps it
    os.replace(other, path)  # as `mv` does
    assert load_faq(path)[0].answer == "The swapped one."


def test_an_invalid_file_is_never_cached(private_cache: Path, tmp_path: Path) -> None:
    path = user_faq(tmp_path, FAQ.replace("id: 1", "id: one"))
    for _ in range(2):
        with pytest.raises(DataError, match="'id' must be"):
            load_faq(path)
    assert databases(private_cache) == []


def damage_truncate(file: Path) -> None:
    file.write_bytes(file.read_bytes()[: file.stat().st_size // 2])


def damage_garbage(file: Path) -> None:
    file.write_bytes(b"SQLite format 3\x00" + os.urandom(9000))


def damage_foreign(file: Path) -> None:
    file.unlink()
    with sqlite3.connect(file) as database:
        database.execute("CREATE TABLE other(x)")


def damage_zeroes(file: Path) -> None:
    file.write_bytes(bytes(file.stat().st_size))


@pytest.mark.parametrize(
    "damage",
    [
        lambda f: f.write_bytes(b""),
        lambda f: f.write_bytes(b"{not a database"),
        damage_truncate,
        damage_garbage,
        damage_foreign,
        damage_zeroes,
    ],
    ids=["empty", "text", "truncated", "garbage", "foreign", "zeroes"],
)
def test_a_damaged_cache_is_rebuilt_with_identical_results(
    tp: Tp, private_cache: Path, damage: Callable[[Path], None]
) -> None:
    expected = tp("ask", "pilots councils", "--json").output
    [file] = databases(private_cache)
    damage(file)
    result = tp("ask", "pilots councils", "--json")
    assert (result.exit_code, result.output, result.stderr) == (0, expected, "")
    assert tp("ask", "pilots councils", "--json").output == expected


def hostile_cache(private_cache: Path, tp: Tp, make: Callable[[Path], None]) -> Path:
    assert tp("ask", "savings", "--json").exit_code == 0
    [file] = databases(private_cache)
    file.unlink()
    make(file)
    return file


@pytest.mark.parametrize(
    "make",
    [
        lambda f: os.mkfifo(f),
        lambda f: f.symlink_to("/dev/zero"),
        lambda f: f.mkdir(),
    ],
    ids=["fifo", "dev-zero", "directory"],
)
def test_a_cache_that_is_not_a_regular_file_is_never_read(
    tp: Tp, private_cache: Path, make: Callable[[Path], None]
) -> None:
    expected = tp("ask", "savings", "--json").output
    hostile_cache(private_cache, tp, make)
    # A real process, so that a blocking open would show as a timeout, not a hung test run.
    result = run_tp("ask", "savings", "--json", cache=private_cache, timeout=30)
    assert (result.returncode, result.stdout, result.stderr) == (0, expected, "")


def test_an_oversized_sparse_cache_is_never_read(tp: Tp, private_cache: Path) -> None:
    expected = tp("ask", "savings", "--json").output
    [file] = databases(private_cache)
    with file.open("r+b") as stream:
        stream.truncate(512 << 20)  # 512 MiB, sparse: costs no disk
    result = run_tp("ask", "savings", "--json", cache=private_cache)
    assert (result.returncode, result.stdout, result.stderr) == (0, expected, "")
    assert file.stat().st_size < 4 << 20  # replaced by a real database (about 1 MB)


def test_a_locked_cache_is_bypassed(tp: Tp, private_cache: Path) -> None:
    expected = tp("ask", "savings", "--json").output
    [file] = databases(private_cache)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys, time\n"
            "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "db.execute('BEGIN EXCLUSIVE')\n"
            "print('locked', flush=True)\n"
            "time.sleep(60)\n",
            str(file),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        result = run_tp("ask", "savings", "--json", cache=private_cache, timeout=30)
        assert (result.returncode, result.stdout, result.stderr) == (0, expected, "")
    finally:
        holder.kill()
        holder.wait()


def test_a_cache_truncated_while_in_use_is_rebuilt(private_cache: Path) -> None:
    path = bundled_data_dir() / "faq.yaml"
    files = DataFiles({kind: bundled_data_dir() / file_name(kind) for kind in KINDS})
    expected = load_faq(path)
    [file] = databases(private_cache)
    calls: list[int] = []

    def read(database: sqlite3.Connection) -> object:
        if not calls:
            os.truncate(file, 4096)  # another process cuts the file under this one
        calls.append(1)
        return store.read_faq_entries(database)

    assert query_data_set(files, read) == expected
    assert len(calls) == 2


def test_the_cache_is_opened_read_only_and_left_unchanged(tp: Tp, private_cache: Path) -> None:
    tp("ask", "savings")
    [file] = databases(private_cache)
    before = (file.read_bytes(), file.stat().st_mtime_ns, file.stat().st_ino)
    tp("ask", "savings")
    tp("questions")
    assert (file.read_bytes(), file.stat().st_mtime_ns, file.stat().st_ino) == before


def test_an_unwritable_cache_is_ignored(
    tp: Tp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache folder should be", encoding="utf-8")
    monkeypatch.setenv("TP_CACHE_DIR", str(blocker / "tp"))
    result = tp("questions", "--json")
    assert (result.exit_code, result.stderr) == (0, "")
    assert len(json.loads(result.output)) == 14


def test_a_cache_folder_with_uri_characters_in_its_name_is_reused(
    tp: Tp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "a b?c#d%20"
    monkeypatch.setenv("TP_CACHE_DIR", str(folder))
    tp("ask", "savings")
    [file] = databases(folder)
    inode = file.stat().st_ino
    tp("ask", "savings")
    assert file.stat().st_ino == inode  # read, not rebuilt


def test_stale_temporary_files_are_swept_and_fresh_ones_kept(
    tp: Tp, private_cache: Path, tmp_path: Path
) -> None:
    old_format = [private_cache / "faq-0badcafe.json", private_cache / "index-0badcafe.json"]
    for file in old_format:
        file.write_text("{}", encoding="utf-8")  # the JSON cache of earlier versions
    old = private_cache / f".all-1.sqlite.old{TEMPORARY_SUFFIX}"
    fresh = private_cache / f".all-1.sqlite.fresh{TEMPORARY_SUFFIX}"
    for file in (old, fresh):
        file.write_bytes(b"left by a killed run")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    assert tp("ask", "savings").exit_code == 0  # a build sweeps
    assert sorted(leftovers(private_cache)) == [fresh.name]
    assert not any(file.exists() for file in old_format)


@pytest.mark.parametrize(
    ("signal_number", "exit_code"),
    [(signal.SIGINT, 130), (signal.SIGTERM, -signal.SIGTERM), (signal.SIGHUP, -signal.SIGHUP)],
)
def test_a_signal_during_the_cache_write_leaves_no_temporary_file(
    tmp_path: Path, signal_number: int, exit_code: int
) -> None:
    cache = tmp_path / "cache"
    # The signal arrives while the database is being written to its temporary file.
    code = (
        "import os, sys, time\n"
        "real = os.replace\n"
        "def replace(*args):\n"
        f"    os.kill(os.getpid(), {int(signal_number)})\n"
        "    time.sleep(5)\n"
        "    real(*args)\n"
        "os.replace = replace\n"
        "from totalplace_cli.__main__ import main\n"
        "sys.argv = ['tp', 'ask', 'savings', '--json']\n"
        "main()\n"
    )
    env = {**os.environ, "TP_CACHE_DIR": str(cache)}
    env.pop("TP_NO_CACHE", None)
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == exit_code, result.stderr
    assert "Traceback" not in result.stderr
    assert leftovers(cache) == []
    assert databases(cache) == []


def test_twenty_concurrent_first_runs_all_succeed(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    env = {**os.environ, "TP_CACHE_DIR": str(cache)}
    env.pop("TP_NO_CACHE", None)
    runs = [
        subprocess.Popen(
            [*TP, "ask", "savings", "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(20)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0] * 20
    assert {stderr for _, stderr in outputs} == {""}
    assert len({stdout for stdout, _ in outputs}) == 1
    assert json.loads(outputs[0][0])[0]["id"] == 12
    assert len(databases(cache)) == 1
    assert leftovers(cache) == []


def test_the_platform_cache_folder_is_used_without_tp_cache_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("TP_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    if sys.platform.startswith("linux"):
        assert store.cache_dir() == tmp_path / "tp"
    monkeypatch.setenv("TP_CACHE_DIR", str(tmp_path / "mine"))
    assert store.cache_dir() == tmp_path / "mine"


@pytest.mark.parametrize(
    ("xdg", "home"),
    [
        ("", "/home/reader"),
        ("/srv/cache", "/home/reader"),
        ("relative/cache", "/home/reader"),
        ("", "relative/home"),
        ("", ""),
    ],
)
def test_the_cache_folder_is_the_one_platformdirs_names(
    monkeypatch: pytest.MonkeyPatch, xdg: str, home: str
) -> None:
    """tp spells out platformdirs' Linux rule to spare a run its import: the two must agree."""
    import platformdirs

    monkeypatch.delenv("TP_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", xdg)
    monkeypatch.setenv("HOME", home)
    try:
        expected = Path(platformdirs.user_cache_dir("tp", appauthor=False))
    except RuntimeError:  # platformdirs cannot tell either: tp must not guess a relative folder
        expected = None
    if expected is not None:
        assert store.cache_dir() == expected
    else:
        with pytest.raises(RuntimeError):
            store.cache_dir()


def test_a_copied_cache_folder_still_works(tp: Tp, private_cache: Path, tmp_path: Path) -> None:
    expected = tp("ask", "savings", "--json").output
    copy = tmp_path / "copy"
    shutil.copytree(private_cache, copy)
    result = run_tp("ask", "savings", "--json", cache=copy)
    assert result.stdout == expected


def test_the_english_word_counts_live_in_the_one_database_and_give_the_same_answers(
    tp: Tp, private_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = tp("ask", "waht is totl place", "--json").output
    assert [file.name.split("-")[0] for file in databases(private_cache)] == ["all"]
    warm = tp("ask", "waht is totl place", "--json").output
    monkeypatch.setenv("TP_NO_CACHE", "1")
    assert cold == warm == tp("ask", "waht is totl place", "--json").output
    assert tp("ask", "weather forecast").exit_code == 1  # still known as English words


def test_a_long_answer_gets_its_snippet_from_a_read_only_cache(
    tp: Tp, tmp_path: Path, private_cache: Path
) -> None:
    long_answer = "Filler words here. " * 600 + "The pilots map every pound."
    text = FAQ.replace("answer: The first answer.", f"answer: {long_answer}")
    text += "  - id: 2\n    slug: second\n    question: What else?\n    answer: Pilots again.\n"
    path = user_faq(tmp_path, text)
    first = tp("--data-dir", str(path.parent), "ask", "pound", "--json", "-k", "faq")
    assert databases(private_cache)
    second = tp("--data-dir", str(path.parent), "ask", "pound", "--json", "-k", "faq")
    assert first.exit_code == second.exit_code == 0
    assert first.output == second.output
    assert json.loads(second.output)[0]["snippet"].endswith("The pilots map every pound.")
