"""Turn the bytes of a data file into a tree of YAML nodes, safely and within fixed limits.

A data file may come from anyone, so reading it must never run code, never hang and never use
unbounded memory. This module composes nodes itself from the parser's event stream instead of
calling `yaml.load`: no tag outside plain YAML data is ever accepted (`!!python/...` is refused
before anything is built), nesting depth is capped, and aliases are charged at their expanded
size, so an alias bomb ("billion laughs") is refused after a few hundred events. Nothing here
constructs Python objects from collections; `spec.py` reads the checked nodes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from yaml.nodes import Node

MAX_FILE_BYTES = 10 * 1024 * 1024
"""Largest data file read (10 MiB); the bundled FAQ is about 10 KB."""

MAX_DEPTH = 50
"""Deepest nesting of lists and mappings; the data format needs 4 levels."""

MAX_NODES = 1_000_000
"""Most values in one file, counting each alias as everything it stands for."""

YAML_TAG = "tag:yaml.org,2002:"
SCALAR_TAGS = frozenset(
    YAML_TAG + name for name in ("str", "int", "float", "bool", "null", "timestamp")
)
COLLECTION_TAGS = frozenset({YAML_TAG + "seq", YAML_TAG + "map"})
INT_TAG = YAML_TAG + "int"


class DocumentError(Exception):
    """The file cannot be read as one YAML document; line and column are 1-based when known."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def decode(raw: bytes) -> str:
    """The text of a data file, or a DocumentError saying why these bytes are not YAML text."""
    if len(raw) > MAX_FILE_BYTES:
        raise DocumentError(
            f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB, the most tp reads"
        )
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DocumentError("file is UTF-16 text; save it as UTF-8")
    if b"\x00" in raw:
        raise DocumentError(
            f"binary file (NUL byte at offset {raw.index(0)}), not YAML text",
            *_place(raw, raw.index(0)),
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DocumentError(
            f"not UTF-8 text (byte 0x{raw[error.start]:02x} at offset {error.start}); "
            "save it as UTF-8",
            *_place(raw, error.start),
        ) from None
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise DocumentError("file is empty")
    return text


def _place(raw: bytes, offset: int) -> tuple[int, int]:
    """The 1-based line and column (in bytes) of `offset`."""
    line_start = raw.rfind(b"\n", 0, offset) + 1
    return raw.count(b"\n", 0, offset) + 1, offset - line_start + 1


def compose(text: str) -> Node:
    """The single document in `text` as a node tree, or a DocumentError with its position."""
    # PyYAML costs ~25 ms to import: only paths that parse YAML pay for it.
    import yaml

    loader_class: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # C parser when present
    loader = loader_class(text)
    try:
        root = _Composer().run(loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "malformed YAML"
        raise DocumentError(f"invalid YAML: {problem}", *_mark(mark)) from None
    except yaml.YAMLError as error:  # a ReaderError: characters YAML does not allow
        position = getattr(error, "position", None)
        where = _text_place(text, position) if isinstance(position, int) else (None, None)
        reason = getattr(error, "reason", None) or str(error).splitlines()[0]
        character = getattr(error, "character", None)
        shown = f" (U+{character:04X})" if isinstance(character, int) else ""
        raise DocumentError(f"invalid YAML: {reason}{shown}", *where) from None
    finally:
        loader.dispose()
    if root is None:
        raise DocumentError("file has no data (only comments or blank lines)")
    return root


def _mark(mark: Any) -> tuple[int | None, int | None]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (None, None)


def _text_place(text: str, position: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, position) + 1
    return text.count("\n", 0, position) + 1, position - line_start + 1


class _Composer:
    """Builds nodes from parser events, counting depth and expanded size as it goes."""

    def __init__(self) -> None:
        import yaml
        from yaml.resolver import Resolver

        self.yaml: Any = yaml
        self.resolver: Any = Resolver()
        self.anchors: dict[str, tuple[Node, int]] = {}
        # Open collections, each [node, children so far, expanded size so far, anchor].
        self.stack: list[list[Any]] = []
        self.total = 0
        self.documents = 0
        self.root: Node | None = None
        self.handlers: dict[type, Any] = {
            yaml.DocumentStartEvent: self._document,
            yaml.AliasEvent: self._alias,
            yaml.ScalarEvent: self._scalar,
            yaml.SequenceStartEvent: self._start,
            yaml.MappingStartEvent: self._start,
            yaml.SequenceEndEvent: self._end,
            yaml.MappingEndEvent: self._end,
        }

    def run(self, loader: Any) -> Node | None:
        handlers, get_event = self.handlers, loader.get_event
        while loader.check_event():
            event = get_event()
            handler = handlers.get(type(event))
            if handler is not None:
                handler(event)
        return self.root

    def _document(self, event: Any) -> None:
        self.documents += 1
        if self.documents > 1:
            raise DocumentError(
                "more than one YAML document ('---'); put everything in one",
                *_mark(event.start_mark),
            )

    def _charge(self, size: int, event: Any) -> None:
        self.total += size
        if self.total > MAX_NODES:
            raise DocumentError(
                f"too many values (more than {MAX_NODES:,}, counting what each alias "
                "stands for); is this an alias bomb?",
                *_mark(event.start_mark),
            )

    def _attach(self, node: Node, size: int) -> None:
        if not self.stack:
            self.root = node
            return
        frame = self.stack[-1]
        frame[1].append(node)
        frame[2] += size

    def _tag(self, event: Any, kind: type[Node], value: str | None) -> str:
        tag = event.tag
        if tag is None or tag == "!":
            if value is not None and value.isdigit() and value.isascii() and event.implicit[0]:
                # Plain digits are always an int (YAML 1.1); PyYAML's regexes cost ~15 us here.
                return INT_TAG
            tag = self.resolver.resolve(kind, value, event.implicit)
        allowed = SCALAR_TAGS if value is not None else COLLECTION_TAGS
        if tag not in allowed:
            shown = "!!" + tag.removeprefix(YAML_TAG) if tag.startswith(YAML_TAG) else tag
            raise DocumentError(
                f"tag {shown} is not allowed: data files hold plain text, numbers, lists and "
                "mappings (tp never runs code from data)",
                *_mark(event.start_mark),
            )
        return str(tag)

    def _alias(self, event: Any) -> None:
        if event.anchor not in self.anchors:
            raise DocumentError(
                f"alias *{event.anchor} refers to no finished anchor", *_mark(event.start_mark)
            )
        node, size = self.anchors[event.anchor]
        self._charge(size, event)
        self._attach(node, size)

    def _scalar(self, event: Any) -> None:
        self.total += 1
        if self.total > MAX_NODES:
            self._charge(0, event)
        tag = self._tag(event, self.yaml.ScalarNode, event.value)
        node = self.yaml.ScalarNode(
            tag, event.value, event.start_mark, event.end_mark, style=event.style
        )
        if event.anchor is not None:
            self.anchors[event.anchor] = (node, 1)
        self._attach(node, 1)

    def _start(self, event: Any) -> None:
        self._charge(1, event)
        if len(self.stack) >= MAX_DEPTH:
            raise DocumentError(
                f"nested more than {MAX_DEPTH} levels deep", *_mark(event.start_mark)
            )
        is_mapping = isinstance(event, self.yaml.MappingStartEvent)
        kind: Any = self.yaml.MappingNode if is_mapping else self.yaml.SequenceNode
        tag = self._tag(event, kind, None)
        node = kind(tag, [], event.start_mark, None, flow_style=event.flow_style)
        self.stack.append([node, [], 1, event.anchor])

    def _end(self, event: Any) -> None:
        node, children, size, anchor = self.stack.pop()
        if isinstance(node, self.yaml.MappingNode):
            node.value = list(zip(children[0::2], children[1::2], strict=True))
        else:
            node.value = children
        if anchor is not None:
            self.anchors[anchor] = (node, size)
        self._attach(node, size)
