"""The data format: one field specification per record type, shared by loading and `tp validate`.

`FAQ_SPEC` and `PILOTS_SPEC` say which fields a record has, their types, which are required and
which must be unique. `check_file` reads a node tree (from `safe_yaml`) against a spec and
returns every problem with its line and column together with the records it could build, so
loading (which stops at the first error) and validation (which lists them all) cannot disagree.

To add a field, add a `Field` to the record's spec here and an attribute of the same name (with
a default when the field is optional) to the dataclass in `models.py`; docs/data-format.md
describes every field and a test checks the three agree.
"""

from __future__ import annotations

import difflib
import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from totalplace_cli.data import FAQ_FILE, GLOSSARY_FILE, PILOTS_FILE
from totalplace_cli.models import FaqEntry
from totalplace_cli.pilot_models import Category, Pilot, SourcedText

if TYPE_CHECKING:
    from yaml.nodes import MappingNode, Node

Severity = Literal["error", "warning"]
FORMAT_VERSION = 1
"""The newest `version:` of the data files this tp reads."""

TAG = "tag:yaml.org,2002:"


class _Invalid:
    """Marks a value that could not be read (its problem is already reported)."""

    def __repr__(self) -> str:
        return "INVALID"


INVALID: Any = _Invalid()


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


class Checker:
    """Collects the problems of one file; `record` names the record being read, if any."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.record: str | None = None

    def report(self, node: Node | None, severity: Severity, message: str) -> None:
        mark = node.start_mark if node is not None else None
        line = mark.line + 1 if mark is not None else None
        column = mark.column + 1 if mark is not None else None
        if self.record is not None:
            message = f"{self.record}: {message}"
        self.problems.append(Problem(self.path, line, column, severity, message, self.record))

    def error(self, node: Node | None, message: str) -> None:
        self.report(node, "error", message)

    def warning(self, node: Node | None, message: str) -> None:
        self.report(node, "warning", message)


def describe(node: Node) -> str:
    """What a node holds, in words, for messages such as "found a list"."""
    from yaml.nodes import MappingNode, SequenceNode

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


def _scalar(node: Node, kind: str) -> bool:
    from yaml.nodes import ScalarNode

    return isinstance(node, ScalarNode) and node.tag == TAG + kind


class ValueType(ABC):
    """How one field's value is written and what it becomes."""

    description: str = "a value"

    @abstractmethod
    def read(self, node: Node, name: str, checker: Checker) -> Any:
        """The value of `node`, or INVALID after reporting why it is not one."""

    def wrong(self, node: Node, name: str, checker: Checker, hint: str = "") -> Any:
        """Report that `node` is not of this type; an empty `name` means the record itself."""
        subject = f"'{name}' must be" if name else "must be"
        checker.error(node, f"{subject} {self.description}, found {describe(node)}{hint}")
        return INVALID


class Text(ValueType):
    """Non-empty text; `pattern`, when given, is what the text should look like."""

    description = "non-empty text"

    def __init__(
        self,
        pattern: str | None = None,
        pattern_description: str = "",
        pattern_severity: Severity = "error",
    ) -> None:
        self.pattern = pattern
        self.pattern_description = pattern_description
        self.pattern_severity: Severity = pattern_severity

    def read(self, node: Node, name: str, checker: Checker) -> Any:
        from yaml.nodes import ScalarNode

        if not _scalar(node, "str"):
            quoted = isinstance(node, ScalarNode) and not _scalar(node, "null")
            return self.wrong(node, name, checker, "; put it in quotes" if quoted else "")
        value = str(node.value)
        if not value.strip():
            checker.error(node, f"'{name}' must not be empty")
            return INVALID
        if self.pattern is not None and not re.fullmatch(self.pattern, value):
            verb = "must" if self.pattern_severity == "error" else "should"
            checker.report(
                node, self.pattern_severity, f"'{name}' {verb} be {self.pattern_description}"
            )
            if self.pattern_severity == "error":
                return INVALID
        return value


class PositiveInt(ValueType):
    """A whole number of at least 1, written without quotes."""

    description = "a whole number of 1 or more"

    def read(self, node: Node, name: str, checker: Checker) -> Any:
        if not _scalar(node, "int"):
            return self.wrong(node, name, checker)
        value = _constructor().construct_yaml_int(node)
        if value < 1:
            return self.wrong(node, name, checker)
        return value


class ListOf(ValueType):
    """A list whose items are all of one type; read as a tuple."""

    def __init__(self, item: ValueType) -> None:
        self.item = item
        self.description = f"a list of {item.description}"

    def read(self, node: Node, name: str, checker: Checker) -> Any:
        from yaml.nodes import SequenceNode

        if not isinstance(node, SequenceNode):
            return self.wrong(node, name, checker)
        items = [
            self.item.read(child, f"{name}[{index}]", checker)
            for index, child in enumerate(node.value, 1)
        ]
        return INVALID if any(item is INVALID for item in items) else tuple(items)


class MappingOf(ValueType):
    """A mapping from non-empty text keys to values of one type; read as a dict."""

    def __init__(self, value: ValueType) -> None:
        self.value = value
        self.description = f"a mapping of text to {value.description}"

    def read(self, node: Node, name: str, checker: Checker) -> Any:
        from yaml.nodes import MappingNode

        if not isinstance(node, MappingNode):
            return self.wrong(node, name, checker)
        result: dict[str, Any] = {}
        valid = True
        for key, value in _keys(node, checker).items():
            item = self.value.read(value, f"{name}.{key}", checker)
            valid = valid and item is not INVALID
            result[key] = item
        return result if valid else INVALID


class Field:
    """One key of a record: its type, whether it must be there, whether it must be unique."""

    # A plain class, not a dataclass: specs are built at import, and start-up time matters.
    def __init__(
        self,
        name: str,
        type: ValueType,
        required: bool = True,
        unique: bool = False,
        default: Any = None,
        doc: str = "",
    ) -> None:
        self.name = name
        self.type = type
        self.required = required
        self.unique = unique
        self.default = default
        self.doc = doc


class Record(ValueType):
    """A mapping with known keys; `build` turns the field values into an object."""

    description = "a mapping"

    def __init__(
        self,
        fields: tuple[Field, ...],
        build: Callable[..., Any] = dict,
        derived: frozenset[str] = frozenset(),
    ) -> None:
        self.fields = fields
        self.build = build
        self.derived = derived  # attributes `build` makes from other fields, not written in YAML

    def read(self, node: Node, name: str, checker: Checker) -> Any:
        values, _ = self.read_fields(node, name, checker)
        if values is None or any(value is INVALID for value in values.values()):
            return INVALID
        return self.build(**values)

    def read_fields(
        self, node: Node, name: str, checker: Checker
    ) -> tuple[dict[str, Any] | None, dict[str, Node]]:
        """Each field's value (INVALID where it is not valid) and node; None if not a mapping."""
        from yaml.nodes import MappingNode

        if not isinstance(node, MappingNode):
            keys = ", ".join(f.name for f in self.fields if f.required)
            self.wrong(node, name, checker, f"; give it the keys {keys}")
            return None, {}
        present = _keys(node, checker, known=[f.name for f in self.fields])
        values: dict[str, Any] = {}
        for spec in self.fields:
            value_node = present.get(spec.name)
            label = f"{name}.{spec.name}" if name else spec.name  # "themes[1].source"
            if value_node is None or (not spec.required and _scalar(value_node, "null")):
                if spec.required:
                    checker.error(node, f"'{label}' is missing ({spec.type.description})")
                    values[spec.name] = INVALID
                else:
                    values[spec.name] = spec.default
                continue
            values[spec.name] = spec.type.read(value_node, label, checker)
        return values, present


def _keys(node: MappingNode, checker: Checker, known: list[str] | None = None) -> dict[str, Node]:
    """The value node of each text key; reports odd, duplicate and (if `known`) unknown keys."""
    found: dict[str, Node] = {}
    first_line: dict[str, int] = {}
    for key_node, value_node in node.value:
        if not _scalar(key_node, "str") or not str(key_node.value).strip():
            checker.error(key_node, f"keys must be non-empty text, found {describe(key_node)}")
            continue
        key = str(key_node.value)
        if key in found:
            checker.error(key_node, f"duplicate key '{key}' (first at line {first_line[key]})")
            continue
        if known is not None and key not in known:
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else f"; known: {', '.join(known)}"
            checker.warning(key_node, f"unknown key '{key}' is ignored{hint}")
            continue
        found[key] = value_node
        first_line[key] = key_node.start_mark.line + 1
    return found


_CONSTRUCTOR: Any = None


def _constructor() -> Any:
    """PyYAML's safe constructor, used only to read scalar numbers the YAML way."""
    global _CONSTRUCTOR
    if _CONSTRUCTOR is None:
        from yaml.constructor import SafeConstructor

        _CONSTRUCTOR = SafeConstructor()
    return _CONSTRUCTOR


RecordCheck = Callable[[dict[str, Any], dict[str, "Node"], "Node", Checker, "CheckedFile"], bool]
"""A rule across fields or records: given a record's values and nodes, report and return False."""


class Section:
    """A further top-level list of a file, read before the main one (pilots' `categories`)."""

    def __init__(self, key: str, record_label: str, record: Record) -> None:
        self.key = key
        self.record_label = record_label
        self.record = record


class FileSpec:
    """A data file: a mapping with an optional `version` and a list of records under `list_key`."""

    def __init__(
        self,
        kind: str,
        file_name: str,
        list_key: str,
        record_label: str,
        record: Record,
        sections: tuple[Section, ...] = (),
        check_record: RecordCheck | None = None,
        label_key: str = "id",
    ) -> None:
        self.kind = kind
        self.file_name = file_name
        self.list_key = list_key
        self.record_label = record_label
        self.record = record
        self.sections = sections
        self.check_record = check_record
        self.label_key = label_key

    def count(self, number: int) -> str:
        """`1 entry`, `14 entries`, `13 pilots`."""
        label = self.record_label
        if number != 1:
            label = label[:-1] + "ies" if label.endswith("y") else label + "s"
        return f"{number} {label}"

    def check(self, root: Node, path: str) -> CheckedFile:
        """Every problem of the document `root`, and the records that are valid."""
        from yaml.nodes import MappingNode, SequenceNode

        checker = Checker(path)
        result = CheckedFile(self, path, checker.problems)
        shape = f"a mapping with a list under '{self.list_key}'"
        if not isinstance(root, MappingNode):
            checker.error(root, f"expected {shape}, found {describe(root)}")
            return result
        section_keys = [section.key for section in self.sections]
        present = _keys(root, checker, known=["version", *section_keys, self.list_key])
        version_node = present.get("version")
        if version_node is not None:
            version = PositiveInt().read(version_node, "version", checker)
            if version is not INVALID:
                result.format_version = version
                if version > FORMAT_VERSION:
                    checker.warning(
                        version_node,
                        f"format version {version} is newer than this tp reads "
                        f"({FORMAT_VERSION}); upgrade tp if fields are ignored",
                    )
        for section in self.sections:
            nodes = present.get(section.key)
            if nodes is None:
                continue
            if not isinstance(nodes, SequenceNode):
                checker.error(nodes, f"'{section.key}' must be a list, found {describe(nodes)}")
                continue
            found = result.sections.setdefault(section.key, [])
            self._check_records(nodes.value, checker, section.record, section.record_label, found)
        entries = present.get(self.list_key)
        if entries is None:
            checker.error(root, f"expected {shape}; '{self.list_key}' is missing")
            return result
        if not isinstance(entries, SequenceNode):
            checker.error(entries, f"'{self.list_key}' must be a list, found {describe(entries)}")
            return result
        if not entries.value:
            checker.warning(entries, f"'{self.list_key}' is empty")
        result.entries = len(entries.value)
        self._check_records(
            entries.value, checker, self.record, self.record_label, result.records, result
        )
        checker.problems.sort(key=lambda p: (p.line or 0, p.column or 0))
        return result

    def _check_records(
        self,
        nodes: list[Node],
        checker: Checker,
        record: Record,
        label: str,
        into: list[Any],
        result: CheckedFile | None = None,
    ) -> None:
        """Read each record node into `into`; `result` is given for the main list (its hook)."""
        unique = [spec.name for spec in record.fields if spec.unique]
        first_lines: dict[str, dict[Any, int]] = {name: {} for name in unique}
        for index, node in enumerate(nodes, 1):
            checker.record = self._label(label, index, node)
            values, present = record.read_fields(node, "", checker)
            if values is None:
                continue
            valid = all(value is not INVALID for value in values.values())
            for name in unique:
                value = values[name]
                if value is INVALID or value is None:
                    continue
                line = present[name].start_mark.line + 1
                seen = first_lines[name]
                if value in seen:
                    checker.error(
                        present[name], f"duplicate {name} {value!r} (first at line {seen[value]})"
                    )
                    valid = False
                else:
                    seen[value] = line
            if result is not None and self.check_record is not None:
                valid = self.check_record(values, present, node, checker, result) and valid
            if valid:
                into.append(record.build(**values))
        checker.record = None

    def _label(self, label: str, index: int, node: Node) -> str:
        from yaml.nodes import MappingNode, ScalarNode

        text = f"{label} {index}"
        if isinstance(node, MappingNode):
            for key, value in node.value:
                if key.value == self.label_key and isinstance(value, ScalarNode) and value.value:
                    return f"{text} ({self.label_key} {value.value})"
        return text


@dataclass
class CheckedFile:
    """What checking one file found: its problems and the records that passed."""

    spec: FileSpec | None  # None when the file's kind is unknown
    path: str
    problems: list[Problem]
    records: list[Any] = field(default_factory=list)
    sections: dict[str, list[Any]] = field(default_factory=dict)  # e.g. pilots' categories
    scratch: dict[str, Any] = field(default_factory=dict)  # state for cross-record rules
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

    def to_json(self) -> dict[str, Any]:
        """A file's summary in `tp validate --json` and `tp info --json`."""
        return {
            "path": self.path,
            "kind": self.spec.kind if self.spec else None,
            "entries": self.entries,
            "format_version": self.format_version,
            "valid": self.valid,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
        }


SLUG = r"[a-z0-9]+(-[a-z0-9]+)*"

FAQ_SPEC = FileSpec(
    kind="faq",
    file_name=FAQ_FILE,
    list_key="entries",
    record_label="entry",
    record=Record(
        build=FaqEntry,
        fields=(
            Field("id", PositiveInt(), unique=True, doc="The question's number: `tp show 12`."),
            Field(
                "slug",
                Text(
                    pattern=SLUG,
                    pattern_description="lower-case letters and digits joined by hyphens "
                    "('tp show' lower-cases what it is given)",
                    pattern_severity="warning",
                ),
                unique=True,
                doc="A name for the question: `tp show what-is-total-place`.",
            ),
            Field("question", Text(), doc="The question, word for word."),
            Field("answer", Text(), doc="The answer, word for word; blank lines part paragraphs."),
            Field(
                "keywords",
                ListOf(Text()),
                required=False,
                default=(),
                doc="Extra words that should find this entry in `tp ask`.",
            ),
        ),
    ),
)

URL = Text(pattern=r"https?://\S+", pattern_description="an http(s) URL")


def _sourced(doc: str) -> Field:
    return Field(
        doc.split(":")[0],
        ListOf(Record(fields=(Field("text", Text()), Field("source", URL)), build=SourcedText)),
        required=False,
        default=(),
        doc=doc.split(":", 1)[1].strip(),
    )


def _pilot(authorities: tuple[tuple[str, ...], str] | None = None, **values: Any) -> Pilot:
    """A Pilot from its fields; `authorities: {source, members}` becomes two attributes."""
    if authorities is not None:
        values["authorities"], values["authorities_source"] = authorities
    return Pilot(**values)


def _authorities(source: str, members: tuple[str, ...]) -> tuple[tuple[str, ...], str]:
    return members, source


def _check_pilot(
    values: dict[str, Any],
    present: dict[str, Node],
    node: Node,
    checker: Checker,
    result: CheckedFile,
) -> bool:
    """A pilot's categories must be defined under `categories:` and rest on sourced themes."""
    categories = values.get("categories")
    if not categories or categories is INVALID:
        return True
    known = {category.id for category in result.sections.get("categories", [])}
    valid = True
    for category in categories:
        if category not in known:
            names = ", ".join(sorted(known)) or "none defined under 'categories'"
            checker.error(present["categories"], f"unknown category '{category}' (known: {names})")
            valid = False
    if values.get("themes") == ():
        checker.error(present["categories"], "'categories' need sourced 'themes' to derive from")
        valid = False
    return valid


PILOTS_SPEC = FileSpec(
    kind="pilots",
    file_name=PILOTS_FILE,
    list_key="pilots",
    record_label="pilot",
    record=Record(
        build=_pilot,
        derived=frozenset({"authorities_source"}),
        fields=(
            Field("id", Text(), unique=True, doc="A stable identifier, e.g. `croydon`."),
            Field("name", Text(), doc="The pilot area's name as the FAQ spells it."),
            Field("region", Text(), doc="The English region, for `tp pilots --region`."),
            Field(
                "official_name",
                Text(),
                required=False,
                doc="The longer name a source uses for the area.",
            ),
            _sourced("themes: What the pilot worked on, each `{text, source}` (a URL)."),
            Field(
                "categories",
                ListOf(Text()),
                required=False,
                default=(),
                doc="Ids from the file's `categories:` list; need sourced `themes`.",
            ),
            Field(
                "authorities",
                Record(
                    fields=(Field("source", URL), Field("members", ListOf(Text()))),
                    build=_authorities,
                ),
                required=False,
                doc="Member councils and bodies: `{source, members: [...]}`.",
            ),
            _sourced("figures: Figures a source states, each `{text, source}`."),
            _sourced("field_trials: Work after the pilot, each `{text, source}`."),
            Field(
                "sources",
                ListOf(URL),
                required=False,
                default=(),
                doc="Every page the pilot's facts come from.",
            ),
        ),
    ),
    sections=(
        Section(
            "categories",
            "category",
            Record(
                build=Category,
                fields=(
                    Field("id", Text(), unique=True, doc="Category id, e.g. `older-people`."),
                    Field("label", Text(), doc="Its name for people."),
                    Field(
                        "synonyms",
                        ListOf(Text()),
                        required=False,
                        default=(),
                        doc="Words that select it in `tp pilots --theme`.",
                    ),
                ),
            ),
        ),
    ),
    check_record=_check_pilot,
)


def _check_term(
    values: dict[str, Any],
    present: dict[str, Node],
    node: Node,
    checker: Checker,
    result: CheckedFile,
) -> bool:
    """A `faq` term quotes the FAQ, a `research` term says its provenance; spellings are unique."""
    valid = True
    needed = {"faq": "quote", "research": "provenance"}.get(str(values.get("source")))
    if needed is not None and values.get(needed) is None:
        checker.error(node, f"a '{values['source']}' term needs a '{needed}'")
        valid = False
    seen: dict[str, str] = result.scratch.setdefault("spellings", {})
    term = values.get("term")
    aliases = values.get("aliases")
    if not isinstance(term, str) or not isinstance(aliases, tuple):
        return valid
    from totalplace_cli.glossary import spelling_key

    for spelling in (term, *aliases):
        key = spelling_key(spelling)
        if seen.get(key, term) != term:
            checker.error(node, f"'{spelling}' is already the term {seen[key]}")
            valid = False
        seen.setdefault(key, term)
    return valid


def _glossary_term(**values: Any) -> Any:
    from totalplace_cli.glossary import GlossaryTerm

    return GlossaryTerm(**values)


GLOSSARY_SPEC = FileSpec(
    kind="glossary",
    file_name=GLOSSARY_FILE,
    list_key="terms",
    record_label="term",
    label_key="term",
    record=Record(
        build=_glossary_term,
        fields=(
            Field(
                "term", Text(), unique=True, doc="The acronym as the FAQ writes it, e.g. `RIEPs`."
            ),
            Field("expansion", Text(), doc="What it stands for."),
            Field(
                "source",
                Text(pattern="faq|research", pattern_description="faq or research"),
                doc="`faq`: the FAQ spells it out; `research`: it comes from the research notes.",
            ),
            Field("quote", Text(), required=False, doc="For `faq` terms: the FAQ's own words."),
            Field(
                "provenance",
                Text(),
                required=False,
                doc="For `research` terms: where the expansion comes from.",
            ),
            Field(
                "aliases",
                ListOf(Text()),
                required=False,
                default=(),
                doc="Other spellings a reader may type.",
            ),
        ),
    ),
    check_record=_check_term,
)

SPECS = (FAQ_SPEC, PILOTS_SPEC, GLOSSARY_SPEC)
