"""Which files `tp validate` and `tp info` check, and of which kind: one file, a data folder (and
the YAML files there that tp ignores) or the files in use; each is checked as loading does."""

from __future__ import annotations

import os
from pathlib import Path

from totalplace_cli.data import KINDS, DataFiles, file_name
from totalplace_cli.data_format import CheckedFile, Problem, Severity, check_file
from totalplace_cli.safe_yaml import path_error


def _only(path: Path, severity: Severity, message: str) -> CheckedFile:
    """A file whose whole story is one problem without a line."""
    return CheckedFile(None, str(path), [Problem(str(path), None, None, severity, message)])


def check_folder(folder: Path) -> list[CheckedFile]:
    """The data files of a folder, and a warning for each YAML file tp would ignore there."""
    # lexists: a broken link named faq.yaml is reported, as loading would refuse it.
    present = [kind for kind in KINDS if os.path.lexists(folder / file_name(kind))]
    checked = [check_file(folder / file_name(kind), kind) for kind in present]
    known = sorted(file_name(kind) for kind in KINDS)
    for stray in sorted(folder.iterdir()):
        if stray.suffix in {".yaml", ".yml"} and stray.name not in known:
            message = f"ignored: tp reads only {' and '.join(known)} from a data folder"
            checked.append(_only(stray, "warning", message))
    if not present:
        names = " or ".join(file_name(kind) for kind in KINDS)
        checked.insert(0, _only(folder, "error", f"no {names} in this folder"))
    return checked


def check_path(path: Path) -> list[CheckedFile]:
    """What `tp validate PATH` reports: one file, or the data files of a folder."""
    try:
        if path.is_dir():
            return check_folder(path)
        if os.path.lexists(path):  # a broken link too: reading it says what is wrong
            return [check_file(path)]
        return [_only(path, "error", "no such file or folder")]
    except OSError as error:  # a path too long, a folder we may not list
        return [_only(path, "error", f"cannot use this path ({path_error(error)})")]


def check_data_files(files: DataFiles) -> list[CheckedFile]:
    """Check the files in use (what `tp validate` with no PATH and `tp info` report)."""
    return [check_file(files.paths[kind], kind) for kind in KINDS]
