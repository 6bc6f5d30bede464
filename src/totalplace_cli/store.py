"""The one SQLite store of a data set, which every command reads: its records and its search index.

Built in memory from the checked data files on first use, then saved to the cache folder whole
(a temporary file and `os.replace`). Its key holds the identity of every data file in it (path,
size, mtime, ctime, inode, device, tp's version): no edit is served stale. A cache file that is
not a regular file, oversized, stale, foreign, damaged or locked is rebuilt, or bypassed in
memory; it is opened read-only and never memory-mapped, so another process cannot crash this one.

Tables: `records` (each record's checked mapping as JSON, by kind and key, in the files' order),
`meta` (the key; what `tp info` says of each file), and the search index: `documents` and their
FTS5 index, the thesaurus by stems (`synonyms`), `elsewhere`, the English counts and `sizes`.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import signal
import sqlite3
import stat
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

from totalplace_cli import __version__, lookup, search
from totalplace_cli.checking import check_citations, check_data_files, check_file
from totalplace_cli.loading import KINDS, DataFiles, shown_path
from totalplace_cli.models import (
    Category,
    DataSet,
    English,
    FaqEntry,
    GlossaryTerm,
    Pilot,
    ProgrammeItem,
    Source,
    SynonymRule,
    readable_date,
    timeline,
)
from totalplace_cli.search import (
    COLUMN_WEIGHTS,
    COMMON_WORD_COUNT,
    TOKENIZER,
    stem_texts,
)
from totalplace_cli.streams import DataError

T = TypeVar("T")

CACHE_DIR_ENV = "TP_CACHE_DIR"
NO_CACHE_ENV = "TP_NO_CACHE"
SCHEMA_VERSION = "10"
TEMPORARY_SUFFIX = ".tp-tmp"  # how a temporary file of tp's is named, for sweeping
STALE_TEMPORARY_SECONDS = 3600  # a temporary file this old was left by a killed run
# A database is a few times the size of its YAML; one far larger is not ours (a sparse file).
MAX_SIZE_FACTOR, MAX_SIZE_FLOOR = 16, 64 << 20
LOCK_TIMEOUT = 0.2  # seconds to wait for a locked database before building one in memory

# Sorting and temporary tables in memory: no temporary file to fail (`ulimit -f`).
SCHEMA = """
PRAGMA temp_store=MEMORY;
CREATE TABLE meta(name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE records(kind TEXT NOT NULL, key TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (kind, key));
"""
# One document per record: FTS5 ranks the title (a question, a pilot's name), `asked` (other
# ways of asking an FAQ question), the keywords and the body (an answer, a pilot's themes).
INDEX_SCHEMA = f"""
PRAGMA temp_store=MEMORY;
CREATE TABLE documents(
    rowid INTEGER PRIMARY KEY, kind TEXT NOT NULL, key TEXT NOT NULL, title TEXT NOT NULL,
    asked TEXT NOT NULL, keywords TEXT NOT NULL, body TEXT NOT NULL, record TEXT NOT NULL);
CREATE VIRTUAL TABLE documents_fts USING fts5(
    title, asked, keywords, body, content='documents', content_rowid='rowid',
    tokenize='{TOKENIZER}');
CREATE TABLE synonyms(stems TEXT NOT NULL, expansion TEXT NOT NULL,
    PRIMARY KEY (stems, expansion)) WITHOUT ROWID;
CREATE TABLE elsewhere(stems TEXT PRIMARY KEY, phrase TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE english(word TEXT PRIMARY KEY, count INTEGER NOT NULL) WITHOUT ROWID;
CREATE VIRTUAL TABLE vocabulary USING fts5vocab(documents_fts, col);
CREATE VIRTUAL TABLE vocabulary_instances USING fts5vocab(documents_fts, instance);
CREATE TABLE sizes(name TEXT PRIMARY KEY, size REAL NOT NULL) WITHOUT ROWID;
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
    "elsewhere": ("synonyms", "elsewhere", ""),
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

    def find_entry(self, key: str) -> FaqEntry:
        """The entry a person names: by number through the index, else by slug or question."""
        number = lookup.question_number(key)
        entry = self.entry(number) if number is not None else None
        return entry or lookup.find_entry(self.faq(), key)

    def ask(
        self, query: str, limit: int, kinds: frozenset[str] | None, closest: bool
    ) -> tuple[search.Answer, str | None, list[FaqEntry]]:
        """What `tp ask` finds; when nothing, a respelt query to suggest and, with `closest`, the
        questions nearest to it: never a dead end for a person."""
        answer = search.search(self.database, query, limit=limit, kinds=kinds)
        if answer.results:
            return answer, None, []
        nearest = search.closest_questions(self.database, query) if closest else []
        return answer, search.suggest_query(self.database, query), nearest

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
        return tuple(ProgrammeItem.from_data(kind, record) for record in self.records(kind))  # type: ignore[arg-type]

    def sources(self) -> tuple[Source, ...]:
        return tuple(Source.from_data(record) for record in self.records("source"))

    def registry(self) -> dict[str, Source]:
        return {source.id: source for source in self.sources()}

    def data_set(self, english: bool = False) -> DataSet:
        """Every record; with `english`, the English counts too (for the page's search)."""
        counts = None
        if english:
            sizes = dict(self.database.execute("SELECT * FROM sizes"))
            counts = English(dict(self.database.execute("SELECT * FROM english")), sizes["english"])
        return DataSet(
            self.faq(),
            self.pilots(),
            self.categories(),
            self.glossary(),
            self.programme("event"),
            self.programme("fact"),
            self.sources(),
            tuple(map(SynonymRule.parse, self.records("synonym"))),
            tuple(self.records("elsewhere")),
            counts,
        )

    def files(self) -> list[dict[str, Any]]:
        """What checking found in each data file when the store was built (for `tp info`)."""
        row = self.database.execute("SELECT value FROM meta WHERE name = 'files'").fetchone()
        return list(json.loads(row[0]))


def describe(files: DataFiles) -> tuple[dict[str, Any], DataError | None]:
    """What `tp info` shows (tp's version, each data file in use), and the error of a broken
    file: every file is described all the same, from checking it when no store can be built."""
    try:
        summary, problems = use(files, Store.files), []
    except DataError:
        checked = check_data_files(files)
        summary = [file.to_json() for file in checked]
        problems = [problem for file in checked for problem in file.errors]
        for row, kind in zip(summary, KINDS, strict=True):
            row["source"] = "bundled" if files.is_bundled(files.paths[kind]) else "user"
    details = {
        "tp_version": __version__,
        "data_dir": shown_path(files.data_dir) if files.data_dir else None,
        "data_dir_source": files.source,
        "files": summary,
    }
    if not problems:
        return details, None
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return details, DataError(f"{problems[0]}{more}; run 'tp validate' for every problem")


def build(files: DataFiles, key: str = "") -> sqlite3.Connection:
    """The database of the data files, each checked (the first error raises a DataError)."""
    checked = {kind: check_file(files.paths[kind], kind) for kind in KINDS}
    for file in check_citations(list(checked.values())):
        file.raise_first_error()
    database = sqlite3.connect(":memory:")
    database.executescript(SCHEMA)
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
    build_index(database, Store(database).data_set())
    return database


# The search index.


def documents(data: DataSet) -> Iterator[tuple[str, str, str, str, str, str, dict[str, Any]]]:
    """Each record as a document: kind, key, title, asked, keywords, body, and the record (to
    rebuild it without the YAML). Keywords name what a record is ("pilot area", "acronym",
    "figure", "date"): "which pilot ...", "HMT acronym" ask for one."""
    for entry in data.faq:
        record = {"id": entry.id, "slug": entry.slug, "keywords": entry.keywords}
        record["also_asked"] = entry.also_asked
        asked, keywords = "\n".join(entry.also_asked), " ; ".join(entry.keywords)
        yield "faq", str(entry.id), entry.question, asked, keywords, entry.answer, record
    sources = data.registry()
    for pilot in data.pilots:
        words = ["pilot area", *filter(None, [pilot.official_name]), pilot.region]
        words += [*pilot.authorities, *(c.replace("-", " ") for c in pilot.categories)]
        texts = [*(t.text for t in pilot.themes), *(f.text for f in pilot.figures)]
        texts += [t.text for t in pilot.field_trials]
        keywords, body = " ; ".join(words), "\n".join(texts)
        yield "pilot", pilot.id, pilot.name, "", keywords, body, pilot.to_json(sources)
    for term in data.glossary:
        record = {k: v for k, v in term.to_json().items() if k != "used_in"}
        keywords = " ; ".join(["acronym", *term.aliases])
        yield "term", term.term, term.term, "", keywords, term.expansion, record
    for item in (*data.facts, *timeline(data.events)):
        # The text is the body, not a title: a fact's short text would outweigh the questions.
        named = "figure" if item.kind == "fact" else "date"
        # The date also as people write it ("January 2010"), for "what happened in January 2010".
        date = item.date and readable_date(item.date)
        keywords = " ; ".join(filter(None, (named, item.figure, item.period, item.date, date)))
        body = "\n".join(filter(None, (item.text, item.quote)))
        yield item.kind, item.id, "", "", keywords, body, item.to_json(sources)


def build_index(database: sqlite3.Connection, data: DataSet) -> None:
    """Fill the search index of `database` (`data.english`, when given, spares loading them)."""
    database.executescript(INDEX_SCHEMA)
    rows = [(n, *row[:6], json.dumps(row[6])) for n, row in enumerate(documents(data), start=1)]
    english = data.english or english_word_counts()
    with database:
        database.executemany("INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        database.execute(
            "INSERT INTO documents_fts(rowid, title, asked, keywords, body) "
            "SELECT rowid, title, asked, keywords, body FROM documents"
        )
        # One b-tree per term: a query over a large data set costs a tenth less (60 ms once).
        database.execute("INSERT INTO documents_fts(documents_fts) VALUES ('optimize')")
        database.executemany(
            "INSERT INTO english VALUES (?, ?)",
            english.counts.items(),
        )
        columns = database.execute("SELECT col, sum(cnt) FROM vocabulary GROUP BY col")
        tokens = sum(COLUMN_WEIGHTS[column] * count for column, count in columns)
        sizes = {"english": english.total, "data": max(tokens, 1.0)}
        kinds = database.execute("SELECT kind, count(*) FROM documents GROUP BY kind")
        sizes |= {f"documents {kind}": count for kind, count in kinds}
        sizes["documents"] = len(rows)
        database.executemany("INSERT INTO sizes VALUES (?, ?)", sizes.items())
        rules = [*data.thesaurus, *glossary_rules(data.glossary, english.counts)]
        texts = sorted({text for rule in rules for text in (*rule.words, *rule.expansions)})
        stems = dict(zip(texts, map(" ".join, stem_texts(database, texts)), strict=True))
        # Each word's expansions once by their stems ("alcoholism", "alcohol"), never itself:
        # read backwards, so that the first spelling of a stem is the one kept.
        expansions = {
            (stems[word], stems[text]): text
            for rule in reversed(rules)
            for word in rule.words
            for text in reversed(rule.expansions)
            if stems[text] != stems[word]
        }
        database.executemany(
            "INSERT INTO synonyms VALUES (?, ?)",
            [(word, text) for (word, _), text in expansions.items()],
        )
        phrases = stem_texts(database, data.elsewhere)
        database.executemany(
            "INSERT OR IGNORE INTO elsewhere VALUES (?, ?)",
            [(" ".join(s), text) for s, text in zip(phrases, data.elsewhere, strict=True) if s],
        )


def glossary_rules(
    terms: Iterable[GlossaryTerm], english: Mapping[str, int]
) -> Iterator[SynonymRule]:
    """Each acronym, its other spellings and its expansion search each other ("HMT", "HM
    Treasury"), unless it is also a common English word ("IDeA" is not "idea")."""
    for term in terms:
        spellings = [term.term, *term.aliases]
        if all(english.get(spelling.lower(), 0) < COMMON_WORD_COUNT for spelling in spellings):
            words = (*spellings, term.expansion)
            yield SynonymRule(words, words)


@functools.cache
def english_word_counts() -> English:
    """How common English words are (pyspellchecker's counts), read once a process: loading
    costs 0.2-0.6 s, and tests and benchmarks build many indexes. A cached run never reads it."""
    import spellchecker  # read only to build an index

    every = spellchecker.SpellChecker(distance=1).word_frequency.dictionary
    common = {word: n for word, n in every.items() if n >= COMMON_WORD_COUNT}
    return English(common, sum(every.values()))


# The cache.


def cache_dir() -> Path:
    """Where databases go: `TP_CACHE_DIR`, else the platform's user cache folder for tp."""
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("tp", appauthor=False))


def use(files: DataFiles, run: Callable[[Store], T]) -> T:
    """`run` on the store of the files, cached or built; a cached database that fails in use
    (damaged, truncated, locked by another process) is replaced by a fresh one, `run` repeated."""
    database = open_cached(files)
    try:
        return run(Store(database))
    except sqlite3.DatabaseError:
        database.close()
        database = open_cached(files, rebuild=True)
        return run(Store(database))
    finally:
        database.close()


def open_cached(files: DataFiles, rebuild: bool = False) -> sqlite3.Connection:
    """The database of the files: the cached one when none has changed, else built and saved
    (an invalid file raises: nothing is cached then). Paths are keyed as the bytes the system
    gives (a folder's name need not be UTF-8); a source that is not a regular file, or
    TP_NO_CACHE, means no cache."""
    if os.environ.get(NO_CACHE_ENV):
        return build(files)
    identities: list[object] = [__version__, SCHEMA_VERSION]
    paths, size = [], 0
    for source in (files.paths[kind] for kind in KINDS):
        path = os.fsencode(os.path.abspath(source))  # links need no resolving: the inode is keyed
        try:
            info = os.stat(path)
        except (OSError, ValueError):
            return build(files)
        if not stat.S_ISREG(info.st_mode):
            return build(files)
        size += info.st_size
        paths.append(path)
        identities += [path.hex(), info.st_size, info.st_mtime_ns, info.st_ctime_ns]
        identities += [info.st_ino, info.st_dev]
    # The name only spreads files; the key decides.
    spread = zlib.crc32(b"\0".join(paths))
    file = cache_dir() / f"all-{spread:08x}.sqlite"
    key = "\0".join(map(str, identities))
    cached = None if rebuild else _open(file, key, max(MAX_SIZE_FLOOR, MAX_SIZE_FACTOR * size))
    if cached is not None:
        return cached
    database = build(files, key)
    _save(database, file)
    return database


def _open(file: Path, key: str, max_size: int) -> sqlite3.Connection | None:
    """The cached database if it is a regular file of sane size recording `key`."""
    try:
        info = os.lstat(file)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_size > max_size:
        return None  # a FIFO would block, /dev/zero or a sparse file would exhaust memory
    database = None
    try:
        uri = file.absolute().as_uri() + "?mode=ro"
        database = sqlite3.connect(uri, uri=True, timeout=LOCK_TIMEOUT)
        database.execute("PRAGMA mmap_size=0")  # a file truncated under us must not SIGBUS
        found = database.execute("SELECT value FROM meta WHERE name = 'key'").fetchone()
        if found is not None and found[0] == key:
            return database
    except (sqlite3.Error, ValueError, OSError):
        pass
    if database is not None:
        database.close()
    return None


def _save(database: sqlite3.Connection, file: Path) -> None:
    """Copy `database` to `file` whole or not at all, first removing temporary files (and their
    journals) that runs killed mid-build left over an hour ago, or whose time lies in the future
    (a clock set back). A cache that cannot be written is no error."""
    with contextlib.suppress(OSError, sqlite3.Error):
        file.parent.mkdir(parents=True, exist_ok=True)
        now = time.time()
        for entry in os.scandir(file.parent):
            if TEMPORARY_SUFFIX in entry.name:
                with contextlib.suppress(OSError):
                    age = now - entry.stat(follow_symlinks=False).st_mtime
                    if age > STALE_TEMPORARY_SECONDS or age < -60:
                        os.unlink(entry.path)
        with replacing(file) as temporary, contextlib.closing(sqlite3.connect(temporary)) as copy:
            database.backup(copy)


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
