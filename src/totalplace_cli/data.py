"""Find and load the data files (`faq.yaml`, `pilots.yaml`, ..., one per kind).

A user's data directory (`--data-dir` or `TP_DATA_DIR`) may override any bundled file; a file it
lacks falls back to the bundled one, but a file it names, even as a broken link, is read or
refused, never silently replaced. Valid data is kept in one SQLite database per data set.
"""

# No `from __future__ import annotations`: NamedTuples compile string annotations at start-up.

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple, TypeVar

from totalplace_cli.errors import DataError
from totalplace_cli.models import FaqEntry

if TYPE_CHECKING:
    import sqlite3

    from totalplace_cli.data_format import CheckedFile
    from totalplace_cli.glossary import GlossaryTerm
    from totalplace_cli.pilot_models import PilotCatalogue
    from totalplace_cli.programme import Programme
    from totalplace_cli.search import SynonymRule

T = TypeVar("T")
# data_format and safe_yaml are imported only to read a file: a cached run needs neither.
KINDS = ("faq", "pilots", "glossary", "programme", "synonyms")
"""The kinds of data file; each is read from KIND.yaml against schemas/data/KIND.schema.json."""
DataDirSource = Literal["option", "environment", "bundled"]


def file_name(kind: str) -> str:
    """The name a kind of data file has in a data folder: `faq.yaml`."""
    return f"{kind}.yaml"


def bundled_data_dir() -> Path:
    """The data shipped with the package (or, in a source checkout, the repo's `data/`)."""
    packaged = Path(__file__).resolve().parent / "data"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "data"


class DataFiles(NamedTuple):
    """Which file each kind of data is read from, and where the choice came from."""

    paths: dict[str, Path]
    data_dir: Path | None = None
    source: DataDirSource = "bundled"

    def is_bundled(self, path: Path) -> bool:
        return path.parent == bundled_data_dir()


def resolve_data_files(
    data_dir: str | os.PathLike[str] | None = None, source: DataDirSource = "option"
) -> DataFiles:
    """Pick each file from the user's data dir when it has one, else the bundled copy."""
    bundled = bundled_data_dir()
    if data_dir is None:
        data_dir, source = os.environ.get("TP_DATA_DIR") or None, "environment"
    if data_dir is None:
        return DataFiles({kind: bundled / file_name(kind) for kind in KINDS})
    user = Path(data_dir).expanduser()
    mode = _mode(user, "data directory", follow=True)
    if mode is None:
        raise DataError(f"data directory not found: {user}")
    if stat.S_ISREG(mode):
        raise DataError(
            f"data directory {user} is a file; give the folder that holds it: "
            f"--data-dir {user.parent}"
        )
    if not stat.S_ISDIR(mode):
        raise DataError(f"data directory {user} is not a folder")
    paths = {}
    for kind in KINDS:
        # lstat: a broken or looping link is the user's file (an error when read), not absent.
        mine = user / file_name(kind)
        found = _mode(mine, "data file", follow=False) is not None
        paths[kind] = mine if found else bundled / mine.name
    return DataFiles(paths, data_dir=user, source=source)


def _mode(path: Path, what: str, follow: bool) -> int | None:
    """The file mode at `path` (None if nothing is there); other path errors are DataErrors."""
    from totalplace_cli.safe_yaml import path_error

    try:
        return (os.stat(path) if follow else os.lstat(path)).st_mode
    except FileNotFoundError:
        return None
    except OSError as error:
        shown = str(path) if len(str(path)) <= 200 else f"{str(path)[:200]}..."
        raise DataError(f"cannot use {what} {shown}: {path_error(error)}") from None


def check(path: Path, kind: str) -> "CheckedFile":
    """Read and check one data file; the first error raises a DataError (each `load_` does)."""
    from totalplace_cli.data_format import check_file

    checked = check_file(path, kind)
    errors = checked.errors
    if errors:
        more = len(errors) - 1
        suffix = f" (and {more} more; see 'tp validate {path}')" if more else ""
        raise DataError(f"{errors[0]}{suffix}")
    return checked


def build_data_set(files: DataFiles, key: str = "") -> "sqlite3.Connection":
    """The database of a data set: every data file read, checked and indexed for search."""
    from totalplace_cli.store import build_database

    faq = check(files.paths["faq"], "faq").records()
    programme = load_programme(files.paths["programme"])
    return build_database(
        key,
        map(FaqEntry.from_record, faq),
        load_pilot_catalogue(files.paths["pilots"]).pilots,
        load_glossary(files.paths["glossary"]),
        (*programme.facts, *programme.timeline()),
        load_synonyms(files.paths["synonyms"]),
    )


def query_data_set(files: DataFiles, run: "Callable[[sqlite3.Connection], T]") -> T:
    """`run(database)` on the database of every data file in use, fresh from the cache or built."""
    from functools import partial

    from totalplace_cli.store import query_cached

    build = partial(build_data_set, files)
    return query_cached("all", [files.paths[kind] for kind in KINDS], build, run)


def load_pilot_catalogue(path: Path) -> "PilotCatalogue":
    """One pilots file's pilots and the theme categories they use."""
    from totalplace_cli.pilot_models import Category, Pilot, PilotCatalogue

    checked = check(path, "pilots")
    return PilotCatalogue(
        pilots=tuple(Pilot.from_data(record) for record in checked.records()),
        categories=tuple(Category.from_data(c) for c in checked.records("categories")),
    )


def load_programme(path: Path) -> "Programme":
    from totalplace_cli.programme import programme_from

    return programme_from(check(path, "programme"))


def load_glossary(path: Path) -> "tuple[GlossaryTerm, ...]":
    from totalplace_cli.glossary import GlossaryTerm

    return tuple(GlossaryTerm.from_data(record) for record in check(path, "glossary").records())


def load_synonyms(path: Path) -> "tuple[SynonymRule, ...]":
    from totalplace_cli.search import SynonymRule

    lines: list[str] = check(path, "synonyms").data.get("synonyms") or []  # checked: text
    return tuple(map(SynonymRule.parse, lines))
