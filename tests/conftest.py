"""Shared fixtures: `tp` run in-process through its own entry point; paths to shared material;
every test in a home of its own, so that none reads or writes a user's files."""

from __future__ import annotations

import os
import shutil
import sqlite3
import sys
import tempfile
import warnings
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from pathlib import Path

import platformdirs
import pytest
from hypothesis.configuration import set_hypothesis_home_dir
from typer.testing import CliRunner, Result

from totalplace_cli.__main__ import run as run_tp
from totalplace_cli.loading import KINDS, DataFiles, bundled_data_dir, file_name
from totalplace_cli.models import Category, DataSet, FaqEntry, GlossaryTerm, Pilot
from totalplace_cli.search import SearchResult, search
from totalplace_cli.store import Store, build_index, open_cached, use

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SHARED_COPY = REPO / "tests" / "data" / "shared"
"""Copies of the shared material the suite reads (seed page, research notes, dev set), laid out as
in ../shared/, so that a clone without the workspace still runs every test; test_data.py checks
they are byte-identical to ../shared/ whenever it is there."""


# Every command that reads the data, as a user would run it on the bundled data; with --json too.
EVERY_COMMAND = [
    ["questions"],
    ["show", "12"],
    ["ask", "savings"],
    ["pilots"],
    ["pilots", "--csv"],
    ["pilot", "poole"],
    ["regions"],
    ["themes"],
    ["glossary"],
    ["glossary", "riep"],
    ["sources"],
    ["timeline"],
    ["facts"],
    ["info"],
    ["export", "markdown"],
    ["export", "html"],
    ["export", "json"],
]
EVERY_JSON = [
    [*args, "--json"] for args in EVERY_COMMAND if args[0] != "export" and "--csv" not in args
]


def shared_file(relative: str) -> Path:
    """The suite's copy of `../shared/<relative>`."""
    return SHARED_COPY / relative


# Where a user's files live, as HOME-relative folders.
HOME_FOLDERS = {
    "HOME": "",
    "XDG_CACHE_HOME": ".cache",
    "XDG_CONFIG_HOME": ".config",
    "XDG_DATA_HOME": ".local/share",
    "XDG_STATE_HOME": ".local/state",
}
REAL_CACHE: Path | None = None
"""The cache folder a user's `tp` writes to (without TP_CACHE_DIR), read before any test runs;
None when the real HOME is unknown."""
_before: dict[str, tuple[int, int]] | None = None
_session_home: Path | None = None


def _point_home_at(folder: Path, setenv: Callable[[str, str], object]) -> None:
    for name, below in HOME_FOLDERS.items():
        setenv(name, str(folder / below))


def _listing(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file below `folder` with its size and modification time; empty when there is none."""
    found = {}
    for parent, _, names in os.walk(folder):
        for name in names:
            info = os.lstat(os.path.join(parent, name))
            found[os.path.join(parent, name)] = (info.st_size, info.st_mtime_ns)
    return found


def pytest_configure(config: pytest.Config) -> None:
    """Before any test module is imported (some read the data at import time, which builds a
    store in the cache folder): note the real cache folder, then point HOME, XDG and TP_CACHE_DIR
    at a folder of the session's own, for imports and any environment a module copies."""
    global REAL_CACHE, _before, _session_home
    home = os.path.expanduser("~")
    if os.path.isabs(home):
        REAL_CACHE = Path(platformdirs.user_cache_dir("tp", appauthor=False))
        _before = _listing(REAL_CACHE)
    _session_home = Path(tempfile.mkdtemp(prefix="tp-tests-home-"))
    _point_home_at(_session_home, os.environ.__setitem__)
    os.environ["TP_CACHE_DIR"] = str(_session_home / "tp-cache")
    # Hypothesis keeps its examples and caches there too, not in the working folder.
    set_hypothesis_home_dir(_session_home / "hypothesis")


def pytest_unconfigure(config: pytest.Config) -> None:
    if _session_home is not None:
        shutil.rmtree(_session_home, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def real_cache_untouched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """After the suite, the user's own cache folder is as it was before: no test wrote there."""
    if REAL_CACHE is None or _before is None:
        warnings.warn("no real HOME, so no real cache folder: not checked", stacklevel=1)
        yield
        return
    yield
    ours = [REPO, Path(sys.prefix), tmp_path_factory.getbasetemp(), _session_home]
    changed = set(_listing(REAL_CACHE).items()) ^ set(_before.items())
    written = sorted(path for path, _ in changed if _written_here(Path(path), ours))
    assert not written, f"the tests wrote into the real cache folder {REAL_CACHE}: {written}"


def _written_here(file: Path, ours: Sequence[Path | None]) -> bool:
    """Whether this suite wrote `file`. On a shared machine another checkout's suite or a user's
    `tp` may write the real cache folder at the same time; a database of tp's names its data files
    (as text and as hex), so one naming none of our folders was theirs. Any other file is ours."""
    if file.suffix != ".sqlite":
        return True
    try:
        content = file.read_bytes()
    except OSError:
        return False  # gone already: not a file this suite left
    names = [os.fsencode(folder) for folder in ours if folder is not None]
    return any(name in content or name.hex().encode() in content for name in names)


@pytest.fixture(autouse=True)
def private_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test has its own HOME and XDG folders, for tp and for every process it starts."""
    home = tmp_path_factory.mktemp("home")
    _point_home_at(home, monkeypatch.setenv)
    return home


@pytest.fixture(autouse=True)
def private_cache(private_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test gets its own cache folder, so no test reads or leaves a user's cache."""
    folder = private_home / "tp-cache"
    folder.mkdir()
    monkeypatch.setenv("TP_CACHE_DIR", str(folder))
    monkeypatch.delenv("TP_NO_CACHE", raising=False)
    return folder


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of this moment (the test's own HOME and cache included) for a process
    the test starts, without the variables that change tp's output; plus `extra`."""
    unset = {"TP_DATA_DIR", "NO_COLOR", "FORCE_COLOR", "PYTHONIOENCODING", "COLUMNS"}
    # Whether a terminal shows links is read from these: none is set unless a test says so.
    unset |= {"FORCE_HYPERLINK", "TERM_PROGRAM", "VTE_VERSION", "WT_SESSION"}
    return {name: value for name, value in os.environ.items() if name not in unset} | extra


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
    return use(DataFiles({**paths, "faq": path}), Store.faq)


def load_pilots(path: Path) -> tuple[Pilot, ...]:
    paths = {kind: bundled_data_dir() / file_name(kind) for kind in KINDS}
    return use(DataFiles({**paths, "pilots": path}), Store.pilots)


def load_data_set(files: DataFiles) -> sqlite3.Connection:
    """The database of every data file in use, as `tp ask` searches it (the caller closes it)."""
    return open_cached(files)


def in_memory(entries: Sequence[FaqEntry]) -> sqlite3.Connection:
    """A database of `entries` alone, never cached."""
    database = sqlite3.connect(":memory:")
    build_index(database, DataSet(faq=tuple(entries)))
    return database


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


def load_with(kind: str, path: Path, read: Callable[[Store], object]) -> object:
    """`read` on the store of the bundled data with the `kind` file replaced by `path`."""
    paths = {name: bundled_data_dir() / file_name(name) for name in KINDS}
    return use(DataFiles({**paths, kind: path}), read)


def load_catalogue(path: Path) -> tuple[tuple[Pilot, ...], tuple[Category, ...]]:
    """One pilots file's pilots and the theme categories they use."""
    return load_with("pilots", path, lambda s: (s.pilots(), s.categories()))  # type: ignore[return-value]


def load_glossary(path: Path) -> tuple[GlossaryTerm, ...]:
    return load_with("glossary", path, Store.glossary)  # type: ignore[return-value]


def load_programme(path: Path) -> DataSet:
    """A data set holding one programme file's events and facts."""
    return load_with("programme", path, Store.data_set)  # type: ignore[return-value]


def bundled_data() -> DataSet:
    return use(DataFiles({k: bundled_data_dir() / file_name(k) for k in KINDS}), Store.data_set)
