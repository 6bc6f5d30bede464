"""Turn a data file into a graph of YAML nodes, safely: a file may come from anyone, so reading
it must never run code, hang or use unbounded memory.

Only regular files are read, at most `MAX_FILE_BYTES`; PyYAML's safe loader composes nodes, never
Python objects; the walk that reads them into plain data (`data_format`) applies the limits below.
"""

from __future__ import annotations

import errno
import gc
import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from yaml.nodes import Node

MAX_FILE_BYTES = 10 * 1024 * 1024
"""Largest data file read (10 MiB); the bundled FAQ is about 10 KB."""

MAX_DEPTH = 50
"""Deepest nesting of lists and mappings; the data format needs 4 levels."""

MAX_NODES = 1_000_000
"""Most values in one file, counting each alias as everything it stands for."""
TOO_DEEP = f"nested more than {MAX_DEPTH} levels deep"
TOO_MANY = (
    f"too many values (more than {MAX_NODES:,}, counting what each alias stands for); "
    "is this an alias bomb?"
)
LOOP = "an alias refers to an anchor that contains it (a loop)"

YAML_TAG = "tag:yaml.org,2002:"
SCALAR_TAGS = frozenset(
    YAML_TAG + name for name in ("str", "int", "float", "bool", "null", "timestamp")
)
COLLECTION_TAGS = frozenset({YAML_TAG + "seq", YAML_TAG + "map"})

NOT_REGULAR = {  # file type -> why it cannot be read as data
    stat.S_IFDIR: "is a folder, not a file",
    stat.S_IFIFO: "is a named pipe (FIFO), not a regular file",
    stat.S_IFSOCK: "is a socket, not a regular file",
    stat.S_IFCHR: "is a device, not a regular file",
    stat.S_IFBLK: "is a device, not a regular file",
}
PATH_ERRORS = {
    errno.ENOENT: "no such file",
    errno.ELOOP: "symbolic link loop, or too many links",
    errno.ENAMETOOLONG: "path too long",
    errno.ENOTDIR: "a part of the path is not a folder",
}


class DocumentError(Exception):
    """The file cannot be read as one YAML document; line and column are 1-based when known."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


def path_error(error: OSError) -> str:
    """An OSError on a path in words, without the path (the caller's message names it)."""
    return PATH_ERRORS.get(error.errno or 0) or (error.strerror or type(error).__name__).lower()


def _refuse_unless_regular(mode: int) -> None:
    if not stat.S_ISREG(mode):
        raise DocumentError(NOT_REGULAR.get(stat.S_IFMT(mode), "is not a regular file"))


def read_document(path: str | os.PathLike[str]) -> Node:
    """The file's node graph, or a DocumentError saying where and why not."""
    try:
        _refuse_unless_regular(os.stat(path).st_mode)
        # Non-blocking and checked again once open: the file may have become a FIFO since stat().
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
        with os.fdopen(os.open(path, flags), "rb") as stream:
            _refuse_unless_regular(os.fstat(stream.fileno()).st_mode)
            raw = stream.read(MAX_FILE_BYTES + 1)  # capped: a huge file is never read whole
    except FileNotFoundError:
        if os.path.islink(path):
            raise DocumentError("broken symbolic link (what it points to does not exist)") from None
        raise DocumentError("cannot read file (no such file)") from None
    except OSError as error:
        raise DocumentError(f"cannot read file ({path_error(error)})") from None
    return compose(decode(raw))


def decode(raw: bytes) -> str:
    if len(raw) > MAX_FILE_BYTES:
        raise DocumentError(
            f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB, the most tp reads"
        )
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DocumentError("file is UTF-16 text; save it as UTF-8")
    if b"\x00" in raw:
        offset = raw.index(0)
        raise DocumentError(
            f"binary file (NUL byte at offset {offset}), not YAML text",
            *_place(raw[:offset].decode("utf-8", "replace")),
        )
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        raise DocumentError(
            f"not UTF-8 text (byte 0x{raw[error.start]:02x} at offset {error.start}); "
            "save it as UTF-8",
            *_place(raw[: error.start].decode("utf-8")),
        ) from None
    if not text.strip():
        raise DocumentError("file is empty")
    return text


def _place(before: str) -> tuple[int, int]:
    """The 1-based line and column of the character that follows `before`."""
    return before.count("\n") + 1, len(before) - before.rfind("\n")


def place_of(mark: Any) -> tuple[int | None, int | None]:
    """The 1-based line and column of a YAML mark, if there is one."""
    return (mark.line + 1, mark.column + 1) if mark is not None else (None, None)


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cycle collector off while a file is read and checked: it would rescan a large FAQ's
    ~200,000 nodes again and again (pausing halves the time to compose); nodes hold no cycles."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def compose(text: str) -> Node:
    """The single document in `text` as a node graph, or a DocumentError with its place."""
    # PyYAML costs ~25 ms to import: only paths that parse YAML pay for it.
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        root: Node | None = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        raise DocumentError(_yaml_problem(error, text), *place_of(mark)) from None
    except yaml.reader.ReaderError as error:  # characters YAML does not allow
        message = f"invalid YAML: {error.reason} (U+{error.character:04X})"
        raise DocumentError(message, *_place(text[: error.position])) from None
    except RecursionError:  # the pure-Python composer on deep nesting (libyaml stops at 1,000)
        raise DocumentError(TOO_DEEP) from None
    finally:
        loader.dispose()
    if root is None:
        raise DocumentError("file has no data (only comments or blank lines)")
    return root


def _yaml_problem(error: Any, text: str) -> str:
    problem = str(error.problem or error.context or "malformed YAML")
    if "single document" in f"{error.context} {problem}":
        return "more than one YAML document ('---'); put everything in one"
    if problem.startswith("found undefined alias"):
        # libyaml does not name the alias: read it at the mark (`*name`).
        found = re.match(r"\*([^\s,\[\]{}]*)", text[error.problem_mark.index :])
        return f"alias *{found.group(1) if found else ''} refers to no finished anchor"
    return f"invalid YAML: {problem}"


def refused_tag(node: Node) -> DocumentError:
    tag = str(node.tag)
    shown = "!!" + tag.removeprefix(YAML_TAG) if tag.startswith(YAML_TAG) else tag
    return DocumentError(
        f"tag {shown} is not allowed: data files hold plain text, numbers, lists and "
        "mappings (tp never runs code from data)",
        *place_of(node.start_mark),
    )
