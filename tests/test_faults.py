"""Faults and hostile environments, through the installed `tp` in real processes (issue 15).

Each case asserts what a user or a script would notice: the documented exit code, at most one
line on stderr, no traceback, no hang (every run has a timeout) and no file left behind. Cases
already covered elsewhere (cache damage in test_cache.py, exports in test_export_files.py, closed
streams and /dev/full in test_streams.py) are not repeated here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from test_console_script import TP
from typer.testing import Result

from totalplace_cli.data import bundled_data_dir

pytestmark = pytest.mark.skipif(TP is None, reason="tp is not installed as a console script")

ENV = {
    k: v
    for k, v in os.environ.items()
    if k not in {"TP_DATA_DIR", "NO_COLOR", "FORCE_COLOR", "PYTHONIOENCODING", "COLUMNS"}
}
CONTROLS = (b"\x1b", b"\x07", b"\x08", "\x9b".encode(), "\u202e".encode())


def run(*args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[bytes]:
    """`tp ARGS` with a private cache, its output as bytes; None in env removes a variable."""
    assert TP is not None
    environment = ENV | env
    return subprocess.run(
        [TP, *args], capture_output=True, env=environment, cwd=cwd, timeout=60, check=False
    )


def assert_one_line_error(result: subprocess.CompletedProcess[bytes], code: int) -> None:
    assert result.returncode == code, result.stderr
    assert b"Traceback" not in result.stderr + result.stdout
    assert result.stderr.startswith(b"tp: ") and result.stderr.count(b"\n") == 1, result.stderr


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A copy of the bundled data as a user's folder."""
    folder = tmp_path / "data"
    shutil.copytree(bundled_data_dir(), folder, ignore=shutil.ignore_patterns("__*"))
    return folder


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    ENV["TP_CACHE_DIR"] = str(cache)
    ENV.pop("TP_NO_CACHE", None)
    return cache


FAQ_COMMANDS = [["questions"], ["ask", "savings"], ["pilot", "poole"], ["glossary"], ["info"]]


@pytest.mark.parametrize("args", FAQ_COMMANDS, ids=" ".join)
def test_a_fifo_faq_is_a_data_error_for_every_command_never_a_hang(
    data: Path, args: list[str]
) -> None:
    (data / "faq.yaml").unlink()
    os.mkfifo(data / "faq.yaml")  # no writer: opening it for reading would block forever
    result = run("--data-dir", str(data), *args)
    assert result.returncode == 3, result.stderr
    assert b"Traceback" not in result.stderr and b"named pipe" in result.stderr
    assert result.stderr.count(b"\n") == 1


@pytest.mark.parametrize("args", [["pilots"], ["regions"], ["themes"], ["timeline"], ["facts"]])
def test_commands_that_need_no_faq_ignore_a_fifo_faq(data: Path, args: list[str]) -> None:
    (data / "faq.yaml").unlink()
    os.mkfifo(data / "faq.yaml")
    result = run("--data-dir", str(data), *args)
    assert result.returncode == 0 and result.stdout and result.stderr == b""


@pytest.mark.parametrize("target", ["nowhere.yaml", "faq.yaml"], ids=["dangling", "looping"])
def test_a_broken_faq_link_is_an_error_in_commands_and_validate_alike(
    data: Path, target: str
) -> None:
    (data / "faq.yaml").unlink()
    (data / "faq.yaml").symlink_to(target)
    assert_one_line_error(run("--data-dir", str(data), "questions"), 3)
    validated = run("--data-dir", str(data), "validate")
    assert validated.returncode == 3 and b"Traceback" not in validated.stderr
    assert b"faq.yaml: error:" in validated.stdout


@pytest.mark.parametrize("columns", ["0", "100000"])
@pytest.mark.parametrize("args", [["pilots"], ["regions"], ["pilot", "poole"]], ids=" ".join)
def test_a_nonsense_columns_is_ignored_and_text_never_disappears(
    args: list[str], columns: str
) -> None:
    result = run(*args, COLUMNS=columns)
    assert result.returncode == 0 and result.stderr == b""
    assert result.stdout == run(*args).stdout


@pytest.mark.parametrize("variable", ["--data-dir", "TP_DATA_DIR"])
def test_a_5000_character_data_dir_is_one_line_and_exit_3(variable: str) -> None:
    long = "/".join(["d" * 200] * 25)
    if variable == "--data-dir":
        result = run("--data-dir", long, "questions")
    else:
        result = run("questions", TP_DATA_DIR=long)
    assert_one_line_error(result, 3)
    assert b"path too long" in result.stderr and len(result.stderr) < 400


def test_export_never_writes_over_the_bundled_data_even_when_not_in_use(data: Path) -> None:
    bundled = bundled_data_dir() / "faq.yaml"
    before = bundled.read_bytes()
    result = run("--data-dir", str(data), "export", "html", "-o", str(bundled))
    assert_one_line_error(result, 2)
    assert b"refusing to write over" in result.stderr
    assert bundled.read_bytes() == before


@pytest.mark.parametrize(
    "args", [["export", "html"], ["show", "1", "--json"], ["show", "1"]], ids=" ".join
)
def test_a_reader_leaving_in_the_middle_of_a_large_write_is_141(
    data: Path, args: list[str]
) -> None:
    """A short write to a closing pipe must not pass for success (exit 0, output cut)."""
    # Large enough that the output cannot all sit in the pipe's buffer before the reader goes.
    answer = "word " * 20_000
    entries = "".join(
        f"  - id: {n}\n    slug: entry-{n}\n    question: Question {n}?\n    answer: {answer}\n"
        for n in range(1, 4)
    )
    (data / "faq.yaml").write_text(f"entries:\n{entries}", encoding="utf-8")
    assert TP is not None
    reader, writer = os.pipe()
    process = subprocess.Popen(
        [TP, "--data-dir", str(data), *args], stdout=writer, stderr=subprocess.PIPE, env=ENV
    )
    os.close(writer)
    assert os.read(reader, 10)
    os.close(reader)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 141, stderr
    assert stderr == b""


HOSTILE = "X\x1b]52;c;ZXZpbA==\x07\x1b[2J\x1b]0;title\x07\u202e\x9b31m\x08 <b>tag</b>"


def hostile_data(folder: Path) -> None:
    """Every free-text field of every file with terminal commands and HTML in it."""
    import yaml

    # A synonyms.yaml rule is syntax ("a, b => c"), never shown: its words cannot hold "=".
    skipped = {"id", "slug", "source", "date", "source_date", "period", "categories", "category"}
    skipped.add("synonyms")

    def poison(value: object, key: str = "") -> object:
        if isinstance(value, dict):
            return {k: poison(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [poison(v, key) for v in value]
        free = isinstance(value, str) and key not in skipped and "url" not in key
        if free and not str(value).startswith("http") and value not in {"faq", "research"}:
            return HOSTILE + str(value)
        return value

    for file in folder.glob("*.yaml"):
        document = yaml.safe_load(file.read_text(encoding="utf-8"))
        file.write_text(yaml.safe_dump(poison(document), allow_unicode=True), encoding="utf-8")


TEXT_COMMANDS = [
    ["questions"],
    ["show", "1"],
    ["ask", "savings"],
    ["pilots"],
    ["pilots", "--csv"],
    ["pilot", "poole"],
    ["regions"],
    ["themes"],
    ["glossary"],
    ["timeline"],
    ["facts"],
    ["info"],
    ["validate"],
    ["export", "markdown"],
    ["export", "html"],
]


def test_data_never_sends_control_characters_through_any_text_command(data: Path) -> None:
    hostile_data(data)
    assert run("--data-dir", str(data), "validate").returncode == 0
    for args in TEXT_COMMANDS:
        result = run("--data-dir", str(data), *args)
        assert result.returncode == 0, (args, result.stderr)
        for raw in CONTROLS:
            assert raw not in result.stdout + result.stderr, (args, raw)
    markdown = run("--data-dir", str(data), "export", "markdown").stdout
    assert b"<b>tag</b>" not in markdown and b"tag" in markdown


@pytest.mark.parametrize(
    "env",
    [
        {"HOME": "/nonexistent", "XDG_CACHE_HOME": "/nonexistent/cache"},
        {"TMPDIR": "/nonexistent"},
        {"LANG": "C", "LC_ALL": "POSIX"},
    ],
    ids=["no-home", "no-tmpdir", "posix-locale"],
)
def test_odd_environments_give_the_same_answers(env: dict[str, str]) -> None:
    expected = run("ask", "savings", "--json", TP_NO_CACHE="1").stdout
    result = run("ask", "savings", "--json", **env)
    assert result.returncode == 0 and result.stderr == b"" and result.stdout == expected


def test_a_cache_folder_that_is_a_file_is_bypassed(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    expected = run("ask", "savings", "--json", TP_NO_CACHE="1").stdout
    for env in ({"TP_CACHE_DIR": str(blocker)}, {"TP_CACHE_DIR": str(blocker / "below")}):
        result = run("ask", "savings", "--json", **env)
        assert result.returncode == 0 and result.stderr == b"" and result.stdout == expected
    assert blocker.read_text() == "not a folder"


def test_a_closed_stdin_changes_nothing() -> None:
    assert TP is not None
    result = subprocess.run(
        [TP, "ask", "savings", "--json"], stdin=subprocess.DEVNULL, capture_output=True, env=ENV
    )
    closed = subprocess.run(
        f"exec {TP} ask savings --json <&-", shell=True, capture_output=True, env=ENV
    )
    assert closed.returncode == 0 and closed.stdout == result.stdout and closed.stderr == b""


@pytest.mark.parametrize("spelling", ["..", "link"])
def test_relative_and_linked_data_folders_work(data: Path, spelling: str) -> None:
    (data.parent / "link").symlink_to(data)
    cwd = data / "sub" if spelling == ".." else data.parent
    cwd.mkdir(exist_ok=True)
    result = run("--data-dir", spelling, "questions", "--json", cwd=cwd)
    assert result.returncode == 0, result.stderr
    assert result.stdout == run("--data-dir", str(data), "questions", "--json").stdout


@pytest.mark.parametrize(
    "args",
    [["timeline"], ["facts"], ["glossary"], ["info"], ["validate"]],
    ids=" ".join,
)
def test_no_line_is_wider_than_a_40_column_terminal(args: list[str]) -> None:
    import re

    from test_streams import run_in_terminal

    shown = run_in_terminal(*args, columns=40, NO_COLOR="1")
    lines = re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", shown).decode().splitlines()
    assert lines and max(len(line) for line in lines) <= 40, shown


def test_an_empty_data_dir_option_is_a_usage_error_and_an_empty_variable_is_unset(
    tp: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    result = tp("--data-dir", "", "questions")
    assert result.exit_code == 2
    assert result.stderr == "tp: the --data-dir value is empty; give a folder, or leave it out\n"
    assert tp("--data-dir", "  ", "questions").exit_code == 2
    monkeypatch.setenv("TP_DATA_DIR", "")
    assert tp("questions").exit_code == 0
