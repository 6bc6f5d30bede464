"""Find, load and validate the data files (`faq.yaml`, `pilots.yaml`, `glossary.yaml`).

The bundled files ship inside the package; a user's data directory (`--data-dir` or the
`TP_DATA_DIR` environment variable) may override either file, and a file it lacks falls back to
the bundled one. YAML is parsed with safe loading only: no tag can construct Python objects.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from totalplace_cli.errors import DataError

if TYPE_CHECKING:
    from totalplace_cli.search import SearchIndex

from totalplace_cli.models import (
    Category,
    Dataset,
    FaqEntry,
    Pilot,
    PilotCatalogue,
    SourcedText,
)

FAQ_FILE = "faq.yaml"
PILOTS_FILE = "pilots.yaml"
GLOSSARY_FILE = "glossary.yaml"
DATA_DIR_ENV = "TP_DATA_DIR"


def bundled_data_dir() -> Path:
    """The data shipped with the package (or, in a source checkout, the repo's `data/`)."""
    packaged = Path(__file__).resolve().parent / "data"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "data"


@dataclass(frozen=True, slots=True)
class DataFiles:
    """Which file each kind of data is read from."""

    faq: Path
    pilots: Path
    glossary: Path


def resolve_data_files(data_dir: str | os.PathLike[str] | None = None) -> DataFiles:
    """Pick each file from the user's data dir when it has one, else the bundled copy."""
    bundled = bundled_data_dir()
    if data_dir is None:
        data_dir = os.environ.get(DATA_DIR_ENV) or None
    if data_dir is None:
        return DataFiles(bundled / FAQ_FILE, bundled / PILOTS_FILE, bundled / GLOSSARY_FILE)
    user = Path(data_dir).expanduser()
    if not user.is_dir():
        raise DataError(f"data directory not found: {user}")
    faq, pilots, glossary = user / FAQ_FILE, user / PILOTS_FILE, user / GLOSSARY_FILE
    return DataFiles(
        faq if faq.is_file() else bundled / FAQ_FILE,
        pilots if pilots.is_file() else bundled / PILOTS_FILE,
        glossary if glossary.is_file() else bundled / GLOSSARY_FILE,
    )


def read_yaml(path: Path) -> Any:
    """Parse one YAML file safely, with a clear error for unreadable or malformed files."""
    # PyYAML costs ~25 ms to import: only paths that parse YAML pay for it.
    import yaml

    loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise DataError(f"{path}: cannot read file ({error.strerror})") from None
    if not raw.strip():
        raise DataError(f"{path}: file is empty")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DataError(f"{path}: not UTF-8 text (byte {error.start})") from None
    try:
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise DataError(f"{path}{where}: invalid YAML: {problem}") from None


def _entries(document: Any, key: str, path: Path) -> list[Any]:
    if not isinstance(document, Mapping) or not isinstance(document.get(key), list):
        raise DataError(f"{path}: expected a mapping with a list under '{key}'")
    return list(document[key])


def _text(record: Mapping[str, Any], field: str, where: str) -> str:
    value = record.get(field)
    if not isinstance(value, str) or not value.strip():
        raise DataError(f"{where}: '{field}' must be non-empty text")
    return value


def parse_faq(document: Any, path: Path) -> tuple[FaqEntry, ...]:
    """Validate a parsed faq.yaml into records; the first problem raises naming file and entry."""
    entries: list[FaqEntry] = []
    seen_ids: set[int] = set()
    seen_slugs: set[str] = set()
    for index, record in enumerate(_entries(document, "entries", path), 1):
        where = f"{path}: entry {index}"
        if not isinstance(record, Mapping):
            raise DataError(f"{where}: expected a mapping")
        entry_id = record.get("id")
        if not isinstance(entry_id, int) or isinstance(entry_id, bool) or entry_id < 1:
            raise DataError(f"{where}: 'id' must be a positive integer")
        where = f"{path}: entry {index} (id {entry_id})"
        keywords = record.get("keywords", [])
        if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
            raise DataError(f"{where}: 'keywords' must be a list of text")
        entry = FaqEntry(
            id=entry_id,
            slug=_text(record, "slug", where),
            question=_text(record, "question", where),
            answer=_text(record, "answer", where),
            keywords=tuple(keywords),
        )
        if entry.id in seen_ids:
            raise DataError(f"{where}: duplicate id {entry.id}")
        if entry.slug in seen_slugs:
            raise DataError(f"{where}: duplicate slug '{entry.slug}'")
        seen_ids.add(entry.id)
        seen_slugs.add(entry.slug)
        entries.append(entry)
    return tuple(entries)


def _optional_text(record: Mapping[str, Any], field: str, where: str) -> str | None:
    if field not in record:
        return None
    return _text(record, field, where)


def _text_list(record: Mapping[str, Any], field: str, where: str) -> tuple[str, ...]:
    value = record.get(field, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise DataError(f"{where}: '{field}' must be a list of non-empty text")
    return tuple(value)


def _url(value: Any, field: str, where: str) -> str:
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise DataError(f"{where}: '{field}' must be an http(s) URL")
    return value


def _sourced_texts(record: Mapping[str, Any], field: str, where: str) -> tuple[SourcedText, ...]:
    """A list of `{text, source}` mappings: every statement carries the URL that makes it."""
    value = record.get(field, [])
    if not isinstance(value, list):
        raise DataError(f"{where}: '{field}' must be a list of {{text, source}} mappings")
    items: list[SourcedText] = []
    for number, item in enumerate(value, 1):
        at = f"{where}: {field} {number}"
        if not isinstance(item, Mapping):
            raise DataError(f"{at}: expected a mapping with 'text' and 'source'")
        items.append(SourcedText(_text(item, "text", at), _url(item.get("source"), "source", at)))
    return tuple(items)


def parse_categories(document: Any, path: Path) -> tuple[Category, ...]:
    """The optional `categories:` list of pilots.yaml (the vocabulary of `--theme`)."""
    if not isinstance(document, Mapping) or "categories" not in document:
        return ()
    if not isinstance(document["categories"], list):
        raise DataError(f"{path}: 'categories' must be a list")
    categories: list[Category] = []
    for index, record in enumerate(document["categories"], 1):
        where = f"{path}: category {index}"
        if not isinstance(record, Mapping):
            raise DataError(f"{where}: expected a mapping")
        category_id = _text(record, "id", where)
        where = f"{path}: category {index} ({category_id})"
        if category_id in {c.id for c in categories}:
            raise DataError(f"{where}: duplicate id '{category_id}'")
        categories.append(
            Category(
                id=category_id,
                label=_text(record, "label", where),
                synonyms=_text_list(record, "synonyms", where),
            )
        )
    return tuple(categories)


def _pilot(record: Mapping[str, Any], where: str, category_ids: set[str]) -> Pilot:
    authorities: tuple[str, ...] = ()
    authorities_source = None
    if "authorities" in record:
        group = record["authorities"]
        if not isinstance(group, Mapping):
            raise DataError(f"{where}: 'authorities' must be a mapping with 'source' and 'members'")
        authorities = _text_list(group, "members", f"{where}: authorities")
        authorities_source = _url(group.get("source"), "source", f"{where}: authorities")
    categories = _text_list(record, "categories", where)
    for category in categories:
        if category not in category_ids:
            known = ", ".join(sorted(category_ids)) or "none defined"
            raise DataError(f"{where}: unknown category '{category}' (known: {known})")
    sources = record.get("sources", [])
    if not isinstance(sources, list):
        raise DataError(f"{where}: 'sources' must be a list of URLs")
    themes = _sourced_texts(record, "themes", where)
    if categories and not themes:
        raise DataError(f"{where}: 'categories' need sourced 'themes' to derive from")
    return Pilot(
        id=_text(record, "id", where),
        name=_text(record, "name", where),
        region=_text(record, "region", where),
        official_name=_optional_text(record, "official_name", where),
        themes=themes,
        categories=categories,
        authorities=authorities,
        authorities_source=authorities_source,
        figures=_sourced_texts(record, "figures", where),
        field_trials=_sourced_texts(record, "field_trials", where),
        sources=tuple(_url(url, "sources", where) for url in sources),
    )


def parse_pilot_catalogue(document: Any, path: Path) -> PilotCatalogue:
    """Validate a parsed pilots.yaml; the first problem raises naming file and pilot."""
    categories = parse_categories(document, path)
    category_ids = {category.id for category in categories}
    pilots: list[Pilot] = []
    seen: set[str] = set()
    for index, record in enumerate(_entries(document, "pilots", path), 1):
        where = f"{path}: pilot {index}"
        if not isinstance(record, Mapping):
            raise DataError(f"{where}: expected a mapping")
        pilot_id = _text(record, "id", where)
        where = f"{path}: pilot {index} ({pilot_id})"
        pilot = _pilot(record, where, category_ids)
        if pilot.id in seen:
            raise DataError(f"{where}: duplicate id '{pilot.id}'")
        seen.add(pilot.id)
        pilots.append(pilot)
    return PilotCatalogue(pilots=tuple(pilots), categories=categories)


def parse_pilots(document: Any, path: Path) -> tuple[Pilot, ...]:
    """Validate a parsed pilots.yaml; the first problem raises naming file and pilot."""
    return parse_pilot_catalogue(document, path).pilots


def read_document(path: Path) -> Any:
    """The parsed document of a data file, from the JSON cache when it is fresh.

    The cached document is validated again on every load, exactly like a freshly parsed one.
    """
    from totalplace_cli.cache import cached

    return cached(path, "document", lambda: read_yaml(path))


def load_search_index(path: Path) -> SearchIndex:
    """The search index of one FAQ file, from the cache when it is fresh (built otherwise)."""
    from totalplace_cli.cache import cached
    from totalplace_cli.search import SearchIndex, build_index

    # Built from the YAML itself, not the document cache: a first run writes one cache file.
    return cached(
        path,
        "index",
        lambda: build_index(parse_faq(read_yaml(path), path)).to_json(),
        decode=SearchIndex.from_json,
    )


def load_faq(path: Path) -> tuple[FaqEntry, ...]:
    """Read and validate one FAQ file."""
    return parse_faq(read_document(path), path)


def load_pilots(path: Path) -> tuple[Pilot, ...]:
    """Read and validate one pilots file."""
    return parse_pilots(read_document(path), path)


def load_pilot_catalogue(path: Path) -> PilotCatalogue:
    """Read and validate one pilots file, with its theme categories."""
    return parse_pilot_catalogue(read_yaml(path), path)


def load_dataset(files: DataFiles) -> Dataset:
    """Load both files."""
    return Dataset(faq=load_faq(files.faq), pilots=load_pilots(files.pilots))
