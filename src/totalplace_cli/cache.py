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
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any, TypeVar

from totalplace_cli import __version__

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
    except OSError:
        return None
    # The name only spreads files out (hashlib would cost 3 ms of start-up); the full key is stored
    # inside and compared, so a clash of names is a miss, never a wrong answer.
    name = f"{kind}-{zlib.crc32(str(resolved).encode('utf-8', 'surrogateescape')):08x}.json"
    key = "\0".join((kind, str(resolved), str(stat.st_size), str(stat.st_mtime_ns), __version__))
    return cache_dir() / name, key


MAP_AT_SIZE = 1 << 20  # a body this large is mapped, not read: one copy less of its bytes


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
            if size < MAP_AT_SIZE:
                body = stream.read()
                if meta.get("crc32") != zlib.crc32(body):
                    return False, None
                return True, json.loads(body)
            # A large index (10 MB) is checked and decoded straight from the page cache: reading
            # it into a fresh buffer first costs a process more than the decoding itself.
            import mmap  # only large caches pay for it

            with (
                mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) as mapped,
                memoryview(mapped) as whole,
                whole[len(header) :] as view,
            ):
                if meta.get("crc32") != zlib.crc32(view):
                    return False, None
                text = str(view, "utf-8")
            return True, json.loads(text)
    except (OSError, ValueError):
        return False, None


_PLAIN_TYPES = frozenset({str, int, float, bool, type(None)})


def _is_plain(value: Any) -> bool:
    """Whether JSON holds `value` exactly: no non-text mapping keys, no other types."""
    # Checked a list or mapping at a time by C builtins: a large index holds millions of values.
    pending = [value]
    values: Collection[Any]
    while pending:
        item = pending.pop()
        if type(item) is dict:
            if not set(map(type, item)) <= {str}:
                return False
            values = item.values()
        elif type(item) is list:
            values = item
        else:
            return type(item) in _PLAIN_TYPES
        kinds = set(map(type, values))
        if not kinds <= _PLAIN_TYPES:
            if not kinds <= _PLAIN_TYPES | {dict, list}:
                return False
            pending.extend(v for v in values if type(v) is dict or type(v) is list)
    return True


def _write(file: Path, key: str, value: Any) -> None:
    """Write a header line (key, size, checksum) and the value, atomically (temp file + rename).

    A value JSON would change (integer mapping keys, dates) is not stored, so a cached run can
    never differ from a fresh one; any failure leaves no partial file behind.
    """
    if not _is_plain(value):
        return
    try:
        # ASCII JSON: half the time to write and to read again as UTF-8 (no text to decode).
        body = json.dumps(value, allow_nan=False).encode("ascii")
    except (TypeError, ValueError):
        return
    header = json.dumps({"key": key, "size": len(body), "crc32": zlib.crc32(body)})
    import tempfile  # only writers pay for it

    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=file.parent, prefix=".tmp-", suffix=".json")
    except OSError:
        return
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(header.encode("utf-8") + b"\n")
            stream.write(body)  # not joined to the header: that would copy a large body again
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
