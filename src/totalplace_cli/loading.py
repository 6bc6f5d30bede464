"""Find the data files in use and read one into plain data, safely: a file may come from anyone,
so reading it never runs code, hangs or takes unbounded memory or time.

A user's data folder (`--data-dir` or `TP_DATA_DIR`) may override any bundled file; a file it lacks
falls back to the bundled one, but a file it names, even as a broken link, is read or refused,
never silently replaced. Only regular files are read, at most `MAX_FILE_BYTES`; PyYAML's safe
loader composes nodes, never Python objects; `read_document` walks them into plain data within
`MAX_DEPTH` and budgets of values and text that count what each alias stands for.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from totalplace_cli.streams import DataError

if TYPE_CHECKING:
    from yaml.nodes import Node

KINDS = ("faq", "pilots", "glossary", "programme", "sources", "synonyms")
"""The kinds of data file; each is read from KIND.yaml against schemas/data/KIND.schema.json."""
DataDirSource = Literal["option", "environment", "bundled"]

MAX_FILE_BYTES = 10 * 1024 * 1024
"""Largest data file read (10 MiB); the bundled FAQ is about 10 KB."""
MAX_DEPTH = 50
"""Deepest nesting of lists and mappings; the data format needs 4 levels."""
EXPANSION_FACTOR, EXPANSION_FLOOR = 4, 1 << 20
"""Most characters of text (keys included) a file may hold once its aliases are expanded: four
times its own size, or 1 MiB for a small file; the bundled files hold 0.6-0.9 times theirs."""
CHARS_PER_VALUE, NODE_FLOOR, MAX_NODES = 4, 100_000, 1_000_000
"""Most values, each alias counted as all it stands for: one per 4 characters of the file, at
least 100,000 and at most 1,000,000 (the bundled files write one per 19-36 characters; each value
costs checking some 20-40 us, so a small file cannot cost minutes)."""

YAML_TAG = "tag:yaml.org,2002:"
STR_TAG, INT_TAG = YAML_TAG + "str", YAML_TAG + "int"
SCALAR_TAGS = frozenset(YAML_TAG + t for t in ("str", "int", "float", "bool", "null", "timestamp"))
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


def file_name(kind: str) -> str:
    """The name a kind of data file has in a data folder: `faq.yaml`."""
    return f"{kind}.yaml"


def bundled_data_dir() -> Path:
    """The data shipped with the package (or, in a source checkout, the repo's `data/`)."""
    packaged = Path(__file__).resolve().parent / "data"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "data"


def shown_path(path: str | os.PathLike[str]) -> str:
    """A path for a message: bytes that are not UTF-8 escaped (`caf\\xe9`), at most 200 chars."""
    text = os.fsencode(path).decode("utf-8", "backslashreplace")
    return text if len(text) <= 200 else f"{text[:200]}..."


class DataFiles(NamedTuple):
    """Which file each kind of data is read from, and where the choice came from."""

    paths: dict[str, Path]
    data_dir: Path | None = None
    source: DataDirSource = "bundled"

    def is_bundled(self, path: Path) -> bool:
        return path.parent == bundled_data_dir()


def resolve_data_files(
    data_dir: str | os.PathLike[str] | None = None, source: DataDirSource = "option"
) -> DataFiles:
    """Pick each file from the user's data folder when it has one, else the bundled copy."""
    bundled = bundled_data_dir()
    if data_dir is None:
        data_dir, source = os.environ.get("TP_DATA_DIR") or None, "environment"
    if data_dir is None:
        return DataFiles({kind: bundled / file_name(kind) for kind in KINDS})
    user = Path(data_dir).expanduser()
    mode = _mode(user, "data directory", follow=True)
    if mode is None:
        raise DataError(f"data directory not found: {shown_path(user)}")
    if stat.S_ISREG(mode):
        raise DataError(
            f"data directory {shown_path(user)} is a file; give the folder that holds it: "
            f"--data-dir {shown_path(user.parent)}"
        )
    if not stat.S_ISDIR(mode):
        raise DataError(f"data directory {shown_path(user)} is not a folder")
    paths = {}
    for kind in KINDS:
        # lstat: a broken or looping link is the user's file (an error when read), not absent.
        mine = user / file_name(kind)
        paths[kind] = (
            mine if _mode(mine, "data file", follow=False) is not None else bundled / mine.name
        )
    return DataFiles(paths, data_dir=user, source=source)


def _mode(path: Path, what: str, follow: bool) -> int | None:
    """The file mode at `path` (None if nothing is there); other path errors are DataErrors."""
    try:
        return (os.stat(path) if follow else os.lstat(path)).st_mode
    except FileNotFoundError:
        return None
    except OSError as error:
        raise DataError(f"cannot use {what} {shown_path(path)}: {path_error(error)}") from None


def path_error(error: OSError) -> str:
    """An OSError on a path in words, without the path (the caller's message names it)."""
    return PATH_ERRORS.get(error.errno or 0) or (error.strerror or type(error).__name__).lower()


class DocumentError(Exception):
    """The file cannot be read as one YAML document; line and column are 1-based when known."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


def place_of(mark: Any) -> tuple[int | None, int | None]:
    """The 1-based line and column of a YAML mark, if there is one."""
    return (mark.line + 1, mark.column + 1) if mark is not None else (None, None)


def _error_at(node: Node, message: str) -> DocumentError:
    return DocumentError(message, *place_of(node.start_mark))


class Document:
    """One data file read within the limits: its node graph (for `file:line:col`), its plain
    data, and the problems of its keys that reading found (node, path, message)."""

    def __init__(self, path: str, root: Node) -> None:
        self.path, self.root = path, root
        self.data: Any = None
        self.key_problems: list[tuple[Node, tuple[str | int, ...], str]] = []

    def node_at(self, path: tuple[str | int, ...], key: bool = False) -> Node:
        """The node at a path of the plain data (the key's node when `key`), or its deepest."""
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


def read_document(path: str | os.PathLike[str]) -> Document:
    """The file's plain data and nodes, or a DocumentError saying where and why not."""
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
    text = _decode(raw)
    document = Document(shown_path(path), _compose(text))
    document.data = _Walk(document, len(text)).plain(document.root, ())
    return document


def _refuse_unless_regular(mode: int) -> None:
    if not stat.S_ISREG(mode):
        raise DocumentError(NOT_REGULAR.get(stat.S_IFMT(mode), "is not a regular file"))


def _decode(raw: bytes) -> str:
    if len(raw) > MAX_FILE_BYTES:
        raise DocumentError(f"file is larger than {MAX_FILE_BYTES >> 20} MiB, the most tp reads")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DocumentError("file is UTF-16 text; save it as UTF-8")
    if b"\x00" in raw:
        offset = raw.index(0)
        before = raw[:offset].decode("utf-8", "replace")
        raise DocumentError(
            f"binary file (NUL byte at offset {offset}), not YAML text", *_place(before)
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


def _compose(text: str) -> Node:
    """The single document in `text` as a node graph, or a DocumentError with its place."""
    import yaml  # costs start-up time: only a run that reads a data file pays for it

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
        raise DocumentError(f"nested more than {MAX_DEPTH} levels deep") from None
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


def describe(node: Node) -> str:
    """What a node holds, in words, for messages such as "found a list"."""
    kind = str(node.tag).removeprefix(YAML_TAG)  # the walk refused any other tag
    if kind == "str" and not str(node.value).strip():
        return "empty text"
    words = {"map": "a mapping", "seq": "a list", "str": "text", "null": "no value"}
    words |= {"bool": "the true/false value {}", "timestamp": "the date {}"}
    return words.get(kind, "the number {}").format(node.value)


class _Walk:
    """One bounded walk of a node graph into plain data. Each alias is read once and shared, but
    charged everything it stands for (values and characters), so no graph costs more than the
    limits in time or memory, here or in whatever later copies the data out."""

    def __init__(self, document: Document, size: int) -> None:
        from yaml.nodes import MappingNode, ScalarNode

        self.document = document
        self.scalar_class, self.mapping_class = ScalarNode, MappingNode
        self.max_chars = max(EXPANSION_FLOOR, EXPANSION_FACTOR * size)
        self.max_nodes = min(MAX_NODES, max(NODE_FLOOR, size // CHARS_PER_VALUE))
        self.nodes = self.chars = 0  # counted so far, each alias at its expanded size
        self.finished: dict[int, tuple[Any, int, int]] = {}  # id(node) -> data, nodes, chars
        self.open: set[int] = set()  # the collections being read, to catch an alias loop

    def charge(self, node: Node, nodes: int, chars: int) -> None:
        self.nodes += nodes
        self.chars += chars
        if self.nodes > self.max_nodes:
            raise _error_at(
                node,
                f"more than {self.max_nodes:,} values for a file of its size (each alias counted "
                "as all it stands for); is this an alias bomb?",
            )
        if self.chars > self.max_chars:
            raise _error_at(
                node,
                f"aliases expand this file to more than {self.max_chars:,} characters of text "
                f"({EXPANSION_FACTOR} times its size, or 1 MiB); is this an alias bomb?",
            )

    def plain(self, node: Node, path: tuple[str | int, ...]) -> Any:
        """The node's plain data; run for every value of a large FAQ, so text and plain whole
        numbers skip PyYAML's constructor."""
        if isinstance(node, self.scalar_class):
            self.charge(node, 1, len(node.value))
            return self.scalar(node)
        reused = self.finished.get(id(node))
        if reused is not None:
            self.charge(node, reused[1], reused[2])
            return reused[0]
        if id(node) in self.open:
            raise _error_at(node, "an alias refers to an anchor that contains it (a loop)")
        if node.tag not in COLLECTION_TAGS:
            raise _refused_tag(node)
        if len(path) >= MAX_DEPTH:
            raise _error_at(node, f"nested more than {MAX_DEPTH} levels deep")
        self.charge(node, 1, 0)
        nodes, chars = self.nodes, self.chars
        self.open.add(id(node))
        if isinstance(node, self.mapping_class):
            result: Any = self.mapping(node, path)
        else:
            result = [self.plain(child, (*path, n)) for n, child in enumerate(node.value)]
        self.open.discard(id(node))
        self.finished[id(node)] = (result, self.nodes - nodes + 1, self.chars - chars)
        return result

    def scalar(self, node: Node) -> Any:
        tag, text = node.tag, node.value
        if tag == STR_TAG:
            return text
        if tag not in SCALAR_TAGS:
            raise _refused_tag(node)
        try:
            if tag == INT_TAG and text.isascii() and text.isdigit() and text[0] != "0":
                return int(text)  # what the constructor returns for plain decimal digits
            from yaml.constructor import SafeConstructor

            value = SafeConstructor().construct_object(node)
            # A number Python cannot print (over 4,300 digits, 0xfff...) fails here, not later.
            return int(str(value)) if tag == INT_TAG else value
        except (ValueError, OverflowError, ArithmeticError):  # 2010-02-30, 0x and 5,000 f's
            shown = text if len(text) <= 40 else f"{text[:40]}..."
            what = (
                "a real date" if tag.endswith("timestamp") else "a number of 4,300 digits or fewer"
            )
            raise _error_at(node, f"'{shown}' is not {what}") from None

    def mapping(self, node: Node, path: tuple[str | int, ...]) -> dict[str, Any]:
        """A mapping's plain data; keys YAML allows but JSON does not are reported, left out."""
        result: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = self.plain(key_node, (*path, "?"))  # charged as any value: keys can be aliases
            if key_node.tag != STR_TAG or not key.strip():
                message = f"keys must be non-empty text, found {describe(key_node)}"
                self.document.key_problems.append((key_node, path, message))
            elif key in result:
                message = f"duplicate key '{key}' (first at line {first_line[key]})"
                self.document.key_problems.append((key_node, path, message))
            else:
                result[key] = self.plain(value_node, (*path, key))
                first_line[key] = key_node.start_mark.line + 1
        return result


def _refused_tag(node: Node) -> DocumentError:
    tag = str(node.tag)
    shown = "!!" + tag.removeprefix(YAML_TAG) if tag.startswith(YAML_TAG) else tag
    return _error_at(
        node,
        f"tag {shown} is not allowed: data files hold plain text, numbers, lists and "
        "mappings (tp never runs code from data)",
    )
