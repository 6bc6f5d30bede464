"""The data files checked against their JSON Schemas (`schemas/data/KIND.schema.json`, with our
keywords `x-unique` and `x-severity`) and the few rules a schema cannot say, as `file:line:col`
problems shared by the store's build and `tp validate`; only they import jsonschema."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, cast

from totalplace_cli import loading
from totalplace_cli.loading import KINDS, file_name, shown_path
from totalplace_cli.lookup import spelling_key
from totalplace_cli.streams import DataError

if TYPE_CHECKING:
    from jsonschema import ValidationError
    from yaml.nodes import Node

Severity = Literal["error", "warning"]
Path_ = tuple[str | int, ...]
FORMAT_VERSION = 1  # the newest `version:` of the data files this tp reads
# Each kind's list of records: what `tp validate` counts, and what tells an unnamed file's kind.
MAIN_LISTS = {"faq": "entries", "pilots": "pilots", "glossary": "terms", "programme": "events"}
MAIN_LISTS |= {"sources": "sources", "synonyms": "synonyms"}


def schema_path(kind: str) -> Path:
    return Path(__file__).resolve().parent / "schemas" / "data" / f"{kind}.schema.json"


@cache
def load_schema(kind: str) -> dict[str, Any]:
    return cast(dict[str, Any], json.loads(schema_path(kind).read_text(encoding="utf-8")))


def record_name(schema: dict[str, Any], list_key: str | int) -> str:
    """What one record of a list is called, its `$defs` name (`entry`), or '' if not a list."""
    items = schema["properties"].get(list_key, {}).get("items", {})
    return str(items.get("$ref", "")).removeprefix("#/$defs/")


def count(kind: str, number: int) -> str:
    """`1 entry`, `14 entries`, `13 pilots`."""
    label = record_name(load_schema(kind), MAIN_LISTS[kind])
    if number != 1:
        label = label[:-1] + "ies" if label.endswith("y") else label + "s"
    return f"{number} {label}"


class Problem(NamedTuple):
    """One thing wrong with a data file, where YAML locates it (1-based line and column)."""

    path: str
    line: int | None
    column: int | None
    severity: Severity
    message: str
    record: str | None = None

    def location(self) -> str:
        """`file:line:column`, as compilers print it, so editors can jump there."""
        return self.path if self.line is None else f"{self.path}:{self.line}:{self.column}"

    def __str__(self) -> str:
        return f"{self.location()}: {self.message}"


class CheckedFile(NamedTuple):
    """What checking one file found: its problems and, when it could be read, its data."""

    kind: str | None  # None when the file's kind is unknown (or it is ignored)
    path: str
    problems: list[Problem]
    data: dict[str, Any] = {}  # noqa: RUF012 (never changed)
    entries: int | None = None
    format_version: int | None = None
    # The source ids it cites or registers, each with where (its key's name as the message).
    citations: list[tuple[str, Problem]] = []  # noqa: RUF012 (never changed)

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def records(self, list_key: str | None = None) -> list[dict[str, Any]]:
        """The records of a list (the main one by default), as plain data."""
        found = self.data.get(list_key or MAIN_LISTS[self.kind]) if self.kind else None
        return found if isinstance(found, list) else []

    def to_json(self) -> dict[str, Any]:
        """A file's summary in `tp validate --json` and `tp info --json`."""
        return {
            "path": self.path,
            "kind": self.kind,
            "entries": self.entries,
            "format_version": self.format_version,
            "valid": self.valid,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
        }

    def raise_first_error(self) -> None:
        """A DataError for the first error, pointing to `tp validate` for the rest."""
        if self.errors:
            more = len(self.errors) - 1
            hint = f" (and {more} more; see 'tp validate {self.path}')" if more else ""
            raise DataError(f"{self.errors[0]}{hint}")


def check_file(path: Path, kind: str | None = None) -> CheckedFile:
    """Every problem of one data file, whose kind, unless given, its name or main list tells."""
    kind = kind or next((kind for kind in MAIN_LISTS if path.name == file_name(kind)), None)
    try:
        document = loading.read_document(path)
        top = document.data if isinstance(document.data, dict) else {}
        kind = kind or next((kind for kind, main in MAIN_LISTS.items() if main in top), None)
        if kind is None:
            names = " or ".join(file_name(kind) for kind in MAIN_LISTS)
            lists = " or ".join(f"'{main}'" for main in MAIN_LISTS.values())
            message = f"cannot tell what this file holds: name it {names}, or give it {lists}"
            raise loading.DocumentError(message, 1, 1)
    except loading.DocumentError as error:  # unreadable, of no known kind, or beyond the limits
        problem = Problem(shown_path(path), error.line, error.column, "error", str(error))
        return CheckedFile(kind, shown_path(path), [problem])
    return _Checker(document, kind).checked()


def summary(checked: list[CheckedFile]) -> dict[str, Any]:
    """What `tp validate --json` prints of the files checked."""
    errors = sum(len(file.errors) for file in checked)
    return {
        "valid": errors == 0,
        "errors": errors,
        "warnings": sum(len(file.warnings) for file in checked),
        "files": [file.to_json() for file in checked],
        "problems": [problem._asdict() for file in checked for problem in file.problems],
    }


def check_data_files(files: loading.DataFiles) -> list[CheckedFile]:
    """Check the files in use (what `tp validate` with no PATH reports), and across them."""
    return check_citations([check_file(files.paths[kind], kind) for kind in KINDS])


def check_citations(
    checked: list[CheckedFile], partners: Sequence[CheckedFile] = ()
) -> list[CheckedFile]:
    """Adds to `checked` the rules across files (and `partners`, the data set's others): a cited
    id is registered (an error), a registered source is cited by some statement (a warning)."""
    files = [file for file in (*checked, *partners) if file.data]
    registered = [id for file in files if file.kind == "sources" for id, _ in file.citations]
    statements = [(id, at) for f in files if f.kind != "sources" for id, at in f.citations]
    cited = {id for id, at in statements if not at.message.startswith("sources")}  # not a list
    # A source is unused only if the files that could cite it are its own folder's.
    near = [f for f in files if f.kind in {"pilots", "programme", "sources"}]
    complete = len(near) == 3 and len({os.path.dirname(f.path) for f in near}) == 1
    for file in checked if registered else ():
        for id, at in file.citations:
            if file.kind != "sources" and id not in registered:
                from rapidfuzz import process  # costly: only a bad citation pays for it

                close = process.extractOne(id, registered, score_cutoff=60)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                message = f"'{at.message}': no source has the id '{id}' in sources.yaml{hint}"
            elif file.kind == "sources" and complete and id not in cited:
                message = "no statement in pilots.yaml or programme.yaml cites it"
            else:
                continue
            severity: Severity = "warning" if file.kind == "sources" else "error"
            text = f"{at.record}: {message}" if at.record else message
            file.problems.append(at._replace(severity=severity, message=text))
        file.problems.sort(key=lambda p: (p.line or 0, p.column or 0))
    return checked


def check_path(path: Path) -> list[CheckedFile]:
    """What `tp validate PATH` reports: one file, or a folder's data files and stray YAML files."""
    try:
        if not path.is_dir():
            if os.path.lexists(path):  # a broken link too: reading it says what is wrong
                return _with_partners([check_file(path)], path.parent)
            return [_only(path, "error", "no such file or folder")]
        present = [kind for kind in KINDS if os.path.lexists(path / file_name(kind))]
        checked = _with_partners([check_file(path / file_name(k), k) for k in present], path)
        known = sorted(file_name(kind) for kind in KINDS)
        for stray in sorted(path.iterdir()):
            if stray.suffix in {".yaml", ".yml"} and stray.name not in known:
                message = f"ignored: tp reads only {' and '.join(known)} from a data folder"
                checked.append(_only(stray, "warning", message))
        if not present:
            names = " or ".join(file_name(kind) for kind in KINDS)
            checked.insert(0, _only(path, "error", f"no {names} in this folder"))
        return checked
    except OSError as error:  # a path too long, a folder we may not list
        return [_only(path, "error", f"cannot use this path ({loading.path_error(error)})")]


def _with_partners(checked: list[CheckedFile], folder: Path) -> list[CheckedFile]:
    """The rules across files, with the files `tp --data-dir FOLDER` reads for kinds not here."""
    have, paths = {file.kind for file in checked}, loading.resolve_data_files(folder).paths
    return check_citations(checked, [check_file(paths[k], k) for k in KINDS if k not in have])


def _only(path: Path, severity: Severity, message: str) -> CheckedFile:
    """A file whose whole story is one problem without a line."""
    problem = Problem(shown_path(path), None, None, severity, message)
    return CheckedFile(None, shown_path(path), [problem])


@cache
def _validator(kind: str) -> Any:
    """A draft 2020-12 validator for the kind, where 1.0 is not a whole number (YAML says float)."""
    from jsonschema import Draft202012Validator, validators  # costly: only checking pays for it

    checker = Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda checker, instance: type(instance) is int
    )
    validator_class = validators.extend(  # type: ignore[no-untyped-call]
        Draft202012Validator, type_checker=checker
    )
    return validator_class(_inlined(load_schema(kind), load_schema(kind).get("$defs", {})))


def _inlined(schema: Any, definitions: dict[str, Any]) -> Any:
    """`schema` with each local `$ref` replaced by what it names: jsonschema resolves a reference
    again at every use, two thirds of checking a 10,000-entry FAQ."""
    if isinstance(schema, list):
        return [_inlined(item, definitions) for item in schema]
    if not isinstance(schema, dict):
        return schema
    own = {key: _inlined(value, definitions) for key, value in schema.items() if key != "$ref"}
    reference = schema.get("$ref")
    if isinstance(reference, str) and reference.startswith("#/$defs/"):
        return {**_inlined(definitions[reference.removeprefix("#/$defs/")], definitions), **own}
    return own


class _Checker:
    """The problems of one document read within the limits, against its schema and rules."""

    def __init__(self, document: loading.Document, kind: str) -> None:
        self.document = document
        self.kind = kind
        self.schema = load_schema(kind)
        self.top: dict[str, Any] = document.data if isinstance(document.data, dict) else {}
        self.problems: list[Problem] = []
        self.missing: set[tuple[Path_, str]] = set()  # each "required" error lists all keys
        for node, path, message in document.key_problems:
            self.report(path, message, node=node)

    def checked(self) -> CheckedFile:
        for error in _validator(self.kind).iter_errors(self.document.data):
            self.schema_error(error)
        self.unique_keys()
        for rule in RULES.get(self.kind, ()):
            rule(self)
        main, version = MAIN_LISTS[self.kind], self.top.get("version")
        if type(version) is int and version > FORMAT_VERSION:
            message = f"format version {version} is newer than this tp reads ({FORMAT_VERSION})"
            self.report(("version",), f"{message}; upgrade tp if fields are ignored", "warning")
        items = self.top.get(main)
        if items == []:
            self.report((main,), f"'{main}' is empty", "warning")
        return CheckedFile(
            self.kind,
            self.document.path,
            sorted(self.problems, key=lambda p: (p.line or 0, p.column or 0)),
            self.top,
            entries=len(items) if isinstance(items, list) else None,
            format_version=version if type(version) is int and version >= 1 else None,
            citations=self.citations(),
        )

    def report(
        self, path: Path_, message: str, severity: Severity = "error", node: Node | None = None
    ) -> None:
        """A problem at the node of `path` (or at `node`), in its record's words."""
        line, column = loading.place_of((node or self.document.node_at(path)).start_mark)
        record = self.record_label(path)
        text = f"{record}: {message}" if record else message
        self.problems.append(Problem(self.document.path, line, column, severity, text, record))

    def citations(self) -> list[tuple[str, Problem]]:
        """The source ids the file cites (pilots, programme) or registers (sources), each where."""
        found = []
        for path, value in _texts_in(self.top):
            if (self.kind in {"pilots", "programme"} and _key(path) in CITING) or (
                self.kind == "sources" and path[0::2] == ("sources", "id")
            ):
                line, column = loading.place_of(self.document.node_at(path).start_mark)
                where = Problem(self.document.path, line, column, "error", self.name(path))
                found.append((value, where._replace(record=self.record_label(path))))
        return found

    def record_label(self, path: Path_) -> str | None:
        """`entry 3 (id 3)`, `pilot 2 (id croydon)`: the record a path is in, if any."""
        name = record_name(self.schema, path[0]) if len(path) >= 2 else ""
        if not name or not isinstance(path[1], int):
            return None
        label = f"{name} {path[1] + 1}"
        key = (self.schema["$defs"][name].get("required") or [""])[0]
        record = self.top[str(path[0])][path[1]]
        value = record.get(key) if isinstance(record, dict) else None
        if isinstance(value, str | int) and str(value).strip():
            return f"{label} ({key} {self.document.node_at((*path[:2], key)).value})"
        return label

    def name(self, path: Path_) -> str:
        """A key's name within its record: `keywords[2]`, `themes[1].source`."""
        inner = path[2:] if self.record_label(path) is not None else path
        return "".join(f"[{p + 1}]" if isinstance(p, int) else f".{p}" for p in inner).lstrip(".")

    def schema_error(self, error: ValidationError) -> None:
        """One jsonschema error, worded for people at the node it is about."""
        path: Path_ = tuple(error.absolute_path)
        schema: dict[str, Any] = error.schema if isinstance(error.schema, dict) else {}
        severity: Severity = "warning" if schema.get("x-severity") == "warning" else "error"
        if error.validator == "additionalProperties":
            known = list(schema.get("properties", {}))
            for key in [key for key in cast(dict[str, Any], error.instance) if key not in known]:
                from rapidfuzz import process  # costly: only an unknown key pays for it

                close = process.extractOne(key, known, score_cutoff=60)
                hint = f"did you mean '{close[0]}'?" if close else f"known: {', '.join(known)}"
                node = self.document.node_at((*path, key), key=True)
                self.report(
                    (*path, key), f"unknown key '{key}' is ignored; {hint}", "warning", node
                )
        elif error.validator == "required" and list(error.relative_schema_path)[-2:-1] == ["then"]:
            self.report(path, str(schema["description"]), severity)
        elif error.validator == "required":
            for key in cast(list[str], error.validator_value):
                if key in cast(dict[str, Any], error.instance) or (path, key) in self.missing:
                    continue
                self.missing.add((path, key))
                if path:
                    wanted = schema["properties"][key].get("title", "valid")
                    message = f"'{self.name((*path, key))}' is missing ({wanted})"
                else:
                    message = f"expected {self.schema['title']}; '{key}' is missing"
                self.report(path, message, severity)
        else:
            self.report(path, self.wrong_value(error, schema), severity)

    def wrong_value(self, error: ValidationError, schema: dict[str, Any]) -> str:
        """What a value must be, what it is, and how to fix it."""
        path: Path_ = tuple(error.absolute_path)
        name, found = self.name(path), loading.describe(self.document.node_at(path))
        if error.validator == "pattern" and error.validator_value == r"\S":
            return f"'{name}' must not be empty"
        wanted = schema.get("title", "valid")
        if not path:
            return f"expected {wanted}, found {found}"
        verb = "should" if schema.get("x-severity") == "warning" else "must"
        subject = f"'{name}' {verb} be" if name else f"{verb} be"
        if error.validator == "const" and "title" not in schema:
            wanted = json.dumps(error.validator_value)  # `version: 2` where only 1 exists: "1"
        if error.validator in {"pattern", "enum", "const"}:
            return f"{subject} {wanted}"
        hint = ""
        if error.validator == "type":
            expected = error.validator_value
            expected = expected if isinstance(expected, list) else [expected]
            if "string" in expected and found not in {"no value", "a list", "a mapping"}:
                hint = "; put it in quotes"
            if "object" in expected and schema.get("required"):
                hint = f"; give it the keys {', '.join(schema['required'])}"
        return f"{subject} {wanted}, found {found}{hint}"

    def unique_keys(self) -> None:
        """The `x-unique` keys of each list's records differ; a repeat names the first's line."""
        for list_key in self.schema["properties"]:
            record = self.schema["$defs"].get(record_name(self.schema, list_key), {})
            keys = record.get("properties", {})
            for key in [key for key, spec in keys.items() if spec.get("x-unique")]:
                first: dict[Any, int] = {}  # value -> index of the record that has it first
                for index, item in _indexed(self.top.get(list_key)):
                    value = item.get(key)
                    if type(value) in (str, int) and first.setdefault(value, index) != index:
                        node = self.document.node_at((list_key, first[value], key))
                        line = node.start_mark.line + 1
                        message = f"duplicate {key} {value!r} (first at line {line})"
                        self.report((list_key, index, key), message)


CITING = {"source", "official_name_source", "sources"}
"""The keys whose values are source ids (one, or a list)."""


def _texts_in(value: Any, path: Path_ = ()) -> Iterator[tuple[Path_, str]]:
    """(path, text) for every text in plain data, in order."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict | list):
        pairs = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in pairs:
            yield from _texts_in(item, (*path, key))


def _key(path: Path_) -> str:
    """The last key of a path (`source` for `themes[1].source[2]`)."""
    return next((part for part in reversed(path) if isinstance(part, str)), "")


def _indexed(items: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    """(index, record) for each mapping of a list; anything else was reported by the schema."""
    for index, item in enumerate(items if isinstance(items, list) else ()):
        if isinstance(item, dict):
            yield index, item


# The rules a schema cannot say, one function per rule, each reporting through the checker.


def _pilot_categories_exist(checker: _Checker) -> None:
    """A pilot's categories are defined under `categories:` and rest on sourced themes."""
    ids = [category.get("id") for _, category in _indexed(checker.top.get("categories"))]
    known = sorted({found for found in ids if isinstance(found, str)})
    for index, pilot in _indexed(checker.top.get("pilots")):
        chosen = pilot.get("categories")
        if not isinstance(chosen, list) or not chosen:
            continue
        path = ("pilots", index, "categories")
        for category in chosen:
            if isinstance(category, str) and category not in known:
                names = ", ".join(known) or "none defined under 'categories'"
                checker.report(path, f"unknown category '{category}' (known: {names})")
        if not pilot.get("themes"):
            checker.report(path, "'categories' need sourced 'themes' to derive from")


def _pilot_facts_are_sourced(checker: _Checker) -> None:
    """A pilot's `sources` are the ids its statements cite: all (or an error), no more (warning)."""
    for index, pilot in _indexed(checker.top.get("pilots")):
        sources = pilot.get("sources")
        if not isinstance(sources, list):
            continue
        cited = set()
        for path, source in _texts_in(pilot, ("pilots", index)):
            if _key(path) in {"source", "official_name_source"}:
                cited.add(source)
                if source not in sources:
                    checker.report(path, f"'{checker.name(path)}' is not in the pilot's 'sources'")
        for n, source in enumerate(sources):
            if isinstance(source, str) and source not in cited:
                message = f"'sources[{n + 1}]' ({source}) is cited by none of its statements"
                checker.report(("pilots", index, "sources", n), message, "warning")


def _spellings_are_unique(checker: _Checker) -> None:
    """No spelling of a term (any case, singular or plural) belongs to another term too."""
    seen: dict[str, str] = {}  # spelling key -> the term it belongs to
    for index, term in _indexed(checker.top.get("terms")):
        name, aliases = term.get("term"), term.get("aliases")
        aliases = aliases if isinstance(aliases, list) else []
        if not isinstance(name, str) or not all(isinstance(alias, str) for alias in aliases):
            continue
        for spelling in (name, *aliases):
            key = spelling_key(spelling)
            if seen.setdefault(key, name) != name:
                checker.report(("terms", index), f"'{spelling}' is already the term {seen[key]}")


def _ids_and_dates(checker: _Checker) -> None:
    """An id names one event or fact, whichever list it is in; every date is a real day."""
    import datetime

    first: dict[str, str] = {}  # id -> the list it is first in
    for list_key in ("events", "facts", "sources"):
        for index, item in _indexed(checker.top.get(list_key)):
            found = item.get("id")
            if isinstance(found, str) and first.setdefault(found, list_key) != list_key:
                message = f"id {found!r} is also an id in '{first[found]}'"
                checker.report((list_key, index, "id"), message)
            date = item.get("date")
            if isinstance(date, str) and re.fullmatch(r"\d{4}-\d\d-\d\d", date):
                try:
                    datetime.date.fromisoformat(date)
                except ValueError:
                    checker.report((list_key, index, "date"), f"'{date}' is not a real date")


RULES: dict[str, tuple[Callable[[_Checker], None], ...]] = {
    "pilots": (_pilot_categories_exist, _pilot_facts_are_sourced),
    "glossary": (_spellings_are_unique,),
    "programme": (_ids_and_dates,),
    "sources": (_ids_and_dates,),
}
