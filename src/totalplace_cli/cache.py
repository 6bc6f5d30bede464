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
from typing import Any

from totalplace_cli import __version__

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
    try:
        stored = json.loads(file.read_bytes())
    except (OSError, ValueError):
        return False, None
    if isinstance(stored, dict) and stored.get("key") == key and "value" in stored:
        return True, stored["value"]
    return False, None


def _write(file: Path, key: str, value: Any) -> None:
    """Write atomically (temp file + rename); any failure leaves no partial file behind."""
    try:
        text = json.dumps({"key": key, "value": value}, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        return  # not plain JSON data: not cacheable
    if json.loads(text)["value"] != value:
        return  # JSON would change it (say, integer mapping keys): a cached run could differ
    import tempfile  # only writers pay for it

    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=file.parent, prefix=".tmp-", suffix=".json")
    except OSError:
        return
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, file)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def cached(source: Path, kind: str, build: Callable[[], Any]) -> Any:
    """`build()`'s value for `source`, from the cache when it is fresh, else built and stored.

    `build` must return plain JSON data for the value to be stored; the caller must accept a value
    that went through a JSON round trip (lists for tuples), and check that it still has the shape
    it expects, as it would for a freshly built one.
    """
    if os.environ.get(NO_CACHE_ENV):
        return build()
    located = _locate(source, kind)
    if located is None:
        return build()
    file, key = located
    found, value = _read(file, key)
    if found:
        return value
    value = build()
    _write(file, key, value)
    return value
