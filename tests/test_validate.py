"""`tp validate` and `tp info`: what a user checking their own data sees."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import bundled_data
from typer.testing import Result

from totalplace_cli import __version__
from totalplace_cli.loading import bundled_data_dir

Tp = Callable[..., Result]

GOOD_FAQ = "version: 1\nentries:\n  - {id: 1, slug: mine, question: Mine?, answer: Yes.}\n"
GOOD_PILOTS = "version: 1\npilots:\n  - {id: x, name: Xtown, region: Nowhere}\n"
RULES = len(bundled_data().thesaurus)
BAD_FAQ = (
    "entries:\n"
    "  - {id: 1, slug: a, question: Q?}\n"  # line 2: no answer
    "  - {id: 1, slug: b, question: Q?, answer: A., colour: red}\n"  # line 3: dup id, unknown key
)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    return folder


def test_validate_without_path_checks_the_bundled_data(tp: Tp) -> None:
    result = tp("validate")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        f"ok: {bundled_data_dir() / 'faq.yaml'} (14 entries)",
        f"ok: {bundled_data_dir() / 'pilots.yaml'} (13 pilots)",
        f"ok: {bundled_data_dir() / 'glossary.yaml'} (13 terms)",
        f"ok: {bundled_data_dir() / 'programme.yaml'} (13 events)",
        f"ok: {bundled_data_dir() / 'sources.yaml'} (37 sources)",
        f"ok: {bundled_data_dir() / 'synonyms.yaml'} ({RULES} rules)",
    ]


def test_validate_lists_every_problem_with_file_line_column(tp: Tp, data: Path) -> None:
    faq = data / "faq.yaml"
    faq.write_text(BAD_FAQ, encoding="utf-8")
    result = tp("validate", str(data))
    assert result.exit_code == 3
    assert result.stdout.splitlines() == [
        f"{faq}:2:5: error: entry 1 (id 1): 'answer' is missing (non-empty text)",
        f"{faq}:3:10: error: entry 2 (id 1): duplicate id 1 (first at line 2)",
        f"{faq}:3:48: warning: entry 2 (id 1): unknown key 'colour' is ignored; "
        "known: id, slug, question, answer, keywords, also_asked",
        f"INVALID: {faq} (2 entries, 2 errors, 1 warning)",
    ]
    assert result.stderr == "tp: 2 errors in the data (listed above)\n"


def test_validate_json(tp: Tp, data: Path) -> None:
    (data / "faq.yaml").write_text(BAD_FAQ, encoding="utf-8")
    (data / "pilots.yaml").write_text(GOOD_PILOTS, encoding="utf-8")
    result = tp("validate", str(data), "--json")
    assert result.exit_code == 3
    report = json.loads(result.stdout)
    assert (report["valid"], report["errors"], report["warnings"]) == (False, 2, 1)
    assert [(f["kind"], f["entries"], f["valid"]) for f in report["files"]] == [
        ("faq", 2, False),
        ("pilots", 1, True),
    ]
    assert report["problems"][1] == {
        "path": str(data / "faq.yaml"),
        "line": 3,
        "column": 10,
        "severity": "error",
        "message": "entry 2 (id 1): duplicate id 1 (first at line 2)",
        "record": "entry 2 (id 1)",
    }


def test_warnings_alone_keep_exit_0(tp: Tp, data: Path) -> None:
    (data / "faq.yaml").write_text(GOOD_FAQ + "notes: mine\n", encoding="utf-8")
    (data / "faq.yml").write_text("stray\n", encoding="utf-8")
    result = tp("validate", str(data))
    assert result.exit_code == 0, result.stdout
    assert f"{data / 'faq.yaml'}:4:1: warning: unknown key 'notes'" in result.stdout
    assert f"{data / 'faq.yml'}: warning: ignored: tp reads only" in result.stdout
    assert f"ok: {data / 'faq.yaml'} (1 entry, 1 warning)" in result.stdout


def test_validate_one_file_by_name_or_content(tp: Tp, tmp_path: Path) -> None:
    mine = tmp_path / "my-pilots.yml"
    mine.write_text(GOOD_PILOTS, encoding="utf-8")
    assert tp("validate", str(mine)).output == f"ok: {mine} (1 pilot)\n"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "nope", "no such file or folder"),
        (
            lambda d: d,
            "no faq.yaml or pilots.yaml or glossary.yaml or programme.yaml or sources.yaml or "
            "synonyms.yaml in this folder",
        ),
        (lambda d: (d / "faq.yaml").write_bytes(b"\x00\x01") and d, "binary file"),
    ],
)
def test_validate_unusable_paths_exit_3(
    tp: Tp, data: Path, make: Callable[[Path], Path], message: str
) -> None:
    result = tp("validate", str(make(data)))
    assert result.exit_code == 3
    assert message in result.stdout
    assert result.stderr.startswith("tp: 1 error in the data")


def test_validate_uses_the_data_dir_in_use(tp: Tp, data: Path) -> None:
    (data / "faq.yaml").write_text(BAD_FAQ, encoding="utf-8")
    result = tp("--data-dir", str(data), "validate")
    assert result.exit_code == 3
    assert f"INVALID: {data / 'faq.yaml'}" in result.stdout
    assert f"ok: {bundled_data_dir() / 'pilots.yaml'}" in result.stdout


def test_info_bundled(tp: Tp) -> None:
    result = tp("info")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        f"tp {__version__}",
        "data folder: none (bundled data)",
        f"faq:       {bundled_data_dir() / 'faq.yaml'} (bundled): 14 entries, format version 1",
        f"pilots:    {bundled_data_dir() / 'pilots.yaml'} (bundled): 13 pilots, format version 1",
        f"glossary:  {bundled_data_dir() / 'glossary.yaml'} (bundled): 13 terms, format version 1",
        f"programme: {bundled_data_dir() / 'programme.yaml'} (bundled): 13 events, "
        "format version 1",
        f"sources:   {bundled_data_dir() / 'sources.yaml'} (bundled): 37 sources, format version 1",
        f"synonyms:  {bundled_data_dir() / 'synonyms.yaml'} (bundled): {RULES} rules, "
        "format version 1",
    ]


def test_info_json_tells_where_each_file_comes_from(
    tp: Tp, data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (data / "pilots.yaml").write_text(GOOD_PILOTS, encoding="utf-8")
    by_option = json.loads(tp("--data-dir", str(data), "info", "--json").stdout)
    assert by_option["tp_version"] == __version__
    assert (by_option["data_dir"], by_option["data_dir_source"]) == (str(data), "option")
    assert [(f["kind"], f["source"], f["entries"]) for f in by_option["files"]] == [
        ("faq", "bundled", 14),
        ("pilots", "user", 1),
        ("glossary", "bundled", 13),
        ("programme", "bundled", 13),
        ("sources", "bundled", 37),
        ("synonyms", "bundled", RULES),
    ]
    assert by_option["files"][1]["path"] == str(data / "pilots.yaml")
    monkeypatch.setenv("TP_DATA_DIR", str(data))
    by_environment = json.loads(tp("info", "--json").stdout)
    assert by_environment["data_dir_source"] == "environment"
    assert json.loads(tp("--data-dir", str(data), "info", "--json").stdout)["data_dir_source"] == (
        "option"
    )


def test_info_with_invalid_data_still_shows_files_then_exits_3(tp: Tp, data: Path) -> None:
    (data / "faq.yaml").write_text(BAD_FAQ, encoding="utf-8")
    result = tp("--data-dir", str(data), "info")
    assert result.exit_code == 3
    assert f"faq:       {data / 'faq.yaml'} (yours): INVALID (2 errors; run 'tp validate')" in (
        result.stdout
    )
    assert result.stderr == (
        f"tp: {data / 'faq.yaml'}:2:5: entry 1 (id 1): 'answer' is missing (non-empty text) "
        "(and 1 more); run 'tp validate' for every problem\n"
    )


def test_bad_data_names_file_line_and_entry_for_every_command(tp: Tp, data: Path) -> None:
    """Every command reads the one store, built only from valid files: each names the problem."""
    (data / "faq.yaml").write_text(BAD_FAQ, encoding="utf-8")
    for command in (["questions"], ["show", "1"], ["ask", "savings"], ["pilots"], ["timeline"]):
        result = tp("--data-dir", str(data), *command)
        assert result.exit_code == 3, command
        assert result.stderr.startswith(f"tp: {data / 'faq.yaml'}:2:5: entry 1 (id 1): ")
        assert result.stderr.count("\n") == 1


def test_a_folder_named_like_a_data_file_is_reported_not_skipped(tp: Tp, data: Path) -> None:
    (data / "faq.yaml").write_text(GOOD_FAQ, encoding="utf-8")
    (data / "pilots.yaml").mkdir()
    result = tp("--data-dir", str(data), "pilots")
    assert result.exit_code == 3
    assert result.stderr == f"tp: {data / 'pilots.yaml'}: is a folder, not a file\n"


def test_info_shows_warning_counts(tp: Tp, data: Path) -> None:
    (data / "faq.yaml").write_text(GOOD_FAQ + "notes: mine\n", encoding="utf-8")
    result = tp("--data-dir", str(data), "info")
    assert result.exit_code == 0
    assert f"faq:       {data / 'faq.yaml'} (yours): 1 entry, format version 1, 1 warning" in (
        result.stdout
    )
