"""Write a file whole or not at all (an export, a cache database): a temporary file in the
target's folder, renamed over it, and removed on any failure or signal."""

from __future__ import annotations

import errno
import os
import signal
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType

from totalplace_cli.errors import UsageError

TEMPORARY_SUFFIX = ".tp-tmp"  # how a temporary file of tp's is named, for sweeping


class _Signalled(BaseException):
    """SIGTERM or SIGHUP, raised so that the block's temporary file is removed."""


def _raise_signalled(signum: int, frame: FrameType | None) -> None:
    raise _Signalled(signum)


@contextmanager
def _signals_unwind() -> Iterator[None]:
    """While the block runs, SIGTERM and SIGHUP unwind it and then end the process by the same
    signal, as the sender expects; SIGXFSZ (`ulimit -f`) becomes an OSError (EFBIG) instead of
    ending the process on the spot. Ctrl-C already raises; only the main thread can do this."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    ending = (signal.SIGTERM, signal.SIGHUP)
    previous = {number: signal.signal(number, _raise_signalled) for number in ending}
    previous[signal.SIGXFSZ] = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    try:
        try:
            yield
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
    except _Signalled as stop:
        os.kill(os.getpid(), stop.args[0])
        raise SystemExit(128 + stop.args[0]) from None  # if the previous handler returned


@contextmanager
def replacing(target: Path) -> Iterator[str]:
    """A temporary file's path beside `target`, renamed over it (atomic on one file system) when
    the block ends normally, removed when it does not: readers see the old file or the new one."""
    with _signals_unwind():
        descriptor, temporary = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=TEMPORARY_SUFFIX, dir=target.parent
        )
        os.close(descriptor)
        try:
            yield temporary
            os.replace(temporary, target)
        except BaseException:
            with suppress(OSError):
                os.unlink(temporary)
            raise


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
    try:
        if os.path.isdir(target):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
        with replacing(target) as temporary, open(temporary, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
            os.chmod(temporary, _new_file_mode(target))
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise UsageError(f"cannot write {target}: {reason}") from None
    return len(data)
