"""Pipes, signals, terminals and encodings: through the real console script, as a shell runs it."""

from __future__ import annotations

import fcntl
import io
import json
import os
import pty
import re
import signal
import stat
import struct
import subprocess
import sys
import termios
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import typer
from conftest import EVERY_COMMAND, EVERY_JSON, clean_env, load_faq
from test_console_script import TP

from totalplace_cli.cli import app
from totalplace_cli.loading import bundled_data_dir
from totalplace_cli.render import render_questions
from totalplace_cli.streams import ExitCode, OutputContext, write_json

COMMANDS = list(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
pytestmark = pytest.mark.skipif(TP is None, reason="tp is not installed as a console script")


def spawn(*args: str, stdout: int, **env: str) -> subprocess.Popen[bytes]:
    assert TP is not None
    return subprocess.Popen(
        [TP, *args], stdout=stdout, stderr=subprocess.PIPE, env=clean_env(**env)
    )


def run_bytes(*args: str | bytes, **env: str) -> subprocess.CompletedProcess[bytes]:
    assert TP is not None
    return subprocess.run(
        [TP, *args], capture_output=True, env=clean_env(**env), timeout=60, check=False
    )


@pytest.mark.parametrize(
    "args",
    [*EVERY_COMMAND, *EVERY_JSON, ["validate"], ["schema", "faq"], ["--help"], ["--version"]],
    ids=" ".join,
)
def test_closed_pipe_ends_quietly_with_141(args: list[str]) -> None:
    """`tp ... | head -1`: the reader has gone before tp writes; no traceback, exit 141."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    process = spawn(*args, stdout=write_end)
    os.close(write_end)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == ExitCode.BROKEN_PIPE
    assert stderr == b""


def test_head_in_a_real_shell_pipeline() -> None:
    result = subprocess.run(
        ["bash", "-c", f"'{TP}' questions | head -1; exit ${{PIPESTATUS[0]}}"],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=60,
        check=False,
    )
    assert result.stdout == " 1. What is Total Place?\n"
    assert result.stderr == ""
    assert result.returncode in {0, ExitCode.BROKEN_PIPE}  # 0 if tp finished before head exited


def test_ctrl_c_exits_130_without_a_traceback(tmp_path: Path) -> None:
    """tp blocks writing to a pipe nobody reads; SIGINT there must end it cleanly."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from large_faq import write_large_faq

    write_large_faq(tmp_path, 3000)  # its questions are far more than a pipe's 64 KiB buffer
    process = spawn("--data-dir", str(tmp_path), "questions", stdout=subprocess.PIPE)
    assert process.stdout is not None
    assert process.stdout.read(1)  # tp is writing: start-up and loading are over
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == ExitCode.INTERRUPTED
    assert stderr == b"tp: interrupted\n"


def run_in_terminal(*args: str, columns: int = 80, expect: int = 0, **env: str) -> bytes:
    """Run tp with its stdout on a pseudo-terminal `columns` wide, as in an interactive shell."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    process = spawn(*args, stdout=slave, **({"TERM": "xterm-256color"} | env))
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the terminal closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    assert process.wait(timeout=60) == expect, process.stderr
    return b"".join(chunks)


def test_terminal_gets_colour_but_no_color_and_pipes_do_not() -> None:
    assert b"\x1b[" in run_in_terminal("questions")
    assert b"\x1b[" not in run_in_terminal("questions", NO_COLOR="1")
    assert b"\x1b[" not in run_in_terminal("--no-color", "questions")
    assert b"\x1b[" not in run_in_terminal("--no-color", "show", "2")
    piped = run_bytes("questions")
    assert piped.returncode == 0 and b"\x1b" not in piped.stdout


def test_empty_no_color_does_not_disable_colour() -> None:
    """no-color.org: only a non-empty NO_COLOR counts."""
    assert b"\x1b[" in run_in_terminal("questions", NO_COLOR="")


def test_narrow_terminal_does_not_crash() -> None:
    output = run_in_terminal("show", "2", COLUMNS="20").decode("utf-8")
    assert "communities." in output  # wrapped to 20 columns, nothing lost from the text
    for command in (["pilots"], ["questions"], ["ask", "savings"], ["info"]):
        run_in_terminal(*command, COLUMNS="20")  # exit 0 is asserted inside
    piped = run_bytes("pilots", COLUMNS="20")
    assert piped.returncode == 0 and b"Kent" in piped.stdout  # longer names fold at 20 columns


@pytest.mark.parametrize("encoding", ["ascii", "ascii:strict", "latin-1"])
def test_limited_stdout_encodings_replace_text_and_escape_json(encoding: str) -> None:
    text = run_bytes("show", "12", PYTHONIOENCODING=encoding)
    assert text.returncode == 0, text.stderr
    assert b"a further ?5.5 billion" in text.stdout or b"a further \xa35.5 billion" in text.stdout
    as_json = run_bytes("show", "12", "--json", PYTHONIOENCODING=encoding)
    assert as_json.returncode == 0
    assert "£5.5 billion" in json.loads(as_json.stdout)["answer"]
    assert run_bytes("pilots", PYTHONIOENCODING=encoding).returncode == 0
    error = run_bytes("show", "£", PYTHONIOENCODING=encoding)
    assert error.returncode == 2 and error.stderr.startswith(b"tp: no question")


def test_invalid_utf8_in_argv_through_the_shell() -> None:
    result = run_bytes("ask", b"savings \xff", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[0]["id"] == 12
    shown = run_bytes("show", b"\xff\xfe")
    assert shown.returncode == 2
    assert shown.stderr.decode() == (
        "tp: no question with id or slug '\ufffd\ufffd'; see 'tp questions' or try 'tp ask'\n"
    )


def test_tp_data_dir_environment_variable(tmp_path: Path) -> None:
    (tmp_path / "pilots.yaml").write_text(
        "pilots:\n  - {id: x, name: Xtown, region: Nowhere}\n", encoding="utf-8"
    )
    result = run_bytes("pilots", "--json", TP_DATA_DIR=str(tmp_path))
    [pilot] = json.loads(result.stdout)
    assert (pilot["id"], pilot["name"], pilot["region"]) == ("x", "Xtown", "Nowhere")
    info = json.loads(run_bytes("info", "--json", TP_DATA_DIR=str(tmp_path)).stdout)
    assert info["data_dir_source"] == "environment"
    empty = json.loads(run_bytes("info", "--json", TP_DATA_DIR="").stdout)
    assert empty["data_dir_source"] == "bundled"  # an empty variable means "not set"


# The output context, built by hand as tests of renderers do.


def test_a_context_built_for_a_pipe_writes_plain_text() -> None:
    stream = io.StringIO()
    out = OutputContext(stdout=stream, is_terminal=False, color=False)
    render_questions(out, load_faq(bundled_data_dir() / "faq.yaml"))
    assert stream.getvalue().splitlines()[11] == "12. What sort of savings can be made?"
    assert "\x1b" not in stream.getvalue()


def test_json_is_escaped_only_when_the_stream_cannot_encode_it() -> None:
    for encoding, expected in (("utf-8", '"£"'), ("ascii", '"\\u00a3"')):
        raw = io.BytesIO()
        stream = io.TextIOWrapper(raw, encoding=encoding)
        out = OutputContext(stdout=stream, is_terminal=False, color=False)
        write_json(out, "£")
        stream.flush()
        assert raw.getvalue().decode(encoding) == expected + "\n"


# Faults of the streams themselves: a full disk, closed descriptors, Ctrl-C while importing.


def shell(script: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run a bash script with $TP set, as a user's shell would run tp."""
    return subprocess.run(
        ["bash", "-c", script],
        capture_output=True,
        text=True,
        env=clean_env(TP=str(TP), **env),
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "code", "without_stdout"),
    [
        ("questions", 0, 74),
        ("show nope", 2, 2),
        ("ask zzqqxx", 1, 1),
        ("--data-dir /dev/null/missing info", 3, 3),
        ("export html -o /dev/null", 0, 0),
    ],
)
def test_closed_stdout_or_stderr_keeps_the_exit_codes(
    args: str, code: int, without_stdout: int
) -> None:
    """Output that cannot be written is exit 74; a command that prints nothing is unaffected."""
    closed_stdout = shell(f'"$TP" {args} >&-; echo "exit $?"')
    assert closed_stdout.stdout == f"exit {without_stdout}\n"
    assert "Traceback" not in closed_stdout.stderr and closed_stdout.stderr.count("\n") == 1
    closed_stderr = shell(f'"$TP" {args} 2>&- >/dev/null; echo "exit $?" >&2')
    assert closed_stderr.stderr == f"exit {code}\n"
    both = shell(f'"$TP" {args} >&- 2>&-; echo "exit $?"')
    assert both.stdout == f"exit {without_stdout}\n"


def hung_up_terminal() -> dict[str, Any]:
    """Stdout on a terminal whose other end has gone: writing to it fails with EIO."""
    master, slave = pty.openpty()
    os.close(master)
    return {"stdout": slave}


def full_device() -> dict[str, Any]:
    if not (os.path.exists("/dev/full") and stat.S_ISCHR(os.stat("/dev/full").st_mode)):
        pytest.skip("/dev/full is not a character device here")
    return {"stdout": os.open("/dev/full", os.O_WRONLY)}


STDOUT_FAULTS = {  # how to start tp with a stdout it cannot write to, and what it says
    "closed": (lambda: {"preexec_fn": lambda: os.close(1)}, "standard output is closed"),
    "EIO": (hung_up_terminal, "Input/output error"),
    "ENOSPC": (full_device, "No space left on device"),
}


@pytest.mark.parametrize("fault", STDOUT_FAULTS.values(), ids=STDOUT_FAULTS)
@pytest.mark.parametrize("args", [*EVERY_COMMAND, *EVERY_JSON, ["validate"]], ids=" ".join)
def test_output_that_cannot_be_written_is_one_line_and_exit_74(
    args: list[str], fault: tuple[Callable[[], dict[str, Any]], str]
) -> None:
    """Issue 22: with stdout closed tp said nothing and exited 0, as if it had written."""
    make, reason = fault
    options = make()
    assert TP is not None
    process = subprocess.Popen([TP, *args], stderr=subprocess.PIPE, env=clean_env(), **options)
    _, stderr = process.communicate(timeout=60)
    if "stdout" in options:
        os.close(options["stdout"])
    assert (process.returncode, stderr.decode()) == (74, f"tp: cannot write the output: {reason}\n")


def test_a_command_that_prints_nothing_succeeds_with_stdout_closed(tmp_path: Path) -> None:
    target = tmp_path / "faq.html"
    result = shell(f'"$TP" export html -o "{target}" >&-; echo "exit $?" >&2')
    assert re.fullmatch(rf"tp: wrote {re.escape(str(target))} \(\d+ KB\)\nexit 0\n", result.stderr)
    assert target.stat().st_size > 100_000


def test_ctrl_c_while_importing_is_interrupted_not_a_traceback() -> None:
    """The console script imports the CLI inside its own guard: Ctrl-C there exits 130."""
    script = (
        "import builtins, sys\n"
        "real = builtins.__import__\n"
        "def interrupted(name, *args, **kwargs):\n"
        "    if name == 'typer':\n"
        "        raise KeyboardInterrupt\n"
        "    return real(name, *args, **kwargs)\n"
        "builtins.__import__ = interrupted\n"
        "sys.argv = ['tp', 'questions']\n"
        "from totalplace_cli.__main__ import main\n"
        "main()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        env=clean_env(),
        timeout=60,
        check=False,
    )
    assert result.returncode == ExitCode.INTERRUPTED
    assert result.stderr == b"tp: interrupted\n"


# Data that attacks the terminal: escape sequences, bidi overrides, spreadsheet formulas.

HOSTILE_PILOTS = "\n".join(
    [
        "version: 1",
        "pilots:",
        "  - id: x",
        '    name: "=HYPERLINK(\\"http://e.example\\")\\e]52;c;ZXZpbA==\\a Xtown\\u202e"',
        '    region: "\\e[2JNowhere\\x9b31m"',
        "",
    ]
)


def test_escape_sequences_in_data_never_reach_a_terminal_or_pipe(tmp_path: Path) -> None:
    (tmp_path / "pilots.yaml").write_text(HOSTILE_PILOTS, encoding="utf-8")
    for args in (["pilots"], ["pilot", "x"], ["regions"], ["pilots", "--csv"]):
        piped = run_bytes("--data-dir", str(tmp_path), *args)
        assert piped.returncode == 0, piped.stderr
        assert b"Xtown" in piped.stdout and b"Nowhere" in piped.stdout
        for raw in (b"\x1b", b"\x07", "\u202e".encode(), "\x9b".encode()):
            assert raw not in piped.stdout, (args, raw)
        shown = run_in_terminal("--data-dir", str(tmp_path), *args)
        assert b"\x1b]52" not in shown and b"\x1b[2J" not in shown and b"\x07" not in shown


def test_json_escapes_control_characters_from_data(tmp_path: Path) -> None:
    (tmp_path / "pilots.yaml").write_text(HOSTILE_PILOTS, encoding="utf-8")
    result = run_bytes("--data-dir", str(tmp_path), "pilots", "--json")
    for raw in (b"\x1b", b"\x07", "\u202e".encode(), "\x9b".encode()):
        assert raw not in result.stdout
    [pilot] = json.loads(result.stdout)
    assert pilot["region"] == "\x1b[2JNowhere\x9b31m"  # the data itself, exactly


def test_csv_cells_that_would_be_formulas_are_quoted(tmp_path: Path) -> None:
    (tmp_path / "pilots.yaml").write_text(HOSTILE_PILOTS, encoding="utf-8")
    result = run_bytes("--data-dir", str(tmp_path), "pilots", "--csv")
    row = result.stdout.decode().splitlines()[1]
    assert row.startswith("x,\"'=HYPERLINK(")


# The edges a newcomer meets next (#25): whole records in pipes, whole URLs, help that fits.

ANSI = re.compile(r"\x1b\[[0-9;]*m")
OSC8 = b"\x1b]8;"


def record_count(command: str) -> int:
    """How many lines `tp COMMAND` prints into a pipe: one per record, plus any title line."""
    value = json.loads(run_bytes(command, "--json").stdout)
    if command == "validate":
        return len(value["files"]) + len(value["problems"])
    if command == "info":
        return len(value["files"]) + 2  # the version and the data folder
    return len(value) + (command in {"timeline", "facts"})  # "Beyond the FAQ" above the items


@pytest.mark.parametrize(
    "command",
    [
        "questions",
        "pilots",
        "regions",
        "themes",
        "glossary",
        "timeline",
        "facts",
        "validate",
        "info",
    ],
)
def test_every_listing_into_a_pipe_is_one_line_per_record_whatever_columns_says(
    command: str,
) -> None:
    """`tp pilots | grep Sunderland` finds the whole row: a pipe is never wrapped."""
    outputs = {
        run_bytes(command, **env).stdout for env in ({}, {"COLUMNS": "40"}, {"COLUMNS": "500"})
    }
    assert len(outputs) == 1  # COLUMNS changes nothing
    [output] = outputs
    assert output.count(b"\n") == record_count(command), output.decode()


def test_a_piped_pilot_row_has_its_region_and_themes() -> None:
    rows = run_bytes("pilots", COLUMNS="40").stdout.decode().splitlines()
    [row] = [row for row in rows if "Sunderland" in row]
    assert "North East" in row and row.endswith("drugs-and-alcohol")


@pytest.mark.parametrize(
    "args",
    [["pilot", "kent"], ["timeline"], ["facts"], ["ask", "kent", "--kind", "pilot"]],
    ids=" ".join,
)
def test_a_40_column_terminal_never_breaks_a_url(args: list[str]) -> None:
    """Each URL runs past the edge on a line of its own, so it can be clicked and copied."""
    shown = ANSI.sub("", run_in_terminal(*args, columns=40).decode().replace("\r\n", "\n"))
    urls = set(re.findall(r"https?://[^\s<>]+", run_bytes(*args).stdout.decode()))  # a pipe's
    assert urls and all(url in shown for url in urls), shown
    for line in shown.splitlines():
        if len(line) > 40:  # only a URL alone on its line, whole
            assert re.fullmatch(r" *<?https?://\S+", line), line
    assert OSC8 not in run_in_terminal(*args, columns=40)  # not a terminal known to show links


@pytest.mark.parametrize(
    ("env", "linked"),
    [
        ({"FORCE_HYPERLINK": "1"}, True),
        ({"TERM_PROGRAM": "WezTerm"}, True),
        ({"VTE_VERSION": "7600"}, True),
        ({"WT_SESSION": "x"}, True),
        ({"VTE_VERSION": "4800"}, False),
        ({"TERM_PROGRAM": "WezTerm", "FORCE_HYPERLINK": "0"}, False),
        ({"FORCE_HYPERLINK": "1", "NO_COLOR": "1"}, False),
        ({"FORCE_HYPERLINK": "1", "TERM": "dumb"}, False),
    ],
    ids=str,
)
def test_terminals_that_show_links_get_a_short_label_linking_the_whole_url(
    env: dict[str, str], linked: bool
) -> None:
    shown = run_in_terminal("pilot", "kent", columns=40, **env)
    url = b"https://www.leadershipcentre.org.uk/totalplace/totalplaces/pilot/kent.html"
    targets = re.findall(rb"\x1b\]8;id=\d+;([^\x1b]*)\x1b\\", shown)
    assert bool(targets) is linked
    if linked:  # the whole URL as the target, its host as the label: "<leadershipcentre.org.uk>"
        assert url in targets
        text = ANSI.sub("", re.sub(rb"\x1b\]8;[^\x1b]*\x1b\\", b"", shown).decode())
        assert "  <leadershipcentre.org.uk>\r\n" in text and url.decode() not in text
    assert OSC8 not in run_bytes("pilot", "kent", **env).stdout  # never into a pipe


def test_a_link_never_carries_control_characters_from_the_data(tmp_path: Path) -> None:
    url = '"https://e.example/a\\e]52;c;ZXZpbA==\\a"'
    (tmp_path / "sources.yaml").write_text(
        f"sources:\n  - {{id: s, url: {url}, title: T, publisher: P, type: blog}}\n",
        encoding="utf-8",
    )
    (tmp_path / "pilots.yaml").write_text(
        f"{HOSTILE_PILOTS}    themes: [{{text: Gangs, source: s}}]\n    sources: [s]\n",
        encoding="utf-8",
    )
    (tmp_path / "programme.yaml").write_text("events: []\n", encoding="utf-8")  # cites none
    shown = run_in_terminal("--data-dir", str(tmp_path), "pilot", "x", FORCE_HYPERLINK="1")
    assert OSC8 in shown and b"\x1b]52" not in shown and b"\x07" not in shown


@pytest.mark.parametrize("command", [[], *([name] for name in COMMANDS)], ids=str)
def test_help_fits_40_columns_in_a_pipe_and_in_a_terminal(command: list[str]) -> None:
    piped = run_bytes(*command, "--help", COLUMNS="40")
    shown = ANSI.sub("", run_in_terminal(*command, "--help", columns=40).decode())
    for text in (piped.stdout.decode(), shown.replace("\r\n", "\n")):
        assert [line for line in text.splitlines() if len(line) > 40] == []
    assert "tp export html -o faq.html" in run_bytes("--help", COLUMNS="40").stdout.decode()


def test_a_newcomer_s_forgiving_input_through_the_console_script() -> None:
    """Issue #25's first steps, as a shell runs them: meaning, spelling, plain option errors."""
    assert (
        run_bytes("search", "savings", "--json").stdout
        == run_bytes("ask", "savings", "--json").stdout
    )
    for args, line in (
        (
            ["serch", "savings"],
            "tp: No such command 'serch'. Did you mean 'ask'? (try 'tp --help')",
        ),
        (
            ["ask", "savings", "--limit", "abc"],
            "tp: --limit takes a whole number such as 5, at least 1 (try 'tp ask --help')",
        ),
        (
            ["pilots", "--theme", ""],
            "tp: the --theme value is empty; the themes are: children-and-young-people",
        ),
    ):
        result = run_bytes(*args)
        assert result.returncode == 2 and result.stderr.decode().startswith(line), result.stderr
        assert result.stderr.count(b"\n") == 1
    assert run_bytes("pilot", "margate").stdout.startswith(b"Kent\n")
    assert run_bytes("show", "WHAT IS TOTAL PLACE").stdout.startswith(b"1. What is Total Place?\n")
