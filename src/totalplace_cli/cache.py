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
from collections.abc import Callable
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


def _read(file: Path, key: str) -> tuple[bool, Any]:
    """The stored value if the file holds one for `key`, intact (its checksum agrees)."""
    try:
        data = file.read_bytes()
        header, _, body = data.partition(b"\n")
        meta = json.loads(header)
        if not (
            isinstance(meta, dict)
            and meta.get("key") == key
            and meta.get("size") == len(body)
            and meta.get("crc32") == zlib.crc32(body)
        ):
            return False, None
        return True, json.loads(body)
    except (OSError, ValueError):
        return False, None


def _is_plain(value: Any) -> bool:
    """Whether JSON holds `value` exactly: no non-text mapping keys, no other types."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            if not all(type(key) is str for key in item):
                return False
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif not (item is None or type(item) in (str, int, float, bool)):
            return False
    return True


def _write(file: Path, key: str, value: Any) -> None:
    """Write a header line (key, size, checksum) and the value, atomically (temp file + rename).

    A value JSON would change (integer mapping keys, dates) is not stored, so a cached run can
    never differ from a fresh one; any failure leaves no partial file behind.
    """
    if not _is_plain(value):
        return
    try:
        body = json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")
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
            stream.write(header.encode("utf-8") + b"\n" + body)
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
