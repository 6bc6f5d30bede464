"""Faults and hostile environments, through the installed `tp` in real processes (issue 15).

Each case asserts what a user or a script would notice: the documented exit code, at most one
line on stderr, no traceback, no hang (every run has a timeout) and no file left behind. Cases
already covered elsewhere (cache damage in test_cache.py, exports in test_export_files.py, closed
streams and /dev/full in test_streams.py) are not repeated here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import EVERY_COMMAND, EVERY_JSON, clean_env
from test_console_script import TP
from typer.testing import Result

from totalplace_cli.loading import bundled_data_dir

pytestmark = pytest.mark.skipif(TP is None, reason="tp is not installed as a console script")

CONTROLS = (b"\x1b", b"\x07", b"\x08", "\x9b".encode(), "\u202e".encode())


def run(*args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[bytes]:
    """`tp ARGS` with a private cache, its output as bytes; None in env removes a variable."""
    assert TP is not None
    environment = clean_env(**env)
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


# Every command reads the one store, built from every data file: each reports the FIFO.
@pytest.mark.parametrize("args", EVERY_COMMAND, ids=" ".join)
def test_a_fifo_faq_is_a_data_error_for_every_command_never_a_hang(
    data: Path, args: list[str]
) -> None:
    (data / "faq.yaml").unlink()
    os.mkfifo(data / "faq.yaml")  # no writer: opening it for reading would block forever
    result = run("--data-dir", str(data), *args)
    assert result.returncode == 3, result.stderr
    assert b"Traceback" not in result.stderr and b"named pipe" in result.stderr
    assert result.stderr.count(b"\n") == 1


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
        [TP, "--data-dir", str(data), *args], stdout=writer, stderr=subprocess.PIPE, env=clean_env()
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
    skipped = {"id", "slug", "term", "source", "sources", "official_name_source", "date"}
    skipped |= {"source_date", "period", "categories", "category", "type", "synonyms"}

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


TERMINAL_ATTACKS = (b"\x1b]52", b"\x1b[2J", b"\x1b]0;", b"\x07", "\u202e".encode(), "\x9b".encode())


def test_data_never_sends_control_characters_through_any_command(data: Path) -> None:
    """Into a pipe (text, CSV, JSON, the exports) and onto a terminal, where Rich adds escapes
    of its own but none of the data's."""
    from test_streams import run_in_terminal

    hostile_data(data)
    assert run("--data-dir", str(data), "validate").returncode == 0
    for args in [*EVERY_COMMAND, *EVERY_JSON, ["validate"]]:
        result = run("--data-dir", str(data), *args)
        assert result.returncode == 0, (args, result.stderr)
        for raw in CONTROLS:
            assert raw not in result.stdout + result.stderr, (args, raw)
    for args in [*EVERY_COMMAND, ["validate"]]:
        shown = run_in_terminal("--data-dir", str(data), *args)
        for raw in TERMINAL_ATTACKS:
            assert raw not in shown, (args, raw)
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
        [TP, "ask", "savings", "--json"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        env=clean_env(),
    )
    closed = subprocess.run(
        f"exec {TP} ask savings --json <&-", shell=True, capture_output=True, env=clean_env()
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
    """But for a URL or a file's path alone on its line: never cut, it runs past the edge (#25);
    an installed tp's bundled files have paths longer than 40 characters."""
    import re

    from test_streams import run_in_terminal

    shown = run_in_terminal(*args, columns=40, NO_COLOR="1")
    lines = re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", shown).decode().splitlines()
    too_wide = [line for line in lines if len(line) > 40]
    whole = r" *(?:<?https?://\S+|/\S+)"
    assert lines and all(re.fullmatch(whole, line) for line in too_wide), shown


def test_an_empty_data_dir_option_is_a_usage_error_and_an_empty_variable_is_unset(
    tp: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    result = tp("--data-dir", "", "questions")
    assert result.exit_code == 2
    assert result.stderr == "tp: the --data-dir value is empty; give a folder, or leave it out\n"
    assert tp("--data-dir", "  ", "questions").exit_code == 2
    monkeypatch.setenv("TP_DATA_DIR", "")
    assert tp("questions").exit_code == 0


# Issue 22: paths that are not UTF-8, ids of any length, --limit beyond 50.


@pytest.fixture
def latin1_data(tmp_path: Path) -> bytes:
    """A copy of the bundled data in a folder whose name is the Latin-1 bytes of "café"."""
    folder = os.fsencode(tmp_path) + b"/caf\xe9"
    try:
        os.mkdir(folder)
    except (OSError, UnicodeError) as error:
        pytest.skip(f"this file system refuses a name that is not UTF-8: {error}")
    for source in bundled_data_dir().glob("*.yaml"):
        shutil.copy(source, os.fsdecode(folder + b"/" + os.fsencode(source.name)))
    return folder


def run_raw(*args: str | bytes) -> subprocess.CompletedProcess[bytes]:
    assert TP is not None
    return subprocess.run(
        [TP, *args], capture_output=True, env=clean_env(), timeout=60, check=False
    )


@pytest.mark.parametrize("args", [*EVERY_COMMAND, ["validate"]], ids=" ".join)
def test_a_data_folder_whose_name_is_not_utf8_works(latin1_data: bytes, args: list[str]) -> None:
    """It was a UnicodeEncodeError when the path went into the cache key."""
    expected = run_raw(*args)
    result = run_raw("--data-dir", latin1_data, *args)
    assert (result.returncode, result.stderr) == (0, b""), result.stderr
    if args[0] not in {"info", "validate"}:
        assert result.stdout == expected.stdout
    assert run_raw("--data-dir", latin1_data, *args).stdout == result.stdout  # from the cache


def test_a_folder_name_that_is_not_utf8_is_shown_escaped(latin1_data: bytes) -> None:
    shown = os.fsdecode(latin1_data[:-4]) + "caf\\xe9"
    info = json.loads(run_raw("--data-dir", latin1_data, "info", "--json").stdout)
    assert info["data_dir"] == shown and info["files"][0]["path"] == f"{shown}/faq.yaml"
    assert f"data folder: {shown} " in run_raw("--data-dir", latin1_data, "info").stdout.decode()
    validated = run_raw("validate", latin1_data)
    assert f"ok: {shown}/faq.yaml".encode() in validated.stdout
    exported = run_raw("--data-dir", latin1_data, "export", "html", "-o", latin1_data + b"/x.html")
    assert exported.returncode == 0 and exported.stderr.startswith(
        f"tp: wrote {shown}/x.html".encode()
    )
    assert os.path.getsize(latin1_data + b"/x.html") > 10_000
    with open(latin1_data + b"/glossary.yaml", "w") as broken:
        broken.write("terms: [\n")
    result = run_raw("--data-dir", latin1_data, "questions")
    assert_one_line_error(result, 3)
    assert result.stderr.startswith(f"tp: {shown}/glossary.yaml:2:1: ".encode())


@pytest.mark.parametrize("digits", [19, 20, 25, 4300])
def test_an_id_of_many_digits_is_listed_shown_and_found(data: Path, digits: int) -> None:
    """An id of 19 or more digits was listed by `tp questions` but unknown to `tp show`."""
    number = "9" * (digits - 1) + "7"
    faq = data / "faq.yaml"
    faq.write_text(faq.read_text(encoding="utf-8").replace("id: 12\n", f"id: {number}\n"))
    assert run("--data-dir", str(data), "validate").returncode == 0
    listed = run("--data-dir", str(data), "questions").stdout.decode()
    assert f"{number}. What sort of savings can be made?" in listed
    shown = run("--data-dir", str(data), "show", number)
    assert shown.returncode == 0 and b"What sort of savings can be made?" in shown.stdout
    as_json = json.loads(run("--data-dir", str(data), "show", number, "--json").stdout)
    assert as_json["id"] == int(number)
    found = json.loads(run("--data-dir", str(data), "ask", "savings", "--json").stdout)
    assert found[0]["id"] == int(number)


def test_ask_limit_returns_every_match_up_to_n(data: Path) -> None:
    """`--limit` stopped at 50, the candidates taken from the index, whatever N was."""
    entries = "".join(
        f"  - id: {n}\n    slug: entry-{n}\n    question: How are savings made in place {n}?\n"
        f"    answer: Savings are made by working together, case {n}.\n"
        for n in range(1, 201)
    )
    (data / "faq.yaml").write_text(f"entries:\n{entries}", encoding="utf-8")
    for limit, expected in (("5", 5), ("51", 51), ("200", 200), ("1000", 200)):
        result = run("--data-dir", str(data), "ask", "savings", "-k", "faq", "-n", limit, "--json")
        assert len(json.loads(result.stdout)) == expected, limit
    text = run("--data-dir", str(data), "ask", "savings", "-k", "faq", "-n", "1000").stdout
    assert all(f"made in place {n}?".encode() in text for n in range(1, 201))


def test_a_folder_name_with_control_characters_is_never_echoed_raw(tmp_path: Path) -> None:
    folder = tmp_path / "evil\x1b]0;pwned\x07\ndir"
    shutil.copytree(bundled_data_dir(), folder, ignore=shutil.ignore_patterns("__*"))
    (folder / "glossary.yaml").write_text("terms: [\n", encoding="utf-8")
    page = str(tmp_path / "x.html")
    for args in (["questions"], ["validate"], ["info"], ["export", "html", "-o", page]):
        result = run("--data-dir", str(folder), *args)
        assert result.returncode == 3, (args, result.stderr)
        assert b"evil\\x1b]0;pwned\\x07\\ndir/glossary.yaml:2:1: " in result.stdout + result.stderr
        for raw in (b"\x1b", b"\x07", b"evil\x1b", b"\ndir"):
            assert raw not in result.stdout + result.stderr, (args, raw)
