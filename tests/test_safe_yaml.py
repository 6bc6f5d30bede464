"""Hostile and broken data files: never run code, never hang, one clear message each."""

from __future__ import annotations

import re
import resource
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from conftest import EVERY_COMMAND, EVERY_JSON, load_faq
from test_console_script import TP, run
from typer.testing import Result

from totalplace_cli.checking import check_file
from totalplace_cli.loading import MAX_DEPTH, MAX_FILE_BYTES, bundled_data_dir
from totalplace_cli.streams import ExitCode

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
    assert "alias bomb?" in result.stderr
    assert result.stderr.count("\n") == 1


def run_limited(*args: str) -> subprocess.CompletedProcess[str]:
    """`tp ARGS` under a 1 GiB address-space cap and a timeout: a bomb fails the test, not the
    machine (a refusal takes about a second)."""
    assert TP is not None
    return subprocess.run(
        [TP, *args], capture_output=True, text=True, timeout=60, preexec_fn=_limit_memory
    )


def entries(*lines: str) -> str:
    return "entries:\n" + "".join(f"  - {line}\n" for line in lines)


def reused_answer(reuses: int, size: int = 1_000_000) -> str:
    """The issue's case: an answer of `size` characters given an anchor, reused `reuses` times."""
    first = f'{{id: 1, slug: e-1, question: Q?, answer: &s "{"savings " * (size // 8)}"}}'
    others = [f"{{id: {n}, slug: e-{n}, question: Q?, answer: *s}}" for n in range(2, reuses + 2)]
    return entries(first, *others)


def nested_anchors() -> str:
    """A list anchor (100 texts of 10 KB) and a mapping anchor holding it twice, both reused."""
    words = "[" + ", ".join(["x" * 10_000] * 100) + "]"
    first = f"{{id: 1, slug: e-1, question: Q?, answer: A., keywords: &k {words}, "
    first += "x: &m {a: *k, b: *k}}"
    others = [
        f"{{id: {n}, slug: e-{n}, question: Q?, answer: A., keywords: *k, x: *m}}"
        for n in range(2, 2000)
    ]
    return entries(first, *others)


def anchored_keys(key: str) -> str:
    """A 1 MB key (text, or a list holding it) given an anchor, then reused as a key."""
    first = f"{{id: 1, slug: e-1, question: Q?, answer: A., ? &k {key} : 1}}"
    others = [
        f"{{id: {n}, slug: e-{n}, question: Q?, answer: A., ? *k : 1}}" for n in range(2, 3000)
    ]
    return entries(first, *others)


def many_values() -> str:
    """A 9 KB file of 1,000 one-letter keywords reused by 200 entries: few characters, but
    200,000 values for the checks to go through."""
    words = "[" + ", ".join(["a"] * 1000) + "]"
    first = f"{{id: 1, slug: e-1, question: Q?, answer: A., keywords: &k {words}}}"
    others = [
        f"{{id: {n}, slug: e-{n}, question: Q?, answer: A., keywords: *k}}" for n in range(2, 201)
    ]
    return entries(first, *others)


ALIAS_BOMBS = {
    "answer-999": lambda: reused_answer(999),
    "answer-3000": lambda: reused_answer(3000),
    "nested": nested_anchors,
    "text-key": lambda: anchored_keys('"' + "y" * 1_000_000 + '"'),
    "list-key": lambda: anchored_keys('["' + "z" * 1_000_000 + '"]'),
    "many-values": many_values,
}


@needs_tp
@pytest.mark.parametrize("make", ALIAS_BOMBS.values(), ids=ALIAS_BOMBS)
def test_aliases_that_stand_for_far_more_than_the_file_are_bad_data(
    tmp_path: Path, make: Callable[[], str]
) -> None:
    """Issue 22: each alias is charged all it stands for, in values and characters, against a
    budget proportional to the file's size; over it is bad data at the anchor's place."""
    (tmp_path / "faq.yaml").write_text(make(), encoding="utf-8")
    for args in (["questions"], ["validate"]):
        result = run_limited("--data-dir", str(tmp_path), *args)
        assert result.returncode == ExitCode.DATA, result.stderr
        assert "Traceback" not in result.stderr and "alias bomb?" in result.stdout + result.stderr
        assert re.search(
            rf"{re.escape(str(tmp_path))}/faq.yaml:\d+:\d+: ", result.stdout + result.stderr
        )


@needs_tp
@pytest.mark.parametrize("args", [*EVERY_COMMAND, ["validate"]], ids=" ".join)
def test_every_command_refuses_the_issues_alias_bomb(tmp_path: Path, args: list[str]) -> None:
    """A 1.2 MB faq.yaml whose 1 MB answer is reused 3,000 times (3 GB if expanded)."""
    (tmp_path / "faq.yaml").write_text(reused_answer(3000), encoding="utf-8")
    result = run_limited("--data-dir", str(tmp_path), *args)
    assert result.returncode == ExitCode.DATA, result.stderr
    assert f"{tmp_path / 'faq.yaml'}:2:46: " in result.stdout + result.stderr  # the anchor
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1


def test_aliases_within_four_times_the_files_size_are_read(tmp_path: Path) -> None:
    """The budget's edge: a 1 MB answer used three times in a 1 MB file (3 MB) is read; used
    five times (5 MB) it is refused."""
    path = tmp_path / "faq.yaml"
    path.write_text(reused_answer(2), encoding="utf-8")
    assert [len(entry.answer) for entry in load_faq(path)] == [1_000_000] * 3
    path.write_text(reused_answer(4), encoding="utf-8")
    assert "characters of text (4 times its size, or 1 MiB)" in read_problem(path)


def programme_with(date: str) -> str:
    """The bundled programme.yaml with its second event's date replaced by `date`."""
    text = (bundled_data_dir() / "programme.yaml").read_text(encoding="utf-8")
    assert 'date: "2009-04-22"\n' in text
    return text.replace('date: "2009-04-22"\n', f"date: {date}\n", 1)


IMPOSSIBLE = {  # file, its text, where the value is
    "faq-answer": (
        "faq.yaml",
        entries("{id: 1, slug: a, question: Q?, answer: 2010-02-30}"),
        "2:44",
    ),
    "programme": ("programme.yaml", programme_with("2009-09-31"), "29:11"),
    "programme-quoted": ("programme.yaml", programme_with('"2009-09-31"'), "29:11"),
    "bad-offset": ("programme.yaml", programme_with("2009-09-30 10:00:00 +99:00"), "29:11"),
    "long-number": (
        "faq.yaml",
        entries("{id: " + "9" * 5000 + ", slug: a, question: Q?, answer: A.}"),
        "2:10",
    ),
    "long-hex": (
        "faq.yaml",
        entries("{id: 0x" + "f" * 5000 + ", slug: a, question: Q?, answer: A.}"),
        "2:10",
    ),
    "nan": ("faq.yaml", entries("{id: .nan, slug: a, question: Q?, answer: A.}"), "2:10"),
    "infinity": (
        "faq.yaml",
        entries("{id: 1.0e+99999, slug: a, question: Q?, answer: A.}"),
        "2:10",
    ),
}


@pytest.mark.parametrize("case", IMPOSSIBLE.values(), ids=IMPOSSIBLE)
def test_values_yaml_cannot_convert_are_bad_data_in_every_command(
    tmp_path: Path, tp: Callable[..., Result], case: tuple[str, str, str]
) -> None:
    """Issue 22: `2010-02-30` was a ValueError traceback in every command and in `tp validate`;
    a number Python cannot print (over 4,300 digits) was one too."""
    name, text, place = case
    (tmp_path / name).write_text(text, encoding="utf-8")
    where = f"{tmp_path / name}:{place}: "
    for args in [*EVERY_COMMAND, *EVERY_JSON]:
        result = tp("--data-dir", str(tmp_path), *args)
        assert (result.exit_code, result.exception) == (ExitCode.DATA, None), args
        assert result.stderr.startswith(f"tp: {where}") and result.stderr.count("\n") == 1
        assert len(result.stderr) < 300  # a 5,000-digit number is not repeated whole
    validated = tp("--data-dir", str(tmp_path), "validate")
    assert validated.exit_code == ExitCode.DATA and f"{where}error: " in validated.stdout


@needs_tp
@pytest.mark.parametrize("case", IMPOSSIBLE.values(), ids=IMPOSSIBLE)
def test_values_yaml_cannot_convert_through_a_real_process(
    tmp_path: Path, case: tuple[str, str, str]
) -> None:
    name, text, place = case
    (tmp_path / name).write_text(text, encoding="utf-8")
    for args in (["validate"], ["show", "1"]):
        result = run_limited("--data-dir", str(tmp_path), *args)
        assert result.returncode == ExitCode.DATA and "Traceback" not in result.stderr
        assert f"{tmp_path / name}:{place}: " in result.stdout + result.stderr


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
