"""Read a data file safely and check it against its field specification, listing every problem.

This is what `tp validate` and `tp info` report, and what loading (data.py) relies on: the same
rules (spec.py) in the same words, with the line and column YAML gives.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from totalplace_cli.data import PROGRAMME_FILE, DataFiles
from totalplace_cli.errors import DataError
from totalplace_cli.spec import SPECS, CheckedFile, FileSpec, Problem

if TYPE_CHECKING:
    from yaml.nodes import Node


class DocumentProblem(DataError):
    """A file that cannot be read as one YAML document; `problem` says where and why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def read_document(path: Path) -> Node:
    """The file's YAML node tree, read within the limits of `safe_yaml`."""
    from totalplace_cli.safe_yaml import MAX_FILE_BYTES, DocumentError, compose, decode

    if path.is_dir():
        raise DocumentProblem(Problem(str(path), None, None, "error", "is a folder, not a file"))
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)  # capped: a huge file is never read whole
    except OSError as error:
        reason = f"cannot read file ({error.strerror or error})"
        raise DocumentProblem(Problem(str(path), None, None, "error", reason)) from None
    try:
        return compose(decode(raw))
    except DocumentError as error:
        problem = Problem(str(path), error.line, error.column, "error", error.message)
        raise DocumentProblem(problem) from None


def check_file(path: Path, spec: FileSpec | None = None) -> CheckedFile:
    """Every problem of one data file; `spec` is guessed from its name or content if not given."""
    try:
        root = read_document(path)
    except DocumentProblem as error:
        return CheckedFile(spec, str(path), [error.problem])
    spec = spec or _guess_spec(path, root)
    if spec is None:
        keys = " or ".join(f"'{s.list_key}'" for s in SPECS)
        names = " or ".join(s.file_name for s in SPECS)
        message = f"cannot tell what this file holds: name it {names}, or give it {keys}"
        return CheckedFile(None, str(path), [Problem(str(path), 1, 1, "error", message)])
    return spec.check(root, str(path))


def _guess_spec(path: Path, root: Node) -> FileSpec | None:
    for spec in SPECS:
        if path.name == spec.file_name:
            return spec
    from yaml.nodes import MappingNode

    if isinstance(root, MappingNode):
        keys = {key.value for key, _ in root.value}
        for spec in SPECS:
            if spec.list_key in keys:
                return spec
    return None


def check_folder(folder: Path) -> list[CheckedFile]:
    """The data files of a folder, and a warning for each YAML file tp would ignore there."""
    checked = [
        check_file(folder / s.file_name, s) for s in SPECS if (folder / s.file_name).exists()
    ]
    known = {s.file_name for s in SPECS}
    for stray in sorted(folder.iterdir()):
        # programme.yaml is read (and checked) by programme.py, not by a FileSpec.
        if stray.suffix in {".yaml", ".yml"} and stray.name not in {*known, PROGRAMME_FILE}:
            message = f"ignored: tp reads only {' and '.join(sorted(known))} from a data folder"
            checked.append(
                CheckedFile(None, str(stray), [Problem(str(stray), None, None, "warning", message)])
            )
    if not any(c.spec is not None for c in checked):
        message = f"no {' or '.join(s.file_name for s in SPECS)} in this folder"
        checked.insert(
            0, CheckedFile(None, str(folder), [Problem(str(folder), None, None, "error", message)])
        )
    return checked


def check_path(path: Path) -> list[CheckedFile]:
    """What `tp validate PATH` reports: one file, or the data files of a folder."""
    if not path.exists():
        message = "no such file or folder"
        return [CheckedFile(None, str(path), [Problem(str(path), None, None, "error", message)])]
    return check_folder(path) if path.is_dir() else [check_file(path)]


def check_data_files(files: DataFiles) -> list[CheckedFile]:
    """Check the files in use (what `tp validate` with no PATH and `tp info` report)."""
    return [check_file(files.path_for(spec), spec) for spec in SPECS]
