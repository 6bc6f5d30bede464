"""The programme beyond the FAQ (`programme.yaml`): dated events and headline figures, sourced.

The file is read with `safe_yaml` (no code from data, bounded size) and checked with `jsonschema`
against `schemas/data/programme.schema.json`; every problem is reported as `file:line:column` from
the YAML nodes' marks. Ids unique across events and facts is the one rule the schema cannot say.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from totalplace_cli.errors import DataError

if TYPE_CHECKING:
    from yaml.nodes import Node

SCHEMA = Path(__file__).resolve().parent / "schemas" / "data" / "programme.schema.json"
BEYOND_THE_FAQ = "Beyond the FAQ: from later sources"
"""The label every rendering of this data carries: none of it is the FAQ's own words."""

Kind = Literal["event", "fact"]
JsonPath = tuple[str | int, ...]


class Marks(NamedTuple):
    """1-based (line, column) of each value, and of each mapping key, by JSON path."""

    values: dict[JsonPath, tuple[int, int]]
    keys: dict[JsonPath, tuple[int, int]]


@dataclass(frozen=True, slots=True)
class ProgrammeItem:
    """One dated event or headline figure and the page that states it; absent fields are None."""

    kind: Kind
    id: str
    text: str
    source: str
    date: str | None = None
    quote: str | None = None
    figure: str | None = None
    period: str | None = None
    source_date: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The form of `tp timeline --json` / `tp facts --json`: every key always present."""
        shape: dict[str, Any] = {"id": self.id, "date": self.date, self.kind: self.text}
        shape |= {"source": self.source, "source_date": self.source_date, "quote": self.quote}
        if self.kind == "fact":
            shape |= {"figure": self.figure, "period": self.period}
        return shape


@dataclass(frozen=True, slots=True)
class Programme:
    """Everything programme.yaml holds, in the file's order."""

    events: tuple[ProgrammeItem, ...] = ()
    facts: tuple[ProgrammeItem, ...] = ()

    def timeline(self) -> list[ProgrammeItem]:
        """The events by date; a partial date ("2009-10") comes before the full dates within it."""
        # Zero-padded ISO dates and their prefixes sort correctly as text; ties keep file order.
        return sorted(self.events, key=lambda event: event.date or "")

    def to_record(self) -> dict[str, Any]:
        """Plain data for the cache (every field of every item)."""
        return {
            "events": [asdict(event) for event in self.events],
            "facts": [asdict(fact) for fact in self.facts],
        }

    @classmethod
    def from_record(cls, record: Any) -> Programme:
        """The inverse of `to_record`; a wrong shape raises, so the cache rebuilds it."""
        events = tuple(ProgrammeItem(**row) for row in record["events"])
        facts = tuple(ProgrammeItem(**row) for row in record["facts"])
        if {item.kind for item in events} - {"event"} or {item.kind for item in facts} - {"fact"}:
            raise ValueError("cached programme items of the wrong kind")
        return cls(events=events, facts=facts)


def load_programme(path: Path) -> Programme:
    """Read and check one programme file; the first problem raises a DataError naming its place.

    A valid file is cached, so later runs skip YAML and jsonschema (an invalid one never is).
    """
    from totalplace_cli.cache import cached

    return cached(path, "programme", lambda: _read_valid(path).to_record(), Programme.from_record)


def _read_valid(path: Path) -> Programme:
    programme, problems = check_programme(path)
    if programme is None:
        more = len(problems) - 1
        raise DataError(problems[0] + (f" (and {more} more)" if more else ""))
    return programme


def check_programme(path: Path) -> tuple[Programme | None, list[str]]:
    """The programme (None if invalid) and every problem as `file:line:column: message`."""
    from totalplace_cli.safe_yaml import DocumentError, compose, decode

    try:
        root = compose(decode(path.read_bytes()))
    except OSError as error:
        return None, [f"{path}: cannot read: {error.strerror or type(error).__name__}"]
    except DocumentError as error:
        where = ":".join(str(n) for n in (path, error.line, error.column) if n is not None)
        return None, [f"{where}: {error.message}"]
    marks = Marks({}, {})
    duplicates: list[str] = []
    data = _plain(root, (), marks, duplicates)
    problems = [f"{path}:{problem}" for problem in duplicates]
    problems += [f"{path}:{problem}" for problem in _schema_problems(data, marks)]
    if not problems:
        problems += [f"{path}:{problem}" for problem in _duplicate_ids(data, marks)]
    if problems:
        return None, problems
    return Programme(
        events=tuple(_item("event", row) for row in data.get("events", ())),
        facts=tuple(_item("fact", row) for row in data.get("facts", ())),
    ), []


def _item(kind: Kind, row: dict[str, Any]) -> ProgrammeItem:
    return ProgrammeItem(
        kind=kind,
        id=row["id"],
        text=" ".join(row[kind].split()),
        source=row["source"],
        date=row.get("date"),
        quote=" ".join(row["quote"].split()) if "quote" in row else None,
        figure=row.get("figure"),
        period=row.get("period"),
        source_date=row.get("source_date"),
    )


def _plain(node: Node, path: JsonPath, marks: Marks, duplicates: list[str]) -> Any:
    """The node as plain JSON-like data, recording each value's 1-based line and column."""
    import yaml

    marks.values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        mapping: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line, column = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            if key in mapping:
                duplicates.append(f"{line}:{column}: {_where(path)}key '{key}' appears twice")
            marks.keys.setdefault((*path, key), (line, column))
            mapping[key] = _plain(value_node, (*path, key), marks, duplicates)
        return mapping
    if isinstance(node, yaml.SequenceNode):
        return [
            _plain(child, (*path, index), marks, duplicates)
            for index, child in enumerate(node.value)
        ]
    if node.tag.endswith((":str", ":timestamp")):
        return node.value  # dates stay as written: 2009-07-30 is text, not a datetime
    from yaml.constructor import SafeConstructor

    return SafeConstructor().construct_object(node)  # int, float, bool, null


def _where(path: JsonPath) -> str:
    """`events[3].date: ` for a path (1-based items, as people count), or nothing at the top."""
    text = ""
    for part in path:
        text += f"[{part + 1}]" if isinstance(part, int) else f".{part}"
    return f"{text.lstrip('.')}: " if text else ""


def _schema_problems(data: Any, marks: Marks) -> list[str]:
    # jsonschema costs ~50 ms to import: only reading this file pays for it. It ships no type
    # stubs, so it is imported by name rather than annotated.
    import importlib

    jsonschema: Any = importlib.import_module("jsonschema")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    found = []
    for error in validator.iter_errors(data):
        path = tuple(error.absolute_path)
        if error.validator == "required" and _misspelt(error):
            continue  # the unknown key's "did you mean" says it
        line, column = marks.values.get(path, (1, 1))
        if error.validator == "additionalProperties":  # point at the unknown key itself
            unknown = [key for key in error.instance if key not in error.schema["properties"]]
            line, column = marks.keys.get((*path, unknown[0]), (line, column))
        # In file order; at one place, an unknown key first: it often explains a missing one.
        order = (line, column, error.validator != "additionalProperties")
        found.append((order, f"{line}:{column}: {_where(path)}{_message(error)}"))
    return [problem for _, problem in sorted(found)]


def _close_key(unknown: str, known: list[str]) -> str | None:
    import difflib

    close = difflib.get_close_matches(unknown, known, n=1)
    return close[0] if close else None


def _misspelt(error: Any) -> bool:
    """True if a missing required key is there under a misspelt name."""
    missing = str(error.message).split("'")[1]
    known = list(error.schema.get("properties", {}))
    unknown = [key for key in error.instance if key not in known]
    return any(_close_key(key, known) == missing for key in unknown)


def _message(error: Any) -> str:
    """jsonschema's message, in our words for the common mistakes."""
    value = error.instance
    if error.validator == "type" and error.validator_value == "string" and value is not None:
        return f"must be text, found {value!r}; put it in quotes"
    if error.validator == "pattern":
        described = error.schema.get("description", f"pattern {error.validator_value}")
        return f"{value!r} is not valid here ({described.rstrip('.')})"
    if error.validator == "additionalProperties":
        known = list(error.schema.get("properties", {}))
        unknown = next(key for key in value if key not in known)
        close = _close_key(unknown, known)
        hint = f"; did you mean '{close}'?" if close else f"; known: {', '.join(known)}"
        return f"unknown key '{unknown}'{hint}"
    if error.validator == "anyOf" and not error.absolute_path:
        return "the file needs 'events' or 'facts' (or both)"
    return str(error.message)


def _duplicate_ids(data: dict[str, Any], marks: Marks) -> list[str]:
    first: dict[str, int] = {}
    problems = []
    for section in ("events", "facts"):
        for index, row in enumerate(data.get(section, ())):
            path: JsonPath = (section, index, "id")
            line, column = marks.values[path]
            if row["id"] in first:
                problems.append(
                    f"{line}:{column}: {_where(path)}duplicate id '{row['id']}' "
                    f"(first on line {first[row['id']]})"
                )
            else:
                first[row["id"]] = line
    return problems
