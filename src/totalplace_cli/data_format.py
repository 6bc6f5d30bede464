"""The data format: each kind of data file checked against its shipped JSON Schema.

`schemas/data/KIND.schema.json` describes a file (`tp schema KIND` prints it, for editors); the
`jsonschema` library checks the document against it, and the few rules a schema cannot say
(unique ids, categories that exist, a fact's source among the pilot's sources, spellings shared
by two terms) are plain functions below. Every problem is located at `file:line:column` through
the YAML nodes' marks and worded for people ("put it in quotes", "did you mean"), so loading
(which stops at the first error) and `tp validate` (which lists them all) cannot disagree.

Two annotations of our own sit in the schemas, ignored by other tools: `x-unique` (the key must
differ between the records of a list) and `x-severity: warning` (advice, not a refusal).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from totalplace_cli.errors import DataError

if TYPE_CHECKING:
    from jsonschema import ValidationError
    from yaml.nodes import Node

Severity = Literal["error", "warning"]
Path_ = tuple[str | int, ...]
FORMAT_VERSION = 1
"""The newest `version:` of the data files this tp reads."""

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas" / "data"
TAG = "tag:yaml.org,2002:"
STR_TAG = TAG + "str"
INT_TAG = TAG + "int"


def schema_path(kind: str) -> Path:
    """Where the JSON Schema of a kind of data file ships."""
    return SCHEMA_DIR / f"{kind}.schema.json"


@cache
def load_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of a kind of data file (`faq`, `pilots`, ...)."""
    schema: dict[str, Any] = json.loads(schema_path(kind).read_text(encoding="utf-8"))
    return schema


def main_list(kind: str) -> str:
    """The key of the file's list of records: its first required key (`entries`, `pilots`).

    A file with several lists, none required (`programme`: events and/or facts), names the first.
    """
    schema = load_schema(kind)
    key: str = schema["required"][0] if "required" in schema else next(iter(schema["properties"]))
    if key == "version":
        key = next(name for name in schema["properties"] if name != "version")
    return key


def record_name(kind: str) -> str:
    """What one record of the main list is called, from its `$defs` name (`entry`, `pilot`)."""
    items = load_schema(kind)["properties"][main_list(kind)]["items"]
    name: str = items["$ref"].rsplit("/", 1)[-1]
    return name


def count(kind: str, number: int) -> str:
    """`1 entry`, `14 entries`, `13 pilots`."""
    label = record_name(kind)
    if number != 1:
        label = label[:-1] + "ies" if label.endswith("y") else label + "s"
    return f"{number} {label}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a data file, where YAML locates it (1-based line and column)."""

    path: str
    line: int | None
    column: int | None
    severity: Severity
    message: str
    record: str | None = None

    def location(self) -> str:
        """`file:line:column`, as compilers print it, so editors can jump there."""
        if self.line is None:
            return self.path
        return f"{self.path}:{self.line}:{self.column}"

    def __str__(self) -> str:
        return f"{self.location()}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        """The form used by `tp validate --json`."""
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "severity": self.severity,
            "message": self.message,
            "record": self.record,
        }


@dataclass
class CheckedFile:
    """What checking one file found: its problems and, when it could be read, its data."""

    kind: str | None  # None when the file's kind is unknown (or it is ignored)
    path: str
    problems: list[Problem]
    data: dict[str, Any] = field(default_factory=dict)
    entries: int | None = None
    format_version: int | None = None

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
        if self.kind is None:
            return []
        found = self.data.get(list_key or main_list(self.kind))
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


class DocumentProblem(DataError):
    """A file that cannot be read as one YAML document; `problem` says where and why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def read_document(path: Path) -> Node:
    """The file's YAML node graph, read within the limits of `safe_yaml`."""
    from totalplace_cli.safe_yaml import DocumentError, compose, decode, read_file

    try:
        return compose(decode(read_file(path)))
    except DocumentError as error:
        problem = Problem(str(path), error.line, error.column, "error", error.message)
        raise DocumentProblem(problem) from None


def read_and_check(path: Path, kind: str) -> CheckedFile:
    """Every problem of one data file of a known kind."""
    from totalplace_cli.safe_yaml import collector_paused

    with collector_paused():
        try:
            root = read_document(path)
        except DocumentProblem as error:
            return CheckedFile(kind, str(path), [error.problem])
        return check_document(root, str(path), kind)


def check_document(root: Node, path: str, kind: str) -> CheckedFile:
    """Every problem of the document `root`, against the kind's schema and rules."""
    document = _Document(root, path, kind)
    document.run()
    data = document.data if isinstance(document.data, dict) else {}
    items = data.get(main_list(kind))
    version = data.get("version")
    return CheckedFile(
        kind,
        path,
        document.problems(),
        data,
        entries=len(items) if isinstance(items, list) else None,
        format_version=version if type(version) is int and version >= 1 else None,
    )


def describe(node: Node | None) -> str:
    """What a node holds, in words, for messages such as "found a list"."""
    from yaml.nodes import MappingNode, SequenceNode

    if node is None:
        return "nothing"
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    kind = str(node.tag).removeprefix(TAG)
    if kind == "str":
        return "empty text" if not str(node.value).strip() else "text"
    if kind == "null":
        return "no value"
    if kind == "bool":
        return f"the true/false value {node.value}"
    if kind == "timestamp":
        return f"the date {node.value}"
    return f"the number {node.value}"


@cache
def _quick_check(kind: str) -> Callable[[Any], Any]:
    """The kind's schema compiled to Python by fastjsonschema: about 10x faster than jsonschema.

    It only says whether a document is clean (no error and no warning: `x-severity` is ignored,
    so a warning fails it too); jsonschema, which words and locates each problem, runs only when
    it fails. It is at least as strict as jsonschema here on documents without floats or
    booleans (it reads `1.0` as a whole number and `true` as `1`: `_Document.plain` notes those).
    """
    # fastjsonschema costs ~15 ms to import and ~10 ms to compile: paid only when checking data.
    import fastjsonschema

    schema = load_schema(kind)
    inlined = {
        **_inline(schema, schema["$defs"]),
        "$schema": "http://json-schema.org/draft-07/schema#",
    }
    return cast(Callable[[Any], Any], fastjsonschema.compile(inlined))


def _is_clean(kind: str, data: Any) -> bool:
    """Whether `data` satisfies the kind's schema, warnings included (see `_quick_check`)."""
    from fastjsonschema import JsonSchemaException

    try:
        _quick_check(kind)(data)
    except JsonSchemaException:
        return False
    return True


@cache
def _validator(kind: str) -> Any:
    """A draft 2020-12 validator for the kind, where 1.0 is not a whole number (YAML says float)."""
    # jsonschema costs ~50 ms to import: only building the cache or validating pays for it.
    from jsonschema import Draft202012Validator, validators

    def integer(checker: Any, instance: Any) -> bool:
        return type(instance) is int

    checker = Draft202012Validator.TYPE_CHECKER.redefine("integer", integer)
    validator_class = validators.extend(  # type: ignore[no-untyped-call]
        Draft202012Validator, type_checker=checker
    )
    schema = load_schema(kind)
    return validator_class(_inline(schema, schema["$defs"]))


def _inline(schema: Any, definitions: dict[str, Any]) -> Any:
    """The schema with each local `$ref` replaced by its definition (the same rules).

    jsonschema resolves a `$ref` on every use, which makes checking a 10,000-entry FAQ several
    times slower; a reference with keywords of its own beside it becomes an `allOf`.
    """
    if isinstance(schema, list):
        return [_inline(item, definitions) for item in schema]
    if not isinstance(schema, dict):
        return schema
    own = {k: _inline(v, definitions) for k, v in schema.items() if k not in {"$ref", "$defs"}}
    reference = schema.get("$ref")
    if not isinstance(reference, str) or not reference.startswith("#/$defs/"):
        return own
    target = _inline(definitions[reference.removeprefix("#/$defs/")], definitions)
    annotations = {"title", "description", "x-unique"}
    if set(own) & set(target) <= annotations:
        return {**target, **own}  # nothing clashes: one subschema, as fast as written inline
    return {**own, "allOf": [target, *own.get("allOf", [])]}


class _Document:
    """One document being checked: its nodes, its plain data and the problems found so far."""

    def __init__(self, root: Node, path: str, kind: str) -> None:
        self.root = root
        self.path = path
        self.kind = kind
        self.schema = load_schema(kind)
        self.found: list[tuple[Node | None, Path_, Severity, str]] = []
        self.data: Any = None
        self.ambiguous = False  # a float or boolean, which `_quick_check` may read differently

    def run(self) -> None:
        self.data = self.plain(self.root, ())
        if self.ambiguous or not _is_clean(self.kind, self.data):
            seen: set[tuple[Path_, str]] = set()
            for error in _validator(self.kind).iter_errors(self.data):
                self.schema_error(error, seen)
        self.unique_keys()
        for rule in RULES.get(self.kind, ()):
            rule(self)
        version = self.data.get("version") if isinstance(self.data, dict) else None
        if type(version) is int and version > FORMAT_VERSION:
            self.warning(
                ("version",),
                f"format version {version} is newer than this tp reads ({FORMAT_VERSION}); "
                "upgrade tp if fields are ignored",
            )
        for key, value in (self.data if isinstance(self.data, dict) else {}).items():
            if value == [] and key == main_list(self.kind):
                self.warning((key,), f"'{key}' is empty")

    # Plain data from nodes, reporting the keys YAML allows but JSON does not.

    def plain(self, node: Node, path: Path_) -> Any:
        """The node's plain data; run ~100,000 times for a large FAQ, so text and whole numbers
        (all a clean file holds) are read without PyYAML's constructor."""
        from yaml.nodes import MappingNode, ScalarNode

        if isinstance(node, ScalarNode):
            tag, text = node.tag, node.value
            if tag == STR_TAG:
                return text
            if tag == INT_TAG and text.isascii() and text.isdigit() and text[0] != "0":
                return int(text)  # what the constructor returns for plain decimal digits
            value = _constructor().yaml_constructors[tag](_constructor(), node)
            if type(value) in (float, bool):
                self.ambiguous = True
            return value
        if not isinstance(node, MappingNode):
            return [self.plain(child, (*path, n)) for n, child in enumerate(node.value)]
        result: dict[str, Any] = {}
        key_nodes: dict[str, Node] = {}  # the first node of each key, for a duplicate's message
        for key_node, value_node in node.value:
            key = key_node.value
            if key_node.tag != STR_TAG or not str(key).strip():
                message = f"keys must be non-empty text, found {describe(key_node)}"
                self.found.append((key_node, path, "error", message))
            elif key in result:
                first = key_nodes[key].start_mark.line + 1
                message = f"duplicate key '{key}' (first at line {first})"
                self.found.append((key_node, path, "error", message))
            else:
                result[key] = self.plain(value_node, (*path, key))
                key_nodes[key] = key_node
        return result

    def node_at(self, path: Path_, key: bool = False) -> Node | None:
        """The node at a path of the plain data (the key's node when `key`)."""
        from yaml.nodes import MappingNode, SequenceNode

        node: Node | None = self.root
        for step, part in enumerate(path):
            last = step == len(path) - 1
            if isinstance(node, SequenceNode) and isinstance(part, int):
                node = node.value[part]
            elif isinstance(node, MappingNode):
                pairs = [(k, v) for k, v in node.value if k.tag == TAG + "str" and k.value == part]
                if not pairs:
                    return node
                node = pairs[0][0] if key and last else pairs[0][1]
            else:
                return node
        return node

    def at(self, path: Path_) -> Any:
        """The plain value at a path, or None."""
        value = self.data
        for part in path:
            try:
                value = value[part]
            except (KeyError, IndexError, TypeError):
                return None
        return value

    def error(self, path: Path_, message: str, key: bool = False) -> None:
        self.found.append((self.node_at(path, key), path, "error", message))

    def warning(self, path: Path_, message: str, key: bool = False) -> None:
        self.found.append((self.node_at(path, key), path, "warning", message))

    # Locating and wording the problems.

    def record_label(self, path: Path_) -> str | None:
        """`entry 3 (id 3)`, `pilot 2 (id croydon)`: the record a path is in, if any."""
        if len(path) < 2 or not isinstance(path[1], int) or not isinstance(path[0], str):
            return None
        items = self.schema["properties"].get(path[0], {}).get("items", {})
        if "$ref" not in items:
            return None
        name = str(items["$ref"]).rsplit("/", 1)[-1]
        label = f"{name} {path[1] + 1}"
        required = self.schema["$defs"][name].get("required") or [""]
        node = self.node_at((*path[:2], required[0]))
        value = self.at((*path[:2], required[0]))
        if value is not None and isinstance(value, str | int) and str(value).strip():
            return f"{label} ({required[0]} {node.value if node is not None else value})"
        return label

    def name(self, path: Path_) -> str:
        """A key's name within its record: `keywords[2]`, `themes[1].source`."""
        inner = path[2:] if self.record_label(path) is not None else path
        text = ""
        for part in inner:
            text += f"[{part + 1}]" if isinstance(part, int) else f".{part}"
        return text.lstrip(".")

    @staticmethod
    def title(schema: dict[str, Any]) -> str:
        """What a (subschema's) value must be, in words: its `title`."""
        title: str = schema.get("title", "valid")
        return title

    def schema_error(self, error: ValidationError, seen: set[tuple[Path_, str]]) -> None:
        path: Path_ = tuple(error.absolute_path)
        keyword = str(error.validator)
        schema: dict[str, Any] = error.schema if isinstance(error.schema, dict) else {}
        severity: Severity = "warning" if schema.get("x-severity") == "warning" else "error"
        node = self.node_at(path)
        instance: Any = error.instance
        if keyword == "additionalProperties":
            known = list(schema.get("properties", {}))
            for key in instance:
                if key in known:
                    continue
                close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
                hint = f"; did you mean '{close[0]}'?" if close else f"; known: {', '.join(known)}"
                self.warning((*path, key), f"unknown key '{key}' is ignored{hint}", key=True)
            return
        if keyword == "required":
            if list(error.relative_schema_path)[-2:-1] == ["then"]:
                self.found.append((node, path, severity, str(schema["description"])))
                return
            for key in cast(list[str], error.validator_value):
                if key in instance or (path, key) in seen:
                    continue
                seen.add((path, key))
                if not path:
                    message = f"expected {self.title(self.schema)}; '{key}' is missing"
                else:
                    wanted = self.title(schema["properties"][key])
                    message = f"'{self.name((*path, key))}' is missing ({wanted})"
                self.found.append((node, path, severity, message))
            return
        name = self.name(path)
        if keyword == "pattern" and error.validator_value == r"\S":
            self.found.append((node, path, severity, f"'{name}' must not be empty"))
            return
        found = f", found {describe(node)}"
        if not path:
            self.found.append((node, path, severity, f"expected {self.title(schema)}{found}"))
            return
        verb = "should" if severity == "warning" else "must"
        subject = f"'{name}' {verb} be" if name else f"{verb} be"
        hint = ""
        wanted = self.title(schema)
        if keyword == "const" and "title" not in schema:
            wanted = json.dumps(error.validator_value)  # `version: 2` where only 1 exists: "1"
        if keyword in {"pattern", "enum", "const"}:
            found = ""
        elif keyword == "type":
            expected = error.validator_value
            expected = expected if isinstance(expected, list) else [expected]
            if "string" in expected and describe(node) != "no value" and _is_scalar(node):
                hint = "; put it in quotes"
            if "object" in expected and schema.get("required"):
                hint = f"; give it the keys {', '.join(schema['required'])}"
        message = f"{subject} {wanted}{found}{hint}"
        self.found.append((node, path, severity, message))

    def unique_keys(self) -> None:
        """The `x-unique` keys of each list's records differ; a repeat names the first's line."""
        for list_key, value in self.schema["properties"].items():
            reference = value.get("items", {}).get("$ref", "")
            record = self.schema["$defs"].get(str(reference).rsplit("/", 1)[-1], {})
            for key, spec in record.get("properties", {}).items():
                if not spec.get("x-unique"):
                    continue
                first: dict[Any, int] = {}  # value -> index of the record that has it first
                for index, item in enumerate(_list(self.at((list_key,)))):
                    found = item.get(key) if isinstance(item, dict) else None
                    if type(found) not in (str, int):
                        continue
                    if found not in first:
                        first[found] = index
                        continue
                    node = self.node_at((list_key, first[found], key))
                    line = node.start_mark.line + 1 if node is not None else "?"
                    message = f"duplicate {key} {found!r} (first at line {line})"
                    self.error((list_key, index, key), message)

    def problems(self) -> list[Problem]:
        result = []
        for node, path, severity, message in self.found:
            mark = node.start_mark if node is not None else None
            line = mark.line + 1 if mark is not None else None
            column = mark.column + 1 if mark is not None else None
            record = self.record_label(path)
            text = f"{record}: {message}" if record else message
            result.append(Problem(self.path, line, column, severity, text, record))
        result.sort(key=lambda p: (p.line or 0, p.column or 0))
        return result


@cache
def _constructor() -> Any:
    """PyYAML's safe constructor, used only to read scalars (numbers, dates) the YAML way."""
    from yaml.constructor import SafeConstructor

    return SafeConstructor()


def _is_scalar(node: Node | None) -> bool:
    from yaml.nodes import ScalarNode

    return isinstance(node, ScalarNode)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _indexed(items: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    """(index, record) for each mapping of a list; anything else was reported by the schema."""
    for index, item in enumerate(_list(items)):
        if isinstance(item, dict):
            yield index, item


# The rules a schema cannot say, one function per rule, each reporting through the document.

FACTS = ("themes", "figures", "field_trials")


def _pilot_categories_exist(document: _Document) -> None:
    """A pilot's categories are defined under `categories:` and rest on sourced themes."""
    known = sorted({c["id"] for _, c in _indexed(document.at(("categories",))) if "id" in c})
    for index, pilot in _indexed(document.at(("pilots",))):
        chosen = pilot.get("categories")
        if not isinstance(chosen, list) or not chosen:
            continue
        path = ("pilots", index, "categories")
        for category in chosen:
            if isinstance(category, str) and category not in known:
                names = ", ".join(known) or "none defined under 'categories'"
                document.error(path, f"unknown category '{category}' (known: {names})")
        if not pilot.get("themes"):
            document.error(path, "'categories' need sourced 'themes' to derive from")


def _pilot_facts_are_sourced(document: _Document) -> None:
    """When a pilot lists `sources`, each fact's source is one of them: the list is complete."""
    for index, pilot in _indexed(document.at(("pilots",))):
        sources = pilot.get("sources")
        if not isinstance(sources, list):
            continue
        facts: list[tuple[Path_, dict[str, Any]]] = [
            ((name, n), fact) for name in FACTS for n, fact in _indexed(pilot.get(name))
        ]
        if isinstance(pilot.get("authorities"), dict):
            facts.append((("authorities",), pilot["authorities"]))
        for where, fact in facts:
            source = fact.get("source")
            if isinstance(source, str) and source not in sources:
                path = ("pilots", index, *where, "source")
                document.error(path, f"'{document.name(path)}' is not among the pilot's 'sources'")


def _spellings_are_unique(document: _Document) -> None:
    """No spelling of a term (any case, singular or plural) belongs to another term too."""
    from totalplace_cli.glossary import spelling_key

    seen: dict[str, str] = {}
    for index, term in _indexed(document.at(("terms",))):
        name, aliases = term.get("term"), term.get("aliases") or []
        if not isinstance(name, str) or not all(isinstance(a, str) for a in _list(aliases)):
            continue
        for spelling in (name, *_list(aliases)):
            key = spelling_key(spelling)
            if seen.get(key, name) != name:
                document.error(("terms", index), f"'{spelling}' is already the term {seen[key]}")
            seen.setdefault(key, name)


def _ids_are_unique_across_lists(document: _Document) -> None:
    """An id names one event or fact of the programme, whichever list it is in."""
    first: dict[str, str] = {}
    for list_key in ("events", "facts"):
        for index, item in _indexed(document.at((list_key,))):
            found = item.get("id")
            if not isinstance(found, str):
                continue
            if found in first and first[found] != list_key:
                document.error(
                    (list_key, index, "id"), f"id {found!r} is also an id in '{first[found]}'"
                )
            first.setdefault(found, list_key)


RULES: dict[str, tuple[Callable[[_Document], None], ...]] = {
    "pilots": (_pilot_categories_exist, _pilot_facts_are_sourced),
    "glossary": (_spellings_are_unique,),
    "programme": (_ids_are_unique_across_lists,),
}
