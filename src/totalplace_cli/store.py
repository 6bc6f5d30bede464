"""One SQLite database per data set: the cache of the validated records and their search index.

Built in memory from the validated YAML on first use, then saved to the cache folder through a
temporary file and `os.replace`, so a reader sees a whole database or none. Its key holds the
identity of every data file in it (path, size, mtime, ctime, inode, device, tp's version): no edit
is ever served stale. A cache file that is not a regular file, is oversized, stale, foreign,
damaged or locked is rebuilt, or bypassed in memory with the same results; it is opened read-only
and never memory-mapped, so another process cannot crash this one.

Tables: `meta` (the key), and the search index's own (`search.build_index`): `documents` (one
row per record, with its JSON `record`), their FTS5 index, the thesaurus and the English word
counts, all read from this one file.
"""

# No `from __future__ import annotations`: NamedTuples compile string annotations at start-up.

import contextlib
import json
import os
import sqlite3
import stat
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from totalplace_cli import __version__
from totalplace_cli.models import FaqEntry

if TYPE_CHECKING:
    from totalplace_cli.glossary import GlossaryTerm
    from totalplace_cli.pilot_models import Pilot
    from totalplace_cli.programme import ProgrammeItem
    from totalplace_cli.search import SynonymRule

T = TypeVar("T")

CACHE_DIR_ENV = "TP_CACHE_DIR"
NO_CACHE_ENV = "TP_NO_CACHE"
SCHEMA_VERSION = "7"
STALE_TEMPORARY_SECONDS = 3600  # a temporary file this old was left by a killed run
# A database is a few times the size of its YAML; one far larger is not ours (a sparse file).
MAX_SIZE_FACTOR, MAX_SIZE_FLOOR = 16, 64 << 20
LOCK_TIMEOUT = 0.2  # seconds to wait for a locked database before building one in memory

SCHEMA = "CREATE TABLE meta(name TEXT PRIMARY KEY, value TEXT NOT NULL);"


def build_database(
    key: str,
    faq: Iterable[FaqEntry],
    pilots: Iterable["Pilot"] = (),
    terms: Iterable["GlossaryTerm"] = (),
    programme_items: Iterable["ProgrammeItem"] = (),
    thesaurus: Iterable["SynonymRule"] = (),
) -> sqlite3.Connection:
    """An in-memory database of the records, with the search index and `key` in `meta`."""
    from totalplace_cli.search import build_index

    database = sqlite3.connect(":memory:")
    database.executescript(SCHEMA)
    build_index(database, faq, pilots, terms, programme_items, thesaurus)
    with database:
        database.execute("INSERT INTO meta VALUES ('key', ?)", (key,))
    return database


def cache_dir() -> Path:
    """Where databases go: `TP_CACHE_DIR`, else the platform's user cache folder for tp."""
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return Path(override).expanduser()
    # On Linux platformdirs answers $XDG_CACHE_HOME or ~/.cache; saying so here spares a cached
    # run its import (a tenth of the run). Anything unusual (a relative path) is left to it.
    if sys.platform == "linux":
        xdg, home = os.environ.get("XDG_CACHE_HOME", ""), os.environ.get("HOME", "")
        if os.path.isabs(xdg):
            return Path(xdg, "tp")
        if os.path.isabs(home):
            return Path(home, ".cache", "tp")
    import platformdirs

    return Path(platformdirs.user_cache_dir("tp", appauthor=False))


class CacheSlot(NamedTuple):
    """Where the database of one data file lives and the identity it must record."""

    file: Path
    key: str
    max_size: int


def _slot(name: str, *sources: Path) -> CacheSlot | None:
    """The cache file (`name-*.sqlite`) of `sources` and its key; None when one is not a regular
    file."""
    identities: list[object] = [__version__, SCHEMA_VERSION]
    size = 0
    for source in sources:
        resolved = os.path.abspath(source)  # links need no resolving: the inode is in the key
        try:
            info = os.stat(resolved)
        except (OSError, ValueError):
            return None
        if not stat.S_ISREG(info.st_mode):
            return None
        size += info.st_size
        identities += [resolved, info.st_size, info.st_mtime_ns, info.st_ctime_ns]
        identities += [info.st_ino, info.st_dev]
    import zlib  # the name only spreads files out; the full key is stored inside and compared

    paths = "\0".join(str(identity) for identity in identities[2::6])
    file = f"{name}-{zlib.crc32(os.fsencode(paths)):08x}.sqlite"
    key = "\0".join(map(str, identities))
    max_size = max(MAX_SIZE_FLOOR, MAX_SIZE_FACTOR * size)
    return CacheSlot(cache_dir() / file, key, max_size)


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
    """Remove temporary files that runs killed mid-build left over an hour ago, and the JSON
    cache files that tp wrote before it had a database (`faq-*.json`, `index-*.json`)."""
    from totalplace_cli.writing import TEMPORARY_SUFFIX

    cutoff = time.time() - STALE_TEMPORARY_SECONDS
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            name = entry.name
            if name.endswith(".json") and name.startswith(("faq-", "index-")):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
            elif name.endswith(TEMPORARY_SUFFIX):
                with contextlib.suppress(OSError):
                    if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                        os.unlink(entry.path)


def _save(database: sqlite3.Connection, file: Path) -> None:
    """Copy `database` to `file` whole or not at all; a cache that cannot be written is no error."""
    from totalplace_cli.writing import replacing  # only writers pay for tempfile

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
    slot = None if os.environ.get(NO_CACHE_ENV) else _slot(name, *sources)
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


def read_faq_entries(database: sqlite3.Connection) -> tuple[FaqEntry, ...]:
    """Every FAQ entry of a database, in the data file's order."""
    rows = database.execute(
        "SELECT title, body, record FROM documents WHERE kind = 'faq' ORDER BY rowid"
    )
    return tuple(
        FaqEntry.from_record({**json.loads(record), "question": question, "answer": answer})
        for question, answer, record in rows
    )
