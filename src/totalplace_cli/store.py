"""The one SQLite store of a data set, which every command reads: its records and its search index.

Built in memory from the checked data files on first use, then saved to the cache folder through
a temporary file and `os.replace`, so a reader sees a whole database or none. Its key holds the
identity of every data file in it (path, size, mtime, ctime, inode, device, tp's version): no edit
is ever served stale. A cache file that is not a regular file, is oversized, stale, foreign,
damaged or locked is rebuilt, or bypassed in memory with the same results; it is opened read-only
and never memory-mapped, so another process cannot crash this one.

Tables: `records` (each record's checked mapping as JSON, by kind and key, in the files' order),
`meta` (the key, and what `tp info` says of each file), and the search index (`search.py`).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import stat
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import Any, NamedTuple, TypeVar

from totalplace_cli import __version__, search
from totalplace_cli.checking import check_citations, check_file
from totalplace_cli.loading import KINDS, DataFiles
from totalplace_cli.models import (
    Category,
    DataSet,
    FaqEntry,
    GlossaryTerm,
    Pilot,
    ProgrammeItem,
    Source,
    SynonymRule,
)

T = TypeVar("T")

CACHE_DIR_ENV = "TP_CACHE_DIR"
NO_CACHE_ENV = "TP_NO_CACHE"
SCHEMA_VERSION = "7"
TEMPORARY_SUFFIX = ".tp-tmp"  # how a temporary file of tp's is named, for sweeping
STALE_TEMPORARY_SECONDS = 3600  # a temporary file this old was left by a killed run
# A database is a few times the size of its YAML; one far larger is not ours (a sparse file).
MAX_SIZE_FACTOR, MAX_SIZE_FLOOR = 16, 64 << 20
LOCK_TIMEOUT = 0.2  # seconds to wait for a locked database before building one in memory

SCHEMA = """
CREATE TABLE meta(name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE records(kind TEXT NOT NULL, key TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (kind, key));
"""
# Each kind of record: the data file and list it comes from, and the field that is its key.
RECORDS = {
    "faq": ("faq", "entries", "id"),
    "category": ("pilots", "categories", "id"),
    "pilot": ("pilots", "pilots", "id"),
    "term": ("glossary", "terms", "term"),
    "event": ("programme", "events", "id"),
    "fact": ("programme", "facts", "id"),
    "source": ("sources", "sources", "id"),
    "synonym": ("synonyms", "synonyms", ""),  # a line of text, keyed by its place
}


class Store:
    """The records of one data set, read from its database (as the data files' order)."""

    def __init__(self, database: sqlite3.Connection) -> None:
        self.database = database

    def records(self, kind: str) -> list[Any]:
        rows = self.database.execute(
            "SELECT data FROM records WHERE kind = ? ORDER BY rowid", (kind,)
        )
        return [json.loads(data) for (data,) in rows]

    def record(self, kind: str, key: str) -> dict[str, Any] | None:
        """One record by its key, through the table's index: as fast with 50,000 as with 13."""
        row = self.database.execute(
            "SELECT data FROM records WHERE kind = ? AND key = ?", (kind, key)
        ).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def faq(self) -> tuple[FaqEntry, ...]:
        return tuple(FaqEntry.from_data(record) for record in self.records("faq"))

    def entry(self, number: int) -> FaqEntry | None:
        record = self.record("faq", str(number))
        return None if record is None else FaqEntry.from_data(record)

    def pilots(self) -> tuple[Pilot, ...]:
        return tuple(Pilot.from_data(record) for record in self.records("pilot"))

    def pilot(self, key: str) -> Pilot | None:
        record = self.record("pilot", key)
        return None if record is None else Pilot.from_data(record)

    def categories(self) -> tuple[Category, ...]:
        return tuple(Category.from_data(record) for record in self.records("category"))

    def glossary(self) -> tuple[GlossaryTerm, ...]:
        return tuple(GlossaryTerm.from_data(record) for record in self.records("term"))

    def programme(self, kind: str) -> tuple[ProgrammeItem, ...]:
        """The events or the facts, in the file's order."""
        return tuple(ProgrammeItem.from_data(kind, record) for record in self.records(kind))  # type: ignore[arg-type]

    def sources(self) -> tuple[Source, ...]:
        """The sources registry, in the file's order."""
        return tuple(Source.from_data(record) for record in self.records("source"))

    def registry(self) -> dict[str, Source]:
        """The sources by id, to resolve citations."""
        return {source.id: source for source in self.sources()}

    def data_set(self) -> DataSet:
        return DataSet(
            self.faq(),
            self.pilots(),
            self.categories(),
            self.glossary(),
            self.programme("event"),
            self.programme("fact"),
            self.sources(),
            tuple(map(SynonymRule.parse, self.records("synonym"))),
        )

    def files(self) -> list[dict[str, Any]]:
        """What checking found in each data file when the store was built (for `tp info`)."""
        row = self.database.execute("SELECT value FROM meta WHERE name = 'files'").fetchone()
        return list(json.loads(row[0]))


def build(files: DataFiles, key: str = "") -> sqlite3.Connection:
    """The database of the data files, each checked (the first error raises a DataError)."""
    checked = {kind: check_file(files.paths[kind], kind) for kind in KINDS}
    for file in check_citations(list(checked.values())):
        file.raise_first_error()
    database = sqlite3.connect(":memory:")
    # Sorting and temporary tables in memory too: no temporary file to fail (`ulimit -f`).
    database.executescript("PRAGMA temp_store=MEMORY;" + SCHEMA)
    rows = [
        (kind, str(record[field] if field else n), json.dumps(record, ensure_ascii=False))
        for kind, (file_kind, list_key, field) in RECORDS.items()
        for n, record in enumerate(checked[file_kind].records(list_key))
    ]
    summary = [
        {**file.to_json(), "source": "bundled" if files.is_bundled(files.paths[kind]) else "user"}
        for kind, file in checked.items()
    ]
    with database:
        database.executemany("INSERT INTO records(kind, key, data) VALUES (?, ?, ?)", rows)
        database.execute("INSERT INTO meta VALUES ('files', ?)", (json.dumps(summary),))
        database.execute("INSERT INTO meta VALUES ('key', ?)", (key,))
    search.build_index(database, Store(database).data_set())
    return database


def use(files: DataFiles, run: Callable[[Store], T]) -> T:
    """`run` on the store of the files, fresh from the cache or built; a cached database that
    fails in use (damaged, truncated, locked) is replaced by a fresh one and `run` repeated."""
    sources = [files.paths[kind] for kind in KINDS]
    return query_cached("all", sources, lambda key: build(files, key), lambda db: run(Store(db)))


def cache_dir() -> Path:
    """Where databases go: `TP_CACHE_DIR`, else the platform's user cache folder for tp."""
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("tp", appauthor=False))


class CacheSlot(NamedTuple):
    """Where the database of some data files lives and the identity it must record."""

    file: Path
    key: str
    max_size: int


def _slot(name: str, sources: Sequence[Path]) -> CacheSlot | None:
    """The cache file (`name-*.sqlite`) of `sources` and its key; None when one is not a regular
    file. Paths are keyed as the bytes the system gives (a folder's name need not be UTF-8)."""
    identities: list[object] = [__version__, SCHEMA_VERSION]
    paths, size = [], 0
    for source in sources:
        path = os.fsencode(os.path.abspath(source))  # links need no resolving: the inode is keyed
        try:
            info = os.stat(path)
        except (OSError, ValueError):
            return None
        if not stat.S_ISREG(info.st_mode):
            return None
        size += info.st_size
        paths.append(path)
        identities += [path.hex(), info.st_size, info.st_mtime_ns, info.st_ctime_ns]
        identities += [info.st_ino, info.st_dev]
    spread = zlib.crc32(b"\0".join(paths))  # the name only spreads files; the key decides
    file = f"{name}-{spread:08x}.sqlite"
    key = "\0".join(map(str, identities))
    return CacheSlot(cache_dir() / file, key, max(MAX_SIZE_FLOOR, MAX_SIZE_FACTOR * size))


def _open_cached(slot: CacheSlot) -> sqlite3.Connection | None:
    """The cached database if it is a regular file of sane size recording `slot.key`."""
    try:
        info = os.lstat(slot.file)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_size > slot.max_size:
        return None  # a FIFO would block, /dev/zero or a sparse file would exhaust memory
    database = None
    try:
        uri = Path(slot.file).absolute().as_uri() + "?mode=ro"
        database = sqlite3.connect(uri, uri=True, timeout=LOCK_TIMEOUT)
        database.execute("PRAGMA mmap_size=0")  # a file truncated under us must not SIGBUS
        found = database.execute("SELECT value FROM meta WHERE name = 'key'").fetchone()
        if found is not None and found[0] == slot.key:
            return database
    except (sqlite3.Error, ValueError, OSError):
        pass
    if database is not None:
        database.close()
    return None


def _sweep(folder: Path) -> None:
    """Remove temporary files (and their journals) that runs killed mid-build left over an hour
    ago, or whose time lies in the future (a clock set back)."""
    now = time.time()
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            if TEMPORARY_SUFFIX in entry.name:
                with contextlib.suppress(OSError):
                    age = now - entry.stat(follow_symlinks=False).st_mtime
                    if age > STALE_TEMPORARY_SECONDS or age < -60:
                        os.unlink(entry.path)


def _save(database: sqlite3.Connection, file: Path) -> None:
    """Copy `database` to `file` whole or not at all; a cache that cannot be written is no error."""
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        _sweep(file.parent)
        with replacing(file) as temporary, contextlib.closing(sqlite3.connect(temporary)) as copy:
            database.backup(copy)
    except (OSError, sqlite3.Error):
        pass


def open_cached(
    name: str,
    sources: Sequence[Path],
    build: Callable[[str], sqlite3.Connection],
    rebuild: bool = False,
) -> sqlite3.Connection:
    """The database made from `sources`: cached when none has changed, else `build(key)` and
    saved (`build` raises on an invalid file: nothing is cached then)."""
    slot = None if os.environ.get(NO_CACHE_ENV) else _slot(name, sources)
    if slot is None:
        return build("")
    if not rebuild:
        cached = _open_cached(slot)
        if cached is not None:
            return cached
    database = build(slot.key)
    _save(database, slot.file)
    return database


def query_cached(
    name: str,
    sources: Sequence[Path],
    build: Callable[[str], sqlite3.Connection],
    run: Callable[[sqlite3.Connection], T],
) -> T:
    """`run(database)` on `open_cached`'s database; one that fails while in use (damaged,
    truncated or locked by another process) is replaced by a fresh one and `run` repeated."""
    database = open_cached(name, sources, build)
    try:
        return run(database)
    except sqlite3.DatabaseError:
        database.close()
        database = open_cached(name, sources, build, rebuild=True)
        return run(database)
    finally:
        database.close()


# Writing a file whole or not at all (the cache here, the exports in export.py).


class _Signalled(BaseException):
    """SIGTERM or SIGHUP, raised so that the block's temporary file is removed."""


def _raise_signalled(signum: int, frame: FrameType | None) -> None:
    raise _Signalled(signum)


@contextlib.contextmanager
def _signals_unwind() -> Iterator[None]:
    """While the block runs, SIGTERM and SIGHUP unwind it and then end the process by the same
    signal, as the sender expects; SIGXFSZ (`ulimit -f`) becomes an OSError (EFBIG) instead of
    ending the process on the spot. Ctrl-C already raises; only the main thread can do this."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {
        number: signal.signal(number, _raise_signalled)
        for number in (signal.SIGTERM, signal.SIGHUP)
    }
    previous[signal.SIGXFSZ] = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    try:
        try:
            yield
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
    except _Signalled as stop:
        os.kill(os.getpid(), stop.args[0])
        raise SystemExit(128 + stop.args[0]) from None  # if the previous handler returned


@contextlib.contextmanager
def replacing(target: Path) -> Iterator[str]:
    """A temporary file's path beside `target`, renamed over it (atomic on one file system) when
    the block ends normally, removed with any journal SQLite left beside it when it does not:
    readers see the old file or the new one."""
    import tempfile  # costs start-up time: only a run that writes a file pays for it

    with _signals_unwind():
        descriptor, temporary = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=TEMPORARY_SUFFIX, dir=target.parent
        )
        os.close(descriptor)
        try:
            yield temporary
            os.replace(temporary, target)
        except BaseException:
            for leftover in (temporary, f"{temporary}-journal"):
                with contextlib.suppress(OSError):
                    os.unlink(leftover)
            raise
