"""Hostile and broken data files: never run code, never hang, one clear message each."""

from __future__ import annotations

import resource
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import load_faq
from test_console_script import TP, run

from totalplace_cli.checking import check_file
from totalplace_cli.errors import ExitCode
from totalplace_cli.loading import MAX_DEPTH, MAX_FILE_BYTES

needs_tp = pytest.mark.skipif(TP is None, reason="tp is not installed as a console script")


def payload(marker: Path) -> str:
    """YAML that creates `marker` when loaded unsafely."""
    return f"entries:\n  - !!python/object/apply:os.system ['touch {marker}']\n"


def test_the_payload_really_would_run_code_if_loaded_unsafely(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    yaml.unsafe_load(payload(marker))
    assert marker.exists()


@needs_tp
@pytest.mark.parametrize("command", [["questions"], ["validate"], ["info"]])
def test_python_tags_never_run_anything(tmp_path: Path, command: list[str]) -> None:
    marker = tmp_path / "ran"
    data = tmp_path / "data"
    data.mkdir()
    (data / "faq.yaml").write_text(payload(marker), encoding="utf-8")
    result = run("--data-dir", str(data), *command, cwd=tmp_path)
    assert result.returncode == ExitCode.DATA
    assert "tag !!python/object/apply:os.system is not allowed" in result.stderr + result.stdout
    assert "Traceback" not in result.stderr
    assert not marker.exists()


def read_problem(path: Path) -> str:
    """The one problem of a file that cannot be read, as `tp validate` prints it."""
    (problem,) = check_file(path).problems
    return str(problem)


def billion_laughs(levels: int = 9) -> str:
    lines = ['lol0: &lol0 "lol"']
    for level in range(1, levels + 1):
        aliases = ", ".join([f"*lol{level - 1}"] * 10)
        lines.append(f"lol{level}: &lol{level} [{aliases}]")
    lines.append(f"entries: [*lol{levels}]")
    return "\n".join(lines) + "\n"


def _limit_memory() -> None:
    one_gib = 1024**3
    resource.setrlimit(resource.RLIMIT_AS, (one_gib, one_gib))


@needs_tp
def test_alias_bomb_fails_fast_in_bounded_memory(tmp_path: Path) -> None:
    """10**9 strings if expanded; refused after a few events, under a 1 GiB address-space cap."""
    (tmp_path / "faq.yaml").write_text(billion_laughs(), encoding="utf-8")
    assert TP is not None
    result = subprocess.run(
        [TP, "--data-dir", str(tmp_path), "ask", "lol"],
        capture_output=True,
        text=True,
        timeout=60,  # generous: it takes well under a second; a hang would fail here
        preexec_fn=_limit_memory,
        check=False,
    )
    assert result.returncode == ExitCode.DATA, result.stderr
    assert "faq.yaml:" in result.stderr
    assert "is this an alias bomb?" in result.stderr
    assert result.stderr.count("\n") == 1


def test_a_few_aliases_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "faq.yaml"
    path.write_text(
        "entries:\n"
        "  - {id: 1, slug: a, question: Q?, answer: A., keywords: &words [x, y]}\n"
        "  - {id: 2, slug: b, question: Q?, answer: A., keywords: *words}\n",
        encoding="utf-8",
    )
    assert [entry.keywords for entry in load_faq(path)] == [("x", "y"), ("x", "y")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a:\n" + "".join("  " * n + "- \n" for n in range(1, 200)), f"more than {MAX_DEPTH}"),
        ("[" * 100_000, "invalid YAML"),
        ("entries: []\n---\nentries: []\n", "more than one YAML document"),
        ("entries: [*nowhere]\n", "alias *nowhere refers to no finished anchor"),
        ("entries: &loop [*loop]\n", "an alias refers to an anchor that contains it (a loop)"),
        ("entries: [\n", "invalid YAML"),
        ("entries: ['\x07']\n", "invalid YAML: control characters are not allowed (U+0007)"),
        ("# only a comment\n\n", "no data (only comments or blank lines)"),
        ("   \n\n", "file is empty"),
        ("entries: !!binary aGk=\n", "tag !!binary is not allowed"),
        ("entries: !local []\n", "tag !local is not allowed"),
    ],
)
def test_broken_yaml_gets_its_own_message(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "faq.yaml"
    path.write_text(text, encoding="utf-8")
    shown = read_problem(path)
    assert shown.startswith(str(path))
    assert message in shown


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "file is empty"),
        (b"entries: []\n\x00\x01\x02", "binary file (NUL byte at offset 12)"),
        ("entries: []\n".encode("utf-16"), "file is UTF-16 text; save it as UTF-8"),
        ("entries: [café]\n".encode("latin-1"), "not UTF-8 text (byte 0xe9 at offset 13)"),
    ],
)
def test_files_that_are_not_utf8_text(tmp_path: Path, raw: bytes, message: str) -> None:
    path = tmp_path / "faq.yaml"
    path.write_bytes(raw)
    assert message in read_problem(path)


def test_positions_of_bad_bytes(tmp_path: Path) -> None:
    path = tmp_path / "faq.yaml"
    path.write_bytes(b"entries:\n  - caf\xe9\n")
    assert read_problem(path).startswith(f"{path}:2:8: not UTF-8")


def test_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "faq.yaml"
    path.write_bytes(b"\xef\xbb\xbfentries:\n  - {id: 1, slug: a, question: Q?, answer: A.}\n")
    assert load_faq(path)[0].question == "Q?"


def test_huge_file_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    path = tmp_path / "faq.yaml"
    with path.open("wb") as stream:
        stream.write(b"entries: []\n")
        stream.truncate(MAX_FILE_BYTES + 1)  # sparse: cheap to create
    assert "larger than 10 MiB" in read_problem(path)


def test_a_folder_or_unreadable_path_where_a_file_should_be(tmp_path: Path) -> None:
    (tmp_path / "faq.yaml").mkdir()
    assert "is a folder, not a file" in read_problem(tmp_path / "faq.yaml")
    assert "cannot read file" in read_problem(tmp_path / "missing.yaml")
