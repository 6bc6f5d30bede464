"""The data format: each kind of data file checked against schemas/data/KIND.schema.json, and
by plain functions (at the end) for the few rules a schema cannot say. Loading and `tp validate`
share these `file:line:column` problems. Our own schema keywords: `x-unique`, `x-severity`.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from totalplace_cli import safe_yaml
from totalplace_cli.safe_yaml import DocumentError

if TYPE_CHECKING:
    from jsonschema import ValidationError
    from yaml.nodes import Node

Severity = Literal["error", "warning"]
Path_ = tuple[str | int, ...]
FORMAT_VERSION = 1
"""The newest `version:` of the data files this tp reads."""
MAIN_LISTS = {
    "faq": "entries",
    "pilots": "pilots",
    "glossary": "terms",
    "programme": "events",
    "synonyms": "synonyms",
}
"""Each kind's list of records: what `tp validate` counts, and what tells an unnamed file's kind."""

STR_TAG = safe_yaml.YAML_TAG + "str"
INT_TAG = safe_yaml.YAML_TAG + "int"
DESCRIPTIONS = {  # the kind of a node's tag -> what it holds, in words
    "map": "a mapping",
    "seq": "a list",
    "str": "text",
    "null": "no value",
    "bool": "the true/false value {}",
    "timestamp": "the date {}",
}


def schema_path(kind: str) -> Path:
    """Where the JSON Schema of a kind of data file ships."""
    return Path(__file__).resolve().parent / "schemas" / "data" / f"{kind}.schema.json"


@cache
def load_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of a kind of data file (`faq`, `pilots`, ...)."""
    schema: dict[str, Any] = json.loads(schema_path(kind).read_text(encoding="utf-8"))
    return schema


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
        return self.path if self.line is None else f"{self.path}:{self.line}:{self.column}"

    def __str__(self) -> str:
        return f"{self.location()}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        """The form used by `tp validate --json`."""
        return dataclasses.asdict(self)


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
        found = self.data.get(list_key or MAIN_LISTS[self.kind])
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


def check_file(path: Path, kind: str | None = None) -> CheckedFile:
    """Every problem of one data file; its kind, unless given, is told by its name (`faq.yaml`,
    as `data.file_name` says) or by its main list."""
    kind = kind or next((kind for kind in MAIN_LISTS if path.name == f"{kind}.yaml"), None)
    with safe_yaml.collector_paused():
        try:
            root = safe_yaml.read_document(path)
            kind = kind or _kind_of(root)
            document = _Document(root, str(path), kind)
        except DocumentError as error:  # unreadable, of no known kind, or beyond the limits
            problem = Problem(str(path), error.line, error.column, "error", str(error))
            return CheckedFile(kind, str(path), [problem])
        return _check_document(document, kind)


def _kind_of(root: Node) -> str:
    """The kind of a file named otherwise, told by the main list it holds."""
    from yaml.nodes import MappingNode

    keys = {key.value for key, _ in root.value} if isinstance(root, MappingNode) else set()
    for kind, main in MAIN_LISTS.items():
        if main in keys:
            return kind
    names = " or ".join(f"{kind}.yaml" for kind in MAIN_LISTS)
    lists = " or ".join(f"'{main}'" for main in MAIN_LISTS.values())
    message = f"cannot tell what this file holds: name it {names}, or give it {lists}"
    raise DocumentError(message, 1, 1)


def _check_document(document: _Document, kind: str) -> CheckedFile:
    """Every problem of a document read within the limits, against its schema and rules."""
    if document.ambiguous or not _is_clean(kind, document.data):
        for error in _validator(kind).iter_errors(document.data):
            document.schema_error(error)
    document.unique_keys()
    for rule in RULES.get(kind, ()):
        rule(document)
    main, version = MAIN_LISTS[kind], document.top.get("version")
    if type(version) is int and version > FORMAT_VERSION:
        message = f"format version {version} is newer than this tp reads ({FORMAT_VERSION})"
        document.report(("version",), f"{message}; upgrade tp if fields are ignored", "warning")
    items = document.top.get(main)
    if items == []:
        document.report((main,), f"'{main}' is empty", "warning")
    return CheckedFile(
        kind,
        document.path,
        document.problems(),
        document.top,
        entries=len(items) if isinstance(items, list) else None,
        format_version=version if type(version) is int and version >= 1 else None,
    )


def describe(node: Node) -> str:
    """What a node holds, in words, for messages such as "found a list"."""
    kind = str(node.tag).removeprefix(safe_yaml.YAML_TAG)  # the walk refused any other tag
    if kind == "str" and not str(node.value).strip():
        return "empty text"
    return DESCRIPTIONS.get(kind, "the number {}").format(node.value)


@cache
def _quick_check(kind: str) -> Callable[[Any], Any]:
    """The kind's schema compiled by fastjsonschema: ~15x faster than jsonschema at saying a
    document is clean, but it reads `1.0` and `true` as whole numbers (`_Document.ambiguous`)."""
    # fastjsonschema costs ~15 ms to import and ~10 ms to compile: paid only when checking data.
    import fastjsonschema

    draft_07 = {**_inline(load_schema(kind)), "$schema": "http://json-schema.org/draft-07/schema#"}
    return cast(Callable[[Any], Any], fastjsonschema.compile(draft_07))


def _is_clean(kind: str, data: Any) -> bool:
    """Whether `data` satisfies the kind's schema, warnings included."""
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

    checker = Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda checker, instance: type(instance) is int
    )
    validator_class = validators.extend(  # type: ignore[no-untyped-call]
        Draft202012Validator, type_checker=checker
    )
    return validator_class(_inline(load_schema(kind)))


def _inline(schema: Any, definitions: dict[str, Any] | None = None) -> Any:
    """The schema with each local `$ref` replaced by its definition (or, beside keywords of its
    own, an `allOf`): jsonschema resolves a `$ref` on every use, over twice as slow."""
    if definitions is None:
        definitions = schema["$defs"]
    if isinstance(schema, list):
        return [_inline(item, definitions) for item in schema]
    if not isinstance(schema, dict):
        return schema
    own = {k: _inline(v, definitions) for k, v in schema.items() if k not in {"$ref", "$defs"}}
    reference = schema.get("$ref")
    if not isinstance(reference, str) or not reference.startswith("#/$defs/"):
        return own
    target = _inline(definitions[reference.removeprefix("#/$defs/")], definitions)
    if set(own) & set(target) <= {"title", "description", "x-unique"}:
        return {**target, **own}  # nothing clashes: one subschema, as fast as written inline
    return {**own, "allOf": [target, *own.get("allOf", [])]}


class _Document:
    """One document being checked: its nodes, its plain data and the problems found so far."""

    def __init__(self, root: Node, path: str, kind: str) -> None:
        # Imported once here: an import in `plain` would cost ~1 us a node (~50 ms a large FAQ).
        from yaml.nodes import MappingNode, ScalarNode

        self.scalar_class = ScalarNode
        self.mapping_class = MappingNode
        self.root = root
        self.path = path
        self.schema = load_schema(kind)
        self.found: list[tuple[Node, Path_, Severity, str]] = []
        self.missing: set[tuple[Path_, str]] = set()  # reported: each "required" error lists all
        self.ambiguous = False  # a float or boolean, which `_quick_check` may read differently
        self.size = 0  # the values read so far, each alias counted at its expanded size
        self.finished: dict[int, tuple[Any, int]] = {}  # id(collection) -> its data and size
        self.open: set[int] = set()  # the collections being read, to catch an alias loop
        self.data = self.plain(root, ())
        self.top: dict[str, Any] = self.data if isinstance(self.data, dict) else {}

    def plain(self, node: Node, path: Path_) -> Any:
        """The node's plain data: safe_yaml's one bounded walk (tags, depth, values counted
        through aliases). Run ~100,000 times for a large FAQ, so text and whole numbers skip
        PyYAML's constructor."""
        scalar = isinstance(node, self.scalar_class)
        alias = None if scalar else self.finished.get(id(node))  # (data, size) if read before
        self.size += alias[1] if alias else 1  # an alias is charged its full size
        if self.size > safe_yaml.MAX_NODES:
            raise DocumentError(safe_yaml.TOO_MANY, *safe_yaml.place_of(node.start_mark))
        if alias:
            return alias[0]  # read only once, and shared
        if scalar:
            tag, text = node.tag, node.value
            if tag == STR_TAG:
                return text
            if tag == INT_TAG and text.isascii() and text.isdigit() and text[0] != "0":
                return int(text)  # what the constructor returns for plain decimal digits
            if tag not in safe_yaml.SCALAR_TAGS:
                raise safe_yaml.refused_tag(node)
            from yaml.constructor import SafeConstructor

            value = SafeConstructor().construct_object(node)
            if type(value) in (float, bool):
                self.ambiguous = True
            return value
        if id(node) in self.open:
            raise DocumentError(safe_yaml.LOOP, *safe_yaml.place_of(node.start_mark))
        if node.tag not in safe_yaml.COLLECTION_TAGS:
            raise safe_yaml.refused_tag(node)
        if len(path) >= safe_yaml.MAX_DEPTH:
            raise DocumentError(safe_yaml.TOO_DEEP, *safe_yaml.place_of(node.start_mark))
        start = self.size
        self.open.add(id(node))
        if isinstance(node, self.mapping_class):
            result: Any = self.mapping(node, path)
        else:
            result = [self.plain(child, (*path, n)) for n, child in enumerate(node.value)]
        self.open.discard(id(node))
        self.finished[id(node)] = (result, self.size - start + 1)
        return result

    def mapping(self, node: Node, path: Path_) -> dict[str, Any]:
        """A mapping's plain data, reporting the keys YAML allows but JSON does not."""
        result: dict[str, Any] = {}
        key_nodes: dict[str, Node] = {}  # the first node of each key, for a duplicate's message
        for key_node, value_node in node.value:
            key = key_node.value
            if key_node.tag != STR_TAG or not str(key).strip():
                self.plain(key_node, (*path, "?"))  # read within the limits, then left out
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

    def node_at(self, path: Path_, key: bool = False) -> Node:
        """The node at a path of the plain data (the key's node when `key`), or its deepest one."""
        from yaml.nodes import MappingNode, SequenceNode

        node = self.root
        for step, part in enumerate(path):
            if isinstance(node, SequenceNode) and isinstance(part, int):
                node = node.value[part]
            elif isinstance(node, MappingNode):
                pairs = [(k, v) for k, v in node.value if k.tag == STR_TAG and k.value == part]
                if not pairs:
                    return node
                node = pairs[0][0] if key and step == len(path) - 1 else pairs[0][1]
            else:
                return node
        return node

    def report(self, path: Path_, message: str, severity: Severity = "error") -> None:
        self.found.append((self.node_at(path), path, severity, message))

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
            return f"{label} ({key} {self.node_at((*path[:2], key)).value})"
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
        node = self.node_at(path)
        if error.validator == "additionalProperties":
            known = list(schema.get("properties", {}))
            for key in cast(dict[str, Any], error.instance):
                if key not in known:
                    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
                    hint = f"did you mean '{close[0]}'?" if close else f"known: {', '.join(known)}"
                    message = f"unknown key '{key}' is ignored; {hint}"
                    where = (*path, key)
                    self.found.append((self.node_at(where, key=True), where, "warning", message))
        elif error.validator == "required" and list(error.relative_schema_path)[-2:-1] == ["then"]:
            self.found.append((node, path, severity, str(schema["description"])))
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
                self.found.append((node, path, severity, message))
        else:
            self.found.append((node, path, severity, self.wrong_value(error, schema, node)))

    def wrong_value(self, error: ValidationError, schema: dict[str, Any], node: Node) -> str:
        """What a value must be, what it is, and how to fix it."""
        path: Path_ = tuple(error.absolute_path)
        name = self.name(path)
        if error.validator == "pattern" and error.validator_value == r"\S":
            return f"'{name}' must not be empty"
        wanted = schema.get("title", "valid")
        found = f", found {describe(node)}"
        hint = ""
        if not path:
            return f"expected {wanted}{found}"
        verb = "should" if schema.get("x-severity") == "warning" else "must"
        subject = f"'{name}' {verb} be" if name else f"{verb} be"
        if error.validator == "const" and "title" not in schema:
            wanted = json.dumps(error.validator_value)  # `version: 2` where only 1 exists: "1"
        if error.validator in {"pattern", "enum", "const"}:
            found = ""
        elif error.validator == "type":
            expected = error.validator_value
            expected = expected if isinstance(expected, list) else [expected]
            if "string" in expected and describe(node) not in {"no value", "a list", "a mapping"}:
                hint = "; put it in quotes"
            if "object" in expected and schema.get("required"):
                hint = f"; give it the keys {', '.join(schema['required'])}"
        return f"{subject} {wanted}{found}{hint}"

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
                        line = self.node_at((list_key, first[value], key)).start_mark.line + 1
                        message = f"duplicate {key} {value!r} (first at line {line})"
                        self.report((list_key, index, key), message)

    def problems(self) -> list[Problem]:
        """The problems found, in the file's order, each in its record's words."""
        result = []
        for node, path, severity, message in self.found:
            record = self.record_label(path)
            text = f"{record}: {message}" if record else message
            line, column = safe_yaml.place_of(node.start_mark)
            result.append(Problem(self.path, line, column, severity, text, record))
        return sorted(result, key=lambda p: (p.line or 0, p.column or 0))


def _indexed(items: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    """(index, record) for each mapping of a list; anything else was reported by the schema."""
    for index, item in enumerate(items if isinstance(items, list) else ()):
        if isinstance(item, dict):
            yield index, item


# The rules a schema cannot say, one function per rule, each reporting through the document.


def _pilot_categories_exist(document: _Document) -> None:
    """A pilot's categories are defined under `categories:` and rest on sourced themes."""
    ids = [category.get("id") for _, category in _indexed(document.top.get("categories"))]
    known = sorted({found for found in ids if isinstance(found, str)})
    for index, pilot in _indexed(document.top.get("pilots")):
        chosen = pilot.get("categories")
        if not isinstance(chosen, list) or not chosen:
            continue
        path = ("pilots", index, "categories")
        for category in chosen:
            if isinstance(category, str) and category not in known:
                names = ", ".join(known) or "none defined under 'categories'"
                document.report(path, f"unknown category '{category}' (known: {names})")
        if not pilot.get("themes"):
            document.report(path, "'categories' need sourced 'themes' to derive from")


def _pilot_facts_are_sourced(document: _Document) -> None:
    """When a pilot lists `sources`, each fact's source is one of them: the list is complete."""
    for index, pilot in _indexed(document.top.get("pilots")):
        sources = pilot.get("sources")
        if not isinstance(sources, list):
            continue
        facts: list[tuple[Path_, dict[str, Any]]] = [
            ((name, n), fact)
            for name in ("themes", "figures", "field_trials")
            for n, fact in _indexed(pilot.get(name))
        ]
        if isinstance(pilot.get("authorities"), dict):
            facts.append((("authorities",), pilot["authorities"]))
        for where, fact in facts:
            source = fact.get("source")
            if isinstance(source, str) and source not in sources:
                path = ("pilots", index, *where, "source")
                document.report(path, f"'{document.name(path)}' is not among the pilot's 'sources'")


def _spellings_are_unique(document: _Document) -> None:
    """No spelling of a term (any case, singular or plural) belongs to another term too."""
    from totalplace_cli.glossary import spelling_key

    seen: dict[str, str] = {}  # spelling key -> the term it belongs to
    for index, term in _indexed(document.top.get("terms")):
        name, aliases = term.get("term"), term.get("aliases")
        aliases = aliases if isinstance(aliases, list) else []
        if not isinstance(name, str) or not all(isinstance(alias, str) for alias in aliases):
            continue
        for spelling in (name, *aliases):
            key = spelling_key(spelling)
            if seen.setdefault(key, name) != name:
                document.report(("terms", index), f"'{spelling}' is already the term {seen[key]}")


def _ids_are_unique_across_lists(document: _Document) -> None:
    """An id names one event or fact of the programme, whichever list it is in."""
    first: dict[str, str] = {}  # id -> the list it is first in
    for list_key in ("events", "facts"):
        for index, item in _indexed(document.top.get(list_key)):
            found = item.get("id")
            if isinstance(found, str) and first.setdefault(found, list_key) != list_key:
                message = f"id {found!r} is also an id in '{first[found]}'"
                document.report((list_key, index, "id"), message)


RULES: dict[str, tuple[Callable[[_Document], None], ...]] = {
    "pilots": (_pilot_categories_exist, _pilot_facts_are_sourced),
    "glossary": (_spellings_are_unique,),
    "programme": (_ids_are_unique_across_lists,),
}
