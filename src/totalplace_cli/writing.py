"""Write a file whole or not at all: a temporary file in the target's folder, renamed over it
(atomic on one file system), and removed on any failure or signal."""

from __future__ import annotations

import errno
import os
import signal
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType

from totalplace_cli.errors import UsageError


@contextmanager
def _signals_unwind() -> Iterator[None]:
    """Turn SIGTERM/SIGHUP into SystemExit (128 + signal) and SIGXFSZ (`ulimit -f`) into an
    OSError (EFBIG), which would otherwise end the process before the temporary file is removed
    (Ctrl-C already raises KeyboardInterrupt; handlers can be set in the main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def unwind(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    wanted: dict[signal.Signals, signal.Handlers | Callable[[int, FrameType | None], None]]
    wanted = {signal.SIGTERM: unwind, signal.SIGHUP: unwind, signal.SIGXFSZ: signal.SIG_IGN}
    previous = {number: signal.signal(number, handler) for number, handler in wanted.items()}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _same_file(target: Path, protected: Iterable[Path]) -> Path | None:
    """The protected file that `target` names (through `..`, links or another spelling), if any."""
    for path in protected:
        # A path that cannot be read (missing, too long, a link loop) is not a data file in use.
        with suppress(OSError):
            if os.path.samefile(target, path):
                return path
    return None


def _new_file_mode(target: Path) -> int:
    """Keep an existing file's permissions; a new file gets the usual 0666 less the umask."""
    try:
        return os.stat(target).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_atomically(target: Path, text: str, protected: Iterable[Path] = ()) -> int:
    """Write `text` (UTF-8) to `target`; return the number of bytes. Refuses (UsageError) a
    target that is one of the `protected` files, such as the data in use."""
    clash = _same_file(target, protected)
    if clash is not None:
        raise UsageError(
            f"refusing to write over {target}: it is a data file tp reads ({clash}); "
            "choose another file"
        )
    data = text.encode("utf-8")
    temporary: str | None = None
    try:
        if os.path.isdir(target):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
        with _signals_unwind():
            descriptor, temporary = tempfile.mkstemp(
                prefix=f".{target.name}.", suffix=".tp-tmp", dir=target.parent
            )
            with os.fdopen(descriptor, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temporary, _new_file_mode(target))
            os.replace(temporary, target)
            temporary = None
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise UsageError(f"cannot write {target}: {reason}") from None
    finally:
        if temporary is not None:
            with suppress(OSError):
                os.unlink(temporary)
    return len(data)
