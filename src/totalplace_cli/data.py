"""Find, load, validate and cache the data files (`faq.yaml`, `pilots.yaml`, `glossary.yaml`).

The bundled files ship inside the package; a user's data directory (`--data-dir` or the
`TP_DATA_DIR` environment variable) may override any of them, and a file it lacks falls back to
the bundled one. Reading goes through `safe_yaml` (no tag can construct Python objects, sizes and
depths are capped) and checking through `spec` (the one description of each record type), so
commands and `tp validate` report the same problems in the same words. The FAQ and its search
index, which a user's large FAQ makes costly, are kept in one SQLite database per FAQ file
(`store.py`) once valid.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple

from totalplace_cli.errors import DataError
from totalplace_cli.models import FaqEntry

if TYPE_CHECKING:
    import sqlite3

    from totalplace_cli.glossary import GlossaryTerm
    from totalplace_cli.pilot_models import Pilot, PilotCatalogue
    from totalplace_cli.spec import CheckedFile, FileSpec

# The field specifications (spec.py) and the YAML reader are imported only when a file must be
# read and checked: a run answered from the cache needs neither.
FAQ_FILE = "faq.yaml"
PILOTS_FILE = "pilots.yaml"
GLOSSARY_FILE = "glossary.yaml"
DATA_DIR_ENV = "TP_DATA_DIR"

DataDirSource = Literal["option", "environment", "bundled"]


def bundled_data_dir() -> Path:
    """The data shipped with the package (or, in a source checkout, the repo's `data/`)."""
    packaged = Path(__file__).resolve().parent / "data"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "data"


class DataFiles(NamedTuple):
    """Which file each kind of data is read from, and where the choice came from."""

    faq: Path
    pilots: Path
    glossary: Path
    data_dir: Path | None = None
    source: DataDirSource = "bundled"

    def path_for(self, spec: FileSpec) -> Path:
        """The file in use for a kind of data (`spec.kind` names the attribute)."""
        path: Path = getattr(self, spec.kind)
        return path

    def is_bundled(self, path: Path) -> bool:
        return path.parent == bundled_data_dir()


def resolve_data_files(
    data_dir: str | os.PathLike[str] | None = None, source: DataDirSource = "option"
) -> DataFiles:
    """Pick each file from the user's data dir when it has one, else the bundled copy."""
    bundled = bundled_data_dir()
    if data_dir is None:
        data_dir, source = os.environ.get(DATA_DIR_ENV) or None, "environment"
    if data_dir is None:
        return DataFiles(bundled / FAQ_FILE, bundled / PILOTS_FILE, bundled / GLOSSARY_FILE)
    user = Path(data_dir).expanduser()
    if not user.is_dir():
        raise DataError(f"data directory not found: {user}")

    def pick(name: str) -> Path:
        # exists(), not is_file(): a named pipe is a file the user meant us to read.
        return user / name if (user / name).exists() else bundled / name

    return DataFiles(
        pick(FAQ_FILE), pick(PILOTS_FILE), pick(GLOSSARY_FILE), data_dir=user, source=source
    )


def _load(path: Path, spec: FileSpec) -> CheckedFile:
    from totalplace_cli.checking import check_file

    checked = check_file(path, spec)
    errors = checked.errors
    if errors:
        more = len(errors) - 1
        suffix = f" (and {more} more; see 'tp validate {path}')" if more else ""
        raise DataError(f"{errors[0]}{suffix}")
    return checked


def read_faq(path: Path) -> tuple[FaqEntry, ...]:
    """Read and validate one FAQ file, without the cache."""
    from totalplace_cli.spec import FAQ_SPEC

    return tuple(_load(path, FAQ_SPEC).records)


def load_faq(path: Path) -> tuple[FaqEntry, ...]:
    """Read and validate one FAQ file; the first error raises a DataError naming file and entry.

    The entries come from the data set's database (`store.py`), built from the YAML on first use,
    so later runs skip YAML (an invalid file is never cached and reports its error every time).
    """
    from totalplace_cli.store import load_faq_entries

    return load_faq_entries(path)


def load_search_index(path: Path) -> sqlite3.Connection:
    """The database of one FAQ file, fresh from the cache or built (the caller closes it)."""
    from totalplace_cli.store import open_database

    return open_database(path)


def load_pilot_catalogue(path: Path) -> PilotCatalogue:
    """Read and validate one pilots file: its pilots and the theme categories they use."""
    from totalplace_cli.pilot_models import PilotCatalogue
    from totalplace_cli.spec import PILOTS_SPEC

    checked = _load(path, PILOTS_SPEC)
    categories = tuple(checked.sections.get("categories", ()))
    return PilotCatalogue(pilots=tuple(checked.records), categories=categories)


def load_pilots(path: Path) -> tuple[Pilot, ...]:
    """Read and validate one pilots file; the first error raises naming file and pilot."""
    return load_pilot_catalogue(path).pilots


def load_glossary(path: Path) -> tuple[GlossaryTerm, ...]:
    """Read and validate one glossary file; the first error raises naming file and term."""
    from totalplace_cli.spec import GLOSSARY_SPEC

    return tuple(_load(path, GLOSSARY_SPEC).records)
