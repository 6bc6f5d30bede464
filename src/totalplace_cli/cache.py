"""A cache of parsed data files as JSON, so later runs skip YAML parsing.

Entries live in the user's cache directory (XDG: `$XDG_CACHE_HOME/tp`, else `~/.cache/tp`; the
`TP_CACHE_DIR` variable overrides it, and `TP_NO_CACHE=1` turns caching off). Each is keyed by the
source file's resolved path, size and modification time plus tp's version, and written atomically.
JSON cannot carry code, and anything unreadable, stale or corrupt is simply rebuilt: a cache can
make a run faster, never different.
"""

from __future__ import annotations

import contextlib
import json
import os
import zlib
from collections.abc import Callable, Collection, Sequence
from itertools import accumulate
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, overload

from totalplace_cli import __version__

if TYPE_CHECKING:
    from mmap import mmap

    Buffer = bytes | mmap

T = TypeVar("T")

CACHE_DIR_ENV = "TP_CACHE_DIR"
NO_CACHE_ENV = "TP_NO_CACHE"


def cache_dir() -> Path:
    """Where cache files go, following the XDG base-directory convention."""
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return Path(override).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "tp"


def _locate(source: Path, kind: str) -> tuple[Path, str] | None:
    """The cache file for `source` (one per source and kind, so edits replace it) and its key."""
    try:
        resolved = source.resolve()
        stat = resolved.stat()
    except (OSError, RuntimeError):  # RuntimeError: a symbolic link loop (Python < 3.13)
        return None
    # The name only spreads files out (hashlib would cost 3 ms of start-up); the full key is stored
    # inside and compared, so a clash of names is a miss, never a wrong answer.
    name = f"{kind}-{zlib.crc32(str(resolved).encode('utf-8', 'surrogateescape')):08x}.json"
    key = "\0".join((kind, str(resolved), str(stat.st_size), str(stat.st_mtime_ns), __version__))
    return cache_dir() / name, key


MAP_AT_SIZE = 1 << 20  # a body this large is mapped, not read: one copy less of its bytes
TEXTS_MARKER = "\u0000texts"  # the key of a mapping standing for a TextList (YAML has no NUL)


class TextList(list[str]):
    """A list of texts that a cache file keeps outside its JSON, as UTF-8, and gives back as
    `StoredTexts`: each text is decoded only when read. For long texts of which a run reads few,
    such as a large FAQ's answers (most of a 10 MB index, and most of the time to load it)."""


class StoredTexts(Sequence[str]):
    """The texts of a `TextList` as read from a cache file: slices of its bytes, decoded on use."""

    def __init__(self, buffer: Buffer, start: int, sizes: list[int]) -> None:
        self._buffer = buffer  # the file's bytes, or its memory map (kept open while used)
        self._starts = list(accumulate(sizes, initial=start))

    def __len__(self) -> int:
        return len(self._starts) - 1

    @property
    def end(self) -> int:
        """Where the last text ends in the buffer."""
        return self._starts[-1]

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if not -len(self) <= index < len(self):
            raise IndexError("text index out of range")
        index %= len(self)
        return str(self._buffer[self._starts[index] : self._starts[index + 1]], "utf-8")


def _read(file: Path, key: str) -> tuple[bool, Any]:
    """The stored value if the file holds one for `key`, intact (its checksum agrees)."""
    try:
        with file.open("rb") as stream:
            header = stream.readline()
            meta = json.loads(header)
            if not (isinstance(meta, dict) and meta.get("key") == key):
                return False, None
            size = os.fstat(stream.fileno()).st_size - len(header)
            if meta.get("size") != size:
                return False, None
            json_size = meta.get("json", size)  # the rest of the body holds the texts
            if not (type(json_size) is int and 0 <= json_size <= size):
                return False, None
            if size < MAP_AT_SIZE:
                body = stream.read()
                if meta.get("crc32") != zlib.crc32(body):
                    return False, None
                return True, _decode(body, 0, json_size, size)
            # A large index (10 MB) is checked and decoded straight from the page cache: reading
            # it into a fresh buffer first costs a process more than the decoding itself.
            import mmap  # only large caches pay for it

            mapped = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
            with memoryview(mapped) as whole, whole[len(header) :] as view:
                intact = meta.get("crc32") == zlib.crc32(view)
            if not intact:
                mapped.close()
                return False, None
            return True, _decode(mapped, len(header), json_size, size)
    except (OSError, ValueError):
        return False, None


def _decode(buffer: Buffer, start: int, json_size: int, size: int) -> Any:
    """The value in `buffer[start:]`: JSON, then the texts of its TextLists (if any)."""
    with memoryview(buffer) as whole, whole[start : start + json_size] as view:
        text = str(view, "utf-8")
    if json_size == size:
        return json.loads(text)
    texts_start, texts_end = start + json_size, start + size

    def stored_texts(mapping: dict[str, Any]) -> Any:
        if len(mapping) != 1 or TEXTS_MARKER not in mapping:
            return mapping
        found = mapping[TEXTS_MARKER]
        if not (
            type(found) is list
            and len(found) == 2
            and type(found[0]) is int
            and found[0] >= 0
            and type(found[1]) is str
        ):
            raise ValueError("stored texts are misdescribed")
        texts = StoredTexts(buffer, texts_start + found[0], list(map(int, found[1].split())))
        if texts.end > texts_end:
            raise ValueError("stored texts out of bounds")
        return texts

    return json.loads(text, object_hook=stored_texts)


_PLAIN_TYPES = frozenset({str, int, float, bool, type(None)})


def _is_plain(value: Any) -> bool:
    """Whether JSON holds `value` exactly: no non-text mapping keys, no other types."""
    # Checked a list or mapping at a time by C builtins: a large index holds millions of values.
    pending = [value]
    values: Collection[Any]
    while pending:
        item = pending.pop()
        if type(item) is dict:
            if not set(map(type, item)) <= {str} or TEXTS_MARKER in item:
                return False
            values = item.values()
        elif type(item) is list:
            values = item
        elif type(item) is TextList:
            if not set(map(type, item)) <= {str}:
                return False
            continue
        else:
            return type(item) in _PLAIN_TYPES
        kinds = set(map(type, values))
        if not kinds <= _PLAIN_TYPES:
            if not kinds <= _PLAIN_TYPES | {dict, list, TextList}:
                return False
            pending.extend(v for v in values if type(v) in (dict, list, TextList))
    return True


def _set_texts_apart(value: Any, texts: list[bytes]) -> Any:
    """`value` with each TextList in its mappings replaced by a marker naming where its texts go
    (appended to `texts` as UTF-8)."""
    if type(value) is TextList:
        encoded = [text.encode("utf-8") for text in value]
        offset = sum(map(len, texts))
        texts.extend(encoded)
        return {TEXTS_MARKER: [offset, " ".join(map(str, map(len, encoded)))]}
    if type(value) is dict and set(map(type, value.values())) & {TextList, dict}:
        return {name: _set_texts_apart(item, texts) for name, item in value.items()}
    return value


def _write(file: Path, key: str, value: Any) -> None:
    """Write a header line (key, size, checksum) and the value, atomically (temp file + rename).

    A value JSON would change (integer mapping keys, dates) is not stored, so a cached run can
    never differ from a fresh one; any failure leaves no partial file behind.
    """
    if not _is_plain(value):
        return
    texts: list[bytes] = []
    try:
        value = _set_texts_apart(value, texts)
        # ASCII JSON: half the time to write and to read again as UTF-8 (no text to decode).
        body = json.dumps(value, allow_nan=False).encode("ascii")
    except (TypeError, ValueError):  # UnicodeEncodeError (a lone surrogate) is a ValueError
        return
    crc = zlib.crc32(body)
    for text in texts:
        crc = zlib.crc32(text, crc)
    size = len(body) + sum(map(len, texts))
    header = {"key": key, "size": size, "crc32": crc} | ({"json": len(body)} if texts else {})
    import tempfile  # only writers pay for it

    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=file.parent, prefix=".tmp-", suffix=".json")
    except OSError:
        return
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(json.dumps(header).encode("utf-8") + b"\n")
            stream.write(body)  # not joined to the header: that would copy a large body again
            stream.writelines(texts)
        os.replace(temporary, file)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def _identity(value: Any) -> Any:
    return value


def cached(
    source: Path,
    kind: str,
    build: Callable[[], Any],
    decode: Callable[[Any], T] = _identity,
) -> T:
    """`decode(build())` for `source`, taking `build()`'s value from the cache when it is fresh.

    `build` returns plain JSON data (only such a value is stored). `decode` turns it into what the
    caller wants and checks its shape: a cached value it rejects (ValueError, TypeError, KeyError,
    IndexError, AttributeError) is rebuilt, as if the cache file were corrupt.
    """
    if os.environ.get(NO_CACHE_ENV):
        return decode(build())
    located = _locate(source, kind)
    if located is None:
        return decode(build())
    file, key = located
    found, value = _read(file, key)
    if found:
        try:
            return decode(value)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError):
            pass  # written by another version of the code, or damaged: rebuild it
    value = build()
    _write(file, key, value)
    return decode(value)
