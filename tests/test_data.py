"""The bundled data: verbatim against the seed, and validation of bad files."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import SHARED, SHARED_COPY, load_faq, load_pilots, shared_file
from test_console_script import run

from totalplace_cli.loading import bundled_data_dir, resolve_data_files
from totalplace_cli.streams import DataError, ExitCode

SEED = shared_file("seed/000_df58dba38d79bdd5.txt")
SEED_SHA256 = "508e000a3c9d5641b01ae1e75fe1e2ed4b0b5ceba80d5a0582b4967d2a8367dc"


def test_bundled_faq_has_fourteen_entries_in_body_order() -> None:
    entries = load_faq(bundled_data_dir() / "faq.yaml")
    assert [e.id for e in entries] == list(range(1, 15))
    assert entries[0].question == "What is Total Place?"
    assert entries[1].question == "Where are the pilots?"
    assert entries[11].question == "What sort of savings can be made?"
    assert len({e.slug for e in entries}) == 14
    for entry in entries:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", entry.slug)


def test_the_seed_copy_is_the_seed_page() -> None:
    """The word-for-word check below runs on a copy; it must be the page itself, byte for byte."""
    assert hashlib.sha256(SEED.read_bytes()).hexdigest() == SEED_SHA256


def test_copies_of_shared_material_are_current() -> None:
    """Beside the workspace's ../shared/, every copy under tests/data/shared must match it."""
    copies = sorted(path for path in SHARED_COPY.rglob("*") if path.is_file())
    assert len(copies) == 6
    for copy in copies:
        original = SHARED / copy.relative_to(SHARED_COPY)
        if original.exists():
            assert copy.read_bytes() == original.read_bytes(), f"{copy} is out of date"


def test_every_answer_is_the_seed_text_word_for_word() -> None:
    lines = SEED.read_text(encoding="utf-8").split("\n")
    entries = load_faq(bundled_data_dir() / "faq.yaml")
    questions = {e.question for e in entries}
    body = lines[lines.index("What is Total Place?") :]
    seed_answers: dict[str, list[str]] = {}
    current = None
    for line in body:
        if line in questions and line not in seed_answers:
            current = line
            seed_answers[current] = []
        else:
            assert current is not None
            seed_answers[current].append(line)
    assert set(seed_answers) == questions
    for entry in entries:
        ours = [line for line in entry.answer.split("\n") if line]
        assert ours == seed_answers[entry.question], entry.question


def test_bundled_pilots_match_the_seed_table() -> None:
    pilots = load_pilots(bundled_data_dir() / "pilots.yaml")
    faq = load_faq(bundled_data_dir() / "faq.yaml")
    table = [line for line in faq[1].answer.split("\n") if line.endswith(" |")][1:]
    assert [f"{p.region} | {p.name} |" for p in pilots] == table
    assert len(pilots) == 13


def test_user_data_dir_overrides_only_the_files_it_has(tmp_path: Path) -> None:
    (tmp_path / "pilots.yaml").write_text(
        "version: 1\npilots:\n  - {id: x, name: X, region: Nowhere}\n", encoding="utf-8"
    )
    files = resolve_data_files(tmp_path)
    assert files.paths["pilots"] == tmp_path / "pilots.yaml"
    assert files.paths["faq"] == bundled_data_dir() / "faq.yaml"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "file is empty"),
        ("entries: [\n", "invalid YAML"),
        ("- just a list\n", "expected a mapping with a list under 'entries'"),
        ("entries:\n  - {id: 1, slug: a, question: Q?}\n", "entry 1 (id 1): 'answer' is missing"),
        (
            "entries:\n  - {id: x, slug: a, question: Q?, answer: A}\n",
            "'id' must be a whole number of 1 or more",
        ),
        (
            "entries:\n  - {id: 1, slug: a, question: Q?, answer: A}\n"
            "  - {id: 1, slug: b, question: Q?, answer: A}\n",
            "duplicate id 1 (first at line 2)",
        ),
        (
            "entries:\n  - !!python/object/apply:os.system ['echo hacked']\n",
            "tag !!python/object/apply:os.system is not allowed",
        ),
    ],
)
def test_bad_faq_files_raise_a_data_error_naming_the_file(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "faq.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_faq(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)
    assert caught.value.exit_code == ExitCode.DATA


def test_non_utf8_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "faq.yaml"
    path.write_bytes(b"entries: \xff\xfe\n")
    with pytest.raises(DataError, match="not UTF-8"):
        load_faq(path)


# Only regular files are data: anything else is refused at once, never waited on or skipped.

GOOD_FAQ = "entries:\n  - {id: 1, slug: mine, question: Mine?, answer: Yes.}\n"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (os.mkfifo, "is a named pipe (FIFO), not a regular file"),
        (lambda path: path.symlink_to(path.parent / "nowhere.yaml"), "broken symbolic link"),
        (lambda path: path.symlink_to(path), "symbolic link loop"),
        (lambda path: path.symlink_to("/dev/zero"), "is a device, not a regular file"),
        (lambda path: path.mkdir(), "is a folder, not a file"),
    ],
)
def test_a_data_file_that_is_not_a_regular_file_is_refused_without_waiting(
    tmp_path: Path, make: Callable[[Path], object], message: str
) -> None:
    """A FIFO with no writer would block `open()` forever; a broken link is no fallback."""
    make(tmp_path / "faq.yaml")
    result = run("--data-dir", str(tmp_path), "questions", cwd=tmp_path)  # times out on a hang
    assert result.returncode == ExitCode.DATA
    assert result.stderr.startswith(f"tp: {tmp_path / 'faq.yaml'}: ")
    assert message in result.stderr and result.stderr.count("\n") == 1
    validated = run("validate", str(tmp_path), cwd=tmp_path)
    assert validated.returncode == ExitCode.DATA
    assert f"{tmp_path / 'faq.yaml'}: error: " in validated.stdout
    assert message in validated.stdout


def test_a_link_to_a_good_file_is_read(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text(GOOD_FAQ, encoding="utf-8")
    (tmp_path / "faq.yaml").symlink_to(tmp_path / "mine.yaml")
    assert [e.slug for e in load_faq(resolve_data_files(tmp_path).paths["faq"])] == ["mine"]


@pytest.mark.parametrize("variable", [False, True])
def test_a_data_dir_path_too_long_is_one_line(tmp_path: Path, variable: bool) -> None:
    long = str(tmp_path / ("a" * 5000))
    args = ["questions"] if variable else ["--data-dir", long, "questions"]
    result = run(*args, cwd=tmp_path, **({"TP_DATA_DIR": long} if variable else {}))
    assert result.returncode == ExitCode.DATA
    assert result.stderr.startswith("tp: cannot use data directory ")
    assert result.stderr.endswith(": path too long\n")
    assert result.stderr.count("\n") == 1 and len(result.stderr) < 400


def test_a_data_dir_that_is_a_file_says_to_give_its_folder(tmp_path: Path) -> None:
    (tmp_path / "faq.yaml").write_text(GOOD_FAQ, encoding="utf-8")
    with pytest.raises(DataError) as caught:
        resolve_data_files(tmp_path / "faq.yaml")
    assert str(caught.value) == (
        f"data directory {tmp_path / 'faq.yaml'} is a file; give the folder that holds it: "
        f"--data-dir {tmp_path}"
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_an_unreadable_data_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "faq.yaml").write_text(GOOD_FAQ, encoding="utf-8")
    (tmp_path / "faq.yaml").chmod(0)
    result = run("--data-dir", str(tmp_path), "questions", cwd=tmp_path)
    assert result.returncode == ExitCode.DATA
    assert result.stderr == f"tp: {tmp_path / 'faq.yaml'}: cannot read file (permission denied)\n"
