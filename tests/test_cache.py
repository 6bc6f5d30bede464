"""The database cache makes runs faster, never different: stale, damaged, hostile, locked or
unwritable caches, signals during a build, and many first runs at once."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import EVERY_COMMAND, load_faq
from typer.testing import Result

from totalplace_cli import search, store
from totalplace_cli.loading import KINDS, DataFiles, bundled_data_dir, file_name
from totalplace_cli.store import TEMPORARY_SUFFIX
from totalplace_cli.streams import DataError

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


def run_tp(
    *args: str, cache: Path, timeout: float = 60, **extra: str
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "TP_NO_CACHE"}
    env |= {"TP_CACHE_DIR": str(cache), **extra}
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
    assert all(bytes(bundled_data_dir() / file_name(kind)).hex() in key for kind in KINDS)


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
def test_a_damaged_cache_is_rebuilt_with_identical_results_for_every_command(
    tp: Tp, private_cache: Path, damage: Callable[[Path], None]
) -> None:
    expected = {" ".join(args): tp(*args).stdout for args in EVERY_COMMAND}
    [file] = databases(private_cache)
    for args in EVERY_COMMAND:
        damage(file)
        result = tp(*args)
        assert (result.exit_code, result.stdout, result.stderr) == (0, expected[" ".join(args)], "")


@functools.cache
def expected_outputs() -> dict[str, str]:
    """Every command's output on the bundled data, built without a cache."""
    cache = Path(os.devnull)
    return {
        " ".join(args): run_tp(*args, cache=cache, TP_NO_CACHE="1").stdout for args in EVERY_COMMAND
    }


def sparse(file: Path) -> None:
    """A 512 MiB file that costs no disk: far larger than any database of the data."""
    with file.open("wb") as stream:
        stream.truncate(512 << 20)


def remove(file: Path) -> None:
    if file.is_dir() and not file.is_symlink():
        file.rmdir()
    else:
        file.unlink(missing_ok=True)


@pytest.mark.parametrize(
    "make",
    [
        lambda f: os.mkfifo(f),
        lambda f: f.symlink_to("/dev/zero"),
        lambda f: f.mkdir(),
        sparse,
    ],
    ids=["fifo", "dev-zero", "directory", "sparse-512-MiB"],
)
def test_a_cache_that_is_not_a_sane_file_is_never_read_by_any_command(
    tmp_path: Path, make: Callable[[Path], None]
) -> None:
    """Real processes, so that a blocking open shows as a timeout, not a hung test run."""
    expected = expected_outputs()
    cache = tmp_path / "cache"
    assert run_tp("questions", cache=cache).returncode == 0
    [file] = databases(cache)
    for args in EVERY_COMMAND:
        remove(file)
        make(file)
        result = run_tp(*args, cache=cache, timeout=30)
        assert (result.returncode, result.stdout, result.stderr) == (
            0,
            expected[" ".join(args)],
            "",
        )
    assert (
        not file.exists() or file.stat().st_size < 4 << 20  # a real database: about 1 MB
    )  # replaced by a real database, or left


@contextlib.contextmanager
def locked(file: Path) -> Iterator[None]:
    """Another process holding an exclusive lock on the database while the block runs."""
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
        yield
    finally:
        holder.kill()
        holder.wait()


def test_a_locked_cache_is_bypassed_by_every_command(tp: Tp, private_cache: Path) -> None:
    expected = {" ".join(args): tp(*args).stdout for args in EVERY_COMMAND}
    for args in EVERY_COMMAND:
        [file] = databases(private_cache)
        with locked(file):
            result = tp(*args)
        assert (result.exit_code, result.stdout, result.stderr) == (0, expected[" ".join(args)], "")


def test_a_cache_truncated_while_in_use_is_rebuilt(private_cache: Path) -> None:
    path = bundled_data_dir() / "faq.yaml"
    files = DataFiles({kind: bundled_data_dir() / file_name(kind) for kind in KINDS})
    expected = load_faq(path)
    [file] = databases(private_cache)
    calls: list[int] = []

    def read(data: store.Store) -> object:
        if not calls:
            os.truncate(file, 4096)  # another process cuts the file under this one
        calls.append(1)
        return data.faq()

    assert store.use(files, read) == expected
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
    old = private_cache / f".all-1.sqlite.old{TEMPORARY_SUFFIX}"
    fresh = private_cache / f".all-1.sqlite.fresh{TEMPORARY_SUFFIX}"
    journal = private_cache / f".all-1.sqlite.old{TEMPORARY_SUFFIX}-journal"
    future = private_cache / f".all-1.sqlite.future{TEMPORARY_SUFFIX}"
    for file in (old, fresh, journal, future):
        file.write_bytes(b"left by a killed run")
    two_hours_ago, tomorrow = time.time() - 7200, time.time() + 86400
    for file, moment in ((old, two_hours_ago), (journal, two_hours_ago), (future, tomorrow)):
        os.utime(file, (moment, moment))
    assert tp("ask", "savings").exit_code == 0  # a build sweeps
    assert sorted(leftovers(private_cache)) == [fresh.name]


@pytest.mark.parametrize(
    ("signal_number", "exit_code"),
    [(signal.SIGINT, 130), (signal.SIGTERM, -signal.SIGTERM), (signal.SIGHUP, -signal.SIGHUP)],
)
@pytest.mark.parametrize("args", EVERY_COMMAND, ids=" ".join)
def test_a_signal_during_the_cache_write_leaves_no_temporary_file(
    tmp_path: Path, signal_number: int, exit_code: int, args: list[str]
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
        f"sys.argv = ['tp', *{args!r}]\n"
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


@pytest.mark.parametrize(
    ("args", "entries"), [(["ask", "savings", "--json"], 5000), (["export", "html"], 2000)]
)
def test_a_cache_write_stopped_by_the_file_size_limit_leaves_nothing_behind(
    tmp_path: Path, args: list[str], entries: int
) -> None:
    """`ulimit -f`: the database cannot be saved (nor SQLite's journal of the copy); the answer
    is the same, nothing is left in the cache folder, and no temporary file of SQLite's fails."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from large_faq import write_large_faq

    data = tmp_path / "data"
    write_large_faq(data, entries)  # MBs of YAML: SQLite's default puts its sorts in files
    cache = tmp_path / "cache"
    expected = run_tp("--data-dir", str(data), *args, cache=cache, TP_NO_CACHE="1").stdout
    limit = 256 << 10
    result = subprocess.run(
        [*TP, "--data-dir", str(data), *args],
        capture_output=True,
        text=True,
        env={**os.environ, "TP_CACHE_DIR": str(cache)},
        timeout=120,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)),
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == expected
    assert list(cache.iterdir()) == []


def test_twenty_concurrent_first_runs_all_succeed(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    env = {**os.environ, "TP_CACHE_DIR": str(cache)}
    env.pop("TP_NO_CACHE", None)
    commands = [*EVERY_COMMAND, *EVERY_COMMAND][:20]
    runs = [
        subprocess.Popen(
            [*TP, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for args in commands
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0] * 20
    assert {stderr for _, stderr in outputs} == {""}
    expected = expected_outputs()
    assert [stdout for stdout, _ in outputs] == [expected[" ".join(args)] for args in commands]
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
