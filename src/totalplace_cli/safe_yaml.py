"""Turn a data file into a graph of YAML nodes, safely and within fixed limits.

A data file may come from anyone, so reading it must never run code, never hang and never use
unbounded memory. Only regular files are read (a FIFO or device is refused before it is opened),
at most `MAX_FILE_BYTES` of them. PyYAML's composer (`yaml.compose`, with the C loader when
present) builds the node graph, which never constructs Python objects; one bounded walk then
refuses any tag outside plain data, nesting deeper than `MAX_DEPTH`, and more than `MAX_NODES`
values counting each alias at its expanded size (an alias bomb is refused without expanding it).
"""

from __future__ import annotations

import gc
import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
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
STR_TAG = YAML_TAG + "str"

_KINDS_OF_FILE = (
    (stat.S_ISDIR, "is a folder, not a file"),
    (stat.S_ISFIFO, "is a named pipe (FIFO), not a regular file"),
    (stat.S_ISSOCK, "is a socket, not a regular file"),
    (stat.S_ISCHR, "is a device, not a regular file"),
    (stat.S_ISBLK, "is a device, not a regular file"),
)


class DocumentError(Exception):
    """The file cannot be read as one YAML document; line and column are 1-based when known."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def path_error(error: OSError) -> str:
    """An OSError on a path in words, without the path (the caller's message names it)."""
    import errno

    reasons = {
        errno.ENOENT: "no such file",
        errno.ELOOP: "symbolic link loop, or too many links",
        errno.ENAMETOOLONG: "path too long",
        errno.EACCES: "permission denied",
        errno.ENOTDIR: "a part of the path is not a folder",
    }
    return reasons.get(error.errno or 0) or (error.strerror or type(error).__name__).lower()


def not_regular(mode: int) -> str | None:
    """Why a file of this mode cannot be read as data, or None for a regular file."""
    for test, reason in _KINDS_OF_FILE:
        if test(mode):
            return reason
    return None if stat.S_ISREG(mode) else "is not a regular file"


def read_file(path: str | os.PathLike[str]) -> bytes:
    """The bytes of a regular file (at most MAX_FILE_BYTES + 1), never blocking on a FIFO."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        if os.path.islink(path):
            raise DocumentError("broken symbolic link (what it points to does not exist)") from None
        raise DocumentError("cannot read file (no such file)") from None
    except OSError as error:
        raise DocumentError(f"cannot read file ({path_error(error)})") from None
    reason = not_regular(mode)
    if reason is not None:
        raise DocumentError(reason)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(path, flags)  # non-blocking: swapped for a FIFO since stat()
        with os.fdopen(descriptor, "rb") as stream:
            reason = not_regular(os.fstat(stream.fileno()).st_mode)
            if reason is not None:
                raise DocumentError(reason)
            return stream.read(MAX_FILE_BYTES + 1)  # capped: a huge file is never read whole
    except OSError as error:
        raise DocumentError(f"cannot read file ({path_error(error)})") from None


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


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a file is read and checked, then as it was.

    Composing a 10,000-entry FAQ allocates ~200,000 nodes and marks, and the collector would
    rescan them again and again: pausing it halves the time to compose. Nodes hold no cycles
    (an alias loop is refused), so nothing waits long for collection.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def compose(text: str) -> Node:
    """The single document in `text` as a checked node graph, or a DocumentError with its place."""
    # PyYAML costs ~25 ms to import: only paths that parse YAML pay for it.
    import yaml

    loader = _loader_class()(text)
    try:
        root: Node | None = loader.get_single_node()
    except yaml.composer.ComposerError as error:
        raise DocumentError(_composer_problem(error, text), *_mark(error.problem_mark)) from None
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
    except RecursionError:  # the pure-Python composer on deep nesting (libyaml stops at 1,000)
        raise DocumentError(f"nested more than {MAX_DEPTH} levels deep") from None
    finally:
        loader.dispose()
    if root is None:
        raise DocumentError("file has no data (only comments or blank lines)")
    _check_graph(root)
    return root


@cache
def _loader_class() -> Any:
    """PyYAML's safe loader (the C one when present), resolving text and plain numbers faster."""
    import yaml

    base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    starts = frozenset(base.yaml_implicit_resolvers)  # first characters that have a rule
    plain_text_shortcut = None not in starts and not base.yaml_path_resolvers

    class Loader(base):  # type: ignore[misc]
        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            # PyYAML's resolver costs ~10 us a value, paid ~100,000 times by a large FAQ.
            if kind is yaml.ScalarNode and plain_text_shortcut:
                if not implicit[0] or value[:1] not in starts:
                    return STR_TAG  # quoted, or no implicit rule starts with its first character
                # Plain ASCII digits without a leading zero are always a decimal int (with one,
                # YAML 1.1 may read octal or float).
                if value.isascii() and value.isdigit() and (value[0] != "0" or value == "0"):
                    return INT_TAG
            return super().resolve(kind, value, implicit)

    return Loader


def _composer_problem(error: Any, text: str) -> str:
    problem = str(error.problem or "")
    if "single document" in str(error.context or "") + problem:
        return "more than one YAML document ('---'); put everything in one"
    if problem.startswith("found undefined alias"):
        # libyaml does not name the alias: read it at the mark (`*name`).
        index = getattr(error.problem_mark, "index", None)
        found = re.match(r"\*([^\s,\[\]{}]+)", text[index:]) if isinstance(index, int) else None
        name = (
            found.group(1) if found else problem.removeprefix("found undefined alias").strip(" '")
        )
        return f"alias *{name} refers to no finished anchor"
    return f"invalid YAML: {problem}"


def _mark(mark: Any) -> tuple[int | None, int | None]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (None, None)


def _text_place(text: str, position: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, position) + 1
    return text.count("\n", 0, position) + 1, position - line_start + 1


def _check_graph(root: Node) -> None:
    """Refuse foreign tags, deep nesting and too many values, each alias at its expanded size."""
    from yaml.nodes import MappingNode, ScalarNode

    sizes: dict[int, int] = {}  # id(collection) -> values it stands for, once walked
    open_nodes: set[int] = set()  # the collections on the current path, to catch an alias loop

    def refuse_tag(node: Node) -> DocumentError:
        tag = str(node.tag)
        shown = "!!" + tag.removeprefix(YAML_TAG) if tag.startswith(YAML_TAG) else tag
        return DocumentError(
            f"tag {shown} is not allowed: data files hold plain text, numbers, lists and "
            "mappings (tp never runs code from data)",
            *_mark(node.start_mark),
        )

    def walk(node: Node, depth: int) -> int:
        """The values a collection stands for; a scalar, which counts 1, is checked in line."""
        known = sizes.get(id(node))
        if known is not None:
            return known  # an alias to a finished node: charged in full, not walked again
        if id(node) in open_nodes:
            raise DocumentError(
                "an alias refers to an anchor that contains it (a loop)", *_mark(node.start_mark)
            )
        if node.tag not in COLLECTION_TAGS:
            raise refuse_tag(node)
        if depth >= MAX_DEPTH:
            raise DocumentError(
                f"nested more than {MAX_DEPTH} levels deep", *_mark(node.start_mark)
            )
        open_nodes.add(id(node))
        size = 1
        pairs = node.value if isinstance(node, MappingNode) else ((v,) for v in node.value)
        for children in pairs:
            for child in children:
                if isinstance(child, ScalarNode):  # most nodes: no bookkeeping needed
                    if child.tag not in SCALAR_TAGS:
                        raise refuse_tag(child)
                    size += 1
                else:
                    size += walk(child, depth + 1)
                if size > MAX_NODES:
                    raise DocumentError(
                        f"too many values (more than {MAX_NODES:,}, counting what each "
                        "alias stands for); is this an alias bomb?",
                        *_mark(child.start_mark),
                    )
        open_nodes.discard(id(node))
        sizes[id(node)] = size
        return size

    if isinstance(root, ScalarNode):
        if root.tag not in SCALAR_TAGS:
            raise refuse_tag(root)
        return
    walk(root, 0)
